"""Business days and their rollover, across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pos.clock import business_day, day_bounds, parse_day
from pos.errors import InvalidInput
from pos.settings import StoreSettings


def settings(rollover: str = "04:00", zone: str = "America/New_York") -> StoreSettings:
    return StoreSettings(name="T", timezone=zone, day_rollover=rollover)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (utc(2026, 1, 15, 22, 0), date(2026, 1, 15)),  # 17:00 local
        (utc(2026, 1, 16, 7, 30), date(2026, 1, 15)),  # 02:30 local: still yesterday's day
        (utc(2026, 1, 16, 8, 59), date(2026, 1, 15)),  # 03:59 local
        (utc(2026, 1, 16, 9, 0), date(2026, 1, 16)),  # 04:00 local: new day
    ],
)
def test_rollover_at_four(instant: datetime, expected: date) -> None:
    assert business_day(instant, settings()) == expected


def test_rollover_at_midnight() -> None:
    assert business_day(utc(2026, 1, 16, 5, 0), settings("00:00")) == date(2026, 1, 16)


def test_day_bounds_follow_dst() -> None:
    # US clocks spring forward at 02:00 on 2026-03-08, inside the business day
    # that began at 04:00 on 2026-03-07: that day is 23 hours long.
    start, end = day_bounds(date(2026, 3, 7), settings())
    assert start == utc(2026, 3, 7, 9, 0)  # 04:00 EST
    assert end == utc(2026, 3, 8, 8, 0)  # 04:00 EDT
    assert (end - start).total_seconds() == 23 * 3600


def test_parse_day() -> None:
    assert parse_day("2026-11-23") == date(2026, 11, 23)
    with pytest.raises(InvalidInput, match="'23/11/2026'"):
        parse_day("23/11/2026")


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York"])
def test_every_day_parse_day_accepts_has_bounds(zone: str) -> None:
    """Days beyond what the calendar code can compute with are refused; every day accepted works."""
    for text, says in (("0001-01-01", "too far in the past"), ("9999-12-31", "too far in the future")):
        with pytest.raises(InvalidInput, match=says):
            parse_day(text)
    for text in ("0002-01-01", "9998-12-31"):
        start, end = day_bounds(parse_day(text), settings(zone=zone))
        assert start < end
