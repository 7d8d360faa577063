"""Finding a person on the staff table: by id, by name (any case) or by their ledger key.

The records every layer passes around for a person (:class:`StaffMember`, its :class:`Role`), and the one lookup
under everything that names people.  :mod:`pos.people.staff` builds
its records on it, and :mod:`pos.store.audit` filters the trail by it, so the
audit trail never imports :mod:`pos.people.staff` (which writes to the trail).
"""

from __future__ import annotations

import enum
import hashlib
import re
from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import NotFound

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store


class Role(str, enum.Enum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    SERVER = "server"
    DRIVER = "driver"
    KITCHEN = "kitchen"

    @property
    def tip_eligible_by_default(self) -> bool:
        # US FLSA 3(m)(2)(B): owners and managers may not keep employees' tips.
        return self not in (Role.OWNER, Role.MANAGER)


class StaffMember(NamedTuple):
    id: int
    name: str
    key: str
    """Lower-case slug used in ledger account names (``liabilities:tips:<key>``)."""
    role: Role
    active: bool
    tip_eligible: bool
    tip_eligible_override: bool | None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def staff_key(name: str) -> str:
    """The ledger key for a name: ``Mary Ann`` -> ``mary-ann``.

    Names with no Latin letters or digits (김민수) get a stable key from a
    hash of the name, since account names are kept to a-z, 0-9 and '-'.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if slug:
        return slug
    return "staff-" + hashlib.sha256(" ".join(name.casefold().split()).encode()).hexdigest()[:8]


def staff_row(store: "Store", who: str | int) -> "sqlite3.Row":
    """A staff member's row by id, or by name (any case) or ledger key; refused when nobody is called that."""
    if isinstance(who, int):
        row = store.one("SELECT * FROM staff WHERE id = ?", (who,))
    else:
        row = store.one("SELECT * FROM staff WHERE name = ? COLLATE NOCASE", (" ".join(who.split()),))
        if row is None:
            row = store.one("SELECT * FROM staff WHERE key = ?", (staff_key(who),))
    if row is None:
        raise NotFound(f"No staff member called '{who}': check the name with 'pos staff list'.")
    return row
