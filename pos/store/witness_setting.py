"""The ``closing.witness`` setting: the witnesses a store names (:mod:`pos.day.witness` delivers to them).

Kept apart from the delivery so that :mod:`pos.store.config`, which parses every option, needs nothing of the closings or
the reports: folders and email addresses, as typed, become ``folder:/abs/path,email:owner@example.com``.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import NamedTuple

from pos.base.errors import InvalidInput
from pos.store.mail_server import check_address

SETTING = "closing.witness"


class WitnessKind(str, enum.Enum):
    """Where a closing is witnessed (head office joins here, with its own delivery, in its own issue)."""

    FOLDER = "folder"
    EMAIL = "email"


class Witness(NamedTuple):
    kind: WitnessKind
    target: str
    """The folder's absolute path, or the owner's email address."""

    @property
    def spec(self) -> str:
        return f"{self.kind.value}:{self.target}"

    @property
    def label(self) -> str:
        return f"the folder {self.target}" if self.kind is WitnessKind.FOLDER else f"the owner's email {self.target}"


def parse_witnesses(text: str, *, mail_server_set: bool) -> str:
    """``closing.witness`` as typed: folders and email addresses, comma-separated ('' for none); stored as
    ``folder:/abs/path,email:owner@example.com``.  A folder must exist; an email needs the store's mail server
    (``mail_server_set``: receipt.smtp is set)."""
    from pos.base.text import clean_line

    clean_line(text, "closing witness")  # one line, nothing hidden
    found: list[Witness] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        kind, sep, rest = part.partition(":")
        if sep and kind.lower() in ("folder", "email", "mailto"):
            part = rest.strip()
            wanted = WitnessKind.EMAIL if kind.lower() != "folder" else WitnessKind.FOLDER
        else:
            wanted = WitnessKind.EMAIL if "@" in part and "/" not in part else WitnessKind.FOLDER
        if wanted is WitnessKind.EMAIL:
            address = check_address(part)
            if not mail_server_set:
                raise InvalidInput(f"A closing is emailed to {address} through the store's mail server: set it "
                                   "first (pos config set receipt.smtp HOST:PORT, and receipt.sender).")
            found.append(Witness(WitnessKind.EMAIL, address))
            continue
        try:
            folder = Path(part).expanduser()
            ok = bool(part) and folder.is_dir()
        except (OSError, RuntimeError):
            ok = False
        if not ok:
            shown = part if len(part) <= 80 else f"{part[:60]}..."
            raise InvalidInput(f"'{shown}' is not a folder: mount the other disk or share and create the folder "
                               "first, or give an email address, or '' for no witness.")
        found.append(Witness(WitnessKind.FOLDER, str(folder.resolve())))
    return ",".join(dict.fromkeys(w.spec for w in found))


def from_spec(spec: str) -> Witness:
    kind, _, target = spec.partition(":")
    return Witness(WitnessKind(kind), target)


def stored_witnesses(value: str) -> list[Witness]:
    """The witnesses in the setting's stored text (one written by hand that is not a witness is left out)."""
    out = []
    for spec in (value or "").split(","):
        try:
            out.append(from_spec(spec))
        except ValueError:
            continue
    return out
