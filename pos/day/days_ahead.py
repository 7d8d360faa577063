"""Days closed before they began: found, reopened when nothing is on them, reported when something is.

Before a close was held to the calendar (:func:`pos.day.close.close_day` now refuses a day that has not
begun), an owner closing twice in one night could close the next days too: at 02:40 on the 7th (the
6th's business day) ``pos day close --force`` closed the 7th, then the 8th, and new orders were
numbered on the 9th.  A store left in that state is repaired when it is opened
(:func:`reopen_empty_days_ahead`): each day closed before it began, with nothing on it (no order and
no journal entry), is reopened, latest first, with a signed closing and an audit event that says
why, so sales land on their own days again.  A day closed ahead that holds orders or entries is
left as it is, and :func:`days_closed_ahead` tells ``pos ledger verify`` what to say about it; so does
:func:`orders_rung_ahead` of the orders such a close sent days ahead.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from pos.store.clock import business_day
from pos.store.days import latest_closed_ahead
from pos.base.errors import AnytenderError
from pos.base.words import counted

if TYPE_CHECKING:  # pragma: no cover
    from pos.base.secret_files import KeyLocation
    from pos.store.store import Store


class ClosedAhead(NamedTuple):
    """A day closed at a moment that belonged to an earlier business day."""

    day: date
    closed_on: date
    """The business day the close was made in."""
    closed_at: str
    close_id: int
    orders: int
    entries: int
    latest: bool
    """Whether it is the latest day closed (only that one can be reopened)."""

    @property
    def empty(self) -> bool:
        return not self.orders and not self.entries

    def advice(self) -> str:
        """What was wrong, and what the owner can do about it, in one line."""
        held = " and ".join(counted(n, what) for n, what in ((self.orders, "order"), (self.entries, "journal entry"))
                            if n)
        said = f"{self.day} was closed during {self.closed_on}'s business day, before it began"
        if not self.latest:
            return (f"{said}{', and holds ' + held + ': they stay on its books' if held else ', with nothing on it'}; "
                    f"a later day is closed, so it cannot be reopened. Keep this note with the Z reports of "
                    f"{self.closed_on} and {self.day}: together they hold those days' sales.")
        if self.empty:
            return (f"{said}, with nothing on it: it is reopened the next time the store is opened with its closing "
                    f"key (or reopen it: pos day reopen --day {self.day} --approve NAME).")
        return (f"{said}, and holds {held}: they stay on its books. Reopen it "
                f"(pos day reopen --day {self.day} --approve NAME) so that its own sales land on it, and close it "
                "again once it has ended.")


def days_closed_ahead(store: "Store") -> list[ClosedAhead]:
    """Every day still closed that was closed before it began, oldest first, with what is on it."""
    from pos.store.store import parse_iso

    found: list[ClosedAhead] = []
    closes = list(store.tuples("SELECT id, business_day, closed_at FROM day_closes WHERE reopened_at IS NULL "
                               "ORDER BY business_day"))
    for close_id, day_text, closed_at in closes:
        day, closed_on = date.fromisoformat(day_text), business_day(parse_iso(closed_at), store.settings)
        if day > closed_on:
            orders = store.scalar("SELECT count(*) FROM orders WHERE business_day = ?", (day_text,))
            entries = store.scalar("SELECT count(*) FROM journal_entries WHERE business_day = ?", (day_text,))
            found.append(ClosedAhead(day, closed_on, closed_at, close_id, int(orders), int(entries),
                                     day_text == closes[-1][1]))
    return found


class RungAhead(NamedTuple):
    """Orders on a day more than one day after the business day they were rung in: only a day closed before it
    began sends them there (after an early close, new orders wait on the next day, never later)."""

    day: date
    rung_on: date
    numbers: tuple[int, ...]

    def advice(self) -> str:
        listed = ", ".join(f"#{n}" for n in self.numbers)
        return (f"{self.day} holds {counted(len(self.numbers), 'order')} ({listed}) rung during {self.rung_on}'s "
                f"business day, before {self.day} began: they stay on {self.day}'s books. Keep this note with the Z "
                f"reports of {self.rung_on} and {self.day}.")


def orders_rung_ahead(store: "Store", *, after: date | None = None) -> list[RungAhead]:
    """Orders (never carried over) on a day more than one after the day they were rung in, by day; only those on
    days after ``after`` (None: every day)."""
    from datetime import timedelta

    from pos.store.store import parse_iso

    found: dict[tuple[date, date], list[int]] = {}
    for day_text, number, created_at in store.tuples(
            "SELECT business_day, number, created_at FROM orders WHERE business_day > ? "
            "AND id NOT IN (SELECT order_id FROM order_moves) ORDER BY business_day, number",
            ((after.isoformat() if after else ""),)):
        day, rung_on = date.fromisoformat(day_text), business_day(parse_iso(created_at), store.settings)
        if day > rung_on + timedelta(days=1):
            found.setdefault((day, rung_on), []).append(int(number))
    return [RungAhead(day, rung_on, tuple(numbers)) for (day, rung_on), numbers in found.items()]


def reopen_empty_days_ahead(store: "Store", keys: "KeyLocation | None") -> list[date]:
    """Reopen, latest first, the days closed before they began that hold nothing, while each is the latest
    closed day (a day is never reopened under a later closed one): each with a signed reopening closing and an
    audit event.  Returns the days reopened; nothing when the store cannot be written or its closing key cannot
    be had (``pos ledger verify`` then names them).  Costs one query when there is nothing to repair."""
    if store.read_only is not None or not latest_closed_ahead(store):
        return []
    try:
        return _reopen_while_empty(store, keys)
    except AnytenderError:  # no key, a key that is not the store's, a disk that refuses: verify reports the days
        return []


def _reopen_while_empty(store: "Store", keys: "KeyLocation | None") -> list[date]:
    from pos.store import audit
    from pos.day.closings import write_closing
    from pos.store.days import forget_closed_days
    from pos.store.store import iso, utc_now

    reopened: list[date] = []
    with store.write() as conn:
        for ahead in reversed(days_closed_ahead(store)):  # under the lock: another register may have done it
            last = store.scalar("SELECT max(business_day) FROM day_closes WHERE reopened_at IS NULL")
            if not ahead.empty or ahead.day.isoformat() != last:
                break
            write_closing(store, "reopen", ahead.day, ahead.close_id, None, keys)
            conn.execute("UPDATE day_closes SET reopened_at = ? WHERE id = ?", (iso(utc_now()), ahead.close_id))
            forget_closed_days(store)
            audit.changed(store, audit.Event.DAY_REOPENED, ahead.day.isoformat(), {"closed": True}, {"closed": False},
                          business_day=ahead.day, by="Anytender",
                          reason=f"closed at {ahead.closed_at}, during {ahead.closed_on}'s business day, before it "
                                 "began, with nothing on it")
            reopened.append(ahead.day)
    return reopened
