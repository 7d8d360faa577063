"""Control records in a chain the closings sign (pos.store.chains), and what plain ``pos ledger verify`` catches on its own.

Each finding of the controls issue is replayed as an insider with a shell as the till's user would do it: a plain
``sqlite3`` connection (which has no ``pos_link``, so must drop the chain's triggers first), or a script using our
own code (which has it, and so writes versions the log records).  Verify must name the table and row.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from pos.store import chains
from pos.day import closings
from pos.cash import drawer
from pos.books import ledger
from pos.day.close import close_day
from pos.store.migrations import MIGRATIONS
from pos.store.store import Store
from tests.conftest import Cli
from tests.test_closings import AFTER, DAY, _close_both, _rechain_control, _ring, _unguard, shop  # noqa: F401


def _shell(path: Path) -> sqlite3.Connection:
    """A shell as the till's user: drops the control chain's triggers (all it can do without our code)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'chain_%'"
                                ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def _restore_triggers(path: Path) -> None:
    """Put the chain's triggers back as they were, as a careful insider would, so only the rows can tell."""
    conn = sqlite3.connect(path, isolation_level=None)
    chains.register(conn)
    for table in chains._tables(conn):
        chains._install_table(conn, table, chains._columns(conn, table))
    conn.close()


def _verify(path: Path, *args: str) -> tuple[int, str]:
    result = Cli(path)("ledger", "verify", *args)
    return result.exit_code, result.stdout


def test_a_plain_shell_cannot_change_a_control_row_at_all(shop: Store) -> None:
    conn = sqlite3.connect(shop.path)
    for sql in ("UPDATE staff SET role = 'manager' WHERE name = 'Alice'",
                "INSERT INTO signins(token_sha, staff_id, created_at, expires_at) VALUES ('x', 1, 'a', 'b')",
                "UPDATE settings SET value = '100000' WHERE key = 'approval.refund_over'"):
        with pytest.raises(sqlite3.OperationalError, match="no such function: pos_link"):
            conn.execute(sql)
    conn.close()
    assert _verify(shop.path)[0] == 0


def test_an_inserted_signin_for_a_manager_fails_verify(shop: Store) -> None:
    """What was seen (2): a cashier inserts a sign-in row for the manager, carrying her own token."""
    maria = shop.scalar("SELECT id FROM staff WHERE name = 'Maria'")
    conn = _shell(shop.path)
    conn.execute("INSERT INTO signins(token_sha, staff_id, register, created_at, expires_at) "
                 "VALUES (?, ?, 1, '2026-11-23T17:00:00Z', '2099-01-01T00:00:00Z')", ("ab" * 32, maria))
    conn.close()
    _restore_triggers(shop.path)
    code, said = _verify(shop.path)
    assert code == 1 and f"signins row {'ab' * 32} is not in the control log" in said, said


def test_a_signin_written_with_our_own_code_but_no_pin_has_no_event_and_fails_verify(shop: Store) -> None:
    """The same, by a script that imports our code (its triggers log the row): no sign-in event goes with it."""
    maria = shop.scalar("SELECT id FROM staff WHERE name = 'Maria'")
    conn = sqlite3.connect(shop.path, isolation_level=None)
    chains.register(conn)
    conn.execute("INSERT INTO signins(token_sha, staff_id, register, created_at, expires_at) "
                 "VALUES (?, ?, 1, '2026-11-23T17:00:00Z', '2099-01-01T00:00:00Z')", ("cd" * 32, maria))
    conn.close()
    code, said = _verify(shop.path)
    assert code == 1 and "a sign-in as Maria made at 2026-11-23T17:00:00Z has no sign-in event" in said, said


@pytest.mark.parametrize(("sql", "names"), [
    ("UPDATE staff SET role = 'manager' WHERE name = 'Alice'", "staff row"),
    ("UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE name = 'Alice') WHERE name = 'Maria'", "staff row"),
    ("UPDATE settings SET value = '100000' WHERE key = 'approval.refund_over'", "settings row approval.refund_over"),
    ("DELETE FROM shifts", "shifts row 1 is in the control log but no longer in the table"),
])
def test_a_control_row_changed_behind_the_log_fails_verify_naming_it(shop: Store, sql: str, names: str) -> None:
    conn = _shell(shop.path)
    conn.execute(sql)
    conn.close()
    _restore_triggers(shop.path)
    code, said = _verify(shop.path)
    assert code == 1 and names in said, said
    assert "the control records" in said


def test_a_dropped_or_emptied_trigger_fails_verify(shop: Store) -> None:
    conn = _shell(shop.path)
    code, said = _verify(shop.path)
    assert code == 1 and "the trigger chain_" in said and "is gone" in said, said
    chains.register(conn)
    conn.execute("CREATE TRIGGER chain_staff_update AFTER UPDATE ON staff BEGIN SELECT 1; END")
    conn.close()
    _restore_triggers(shop.path)
    conn = sqlite3.connect(shop.path, isolation_level=None)
    conn.execute("DROP TRIGGER chain_staff_update")
    conn.execute("CREATE TRIGGER chain_staff_update AFTER UPDATE ON staff BEGIN SELECT 1; END")
    conn.close()
    code, said = _verify(shop.path)
    assert code == 1 and "the trigger chain_staff_update of table staff is changed" in said, said


def test_an_audit_row_deleted_or_edited_without_a_trace_fails_verify(shop: Store, tmp_path: Path) -> None:
    """What was seen (3): drop the trigger, delete; and the same with the log's own entries deleted too."""
    last = shop.scalar("SELECT max(id) FROM audit_log")
    conn = _shell(shop.path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit_log WHERE action = 'approval'")
    conn.close()
    _restore_triggers(shop.path)
    code, said = _verify(shop.path)
    assert code == 1 and "audit_log row" in said and "deleted behind the log's back" in said, said
    # The log's entries of that row removed as well: the chain no longer links, and the numbers have a gap.
    conn = sqlite3.connect(shop.path, isolation_level=None)
    conn.execute("DROP TRIGGER control_log_no_delete")
    conn.execute("DELETE FROM control_log WHERE tbl = 'audit_log' AND image LIKE '%\"approval\"%'")
    conn.execute(chains._LOG_GUARDS["control_log_no_delete"])
    conn.close()
    code, said = _verify(shop.path)
    assert code == 1 and "control log entry" in said and "rewritten" in said, said
    assert last > 1


def test_audit_numbers_have_no_gap(shop: Store) -> None:
    assert chains.check_audit_numbers(shop) is None
    conn = sqlite3.connect(shop.path, isolation_level=None)
    chains.register(conn)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    problem = chains.check_audit_numbers(shop)
    assert problem is not None and str(problem) == "audit_log row 2 is missing: the audit trail's numbers have a gap"


def test_each_closing_signs_the_control_head_and_a_rechained_log_fails_against_it(shop: Store) -> None:
    _close_both(shop)
    two = closings.last_closing(shop)
    assert two is not None and two.record["chains"]["control"]["entries"] > 0
    entries = two.record["chains"]["control"]["entries"]
    assert shop.scalar("SELECT hash FROM control_log WHERE id = ?", (entries,)) == two.record["chains"]["control"]["head"]
    # A forger without the key: changes Alice's role, rebuilds the whole log so every row matches and every hash
    # links again; the closings' signed heads no longer do.
    conn = _unguard(shop.path)
    conn.execute("UPDATE staff SET role = 'owner' WHERE name = 'Alice'")
    _rechain_control(conn)
    conn.close()
    code, said = _verify(shop.path)
    assert code == 1 and "control log" in said and "rewritten" in said, said


def test_an_entry_appended_after_the_last_head_but_dated_into_the_closed_day_fails_verify(shop: Store) -> None:
    """What was seen (9): the ledger never posts to a closed day, so such an entry was put there by hand."""
    _close_both(shop)
    with freeze_time("2026-11-25 17:00:00"):  # the next day, open: a sale posted normally, then one by hand
        drawer.open_drawer(shop, 1, "100")
        _ring(shop)
    last = ledger.get_entry(shop, shop.scalar("SELECT max(id) FROM journal_entries"))
    assert _verify(shop.path)[0] == 0
    from pos.books.ledger import Posting, SourceKind, post

    # A script with our code, its closed-day refusal taken out: hashes, balances and days' movements all as ours.
    with pytest.MonkeyPatch.context() as mp, freeze_time("2026-11-25 18:00:00"):
        mp.setattr(ledger, "_open_day", lambda store, asked, today, memo: (asked, memo))
        entry = post(shop, "by-hand-1", "moved to the safe", SourceKind.CORRECTION, "by-hand",
                     [Posting("assets:cash:drawer:1", -900, "USD"), Posting("assets:cash:safe", 900, "USD")],
                     business_day=DAY)
    assert entry.id > last.id
    code, said = _verify(shop.path)
    assert code == 1 and f"entry {entry.id} is dated {DAY}, a day closed by closing 1 before it was posted" in said, said


def test_closings_and_their_key_deleted_fail_verify(shop: Store) -> None:
    """What was seen (9): every closing and the public key deleted (and the log rebuilt to match): five closed
    days, and verify said only "hash chain intact"."""
    _close_both(shop)
    conn = _unguard(shop.path)
    conn.execute("DELETE FROM closings")
    conn.execute("DELETE FROM closing_keys")
    _rechain_control(conn)
    conn.close()
    code, said = _verify(shop.path)
    assert code == 1 and "closings were removed" in said, said
    # The fact itself removed too, and the log rebuilt: the store can no longer tell (the witness can: test_witness).
    conn = _unguard(shop.path)
    conn.execute("DELETE FROM store_facts")
    _rechain_control(conn)
    conn.close()
    assert _verify(shop.path)[0] == 0


def _close_days(store: Store, first: date, days: int) -> None:
    """``days`` closed days from ``first``, a cash sale on each."""
    for n in range(days):
        day = first + timedelta(days=n)
        with freeze_time(f"{day.isoformat()} 17:00:00"):
            if n:
                drawer.open_drawer(store, 1, "100")
            _ring(store)
        with freeze_time(f"{(day + timedelta(days=1)).isoformat()} 10:00:00"):
            counted = drawer.status(store, 1).expected_minor
            close_day(store, day, {1: f"{counted // 100}.{counted % 100:02d}"})


def test_plain_verify_rehashes_the_last_week_and_full_the_rest(shop: Store) -> None:
    """An entry edited in place (its stored hash left as it was) three days back is caught by plain verify; one
    ten days back only by --full (the signed heads hold everything older, against a forger without the key)."""
    from tests.test_closings import _copy

    _close_days(shop, DAY, 12)
    last = closings.last_closing(shop)
    assert last is not None and last.business_day == (DAY + timedelta(days=11)).isoformat()
    start = closings.verify_start(shop)
    assert start.recount_from == DAY + timedelta(days=5)  # the close 7 days before the last, and its head
    code, said = _verify(shop.path)
    assert code == 0 and f"(the head of the signed close of {DAY + timedelta(days=4)})" in said, said
    for back, caught_plain in ((3, True), (10, False)):
        day = (DAY + timedelta(days=11 - back)).isoformat()
        path = _copy(shop, shop.path.parent / f"edit-{back}.db")
        conn = _unguard(path)
        conn.execute("UPDATE journal_entries SET memo = 'edited' WHERE id = (SELECT min(id) FROM journal_entries "
                     "WHERE business_day = ?)", (day,))
        conn.close()
        code, said = _verify(path)
        assert (code == 1) is caught_plain and ("changed after it was posted" in said) is caught_plain, said
        code, said = _verify(path, "--full")
        assert code == 1 and "changed after it was posted" in said, said
    # The control records the same way: an old audit row edited behind the log is for --full; one deleted, however
    # old, changes the table's count, and a sign-in added now is new: plain verify names both.
    first_audit = shop.scalar("SELECT min(id) FROM audit_log")
    for sql, caught_plain, says in (
            ("UPDATE audit_log SET detail = '{}' WHERE id = ?", False, f"audit_log row {first_audit} differs"),
            ("DELETE FROM audit_log WHERE id = ?", True, f"audit_log row {first_audit} is in the control log but no "
                                                          "longer in the table"),
    ):
        path = _copy(shop, shop.path.parent / f"audit-{caught_plain}.db")
        conn = _shell(path)
        conn.execute("DROP TRIGGER IF EXISTS audit_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        conn.execute(sql, (first_audit,))
        conn.close()
        _restore_triggers(path)
        code, said = _verify(path)
        assert (code == 1) is caught_plain and (says in said) is caught_plain, said
        code, said = _verify(path, "--full")
        assert code == 1 and says in said, said


def test_a_store_upgraded_to_the_chain_logs_its_rows_and_verifies(tmp_path: Path) -> None:
    """A store at the schema before the chain: the migration logs every control row as it is, and verify is OK."""
    from pos.store import store as store_module
    from pos.opening.setup import init_store

    before = [m for m in MIGRATIONS if m[0] < 27]
    path = tmp_path / "old.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store_module.migrations, "MIGRATIONS", before)
        old = init_store(path, name="Old Shop", currency="USD", timezone="America/New_York")
        old.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'control_log'").fetchone()[0] == 0
    conn.close()
    upgraded = Store.open(path)
    logged = upgraded.scalar("SELECT count(*) FROM control_log WHERE tbl = 'settings' AND op = 'I'")
    assert logged == upgraded.scalar("SELECT count(*) FROM settings") > 0
    upgraded.close()
    assert _verify(path)[0] == 0


def test_a_migration_that_adds_a_column_to_a_control_table_keeps_the_chain(store: Store,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.store import store as store_module
    from pos.people.staff import add_staff

    add_staff(store, "Alice", "cashier", "2580")
    path = store.path
    store.close()
    added = (MIGRATIONS[-1][0] + 1, "a new column on staff", "ALTER TABLE staff ADD COLUMN nickname TEXT;")
    monkeypatch.setattr(store_module.migrations, "MIGRATIONS", [*MIGRATIONS, added])
    reopened = Store.open(path)
    shape = reopened.scalar("SELECT image FROM control_log WHERE tbl = 'staff' AND op = 'S' ORDER BY id DESC LIMIT 1")
    assert "nickname" in json.loads(shape)
    with reopened.write() as conn:
        conn.execute("UPDATE staff SET nickname = 'Al' WHERE id = 1")
    assert '"nickname":"Al"' in reopened.scalar("SELECT image FROM control_log ORDER BY id DESC LIMIT 1")
    _, problem = chains.check(reopened)
    assert problem is None
    reopened.close()


def test_the_link_is_sha256_over_the_entry_and_the_one_before() -> None:
    import hashlib

    assert chains.link("0" * 64, "staff", "1", "U", '{"id":1}', 3) == hashlib.sha256(
        ("0" * 64 + "\nstaff\n1\nU\n" + '{"id":1}' + "\n3").encode()).hexdigest()
    assert chains.link("a", "staff", "1", "D", None, 2) != chains.link("a", "staff", "1", "D", "", 2)
    assert chains.link("a", "staff", "1", "D", None, 2) != chains.link("a", "staff", "1", "D", None, 3)


def test_a_day_of_sales_and_its_close_are_all_in_the_chain(shop: Store) -> None:
    """A sale and a close write control rows (shifts, drawers, closes, counts, the audit trail): all chained."""
    before = chains.head(shop).entries
    _close_both(shop)
    logged = {t for (t,) in shop.tuples("SELECT DISTINCT tbl FROM control_log WHERE id > ?", (before,))}
    assert {"day_closes", "drawer_counts", "drawers", "audit_log", "store_facts"} <= logged
    assert chains.check(shop) == (chains.head(shop).entries, None)


def test_an_update_that_changes_nothing_logs_nothing(shop: Store) -> None:
    """The log keeps versions: a count set to what it already was (a right PIN resets it) writes no entry, so a
    command refused after touching a row as it was leaves the store exactly as it found it."""
    before = chains.head(shop)
    with shop.write() as conn:
        conn.execute("UPDATE staff SET failed_pins = failed_pins WHERE name = 'Alice'")
    assert chains.head(shop) == before
    with shop.write() as conn:
        conn.execute("UPDATE staff SET failed_pins = failed_pins + 1 WHERE name = 'Alice'")
    assert chains.head(shop).entries == before.entries + 1
