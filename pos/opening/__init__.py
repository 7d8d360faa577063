"""Opening a store: creating it (pos init), and bringing one from an older version up to date when a command opens it.
May use: every other package of pos/.
"""
