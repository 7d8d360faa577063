"""Business days: which trading day an instant belongs to.

A pizzeria open until 2 a.m. books the 1:30 a.m. sale on the evening's day.
The store's ``day_rollover`` (default 04:00, local time) is when one business
day ends and the next begins; the business day is named by the calendar date
on which it starts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.settings_record import StoreSettings


def business_day(instant: datetime, settings: "StoreSettings") -> date:
    """The business day that ``instant`` (timezone-aware) falls in.

    Decided by comparing instants with the day's start as :func:`day_bounds` computes it,
    never wall-clock times: on the night the clocks change, a rollover inside the hour
    that is skipped or repeated still puts every instant in exactly the day whose
    bounds hold it.
    """
    zone = settings.zone
    local = instant.astimezone(zone).date()
    start = datetime.combine(local, settings.rollover_time, tzinfo=zone)
    if instant.astimezone(timezone.utc) < start.astimezone(timezone.utc):
        return local - timedelta(days=1)
    return local


def day_bounds(day: date, settings: "StoreSettings") -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a business day, DST-correct."""
    zone = settings.zone
    roll = settings.rollover_time
    start = datetime.combine(day, roll, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), roll, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


FIRST_YEAR, LAST_YEAR = 2, 9998
"""Days outside these years are refused: a business day's bounds reach into the day before and after
(the rollover, time zones), and Python's dates end at years 1 and 9999."""


def parse_day(text: str) -> date:
    """Parse a ``YYYY-MM-DD`` day typed by a user."""
    from pos.base.errors import InvalidInput

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a day: type it as YYYY-MM-DD, like 2026-11-23.") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput(f"{day.isoformat()} is too far in the {'past' if day.year < FIRST_YEAR else 'future'}: "
                           f"give a day from {FIRST_YEAR:04d}-01-01 to {LAST_YEAR}-12-31.")
    return day
