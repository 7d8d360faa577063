"""The store file on disk: its path, the files beside it and who may read them, why it cannot be written, and
connecting to it (read-only when it must be)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from pos.base.errors import DiskFailed, DiskFull, StoreError, StoreReadOnly
from pos.store import chains


BUSY_TIMEOUT_MS = 10_000


def _store_path(path: str | os.PathLike[str]) -> Path:
    """The store's path as given, refused in one line when it cannot name a file: empty (``--db ''``), or a
    folder (``--db .``), whose SQLite error would say only "disk I/O error"."""
    text = os.fspath(path)
    if not text.strip():
        raise StoreError("The store path is empty: give --db a file name (like pos.db), or leave --db out "
                         "(and POS_DB unset) for ./pos.db.")
    p = Path(text)
    if p.name in ("", ".", "..") or _is_folder(p):
        raise StoreError(f"{text} is a folder, not a store file: give --db a file in it, like "
                         f"{os.path.join(text, 'pos.db')}.")
    return p


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False  # a path the system cannot look up: _exists says why


def _exists(path: Path) -> bool:
    """Whether a path exists; a path the system cannot even look up is a clear error, not a traceback."""
    try:
        return path.exists()
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise StoreError(f"That store path is too long ({len(str(path))} characters): "
                             "give a shorter --db path.") from None
        raise StoreError(f"Cannot look up the store at {path} ({exc.strerror}): check the --db path.") from None


STORE_FILES = ("", "-wal", "-shm")
"""The store file and the two SQLite keeps beside it in WAL mode: all three hold sales and PIN hashes."""


def exposed_files(path: Path) -> list[tuple[Path, int]]:
    """The store's files (itself, its -wal and -shm) that other users of this machine can read or write,
    each with its permission bits; empty when all are owner-only.

    A store this code creates is owner-only (:meth:`Store.create`; SQLite gives the -wal and -shm
    the main file's mode), but a store from before, or copied, or unpacked, may not be.
    """
    import stat

    found = []
    for suffix in STORE_FILES:
        target = path.with_name(path.name + suffix)
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            continue
        if mode & 0o077:
            found.append((target, mode))
    return found


def _why_read_only(path: Path) -> str | None:
    """Why this process cannot write the store file and its WAL files, or None when it can.

    Asked of the operating system, because SQLite opens a file it may not write read-only without a word
    and only refuses at the first change: whether its file system is mounted read-only, and whether this
    process may write the file.  Never by opening the file: closing any descriptor of it releases every
    POSIX lock this process holds on it (SQLite's among them), so another register would take this
    process's open store for closed, checkpoint it and delete its -wal and -shm from under it.
    """
    try:
        mounted_read_only = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return None  # not a file, gone...: SQLite says what is wrong
    if mounted_read_only:
        return "the disk it is on is read-only"
    effective = os.access in os.supports_effective_ids  # the set-uid case: ask as the process acts
    if not os.access(path, os.W_OK, effective_ids=effective):
        return "the file is read-only"
    sidecars = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    # A WAL store is written through its -wal and -shm files, created next to it when missing.
    if not all(s.exists() for s in sidecars) and not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is read-only"
    return None


def _disk_full(path: Path) -> bool:
    """Whether the disk under the store has (next to) no room left: SQLite reports some ENOSPC as I/O errors."""
    try:
        fs = os.statvfs(path.parent)
    except OSError:
        return False
    return fs.f_bavail * fs.f_frsize < 64 * 1024


_CANNOT_WRITE = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL)


def _connect_existing(path: Path) -> tuple[sqlite3.Connection, str, str | None, type[StoreError]]:
    """A connection to an existing store, its mode, why it is read-only (None when it can be written),
    and the error a change would meet.

    Read-write when the file, its folder and its disk allow it; otherwise read-only
    (``mode=ro``), and on read-only media where SQLite cannot create the WAL index,
    ``immutable=1``, only when there is no -wal file holding changes it would miss.
    """
    if not os.access(path, os.R_OK):
        raise StoreError(f"Cannot read the store at {path}: permission denied. Check its permissions.")
    read_only = _why_read_only(path)
    refused_as: type[StoreError] = StoreReadOnly
    if read_only is None:
        try:
            return _connect(path, "rw"), "rw", None, StoreReadOnly
        except sqlite3.DatabaseError as exc:
            primary = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if primary not in _CANNOT_WRITE:
                raise _unusable(path, exc) from exc
            if primary in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) and _disk_full(path):
                read_only, refused_as = "the disk is full", DiskFull
            elif primary == sqlite3.SQLITE_IOERR:  # the -shm file could not be made (a file size limit...)
                read_only, refused_as = getattr(exc, "sqlite_errorname", "SQLITE_IOERR"), DiskFailed
            else:
                read_only = f"SQLite: {exc}"
    try:
        return _connect(path, "ro"), "ro", read_only, refused_as
    except sqlite3.DatabaseError as exc:
        if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _CANNOT_WRITE:
            raise _unusable(path, exc) from exc
        wal = path.with_name(path.name + "-wal")
        try:
            unsaved = wal.stat().st_size > 0
        except OSError:
            unsaved = False
        if unsaved:
            raise StoreReadOnly(
                f"Cannot read the store at {path}: it cannot be written ({read_only}) and its journal {wal.name} "
                "holds changes that need the folder writable to be read. Make the folder writable and try again."
            ) from exc
    try:
        # Safe to read without locks: there is no -wal to miss, and as its -shm cannot be made or
        # used, no connection has the store open for writing, nor can one now.
        return _connect(path, "ro&immutable=1"), "ro&immutable=1", read_only, refused_as
    except sqlite3.DatabaseError as exc:
        raise _unusable(path, exc) from exc


def _unusable(path: Path, exc: sqlite3.Error) -> StoreError:
    return StoreError(f"{path} is not a usable Anytender store ({exc}): check the --db path.")


def _uri(path: Path, mode: str) -> str:
    # Quoted: a '?' or '#' in a folder's name must not end the file name.
    return f"file:{quote(path.resolve().as_posix())}?mode={mode}"


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    """A connection with the settings every register relies on; raises sqlite3 errors as they come."""
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    conn = sqlite3.connect(_uri(path, mode), uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.row_factory = sqlite3.Row
        chains.register(conn)  # the control tables' triggers call it: no change to them without it
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA user_version").fetchone()
    except BaseException:
        conn.close()
        raise
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
