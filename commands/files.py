"""Files the commands write (exports, PDFs, the sign-in), and what a failure of the system means to a cashier.

Every file is written whole or not at all through :func:`new_file`: a hidden owner-only
``.part`` file in the same folder, synced, then renamed into place, so a reader never sees
half a file and a failure leaves nothing behind.  :func:`os_message` turns an ``OSError``
nobody foresaw into one line for the error boundary in ``cli.py``.

Nothing here ever writes through a symbolic link someone planted in a shared folder.  The
``.part`` file has a private random name and is created by :func:`tempfile.mkstemp` with
``O_CREAT | O_EXCL | O_NOFOLLOW`` (a link at that name is never opened: another name is
drawn).  At the final path, a link is refused like any existing file; with ``--force`` (or
for the sign-in file) the rename replaces the link itself, and the file it pointed at is left
as it was.  A new file is put in place with ``link()``, which never replaces anything, so a
file that appears at the path meanwhile is never overwritten either.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from pos.base.errors import AnytenderError, InvalidInput


def show_path(path: Any) -> str:
    """A path as it may be shown on one line: control characters escaped, a very long one cut short."""
    text = str(path)
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= 120 else f"{text[:60]}...{text[-40:]} ({len(str(path))} characters)"


def os_reason(exc: OSError) -> str:
    """What an OSError means, in a cashier's words."""
    reasons = {
        errno.ENOENT: "there is no such file or folder",
        errno.ENOTDIR: "a part of that path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENAMETOOLONG: "that path is too long",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file would be larger than this system allows",
        errno.EEXIST: "it already exists",
        errno.EIO: "the disk reported an error",
        errno.ELOOP: "too many symbolic links",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def os_message(exc: OSError) -> str:
    """One line for an OSError nobody caught: what happened, to which file, and what to do."""
    where = show_path(exc.filename) if exc.filename is not None else None
    name = f" ({where})" if where is not None else ""
    code = exc.errno
    if code == errno.ENOENT:
        return f"No such file or folder: {where or '(not named)'}. Check the path."
    if code == errno.ENAMETOOLONG:
        return f"That path is too long{name}: choose a shorter one."
    if code in (errno.EACCES, errno.EPERM):
        return f"Cannot use {where or 'a file'}: permission denied. Check its permissions."
    if code == errno.EROFS:
        return f"Cannot write {where or 'a file'}: the disk is read-only."
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"The disk is full{name}: free some space and try again."
    return f"{os_reason(exc).capitalize()}{name}: check the disk and the path, and try again."


class FileWriteError(AnytenderError):
    """A file a command writes (an export, a PDF, the sign-in) cannot be written."""

    code = "file_not_written"

    def __init__(self, message: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def check_new(path: Path, what: str, *, replace: bool = False, force_flag: str | None = None) -> None:
    """Refuse, before any work, a path that cannot become a new file: it exists (unless ``replace``),
    it is a folder, its folder is missing, or it is too long.  ``what`` names the option (``--out``)."""
    if "\0" in str(path):
        raise InvalidInput(f"A path cannot contain a NUL character: give another {what}.")
    try:
        if path.is_dir():
            raise InvalidInput(f"{show_path(path)} is a folder: give a file name for {what}.")
        if path.is_symlink() and not replace:
            raise InvalidInput(f"{show_path(path)} is a symbolic link: choose another file (nothing was written, "
                               "and the file it points at was left as it was).")
        if path.exists() and not replace:
            again = f"choose another file, or add {force_flag} to replace it" if force_flag else "choose another file"
            raise InvalidInput(f"{show_path(path)} already exists: {again} (nothing was overwritten).")
        folder = path.parent
        if not folder.exists():
            raise InvalidInput(f"No folder {show_path(folder)} for {what}: create it first, or choose another path "
                               "(nothing was written).")
        if not folder.is_dir():
            raise InvalidInput(f"{show_path(folder)} is a file, not a folder: choose another path for {what} "
                               "(nothing was written).")
    except OSError as exc:
        raise file_error(path, what, exc) from None


def file_error(path: Path, what: str, exc: OSError) -> FileWriteError:
    if exc.errno == errno.ENAMETOOLONG:
        return FileWriteError(f"That {what} path is too long ({len(str(path))} characters): choose a shorter one "
                          "(nothing was written).", exc)
    return FileWriteError(f"Cannot write {show_path(path)} ({what}): {os_reason(exc)}; nothing was written. "
                      "Check the folder's permissions and the disk, or choose another path.", exc)


@contextmanager
def new_file(path: Path, what: str, *, text: bool = False, replace: bool = False,
              force_flag: str | None = None) -> Iterator[Any]:
    """Write a file whole or not at all: the one way the CLI writes a file.

    The body writes to a hidden ``.part`` file in the same folder (owner-only); when it ends
    well the file is synced and renamed over ``path`` in one step, so a reader never sees half
    a file and a failure (a full disk, Ctrl-C, an error) leaves nothing behind.  An existing
    file is refused (nothing overwritten) unless ``replace``.
    """
    import tempfile

    check_new(path, what, replace=replace, force_flag=force_flag)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".part")
    except OSError as exc:
        raise file_error(path, what, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)  # a link at ``path`` is replaced itself, never followed
        else:
            _put_new(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise file_error(path, what, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _put_new(tmp: Path, path: Path) -> None:
    """Give the finished ``tmp`` the name ``path``, which must still be free: never replaces anything.

    ``link()`` fails when anything (a file, a link) has taken the name since :func:`check_new`,
    and never follows a link there; the ``.part`` name then goes.  Where the filesystem has no
    hard links (FAT, some network shares), the name is checked and renamed, as before.
    """
    appeared = InvalidInput(f"{show_path(path)} appeared while it was being written: it was left as it is.")
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise appeared from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        if os.path.lexists(path):
            raise appeared from None
        os.replace(tmp, path)
        return
    try:
        tmp.unlink()
    except OSError:  # pragma: no cover - the file is in place; only a stray .part name is left
        pass


def write_new(path: Path, data: bytes, what: str) -> None:
    """Write a file that must not exist yet, whole or not at all."""
    with new_file(path, what) as handle:
        handle.write(data)
