"""Ringing cash sales in-process against durable single-row commits.

Each sale: open an order, ring three items, pay cash with change, post the
payment and the sale: one durable commit (synchronous=FULL, WAL), because
the sale is rung as one atomic transaction.  The same number of plain
single-row durable commits is timed in the same run.  Also times the same
sales step by step (one commit per step, as separate CLI commands do).

Target: sales per second at least 0.5 of the raw durable commit rate.

    python bench/register.py [N]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payments.service import pay  # noqa: E402
from pos.catalog import add_item  # noqa: E402
from pos.drawer import open_drawer  # noqa: E402
from pos.ledger import verify  # noqa: E402
from pos.orders import add_line, new_order  # noqa: E402
from pos.setup import init_store  # noqa: E402


def make_store(path: Path):
    store = init_store(path, name="Bench", timezone="UTC", tax_rate="8.875")
    for sku, price in (("PIZZA", "12.50"), ("SODA", "2.49"), ("GARLIC", "5.25")):
        add_item(store, sku, sku.title(), price)
    open_drawer(store, 1, "500")
    return store


def ring(store, atomic: bool) -> None:
    def sale() -> None:
        order = new_order(store, "counter")
        for sku in ("PIZZA", "SODA", "GARLIC"):
            add_line(store, order.id, sku)
        pay(store, order.id, "cash", "50")

    if atomic:
        with store.write():
            sale()
    else:
        sale()


def bench_sales(path: Path, n: int, atomic: bool) -> float:
    store = make_store(path)
    t0 = time.perf_counter()
    for _ in range(n):
        ring(store, atomic)
    elapsed = time.perf_counter() - t0
    assert verify(store).problem is None
    assert store.one("SELECT count(*) FROM orders WHERE status = 'paid'")[0] == n
    store.close()
    return elapsed


def bench_commits(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t(body) VALUES (?)", (f"sale {i}",))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        raw_s = bench_commits(base / "raw.db", n)
        sale_s = bench_sales(base / "atomic.db", n, atomic=True)
        step_s = bench_sales(base / "steps.db", n, atomic=False)
    raw_rate, sale_rate, step_rate = n / raw_s, n / sale_s, n / step_s
    print(f"sales:                         {n:,}")
    print(f"raw durable commits:           {raw_rate:,.0f}/s")
    print(f"cash sales, one commit each:   {sale_rate:,.0f}/s  ({sale_s / n * 1000:.2f} ms a sale)")
    print(f"  ratio to raw commits:        {sale_rate / raw_rate:.2f}  (target >= 0.50)")
    print(f"cash sales, commit per step:   {step_rate:,.0f}/s  ({step_s / n * 1000:.2f} ms a sale, 6 commits)")
    print(f"  ratio to raw commits:        {step_rate / raw_rate:.2f}")


if __name__ == "__main__":
    main()
