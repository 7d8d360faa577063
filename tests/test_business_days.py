"""Business days that do not follow the script: an early close, a late one, a reopening, the rollover
minute, a daylight-saving night, orders carried over. Whatever happens, an order's day is the day its
money lands on, so `pos order list --day D` and the Z report of D always agree."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payments import service
from pos.books import ledger
from pos.day.close import close_day, reopen_day
from pos.cash.drawer import open_drawer
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.sales.orders import add_line, list_orders, new_order, void_order
from pos.sales.order_records import OrderStatus, locate, resolve
from pos.day.report import day_report
from pos.people.staff import add_staff, get_staff
from pos.store.store import Store
from tests.conftest import snapshot
from tests.helpers import refused, verified

D = date(2026, 11, 28)
NEXT = date(2026, 11, 29)
_STORES = itertools.count()
"""A new store's file name for each example of a property test."""


def ring(store: Store, paid: bool = True):
    order = new_order(store, "counter")
    add_line(store, order.id, "SODA")
    if paid:
        service.pay(store, order.id, "cash")  # exactly $2.71
    return resolve(store, order.id)


def agree(store: Store, day: date) -> int:
    """The day's order list and its Z report tell the same story; returns how many orders were sold."""
    listed = list_orders(store, day)
    report = day_report(store, day)
    sold = [o for o in listed if o.status in (OrderStatus.PAID, OrderStatus.REFUNDED)]
    assert report.orders == len(sold), (day, report.orders, [o.label for o in listed])
    assert report.voids_count == sum(o.status is OrderStatus.VOIDED for o in listed)
    for order in sold:  # each sale is booked on the order's own day
        assert ledger.find_by_key(store, f"order:{order.id}:sale").business_day == day.isoformat()
    numbers = [o.number for o in listed]
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # numbered from 1, no gaps
    verified(store)
    return len(sold)


@pytest.fixture
def till(store: Store) -> Store:
    add_staff(store, "Maria", "manager", "258036")
    with freeze_time("2026-11-28 15:00:00"):  # 10:00 in New York
        open_drawer(store, 1, "100")
    return store


def test_an_early_close_then_more_sales(till: Store) -> None:
    with freeze_time("2026-11-29 01:00:00"):  # 20:00 on the 28th in New York
        for _ in range(3):
            ring(till)
        close_day(till, D, {1: "108.13"}, force=True)
        open_drawer(till, 1, "0")
        late = [ring(till, paid=n < 2) for n in range(3)]
        # Numbered on the next day from 1, and found there by number.
        assert [(o.business_day, o.number) for o in late] == [(NEXT, 1), (NEXT, 2), (NEXT, 3)]
        assert resolve(till, 2).id == late[1].id
        assert [o.number for o in list_orders(till)] == [1, 2, 3]  # the open day's list, not the closed one's
        refused(till, NotFound, "No order #4 on 2026-11-29", resolve, till, 4)
        # Shifts begun and events audited now belong to the day that is open, as the sales do.
        from pos.store import audit
        from pos.people.staff import start_shift

        assert start_shift(till, "Maria").business_day == NEXT
        void_order(till, ring(till, paid=False).id, "rang twice")
        voids = {day: [r for r in audit.records(till, day) if r.event is audit.Event.VOID] for day in (D, NEXT)}
        assert (len(voids[D]), len(voids[NEXT])) == (0, 1)
        assert [o.number for o in list_orders(till)] == [1, 2, 3, 4]
    assert agree(till, D) == 3
    with freeze_time("2026-11-29 18:00:00"):
        service.pay(till, late[2].id, "cash")
    with freeze_time("2026-11-30 10:00:00"):  # after the 29th's rollover
        close_day(till, NEXT, {1: "8.13"})
    assert agree(till, NEXT) == 3
    assert day_report(till, NEXT).carried_in == () and day_report(till, D).carried_out == ()


def test_a_close_two_days_late_keeps_each_order_on_its_own_day(till: Store) -> None:
    with freeze_time("2026-11-28 20:00:00"):
        ring(till)
        waiting = ring(till, paid=False)
    with freeze_time("2026-11-29 20:00:00"):  # the 28th was never closed: its order is paid a day later
        service.pay(till, waiting.id, "cash")
        tomorrow = ring(till)
        assert tomorrow.business_day == NEXT and tomorrow.number == 1
    with freeze_time("2026-11-30 20:00:00"):
        assert ledger.find_by_key(till, f"order:{waiting.id}:sale").business_day == D.isoformat()
        close_day(till, D, {1: "110.84"})
        close_day(till, NEXT, {})
    assert agree(till, D) == 2 and agree(till, NEXT) == 1


def test_a_reopen_then_new_sales(till: Store) -> None:
    maria = get_staff(till, "Maria")
    with freeze_time("2026-11-28 22:00:00"):  # 17:00 in New York
        ring(till)
        close_day(till, D, {1: "102.71"}, force=True)
        open_drawer(till, 1, "0")
        during = ring(till)  # while the 28th is closed: the 29th's
        reopen_day(till, D, maria)
        after = ring(till)  # the 28th is open again: its next number
        assert (during.business_day, during.number) == (NEXT, 1)
        assert (after.business_day, after.number) == (D, 2)
    with freeze_time("2026-11-29 12:00:00"):
        close_day(till, D, {1: "5.42"})
    with freeze_time("2026-11-30 12:00:00"):
        close_day(till, NEXT, {})
    assert agree(till, D) == 2 and agree(till, NEXT) == 1
    closes = till.all("SELECT business_day, reopened_at IS NOT NULL FROM day_closes ORDER BY id")
    assert [tuple(r) for r in closes] == [("2026-11-28", 1), ("2026-11-28", 0), ("2026-11-29", 0)]


def test_a_sale_across_the_rollover_minute_stays_on_the_day_it_was_rung(till: Store) -> None:
    with freeze_time("2026-11-29 08:59:30"):  # 03:59:30 on the 29th in New York: still the 28th's business day
        order = ring(till, paid=False)
        assert order.business_day == D
    with freeze_time("2026-11-29 09:00:30"):  # 04:00:30: the 29th has begun
        service.pay(till, order.id, "cash")
        fresh = ring(till)
        assert (fresh.business_day, fresh.number) == (NEXT, 1)
    assert ledger.find_by_key(till, f"order:{order.id}:sale").business_day == D.isoformat()
    assert agree(till, D) == 1 and agree(till, NEXT) == 1


@pytest.mark.parametrize("rollover", ["04:00", "02:30", "01:30"])
def test_daylight_saving_nights_in_the_stores_zone(make_store, rollover: str) -> None:
    """Spring forward (2:00 becomes 3:00, 2031-03-09) and fall back (2:00 becomes 1:00, 2031-11-02) in New York,
    with the rollover after the change, inside the skipped hour, and inside the repeated one."""
    from pos.store.catalog import add_item
    from pos.store.clock import day_bounds

    store = make_store(f"dst-{rollover.replace(':', '')}.db", day_rollover=rollover)
    add_item(store, "SODA", "Soda 20oz", "2.49")
    with freeze_time("2031-03-08 15:00:00"):
        open_drawer(store, 1, "0")
    rung = []
    for instant in ("2031-03-09 06:45:00", "2031-03-09 07:15:00", "2031-03-09 07:45:00", "2031-03-09 08:15:00",
                    "2031-11-02 05:45:00", "2031-11-02 06:15:00", "2031-11-02 06:45:00", "2031-11-02 07:15:00"):
        with freeze_time(instant):
            order = ring(store)
        start, end = day_bounds(order.business_day, store.settings)
        assert start <= order.created_at < end, (instant, order.business_day)
        rung.append(order)
    days = sorted({o.business_day for o in rung})
    assert sum(agree(store, day) for day in days) == len(rung)


def test_carry_over_moves_open_orders_to_the_next_day_visibly(till: Store, cli_for) -> None:
    with freeze_time("2026-11-28 20:00:00"):
        ring(till)
        left = ring(till, paid=False)
        kept = ring(till, paid=False)
    with freeze_time("2026-11-29 10:00:00"):
        refused(till, NotAllowed, "Orders still open on 2026-11-28: #2, #3", close_day, till, D, {1: "102.71"})
        summary = close_day(till, D, {1: "102.71"}, carry_over=True)
        assert [m.label for m in summary.carried_over] == [
            "#2 of 2026-11-28 is now #1 of 2026-11-29", "#3 of 2026-11-28 is now #2 of 2026-11-29"]
        # The old number finds the order where it went, saying so; the new one finds it too.
        assert locate(till, 2, D) == (resolve(till, left.id), "2026-11-28/2")
        assert locate(till, "2026-11-28/3").order.id == kept.id
        assert resolve(till, 1).id == left.id and resolve(till, 2).id == kept.id
        assert [o.number for o in list_orders(till, D)] == [1]
        open_drawer(till, 1, "0")
        service.pay(till, left.id, "cash")
        void_order(till, kept.id, "customer left")
        assert ring(till).number == 3
    assert agree(till, D) == 1 and agree(till, NEXT) == 2
    z_before, z_after = day_report(till, D), day_report(till, NEXT)
    assert [(m.from_number, m.to_number) for m in z_before.carried_out] == [(2, 1), (3, 2)]
    assert z_after.carried_in == z_before.carried_out
    cli = cli_for(till)
    shown = cli.ok("day", "report", "--day", "2026-11-28").stdout
    assert "Carried over, still open: #2 of 2026-11-28 is now #1 of 2026-11-29" in shown
    data = json.loads(cli.ok("day", "report", "--day", "2026-11-29", "--json").stdout)
    assert [(m["from_number"], m["to_number"]) for m in data["carried_in"]] == [(2, 1), (3, 2)]
    listed = json.loads(cli.ok("order", "list", "--day", "2026-11-29", "--json").stdout)
    assert data["orders"] == sum(o["status"] == "paid" for o in listed) == 2
    # The record of what moved cannot be rewritten.
    with pytest.raises(Exception, match="append-only"):
        till.conn.execute("UPDATE order_moves SET to_number = 9")
    with pytest.raises(Exception, match="append-only"):
        till.conn.execute("DELETE FROM order_moves")


def test_a_close_refuses_while_an_earlier_closed_days_order_is_still_open(till: Store) -> None:
    """A store from before carry-over moved orders: an order left open on a day already closed."""
    with freeze_time("2026-11-28 20:00:00"):
        stuck = ring(till, paid=False)
        till.conn.execute("INSERT INTO day_closes(business_day, closed_at, summary) VALUES ('2026-11-27', "
                          "'2026-11-28T09:00:00Z', '{}')")
        till.conn.execute("UPDATE orders SET business_day = '2026-11-27' WHERE id = ?", (stuck.id,))
        ring(till)
    with freeze_time("2026-11-29 10:00:00"):
        refused(till, NotAllowed, "#1 of 2026-11-27", close_day, till, D, {1: "102.71"})
        summary = close_day(till, D, {1: "102.71"}, carry_over=True)
        assert [m.label for m in summary.carried_over] == ["#1 of 2026-11-27 is now #1 of 2026-11-29"]
        assert list_orders(till, date(2026, 11, 27)) == []


def test_a_day_that_has_not_begun_cannot_be_closed_and_closing_twice_is_refused(till: Store) -> None:
    with freeze_time("2026-11-28 20:00:00"):
        ring(till)
        refused(till, NotAllowed, "still in progress", close_day, till, D, {1: "102.71"})
        close_day(till, D, {1: "102.71"}, force=True)
        refused(till, Conflict, "already closed", close_day, till, D, {})
        # The 29th is where sales go now, but it has not begun: it cannot be closed, forced or not, nor the 30th.
        refused(till, InvalidInput, "2026-11-29 has not begun: it is still 2026-11-28's business day (closed early: "
                "new orders wait on 2026-11-29). It begins at 04:00 on 2026-11-29", close_day, till, NEXT, {}, force=True)
        refused(till, InvalidInput, "has not begun", close_day, till, date(2026, 11, 30), {})


# -- days that have not begun (issue 23, item 1) ---------------------------------------------------------------


def test_an_owner_closing_twice_in_one_night_never_closes_a_day_that_has_not_begun(till: Store, cli_for) -> None:
    """What was seen: at 02:40 on 7 December (business day 6 December), close the 6th early, then close again
    twice without a day: the 7th and the 8th were closed, and sales were numbered on the 9th."""
    cli = cli_for(till)
    with freeze_time("2026-12-07 07:40:00"):  # 02:40 in New York: still the 6th's business day
        cli.ok("day", "close", "--day", "2026-12-06", "--count", "100", "--force")
        cli.fails("day", "close", "--force", says="2026-12-07 has not begun")
        cli.fails("day", "close", "--force", says="2026-12-07 has not begun")
        cli.fails("day", "close", "--day", "2026-12-20", "--force", says="2026-12-20 has not begun")
        order = ring(till, paid=False)
        assert order.business_day == date(2026, 12, 7)  # new orders wait on the next day, as before
    with freeze_time("2026-12-07 09:30:00"):  # 04:30: the 7th has begun; it may be closed early, not the 8th
        refused(till, InvalidInput, "2026-12-08 has not begun", close_day, till, date(2026, 12, 8), {}, force=True)


_HOURS = st.sampled_from([0, 0, 0, 1, 3, 8, 20])
"""How long after the step before: mostly within the same night, sometimes across a rollover."""
_STEP = st.one_of(
    st.tuples(st.just("ring"), _HOURS),  # an order, left open
    st.tuples(st.just("close"), _HOURS, st.sampled_from([0, 0, 1, 1, 2, -1]), st.booleans()),  # near the calendar's
    st.tuples(st.just("reopen"), _HOURS, st.integers(-2, 2)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_minutes=st.integers(0, 24 * 60 - 1), steps=st.lists(_STEP, min_size=1, max_size=12))
@example(start_minutes=7 * 60 + 40, steps=[("close", 0, 0, True), ("close", 0, 1, True), ("close", 0, 2, True),
                                            ("ring", 0)])  # what was seen, at 02:40
def test_no_close_or_reopen_at_any_time_puts_an_order_after_the_calendars_next_day(make_store, start_minutes: int,
                                                                                  steps: list[tuple]) -> None:
    """Property: whatever an owner closes (forced or not, any day near today) and reopens, at whatever times, no
    order is ever on a day after the calendar's next business day."""
    from datetime import datetime, timedelta, timezone

    from pos.store.clock import business_day
    from pos.base.errors import AnytenderError
    from pos.store.store import utc_now

    store = make_store(f"p{next(_STORES)}.db")
    from pos.store.catalog import add_item

    add_item(store, "SODA", "Soda", "2.49")
    maria = add_staff(store, "Maria", "manager", "258036")
    start = datetime(2026, 12, 6, 0, 0, tzinfo=timezone.utc) + timedelta(minutes=start_minutes)
    with freeze_time(start) as clock:
        for step in steps:
            clock.tick(timedelta(hours=step[1], minutes=13))
            today = business_day(utc_now(), store.settings)
            try:
                if step[0] == "ring":
                    order = new_order(store, "counter")
                    add_line(store, order.id, "SODA")
                elif step[0] == "close":
                    close_day(store, today + timedelta(days=step[2]), {}, force=step[3], carry_over=True)
                else:
                    reopen_day(store, today + timedelta(days=step[2]), None, maria)
            except AnytenderError:
                pass  # refused: fine, as long as nothing lands ahead of the calendar
            latest = store.scalar("SELECT max(business_day) FROM orders")
            assert latest is None or date.fromisoformat(latest) <= today + timedelta(days=1), (latest, today)



def _closed_ahead_the_old_way(store: Store) -> Store:
    """A store as the old close left it: at 02:40 on 7 December the 6th was closed early, then the 7th and the 8th
    (which had not begun), and an order rung at 02:45 went to the 9th.  Today's close refuses the 7th and 8th, so
    they are closed when they have ended and their close is dated back to that night, as the old code wrote it."""
    with freeze_time("2026-12-07 07:40:00"):
        close_day(store, date(2026, 12, 6), {1: "100"}, force=True)
    with freeze_time("2026-12-09 10:00:00"):
        for day in (date(2026, 12, 7), date(2026, 12, 8)):
            close_day(store, day, {})
    store.conn.execute("UPDATE day_closes SET closed_at = '2026-12-07T07:41:00.000000Z' "
                       "WHERE business_day IN ('2026-12-07', '2026-12-08')")
    with freeze_time("2026-12-07 07:45:00"):
        ahead = ring(store, paid=False)
    assert ahead.business_day == date(2026, 12, 9)
    return store


def _key_for_the_cli(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands find the closing key the library's closes made (the test store keeps it in the test's folder)."""
    from pos.day import signing

    monkeypatch.setenv("POS_KEY_FILE", str(store.keys.path_for(signing.store_id(store))))


def test_a_store_with_days_closed_before_they_began_is_repaired_when_opened(till: Store, cli_for, monkeypatch) -> None:
    _closed_ahead_the_old_way(till)
    cli = cli_for(till)
    monkeypatch.setenv("POS_KEY_FILE", str(till.path.parent / "elsewhere.ed25519"))
    with freeze_time("2026-12-07 08:00:00"):  # without the store's closing key nothing is reopened: verify says so
        cli.ok("order", "list")
        assert till.scalar("SELECT count(*) FROM day_closes WHERE reopened_at IS NULL") == 3
        said = json.loads(cli.ok("ledger", "verify", "--json").stdout)["notices"]
        assert said[1] == ("2026-12-08 was closed during 2026-12-06's business day, before it began, with nothing on "
                           "it: it is reopened the next time the store is opened with its closing key (or reopen it: "
                           "pos day reopen --day 2026-12-08 --approve NAME).")
    _key_for_the_cli(till, monkeypatch)
    with freeze_time("2026-12-07 08:00:00"):  # 03:00 on the 7th: still the 6th's business day
        shown = cli.ok("ledger", "verify").stdout  # opening the store repairs it; verify names what it could not
        assert "OK:" in shown
        assert ("NOTE: 2026-12-09 holds 1 order (#1) rung during 2026-12-06's business day, before 2026-12-09 began: "
                "they stay on 2026-12-09's books.") in shown
        closed = {r[0] for r in till.conn.execute("SELECT business_day FROM day_closes WHERE reopened_at IS NULL")}
        assert closed == {"2026-12-06"}  # the 7th and the 8th, with nothing on them, are open again
        trail = [r for r in json.loads(cli.ok("audit", "--json").stdout) if r["event"] == "day reopened"]
        assert [r["detail"]["target"] for r in trail] == ["2026-12-08", "2026-12-07"]
        assert all("before it began, with nothing on it" in r["detail"]["reason"] for r in trail)
        assert ring(till, paid=False).business_day == date(2026, 12, 7)  # new orders wait on the next day again
        verified(till)
        assert cli.ok("ledger", "verify", "--full").exit_code == 0  # the reopenings' closings are signed and chained
        again = snapshot(till.path)
        cli.ok("order", "list")
        assert snapshot(till.path) == again  # repaired once: opening again writes nothing


def test_a_day_closed_before_it_began_that_holds_orders_is_reported_not_reopened(till: Store, cli_for,
                                                                                  monkeypatch) -> None:
    cli = cli_for(till)
    _key_for_the_cli(till, monkeypatch)
    with freeze_time("2026-12-07 07:40:00"):
        close_day(till, date(2026, 12, 6), {1: "100"}, force=True)
        open_drawer(till, 1, "100")
        late = ring(till)  # waits on the 7th, as it should; paid cash
    with freeze_time("2026-12-08 10:00:00"):
        close_day(till, date(2026, 12, 7), {1: "102.71"})
    till.conn.execute("UPDATE day_closes SET closed_at = '2026-12-07T07:50:00.000000Z' WHERE business_day = '2026-12-07'")
    with freeze_time("2026-12-07 08:00:00"):
        data = json.loads(cli.ok("ledger", "verify", "--json").stdout)
    assert data["ok"] is True
    assert data["notices"] == [
        "2026-12-07 was closed during 2026-12-06's business day, before it began, and holds 1 order and 4 journal entries: "
        "they stay on "
        "its books. Reopen it (pos day reopen --day 2026-12-07 --approve NAME) so that its own sales land on it, and "
        "close it again once it has ended."]
    assert late.business_day == date(2026, 12, 7)
    assert {r[0] for r in till.conn.execute("SELECT business_day FROM day_closes WHERE reopened_at IS NULL")} == {
        "2026-12-06", "2026-12-07"}
