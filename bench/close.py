"""Closing a 100,000-order day: time `pos day close` and `pos day report`, and peak memory.

Generates one business day in a training store (so card settlement has
processor data to match): N orders across the four channels, paid in cash
(with change, some tipped to the pool), by card and by link (with fees and
some tips to a named server), cash on delivery (handed in by the driver),
a refund every 50th order, shifts for the pool.  The rows go in through
the ledger's bulk API, so the journal holds exactly what the live code
would post.  Then, in the same run:

- ``close_day`` (drawer counted exactly, settlement matched, pool shared),
  CLOSE_ROUNDS times (default 3), each on a fresh copy of the generated store
  (a day closes once), the copy made untimed just before;
- ``day_report`` for that day, REPORT_ROUNDS times (default 5);
- ``hledger balance`` over the same day's exported journal (when hledger is
  installed) against ``day_report``, in HLEDGER_ROUNDS rounds (default 2:
  hledger takes some 20 s a run here) of one of each, which goes first
  alternating (see bench/_timing.py), the ratio taken per round;
- the peak memory (max RSS) of this process.

Targets (on the median round): close < 2 s, report < 1 s, memory < 200 MB,
report/hledger < 1.  Generating the default 100,000 orders takes about 8 s
here, the whole bench about 55 s (40 of them hledger's).

    python bench/close.py [N] [CLOSE_ROUNDS] [REPORT_ROUNDS] [HLEDGER_ROUNDS]
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from payments.stripe.settlement import settlement_for  # noqa: E402
from payments.training import fee_minor  # noqa: E402
from pos.books import accounts, ledger  # noqa: E402
from pos.sales import posting_rules as rules
from pos.store.clock import business_day  # noqa: E402
from pos.day.close import close_day  # noqa: E402
from pos.books.export import ExportFormat, export_ledger  # noqa: E402
from pos.books.ledger import Draft, Posting, SourceKind  # noqa: E402
from pos.day.report import day_report  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402
from pos.base.secret_files import KeyLocation  # noqa: E402
from pos.people.staff import add_staff  # noqa: E402
from pos.store.store import Store, iso, utc_now  # noqa: E402

CHANNELS = ("counter", "phone", "delivery", "kiosk")
DRAWER = accounts.drawer(1)
CLEARING = "assets:clearing:training"


def build(path: Path, n: int):
    """A training store holding yesterday's N orders; returns (store, day)."""
    store = init_store(path, name="Bench Pizza", timezone="America/New_York", tax_rate="8.875", training=True)
    now = utc_now()
    day = business_day(now, store.settings) - timedelta(days=1)
    for name, role in (("Alice", "cashier"), ("Bob", "server"), ("Dave", "driver")):
        add_staff(store, name, role, "2580")
    opened = iso(now - timedelta(minutes=1))
    with store.write() as conn:
        for staff_id, hours in ((1, 8), (2, 6), (3, 5)):
            start = now - timedelta(days=1, hours=hours)
            conn.execute("INSERT INTO shifts(staff_id, business_day, started_at, ended_at, register) "
                         "VALUES (?, ?, ?, ?, 1)", (staff_id, day.isoformat(), iso(start), iso(now - timedelta(days=1))))
        # As open_drawer does: the drawer's own entries start after the journal's head when it opened.
        conn.execute("INSERT INTO drawers(id, register, opened_at, float_minor, first_entry) "
                     "VALUES (1, 1, ?, 20000, (SELECT coalesce(max(id), 0) + 1 FROM journal_entries))", (opened,))
    drafts = [Draft("drawer:1:float", "Float", SourceKind.DRAWER, "drawer:1",
                    rules.transfer(DRAWER, "equity:owner", 20000, "USD"), day)]
    orders, payments = [], []
    driver_held = 0
    for i in range(n):
        order_id, pay_id = f"ord_{i:07d}", f"pay_{i:07d}"
        subtotal = 800 + (i * 7919) % 4000
        tax = (subtotal * 8875 + 50000) // 100000
        total = subtotal + tax
        channel = CHANNELS[i % 4]
        orders.append((order_id, day.isoformat(), i + 1, channel, "paid", iso(now), iso(now)))
        drafts.append(Draft(f"order:{order_id}:sale", f"Sale #{i + 1}", SourceKind.ORDER, order_id,
                            [Posting(accounts.RECEIVABLE_ORDERS, total, "USD"), Posting(accounts.SALES, -subtotal, "USD"),
                             Posting("liabilities:tax:standard", -tax, "USD")], day))
        kind = i % 10
        tip, tip_to, details = 0, None, {}
        if kind < 5:  # cash, handed a round note, some tipping the pool from the change
            tender, tendered = "cash", (total // 500 + 1) * 500
            tip = 100 if i % 5 == 0 and tendered - total >= 100 else 0
            tip_to = "pool" if tip else None
            postings = rules.payment(DRAWER, total, "USD", tendered_minor=tendered, tip_minor=tip,
                                     tip_account=accounts.TIP_POOL if tip else None, change_account=DRAWER)
        elif kind < 9 and kind != 8:  # card or link through the training processor, with its fee
            tender = "card" if kind < 7 else "link"
            tip = 200 if i % 7 == 0 else 0
            tip_to = "bob" if tip else None
            postings = rules.payment(CLEARING, total, "USD", tip_minor=tip,
                                     tip_account=accounts.tips_owed("bob") if tip else None)
            fee = fee_minor(total + tip)
            details = {"fee_minor": fee}
            drafts.append(Draft(f"payment:{pay_id}:fee", "Processor fee", SourceKind.PAYMENT, order_id,
                                rules.transfer(accounts.CARD_FEES, CLEARING, fee, "USD"), day))
        else:  # cash on delivery: Dave holds it until he hands it in
            tender = "cod"
            postings = rules.payment(accounts.driver_cash("dave"), total, "USD")
            driver_held += total
        drafts.append(Draft(f"payment:{pay_id}:capture", f"{tender} payment", SourceKind.PAYMENT, order_id,
                            postings, day))
        payments.append((pay_id, order_id, tender, "captured", total, tip, tip_to, f"train_{pay_id}", pay_id,
                         json.dumps(details), iso(now), iso(now)))
        if i % 50 == 49 and tender == "cash":
            drafts.append(Draft(f"refund:ref_{i:07d}", "Refund: cold", SourceKind.REFUND, order_id,
                                [Posting(accounts.SALES, 100, "USD"), Posting(DRAWER, -100, "USD")], day))
        if i % 1000 == 999 and driver_held:
            drafts.append(Draft(f"driver:dave:handin:{i}", "Dave hands in", SourceKind.DRIVER, "dave",
                                rules.transfer(DRAWER, accounts.driver_cash("dave"), driver_held, "USD"), day))
            driver_held = 0
    with store.write() as conn:
        conn.executemany("INSERT INTO orders(id, business_day, number, channel, status, created_at, closed_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", orders)
        conn.executemany("INSERT INTO payments(id, order_id, tender, state, amount_minor, tip_minor, tip_to, "
                         "processor_ref, idempotency_key, details, currency, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?)", payments)
        for start in range(0, len(drafts), 20000):
            ledger.post_many(store, drafts[start:start + 20000])
    return store, day


def measure(n: int = 100_000, close_rounds: int = 3, report_rounds: int = 5,
            hledger_rounds: int = 2) -> list[_timing.Result]:
    with tempfile.TemporaryDirectory() as tmp:
        built_path = Path(tmp) / "built.db"
        t0 = time.perf_counter()
        # Generated in another process, so the peak memory below is the close's and the report's alone.
        built = subprocess.run([sys.executable, __file__, "--build", str(built_path), str(n)], check=True,
                               capture_output=True, text=True).stdout.split()
        day, entries = date.fromisoformat(built[0]), int(built[1])
        print(f"generated: {n:,} orders, {entries:,} journal entries in {time.perf_counter() - t0:.1f} s")
        copy: dict = {}  # the store being closed and its drawer's expected cash

        def fresh_copy() -> None:
            """Untimed, before each close: a copy of the generated store, and what its drawer should hold."""
            if copy:
                copy["store"].close()
            path = Path(tmp) / "pos.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
                if Path(f"{built_path}{suffix}").exists():
                    shutil.copyfile(f"{built_path}{suffix}", f"{path}{suffix}")
            copy["store"] = store = Store.open(path)
            store.memo["stripe_settings"] = None
            store.keys = KeyLocation(file=Path(tmp) / "closing.ed25519")  # made at the first close, then reused
            copy["expected"] = ledger.balances(store, prefix=DRAWER)[(DRAWER, "USD")]

        def close() -> None:
            store, count = copy["store"], copy["expected"]
            summary = close_day(store, day, {1: f"{count // 100}.{count % 100:02d}"},
                                settlement=lambda d: settlement_for(store, d))
            assert not summary.card_problems and summary.drawers[0].over_short_minor == 0, summary

        closes = _timing.interleave({"close": close}, close_rounds, prepare={"close": fresh_copy})
        store = copy["store"]  # the last copy, closed: the reports read it

        def report() -> None:
            assert day_report(store, day).orders == n

        reports = _timing.interleave({"report": report}, report_rounds)
        hledger = shutil.which("hledger")
        if hledger is None:
            print("hledger: not installed, no ratio (apt install hledger)")
        else:
            journal = Path(tmp) / "day.journal"
            with open(journal, "w", encoding="utf-8") as out:
                export_ledger(store, ExportFormat.HLEDGER, out, start=day, end=day)
            balance = [hledger, "-f", str(journal), "balance", "-p", day.isoformat()]
            paired = _timing.interleave({"report": report, "hledger": lambda: subprocess.run(
                balance, check=True, stdout=subprocess.DEVNULL)}, hledger_rounds)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store.close()
    results = [
        closes.absolute(f"pos day close, {n:,} orders", "close", "ms", _timing.below(2000)),
        (reports if hledger is None else reports + paired).absolute("pos day report", "report", "ms",
                                                                    _timing.below(1000)),
        _timing.absolute("peak memory, close and report", [peak_mb], "MB", _timing.below(200)),
    ]
    if hledger is not None:
        results.append(paired.compare("day report / hledger balance, same day", "report", "hledger", "ms",
                                      _timing.below(1)))
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--build":  # the child: generate, print the day, exit
        store, day = build(Path(sys.argv[2]), int(sys.argv[3]))
        print(day.isoformat(), store.scalar("SELECT count(*) FROM journal_entries"))
        store.close()
        return
    _timing.main(measure)


if __name__ == "__main__":
    main()
