"""Business days that do not follow the script: an early close, a late one, a reopening, the rollover
minute, a daylight-saving night, orders carried over. Whatever happens, an order's day is the day its
money lands on, so `pos order list --day D` and the Z report of D always agree."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos import ledger
from pos.close import close_day, reopen_day
from pos.drawer import open_drawer
from pos.errors import Conflict, NotAllowed, NotFound
from pos.orders import OrderStatus, add_line, list_orders, locate, new_order, resolve, void_order
from pos.report import day_report
from pos.staff import add_staff, get_staff
from pos.store import Store
from tests.helpers import refused, verified

D = date(2026, 11, 28)
NEXT = date(2026, 11, 29)


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
        from pos import audit
        from pos.staff import start_shift

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
    from pos.catalog import add_item
    from pos.clock import day_bounds

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
        # The 29th is where sales go now: it may be closed early too, but not the 30th.
        refused(till, NotAllowed, "still in progress", close_day, till, NEXT, {})
        from pos.errors import InvalidInput

        refused(till, InvalidInput, "has not begun", close_day, till, date(2026, 11, 30), {})
