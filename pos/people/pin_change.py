"""Changing a staff member's PIN: ``pos staff pin NAME``.

Two people may change a PIN: the person themselves, by typing their current PIN (checked, and
counted against the lockout, exactly as at a sign-in), or an owner, signed in, who sets it for
them (someone who forgot theirs).  A manager may not: a manager who could set a cashier's PIN
could then sign in as that cashier, and the audit trail would name the wrong person.

The new PIN follows the rules of :func:`pos.people.pins.check_new_pin` for the person's role, and is
neither their current PIN nor the one before it.  The change is audited (who, by whom; never
a PIN or a hash).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.base.errors import NotAllowed
from pos.people.pins import check_new_pin, hash_pin
from pos.store.roster import StaffMember
from pos.people.staff import get_staff
from pos.people.pin_tries import verify_pin
from pos.store.store import iso, utc_now
from pos.people.permissions import Action, require

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def check_pin_change(store: "Store", who: str, by: StaffMember | None) -> tuple[StaffMember, bool]:
    """Whose PIN changes, and whether their current PIN must be typed (True unless an owner sets another's).

    Refused, before anyone types anything, for someone deactivated, or when ``by`` is someone else
    who may not set other people's PINs.
    """
    member = get_staff(store, who)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated: their PIN cannot be changed.")
    if by is None or by.id == member.id:
        return member, True
    require(by, Action.SET_PIN)
    return member, False


def check_new_pin_for(store: "Store", member: StaffMember, new_pin: str) -> str:
    """``new_pin`` checked for ``member``: their role's rules, and neither their current nor previous PIN."""
    row = store.one("SELECT pin_hash, previous_pin_hash FROM staff WHERE id = ?", (member.id,))
    assert row is not None
    return check_new_pin(new_pin, member.role, (row["pin_hash"], row["previous_pin_hash"]), name=member.name)


def change_pin(store: "Store", who: str, new_pin: str, *, by: StaffMember | None = None,
               current_pin: str | None = None, register: int | None = None) -> StaffMember:
    """Give ``who`` a new PIN; ``by`` is who does it (None: nobody signed in, so it is the person themselves).

    The person types ``current_pin``; an owner setting someone else's PIN does not.  The current
    PIN is checked first (a wrong one counts towards the lockout), then the new one.
    """
    from pos.store import audit

    member, needs_current = check_pin_change(store, who, by)
    if needs_current:
        verify_pin(store, member.name, current_pin or "", register=register)
    text = check_new_pin_for(store, member, new_pin)
    new_hash = hash_pin(text)
    actor = by or member
    with store.write() as conn:
        conn.execute("UPDATE staff SET previous_pin_hash = pin_hash, pin_hash = ?, pin_changed_at = ? WHERE id = ?",
                     (new_hash, iso(utc_now()), member.id))
        audit.changed(store, audit.Event.PIN_CHANGED, target=member.name, before=None, after=None, by=actor.name)
    return get_staff(store, member.id)
