"""Cash: the drawers (float, paid-ins and -outs, drops, what they should hold) and where a float comes from and goes.
May use: pos.base, pos.store, pos.people, pos.books, pos.sales.
"""
