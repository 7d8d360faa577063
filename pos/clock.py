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
    from pos.settings import StoreSettings


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


def parse_day(text: str) -> date:
    """Parse a ``YYYY-MM-DD`` day typed by a user."""
    from pos.errors import InvalidInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a day: type it as YYYY-MM-DD, like 2026-11-23.") from None
