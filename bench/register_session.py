"""The register session at speed: 10,000 scripted lines fed in-process, time per line.

A cashier's shift as lines: scans (some with quantities), a removal, a
discount, totals, and cash payments with change (no processor calls, as the
issue asks).  Each line is timed with the screen redraw that follows it, as
``pos register`` does.  The lines run in ROUNDS rounds (default 10, of
1,000 lines each; see bench/_timing.py); the script prints the min / median /
max over the rounds of each round's median and 99th percentile, and the
median and p99 of each kind of line over the whole run.

Target: p99 under 5 ms (median round).

    python bench/register_session.py [LINES] [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from pos.store.catalog import add_item  # noqa: E402
from pos.cash.drawer import open_drawer  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402
from pos.people.staff import add_staff, start_shift  # noqa: E402
from screens.register import Session  # noqa: E402

SALE = ["PIZZA-M", "3*SODA", "GARLIC", "-", "d 10% regular", "t", "cash 50"]


def measure(lines: int = 10_000, rounds: int = 10) -> list[_timing.Result]:
    size = max(1, lines // rounds)
    with tempfile.TemporaryDirectory() as tmp:
        store = init_store(Path(tmp) / "pos.db", name="Bench", timezone="America/New_York", tax_rate="8.875")
        for sku, name, price in (("PIZZA-M", "Margherita 12in", "12.50"), ("SODA", "Soda 20oz", "2.49"),
                                 ("GARLIC", "Garlic knots", "5.25")):
            add_item(store, sku, name, price)
        from pos.store import config

        # One shift of 1,400 sales: over the store's per-shift limits the register would ask for a manager.
        # What is timed is each line with its checks against the limits, not a manager's approval.
        for option in ("approval.voids_per_shift_over", "approval.discounts_per_shift_over"):
            config.set_option(store, option, "1000000")
        cashier = add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        open_drawer(store, 1, "5000")
        session = Session(store, cashier, 1)
        kinds: dict[str, list[float]] = {}
        by_round: list[list[float]] = [[] for _ in range(rounds)]

        def step(line: str) -> list[str]:
            messages = session.handle(line)
            session.screen()
            return messages

        for i in range(size * rounds):
            line = SALE[i % len(SALE)]
            took, messages = _timing.timed(lambda: step(line))
            by_round[i // size].append(took * 1000)
            kinds.setdefault(line.split(" ")[0], []).append(took * 1000)
            assert messages and not messages[0].startswith(("No ", "Only")), (line, messages)
        store.close()
    print(f"lines: {size * rounds:,} ({size * rounds // len(SALE):,} sales), {size:,} a round")
    for kind, spent in sorted(kinds.items()):
        print(f"  {kind:<8} median {statistics.median(spent):.2f} ms, p99 {_timing.percentile(spent, 0.99):.2f} ms")
    return [
        _timing.absolute("median per line", [statistics.median(r) for r in by_round], "ms"),
        _timing.absolute("p99 per line", [_timing.percentile(r, 0.99) for r in by_round], "ms", _timing.below(5)),
    ]


if __name__ == "__main__":
    _timing.main(measure)
