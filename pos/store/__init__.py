"""The store: its SQLite file, migrations and control chains, settings and options, the clock and business days, the audit trail, the staff records (roster), the menu (catalog, taxes, quick keys).
May use: pos.base.
"""
