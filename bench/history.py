"""Cost proportional to the day: the same day's work on stores of 1, 90 and 365 closed days.

Builds one training store day by day, ORDERS orders a day (default 300:
cash with change and some tips to the pool, card and link through the
training processor with its fee, cash on delivery handed in at the end of
the day), each day's rows posted through the ledger's bulk API (as
``bench/close.py`` does) and then closed through :func:`pos.day.close.close_day`
(drawer counted exactly, settlement matched, pool shared), so the journal,
the closes and whatever they keep are exactly what the live code writes.
After day 1, day 8 (a week and a day: plain verify's window full), day MIDDLE
(90) and day DAYS (365) a copy of the store is put aside; each copy then gets one more day of ORDERS orders, posted, not closed.

Then, in ROUNDS interleaved rounds (default 7; the three stores' turns
rotating, see bench/_timing.py), on each store:

- closing that one more day (each round on a fresh untimed copy);
- its Z report (``day_report``), after that close;
- ``drawer status`` (the open drawer's parts and expected cash);
- plain ``verify`` (what ``pos ledger verify`` checks: the last week's entries, the closings, the control
  records) and ``verify --full``;
- one cash sale rung through the library (order, three lines, cash).

Each is printed as ratios against the one-day store, except plain verify, against
the 8-day store (a younger store re-hashes less than its week; the 8d / 1d ratio is
printed, with no target).  Targets (median round): every ratio within 1.5, except
the full verify, which is within 1.2x of the stores' entry-count ratio.  Also: a mid-year day's Z report against the last
closed day's, on the DAYS store (within 1.5).  About 40 s here by default,
most of it building the year.  ``--smoke`` runs a tiny version (3 and 6 days
of 10 orders, one round) that only checks the bench works.

    python bench/history.py [ORDERS] [ROUNDS] [DAYS] [MIDDLE] [--smoke] [--json PATH]
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from payments.service import pay  # noqa: E402
from payments.stripe.settlement import settlement_for  # noqa: E402
from payments.training import fee_minor  # noqa: E402
from pos.books import accounts, ledger  # noqa: E402
from pos.sales import posting_rules as rules
from pos.store.catalog import add_item  # noqa: E402
from pos.store.clock import business_day  # noqa: E402
from pos.day.close import close_day  # noqa: E402
from pos.day.closings import WINDOW_DAYS  # noqa: E402
from pos.cash.drawer import status  # noqa: E402
from pos.books.ledger import Draft, Posting, SourceKind  # noqa: E402
from pos.sales.orders import add_line, new_order  # noqa: E402
from pos.day.report import day_report  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402
from pos.base.secret_files import KeyLocation  # noqa: E402
from pos.people.staff import add_staff  # noqa: E402
from pos.store.store import Store, iso, utc_now  # noqa: E402
from pos.day.store_check import verify_store  # noqa: E402

CHANNELS = ("counter", "phone", "delivery", "kiosk")
DRAWER = accounts.drawer(1)
CLEARING = "assets:clearing:training"


def post_day(store: Store, day: date, orders: int) -> None:
    """One business day of ``orders`` orders, posted (not closed), with its shifts and a freshly opened drawer."""
    now = utc_now()
    tag = day.strftime("%Y%m%d")
    with store.write() as conn:
        for staff_id, hours in ((1, 8), (2, 6), (3, 5)):
            conn.execute("INSERT INTO shifts(staff_id, business_day, started_at, ended_at, register) "
                         "VALUES (?, ?, ?, ?, 1)", (staff_id, day.isoformat(),
                                                    iso(now - timedelta(hours=hours)), iso(now)))
        drawer_id = int(conn.execute(
            "INSERT INTO drawers(register, opened_at, float_minor, first_entry) "
            "VALUES (1, ?, 20000, (SELECT coalesce(max(id), 0) + 1 FROM journal_entries))", (iso(now),)).lastrowid or 0)
    drafts = [Draft(f"drawer:{drawer_id}:float", "Float", SourceKind.DRAWER, "drawer:1",
                    rules.transfer(DRAWER, "equity:owner", 20000, "USD"), day)]
    order_rows, payment_rows = [], []
    held = 0
    for i in range(orders):
        order_id, pay_id = f"ord_{tag}_{i:05d}", f"pay_{tag}_{i:05d}"
        subtotal = 800 + (i * 7919 + day.toordinal()) % 4000
        tax = (subtotal * 8875 + 50000) // 100000
        total = subtotal + tax
        order_rows.append((order_id, day.isoformat(), i + 1, CHANNELS[i % 4], "paid", iso(now), iso(now)))
        drafts.append(Draft(f"order:{order_id}:sale", f"Sale #{i + 1}", SourceKind.ORDER, order_id,
                            [Posting(accounts.RECEIVABLE_ORDERS, total, "USD"), Posting(accounts.SALES, -subtotal, "USD"),
                             Posting("liabilities:tax:standard", -tax, "USD")], day))
        kind = i % 10
        tip, tip_to, details = 0, None, {}
        if kind < 5:
            tender, tendered = "cash", (total // 500 + 1) * 500
            tip = 100 if i % 5 == 0 and tendered - total >= 100 else 0
            tip_to = "pool" if tip else None
            postings = rules.payment(DRAWER, total, "USD", tendered_minor=tendered, tip_minor=tip,
                                     tip_account=accounts.TIP_POOL if tip else None, change_account=DRAWER)
        elif kind < 8:
            tender = "card" if kind < 7 else "link"
            tip = 200 if i % 7 == 0 else 0
            tip_to = "bob" if tip else None
            postings = rules.payment(CLEARING, total, "USD", tip_minor=tip,
                                     tip_account=accounts.tips_owed("bob") if tip else None)
            fee = fee_minor(total + tip)
            details = {"fee_minor": fee}
            drafts.append(Draft(f"payment:{pay_id}:fee", "Processor fee", SourceKind.PAYMENT, order_id,
                                rules.transfer(accounts.CARD_FEES, CLEARING, fee, "USD"), day))
        else:
            tender = "cod"
            postings = rules.payment(accounts.driver_cash("dave"), total, "USD")
            held += total
        drafts.append(Draft(f"payment:{pay_id}:capture", f"{tender} payment", SourceKind.PAYMENT, order_id,
                            postings, day))
        payment_rows.append((pay_id, order_id, tender, "captured", total, tip, tip_to, f"train_{pay_id}", pay_id,
                             json.dumps(details), iso(now), iso(now)))
    if held:
        drafts.append(Draft(f"driver:dave:handin:{tag}", "Dave hands in", SourceKind.DRIVER, "dave",
                            rules.transfer(DRAWER, accounts.driver_cash("dave"), held, "USD"), day))
    with store.write() as conn:
        conn.executemany("INSERT INTO orders(id, business_day, number, channel, status, created_at, closed_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", order_rows)
        conn.executemany("INSERT INTO payments(id, order_id, tender, state, amount_minor, tip_minor, tip_to, "
                         "processor_ref, idempotency_key, details, currency, created_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'USD', ?, ?)", payment_rows)
        ledger.post_many(store, drafts)


def close(store: Store, day: date) -> None:
    """Close ``day`` as an owner would: the drawer counted exactly, the settlement matched, the pool shared."""
    expected = ledger.balances(store, prefix=DRAWER).get((DRAWER, "USD"), 0)
    summary = close_day(store, day, {1: f"{expected // 100}.{expected % 100:02d}"},
                        settlement=lambda d: settlement_for(store, d))
    assert not summary.card_problems and summary.drawers[0].over_short_minor == 0, summary


def checkpoint(path: Path) -> None:
    """Fold a store file's WAL into it, so that the file alone is the whole store."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a store file (its WAL folded in), for one side's next round."""
    checkpoint(source)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def build(folder: Path, orders: int, days: int, middle: int) -> dict[str, Any]:
    """The year, closed day by day; returns per store (1, MIDDLE, DAYS days) its ready file and its next day."""
    path = folder / "year.db"
    store = init_store(path, name="History Pizza", timezone="America/New_York", tax_rate="8.875", training=True)
    store.memo["stripe_settings"] = None
    store.keys = KeyLocation(file=folder / "closing.ed25519")  # made at the first close; every copy signs with it
    for name, role in (("Alice", "cashier"), ("Bob", "server"), ("Dave", "driver")):
        add_staff(store, name, role, "2580")
    for sku, price in (("PIZZA", "12.50"), ("SODA", "2.49"), ("GARLIC", "5.25")):
        add_item(store, sku, sku.title(), price)
    first = business_day(utc_now(), store.settings) - timedelta(days=days + 2)
    # A store a week old and one day: the first whose plain verify covers the whole window (pos.day.closings).
    week = WINDOW_DAYS + 1 if 1 < WINDOW_DAYS + 1 < middle else 1
    stores: dict[str, Any] = {}
    for number in range(1, days + 1):
        day = first + timedelta(days=number - 1)
        post_day(store, day, orders)
        close(store, day)
        if number in (1, week, middle, days):
            name = f"{number}d"
            stores[name] = {"file": folder / f"{name}.db", "day": day + timedelta(days=1), "closed": number,
                            "mid": first + timedelta(days=number // 2)}
            copy_db(path, stores[name]["file"])
    store.close()
    for side in stores.values():  # one more day on each, posted and not closed
        s = Store.open(side["file"])
        s.memo["stripe_settings"] = None
        post_day(s, side["day"], orders)
        side["entries"] = int(s.scalar("SELECT count(*) FROM journal_entries"))
        s.close()
        checkpoint(side["file"])
    return stores


def measure(orders: int = 300, rounds: int = 7, days: int = 365, middle: int = 90) -> list[_timing.Result]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        stores = build(folder, orders, days, middle)
        names = list(stores)
        base = names[0]
        print(f"built {days} days of {orders} orders in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{n}: {s['entries']:,} entries" for n, s in stores.items()))
        open_stores: dict[str, Store] = {}

        def opened(name: str, which: str) -> Store:
            """The store ``which`` (a copy of ``name``'s ready file), opened afresh."""
            key = f"{name}:{which}"
            if key in open_stores:
                open_stores.pop(key).close()
            target = folder / f"{name}-{which}.db"
            copy_db(stores[name]["file"], target)
            store = open_stores[key] = Store.open(target)
            store.memo["stripe_settings"] = None
            store.keys = KeyLocation(file=folder / "closing.ed25519")
            return store

        results: list[_timing.Result] = []

        week = f"{WINDOW_DAYS + 1}d" if f"{WINDOW_DAYS + 1}d" in stores else base
        aged = [n for n in names[1:] if n != week]

        def compare(metric: str, rounds_: _timing.Rounds, target: Callable[[str], _timing.Target | None],
                    against: str = base) -> None:
            for name in aged:
                results.append(rounds_.compare(f"{metric}: {name} / {against}", name, against, "ms", target(name)))

        within = lambda name: _timing.at_most(1.5)  # noqa: E731
        # Closing one more day, then its Z report, on a fresh copy each round.
        closing: dict[str, Store] = {}

        def fresh(name: str) -> Callable[[], None]:
            return lambda: closing.__setitem__(name, opened(name, "close"))

        closes = _timing.interleave({n: (lambda n=n: close(closing[n], stores[n]["day"])) for n in names}, rounds,
                                    prepare={n: fresh(n) for n in names})
        compare("close one more day", closes, within)
        reports = _timing.interleave({n: (lambda n=n: day_report(closing[n], stores[n]["day"])) for n in names},
                                     rounds)
        compare("its Z report", reports, within)
        ready = {n: opened(n, "ready") for n in names}
        statuses = _timing.interleave({n: (lambda n=n: status(ready[n], 1)) for n in names}, rounds)
        compare("drawer status", statuses, within)

        def verified(name: str, full: bool) -> None:
            result = verify_store(ready[name], full=full)  # what pos ledger verify checks in the store
            assert result.problem is None, result

        incremental = _timing.interleave({n: (lambda n=n: verified(n, False)) for n in names}, rounds)
        # Plain verify re-hashes the last week: a store younger than that does less; from a week on, the same.
        if week != base:
            results.append(incremental.compare(f"plain verify: {week} / {base} (the window filling)", week, base, "ms",
                                               None))
        compare("plain verify (a week, the closings, the control records)", incremental, within, against=week)
        full = _timing.interleave({n: (lambda n=n: verified(n, True)) for n in names}, max(1, rounds // 2))
        compare("verify --full", full,
                lambda n: _timing.at_most(1.2 * stores[n]["entries"] / stores[base]["entries"]))
        sales = {n: opened(n, "sales") for n in names}

        def sale(name: str) -> None:
            store = sales[name]
            order = new_order(store, "counter")
            for sku in ("PIZZA", "SODA", "GARLIC"):
                add_line(store, order.id, sku)
            pay(store, order.id, "cash", "50")

        rung = _timing.interleave({n: (lambda n=n: sale(n)) for n in names}, rounds * 4, warmup=1)
        compare("a cash sale", rung, within)
        last = names[-1]
        year = ready[last]
        closed_day = stores[last]["day"] - timedelta(days=1)
        mid = _timing.interleave({"mid": lambda: day_report(year, stores[last]["mid"]),
                                  "last": lambda: day_report(year, closed_day)}, rounds)
        results.append(mid.compare(f"Z report, mid-year / last closed day ({last})", "mid", "last", "ms",
                                   _timing.at_most(1.5)))
        for store in open_stores.values():
            store.close()
    return results


def main() -> None:
    args = sys.argv[1:]
    if "--smoke" in args:
        args.remove("--smoke")
        _timing.main(lambda orders=10, rounds=1, days=6, middle=3: measure(orders, rounds, days, middle), args)
        return
    _timing.main(measure, args)


if __name__ == "__main__":
    main()
