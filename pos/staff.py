"""Staff, their PINs, and their shifts.

A staff member has a unique name, a role, a PIN (stored only as a salted
scrypt hash), an active flag (people are deactivated, never deleted: their
past sales and tips still point at them) and tip eligibility.  Eligibility
defaults from the role (owners and managers may not share in employees'
tips) and can be overridden per person.

A shift runs from start to end; at most one is open per person (the database
enforces it).  A shift belongs to the business day in which it started, even
when it runs past midnight or past the day's rollover.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import NamedTuple, TYPE_CHECKING

from pos.clock import day_bounds
from pos.days import current_day
from pos.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.pins import check_new_pin, check_pin_format, hash_pin, pin_matches  # noqa: F401 - re-exported
from pos.roster import staff_key, staff_row
from pos.store import iso, parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store import Store


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


class Shift(NamedTuple):
    id: int
    staff_id: int
    staff_name: str
    business_day: date
    started_at: datetime
    ended_at: datetime | None
    register: int | None

    def worked_seconds(self, until: datetime | None = None) -> int:
        """Seconds worked; an open shift counts up to ``until`` (default now)."""
        end = self.ended_at or until or utc_now()
        return max(0, int((end - self.started_at).total_seconds()))


# -- staff -------------------------------------------------------------------

RESERVED_KEYS = frozenset({"pool"})  # liabilities:tips:pool is the team's pool, never a person
_NAME = re.compile(r"^[^\W\d_][\w .'\-]{0,39}$")


def parse_role(text: str) -> Role:
    try:
        return Role((text or "").strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Unknown role '{text}': use one of {roles}.") from None


def _member(row: "sqlite3.Row") -> StaffMember:
    role = Role(row["role"])
    override = None if row["tip_eligible"] is None else bool(row["tip_eligible"])
    return StaffMember(
        id=row["id"],
        name=row["name"],
        key=row["key"],
        role=role,
        active=bool(row["active"]),
        tip_eligible=role.tip_eligible_by_default if override is None else override,
        tip_eligible_override=override,
    )


def check_new_staff(store: "Store", name: str, role: Role | str) -> tuple[str, str, Role]:
    """Validate a new staff member's name and role (before asking for a PIN).

    Returns the cleaned name, its ledger key and the role.
    """
    from pos.text import clean_line

    clean = clean_line(name, "staff name")  # hidden characters refused by name; the shape is checked below
    if not clean:
        raise InvalidInput("The staff name is empty: give a name, like Alice.")
    if not _NAME.match(clean):
        raise InvalidInput(
            f"Staff name '{name}' is not valid: use up to 40 letters, spaces, dots, apostrophes or hyphens, "
            "starting with a letter."
        )
    role = role if isinstance(role, Role) else parse_role(role)
    key = staff_key(clean)
    if key in RESERVED_KEYS:
        raise InvalidInput(f"'{clean}' is a reserved word in the books (the team's tip pool): use another name.")
    same = store.one("SELECT name FROM staff WHERE name = ? COLLATE NOCASE", (clean,))
    if same:
        raise Conflict(f"There is already a staff member called {same['name']}: use a different name.")
    close = store.one("SELECT name FROM staff WHERE key = ?", (key,))
    if close:
        raise Conflict(f"The name {clean} is too close to {close['name']} in the books ({key}): add an initial.")
    return clean, key, role


def add_staff(
    store: "Store", name: str, role: Role | str, pin: str, tip_eligible: bool | None = None
) -> StaffMember:
    """Add a staff member; the PIN is hashed before it reaches the database."""
    _, _, checked_role = check_new_staff(store, name, role)
    _check_tip_override(name, checked_role, tip_eligible)
    pin_hash = hash_pin(check_new_pin(pin, checked_role))
    with store.write() as conn:
        clean, key, role = check_new_staff(store, name, role)  # again, under the write lock
        cur = conn.execute(
            "INSERT INTO staff(name, key, role, pin_hash, tip_eligible, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            (clean, key, role.value, pin_hash, None if tip_eligible is None else int(tip_eligible), iso(utc_now())),
        )
        staff_id = int(cur.lastrowid or 0)
    return get_staff(store, staff_id)


def get_staff(store: "Store", who: str | int) -> StaffMember:
    """Find a staff member by name (any case) or id."""
    return _member(staff_row(store, who))


def list_staff(store: "Store", include_inactive: bool = False) -> list[StaffMember]:
    where = "" if include_inactive else "WHERE active = 1"
    return [_member(r) for r in store.all(f"SELECT * FROM staff {where} ORDER BY name")]


def deactivate_staff(store: "Store", who: str) -> StaffMember:
    """Deactivate a staff member; an open shift is ended now."""
    member = get_staff(store, who)
    if not member.active:
        raise Conflict(f"{member.name} is already deactivated.")
    now = iso(utc_now())
    with store.write() as conn:
        conn.execute("UPDATE shifts SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL", (now, member.id))
        conn.execute("UPDATE staff SET active = 0, deactivated_at = ? WHERE id = ?", (now, member.id))
    return get_staff(store, member.id)


def _check_tip_override(name: str, role: Role, eligible: bool | None) -> None:
    if eligible and not role.tip_eligible_by_default:
        raise NotAllowed(f"{' '.join(name.split())} is {'an' if role is Role.OWNER else 'a'} {role.value}: owners and managers "
                         "may not share in employees' tips (US FLSA 3(m)(2)(B)), so they cannot be made tip-eligible.")


def set_tip_eligibility(store: "Store", who: str, eligible: bool | None) -> StaffMember:
    """Override tip eligibility for one person (``None`` goes back to the role's default).

    Only to switch tips off for someone whose role would have them: owners and
    managers can never be switched on.
    """
    member = get_staff(store, who)
    _check_tip_override(member.name, member.role, eligible)
    with store.write() as conn:
        conn.execute(
            "UPDATE staff SET tip_eligible = ? WHERE id = ?", (None if eligible is None else int(eligible), member.id)
        )
        after = get_staff(store, member.id)
        from pos import audit

        audit.changed(store, audit.Event.STAFF_CHANGED, member.name, {"tip_eligible": member.tip_eligible},
                      {"tip_eligible": after.tip_eligible}, override=eligible)
    return after


MAX_FAILED_PINS = 5


def verify_pin(store: "Store", who: str, pin: str, register: int | None = None) -> StaffMember:
    """Check a staff member's PIN; wrong PIN, a locked-out or an inactive person is refused.

    Every failure is in the audit trail; the fifth in a row locks the person
    out until a manager unlocks them (:func:`unlock`).
    """
    from pos import audit

    member = get_staff(store, who)
    row = store.one("SELECT pin_hash, failed_pins, locked_at FROM staff WHERE id = ?", (member.id,))
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot sign in.")
    assert row is not None
    if row["locked_at"]:
        raise NotAllowed(f"{member.name} is locked out after {MAX_FAILED_PINS} wrong PINs: a manager unlocks them "
                         f"with 'pos staff unlock {member.name} --approve MANAGER'.")
    if pin_matches(pin, row["pin_hash"]):
        if row["failed_pins"]:
            with store.write() as conn:
                conn.execute("UPDATE staff SET failed_pins = 0 WHERE id = ?", (member.id,))
        return member
    with store.write() as conn:  # committed before the refusal: a wrong PIN is never forgotten
        conn.execute("UPDATE staff SET failed_pins = failed_pins + 1 WHERE id = ?", (member.id,))
        failed = int(conn.execute("SELECT failed_pins FROM staff WHERE id = ?", (member.id,)).fetchone()[0])
        audit.record(store, audit.Event.FAILED_PIN, {"who": member.name, "in_a_row": failed}, staff_id=member.id,
                     register=register)
        if failed >= MAX_FAILED_PINS:
            conn.execute("UPDATE staff SET locked_at = ? WHERE id = ?", (iso(utc_now()), member.id))
            audit.record(store, audit.Event.LOCKED_OUT, {"who": member.name}, staff_id=member.id, register=register)
    if failed >= MAX_FAILED_PINS:
        raise NotAllowed(f"Wrong PIN for {member.name}, {MAX_FAILED_PINS} times in a row: {member.name} is locked out "
                         "until a manager unlocks them.")
    raise NotAllowed(f"Wrong PIN for {member.name}: try again ({MAX_FAILED_PINS - failed} tries left).")


def unlock(store: "Store", who: str, approver: StaffMember) -> StaffMember:
    """Lift a PIN lockout; a manager (or owner) approves, by their own PIN."""
    from pos import audit
    from pos.permissions import Action, require

    require(approver, Action.MANAGE_STAFF)
    member = get_staff(store, who)
    with store.write() as conn:
        conn.execute("UPDATE staff SET failed_pins = 0, locked_at = NULL WHERE id = ?", (member.id,))
        audit.record(store, audit.Event.UNLOCKED, {"who": member.name, "by": approver.name}, staff_id=approver.id)
    return get_staff(store, member.id)


# -- shifts ------------------------------------------------------------------


def _shift(row: "sqlite3.Row") -> Shift:
    return Shift(
        id=row["id"],
        staff_id=row["staff_id"],
        staff_name=row["name"],
        business_day=date.fromisoformat(row["business_day"]),
        started_at=parse_iso(row["started_at"]),
        ended_at=parse_iso(row["ended_at"]) if row["ended_at"] else None,
        register=row["register"],
    )


_SHIFT_SELECT = "SELECT shifts.*, staff.name AS name FROM shifts JOIN staff ON staff.id = shifts.staff_id"


def open_shift(store: "Store", member: StaffMember) -> Shift | None:
    row = store.one(f"{_SHIFT_SELECT} WHERE staff_id = ? AND ended_at IS NULL", (member.id,))
    return _shift(row) if row else None


def start_shift(store: "Store", who: str, register: int | None = None) -> Shift:
    """Clock a staff member in."""
    member = get_staff(store, who)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot start a shift.")
    if register is not None:
        from pos.drawer import check_register

        register = check_register(register)
    now = utc_now()
    with store.write() as conn:
        current = open_shift(store, member)
        if current is not None:
            since = current.started_at.astimezone(store.settings.zone)
            raise Conflict(
                f"{member.name} is already on shift since {since:%H:%M}: end it with 'pos shift end {member.name}'."
            )
        cur = conn.execute(
            "INSERT INTO shifts(staff_id, business_day, started_at, register) VALUES (?, ?, ?, ?)",
            (member.id, current_day(store, now).isoformat(), iso(now), register),
        )
        shift_id = int(cur.lastrowid or 0)
    return get_shift(store, shift_id)


def end_shift(store: "Store", who: str) -> Shift:
    """Clock a staff member out."""
    member = get_staff(store, who)
    with store.write() as conn:
        current = open_shift(store, member)
        if current is None:
            raise Conflict(f"{member.name} is not on shift: start one with 'pos shift start {member.name}'.")
        conn.execute("UPDATE shifts SET ended_at = ? WHERE id = ?", (iso(utc_now()), current.id))
    return get_shift(store, current.id)


def get_shift(store: "Store", shift_id: int) -> Shift:
    row = store.one(f"{_SHIFT_SELECT} WHERE shifts.id = ?", (shift_id,))
    if row is None:
        raise NotFound(f"No shift {shift_id}.")
    return _shift(row)


def list_shifts(store: "Store", day: date | None = None, open_only: bool = False) -> list[Shift]:
    """Shifts of a business day (default today), or every open shift."""
    if open_only:
        rows = store.all(f"{_SHIFT_SELECT} WHERE ended_at IS NULL ORDER BY started_at")
    else:
        when = day or current_day(store)
        rows = store.all(f"{_SHIFT_SELECT} WHERE business_day = ? ORDER BY started_at", (when.isoformat(),))
    return [_shift(r) for r in rows]


def on_shift_at(store: "Store", member: StaffMember, instant: datetime | None = None) -> bool:
    """Whether ``member`` was clocked in at ``instant`` (default now)."""
    at = iso(instant or utc_now())
    row = store.one(
        "SELECT 1 FROM shifts WHERE staff_id = ? AND started_at <= ? AND (ended_at IS NULL OR ended_at > ?)",
        (member.id, at, at),
    )
    return row is not None


def day_window(store: "Store", day: date) -> tuple[datetime, datetime]:
    """The UTC bounds of a business day, for hours-worked calculations."""
    return day_bounds(day, store.settings)
