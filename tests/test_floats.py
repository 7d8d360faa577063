"""Drawer floats in the books: cash that was already the store's moves (from the owner once, then from the safe, or
kept in the drawer overnight), so the safe and the owner's equity never grow by the float (issue 23, item 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from freezegun import freeze_time

from payments import service
from pos.store import config
from pos.books import ledger
from pos.books import journal_check
from pos.day.close import close_day
from pos.cash.drawer import expected_cash, open_drawer
from pos.base.errors import InvalidInput
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.helpers import bal, refused, verified

SAFE, OWNER = "assets:cash:safe", "equity:owner"
START = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in New York


def _sell(store: Store, quantity: int) -> None:
    order = new_order(store, "counter")
    add_line(store, order.id, "SODA", quantity)
    service.pay(store, order.id, "cash")


def test_days_of_nothing_move_nothing(store: Store, cli_for) -> None:
    """What was seen: `pos drawer open --float 150` posted equity:owner -150 every day and the close swept the float
    into the safe, so after three days of nothing the safe and the owner's equity had each grown by $450."""
    cli = cli_for(store)
    for n in range(3):
        day = str(date(2026, 11, 2) + timedelta(days=n))
        with freeze_time(START + timedelta(days=n)):
            said = cli.ok("drawer", "open", "--float", "150").stdout
            assert said == ("Drawer 1 open with a float of $150.00: $150.00 put in by the owner.\n" if n == 0 else
                            "Drawer 1 open with a float of $150.00: $150.00 from the safe.\n")
        with freeze_time(START + timedelta(days=n, hours=19)):
            cli.ok("day", "close", "--day", day, "--count", "150")
    assert (bal(store, SAFE), bal(store, OWNER)) == (15000, -15000)  # the owner's $150, now in the safe
    verified(store)


def _real_cash(days: list[tuple[int, int, bool]]) -> tuple[int, int]:
    """A model of the shop's real cash: the safe and what the owner put in, day by day.  Each day: the float the
    drawer opens with, the cash the day took, and whether the float stays in the drawer overnight."""
    safe = owner = kept = 0
    for float_minor, takings, stays in days:
        from_kept = min(kept, float_minor)
        safe += kept - from_kept  # a smaller float: the extra goes to the safe
        from_safe = min(safe, float_minor - from_kept)
        safe -= from_safe
        owner += float_minor - from_kept - from_safe  # what the safe lacked: the owner's own cash
        counted = float_minor + takings
        kept = float_minor if stays else 0
        safe += counted - kept
    return safe, -owner


@pytest.mark.parametrize("stays_from", [None, 10])
def test_thirty_days_of_floats_keep_the_safe_and_equity_true(store: Store, tmp_path: Path, stays_from: int | None,
                                                            cli_for) -> None:
    """Thirty days of opens, cash sales and closes (floats of $150 and $200; from day 10, in one run, the float stays
    in the drawer overnight): the safe and the owner's equity are exactly the real cash movements, the drawer's
    expected cash is its float each morning, and the exports still pass bean-check and hledger."""
    days: list[tuple[int, int, bool]] = []
    for n in range(30):
        stays = stays_from is not None and n >= stays_from
        float_minor = 20000 if n % 7 == 3 else 15000
        with freeze_time(START + timedelta(days=n)):
            if n == stays_from:
                config.set_option(store, "cash.float_stays", "yes")
            open_drawer(store, 1, str(float_minor // 100))
            assert expected_cash(store, 1) == float_minor
            for q in range(n % 3):
                _sell(store, q + 1)  # $2.71, $5.42 (rounded by tax: the drawer takes exactly what was due)
        takings = expected_cash(store, 1) - float_minor
        with freeze_time(START + timedelta(days=n, hours=19)):
            summary = close_day(store, date(2026, 11, 2) + timedelta(days=n), {1: _plain(expected_cash(store, 1))})
            assert summary.drawers[0].kept_minor == (float_minor if stays else 0)
        days.append((float_minor, takings, stays))
    safe, equity = _real_cash(days)
    assert (bal(store, SAFE), bal(store, OWNER)) == (safe, equity)
    if stays_from is not None:
        assert bal(store, "assets:cash:float:1") == 15000  # the last day's float, in the drawer overnight
    verified(store)
    cli = cli_for(store)
    books = tmp_path / "books.beancount"
    cli.ok("ledger", "export", "--format", "beancount", "--out", str(books))
    from beancount import loader

    _, errors, _ = loader.load_file(str(books))
    assert errors == []
    if shutil.which("hledger"):
        journal = tmp_path / "books.journal"
        cli.ok("ledger", "export", "--format", "hledger", "--out", str(journal))
        subprocess.run(["hledger", "-f", str(journal), "check"], check=True, capture_output=True)


def _plain(amount_minor: int) -> str:
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def _as_the_old_version_opened(store: Store, register: int, float_minor: int) -> None:
    """A drawer opened as before: its float booked as new money from the owner, whatever the safe held."""
    from pos.sales import posting_rules
    from pos.store.store import iso, utc_now

    with store.write() as conn:
        drawer_id = conn.execute("INSERT INTO drawers(register, opened_at, float_minor, first_entry) VALUES "
                                 "(?, ?, ?, (SELECT coalesce(max(id), 0) + 1 FROM journal_entries))",
                                 (register, iso(utc_now()), float_minor)).lastrowid
        ledger.post(store, f"drawer:{drawer_id}:float", f"Float for drawer {register}", ledger.SourceKind.DRAWER,
                    f"drawer:{register}", posting_rules.transfer(f"assets:cash:drawer:{register}", OWNER, float_minor,
                                                                 "USD"))


def test_a_store_upgraded_from_before_gets_one_correcting_entry(store: Store, cli_for) -> None:
    """Four days under the old rule ($150 a day from the owner, two registers on the last), then the upgrade: one
    entry, explained in its memo, moves what later floats took from the safe back out of the owner's equity."""
    for n in range(4):
        day = date(2026, 11, 2) + timedelta(days=n)
        with freeze_time(START + timedelta(days=n)):
            _as_the_old_version_opened(store, 1, 15000)
            if n == 3:
                _as_the_old_version_opened(store, 2, 5000)
            _sell(store, 1)
        with freeze_time(START + timedelta(days=n, hours=19)):
            close_day(store, day, {1: _plain(expected_cash(store, 1)), **({2: "50"} if n == 3 else {})})
    assert (bal(store, SAFE), bal(store, OWNER)) == (65000 + 4 * 271, -65000)  # the old books: grown by every float
    # The store as the version before this one left it (no task table), upgraded by this one: its migration finds
    # floats booked the old way and leaves the task for the first command that opens the store.
    from pos.store.migrations import MIGRATIONS

    store.conn.execute("DROP TABLE upgrade_tasks")
    store.conn.executescript(next(sql for _, name, sql in MIGRATIONS if name.startswith("floats come from the safe")))
    assert store.scalar("SELECT name FROM upgrade_tasks") == "float-correction"
    cli = cli_for(store)
    with freeze_time(START + timedelta(days=4)):
        cli.ok("order", "list")
    correction = ledger.find_by_key(store, "upgrade:floats")
    assert correction is not None and correction.business_day == "2026-11-06"
    # Days 2 to 4 took $150 each from the safe (it held the day before's cash); the second drawer's $50 took the
    # $8.13 left in it, and the owner put in the other $41.87.
    assert {p.account: p.amount_minor for p in correction.postings} == {OWNER: 45813, SAFE: -45813}
    assert correction.memo == ("Correction: 4 earlier drawer floats ($458.13 in all) came out of the safe, not from "
                               "the owner; the books had counted them as new money put in, so the safe and the "
                               "owner's equity had each grown by the float every day")
    assert (bal(store, SAFE), bal(store, OWNER)) == (65000 + 4 * 271 - 45813, -19187)  # the owner's $150 + $41.87
    verified(store)
    with freeze_time(START + timedelta(days=4)):
        before = journal_check.verify(store).entries
        cli.ok("order", "list")  # once: the task is gone
        assert store.scalar("SELECT count(*) FROM upgrade_tasks") == 0
        said = cli.ok("drawer", "open", "--float", "150").stdout
    assert said == "Drawer 1 open with a float of $150.00: $150.00 from the safe.\n"


def test_a_new_store_has_nothing_to_correct(store: Store) -> None:
    with freeze_time(START):
        open_drawer(store, 1, "150")
    assert store.scalar("SELECT count(*) FROM upgrade_tasks") == 0
    from pos.cash.floats import correct_past_floats

    assert correct_past_floats(store) is None and ledger.find_by_key(store, "upgrade:floats") is None


def test_a_float_that_stays_opens_the_next_day_by_itself(store: Store, cli_for) -> None:
    cli = cli_for(store)
    cli.ok("config", "set", "cash.float_stays", "yes")
    with freeze_time(START):
        cli.fails("drawer", "open", says="kept no float from its last close: give the float it opens with (--float 150)")
        cli.ok("drawer", "open", "--float", "150")
        _sell(store, 2)
    with freeze_time(START + timedelta(hours=19)):
        shown = cli.ok("day", "close", "--day", "2026-11-02", "--count", "155.42").stdout
        assert "Drawer 1: expected $155.42, counted $155.42: exact; its $150.00 float stays in it." in shown
    assert (bal(store, SAFE), bal(store, "assets:cash:float:1"), bal(store, "assets:cash:drawer:1")) == (542, 15000, 0)
    with freeze_time(START + timedelta(days=1)):
        data = json.loads(cli.ok("drawer", "open", "--json").stdout)
        assert data["expected_minor"] == 15000 and data["float_from"]["kept_minor"] == 15000
        assert ledger.find_by_key(store, "drawer:2:float").memo == "Float for drawer 1: $150.00 kept in the drawer"
    with freeze_time(START + timedelta(days=1, hours=19)):
        cli.ok("day", "close", "--day", "2026-11-03", "--count", "150")
    with freeze_time(START + timedelta(days=2)):  # a smaller float: the rest of what stayed goes to the safe
        said = cli.ok("drawer", "open", "--float", "100").stdout
    assert said == ("Drawer 1 open with a float of $100.00: $100.00 of the $150.00 kept in the drawer (the other "
                    "$50.00 to the safe).\n")
    assert (bal(store, SAFE), bal(store, "assets:cash:float:1"), bal(store, OWNER)) == (5542, 0, -15000)
    verified(store)


def test_bad_floats_write_nothing(store: Store, cli_for) -> None:
    cli = cli_for(store)
    cli.fails("drawer", "open", says="kept no float")
    cli.fails("drawer", "open", "--float", "-5", says="cannot be negative")
    cli.fails("config", "set", "cash.float_stays", "sometimes", says="is not yes or no")
    refused(store, InvalidInput, "kept no float", open_drawer, store, 1, None)
