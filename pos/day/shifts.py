"""Clocking in and out, and the cash tips declared then: by that person's own PIN, or by a manager for them.

Hours on shift are money (the tip pool is shared by them) and a tip may go only to someone on
shift, so nobody clocks anyone else in or out: the caller has a PIN typed at that moment
checked (:func:`pos.people.pin_tries.verify_pin`) and passes whose it was, ``by``: the person themselves,
or a manager (whom the permission table lets approve) acting for them.  Each clock-in and
clock-out is kept with who did it, in the shift's row and the audit trail, and so is every
declaration of cash tips (:func:`pos.tips.tips.declare_cash_tips`).

A shift starts now: there is no way to start one in the past or to move its start.

The shift rows themselves are :mod:`pos.people.staff`'s (``start_shift``, ``end_shift``, ``open_shift``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.base.errors import InvalidInput, Refused

if TYPE_CHECKING:  # pragma: no cover
    from datetime import date

    from pos.books.ledger import Entry
    from pos.store.roster import StaffMember
    from pos.people.staff import Shift
    from pos.store.store import Store


def _check_by(member: "StaffMember", by: "StaffMember", doing: str) -> None:
    """``by`` clocks ``member`` in or out: themselves, or a manager for them."""
    from pos.people.permissions import Action, actor_of, may

    if by.id == member.id:
        return
    if by.active and may(actor_of(by), Action.APPROVE):
        return
    raise Refused(f"{by.name} may not clock {member.name} {doing}: each person clocks {doing} with their own PIN, or a "
                  f"manager does it for them (--by MANAGER).")


def check_clock_in(store: "Store", who: str, register: int | None = None, job: str | None = None) -> "StaffMember":
    """Refuse, before anyone types a PIN, a clock-in that cannot be: someone deactivated, on shift already,
    a job they cannot work (:func:`pos.people.staff.check_job`)."""
    from pos.base.errors import Conflict, NotAllowed
    from pos.people.staff import check_job, get_staff, open_shift

    member = get_staff(store, who)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot start a shift.")
    check_job(member, job)
    if register is not None:
        from pos.store.registers import check_register

        check_register(register)
    current = open_shift(store, member)
    if current is not None:
        since = current.started_at.astimezone(store.settings.zone)
        raise Conflict(f"{member.name} is already on shift since {since:%H:%M}: end it with 'pos shift end {member.name}'.")
    return member


def check_clock_out(store: "Store", who: str) -> "StaffMember":
    """Refuse, before anyone types a PIN, a clock-out of someone not on shift."""
    from pos.base.errors import Conflict
    from pos.people.staff import get_staff, open_shift

    member = get_staff(store, who)
    if open_shift(store, member) is None:
        raise Conflict(f"{member.name} is not on shift: start one with 'pos shift start {member.name}'.")
    return member


def clock_in(store: "Store", who: str, by: "StaffMember", register: int | None = None,
             job: str | None = None) -> "Shift":
    """Start ``who``'s shift now, as ``job`` (default their role), ``by`` themselves (their PIN) or a manager;
    recorded with who did it."""
    from pos.store import audit
    from pos.people.staff import get_staff, start_shift
    from pos.store.store import iso

    member = get_staff(store, who)
    _check_by(member, by, "in")
    with store.write() as conn:
        shift = start_shift(store, member.name, register, job)
        conn.execute("UPDATE shifts SET started_by = ? WHERE id = ?", (by.id, shift.id))
        audit.record(store, audit.Event.SHIFT_START, {"who": member.name, "by": by.name, "shift": shift.id,
                                                      "at": iso(shift.started_at), "job": shift.job.value},
                     staff_id=by.id, register=register)
    return shift


def clock_out(store: "Store", who: str, by: "StaffMember", cash_tips_minor: int = 0
              ) -> tuple["Shift", "Entry | None"]:
    """End ``who``'s shift now, declaring the cash tips they received in hand, if any; in one transaction."""
    from pos.store import audit
    from pos.people.staff import end_shift, get_staff
    from pos.store.store import iso
    from pos.tips.tips import declare_cash_tips

    member = get_staff(store, who)
    _check_by(member, by, "out")
    if cash_tips_minor < 0:
        raise InvalidInput("Declared cash tips cannot be negative.")
    with store.write() as conn:
        shift = end_shift(store, member.name)
        conn.execute("UPDATE shifts SET ended_by = ? WHERE id = ?", (by.id, shift.id))
        entry = declare_cash_tips(store, member, cash_tips_minor, shift.id, by=by) if cash_tips_minor else None
        audit.record(store, audit.Event.SHIFT_END, {"who": member.name, "by": by.name, "shift": shift.id,
                                                    "at": iso(shift.ended_at) if shift.ended_at else None,
                                                    "worked_seconds": shift.worked_seconds()},
                     staff_id=by.id, register=shift.register)
    return shift, entry


def still_open(store: "Store", day: "date") -> list["Shift"]:
    """Shifts still running that began on ``day`` or before (people who did not clock out), oldest first: what a
    close of ``day`` lists, and ends when told (:func:`end_at_close`)."""
    from pos.people.staff import open_shifts_through

    return open_shifts_through(store, day)


def end_at_close(store: "Store", day: "date", by: "StaffMember | None") -> list["Shift"]:
    """End, now, every shift :func:`still_open` on ``day``'s close, as the person closing (``by``) told it to: each
    in the audit trail as clocked out at the close, by them.  Inside the close's transaction."""
    from pos.store import audit
    from pos.people.staff import get_shift
    from pos.store.store import iso, utc_now

    now = iso(utc_now())
    ended = []
    with store.write() as conn:
        for shift in still_open(store, day):
            conn.execute("UPDATE shifts SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL",
                         (now, by.id if by else None, shift.id))
            done = get_shift(store, shift.id)
            audit.record(store, audit.Event.SHIFT_END, {
                "who": done.staff_name, "by": by.name if by else None, "shift": done.id, "at": now,
                "worked_seconds": done.worked_seconds(), "why": f"ended at the close of {day}"},
                staff_id=by.id if by else None, register=done.register)
            ended.append(done)
    return ended


def clocked_by(store: "Store", shift_id: int) -> tuple[str | None, str | None]:
    """Who clocked a shift in and who out (names; None when not known, or not yet ended)."""
    row = store.one("SELECT (SELECT name FROM staff WHERE id = shifts.started_by) AS started, "
                    "(SELECT name FROM staff WHERE id = shifts.ended_by) AS ended FROM shifts WHERE id = ?", (shift_id,))
    return (row["started"], row["ended"]) if row else (None, None)
