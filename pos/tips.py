"""Tips go only to real people: who may receive a tip, checked before any money moves.

A tip is a liability to staff (``liabilities:tips:<staff>`` or the team's
pool), never income of the business.  It may be recorded only to a staff
member who exists, is active, is tip-eligible and is on shift now, or to the
pool when at least one such person is on shift.  Anything else is refused
with the reason.  (Pool distribution, declared cash tips and payouts arrive
with the day close.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos import accounts
from pos.errors import NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

POOL = "pool"


def tip_account(store: "Store", recipient: str | None) -> str:
    """The ledger account a tip for ``recipient`` (a staff name or key; None or 'pool': the pool) goes to."""
    from pos.staff import Role, get_staff, list_staff, on_shift_at

    if recipient is None or recipient.strip().lower() == POOL:
        if not any(m.tip_eligible and on_shift_at(store, m) for m in list_staff(store)):
            raise NotAllowed("No tip-eligible staff member is on shift, so nobody would receive this tip: leave it out.")
        return accounts.TIP_POOL
    member = get_staff(store, recipient)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated: a tip cannot go to them.")
    if member.role in (Role.OWNER, Role.MANAGER) and not member.tip_eligible:
        raise NotAllowed(f"{member.name} is {('an' if member.role is Role.OWNER else 'a')} {member.role.value}: "
                         "owners and managers may not share in employees' tips.")
    if not member.tip_eligible:
        raise NotAllowed(f"{member.name} is not eligible for tips.")
    if not on_shift_at(store, member):
        raise NotAllowed(f"{member.name} is not on shift: a tip goes to someone working now.")
    return accounts.tips_owed(member.key)
