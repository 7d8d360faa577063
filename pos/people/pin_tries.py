"""Wrong PINs: how many in a row lock a person out, the growing wait after that, checking a PIN typed for a person,
and unlocking."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.base.errors import InvalidInput, NotAllowed, Refused
from pos.base.words import counted
from pos.people.permissions import Action, require
from pos.people.pins import pin_matches, upgraded_hash
from pos.people.staff import check_role_change, get_staff
from pos.store.roster import Role, StaffMember
from pos.store.store import iso, parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


MAX_FAILED_PINS = 5
FIRST_WAIT_S = 30
"""From the fifth wrong PIN in a row on, the wait before the next try: this, doubling, ..."""
LONGEST_WAIT_S = 3600
"""... up to this."""


def pin_wait_s(failed_in_a_row: int) -> int:
    """How long a person waits after their ``failed_in_a_row``-th wrong PIN (0 before the fifth)."""
    if failed_in_a_row < MAX_FAILED_PINS:
        return 0
    return min(FIRST_WAIT_S * 2 ** min(failed_in_a_row - MAX_FAILED_PINS, 20), LONGEST_WAIT_S)


def _unlocker(member: StaffMember) -> str:
    """Who unlocks ``member`` (by :mod:`pos.people.roles`)."""
    return "an owner" if member.role is Role.MANAGER else "a manager"


def may_be_locked_out(store: "Store", member: StaffMember) -> bool:
    """Whether wrong PINs lock ``member`` out, or only make them wait: a lock only where someone may lift it.

    Owners only wait (nobody is above them); a manager is locked only while an active owner can unlock
    them, anyone else while an active manager or owner can.
    """
    if member.role is Role.OWNER:
        return False
    above = "('owner')" if member.role is Role.MANAGER else "('owner', 'manager')"
    return bool(store.scalar(f"SELECT count(*) FROM staff WHERE active = 1 AND id != ? AND role IN {above}",
                             (member.id,)))


def _duration(seconds: int) -> str:
    if seconds < 60:
        return counted(seconds, "second")
    return counted(-(-seconds // 60), "minute")


duration_words = _duration
"""A wait as the messages say it: ``30 seconds``, ``2 minutes``."""


class PinHold(NamedTuple):
    """Where a person stands after wrong PINs: locked out until someone above unlocks them, or waiting, or neither.

    One place says it (:attr:`words`), so the wrong PIN that locks someone out (or makes them wait) and
    every try after it say the same thing: which it is, and for how long.
    """

    name: str
    failed_in_a_row: int
    locked: bool
    wait_s: int
    """Seconds left before the next try (0: none); a lock has no end but an unlock, which ends the wait too."""
    unlocked_by: str | None
    """Who may unlock them ("a manager", "an owner"), while they are locked out."""

    @property
    def holds(self) -> bool:
        return self.locked or self.wait_s > 0

    @property
    def words(self) -> str:
        if self.locked:
            return (f"{self.name} is locked out after {self.failed_in_a_row} wrong PINs in a row, until "
                    f"{self.unlocked_by} unlocks them ('pos staff unlock {self.name} --approve NAME').")
        return (f"{self.name} must wait {_duration(self.wait_s)} before typing a PIN again, after "
                f"{self.failed_in_a_row} wrong PINs in a row.")

    @property
    def short(self) -> str:
        """For a list of staff: ``locked out``, ``waits 45 seconds``, or nothing."""
        return "locked out" if self.locked else f"waits {_duration(self.wait_s)}" if self.wait_s else ""

    def as_dict(self) -> dict[str, Any]:
        return {"locked": self.locked, "wait_s": self.wait_s, "failed_in_a_row": self.failed_in_a_row,
                "unlocked_by": self.unlocked_by}


def pin_hold(store: "Store", member: StaffMember) -> PinHold:
    """Whether ``member`` is locked out or waiting after wrong PINs, now (see :class:`PinHold`)."""
    row = store.one("SELECT failed_pins, locked_at, pin_wait_until FROM staff WHERE id = ?", (member.id,))
    if row is None:
        return PinHold(member.name, 0, False, 0, None)
    until = parse_iso(row["pin_wait_until"]) if row["pin_wait_until"] else None
    left = max(0, int(-(-(until - utc_now()).total_seconds() // 1))) if until is not None else 0
    locked = bool(row["locked_at"])
    return PinHold(member.name, int(row["failed_pins"]), locked, 0 if locked else left,
                   _unlocker(member) if locked else None)


def check_pin_wait(store: "Store", member: StaffMember) -> None:
    """Refuse a try while ``member`` is locked out or must wait after wrong PINs (the PIN is not looked at, the
    try not counted), in the words of :class:`PinHold`."""
    hold = pin_hold(store, member)
    if hold.holds:
        raise Refused(hold.words)


def verify_pin(store: "Store", who: str, pin: str, register: int | None = None) -> StaffMember:
    """Check a staff member's PIN; wrong PIN, a locked-out or an inactive person is refused.

    Every failure is in the audit trail, with the register and terminal it was typed at; the fifth in
    a row locks the person out (or, where nobody could unlock them, only makes them wait), and from
    then on every wrong PIN makes them wait longer (see the module docstring).

    The count and the wait are read and decided inside the ``BEGIN IMMEDIATE`` transaction that records
    the try, so tries typed at once (several terminals, several processes) are decided one at a time:
    the fifth wrong PIN locks, and every try after it is refused unlooked-at and uncounted.  Only the
    hashing, which costs, is done before the write lock is taken; its answer is used only if the try
    is still allowed under the lock.  A right PIN whose hash is older (cheaper) than today's is hashed
    again at today's cost (:func:`pos.people.pins.upgraded_hash`).
    """
    member = get_staff(store, who)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot sign in.")
    check_pin_wait(store, member)  # locked out, or waiting: said the same way as when it began (again below)
    if register is None:
        register = store.memo.get("register")
    stored = str(store.scalar("SELECT pin_hash FROM staff WHERE id = ?", (member.id,)))
    right = pin_matches(pin, stored)
    upgraded = upgraded_hash(pin, stored) if right else None  # before the lock: hashing costs
    with store.write() as conn:
        if not get_staff(store, member.id).active:  # deactivated at this moment, on another terminal
            raise NotAllowed(f"{member.name} is deactivated and cannot sign in.")
        hold = pin_hold(store, member)  # read under the write lock: a try at once with others waits its turn
        if hold.holds:
            raise Refused(hold.words)
        now = str(conn.execute("SELECT pin_hash FROM staff WHERE id = ?", (member.id,)).fetchone()[0])
        if now != stored:  # the PIN was changed while this one was hashed: check against the new one
            right, upgraded = pin_matches(pin, now), None
        if right:
            if hold.failed_in_a_row:
                conn.execute("UPDATE staff SET failed_pins = 0, pin_wait_until = NULL WHERE id = ?", (member.id,))
            if upgraded is not None:
                conn.execute("UPDATE staff SET pin_hash = ? WHERE id = ? AND pin_hash = ?", (upgraded, member.id, now))
            return member
        message = count_wrong(store, member, register, "PIN")
    raise NotAllowed(message)


def count_wrong(store: "Store", member: StaffMember, register: int | None, what: str) -> str:
    """Count a wrong PIN for ``member`` (in the caller's write), lock them out or make them wait; the refusal's words.

    The caller holds the write lock and has just read (:func:`pin_hold`) that the try was allowed.
    """
    from pos.store import audit

    now = utc_now()
    with store.write() as conn:  # the caller's: committed before the refusal, a wrong PIN is never forgotten
        conn.execute("UPDATE staff SET failed_pins = failed_pins + 1 WHERE id = ?", (member.id,))
        failed = int(conn.execute("SELECT failed_pins FROM staff WHERE id = ?", (member.id,)).fetchone()[0])
        wait = pin_wait_s(failed)
        locks = failed == MAX_FAILED_PINS and may_be_locked_out(store, member)
        audit.record(store, audit.Event.FAILED_PIN, {"who": member.name, "in_a_row": failed, "what": what,
                                                     "wait_s": wait}, staff_id=member.id, register=register)
        if wait:
            conn.execute("UPDATE staff SET pin_wait_until = ? WHERE id = ?",
                         (iso(now + timedelta(seconds=wait)), member.id))
        if locks:
            conn.execute("UPDATE staff SET locked_at = ? WHERE id = ?", (iso(now), member.id))
            audit.record(store, audit.Event.LOCKED_OUT, {"who": member.name}, staff_id=member.id, register=register)
        if locks or wait:
            return f"Wrong {what} for {member.name}: {pin_hold(store, member).words}"
    return f"Wrong {what} for {member.name}: try again ({counted(MAX_FAILED_PINS - failed, 'try')} left)."


def check_unlock(store: "Store", who: str) -> StaffMember:
    """The person to unlock, refused when they are not locked out (before anyone types a PIN)."""
    member = get_staff(store, who)
    if not store.scalar("SELECT locked_at IS NOT NULL FROM staff WHERE id = ?", (member.id,)):
        raise Refused(f"{member.name} is not locked out: nothing to unlock.")
    return member


def unlock(store: "Store", who: str, approver: StaffMember | None, by: StaffMember | None = None) -> StaffMember:
    """Lift a PIN lockout, by someone above the person locked out (:mod:`pos.people.roles`).

    It is ``approver``, typing their own PIN now, who is never ``by``, the person asking (default: whoever
    is signed in); or, with no approver, ``by`` themselves, when the permission table lets them manage
    staff.  The count of wrong PINs stays as it was: the next wrong one makes them wait (see the module
    docstring).
    """
    from pos.people import approvals
    from pos.store import audit

    if by is None and store.memo.get("actor_id") is not None:
        by = get_staff(store, int(store.memo["actor_id"]))
    unlocker = approver or by
    if unlocker is None:
        raise InvalidInput("Unlocking needs a manager: add --approve NAME (they type their PIN).")
    require(unlocker, Action.MANAGE_STAFF)
    member = check_unlock(store, who)
    check_role_change(unlocker, member, None, f"unlock {member.name}")
    with store.write() as conn:
        member = check_unlock(store, member.name)  # again, under the write lock
        if approver is not None:
            approvals.approve(store, approver, f"unlock of {member.name}", 0, by)
        conn.execute("UPDATE staff SET locked_at = NULL, pin_wait_until = NULL WHERE id = ?", (member.id,))
        audit.record(store, audit.Event.UNLOCKED, {"target": member.name, "before": {"locked": True},
                                                   "after": {"locked": False}, "who": member.name, "by": unlocker.name,
                                                   "failed_in_a_row": _failed(store, member)}, staff_id=unlocker.id)
    return get_staff(store, member.id)


def _failed(store: "Store", member: StaffMember) -> int:
    return int(store.scalar("SELECT failed_pins FROM staff WHERE id = ?", (member.id,)))
