"""The store file: creation, opening, migrations, transactions, durability settings."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from pos.store import migrations
from pos.base.errors import SchemaTooNew, StoreError
from pos.store.store import Store, latest_schema_version, new_id


def test_open_missing_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with pytest.raises(StoreError, match="pos init"):
        Store.open(path)
    assert not path.exists()


def test_create_refuses_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "pos.db"
    path.write_bytes(b"precious")
    with pytest.raises(StoreError, match="already exists"):
        Store.create(path)
    assert path.read_bytes() == b"precious"


def test_open_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a usable"):
        Store.open(junk)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes(x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="not an Anytender store"):
        Store.open(other)
    assert other.read_bytes() == before  # never migrated someone else's database


def test_connection_settings(store: Store) -> None:
    assert store.one("PRAGMA journal_mode")[0] == "wal"
    assert store.one("PRAGMA synchronous")[0] == 2  # FULL
    assert store.one("PRAGMA busy_timeout")[0] >= 5000
    assert store.one("PRAGMA foreign_keys")[0] == 1


def test_migrations_recorded(store: Store) -> None:
    rows = store.all("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r["version"] for r in rows] == [m[0] for m in migrations.MIGRATIONS]
    assert store.schema_version() == latest_schema_version()


def test_pending_migration_applied_on_open(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store.path
    store.close()
    extra = (latest_schema_version() + 1, "test: a notes table", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, extra])
    reopened = Store.open(path)
    try:
        assert reopened.schema_version() == extra[0]
        assert "notes" in reopened.db.table_names()
        assert reopened.one("SELECT name FROM schema_migrations WHERE version = ?", (extra[0],))["name"] == extra[1]
    finally:
        reopened.close()
    # Opening again applies nothing twice.
    again = Store.open(path)
    assert again.one("SELECT count(*) FROM schema_migrations")[0] == len(migrations.MIGRATIONS)
    again.close()


def test_failed_migration_leaves_the_file_at_the_old_version(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store.path
    store.close()
    bad = (latest_schema_version() + 1, "broken", "CREATE TABLE half (x);\nTHIS IS NOT SQL;")
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, bad])
    with pytest.raises(sqlite3.OperationalError):
        Store.open(path)
    monkeypatch.undo()
    s = Store.open(path)
    assert s.schema_version() == latest_schema_version()
    assert "half" not in s.db.table_names()
    s.close()


def test_newer_schema_is_refused_and_file_untouched(store: Store) -> None:
    path = store.path
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {latest_schema_version() + 5}")
    conn.commit()
    conn.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(SchemaTooNew, match="newer Anytender"):
        Store.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_write_begins_immediate_and_rolls_back_on_error(store: Store) -> None:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES ('x', 'y')")
            with store.write():  # nested: joins the outer transaction
                conn.execute("INSERT INTO settings(key, value) VALUES ('z', 'w')")
            raise RuntimeError("crash mid-operation")
    store.conn.set_trace_callback(None)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements.count("BEGIN IMMEDIATE") == 1
    assert statements[-1] == "ROLLBACK"
    assert store.one("SELECT count(*) FROM settings WHERE key IN ('x', 'z')")[0] == 0


def test_second_register_waits_for_the_write_lock(store: Store) -> None:
    other = Store.open(store.path)
    other.conn.execute("PRAGMA busy_timeout = 50")
    try:
        with store.write():
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                with other.write():
                    pass
        with other.write() as conn:  # free again once the first committed
            conn.execute("INSERT INTO settings(key, value) VALUES ('k', 'v')")
        assert store.one("SELECT value FROM settings WHERE key = 'k'")[0] == "v"
    finally:
        other.close()


def test_order_numbers_unique_across_two_connections(store: Store) -> None:
    from pos.sales.orders import new_order

    other = Store.open(store.path)
    try:
        numbers = [new_order(s, "counter").number for s in (store, other, store, other, other)]
    finally:
        other.close()
    assert numbers == [1, 2, 3, 4, 5]


def test_ids_are_sortable_and_unique() -> None:
    ids = [new_id("ord") for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert all(i.startswith("ord_") and len(i) == 30 for i in ids)


def test_a_folder_name_with_uri_characters_opens_the_right_file(make_store, tmp_path: Path) -> None:
    """The path is quoted in SQLite's URI: unquoted, '#' ended the name and a stray empty file was made."""
    folder = tmp_path / "shop #1 ?back"
    folder.mkdir()
    store = make_store(f"{folder.name}/pos.db")
    store.close()
    with Store.open(folder / "pos.db") as again:
        assert again.settings.name == "Test Pizza"
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


def test_opening_the_store_again_in_a_process_keeps_that_process_s_locks(store: Store) -> None:
    """A second Store.open in a process that holds one (an in-process command, pos serve's request) used to open
    the file to see whether it could be written and close that descriptor, which released every POSIX lock the
    process held on it: the next register to close took the store for unused, checkpointed it and deleted its -wal
    and -shm from under the first connection, which then read the store as it was long before (found by the race
    tests: 'no such table' on a live connection)."""
    import subprocess
    import sys

    from pos.store import config

    Store.open(store.path).close()
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                    "c.execute('SELECT count(*) FROM settings').fetchone(); c.close()", str(store.path)], check=True)
    assert store.path.with_name(store.path.name + "-shm").exists()  # still in use here: not taken away
    config.set_option(store, "cash.rounding", "0.05")
    assert store.scalar("PRAGMA user_version") == store.schema_version() > 1
    again = Store.open(store.path)
    assert again.scalar("SELECT value FROM settings WHERE key = 'cash.rounding'") == "5"
    again.close()
