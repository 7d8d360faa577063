"""Cost proportional to the day: closing balances kept at each close, and verify from the last close's head.

What is measured lives in bench/history.py; here only that the shortcuts give the same answers as the long way.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from pos.books import ledger
from pos.books import journal_check
from pos.day.close import close_day
from pos.books.ledger import Posting, SourceKind, closing_balances
from pos.books.journal_check import verify
from pos.store.store import Store
from tests.test_ledger import _tamper

CASH = "assets:cash:drawer:1"
RECV = "assets:receivable:orders"
SAFE = "assets:cash:safe"
DAYS = [date(2026, 11, 20) + timedelta(days=n) for n in range(4)]
LATER = "2026-11-30 17:00:00"  # every one of DAYS is over


def post(store: Store, key: str, day: date, amount: int, account: str = CASH) -> None:
    ledger.post(store, key, "test", SourceKind.PAYMENT, "x",
                [Posting(account, amount, "USD"), Posting(RECV, -amount, "USD")], business_day=day)


def summed(store: Store, day: date) -> ledger.Balances:
    """The long way: every entry of ``day`` and before, re-summed."""
    totals: ledger.Balances = {}
    for entry in ledger.iter_entries(store, end=day):
        for p in entry.postings:
            totals[(p.account, p.currency)] = totals.get((p.account, p.currency), 0) + p.amount_minor
    return dict(sorted(totals.items()))


def snapshot_days(store: Store) -> list[str]:
    return [r[0] for r in store.tuples("SELECT DISTINCT business_day FROM day_close_balances ORDER BY 1")]


@pytest.fixture
def history(store: Store) -> Store:
    with freeze_time(LATER):
        for n, day in enumerate(DAYS):
            post(store, f"a{n}", day, 100 * (n + 1))
            post(store, f"b{n}", day, 7 * (n + 1), SAFE if n % 2 else CASH)
        close_day(store, DAYS[0], {})
        close_day(store, DAYS[1], {})
    return store


def test_each_close_keeps_its_closing_balances_and_they_equal_the_long_way(history: Store) -> None:
    assert snapshot_days(history) == [DAYS[0].isoformat(), DAYS[1].isoformat()]
    for day in [DAYS[0] - timedelta(days=1), *DAYS, DAYS[-1] + timedelta(days=5)]:
        assert closing_balances(history, day) == summed(history, day) == ledger.balances(history, through=day)
    cash = closing_balances(history, DAYS[2], prefix="assets:cash")
    assert cash == {k: v for k, v in summed(history, DAYS[2]).items() if k[0].startswith("assets:cash:")}
    # An account first used later is not there yet; one used by then is, even at zero.
    assert (SAFE, "USD") not in closing_balances(history, DAYS[0])


def test_an_entry_posted_to_an_earlier_open_day_makes_later_snapshots_stale(history: Store) -> None:
    with freeze_time(LATER):
        close_day(history, DAYS[3], {})  # DAYS[2] stays open
        assert snapshot_days(history)[-1] == DAYS[3].isoformat()
        post(history, "late", DAYS[2], 5000)
    assert snapshot_days(history) == [DAYS[0].isoformat(), DAYS[1].isoformat()]  # DAYS[3]'s is gone, not wrong
    for day in DAYS:
        assert closing_balances(history, day) == summed(history, day)


def test_the_migration_backfills_closed_days_from_the_days_movements(history: Store) -> None:
    from pos.store.migrations import MIGRATIONS

    kept = list(history.tuples("SELECT * FROM day_close_balances ORDER BY 1, 2, 3"))
    script = dict((v, s) for v, _, s in MIGRATIONS)[17]
    backfill = script[script.index("INSERT INTO day_close_balances"):script.index(";", script.index("INSERT INTO"))]
    with history.write() as conn:
        conn.execute("DELETE FROM day_close_balances")
        conn.execute(backfill)
    assert list(history.tuples("SELECT * FROM day_close_balances ORDER BY 1, 2, 3")) == kept != []


def test_verify_starts_from_the_last_close_and_full_checks_everything(history: Store) -> None:
    head = history.one("SELECT head_entry, head_hash FROM day_closes WHERE business_day = ?",
                       (DAYS[1].isoformat(),))
    last = history.one("SELECT id, hash FROM journal_entries ORDER BY id DESC LIMIT 1")
    assert tuple(head) == tuple(last)  # the close's own entries are before its head
    with freeze_time(LATER):
        post(history, "after", DAYS[3], 300)
    since = verify(history)
    assert since == journal_check.VerifyResult(1, None, head[0])
    assert verify(history, full=True) == journal_check.VerifyResult(head[0] + 1, None, 0)
    _tamper(history, "UPDATE journal_entries SET memo = 'x' WHERE id = 2")
    assert verify(history).problem is None  # before the anchor: only the full check reaches it
    assert "entry 2 was changed" in (verify(history, full=True).problem or "")
    _tamper(history, f"UPDATE journal_entries SET memo = 'x' WHERE id = {head[0] + 1}")
    assert f"entry {head[0] + 1} was changed" in (verify(history).problem or "")
    _tamper(history, f"UPDATE journal_entries SET hash = 'x' || substr(hash, 2) WHERE id = {head[0]}")
    assert f"entry {head[0]} is not the entry the close of {DAYS[1]} recorded" in (verify(history).problem or "")


def test_verify_from_the_last_close_checks_the_running_balances_kept_there_plus_what_came_since(
        history: Store) -> None:
    with freeze_time(LATER):
        post(history, "after", DAYS[3], 300)
    assert verify(history).problem is None
    with history.write() as conn:  # both derived tables changed alike: only the journal tells
        conn.execute("UPDATE account_balances SET amount_minor = amount_minor + 1 WHERE account = ?", (CASH,))
        conn.execute("UPDATE day_balances SET amount_minor = amount_minor + 1 WHERE account = ? AND business_day = ?",
                     (CASH, DAYS[3].isoformat()))
    problem = verify(history).problem or ""
    assert "the running balance of assets:cash:drawer:1 (USD) is" in problem
    assert "its balance at the last close and the journal since add up to" in problem
    assert "the journal sums to" in (verify(history, full=True).problem or "")


def test_verify_from_an_anchor_with_no_balances_kept_checks_them_against_the_days(history: Store) -> None:
    row = history.one("SELECT id, hash FROM journal_entries WHERE id = 3")
    with history.write() as conn:
        conn.execute("UPDATE account_balances SET amount_minor = amount_minor + 1 WHERE account = ?", (CASH,))
    problem = verify(history, start=journal_check.Anchor(row[0], row[1], "entry 3")).problem or ""
    assert "the running balance of assets:cash:drawer:1 (USD) is" in problem and "days' movements" in problem


def test_verify_from_a_given_anchor(history: Store) -> None:
    row = history.one("SELECT id, hash FROM journal_entries WHERE id = 3")
    assert verify(history, start=journal_check.Anchor(row[0], row[1], "entry 3")).since == 3
    bad = verify(history, start=journal_check.Anchor(3, "0" * 64, "a signed closing"))
    assert "is not the entry a signed closing recorded" in (bad.problem or "")
