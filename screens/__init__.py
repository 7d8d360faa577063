"""Interactive sessions as state machines: one line in, messages out, then a redraw.

:mod:`screens.register` is the cashier's counter register, :mod:`screens.kiosk`
a self-checkout kiosk's screen; :mod:`screens.lines` is how both read a line.
A screen never prints or prompts: ``pos register`` and ``pos kiosk run`` do the
terminal, and tests and benches drive the same objects in-process.  Screens sit
above receipts, payments and the core, and below the demo and the commands.
"""
