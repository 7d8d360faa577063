"""Staff, their PINs, and their shifts.

A staff member has a unique name, a role, a PIN (stored only as a salted
scrypt hash), an active flag (people are deactivated, never deleted: their
past sales and tips still point at them) and tip eligibility.  Eligibility
defaults from the role (owners and managers may not share in employees'
tips) and can be overridden per person.

Who may add, change, deactivate, reactivate or unlock whom is :mod:`pos.people.roles`: nobody grants a
role above their own, only an owner manages owners and managers, and the last active owner is never
deactivated or demoted.  Every such change is in the audit trail, with its values before and after.

Wrong PINs (:func:`verify_pin`).  The fifth wrong PIN in a row locks a person out until someone
above them unlocks them (:func:`unlock`: a manager for the people below managers, an owner for a
manager).  Unlocking lifts the lock, not the count: from the fifth wrong PIN on, until the right
one, every wrong PIN makes the person wait before the next try, 30 seconds doubling each time up to
an hour, and a try during the wait is refused without looking at the PIN (and not counted).  So an
unlock between rounds of guesses buys the guesser one try per wait, never five more.  Owners are
never locked out, only made to wait: nobody is above them to unlock them, so a lock would be the
store's end (anyone could lock them out by typing five wrong PINs).  For the same reason a manager
is only locked where there is an active owner to unlock them, and anyone else only where there is an
active manager or owner; otherwise they too only wait.  An owner who forgot their PIN recovers with
the store's recovery code (:mod:`pos.people.recovery`).

A shift runs from start to end; at most one is open per person (the database
enforces it).  A shift belongs to the business day in which it started, even
when it runs past midnight or past the day's rollover.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TYPE_CHECKING

from pos.store.clock import day_bounds
from pos.store.days import current_day
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound, Refused
from pos.people.pins import check_new_pin, check_pin_format, hash_pin, pin_matches  # noqa: F401 - re-exported
from pos.store.roster import Role, StaffMember, staff_key, staff_row  # noqa: F401 - the records, kept low
from pos.store.store import iso, parse_iso, utc_now
from pos.base.words import counted
from pos.people.permissions import Action, require, role_phrase
from pos.people.pins import upgraded_hash

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store


#: The jobs anyone may work a shift in, and that a tip policy may call tipped (pos.tips.tip_policy); an owner's or
#: manager's own role is a job only for them, and never a tipped one.
JOBS: tuple[Role, ...] = (Role.SERVER, Role.CASHIER, Role.DRIVER, Role.KITCHEN)


class Shift(NamedTuple):
    id: int
    staff_id: int
    staff_name: str
    business_day: date
    started_at: datetime
    ended_at: datetime | None
    register: int | None
    job: Role
    """What the person worked at in this shift (``pos shift start NAME --job kitchen``; default their role):
    only hours in a job the tip policy calls tipped share the pool (:mod:`pos.tips.tip_policy`)."""

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


def check_new_staff(store: "Store", name: str, role: Role | str,
                    actor: StaffMember | None = None) -> tuple[str, str, Role]:
    """Validate a new staff member's name and role (before asking for a PIN), and that ``actor`` may give it.

    Returns the cleaned name, its ledger key and the role.
    """
    from pos.base.text import clean_line

    clean = clean_line(name, "staff name")  # hidden characters refused by name; the shape is checked below
    if not clean:
        raise InvalidInput("The staff name is empty: give a name, like Alice.")
    if not _NAME.match(clean):
        raise InvalidInput(
            f"Staff name '{name}' is not valid: use up to 40 letters, spaces, dots, apostrophes or hyphens, "
            "starting with a letter."
        )
    role = role if isinstance(role, Role) else parse_role(role)
    check_role_change(actor, None, role, f"add {clean} as {_a(role)}")
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
    store: "Store", name: str, role: Role | str, pin: str, tip_eligible: bool | None = None,
    actor: StaffMember | None = None,
) -> StaffMember:
    """Add a staff member; the PIN is hashed before it reaches the database.

    ``actor`` adds them (None: a trusted caller, see :mod:`pos.people.roles`), and may not give a role above
    their own; only an owner adds owners and managers.
    """
    _, _, checked_role = check_new_staff(store, name, role, actor)
    _check_tip_override(name, checked_role, tip_eligible)
    pin_hash = hash_pin(check_new_pin(pin, checked_role))
    from pos.store import audit

    with store.write() as conn:
        clean, key, role = check_new_staff(store, name, role, actor)  # again, under the write lock
        cur = conn.execute(
            "INSERT INTO staff(name, key, role, pin_hash, tip_eligible, active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            (clean, key, role.value, pin_hash, None if tip_eligible is None else int(tip_eligible), iso(utc_now())),
        )
        staff_id = int(cur.lastrowid or 0)
        added = get_staff(store, staff_id)
        audit.changed(store, audit.Event.STAFF_ADDED, clean, None, _values(added), by=actor.name if actor else None)
    return added


def _a(role: Role) -> str:
    return role_phrase(role)


def _values(member: StaffMember) -> dict[str, object]:
    """What the audit trail keeps of a staff member, before and after a change."""
    return {"role": member.role.value, "active": member.active, "tip_eligible": member.tip_eligible}


def check_role_change(actor: StaffMember | None, target: StaffMember | None, new_role: Role | None,
                      doing: str) -> None:
    """:func:`pos.people.roles.check_role_change`: who may give whom which role."""
    from pos.people.roles import check_role_change as check

    check(actor, target, new_role, doing)


def _refuse_last_owner(conn: "sqlite3.Connection", member: StaffMember, doing: str) -> None:
    """Inside the write: refuse leaving the store without an active owner."""
    if member.role is not Role.OWNER or not member.active:
        return
    others = conn.execute("SELECT count(*) FROM staff WHERE role = 'owner' AND active = 1 AND id != ?",
                          (member.id,)).fetchone()[0]
    if not others:
        raise Refused(f"{member.name} is the last active owner and cannot be {doing}: make someone else an owner "
                      "first ('pos staff role NAME owner').")


def get_staff(store: "Store", who: str | int) -> StaffMember:
    """Find a staff member by name (any case) or id."""
    return _member(staff_row(store, who))


def list_staff(store: "Store", include_inactive: bool = False) -> list[StaffMember]:
    where = "" if include_inactive else "WHERE active = 1"
    return [_member(r) for r in store.all(f"SELECT * FROM staff {where} ORDER BY name")]


def deactivate_staff(store: "Store", who: str, actor: StaffMember | None = None) -> StaffMember:
    """Deactivate a staff member; an open shift and every sign-in of theirs end now.  Never the last active owner."""
    from pos.store import audit

    member = get_staff(store, who)
    if not member.active:
        raise Conflict(f"{member.name} is already deactivated: 'pos staff reactivate {member.name}' brings them back.")
    check_role_change(actor, member, None, f"deactivate {member.name}")
    now = iso(utc_now())
    with store.write() as conn:
        member = get_staff(store, member.id)  # again, under the write lock
        _refuse_last_owner(conn, member, "deactivated")
        conn.execute("UPDATE shifts SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL", (now, member.id))
        # Every sign-in of theirs ends with it, on every terminal: a reactivation does not bring an old one back.
        conn.execute("UPDATE signins SET ended_at = ? WHERE staff_id = ? AND ended_at IS NULL", (now, member.id))
        conn.execute("UPDATE staff SET active = 0, deactivated_at = ? WHERE id = ?", (now, member.id))
        after = get_staff(store, member.id)
        audit.changed(store, audit.Event.STAFF_CHANGED, member.name, _values(member), _values(after),
                      by=actor.name if actor else None)
    return after


def reactivate_staff(store: "Store", who: str, actor: StaffMember | None = None) -> StaffMember:
    """Bring a deactivated staff member back, with their role as it was; an owner does it."""
    from pos.store import audit

    member = get_staff(store, who)
    if actor is not None:
        try:
            require(actor, Action.REACTIVATE_STAFF)
        except NotAllowed as exc:
            raise Refused(exc.message) from None
    if member.active:
        raise Conflict(f"{member.name} is active already: there is nothing to reactivate.")
    check_role_change(actor, member, None, f"reactivate {member.name}")
    with store.write() as conn:
        if conn.execute("SELECT active FROM staff WHERE id = ?", (member.id,)).fetchone()[0]:
            raise Conflict(f"{member.name} is active already: there is nothing to reactivate.")
        # deactivated_at stays: the last deactivation, which ends a register session begun before it (pos.people.signin)
        conn.execute("UPDATE staff SET active = 1 WHERE id = ?", (member.id,))
        after = get_staff(store, member.id)
        audit.changed(store, audit.Event.STAFF_CHANGED, member.name, _values(member), _values(after),
                      by=actor.name if actor else None)
    return after


def change_role(store: "Store", who: str, role: Role | str, actor: StaffMember | None = None) -> StaffMember:
    """Give a staff member another role, by the rule of :mod:`pos.people.roles`; never demoting the last active owner.

    A tip eligibility switched on for them goes back to the new role's default when that role may
    not share in tips (an owner, a manager).
    """
    from pos.store import audit

    member = get_staff(store, who)
    new = role if isinstance(role, Role) else parse_role(role)
    if not member.active:
        raise Conflict(f"{member.name} is deactivated: reactivate them first ('pos staff reactivate {member.name}').")
    if new is member.role:
        raise Conflict(f"{member.name} is {_a(new)} already: nothing to change.")
    check_role_change(actor, member, new, f"make {member.name} {_a(new)}")
    with store.write() as conn:
        member = get_staff(store, member.id)  # again, under the write lock
        _refuse_last_owner(conn, member, f"made {_a(new)}")
        override = member.tip_eligible_override
        if override and not new.tip_eligible_by_default:
            override = None
        conn.execute("UPDATE staff SET role = ?, tip_eligible = ? WHERE id = ?",
                     (new.value, None if override is None else int(override), member.id))
        after = get_staff(store, member.id)
        audit.changed(store, audit.Event.STAFF_CHANGED, member.name, _values(member), _values(after),
                      by=actor.name if actor else None)
    return after


def _check_tip_override(name: str, role: Role, eligible: bool | None) -> None:
    if eligible and not role.tip_eligible_by_default:
        raise NotAllowed(f"{' '.join(name.split())} is {'an' if role is Role.OWNER else 'a'} {role.value}: owners and managers "
                         "may not share in employees' tips (US FLSA 3(m)(2)(B)), so they cannot be made tip-eligible.")


def set_tip_eligibility(store: "Store", who: str, eligible: bool | None,
                        actor: StaffMember | None = None) -> StaffMember:
    """Override tip eligibility for one person (``None`` goes back to the role's default).

    Only to switch tips off for someone whose role would have them: owners and
    managers can never be switched on.
    """
    from pos.store import audit

    member = get_staff(store, who)
    _check_tip_override(member.name, member.role, eligible)
    check_role_change(actor, member, None, f"change {member.name}'s tips")
    with store.write() as conn:
        conn.execute(
            "UPDATE staff SET tip_eligible = ? WHERE id = ?", (None if eligible is None else int(eligible), member.id)
        )
        after = get_staff(store, member.id)
        audit.changed(store, audit.Event.STAFF_CHANGED, member.name, _values(member), _values(after),
                      override=eligible, by=actor.name if actor else None)
    return after


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
        job=Role(row["job"]) if row["job"] else Role(row["role"]),
    )


_SHIFT_SELECT = ("SELECT shifts.*, staff.name AS name, staff.role AS role FROM shifts "
                 "JOIN staff ON staff.id = shifts.staff_id")


def open_shift(store: "Store", member: StaffMember) -> Shift | None:
    row = store.one(f"{_SHIFT_SELECT} WHERE staff_id = ? AND ended_at IS NULL", (member.id,))
    return _shift(row) if row else None


def start_shift(store: "Store", who: str, register: int | None = None, job: Role | str | None = None) -> Shift:
    """Clock a staff member in, for ``job`` (default their role; see :func:`check_job`)."""
    member = get_staff(store, who)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot start a shift.")
    worked_as = check_job(member, job)
    if register is not None:
        from pos.store.registers import check_register

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
            "INSERT INTO shifts(staff_id, business_day, started_at, register, job) VALUES (?, ?, ?, ?, ?)",
            (member.id, current_day(store, now).isoformat(), iso(now), register, worked_as.value),
        )
        shift_id = int(cur.lastrowid or 0)
    return get_shift(store, shift_id)


def check_job(member: StaffMember, job: Role | str | None) -> Role:
    """The job ``member`` may work a shift in: their own role, or any job staff are tipped for
    (server, cashier, driver, kitchen), so one person's tipped and untipped work are two shifts."""
    if job is None:
        return member.role
    wanted = job if isinstance(job, Role) else next((r for r in Role if r.value == job.strip().lower()), None)
    if wanted is None or (wanted not in JOBS and wanted is not member.role):
        jobs = ", ".join(j.value for j in JOBS)
        raise InvalidInput(f"'{str(job)[:40]}' is not a job {member.name} can work a shift in: give one of {jobs}.")
    return wanted


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


def list_shifts(store: "Store", day: date | None = None, open_only: bool = False, *,
                with_open: bool = False) -> list[Shift]:
    """Shifts of a business day (default today), or every open shift; ``with_open``: the day's shifts and every
    shift still open from before it (someone who never clocked out), oldest first."""
    if open_only:
        rows = store.all(f"{_SHIFT_SELECT} WHERE ended_at IS NULL ORDER BY started_at")
    else:
        when = day or current_day(store)
        also = " OR (ended_at IS NULL AND business_day < ?)" if with_open else ""
        rows = store.all(f"{_SHIFT_SELECT} WHERE business_day = ?{also} ORDER BY started_at",
                         (when.isoformat(), when.isoformat()) if with_open else (when.isoformat(),))
    return [_shift(r) for r in rows]


def open_shifts_through(store: "Store", day: date) -> list[Shift]:
    """Shifts still running that began on business day ``day`` or before it, oldest first."""
    return [_shift(r) for r in store.all(f"{_SHIFT_SELECT} WHERE ended_at IS NULL AND business_day <= ? "
                                         "ORDER BY started_at", (day.isoformat(),))]


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
