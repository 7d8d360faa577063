"""The ``pos`` commands, one module per command group, loaded only when their group is called.

``cli.py`` is the entry point: the root app, ``--db``, the error boundary, the sign-in
check and the lazy loading.  Each module here holds one group (``orders``: ``pos order
...``) or a few top-level commands (``pay``: ``pos pay``, ``pos refund``, ``pos void``),
and the permission each state-changing command needs (its ``ACTIONS``).  What every
command shares lives in three modules: ``context`` (the store, who is acting, the
options' types), ``output`` (JSON, money, tables, spinners) and ``files`` (writing a
file whole or not at all).  Commands parse, call the library and print; they hold no
business rule.  Nothing here imports ``cli``.
"""
