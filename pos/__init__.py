"""Anytender business core: money, catalog, orders, staff and shifts, ledger, storage. Never prints."""
