"""Folders the project creates: owner-only (0700), every one of them, whatever the umask.

``Path.mkdir(parents=True, mode=0o700)`` gives the mode to the last folder only, and through the
umask: the parents it makes get ``0777 & ~umask``, so under umask 000 ``$XDG_DATA_HOME/anytender``
(the folder above the closing keys) was left 0777, and anyone on the machine could rename the
``keys`` folder inside it and put one of their own in its place.  :func:`make_private_folder`
creates each missing folder, parents included, and sets it to 0700 on the folder it made (opened
without following a link).  Folders that were already there are left as they are: they are not ours.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

__all__ = ["FOLDER_MODE", "make_private_folder"]

FOLDER_MODE = 0o700


def make_private_folder(path: Path) -> None:
    """``path`` as a folder, made with every missing parent, each 0700; as ``mkdir(parents=True, exist_ok=True)``:
    nothing done when it is a folder already, :class:`FileExistsError` when something else has its name."""
    missing: list[Path] = []
    folder = Path(os.path.abspath(path))
    while not os.path.lexists(folder):
        missing.append(folder)
        if folder.parent == folder:  # pragma: no cover - the root is always there
            break
        folder = folder.parent
    if not missing and not path.is_dir():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    for folder in reversed(missing):
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            if not folder.is_dir() or folder.is_symlink():
                raise
            continue  # made meanwhile by another process: theirs to set
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            os.fchmod(fd, FOLDER_MODE)  # the umask took bits away, or (umask 000) none: exactly 0700 now
        finally:
            os.close(fd)
