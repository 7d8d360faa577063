"""Tips paid by payday: the store's pay schedule, its pay periods, and which tips owed will be (or are) late.

Tips belong to the employee and are due with the regular pay for the period they were earned in
(29 CFR 531.35, "free and clear"; DOL Fact Sheet #15), not when the processor pays the store out.
So the store states its pay schedule (``pos tips payday set``): how often (:class:`Frequency`),
the first day of its first pay period (``starts``), and how many days after a period ends its
payday falls (``paid_after_days``, default 0: on the period's last day; many stores pay a few days
later).  Periods:

- weekly and biweekly: 7 or 14 days from ``starts`` (any weekday);
- semimonthly: the 1st to the 15th and the 16th to the month's last day (``starts`` is a 1st or a 16th);
- monthly: calendar months (``starts`` is a 1st).

A payday is the period's last day plus ``paid_after_days``, as it falls: no shifting for weekends
or holidays (a store that pays the Friday before says so with its choice of days).

History.  Each change is a new row of ``pay_schedules`` (the database refuses updates and
deletes), in force from its ``starts``, which must come after the last schedule's; the period of
the old schedule that holds the new start ends the day before it.  Before the first schedule there
are no periods, and no tip is late.

Late tips.  What a person is owed (their ``liabilities:tips:<key>`` balance) is, tips being paid
oldest first, the newest tips credited to them adding up to it.  :func:`owed_by_period` finds
them by reading the journal backwards from today, a month of business days at a time through the
journal's day index, only as far back as the oldest tip still owed (so the cost is the owed
window's, never the store's history), a refund's give-back taking from that day's tips.  Each part
is then **late** (its period's payday has passed), or **due** by its payday, or unscheduled (no
schedule is set).  Tips earned before the first schedule began are due by its first payday.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import InvalidInput
from pos.tips.tips import owed_by_person

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

MAX_PAID_AFTER_DAYS = 31
LOOKBACK_DAYS = 31
"""The journal is read backwards this many business days at a time."""


class Frequency(str, enum.Enum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"


class Schedule(NamedTuple):
    frequency: Frequency
    starts: date
    """The first day of the first pay period under this schedule."""
    paid_after_days: int = 0
    id: int = 0
    set_at: str = ""
    set_by: str | None = None


class Period(NamedTuple):
    start: date
    end: date
    payday: date


class Status(str, enum.Enum):
    LATE = "late"
    """The period's payday has passed."""
    DUE = "due"
    """To be paid by the period's payday, today or later."""
    UNSCHEDULED = "unscheduled"
    """No pay schedule covers the day it was earned."""


class OwedPart(NamedTuple):
    """Part of what a person is owed: the tips of one business day still unpaid, and when they are due."""

    day: date
    amount_minor: int
    period: Period | None
    status: Status


def parse_frequency(text: str) -> Frequency:
    try:
        return Frequency(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"'{text[:20]}' is not a pay schedule: give weekly, biweekly, semimonthly or "
                           "monthly.") from None


def _last_of_month(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def check_schedule(schedule: Schedule) -> None:
    """Refuse a schedule whose start is not a period's first day, or whose payday lag is out of range."""
    f, starts = schedule.frequency, schedule.starts
    if f is Frequency.SEMIMONTHLY and starts.day not in (1, 16):
        raise InvalidInput(f"Semimonthly pay periods run from the 1st and from the 16th: start on "
                           f"{starts.replace(day=1 if starts.day < 16 else 16)} or "
                           f"{starts.replace(day=16) if starts.day < 16 else _last_of_month(starts) + timedelta(days=1)}, "
                           f"not {starts}.")
    if f is Frequency.MONTHLY and starts.day != 1:
        raise InvalidInput(f"Monthly pay periods are calendar months: start on {starts.replace(day=1)} or "
                           f"{_last_of_month(starts) + timedelta(days=1)}, not {starts}.")
    if not 0 <= schedule.paid_after_days <= MAX_PAID_AFTER_DAYS:
        raise InvalidInput(f"A payday falls 0 to {MAX_PAID_AFTER_DAYS} days after its period ends, "
                           f"not {schedule.paid_after_days}.")


def period_of(schedules: "list[Schedule]", day: date) -> Period | None:
    """The pay period holding ``day`` under ``schedules`` (oldest first), or None before the first."""
    index = None
    for i, s in enumerate(schedules):
        if s.starts <= day:
            index = i
    if index is None:
        return None
    s = schedules[index]
    if s.frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        length = 7 if s.frequency is Frequency.WEEKLY else 14
        start = s.starts + timedelta(days=(day - s.starts).days // length * length)
        end = start + timedelta(days=length - 1)
    elif s.frequency is Frequency.SEMIMONTHLY:
        start = day.replace(day=1 if day.day <= 15 else 16)
        end = day.replace(day=15) if day.day <= 15 else _last_of_month(day)
    else:
        start, end = day.replace(day=1), _last_of_month(day)
    if index + 1 < len(schedules):  # the next schedule's start cuts this period short
        end = min(end, schedules[index + 1].starts - timedelta(days=1))
    return Period(start, end, end + timedelta(days=s.paid_after_days))


def schedules(store: "Store") -> list[Schedule]:
    """Every pay schedule set, oldest first."""
    return [Schedule(Frequency(r["frequency"]), date.fromisoformat(r["starts"]), int(r["paid_after_days"]),
                     int(r["id"]), r["set_at"], r["set_by_name"])
            for r in store.all("SELECT p.*, s.name AS set_by_name FROM pay_schedules p LEFT JOIN staff s "
                               "ON s.id = p.set_by ORDER BY p.starts, p.id")]


def set_schedule(store: "Store", frequency: Frequency, starts: date, paid_after_days: int = 0,
                 by: "StaffMember | None" = None) -> Schedule:
    """Set the pay schedule from ``starts`` on: checked, kept (a new row), audited."""
    from pos.store import audit
    from pos.store.days import current_day
    from pos.store.store import iso, utc_now

    schedule = Schedule(frequency, starts, paid_after_days)
    check_schedule(schedule)
    today = current_day(store)
    if (today - starts).days > 366:
        raise InvalidInput(f"A pay schedule starting {starts} is more than a year ago: start it on {today} or "
                           "a day of the last year.")
    with store.write() as conn:
        known = schedules(store)
        if known and starts <= known[-1].starts:
            raise InvalidInput(f"The pay schedule already changes on {known[-1].starts}: a new one starts after it, "
                               f"not on {starts}.")
        before = known[-1] if known else None
        actor = by.id if by is not None else store.memo.get("actor_id")
        cur = conn.execute("INSERT INTO pay_schedules(frequency, starts, paid_after_days, set_at, set_by) "
                           "VALUES (?, ?, ?, ?, ?)", (frequency.value, starts.isoformat(), paid_after_days,
                                                      iso(utc_now()), actor))
        audit.changed(store, audit.Event.PAY_SCHEDULE, f"pay schedule from {starts}",
                      _as_dict(before) if before else {}, _as_dict(schedule), starts=starts.isoformat())
        new_id = int(cur.lastrowid or 0)
    return next(s for s in schedules(store) if s.id == new_id)


def _as_dict(schedule: Schedule) -> dict[str, object]:
    return {"frequency": schedule.frequency.value, "starts": schedule.starts.isoformat(),
            "paid_after_days": schedule.paid_after_days}


def as_dict(schedule: Schedule) -> dict[str, object]:
    return {**_as_dict(schedule), "set_at": schedule.set_at, "set_by": schedule.set_by}


def next_payday(store: "Store", day: date) -> Period | None:
    """The first period whose payday is ``day`` or later (its payday is the next one), or None without a schedule."""
    known = schedules(store)
    period = period_of(known, day)  # its payday is on or after its end, so on or after ``day``
    if period is None:
        return None
    earlier = period_of(known, period.start - timedelta(days=1))
    while earlier is not None and earlier.payday >= day:
        period = earlier
        earlier = period_of(known, period.start - timedelta(days=1))
    return period


def owed_by_period(store: "Store", today: date, owed: dict[str, int]) -> dict[str, list[OwedPart]]:
    """What each person (and the pool) is owed, by the business day it was earned, newest first, each part
    late, due or unscheduled (see the module docstring).  ``owed`` is what each is owed in all (by key)."""
    known = schedules(store)
    left = {key: amount for key, amount in owed.items() if amount > 0}
    parts: dict[str, list[OwedPart]] = {key: [] for key in left}
    first = store.scalar("SELECT min(business_day) FROM journal_entries") if left else None
    earliest = date.fromisoformat(first) if first else None
    end = today
    while left and earliest is not None and end >= earliest:
        start = max(earliest, end - timedelta(days=LOOKBACK_DAYS - 1))
        earned: dict[str, dict[date, int]] = {}
        for day_text, kind, text in store.tuples(
            "SELECT business_day, source_kind, postings FROM journal_entries WHERE business_day BETWEEN ? AND ? "
            "AND source_kind IN ('payment', 'tips', 'refund') AND postings LIKE '%liabilities:tips:%'",
            (start.isoformat(), end.isoformat()),
        ):
            for line in text.split("\n"):
                account, amount_text, _ = line.split(" ")
                if not account.startswith("liabilities:tips:") or account[17:] not in left:
                    continue
                amount = int(amount_text)
                if amount < 0 or kind == "refund":  # credited, or a refund giving a tip of that day back
                    per_day = earned.setdefault(account[17:], {})
                    day = date.fromisoformat(day_text)
                    per_day[day] = per_day.get(day, 0) - amount
        for key, per_day in earned.items():
            for day in sorted(per_day, reverse=True):
                if key not in left or per_day[day] <= 0:
                    continue
                take = min(per_day[day], left[key])
                period = period_of(known, day) or (period_of(known, known[0].starts) if known else None)
                status = Status.UNSCHEDULED if period is None else (
                    Status.LATE if period.payday < today else Status.DUE)
                parts[key].append(OwedPart(day, take, period, status))
                left[key] -= take
                if not left[key]:
                    del left[key]
        end = start - timedelta(days=1)
    return parts


def late_minor(parts: dict[str, list[OwedPart]]) -> int:
    return sum(p.amount_minor for person in parts.values() for p in person if p.status is Status.LATE)


def late_at_close(store: "Store", day: date) -> int:
    """At the close of ``day``: tips still owed from periods whose payday was ``day`` or earlier (to warn of)."""
    if not schedules(store):
        return 0
    return late_minor(owed_by_period(store, day + timedelta(days=1), owed_by_person(store)))


def payroll_range(store: "Store", period_day: date | None, start: date | None, end: date | None,
                  today: date) -> tuple[date, date]:
    """The days a payroll export covers.  With a pay schedule, exactly one pay period: the one holding
    ``period_day``, or the one ``start``..``end`` names (refused unless they are its bounds; ``end`` may be left
    out), or else the last one
    finished before ``today`` (the current one while the first is under way).  Without one, ``start``..``end``
    (default today; ``end`` defaults to ``start``), and ``period_day`` is refused."""
    known = schedules(store)
    if not known:
        if period_day is not None:
            raise InvalidInput("No pay schedule is set, so there are no pay periods: give --from and --to, or set one "
                               "(pos tips payday set weekly --from DATE).")
        if start is None and end is None:  # no period to fall back on: an export of today would mean nothing
            raise InvalidInput(_unscheduled(store, today))
        first = start or today
        last = end or first
        if last < first:
            raise InvalidInput(f"The range ends ({last}) before it starts ({first}): swap --from and --to.")
        return first, last
    if period_day is not None and (start is not None or end is not None):
        raise InvalidInput("Give --period, or --from and --to, not both.")
    if period_day is not None:
        found = period_of(known, period_day)
        if found is None:
            raise InvalidInput(f"{period_day} is before the pay schedule starts ({known[0].starts}): give a later day.")
        return found.start, found.end
    if start is not None or end is not None:
        asked = start or end
        assert asked is not None
        found = period_of(known, asked)
        if found is None or start != found.start or end not in (None, found.end):
            hint = f"the pay period holding {asked} runs {found.start} to {found.end}" if found else \
                f"the pay schedule starts on {known[0].starts}"
            raise InvalidInput(f"A payroll export covers one pay period exactly: {hint}; give --period {asked}.")
        return found.start, found.end
    current = period_of(known, today)
    finished = None if current is None else period_of(known, current.start - timedelta(days=1))
    chosen = finished or current
    if chosen is None:
        raise InvalidInput(f"The pay schedule starts on {known[0].starts}: no pay period has begun yet.")
    return chosen.start, chosen.end


PAYROLL_LOOKBACK_DAYS = 62
"""Without a pay schedule, how far back a payroll export looks for the days it could cover, to offer them."""


def _unscheduled(store: "Store", today: date) -> str:
    """Why a payroll export without a schedule needs its days, and which days hold something: payouts through
    payroll (what the export lists, by the day they were made) and tips still owed (by the day they were earned)."""
    from pos.books import accounts

    since = today - timedelta(days=PAYROLL_LOOKBACK_DAYS)
    paid = [date.fromisoformat(day) for (day,) in store.tuples(
        "SELECT DISTINCT business_day FROM journal_entries WHERE business_day BETWEEN ? AND ? "
        "AND key LIKE 'tips:payout:%' AND postings LIKE ? ORDER BY business_day",
        (since.isoformat(), today.isoformat(), f"%{accounts.PAYROLL_TIPS} %"))]
    owed = {key: amount for key, amount in owed_by_person(store).items() if key != "pool"}
    earned = sorted({part.day for parts in owed_by_period(store, today, owed).values() for part in parts})
    said = "No pay schedule is set, so there is no pay period to export: give its days with --from DAY --to DAY"
    if paid:
        said += (f" (payouts through payroll on {_days(paid)}: --from {paid[0]} --to {paid[-1]})")
    else:
        said += f" (no payout went through payroll since {since})"
    if earned:
        said += (f"; tips still owed were earned on {_days(earned)}: pay them through payroll first "
                 "('pos tips payout NAME --from payroll')")
    return said + "; or set a pay schedule (pos tips payday set weekly --from DATE)."


def _days(days: "list[date]") -> str:
    """``2026-11-21``, ``2026-11-21 and 2026-11-23``, ``2026-11-02, 2026-11-09 and 2026-11-16``, or for more
    ``2026-11-01 to 2026-11-23 (5 days)``."""
    from pos.base.words import listed

    if len(days) > 3:
        return f"{days[0]} to {days[-1]} ({len(days)} days)"
    return listed([day.isoformat() for day in days])
