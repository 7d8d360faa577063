"""Closing a 100,000-order day: time `pos day close` and `pos day report`, and peak memory.

Generates one business day in a training store (so card settlement has
processor data to match): N orders across the four channels, paid in cash
(with change, some tipped to the pool), by card and by link (with fees and
some tips to a named server), cash on delivery (handed in by the driver),
a refund every 50th order, shifts for the pool.  The rows go in through
the ledger's bulk API, so the journal holds exactly what the live code
would post.  Then, in the same run:

- ``close_day`` (drawer counted exactly, settlement matched, pool shared);
- ``day_report`` for that day;
- the peak memory (max RSS) of this process;
- ``hledger balance`` over the same day's exported journal (when hledger is
  installed), and the ratio of our report's time to it.

Targets: close < 2 s, report < 1 s, memory < 200 MB, report/hledger < 1.

    python bench/close.py [N]
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

from payments.settlement import settlement_for  # noqa: E402
from payments.training import fee_minor  # noqa: E402
from pos import accounts, ledger, posting_rules as rules  # noqa: E402
from pos.clock import business_day  # noqa: E402
from pos.close import close_day  # noqa: E402
from pos.export import ExportFormat, export_ledger  # noqa: E402
from pos.ledger import Draft, Posting, SourceKind  # noqa: E402
from pos.report import day_report  # noqa: E402
from pos.setup import init_store  # noqa: E402
from pos.staff import add_staff  # noqa: E402
from pos.store import Store, iso, utc_now  # noqa: E402

CHANNELS = ("counter", "phone", "delivery", "kiosk")
DRAWER = accounts.drawer(1)
CLEARING = "assets:clearing:training"


def build(path: Path, n: int):
    """A training store holding yesterday's N orders; returns (store, day)."""
    store = init_store(path, name="Bench Pizza", timezone="America/New_York", tax_rate="8.875", training=True)
    now = utc_now()
    day = business_day(now, store.settings) - timedelta(days=1)
    for name, role in (("Alice", "cashier"), ("Bob", "server"), ("Dave", "driver")):
        add_staff(store, name, role, "1234")
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


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--build":  # the child: generate, print the day, exit
        store, day = build(Path(sys.argv[2]), int(sys.argv[3]))
        print(day.isoformat(), store.scalar("SELECT count(*) FROM journal_entries"))
        store.close()
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pos.db"
        t0 = time.perf_counter()
        # Generated in another process, so the peak memory below is the close's and the report's alone.
        built = subprocess.run([sys.executable, __file__, "--build", str(path), str(n)], check=True,
                               capture_output=True, text=True).stdout.split()
        day, entries = date.fromisoformat(built[0]), int(built[1])
        print(f"generated: {n:,} orders, {entries:,} journal entries in {time.perf_counter() - t0:.1f} s")
        store = Store.open(path)
        store.memo["stripe_settings"] = None

        expected = ledger.balances(store, prefix=DRAWER)[(DRAWER, "USD")]
        count = f"{expected // 100}.{expected % 100:02d}"
        t0 = time.perf_counter()
        summary = close_day(store, day, {1: count}, settlement=lambda d: settlement_for(store, d))
        close_s = time.perf_counter() - t0
        assert not summary.card_problems and summary.drawers[0].over_short_minor == 0, summary

        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = day_report(store, day)
            runs.append(time.perf_counter() - t0)
        report_s = sorted(runs)[1]
        assert report.orders == n, report.orders
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(f"pos day close:  {close_s * 1000:8.0f} ms   (target < 2000 ms)")
        print(f"pos day report: {report_s * 1000:8.0f} ms   (median of 3; target < 1000 ms)")
        print(f"peak memory:    {peak_mb:8.0f} MB   (close and report; target < 200 MB)")
        hledger = shutil.which("hledger")
        if hledger is None:
            print("hledger: not installed, no ratio (apt install hledger)")
            return
        journal = Path(tmp) / "day.journal"
        with open(journal, "w", encoding="utf-8") as out:
            export_ledger(store, ExportFormat.HLEDGER, out, start=day, end=day)
        t0 = time.perf_counter()
        subprocess.run([hledger, "-f", str(journal), "balance", "-p", day.isoformat()], check=True,
                       stdout=subprocess.DEVNULL)
        hledger_s = time.perf_counter() - t0
        print(f"hledger balance:{hledger_s * 1000:8.0f} ms   (same day, exported journal)")
        print(f"ratio report / hledger: {report_s / hledger_s:.3f}   (target < 1)")


if __name__ == "__main__":
    main()
