"""Secrets kept in files only their owner may read: the closing key, the mail password, a webhook secret.

One reader for all of them (:func:`read_owner_only`): the file is opened without following a
link, must be a plain file, and is refused when its group or others may read it, all checked on
the open descriptor (so the file cannot be swapped between the check and the read).  The caller
says what the file is and what to do when it is missing; the messages name the file and the fix.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from pos.base.errors import AnytenderError, NotAllowed

MAX_BYTES = 4096
"""A secret is a line or two: nothing larger is read."""


def read_owner_only(path: Path, what: str, missing: str, tail: str = "",
                    error: type[AnytenderError] = NotAllowed) -> str:
    """The text of ``path`` (at most :data:`MAX_BYTES`), a file only its owner may read; :class:`NotAllowed` otherwise.

    ``what`` names the file in messages (``the closing key``); ``missing`` is the whole message when it does not
    exist; ``tail`` ends every other message (``; nothing was written``); ``error`` is the refusal's class.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise error(missing) from None
    except OSError as exc:
        raise error(f"Cannot read {what} at {path} ({exc.strerror}): it must be a plain file, not a link"
                         f"{tail}.") from None
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{path} is not a file: {what} must be one{tail}.")
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise error(f"{what[0].upper()}{what[1:]} {path} can be read by other users (mode {mode & 0o777:o}): "
                             f"make it owner-only with 'chmod 600 {path}'{tail}.")
        return handle.read(MAX_BYTES)


KEY_SUFFIX = ".ed25519"
"""A closing key's file, in a folder of keys: ``<store-id>.ed25519`` (:mod:`pos.day.signing`)."""


class KeyLocation(NamedTuple):
    """Where a store's private key is: one named file, or ``<store-id>.ed25519`` in a folder."""

    folder: Path | None = None
    file: Path | None = None

    def path_for(self, store_id: str) -> Path:
        if self.file is not None:
            return self.file
        if self.folder is None:
            raise NotAllowed("No place for the closing key was given: name its file (POS_KEY_FILE) or folder.")
        return self.folder / f"{store_id}{KEY_SUFFIX}"
