"""Sharing a day's tip pool among the people who worked it, by hours, to the cent.

The pool of business day D is what that day's entries put into
``liabilities:tips:pool`` less what they took out (earlier distributions,
refunded tips).  It is shared among the staff who may share tips
(:func:`pos.tips.may_share_tips`) in proportion to the seconds they worked
in D's shifts (an open shift counts up to now), with
:func:`pos.money.allocate`, so the shares always add up to the pool
exactly.  :func:`plan` is the preview; :func:`distribute` posts the plan on
day D.  Running it again posts nothing unless new tips reached the pool.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from pos import accounts
from pos.errors import Conflict, NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.ledger import Entry
    from pos.store import Store


class Share(NamedTuple):
    staff_key: str
    name: str
    worked_s: int
    amount_minor: int


class PoolPlan(NamedTuple):
    day: date
    pool_minor: int
    """What is in the day's pool, still to share."""
    shares: list[Share]
    """Everyone who worked that day, eligible or not (ineligible people get nothing and are shown why)."""
    excluded: list[tuple[str, str]]
    """(name, why) of people who worked but may not share."""


def pool_of_day(store: "Store", day: date) -> int:
    """What day ``day`` left in the tip pool (positive: owed to the team)."""
    from pos import ledger

    return -ledger.balances(store, day=day, prefix=accounts.TIP_POOL).get((accounts.TIP_POOL, store.settings.currency), 0)


def plan(store: "Store", day: date) -> PoolPlan:
    """Who would get what from ``day``'s pool, by hours worked; refused when nobody could share it."""
    from pos.money import allocate
    from pos.staff import get_staff, list_shifts
    from pos.tips import may_share_tips

    shifts = list_shifts(store, day)
    if not shifts:
        raise NotAllowed(f"No shifts on {day}: nobody worked that day to share its tip pool.")
    worked: dict[int, int] = {}
    for shift in shifts:
        worked[shift.staff_id] = worked.get(shift.staff_id, 0) + shift.worked_seconds()
    people = sorted((get_staff(store, staff_id) for staff_id in worked), key=lambda m: m.name.lower())
    sharing = [m for m in people if may_share_tips(m) and worked[m.id] > 0]
    excluded = [(m.name, _why_not(m)) for m in people if m not in sharing]
    pool = pool_of_day(store, day)
    if pool < 0:
        raise Conflict(f"The tip pool of {day} is {pool} short (refunded tips exceed its tips): nothing to share.")
    if pool and not sharing:
        raise NotAllowed(f"Nobody who worked on {day} may share tips, so its pool cannot be distributed.")
    amounts = allocate(pool, [worked[m.id] for m in sharing]) if pool else [0] * len(sharing)
    shares = [Share(m.key, m.name, worked[m.id], a) for m, a in zip(sharing, amounts)]
    return PoolPlan(day, pool, shares, excluded)


def _why_not(member: object) -> str:
    from pos.staff import Role, StaffMember

    assert isinstance(member, StaffMember)
    if not member.active:
        return "deactivated"
    if member.role in (Role.OWNER, Role.MANAGER):
        return f"{member.role.value}: may not share in employees' tips"
    if not member.tip_eligible:
        return "not tip-eligible"
    return "no time worked"


def distribute(store: "Store", day: date) -> tuple[PoolPlan, "Entry | None"]:
    """Post ``day``'s pool to each person's tips, as planned; nothing when the pool is empty."""
    from pos import ledger, posting_rules

    with store.write():
        current = plan(store, day)  # under the write lock: no tip slips in between plan and post
        if current.pool_minor == 0:
            return current, None
        # An exact range of keys, which the journal's unique key index serves ('tips:pool:D;' sorts right after
        # every 'tips:pool:D:N'); LIKE would read every entry ever posted.
        done = store.scalar("SELECT count(*) FROM journal_entries WHERE key >= ? AND key < ?",
                            (f"tips:pool:{day}:", f"tips:pool:{day};"))
        entry = ledger.post(
            store, f"tips:pool:{day}:{int(done or 0) + 1}", f"Tip pool of {day} shared by hours worked",
            ledger.SourceKind.TIPS, f"day:{day}",
            posting_rules.pool_distribution({s.staff_key: s.amount_minor for s in current.shares},
                                            store.settings.currency),
            business_day=day,
        )
        from pos import audit

        audit.changed(store, audit.Event.TIPS_SHARED, f"pool of {day}", {"pool_minor": current.pool_minor},
                      {"pool_minor": 0}, entry=entry.id,
                      shares=[{"staff": s.staff_key, "amount_minor": s.amount_minor} for s in current.shares])
    return current, entry
