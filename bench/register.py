"""Ringing cash sales in-process against durable single-row commits.

Each sale: open an order, ring three items, pay cash with change, post the
payment and the sale: one durable commit (synchronous=FULL, WAL), because
the sale is rung as one atomic transaction.  The same number of plain
single-row durable commits is timed in the same rounds.  Also times the same
sales step by step (one commit per step, as separate CLI commands do).

The N sales are rung in ROUNDS rounds (default 1,000 in 20: 50 of each a
round, a fraction of a second); every round rings its sales, makes its raw
commits and rings its step-by-step sales, which goes first rotating, and the
ratio is taken per round (see bench/_timing.py): an fsync that slows down
half way slows both sides of the rounds it falls in.

Target: sales per second at least 0.5 of the raw durable commit rate (median round).

    python bench/register.py [N] [ROUNDS]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from payments.service import pay  # noqa: E402
from pos.store.catalog import add_item  # noqa: E402
from pos.cash.drawer import open_drawer  # noqa: E402
from pos.books.journal_check import verify  # noqa: E402
from pos.sales.orders import add_line, new_order  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402


def make_store(path: Path):
    store = init_store(path, name="Bench", timezone="UTC", tax_rate="8.875")
    for sku, price in (("PIZZA", "12.50"), ("SODA", "2.49"), ("GARLIC", "5.25")):
        add_item(store, sku, sku.title(), price)
    open_drawer(store, 1, "500")
    return store


def sale(store) -> None:
    order = new_order(store, "counter")
    for sku in ("PIZZA", "SODA", "GARLIC"):
        add_line(store, order.id, sku)
    pay(store, order.id, "cash", "50")


def atomic_sale(store) -> None:
    """The whole sale in one transaction: one durable commit."""
    with store.write():
        sale(store)


def raw_commit(conn: sqlite3.Connection, body: str) -> None:
    """One plain single-row durable commit."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t(body) VALUES (?)", (body,))
    conn.execute("COMMIT")


def raw_store(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def measure(n: int = 1000, rounds: int = 20) -> list[_timing.Result]:
    size = max(1, n // rounds)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        raw, atomic, steps = raw_store(base / "raw.db"), make_store(base / "atomic.db"), make_store(base / "steps.db")
        measured = _timing.interleave({
            "sales": lambda: _timing.times(size, lambda: atomic_sale(atomic)),
            "raw": lambda: _timing.times(size, lambda: raw_commit(raw, "sale")),
            "steps": lambda: _timing.times(size, lambda: sale(steps)),
        }, rounds)
        for store in (atomic, steps):
            assert verify(store).problem is None
            assert store.one("SELECT count(*) FROM orders WHERE status = 'paid'")[0] == size * rounds
            store.close()
        raw.close()
    print(f"sales: {size * rounds:,} of each kind, {size:,} a round")
    return [
        measured.compare("cash sales, one commit each / raw commits", "sales", "raw", "/s", _timing.at_least(0.5)),
        measured.compare("cash sales, commit per step (6) / raw commits", "steps", "raw", "/s"),
    ]


if __name__ == "__main__":
    _timing.main(measure)
