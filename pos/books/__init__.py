"""The books: the chart of accounts, the journal (double-entry, append-only, chained) and its canonical form, exports.
May use: pos.base, pos.store, pos.people.
"""
