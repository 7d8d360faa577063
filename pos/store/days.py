"""Which business day is open: closed days, the day new sales go to, and the day an order's money lands on.

The calendar gives the business day an instant falls in (:func:`pos.store.clock.business_day`).
A closed day takes nothing more, so the day that is *open now* is the calendar's day,
moved forward past any closed day: after an early close (``pos day close --force``)
new orders are numbered on the next day, their money is booked there, and
``pos order list --day D`` always agrees with the Z report of D.

An order's money (its sale, its payments, their fees and tips) lands on the order's
own business day while that day is open, even when it is paid after the rollover;
a closed day holds no open order (the close refuses, or carries them forward with
:func:`pos.day.close.close_day`), so an order is never paid on a closed day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple, Protocol

from pos.store.clock import business_day
from pos.store.store import parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def closed_days(store: "Store") -> set[date]:
    """Business days closed now (not reopened): nothing more may be posted to them."""
    cached = store.tx_cache.get("closed_days")
    if cached is None:
        cached = {date.fromisoformat(r[0]) for r in store.conn.execute(
            "SELECT business_day FROM day_closes WHERE reopened_at IS NULL")}
        if store.in_transaction:
            store.tx_cache["closed_days"] = cached
    return cached


def forget_closed_days(store: "Store") -> None:
    """After a close or a reopening: the closed days are read afresh."""
    store.tx_cache.pop("closed_days", None)


def first_open_day(store: "Store", day: date) -> date:
    """``day``, or the first day after it that is not closed."""
    closed = closed_days(store)
    while day in closed:
        day += timedelta(days=1)
    return day


def current_day(store: "Store", now: datetime | None = None) -> date:
    """The business day open now: the calendar's, or after a closed one the next open day."""
    return first_open_day(store, business_day(now or utc_now(), store.settings))


class _OfADay(Protocol):
    """What :func:`money_day` reads of an order (:class:`pos.sales.order_records.Order`): its business day."""

    @property
    def business_day(self) -> date: ...


def money_day(store: "Store", order: _OfADay) -> date | None:
    """The day an order's money is booked on: its own day while open; None (the open day) once it is closed."""
    return None if order.business_day in closed_days(store) else order.business_day


class OrderMove(NamedTuple):
    """An order still open at a close, carried to the next open day with a new number there."""

    order_id: str
    from_day: date
    from_number: int
    to_day: date
    to_number: int

    @property
    def label(self) -> str:
        return f"#{self.from_number} of {self.from_day} is now #{self.to_number} of {self.to_day}"

    def as_dict(self) -> dict[str, object]:
        return {"order_id": self.order_id, "from_day": self.from_day.isoformat(), "from_number": self.from_number,
                "to_day": self.to_day.isoformat(), "to_number": self.to_number}


def moves(store: "Store", *, from_day: date | None = None, to_day: date | None = None) -> list[OrderMove]:
    """Orders carried out of ``from_day``, or into ``to_day``, in the order they moved."""
    column, day = ("from_day", from_day) if from_day is not None else ("to_day", to_day)
    assert day is not None
    return [OrderMove(r[0], date.fromisoformat(r[1]), r[2], date.fromisoformat(r[3]), r[4]) for r in store.tuples(
        f"SELECT order_id, from_day, from_number, to_day, to_number FROM order_moves WHERE {column} = ? ORDER BY id",
        (day.isoformat(),))]


def latest_closed_ahead(store: "Store") -> bool:
    """Whether the latest closed day (not reopened) was closed before it began (:mod:`pos.day.days_ahead`): one
    query, at the start of every command that opens a store for writing."""
    latest = store.one("SELECT business_day, closed_at FROM day_closes WHERE reopened_at IS NULL "
                       "ORDER BY business_day DESC LIMIT 1")
    return latest is not None and date.fromisoformat(latest[0]) > business_day(parse_iso(latest[1]), store.settings)
