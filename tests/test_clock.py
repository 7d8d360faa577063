"""Business days and their rollover, across midnight and daylight-saving changes."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pos.store.clock import business_day, day_bounds, parse_day
from pos.base.errors import InvalidInput
from pos.store.settings_record import StoreSettings


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


def test_a_rollover_inside_the_skipped_hour_puts_each_instant_in_the_day_that_holds_it() -> None:
    # 2026-03-08 in New York: 02:00 EST jumps to 03:00 EDT. A rollover at 02:30 does not exist that night;
    # the day that began at 02:30 EST on the 7th ends at 07:30 UTC (03:30 EDT), so 03:00 EDT is still the 7th's.
    s = settings("02:30")
    start, end = day_bounds(date(2026, 3, 7), s)
    assert end == utc(2026, 3, 8, 7, 30)
    assert business_day(utc(2026, 3, 8, 7, 0), s) == date(2026, 3, 7)  # 03:00 EDT, before the day's end
    assert business_day(utc(2026, 3, 8, 7, 30), s) == date(2026, 3, 8)


def test_a_rollover_inside_the_repeated_hour_follows_its_first_occurrence() -> None:
    # 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST. 01:30 happens twice; the day starts at the first.
    s = settings("01:30")
    start, _ = day_bounds(date(2026, 11, 1), s)
    assert start == utc(2026, 11, 1, 5, 30)  # 01:30 EDT
    assert business_day(utc(2026, 11, 1, 6, 15), s) == date(2026, 11, 1)  # 01:15 EST, after the day began


ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC",
         "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca"]


@hypothesis_settings(max_examples=400, deadline=None)
@given(moment=st.integers(min_value=int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()),
                          max_value=int(datetime(2040, 1, 1, tzinfo=timezone.utc).timestamp())),
       zone=st.sampled_from(ZONES), hour=st.integers(0, 23), minute=st.sampled_from([0, 15, 30, 45]))
def test_every_instant_lies_within_the_bounds_of_its_business_day(moment: int, zone: str, hour: int,
                                                                  minute: int) -> None:
    s = settings(f"{hour:02d}:{minute:02d}", zone)
    instant = datetime.fromtimestamp(moment, timezone.utc)
    day = business_day(instant, s)
    start, end = day_bounds(day, s)
    assert start <= instant < end


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "America/New_York"])
def test_every_day_parse_day_accepts_has_bounds(zone: str) -> None:
    """Days beyond what the calendar code can compute with are refused; every day accepted works."""
    for text, says in (("0001-01-01", "too far in the past"), ("9999-12-31", "too far in the future")):
        with pytest.raises(InvalidInput, match=says):
            parse_day(text)
    for text in ("0002-01-01", "9998-12-31"):
        start, end = day_bounds(parse_day(text), settings(zone=zone))
        assert start < end
