"""The store file: one SQLite database, its migrations, and its transactions.

Owns opening the file (never creating it by accident), the connection
settings every register relies on (WAL, ``synchronous=FULL``, a busy
timeout, foreign keys), the numbered migrations, and the one way to change
data: ``with store.write():``, a transaction begun with ``BEGIN IMMEDIATE``.

Why ``BEGIN IMMEDIATE``: several registers share one file.  A deferred
transaction that reads and then writes can fail with SQLITE_BUSY half way;
taking the write lock up front makes a busy store wait (busy timeout) and
then either do the whole change or none of it.

The hot path (ringing a sale) talks to the stdlib ``sqlite3`` connection
directly.  ``store.db`` wraps the same connection in ``sqlite_utils`` for
bulk work (imports, listings, introspection); it is imported on first use
only, because importing sqlite-utils costs more start-up time than a
cashier's whole command.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from pos.errors import SchemaTooNew, StoreError
from pos import migrations

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from pos.settings import StoreSettings

DEFAULT_DB_PATH = "pos.db"
BUSY_TIMEOUT_MS = 10_000


def latest_schema_version() -> int:
    """The newest schema this code knows."""
    return migrations.MIGRATIONS[-1][0]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    """A sortable, unique id such as ``ord_01JD3X...``: time (ms) then randomness.

    Sortable so that listings by id follow creation order; random enough
    that two registers creating ids in the same millisecond never collide.
    """
    # os.urandom, not secrets: same source, and secrets costs 4 ms of start-up.
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"


def utc_now() -> datetime:
    """The current instant, timezone-aware UTC (freezegun-friendly)."""
    return datetime.now(timezone.utc)


def iso(instant: datetime) -> str:
    """Canonical text form of an instant as stored: UTC, seconds, ``Z``."""
    # isoformat is several times faster than strftime, and this runs per posting.
    return instant.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_iso(text: str) -> datetime:
    """Inverse of :func:`iso`."""
    return datetime.fromisoformat(text)


class Store:
    """An open store file.  Use :meth:`open` or :meth:`create`, not the constructor."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._depth = 0
        # Facts valid only while this connection holds the write lock (e.g. the
        # journal's last hash); emptied whenever a transaction begins or ends.
        self.tx_cache: dict[str, Any] = {}
        # Facts derived from the settings for the life of this handle (the money formatter).
        self.memo: dict[str, Any] = {}
        self._db: sqlite_utils.Database | None = None
        self._settings: StoreSettings | None = None

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "Store":
        """Open an existing, initialised store; apply pending migrations."""
        p = Path(path)
        if not p.exists():
            raise StoreError(
                f"No store at {p}: run 'pos init' to create one, or pass --db PATH (or set POS_DB)."
            )
        store = cls(p, _connect(p, create=False))
        if store.schema_version() == 0:
            # Never migrate a file we did not create: it may be someone else's database.
            store.close()
            raise StoreError(f"{p} is not an Anytender store: check the --db path, or run 'pos init' on a new path.")
        store._migrate()
        if store.conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 0:
            store.close()
            raise StoreError(f"The store at {p} was never initialised: run 'pos init --db {p}'.")
        return store

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> "Store":
        """Create a new, empty store file with the full schema.

        Refuses when the file exists: creating a store never destroys one.
        """
        p = Path(path)
        if p.exists():
            raise StoreError(f"A store already exists at {p}: it was left untouched. Use another --db path.")
        if p.parent and not p.parent.exists():
            raise StoreError(f"Folder {p.parent} does not exist: create it first or choose another --db path.")
        store = cls(p, _connect(p, create=True))
        store._migrate()
        return store

    def close(self) -> None:
        """Close the connection (idempotent)."""
        try:
            self.conn.close()
        except sqlite3.Error:  # pragma: no cover - closing a broken handle
            pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- migrations ----------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version recorded in the file (0 for a new file)."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version()
        latest = latest_schema_version()
        if current > latest:
            self.close()
            raise SchemaTooNew(
                f"The store at {self.path} was written by a newer Anytender (schema {current}, "
                f"this one knows up to {latest}): upgrade Anytender; the file was not changed."
            )
        if current == latest:
            return
        # Only now is it safe to change the file: switch it to WAL (persistent).
        self.conn.execute("PRAGMA journal_mode=WAL")
        for version, name, script in migrations.MIGRATIONS:
            if version <= current:
                continue
            with self.write():
                # Re-check under the write lock: another register may have migrated.
                if self.schema_version() >= version:
                    continue
                for statement in _split_sql(script):
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, iso(utc_now())),
                )
                self.conn.execute(f"PRAGMA user_version = {int(version)}")

    # -- transactions --------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: ``BEGIN IMMEDIATE`` ... ``COMMIT`` (or rollback).

        Nested calls join the outer transaction, so a business operation can
        call helpers that also write, and still commit once.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self.tx_cache.clear()
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.tx_cache.clear()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._settings = None
            raise
        self._depth = 0
        self.tx_cache.clear()
        self.conn.execute("COMMIT")

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    # -- helpers -------------------------------------------------------------

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Row | None:
        """First row of a parameterised query, or None."""
        return self.conn.execute(sql, params).fetchone()

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        """The first column of the first row of a query that always returns one (count, max...)."""
        row = self.conn.execute(sql, params).fetchone()
        if row is None:  # pragma: no cover - aggregate queries always return a row
            raise StoreError(f"The store returned nothing for a query that always answers: {sql[:60]}")
        return row[0]

    def tuples(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Rows as plain tuples, streamed: for scans of many rows (building a Row per row halves the speed)."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)

    def all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """All rows of a parameterised query."""
        return self.conn.execute(sql, params).fetchall()

    @property
    def db(self) -> "sqlite_utils.Database":
        """The same connection seen through sqlite-utils (imported on first use)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @property
    def settings(self) -> "StoreSettings":
        """The store's settings (cached; re-read after a rolled-back change)."""
        if self._settings is None:
            from pos.settings import load_settings

            self._settings = load_settings(self)
        return self._settings

    def forget_settings(self) -> None:
        """Drop the cached settings (and what was derived from them) after they changed."""
        self._settings = None
        self.memo.pop("formatter", None)


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    mode = "rwc" if create else "rw"
    uri = f"file:{path.resolve().as_posix()}?mode={mode}"
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves.
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA user_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a usable Anytender store ({exc}): check the --db path.") from exc
    return conn


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
