"""Sharing a day's tip pool among the people who worked it, by hours, to the cent.

The pool of business day D is what that day's entries put into
``liabilities:tips:pool`` less what they took out (earlier distributions,
refunded tips).  It is shared among the staff who may share tips
(:func:`pos.tips.tips.may_share_tips`) in proportion to the seconds they worked
in D's shifts in tipped work: a shift counts
when the tip policy in force on D (:func:`pos.tips.tip_policy.policy_on`) admits
its job (:func:`pos.tips.tip_policy.why_not_pooled`: with a tip credit, never a
kitchen shift), and the plan says why each hour it leaves out does not count, with
:func:`pos.base.shares.allocate`, so the shares always add up to the pool
exactly.  :func:`plan` is the preview; :func:`distribute` posts the plan on
day D.  Running it again posts nothing unless new tips reached the pool.

A shift still running counts up to now, so a plan is as of now (:attr:`PoolPlan.as_of`) and names
the shifts still open that it counts (:attr:`PoolPlan.still_open`): their hours, and so the shares,
grow until they end.  Posting waits for them (:func:`distribute` refuses while one is open), unless
asked to count them as ended now (``include_open``); the close ends them first, when told to
(:func:`pos.day.shifts.end_at_close`), by the same rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts
from pos.base.errors import Conflict, NotAllowed
from pos.tips.tip_policy import policy_on, why_not_pooled
from pos.tips.tips import may_share_tips

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from pos.books.ledger import Entry
    from pos.store.roster import Role, StaffMember
    from pos.people.staff import Shift
    from pos.tips.tip_policy import TipPolicy
    from pos.store.store import Store


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
    uncounted: list["Uncounted"] = []
    """Hours of people who do share, worked in a job the policy leaves out of the pool (a kitchen shift)."""
    policy: "TipPolicy | None" = None
    """The tip policy in force on the day, by which the pool was split."""
    as_of: datetime | None = None
    """The moment the hours were counted: a shift still open counts up to it."""
    still_open: "list[Shift]" = []
    """Shifts of the day still running that the shares count (tipped work of someone who shares), by start."""

    def open_words(self, zone: object) -> str:
        """``Alice (since 09:00), Bob (since 11:00)``, in the store's time zone."""
        return ", ".join(f"{s.staff_name} (since {s.started_at.astimezone(zone):%H:%M})"  # type: ignore[arg-type]
                         for s in self.still_open)


class Uncounted(NamedTuple):
    name: str
    job: str
    worked_s: int
    why: str


def pool_of_day(store: "Store", day: date) -> int:
    """What day ``day`` left in the tip pool (positive: owed to the team)."""
    from pos.books import ledger

    return -ledger.balances(store, day=day, prefix=accounts.TIP_POOL).get((accounts.TIP_POOL, store.settings.currency), 0)


def plan(store: "Store", day: date) -> PoolPlan:
    """Who would get what from ``day``'s pool, by hours in tipped work as of now (a shift still open counts up to
    now, and is named in the plan); refused when nobody could share it."""
    from pos.people.staff import get_staff, list_shifts
    from pos.store.store import utc_now

    shifts = list_shifts(store, day)
    if not shifts:
        raise NotAllowed(f"No shifts on {day}: nobody worked that day to share its tip pool.")
    now = utc_now()
    policy = policy_on(store, day)
    members = {s.staff_id: get_staff(store, s.staff_id) for s in shifts}
    pool = pool_of_day(store, day)
    if pool < 0:
        raise Conflict(f"The tip pool of {day} is {pool} short (refunded tips exceed its tips): nothing to share.")
    shares, excluded, uncounted = split(policy, pool, [(members[s.staff_id], s.job, s.worked_seconds(now))
                                                       for s in shifts])
    if pool and not shares:
        reasons = "; ".join(f"{name}: {why}" for name, why in excluded)
        raise NotAllowed(f"Nobody who worked on {day} may share tips, so its pool cannot be distributed ({reasons}).")
    still_open = [s for s in shifts if s.ended_at is None and may_share_tips(members[s.staff_id])
                  and why_not_pooled(policy, s.job) is None]
    return PoolPlan(day, pool, shares, excluded, uncounted, policy, now, still_open)


def open_shifts_refusal(current: PoolPlan) -> str:
    """Why a pool is not posted while shifts it counts are still open, and what to do."""
    from pos.base.words import are

    return (f"{are([s.staff_name for s in current.still_open])} still on shift on {current.day}, and the pool is shared by "
            "hours, which are still growing: end the shifts first ('pos shift end NAME'), or add --include-open to "
            "count them as ended now.")


def split(policy: "TipPolicy", pool_minor: int, worked: "Sequence[tuple[StaffMember, Role, int]]"
          ) -> tuple[list[Share], list[tuple[str, str]], list[Uncounted]]:
    """Share ``pool_minor`` by ``policy`` among the people in ``worked`` (person, job, seconds; a row per shift).

    A person shares by their seconds in jobs the policy admits (:func:`pos.tips.tip_policy.why_not_pooled`)
    when they may share tips at all (:func:`pos.tips.tips.may_share_tips`: never an owner or manager); the
    shares add up to the pool exactly (:func:`pos.base.shares.allocate`), or are all zero when nobody shares.
    Returns the shares (by name), the people who get nothing with why, and the hours of sharers left out.
    """
    from pos.base.shares import allocate

    members: dict[int, "StaffMember"] = {}
    counted: dict[int, int] = {}
    left_out: dict[tuple[int, str], tuple[int, str]] = {}  # (person, job) -> (seconds, why)
    for member, job, seconds in worked:
        members[member.id] = member
        why = why_not_pooled(policy, job)
        if why is None:
            counted[member.id] = counted.get(member.id, 0) + seconds
        else:
            was = left_out.get((member.id, job.value), (0, why))[0]
            left_out[(member.id, job.value)] = (was + seconds, why)
    people = sorted(members.values(), key=lambda m: m.name.lower())
    sharing = [m for m in people if may_share_tips(m) and counted.get(m.id, 0) > 0]
    excluded = [(m.name, _why_not(m, counted.get(m.id, 0), [w for (i, _), (_, w) in left_out.items() if i == m.id]))
                for m in people if m not in sharing]
    uncounted = [Uncounted(m.name, job, seconds, why) for m in sharing
                 for (i, job), (seconds, why) in left_out.items() if i == m.id]
    amounts = allocate(pool_minor, [counted[m.id] for m in sharing]) if pool_minor and sharing else [0] * len(sharing)
    return [Share(m.key, m.name, counted[m.id], a) for m, a in zip(sharing, amounts)], excluded, uncounted


def _why_not(member: object, counted_s: int, jobs_left_out: list[str]) -> str:
    from pos.store.roster import Role, StaffMember

    assert isinstance(member, StaffMember)
    if not member.active:
        return "deactivated"
    if member.role in (Role.OWNER, Role.MANAGER):
        return f"{member.role.value}: may not share in employees' tips"
    if not member.tip_eligible:
        return "not tip-eligible"
    if not counted_s and jobs_left_out:
        return "; ".join(dict.fromkeys(jobs_left_out))
    return "no time worked"


def distribute(store: "Store", day: date, *, include_open: bool = False) -> tuple[PoolPlan, "Entry | None"]:
    """Post ``day``'s pool to each person's tips, as planned; nothing when the pool is empty.

    Refused while a shift the shares count is still open (its hours still grow), unless ``include_open``:
    such a shift is then counted as ended now (it stays open; hours it adds later share later tips).
    """
    from pos.books import ledger
    from pos.sales import posting_rules

    with store.write():
        current = plan(store, day)  # under the write lock: no tip slips in between plan and post
        if current.pool_minor == 0:
            return current, None
        if current.still_open and not include_open:
            raise Conflict(open_shifts_refusal(current))
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
        from pos.store import audit

        audit.changed(store, audit.Event.TIPS_SHARED, f"pool of {day}", {"pool_minor": current.pool_minor},
                      {"pool_minor": 0}, entry=entry.id,
                      shares=[{"staff": s.staff_key, "amount_minor": s.amount_minor} for s in current.shares],
                      counted_open=[s.staff_name for s in current.still_open] or None)
    return current, entry
