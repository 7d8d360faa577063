"""The register session at speed: 10,000 scripted lines fed in-process, time per line.

A cashier's shift as lines: scans (some with quantities), a removal, a
discount, totals, and cash payments with change (no processor calls, as the
issue asks).  Each line is timed with the screen redraw that follows it, as
``pos register`` does.  Prints the median and the 99th percentile.

Target: p99 under 5 ms.

    python bench/register_session.py [LINES]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pos.catalog import add_item  # noqa: E402
from pos.drawer import open_drawer  # noqa: E402
from pos.setup import init_store  # noqa: E402
from pos.staff import add_staff, start_shift  # noqa: E402
from screens.register import Session  # noqa: E402

SALE = ["PIZZA-M", "3*SODA", "GARLIC", "-", "d 10% regular", "t", "cash 50"]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        store = init_store(Path(tmp) / "pos.db", name="Bench", timezone="America/New_York", tax_rate="8.875")
        for sku, name, price in (("PIZZA-M", "Margherita 12in", "12.50"), ("SODA", "Soda 20oz", "2.49"),
                                 ("GARLIC", "Garlic knots", "5.25")):
            add_item(store, sku, name, price)
        cashier = add_staff(store, "Alice", "cashier", "1234")
        start_shift(store, "Alice")
        open_drawer(store, 1, "5000")
        session = Session(store, cashier, 1)
        times = []
        kinds: dict[str, list[float]] = {}
        for i in range(n):
            line = SALE[i % len(SALE)]
            t0 = time.perf_counter()
            messages = session.handle(line)
            session.screen()
            took = time.perf_counter() - t0
            times.append(took)
            kinds.setdefault(line.split(" ")[0], []).append(took)
            assert messages and not messages[0].startswith(("No ", "Only")), (line, messages)
        times.sort()
        p99 = times[int(len(times) * 0.99) - 1]
        print(f"lines: {n:,} ({n // len(SALE):,} sales)")
        print(f"median per line: {statistics.median(times) * 1000:.2f} ms")
        print(f"p99 per line:    {p99 * 1000:.2f} ms   (target < 5 ms)")
        for kind, spent in sorted(kinds.items()):
            spent.sort()
            print(f"  {kind:<8} median {statistics.median(spent) * 1000:.2f} ms, "
                  f"p99 {spent[int(len(spent) * 0.99) - 1] * 1000:.2f} ms")
        store.close()


if __name__ == "__main__":
    main()
