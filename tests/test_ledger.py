"""The journal: double entry, append-only, idempotent, reversible, tamper-evident."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from pos.books import journal_form, ledger
from pos.books import journal_check
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.books.ledger import Posting, SourceKind, balances, post, reverse
from pos.books.journal_check import verify
from pos.store.store import Store
from tests.conftest import snapshot

CASH = "assets:cash:drawer:1"
RECV = "assets:receivable:orders"


def pay(store: Store, key: str, amount: int, currency: str = "USD", **kw: object) -> ledger.Entry:
    return post(store, key, f"payment {key}", SourceKind.PAYMENT, key,
                [Posting(CASH, amount, currency), Posting(RECV, -amount, currency)], **kw)  # type: ignore[arg-type]


def journal_rows(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.all("SELECT * FROM journal_entries ORDER BY id")]


def test_post_and_read_back(store: Store) -> None:
    e = pay(store, "p1", 1840)
    assert e.id == 1 and e.prev_hash == ledger.GENESIS_HASH and len(e.hash) == 64
    assert ledger.get_entry(store, 1) == e
    assert balances(store) == {(CASH, "USD"): 1840, (RECV, "USD"): -1840}


@pytest.mark.parametrize(
    ("postings", "message"),
    [
        ([Posting(CASH, 100, "USD"), Posting(RECV, -99, "USD")], "does not balance"),
        ([Posting(CASH, 100, "USD")], "at least two"),
        ([Posting(CASH, 100, "USD"), Posting("assets:cash:pocket", -100, "USD")], "Unknown account"),
        ([Posting(CASH, 100, "USD"), Posting(RECV, -100, "EUR")], "USD off by 100"),
        ([Posting(CASH, 100, "usd"), Posting(RECV, -100, "usd")], "invalid currency"),
    ],
)
def test_bad_entries_refused_and_nothing_written(store: Store, postings: list[Posting], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        post(store, "k", "memo", SourceKind.PAYMENT, "x", postings)
    assert journal_rows(store) == []


def test_mixed_currency_entry_balancing_per_currency_is_accepted(store: Store) -> None:
    e = post(store, "fx", "two currencies", SourceKind.CORRECTION, "x", [
        Posting(CASH, 1000, "USD"), Posting(RECV, -1000, "USD"),
        Posting("assets:cash:drawer:2", 130000, "KRW"), Posting(RECV, -130000, "KRW"),
    ])
    assert journal_form.sums_by_currency(e.postings) == {"USD": 0, "KRW": 0}


def test_same_key_returns_the_existing_entry_and_writes_nothing(store: Store) -> None:
    first = pay(store, "p1", 500)
    before = journal_rows(store)
    again = pay(store, "p1", 500)
    assert again == first
    assert journal_rows(store) == before


def test_same_key_with_different_postings_is_refused(store: Store) -> None:
    pay(store, "p1", 500)
    before = journal_rows(store)
    with pytest.raises(Conflict, match="already used for different postings"):
        pay(store, "p1", 600)
    assert journal_rows(store) == before


def test_database_refuses_update_and_delete(store: Store) -> None:
    pay(store, "p1", 500)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE journal_entries SET memo = 'changed'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM journal_entries")
    assert ledger.get_entry(store, 1).memo == "payment p1"


def test_reversal_names_the_original_and_only_once(store: Store) -> None:
    post(store, "c1", "a correction", SourceKind.CORRECTION, "c1", [Posting(CASH, 500, "USD"), Posting(RECV, -500, "USD")])
    r = reverse(store, 1, "rang on the wrong order")
    assert r.reverses == 1
    assert [(p.account, p.amount_minor) for p in r.postings] == [(CASH, -500), (RECV, 500)]
    assert balances(store) == {(CASH, "USD"): 0, (RECV, "USD"): 0}
    before = journal_rows(store)
    with pytest.raises(Conflict, match="already reversed by entry 2"):
        reverse(store, 1, "again")
    with pytest.raises(NotFound, match="No journal entry 99"):
        reverse(store, 99, "missing")
    with pytest.raises(InvalidInput, match="reason"):
        reverse(store, 1, "  ")
    assert journal_rows(store) == before


@pytest.mark.parametrize("kind", [SourceKind.PAYMENT, SourceKind.REFUND, SourceKind.DRAWER, SourceKind.DRIVER,
                                  SourceKind.TIPS, SourceKind.SHIFT, SourceKind.DAY])
def test_money_with_a_command_of_its_own_is_not_reversed_by_hand(store: Store, kind: SourceKind) -> None:
    """A payment's entry reversed by hand moved the drawer while the order stayed paid (issue 24, 8)."""
    post(store, "e1", "an entry", kind, "x", [Posting(CASH, 500, "USD"), Posting(RECV, -500, "USD")])
    before = snapshot(store.path)
    with pytest.raises(NotAllowed, match="not reversed by hand: .*'pos "):
        reverse(store, 1, "rang twice")
    assert snapshot(store.path) == before


def test_entry_and_business_change_are_one_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            pay(store, "p1", 500)
            conn.execute("UPDATE items SET price_minor = 1 WHERE sku = 'SODA'")
            raise RuntimeError("crash before commit")
    assert journal_rows(store) == []
    assert store.one("SELECT price_minor FROM items WHERE sku = 'SODA'")[0] == 249


def _tamper(store: Store, sql: str, params: tuple = ()) -> None:
    """Change the journal behind the triggers' back, as an attacker with the file would."""
    conn = store.conn
    conn.execute("DROP TRIGGER journal_no_update")
    conn.execute("DROP TRIGGER journal_no_delete")
    conn.execute(sql, params)
    from pos.store.migrations import MIGRATIONS

    script = dict((v, s) for v, _, s in MIGRATIONS)[2]
    trigger_sql = script[script.index("CREATE TRIGGER journal_no_update"):]
    conn.executescript(trigger_sql)


@pytest.fixture
def three(store: Store) -> Store:
    for n in (1, 2, 3):
        pay(store, f"p{n}", 100 * n)
    assert verify(store) == journal_check.VerifyResult(3, None)
    return store


def test_verify_finds_an_edited_amount(three: Store) -> None:
    _tamper(three, "UPDATE journal_entries SET postings = ? WHERE id = 2",
            (f"{CASH} 9999 USD\n{RECV} -9999 USD",))
    result = verify(three)
    assert result.entries == 1 and "entry 2 was changed" in (result.problem or "")


def test_verify_finds_a_rehashed_edit_by_the_broken_chain(three: Store) -> None:
    e = ledger.get_entry(three, 2)
    forged = e._replace(memo="nothing to see", prev_hash=e.prev_hash)
    new_hash = journal_form.entry_hash(forged)
    _tamper(three, "UPDATE journal_entries SET memo = ?, hash = ? WHERE id = 2", (forged.memo, new_hash))
    result = verify(three)
    assert result.entries == 2 and "entry 3 does not chain to entry 2" in (result.problem or "")


def test_verify_finds_a_deleted_entry(three: Store) -> None:
    _tamper(three, "DELETE FROM journal_entries WHERE id = 2")
    assert "entry 3 follows entry 1" in (verify(three).problem or "")


def test_verify_finds_an_unbalanced_entry_even_with_a_valid_hash(three: Store) -> None:
    e = ledger.get_entry(three, 3)
    forged = e._replace(postings=(Posting(CASH, 300, "USD"), Posting(RECV, -200, "USD")))
    _tamper(three, "UPDATE journal_entries SET postings = ?, hash = ? WHERE id = 3",
            (journal_form.postings_text(forged.postings), journal_form.entry_hash(forged)))
    assert "does not balance" in (verify(three).problem or "")


def test_balances_by_day_through_day_and_prefix(store: Store) -> None:
    pay(store, "d1", 100, business_day=date(2026, 1, 1))
    pay(store, "d2", 250, business_day=date(2026, 1, 2))
    pay(store, "d3", 1000, business_day=date(2026, 1, 3))
    assert balances(store, day=date(2026, 1, 2)) == {(CASH, "USD"): 250, (RECV, "USD"): -250}
    assert balances(store, through=date(2026, 1, 2)) == {(CASH, "USD"): 350, (RECV, "USD"): -350}
    assert balances(store, prefix="assets:cash") == {(CASH, "USD"): 1350}
    assert balances(store, prefix="assets:cash:drawer:1") == {(CASH, "USD"): 1350}
    assert balances(store, prefix="assets:cash:drawer:10") == {}
    with pytest.raises(InvalidInput, match="Unknown account prefix"):
        balances(store, prefix="cash")


def test_running_balances_follow_every_post_and_verify_checks_them(three: Store) -> None:
    assert balances(three) == {(CASH, "USD"): 600, (RECV, "USD"): -600}
    three.conn.execute("UPDATE account_balances SET amount_minor = 1 WHERE account = ?", (CASH,))
    problem = verify(three).problem or ""
    assert "running balance of assets:cash:drawer:1" in problem and "journal sums to 600" in problem


def test_days_movements_are_kept_with_every_post_and_verify_checks_them(three: Store) -> None:
    from pos.store.migrations import MIGRATIONS

    scanned: dict[tuple[str, str, str], int] = {}
    for e in ledger.iter_entries(three):
        for p in e.postings:
            k = (e.business_day, p.account, p.currency)
            scanned[k] = scanned.get(k, 0) + p.amount_minor
    kept = {(d, a, c): m for d, a, c, m in three.conn.execute(
        "SELECT business_day, account, currency, amount_minor FROM day_balances")}
    assert kept == scanned
    # The migration that made the table fills it from the journal alone: the same figures.
    backfill = next(script for version, _, script in MIGRATIONS if version == 8)
    three.conn.execute("DELETE FROM day_balances")
    three.conn.execute(backfill[backfill.index("INSERT INTO day_balances"):])
    three.conn.commit()
    refilled = {(d, a, c): m for d, a, c, m in three.conn.execute(
        "SELECT business_day, account, currency, amount_minor FROM day_balances")}
    assert refilled == scanned
    three.conn.execute("UPDATE day_balances SET amount_minor = amount_minor + 1 WHERE account = ?", (CASH,))
    three.conn.commit()
    assert "the days' movements of assets:cash:drawer:1" in (verify(three).problem or "")


def test_post_many_matches_post(store: Store) -> None:
    drafts = [ledger.Draft(f"bulk{n}", f"bulk {n}", SourceKind.PAYMENT, "x",
                           [Posting(CASH, n, "USD"), Posting(RECV, -n, "USD")], date(2026, 1, 1)) for n in (1, 2, 3)]
    assert ledger.post_many(store, drafts) == 3
    assert ledger.post_many(store, drafts) == 0  # idempotent by key
    with pytest.raises(Conflict):
        ledger.post_many(store, [drafts[0]._replace(postings=[Posting(CASH, 9, "USD"), Posting(RECV, -9, "USD")])])
    assert balances(store) == {(CASH, "USD"): 6, (RECV, "USD"): -6}
    assert verify(store) == journal_check.VerifyResult(3, None)


@pytest.mark.parametrize("tamper_id", [None, 2, 5])
def test_verify_from_an_anchor_agrees_with_full(store: Store, tamper_id: int | None) -> None:
    for n in range(1, 7):
        pay(store, f"p{n}", 100 * n)
    if tamper_id is not None:
        _tamper(store, "UPDATE journal_entries SET memo = 'x' WHERE id = ?", (tamper_id,))
    one = verify(store, full=True)
    assert verify(store) == one  # no close yet: the check starts at the journal's start
    assert (one.problem is None) == (tamper_id is None)
    if tamper_id is not None:
        assert one.entries == tamper_id - 1 and f"entry {tamper_id} was changed" in (one.problem or "")
