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
caught by the heads each signed closing carries (:func:`head`; checked by
:func:`pos.day.closings.check_closings`) for everything before the last closing, and by the closings'
witnesses for the rest (:mod:`pos.day.witness`).

:func:`check` is what ``pos ledger verify`` adds: the chain recomputed (from a trusted head, or the
start), every control row against its last version in the log (a row changed, inserted or deleted
without its trigger is named with its table and key), the triggers still in place, and the audit
trail's numbers without a gap.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import NamedTuple, Protocol


class Connected(Protocol):
    """What the checks need of a store, its connection (named here: :mod:`pos.store.store` imports this module)."""

    conn: sqlite3.Connection

CONTROL_TABLES = (
    "settings", "staff", "signins", "shifts", "drawers", "drawer_counts", "day_closes", "audit_log",
    "tip_policies", "pay_schedules", "tax_rates", "kiosks", "recovery_codes", "closing_keys", "store_identity",
    "store_facts", "place_tries", "handins", "handin_counts",
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


def link(prev: str | None, table: str | None, key: str | None, op: str | None, image: str | None,
         live: int | None) -> str:
    """The hash of one log entry: SHA-256 over the previous hash, the table, the row's key, the operation, the
    row's image (absent for a delete) and the table's row count after it, each on its own line."""
    parts = (prev or "", table or "", key or "", op or "", "\x00" if image is None else image, str(live))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make :func:`link` callable from SQL on ``conn`` as ``pos_link`` (the triggers call it)."""
    conn.create_function(LINK_FUNCTION, 6, link, deterministic=True)


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


def _append_sql(table: str, op: str, key: str, image: str, delta: int, where: str = "") -> str:
    """One INSERT into the log chaining a new entry to the last one (``op``: I, U or D; ``key`` and ``image`` are SQL
    expressions; ``delta``: what the change does to the table's row count)."""
    return (f"INSERT INTO control_log(tbl, rid, op, image, live, prev, hash) "
            f"SELECT '{table}', k, o, img, n, p, {LINK_FUNCTION}(p, '{table}', k, o, img, n) FROM (SELECT {key} AS k, "
            f"'{op}' AS o, {image} AS img, "
            f"coalesce((SELECT live FROM control_log WHERE tbl = '{table}' ORDER BY id DESC LIMIT 1), 0) + {delta} AS n, "
            f"coalesce((SELECT hash FROM control_log ORDER BY id DESC LIMIT 1), '{GENESIS}') AS p){where}")


def _trigger_names(table: str) -> tuple[str, str, str]:
    return (f"chain_{table}_insert", f"chain_{table}_update", f"chain_{table}_delete")


def _trigger_sql(table: str, columns: list[tuple[str, int]]) -> dict[str, str]:
    """``table``'s three triggers for its columns, by name: what :func:`refresh` creates and :func:`check_triggers`
    expects to find, word for word."""
    insert, update, delete = _trigger_names(table)
    new_key, old_key = _key_sql(columns, "NEW"), _key_sql(columns, "OLD")
    return {
        insert: f"CREATE TRIGGER {insert} AFTER INSERT ON {_quote(table)} BEGIN "
                f"{_append_sql(table, 'I', new_key, _image_sql(columns, 'NEW'), 1)}; END",
        # A key that changes is the old row gone and a new one: both are logged, so neither is unaccounted for.
        # An UPDATE that changes nothing (a count set to what it was) logs nothing: the log holds versions, not
        # statements, so a refused command that touched a row as it was leaves the store as it found it.
        update: f"CREATE TRIGGER {update} AFTER UPDATE ON {_quote(table)} "
                f"WHEN {_image_sql(columns, 'OLD')} IS NOT {_image_sql(columns, 'NEW')} BEGIN "
                f"{_append_sql(table, 'D', old_key, 'NULL', -1, f' WHERE {old_key} IS NOT {new_key}')}; "
                f"{_append_sql(table, 'I', new_key, _image_sql(columns, 'NEW'), 1, f' WHERE {old_key} IS NOT {new_key}')}; "
                f"{_append_sql(table, 'U', new_key, _image_sql(columns, 'NEW'), 0, f' WHERE {old_key} IS {new_key}')}; END",
        delete: f"CREATE TRIGGER {delete} AFTER DELETE ON {_quote(table)} BEGIN "
                f"{_append_sql(table, 'D', old_key, 'NULL', -1)}; END",
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
        live INTEGER NOT NULL,      -- the table's rows after this change (a row deleted behind the log shows)
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
    )""")
    conn.execute("CREATE INDEX IF NOT EXISTS control_log_row ON control_log(tbl, rid, id)")
    conn.execute("CREATE INDEX IF NOT EXISTS control_log_table ON control_log(tbl, id)")
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
        op = "I" if table not in logged else "U"
        prev = head(conn).head
        rows = conn.execute(f"SELECT {_key_sql(columns, '')}, {_image_sql(columns, '')} FROM {_quote(table)} "
                            "ORDER BY rowid").fetchall()
        live = 0 if op == "I" else len(rows)
        entries = [(table, "", "S", shape, live, prev, link(prev, table, "", "S", shape, live))]
        prev = entries[0][-1]
        for key, image in rows:
            live += op == "I"
            digest = link(prev, table, key, op, image, live)
            entries.append((table, key, op, image, live, prev, digest))
            prev = digest
        conn.executemany("INSERT INTO control_log(tbl, rid, op, image, live, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         entries)


# -- reading the chain --------------------------------------------------------------------------------


def head(store_or_conn: "Connected | sqlite3.Connection") -> Head:
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


def check_chain(store: Connected, start: Head = Head(0, GENESIS)) -> tuple[int, Problem | None]:
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
    cursor = conn.execute("SELECT id, tbl, rid, op, image, live, prev, hash FROM control_log WHERE id > ? ORDER BY id",
                          (start.entries,))
    for entry_id, table, key, op, image, live, stored_prev, stored in cursor:
        if entry_id != prev_id + 1:
            return checked, Problem(f"control log entry {prev_id + 1}", "is missing: the control records were rewritten")
        if stored_prev != prev or link(prev, table, key, op, image, live) != stored:
            return checked, Problem(f"control log entry {entry_id} ({table} row {key})",
                                    "does not chain to the one before: the control records were rewritten")
        prev_id, prev = entry_id, stored
        checked += 1
    return checked, None


GROWING = {"audit_log": None, "shifts": "ended_at IS NULL", "drawers": "closed_at IS NULL", "drawer_counts": None,
           "day_closes": "reopened_at IS NULL", "signins": "ended_at IS NULL AND expires_at > :now",
           "handins": None, "handin_counts": None}
"""The control tables that grow with the store's age, and which of their rows are still in force.  A plain verify
compares, of these, the rows in force, the rows logged since it started and the rows added since then, and each
table's row count; ``--full`` compares every row, as it always does for the other control tables."""


def _differs(conn: sqlite3.Connection, table: str, columns: list[tuple[str, int]], where: str,
             params: dict[str, object]) -> Problem | None:
    """The first row of ``table`` (among those ``where`` picks) unlike its last version in the log, or None."""
    current = (f"SELECT {_key_sql(columns, '')} AS rid, {_image_sql(columns, '')} AS image FROM {_quote(table)} "
               f"WHERE {where}")
    row = conn.execute(
        f"SELECT c.rid, l.image IS NULL FROM ({current}) c LEFT JOIN control_log l ON l.id = (SELECT max(id) "
        "FROM control_log x WHERE x.tbl = :table AND x.rid = c.rid AND x.op <> 'S') "
        "WHERE l.image IS NOT c.image LIMIT 1", {**params, "table": table}).fetchone()
    if row is None:
        return None
    what = ("is not in the control log: it was added behind the log's back" if row[1] else
            "differs from its last version in the control log: it was changed behind the log's back")
    return Problem(f"{table} row {row[0]}", what)


def _gone(conn: sqlite3.Connection, table: str, columns: list[tuple[str, int]]) -> Problem | None:
    """A row the log holds as live that the table no longer has (looked for only once the counts differ)."""
    row = conn.execute(
        f"SELECT l.rid FROM control_log l WHERE l.tbl = ? AND l.op IN ('I', 'U') AND l.id = (SELECT max(id) FROM "
        f"control_log x WHERE x.tbl = l.tbl AND x.rid = l.rid AND x.op <> 'S') AND NOT EXISTS (SELECT 1 FROM "
        f"{_quote(table)} c WHERE {_key_sql(columns, 'c')} = l.rid) ORDER BY l.id LIMIT 1", (table,)).fetchone()
    where = f"{table} row {row[0]}" if row is not None else f"a row of {table}"
    return Problem(where, "is in the control log but no longer in the table: it was deleted behind the log's back")


def check_rows(store: Connected, since: Head | None = None, now: str = "") -> Problem | None:
    """Control rows against their last versions in the log, and each table's row count against the log's: a row
    changed, added or deleted behind the triggers' back is named, with its table and key.

    ``since`` (a plain verify's start): of the tables that grow (:data:`GROWING`), only the rows in force at ``now``
    (ISO text), those logged after ``since`` and those added after it are compared; the others are compared
    whole.  None: every row of every table.
    """
    conn = store.conn
    logged = _logged_columns(conn)
    for table in _tables(conn):
        columns = _columns(conn, table)
        if logged.get(table) != json.dumps([name for name, _ in columns]):
            return Problem(f"the columns of table {table}", "are not those the control log last recorded: the "
                                                            "schema was changed outside an upgrade")
        count = int(conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0])
        last = conn.execute("SELECT live FROM control_log WHERE tbl = ? ORDER BY id DESC LIMIT 1", (table,)).fetchone()
        live = int(last[0]) if last else 0
        where, params = "1", {}
        if since is not None and table in GROWING:
            # Rows added since: their rowid is past the last row the log had inserted by then.
            before = conn.execute("SELECT rid FROM control_log WHERE tbl = ? AND id <= ? AND op = 'I' "
                                  "ORDER BY id DESC LIMIT 1", (table, since.entries)).fetchone()
            touched = f"{_key_sql(columns, '')} IN (SELECT rid FROM control_log WHERE id > :since AND tbl = :table)"
            in_force = GROWING[table]
            added = (f"rowid > (SELECT rowid FROM {_quote(table)} WHERE {_key_sql(columns, '')} = :before)"
                     if before is not None else "1")
            where = f"({added}) OR {touched}" + (f" OR ({in_force})" if in_force else "")
            params = {"since": since.entries, "before": before[0] if before else None, "now": now}
        problem = _differs(conn, table, columns, where, params)
        if problem is not None:
            return problem
        if count > live:
            # Fewer in the log than in the table: one was added behind its back (among the rows not compared).
            return _differs(conn, table, columns, "1", {}) or Problem(f"table {table}", f"has {count} rows, and the "
                                                                      f"control log {live}: rows were added behind it")
        if count < live:
            return _gone(conn, table, columns)
    return None


def check_triggers(store: Connected) -> Problem | None:
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


def check_audit_numbers(store: Connected) -> Problem | None:
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


def check(store: Connected, start: Head = Head(0, GENESIS), *, full: bool = True, now: str = "") -> tuple[int, Problem | None]:
    """Everything above: (log entries rehashed, the first problem or None).  Not ``full``: the rows of the tables
    that grow are compared from ``start`` on (:func:`check_rows`)."""
    if store.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'control_log'").fetchone() is None:
        return 0, None  # a store read before its upgrade (read-only media): nothing was chained yet
    problem = check_triggers(store)
    if problem is not None:
        return 0, problem
    checked, problem = check_chain(store, start)
    if problem is not None:
        return checked, problem
    return checked, check_rows(store, None if full else start, now) or check_audit_numbers(store)
