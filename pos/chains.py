"""The control records' chain: every version of every control row, hash-chained, its head signed by each closing.

The journal is append-only and hash-chained; the records that decide who may do what were not.  A
shell as the till's own user could insert a sign-in for a manager, change a role, a PIN hash or an
approval limit, or delete an audit row, and nothing would tell.  Here every change to a control
table (:data:`CONTROL_TABLES`: staff, settings, the tip policy, sign-ins, shifts, drawers and their
counts, closes, the audit trail with its approvals, ...) appends the row's new version to
``control_log``, by SQLite triggers in the same statement's transaction: its table, its key, what
happened (``I``nsert, ``U``pdate, ``D``elete, or ``S``: the table's columns, when a migration
changes them), the row as it now is (canonical JSON), and a SHA-256 over the previous entry's hash
and all of that (:func:`link`).  The log itself can only grow (its own triggers), and the tables keep
their shape: commands read and write them as before, the log is their history.

The link is a function of this program (``pos_link``, registered on every connection the store
opens: :func:`register`).  A plain ``sqlite3`` shell has no such function, so it cannot change a
control row at all without first dropping the triggers, which leaves the row out of the chain, where
:func:`check_rows` finds it.  Someone who rewrites the log and recomputes every hash after a point is
caught by the heads each signed closing carries (:func:`heads`, :func:`check_heads`) for everything
before the last closing, and by the closings' witnesses for the rest (:mod:`pos.closings`).

:func:`check` is what ``pos ledger verify`` adds: the chain recomputed (from a trusted head, or the
start), every control row against its last version in the log (a row changed, inserted or deleted
without its trigger is named with its table and key), the triggers still in place, and the audit
trail's numbers without a gap.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

CONTROL_TABLES = (
    "settings", "staff", "signins", "shifts", "drawers", "drawer_counts", "day_closes", "audit_log",
    "tip_policies", "pay_schedules", "tax_rates", "kiosks", "recovery_codes", "closing_keys", "store_identity",
    "store_facts", "place_tries",
)
"""The tables whose every version is chained, in the order they are checked.  A table a later migration adds
joins by being named here: :func:`refresh` (run after every migration) installs its triggers and logs its rows."""

GENESIS = "0" * 64
LINK_FUNCTION = "pos_link"
_OPS = ("I", "U", "D", "S")


class Head(NamedTuple):
    """The control log's last entry: how many there are and its hash (what a closing signs)."""

    entries: int
    head: str

    def as_dict(self) -> dict[str, object]:
        return {"entries": self.entries, "head": self.head}


def link(prev: str | None, table: str | None, key: str | None, op: str | None, image: str | None) -> str:
    """The hash of one log entry: SHA-256 over the previous hash, the table, the row's key, the operation and the
    row's image (absent for a delete), each on its own line."""
    parts = (prev or "", table or "", key or "", op or "", "\x00" if image is None else image)
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make :func:`link` callable from SQL on ``conn`` as ``pos_link`` (the triggers call it)."""
    conn.create_function(LINK_FUNCTION, 5, link, deterministic=True)


# -- the triggers, generated from each table's columns ------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, int]]:
    """(column, position in the primary key or 0) of ``table``, in the table's order."""
    return [(str(r[1]), int(r[5])) for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]


def _key_sql(columns: list[tuple[str, int]], row: str) -> str:
    """SQL for a row's key as text: its primary key (a JSON array when it has several columns), else its rowid."""
    keys = [name for name, pk in sorted((c for c in columns if c[1]), key=lambda c: c[1])]
    prefix = f"{row}." if row else ""
    if not keys:
        return f"CAST({prefix}rowid AS TEXT)"
    if len(keys) == 1:
        return f"CAST({prefix}{_quote(keys[0])} AS TEXT)"
    return "json_array(" + ", ".join(prefix + _quote(k) for k in keys) + ")"


def _image_sql(columns: list[tuple[str, int]], row: str) -> str:
    """SQL for a row's image: a JSON object of every column, in the table's order (SQLite writes it canonically)."""
    prefix = f"{row}." if row else ""
    return "json_object(" + ", ".join(f"'{name}', {prefix}{_quote(name)}" for name, _ in columns) + ")"


def _append_sql(table: str, op: str, key: str, image: str, where: str = "") -> str:
    """One INSERT into the log chaining a new entry to the last one (``key`` and ``image`` are SQL expressions)."""
    return (f"INSERT INTO control_log(tbl, rid, op, image, prev, hash) "
            f"SELECT '{table}', k, '{op}', img, p, {LINK_FUNCTION}(p, '{table}', k, '{op}', img) FROM (SELECT {key} AS k, "
            f"{image} AS img, coalesce((SELECT hash FROM control_log ORDER BY id DESC LIMIT 1), '{GENESIS}') AS p)"
            f"{where}")


def _trigger_names(table: str) -> tuple[str, str, str]:
    return (f"chain_{table}_insert", f"chain_{table}_update", f"chain_{table}_delete")


def _trigger_sql(table: str, columns: list[tuple[str, int]]) -> dict[str, str]:
    """``table``'s three triggers for its columns, by name: what :func:`refresh` creates and :func:`check_triggers`
    expects to find, word for word."""
    insert, update, delete = _trigger_names(table)
    new_key, old_key = _key_sql(columns, "NEW"), _key_sql(columns, "OLD")
    return {
        insert: f"CREATE TRIGGER {insert} AFTER INSERT ON {_quote(table)} BEGIN "
                f"{_append_sql(table, 'I', new_key, _image_sql(columns, 'NEW'))}; END",
        # A key that changes is the old row gone and a new one: both are logged, so neither is unaccounted for.
        update: f"CREATE TRIGGER {update} AFTER UPDATE ON {_quote(table)} BEGIN "
                f"{_append_sql(table, 'D', old_key, 'NULL', f' WHERE {old_key} IS NOT {new_key}')}; "
                f"{_append_sql(table, 'U', new_key, _image_sql(columns, 'NEW'))}; END",
        delete: f"CREATE TRIGGER {delete} AFTER DELETE ON {_quote(table)} BEGIN "
                f"{_append_sql(table, 'D', old_key, 'NULL')}; END",
    }


def _install_table(conn: sqlite3.Connection, table: str, columns: list[tuple[str, int]]) -> None:
    """(Re)create ``table``'s three triggers for its current columns."""
    for name, sql in _trigger_sql(table, columns).items():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(sql)


_LOG_GUARDS = {f"control_log_no_{verb.lower()}": f"CREATE TRIGGER control_log_no_{verb.lower()} BEFORE {verb} ON "
               "control_log BEGIN SELECT RAISE(ABORT, 'the control log is append-only'); END"
               for verb in ("UPDATE", "DELETE")}


def _logged_columns(conn: sqlite3.Connection) -> dict[str, str]:
    """Each chained table's columns as last logged (its latest 'S' entry's image)."""
    return {str(t): str(img) for t, img in conn.execute(
        "SELECT tbl, image FROM control_log WHERE id IN (SELECT max(id) FROM control_log WHERE op = 'S' GROUP BY tbl)")}


def _tables(conn: sqlite3.Connection) -> list[str]:
    present = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [t for t in CONTROL_TABLES if t in present]


def install(conn: sqlite3.Connection) -> None:
    """The migration that starts the chain: the log, the store's facts, and every control table's triggers and
    present rows (:func:`refresh`).  Runs inside the migration's transaction."""
    register(conn)
    conn.execute("""CREATE TABLE IF NOT EXISTS control_log (
        id INTEGER PRIMARY KEY,
        tbl TEXT NOT NULL,
        rid TEXT NOT NULL,          -- the row's primary key as text (a JSON array for several columns)
        op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D', 'S')),
        image TEXT,                 -- the row as it now is (JSON); NULL for a delete; the columns for 'S'
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
    )""")
    conn.execute("CREATE INDEX IF NOT EXISTS control_log_row ON control_log(tbl, rid, id)")
    for name, sql in _LOG_GUARDS.items():
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        conn.execute(sql)
    # Facts about the store that verify needs and that must not be lost with what they describe (chained too).
    conn.execute("CREATE TABLE IF NOT EXISTS store_facts (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    first = conn.execute("SELECT close_id FROM closings ORDER BY number LIMIT 1").fetchone()
    if first is not None:
        conn.execute("INSERT OR IGNORE INTO store_facts(key, value) VALUES ('closings_from_close', ?)", (str(first[0]),))
    refresh(conn)


def refresh(conn: sqlite3.Connection) -> None:
    """Bring the chain up to the schema: a control table that is new, or whose columns changed, gets its triggers
    (re)made, its columns logged ('S') and every row's image logged as it now is.  Called after every migration, in
    its transaction; does nothing before the chain's own migration, or when nothing changed."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'control_log'").fetchone() is None:
        return
    register(conn)
    logged = _logged_columns(conn)
    for table in _tables(conn):
        columns = _columns(conn, table)
        shape = json.dumps([name for name, _ in columns])
        if logged.get(table) == shape:
            continue
        _install_table(conn, table, columns)
        conn.execute(_append_sql(table, "S", "''", "?"), (shape,))
        op = "I" if table not in logged else "U"
        prev = head(conn).head
        entries = []
        for key, image in conn.execute(f"SELECT {_key_sql(columns, '')}, {_image_sql(columns, '')} FROM {_quote(table)} "
                                       "ORDER BY rowid"):
            digest = link(prev, table, key, op, image)
            entries.append((table, key, op, image, prev, digest))
            prev = digest
        conn.executemany("INSERT INTO control_log(tbl, rid, op, image, prev, hash) VALUES (?, ?, ?, ?, ?, ?)", entries)


# -- reading the chain --------------------------------------------------------------------------------


def head(store_or_conn: "Store | sqlite3.Connection") -> Head:
    """The log's head now (entries 0 and the genesis hash before anything is logged, or before the chain began)."""
    conn = store_or_conn if isinstance(store_or_conn, sqlite3.Connection) else store_or_conn.conn
    try:
        row = conn.execute("SELECT id, hash FROM control_log ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:  # a store older than the chain, read before its upgrade
        return Head(0, GENESIS)
    return Head(int(row[0]), str(row[1])) if row else Head(0, GENESIS)


class Problem(NamedTuple):
    """What verify found wrong in the control records: ``where`` names the table and row."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where} {self.what}"


def check_chain(store: "Store", start: Head = Head(0, GENESIS)) -> tuple[int, Problem | None]:
    """Recompute the log's hashes after ``start`` (an entry trusted to still have its hash): (entries checked, the
    first problem or None)."""
    conn = store.conn
    if start.entries:
        row = conn.execute("SELECT hash FROM control_log WHERE id = ?", (start.entries,)).fetchone()
        if row is None or row[0] != start.head:
            return 0, Problem(f"control log entry {start.entries}",
                              "is not the head a signed closing recorded (its hash differs, or it is gone): the control "
                              "records were rewritten")
    prev_id, prev = start.entries, start.head
    checked = 0
    cursor = conn.execute("SELECT id, tbl, rid, op, image, prev, hash FROM control_log WHERE id > ? ORDER BY id",
                          (start.entries,))
    for entry_id, table, key, op, image, stored_prev, stored in cursor:
        if entry_id != prev_id + 1:
            return checked, Problem(f"control log entry {prev_id + 1}", "is missing: the control records were rewritten")
        if stored_prev != prev or link(prev, table, key, op, image) != stored:
            return checked, Problem(f"control log entry {entry_id} ({table} row {key})",
                                    "does not chain to the one before: the control records were rewritten")
        prev_id, prev = entry_id, stored
        checked += 1
    return checked, None


def check_rows(store: "Store") -> Problem | None:
    """Every control row against its last version in the log, and every version the log says is live against the
    table: a row changed, added or deleted behind the triggers' back is named, with its table and key."""
    conn = store.conn
    logged = _logged_columns(conn)
    for table in _tables(conn):
        columns = _columns(conn, table)
        if logged.get(table) != json.dumps([name for name, _ in columns]):
            return Problem(f"the columns of table {table}", "are not those the control log last recorded: the "
                                                            "schema was changed outside an upgrade")
        latest = ("SELECT rid, image FROM control_log WHERE id IN (SELECT max(id) FROM control_log "
                  "WHERE tbl = ? AND op <> 'S' GROUP BY rid)")
        current = f"SELECT {_key_sql(columns, '')} AS rid, {_image_sql(columns, '')} AS image FROM {_quote(table)}"
        row = conn.execute(f"SELECT c.rid, l.rid IS NULL OR l.image IS NULL FROM ({current}) c "
                           f"LEFT JOIN ({latest}) l ON l.rid = c.rid WHERE l.image IS NOT c.image ORDER BY c.rid LIMIT 1",
                           (table,)).fetchone()
        if row is not None:
            what = ("is not in the control log: it was added behind the log's back" if row[1] else
                    "differs from its last version in the control log: it was changed behind the log's back")
            return Problem(f"{table} row {row[0]}", what)
        gone = conn.execute(f"SELECT l.rid FROM ({latest}) l LEFT JOIN ({current}) c ON c.rid = l.rid "
                            "WHERE l.image IS NOT NULL AND c.rid IS NULL ORDER BY l.rid LIMIT 1", (table,)).fetchone()
        if gone is not None:
            return Problem(f"{table} row {gone[0]}", "is in the control log but no longer in the table: it was deleted "
                                                     "behind the log's back")
    return None


def check_triggers(store: "Store") -> Problem | None:
    """Each control table's triggers, and the log's own guards, in place word for word (a trigger dropped, or
    replaced by one that logs nothing, lets changes escape the log)."""
    present = {str(name): str(sql) for name, sql in
               store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")}
    for table in _tables(store.conn):
        for name, sql in _trigger_sql(table, _columns(store.conn, table)).items():
            if present.get(name) != sql:
                return Problem(f"the trigger {name} of table {table}",
                               f"is {'changed' if name in present else 'gone'}: changes to it escape the control log")
    for name, sql in _LOG_GUARDS.items():
        if present.get(name) != sql:
            return Problem(f"the control log's trigger {name}", f"is {'changed' if name in present else 'gone'}")
    return None


def check_audit_numbers(store: "Store") -> Problem | None:
    """The audit trail's numbers run from 1 with no gap (a deleted row leaves one)."""
    count, low, high = store.conn.execute("SELECT count(*), min(id), max(id) FROM audit_log").fetchone()
    if not count:
        return None
    if int(low) != 1 or int(high) != int(count):
        missing = store.conn.execute(
            "SELECT min(id) + 0 FROM (SELECT 1 AS id UNION ALL SELECT id + 1 FROM audit_log) "
            "WHERE id NOT IN (SELECT id FROM audit_log) AND id <= ?", (int(high),)).fetchone()[0]
        return Problem(f"audit_log row {missing}", "is missing: the audit trail's numbers have a gap")
    return None


def check(store: "Store", start: Head = Head(0, GENESIS)) -> tuple[int, Problem | None]:
    """Everything above: (log entries rehashed, the first problem or None)."""
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'control_log'").fetchone() is None:
        return 0, None  # a store read before its upgrade (read-only media): nothing was chained yet
    problem = check_triggers(store)
    if problem is not None:
        return 0, problem
    checked, problem = check_chain(store, start)
    if problem is not None:
        return checked, problem
    return checked, check_rows(store) or check_audit_numbers(store)
