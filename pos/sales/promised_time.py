"""The time promised to a customer ("ready 19:30"): read as the cashier types it, checked, and shown.

A promise is typed as a time on the store's clock, ``HH:MM`` on the 24-hour clock (``19:30``,
``7:05``, ``00:30``), or as minutes from now (``+20``: what a cashier says on the phone, "twenty
minutes").  It is kept as an instant (UTC, like every instant in the store).

**Which day.**  A time of day falls on the order's business day, which runs from the store's
rollover (04:00 by default) to the next one: a time at or after the rollover is on the business
day's own date, a time before it on the next morning.  On the business day of 6 December,
``19:30`` is 6 December at 19:30 and ``01:15`` is 7 December at 01:15, the same late evening,
whatever the hour it is typed at (before midnight or after it).  On the nights the clocks
change, a time the clocks skip (``02:30`` when they spring forward) is refused, naming the
night, and a time they show twice (``01:30`` when they fall back) is the first of the two,
unless that one has passed and the second has not.

**A promise that has passed is refused**, not warned about: the cashier is telling the customer
when to come (or when the driver will ring), and a time already gone (at the minute) is a slip of
the finger, ``19:30`` for ``21:30``, that would otherwise print on the receipt and the driver's
ticket for the customer to hold the shop to.  The cashier types it again; a late order gets a new
promise, still to come.  A promise after the order's business day ends (``+300`` at 02:00) is
refused too: the order is booked on its day, and a promise for the next one is a new order's.
Changing the note or anything else of an order whose old promise has passed is never refused: only
a promise being made is checked.

This module reads nothing from the store but the settings it is given: :mod:`pos.sales.order_details`
and :func:`pos.sales.orders.new_order` call it inside their write.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

from pos.base.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.settings_record import StoreSettings

__all__ = ["MAX_MINUTES_AHEAD", "parse_promise", "promise_words", "shown_time"]

MAX_MINUTES_AHEAD = 24 * 60
"""``+N`` minutes from now at most (a business day is at most 25 hours; the day's end decides first)."""

_CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", re.ASCII)
_AHEAD = re.compile(r"\+ ?([0-9]{1,5}) ?(?:m|min|mins|minutes)?", re.ASCII | re.IGNORECASE)
HOW = "give it as HH:MM on the 24-hour clock, like 19:30, or minutes from now, like +20"


def shown_time(instant: datetime, settings: "StoreSettings") -> str:
    """An instant as the store's clock shows it, hours and minutes: ``19:30``."""
    return instant.astimezone(settings.zone).strftime("%H:%M")


def promise_words(channel: str, instant: datetime, settings: "StoreSettings") -> str:
    """How a receipt, a screen and a list say the promise: ``Delivery by 19:30`` (a delivery), else ``Ready at 19:30``."""
    when = shown_time(instant, settings)
    return f"Delivery by {when}" if channel == "delivery" else f"Ready at {when}"


def _local(day: date, at: time, settings: "StoreSettings") -> list[datetime]:
    """The UTC instants the store's clock shows ``at`` on ``day``: none (skipped), one, or two (shown twice)."""
    zone = settings.zone
    naive = datetime.combine(day, at)
    found: list[datetime] = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc)
        if instant.astimezone(zone).replace(tzinfo=None) == naive and instant not in found:
            found.append(instant)
    return sorted(found)


def parse_promise(text: str, day: date, settings: "StoreSettings", now: datetime) -> datetime:
    """The instant (UTC) of a promise typed as ``text`` for an order of business day ``day``, at ``now``.

    :class:`InvalidInput`, saying what to type instead, for anything that is not a time of day or
    minutes from now, a time the clocks skip, a time that has passed and one after the business
    day ends (see the module docstring).
    """
    from pos.store.clock import day_bounds

    typed = (text or "").strip()
    start, end = day_bounds(day, settings)
    minute = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
    ahead = _AHEAD.fullmatch(typed)
    if ahead:
        minutes = int(ahead.group(1))
        if not 1 <= minutes <= MAX_MINUTES_AHEAD:
            raise InvalidInput(f"'{typed}' is not minutes from now: give 1 to {MAX_MINUTES_AHEAD}, like +20.")
        promised = minute + timedelta(minutes=minutes)
        if promised >= end:
            raise InvalidInput(f"'{typed}' is {shown_time(promised, settings)}, after the order's business day "
                               f"({day.isoformat()}) ends at {settings.day_rollover}: promise a time before that.")
        return promised
    clock = _CLOCK.fullmatch(typed)
    if not clock:
        from pos.base.text import shown

        said = shown(typed if len(typed) <= 24 else typed[:20] + "...")  # quoted with its hidden characters escaped
        raise InvalidInput(f"'{said}' is not a time to promise: {HOW}.")
    at = time(int(clock.group(1)), int(clock.group(2)))
    on = day if at >= settings.rollover_time else day + timedelta(days=1)
    said = at.strftime("%H:%M")
    candidates = [instant for instant in _local(on, at, settings) if start <= instant < end]
    if not candidates:
        raise InvalidInput(f"{said} does not exist on the night of {day.isoformat()}: the clocks skip it. "
                           "Promise another time.")
    for instant in candidates:
        if instant >= minute:
            return instant
    later = _local(on + timedelta(days=1), at, settings)
    if later and later[0] >= end and timedelta(0) <= later[0] - minute <= timedelta(hours=12):
        # The next time the clock shows it is soon, and on the next business day (04:10 typed at 03:50).
        raise InvalidInput(f"{said} is after the order's business day ({day.isoformat()}) ends at "
                           f"{settings.day_rollover}: promise a time before that.")
    raise InvalidInput(f"{said} has passed (it is {shown_time(now, settings)} now): promise a time still to come.")
