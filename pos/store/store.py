"""The store file: one SQLite database, its migrations, and its transactions.

Owns opening the file (never creating it by accident), the connection
settings every register relies on (WAL, ``synchronous=FULL``, a busy
timeout, foreign keys), the numbered migrations, and the one way to change
data: ``with store.write():``, a transaction begun with ``BEGIN IMMEDIATE``.

Why ``BEGIN IMMEDIATE``: several registers share one file.  A deferred
transaction that reads and then writes can fail with SQLITE_BUSY half way;
taking the write lock up front makes a busy store wait (busy timeout) and
then either do the whole change or none of it.

A store that cannot be written (a read-only file, folder or filesystem) is
still opened, read-only, so that the day's orders and the books can be read
off it; any change is then refused before it starts.  A failure of the disk
while writing (full, read-only, an I/O error) becomes a :class:`StoreError`
subclass that says what is wrong and what to do, never a raw sqlite3 error.

The hot path (ringing a sale) talks to the stdlib ``sqlite3`` connection
directly.  ``store.db`` wraps the same connection in ``sqlite_utils`` for
bulk work (imports, listings, introspection); it is imported on first use
only, because importing sqlite-utils costs more start-up time than a
cashier's whole command.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator
from urllib.parse import quote

from pos.base.errors import DiskFailed, DiskFull, SchemaTooNew, StoreError, StoreReadOnly
from pos.store import chains, migrations
from pos.store.settings_record import load_settings
from pos.store.store_file import (
    _connect,
    _connect_existing,
    _disk_full,
    _exists,
    _split_sql,
    _store_path,
    _unusable,
    _uri,
    _why_read_only,
)

if TYPE_CHECKING:  # pragma: no cover
    import sqlite_utils

    from pos.store.settings_record import StoreSettings

DEFAULT_DB_PATH = "pos.db"


SQL_INT_MIN, SQL_INT_MAX = -(2**63), 2**63 - 1
"""SQLite's integers are signed 64-bit: a number outside them can be neither stored nor looked up."""


def fits_sql(number: int) -> bool:
    """Whether an integer someone typed can be stored or looked up (else Python raises OverflowError)."""
    return SQL_INT_MIN <= number <= SQL_INT_MAX


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
        # Why this store cannot be written ("the file is read-only"...), or None when it can;
        # and which error a change then meets: StoreReadOnly, DiskFull or DiskFailed.
        self.read_only: str | None = None
        self._refused_as: type[StoreError] = StoreReadOnly
        # How another connection (a helper process) opens this file to read it.
        self.reader_uri = _uri(path, "ro")
        # Where the private key that signs its closings is (a pos.base.secret_files.KeyLocation), as the caller says.
        self.keys: Any = None

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "Store":
        """Open an existing, initialised store; apply pending migrations.

        A store this process cannot write (a read-only file, folder or disk, a full disk) is
        opened for reading, with :attr:`read_only` saying why; any change is then refused.
        """
        p = _store_path(path)
        if not _exists(p):
            raise StoreError(
                f"No store at {p}: run 'pos init' to create one, or pass --db PATH (or set POS_DB)."
            )
        conn, mode, read_only, refused_as = _connect_existing(p)
        store = cls(p, conn)
        store.read_only, store._refused_as = read_only, refused_as
        store.reader_uri = _uri(p, "ro&immutable=1" if "immutable" in mode else "ro")
        if store.schema_version() == 0:
            # Never migrate a file we did not create: it may be someone else's database.
            store.close()
            raise StoreError(f"{p} is not an Anytender store: check the --db path, or run 'pos init' on a new path.")
        try:
            store._migrate()
        except BaseException:
            store.close()
            raise
        if store.conn.execute("SELECT count(*) FROM settings").fetchone()[0] == 0:
            store.close()
            raise StoreError(f"The store at {p} was never initialised: run 'pos init --db {p}'.")
        return store

    @classmethod
    def create(cls, path: str | os.PathLike[str]) -> "Store":
        """Create a new, empty store file with the full schema.

        Refuses when the file exists: creating a store never destroys one.  The file is created
        here, owner-only, with ``O_CREAT | O_EXCL | O_NOFOLLOW`` before SQLite opens it: a symbolic
        link planted at the path (or at its ``-wal``, ``-shm`` or ``-journal`` beside it) is refused,
        never followed to overwrite the file it points at.
        """
        p = _store_path(path)
        if _exists(p):
            raise StoreError(f"A store already exists at {p}: it was left untouched. Use another --db path.")
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.lexists(f"{p}{suffix}"):
                raise StoreError(f"There is already a link or file at {p}{suffix}: no store was created, and it was "
                                 "left untouched. Remove it, or use another --db path.")
        if p.parent and not _exists(p.parent):
            raise StoreError(f"Folder {p.parent} does not exist: create it first or choose another --db path.")
        if not os.access(p.parent, os.W_OK):
            raise StoreReadOnly(f"Cannot create a store in {p.parent}: the folder cannot be written (check its "
                                "permissions or the disk, or choose another --db path); nothing was written.")
        try:
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
        except FileExistsError:  # planted since the checks above
            raise StoreError(f"A link or file appeared at {p}: no store was created. Use another --db path.") from None
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise StoreReadOnly(f"Cannot create a store in {p.parent}: the folder cannot be written (check its "
                                    "permissions or the disk, or choose another --db path); nothing was written.") from None
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFull(f"The disk is full: no store was created at {p}; free some space and try again.") from None
            raise StoreError(f"Cannot create a store at {p} ({exc.strerror}): nothing was written. Check the "
                             "folder and the disk, or choose another --db path.") from None
        try:
            conn = _connect(p, "rw")  # the empty file just made is a new database to SQLite
        except sqlite3.DatabaseError as exc:
            p.unlink(missing_ok=True)
            raise _unusable(p, exc) from exc
        store = cls(p, conn)
        try:
            store._migrate()
        except BaseException:  # a full disk half way: the file is ours and new, so it goes
            store.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{p}{suffix}").unlink(missing_ok=True)
            raise
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
        if self.read_only is not None:
            self.close()
            raise self._refused_as(
                f"The store at {self.path} needs an upgrade for this Anytender (schema {current} to {latest}) "
                f"but cannot be written ({self.read_only}): it was left untouched. Make it writable and run the "
                "command again."
            )
        # Only now is it safe to change the file: switch it to WAL (persistent).
        with self._disk_errors("begin"):
            self.conn.execute("PRAGMA journal_mode=WAL")
        for version, name, script in migrations.MIGRATIONS:
            if version <= current:
                continue
            with self.write():
                # Re-check under the write lock: another register may have migrated.
                if self.schema_version() >= version:
                    continue
                if callable(script):
                    script(self.conn)
                else:
                    for statement in _split_sql(script):
                        self.conn.execute(statement)
                # A control table a migration added or reshaped joins the chain in the same transaction.
                chains.refresh(self.conn)
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
        if self.read_only is not None:
            raise self._refusal()
        with self._disk_errors("begin"):
            self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self.tx_cache.clear()
        try:
            yield self.conn
        except BaseException as exc:
            self._depth = 0
            self.tx_cache.clear()
            self._rollback()
            self._settings = None
            translated = self.disk_error(exc, "change") if isinstance(exc, sqlite3.Error) else None
            if translated is not None:
                raise translated from exc
            raise
        self._depth = 0
        self.tx_cache.clear()
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            self._settings = None
            translated = self.disk_error(exc, "commit")
            if translated is not None:
                raise translated from exc
            raise

    def _rollback(self) -> None:
        """End a failed transaction; SQLite may already have rolled it back itself (a full disk, an I/O error)."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    @contextmanager
    def _disk_errors(self, phase: str) -> Iterator[None]:
        """Statements outside a transaction's body: a failure of the disk becomes a clear StoreError."""
        try:
            yield
        except sqlite3.Error as exc:
            translated = self.disk_error(exc, phase)
            if translated is None:
                raise
            raise translated from exc

    def _read_only_message(self, why: str) -> str:
        return (f"The store is read-only: {self.path} cannot be written ({why}); nothing was written. "
                "Check its permissions or the disk.")

    def _disk_full(self) -> DiskFull:
        return DiskFull(f"The disk is full: nothing was written to {self.path}; free some space and try again.")

    def _disk_failed(self, name: str) -> DiskFailed:
        return DiskFailed(f"The disk failed while writing {self.path} ({name}): nothing was written. "
                          "Check the disk (space, errors, file size limits) and try again.")

    def _refusal(self) -> StoreError:
        """Why a change to a store opened read-only is refused, before anything is done."""
        if self._refused_as is DiskFull:
            return self._disk_full()
        if self._refused_as is DiskFailed:
            return self._disk_failed(self.read_only or "SQLITE_IOERR")
        return StoreReadOnly(self._read_only_message(self.read_only or "unknown"))

    def check_writable(self) -> None:
        """Refuse now, before any question is asked, when this store cannot take a change."""
        if self.read_only is not None:
            raise self._refusal()

    def disk_error(self, exc: BaseException, phase: str = "change") -> StoreError | None:
        """The clear error for a failure of the disk under this store, or None when ``exc`` is something else.

        ``phase``: "begin" or "change" (nothing can have been written), or "commit": a failed write
        of the commit leaves nothing (its frames never got their commit mark), but a failed *sync*
        after them may leave the change saved, so the cashier should look before trying again; or
        "unknown" (the CLI's safety net, which cannot tell), worded like a failed sync.
        """
        code = getattr(exc, "sqlite_errorcode", None)
        if not isinstance(exc, sqlite3.Error) or code is None:
            return None
        primary = code & 0xFF
        if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
            why = self.read_only or _why_read_only(self.path) or f"SQLite: {exc}"
            return StoreReadOnly(self._read_only_message(why))
        if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and _disk_full(self.path)):
            return self._disk_full()
        if primary == sqlite3.SQLITE_IOERR:
            name = getattr(exc, "sqlite_errorname", "SQLITE_IOERR")
            if phase in ("begin", "change") or (phase == "commit" and "FSYNC" not in name):
                return self._disk_failed(name)
            return DiskFailed(
                f"The disk failed under {self.path} ({name}): a change may or may not have been saved. "
                "Check the disk, then look (pos order list, pos ledger show) before doing it again."
            )
        return None

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
            self._settings = load_settings(self.conn)
        return self._settings

    def forget_settings(self) -> None:
        """Drop the cached settings (and what was derived from them) after they changed."""
        self._settings = None
        self.memo.pop("formatter", None)


