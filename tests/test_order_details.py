"""An order's note and the time promised to the customer (issue 23, item 5): set, checked, audited and shown.

``pos order new|set --note TEXT --ready 19:30`` (and ``--pays-with`` for deliveries), the register's
``note`` and ``ready``; shown by ``order show``, ``order list``, the receipts and the register's screen.
A promised time is a time of the store's clock on the order's business day (01:15 is the night after
the day's date, before the 04:00 rollover), or minutes from now; one that has passed is refused.

The ``store`` fixture is in New York, USD at 8.875%, with PIZZA-M at 12.50 and SODA at 2.49.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Cli
from pos.store import audit
from pos.base.errors import AnytenderError, InvalidInput
from pos.sales.order_details import set_details
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import resolve
from pos.sales.promised_time import parse_promise
from pos.store.store import Store
from tests.helpers import refused

EVENING = "2026-12-06 23:00:00"  # 18:00 in New York, business day 2026-12-06
AFTER_MIDNIGHT = "2026-12-07 05:40:00"  # 00:40 on 7 December: still the business day of the 6th
BEFORE_ROLLOVER = "2026-12-07 08:50:00"  # 03:50: ten minutes before the 04:00 rollover


def js(result: Any) -> Any:
    return json.loads(result.stdout)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# -- the replay: a phone order with a note and a promised time, shown everywhere --------------------


@freeze_time(EVENING)
def test_a_phone_order_keeps_its_note_and_promised_time_and_shows_them(cli: Cli) -> None:
    made = js(cli.ok("order", "new", "--channel", "phone", "--name", "Sam", "--note", "no onions, extra basil",
                     "--ready", "19:30", "--json"))
    assert (made["note"], made["promised_time"]) == ("no onions, extra basil", "19:30")
    assert made["promised_at"] == "2026-12-07T00:30:00+00:00"  # 19:30 in New York is 00:30 UTC
    cli.ok("order", "add", "1", "PIZZA-M")
    shown = cli.ok("order", "show", "1").stdout
    assert "Note: no onions, extra basil" in shown and "Ready at 19:30" in shown
    listed = cli.ok("order", "list").stdout
    assert "Ready" in listed and "19:30" in listed and "no onions" in listed
    cli.ok("drawer", "open", "--float", "100")
    cli.ok("pay", "1", "cash", "20")
    receipt = cli.ok("receipt", "1").stdout
    assert "Customer: Sam" in receipt and "Ready at 19:30" in receipt and "Note: no onions, extra basil" in receipt


@freeze_time(EVENING)
def test_a_list_without_notes_or_promises_has_no_such_columns_and_sorts_by_promise_when_asked(cli: Cli) -> None:
    cli.ok("order", "new")
    assert "Ready" not in cli.ok("order", "list").stdout and "Note" not in cli.ok("order", "list").stdout
    cli.ok("order", "new", "--channel", "phone", "--ready", "21:00")
    cli.ok("order", "new", "--channel", "delivery", "--address", "4 Elm Street", "--ready", "19:15")
    assert [o["number"] for o in js(cli.ok("order", "list", "--by-ready", "--json"))] == [3, 2, 1]
    assert [o["number"] for o in js(cli.ok("order", "list", "--json"))] == [1, 2, 3]
    deliveries = cli.ok("order", "list", "--channel", "delivery").stdout
    assert "Ready" in deliveries and "19:15" in deliveries


# -- which day a time falls on -------------------------------------------------------------------


@pytest.mark.parametrize("now", [EVENING, AFTER_MIDNIGHT])
def test_a_time_before_the_rollover_is_the_night_after_the_days_date(store: Store, now: str) -> None:
    with freeze_time(now):
        order = new_order(store, "delivery", address="4 Elm Street", ready="01:15")
    assert order.business_day == date(2026, 12, 6)
    assert order.promised_at == utc("2026-12-07 06:15:00")  # 01:15 EST on 7 December
    with freeze_time(now):
        assert set_details(store, order.id, ready="03:59").promised_at == utc("2026-12-07 08:59:00")  # its last minute
        if now == EVENING:  # the 6th at 23:45, before midnight (after it, 23:45 has passed)
            assert set_details(store, order.id, ready="23:45").promised_at == utc("2026-12-07 04:45:00")


def test_the_rollover_minute_starts_the_day_and_the_minute_before_ends_it(store: Store) -> None:
    s = store.settings
    day = date(2026, 12, 6)
    early = utc("2026-12-06 12:00:00")  # 07:00 on the 6th
    assert parse_promise("04:00", day, s, utc("2026-12-06 09:00:00")) == utc("2026-12-06 09:00:00")
    assert parse_promise("03:59", day, s, early) == utc("2026-12-07 08:59:00")
    assert parse_promise("7:05", day, s, early) == utc("2026-12-06 12:05:00")


@freeze_time(BEFORE_ROLLOVER)
def test_a_promise_after_the_business_day_ends_is_refused(store: Store) -> None:
    order = new_order(store, "phone")
    refused(store, InvalidInput, "after the order's business day (2026-12-06) ends at 04:00", set_details, store,
            order.id, ready="04:10")
    refused(store, InvalidInput, "after the order's business day (2026-12-06) ends at 04:00", set_details, store,
            order.id, ready="+30")
    assert set_details(store, order.id, ready="+5").promised_at == utc("2026-12-07 08:55:00")


@freeze_time(EVENING)
def test_a_promise_that_has_passed_is_refused_and_nothing_is_written(store: Store, cli: Cli) -> None:
    order = new_order(store, "phone")
    refused(store, InvalidInput, "17:30 has passed (it is 18:00 now)", set_details, store, order.id, ready="17:30")
    refused(store, InvalidInput, "12:00 has passed", set_details, store, order.id, ready="12:00")
    # The next 05:00 is tomorrow's, eleven hours away: that is what was meant, and it is another business day.
    refused(store, InvalidInput, "05:00 is after the order's business day (2026-12-06) ends at 04:00", set_details,
            store, order.id, ready="05:00")
    cli.fails("order", "new", "--channel", "phone", "--ready", "17:59", says="17:59 has passed")
    assert set_details(store, order.id, ready="18:00").promised_at == utc("2026-12-06 23:00:00")  # this minute


def test_minutes_from_now(store: Store) -> None:
    with freeze_time("2026-12-06 23:00:42"):
        order = new_order(store, "counter", ready="+20")
    assert order.promised_at == utc("2026-12-06 23:20:00")
    with freeze_time("2026-12-06 23:00:42"):
        assert set_details(store, order.id, ready="+45 min").promised_at == utc("2026-12-06 23:45:00")


# -- the nights the clocks change (New York, 2031: spring forward 9 March, fall back 2 November) ----


def test_a_time_the_clocks_skip_is_refused(store: Store) -> None:
    with freeze_time("2031-03-09 06:30:00"):  # 01:30 EST on the night of the 8th
        order = new_order(store, "delivery", address="4 Elm Street")
        assert order.business_day == date(2031, 3, 8)
        refused(store, InvalidInput, "02:30 does not exist on the night of 2031-03-08", set_details, store, order.id,
                ready="02:30")
        assert set_details(store, order.id, ready="03:10").promised_at == utc("2031-03-09 07:10:00")  # 03:10 EDT
        assert set_details(store, order.id, ready="01:45").promised_at == utc("2031-03-09 06:45:00")  # still EST
    with freeze_time("2031-03-09 06:50:00"):  # 01:50 EST: twenty minutes later is 03:10 EDT
        shown = resolve(store, set_details(store, order.id, ready="+20").id)
    assert shown.promised_at == utc("2031-03-09 07:10:00")
    from pos.sales.order_details import promise_of

    assert promise_of(store, shown).time == "03:10"


def test_a_time_the_clocks_show_twice_is_the_first_unless_it_has_passed(store: Store) -> None:
    with freeze_time("2031-11-02 04:50:00"):  # 00:50 EDT, business day 2031-11-01
        order = new_order(store, "phone", ready="01:30")
    assert order.promised_at == utc("2031-11-02 05:30:00")  # the first 01:30, EDT
    with freeze_time("2031-11-02 05:40:00"):  # 01:40 EDT: the first 01:30 has passed, the second has not
        assert set_details(store, order.id, ready="01:30").promised_at == utc("2031-11-02 06:30:00")  # EST
    with freeze_time("2031-11-02 06:40:00"):  # 01:40 EST: both have passed
        refused(store, InvalidInput, "01:30 has passed", set_details, store, order.id, ready="01:30")


@settings(max_examples=150, deadline=None)
@given(day=st.dates(date(2026, 1, 1), date(2032, 12, 31)), minute_of_day=st.integers(0, 25 * 60 - 1),
       hour=st.integers(0, 23), minute=st.integers(0, 59), rollover=st.sampled_from(["04:00", "00:00", "05:30"]))
def test_a_promise_is_within_its_business_day_still_to_come_and_reads_as_typed(
        day: date, minute_of_day: int, hour: int, minute: int, rollover: str) -> None:
    from pos.store.clock import business_day, day_bounds
    from pos.sales.promised_time import shown_time
    from pos.store.settings_record import StoreSettings

    s = StoreSettings("Test", timezone="America/New_York", day_rollover=rollover)
    start, end = day_bounds(day, s)
    now = start + timedelta(minutes=minute_of_day)
    if now >= end:
        return
    typed = f"{hour:02d}:{minute:02d}"
    try:
        promised = parse_promise(typed, day, s, now)
    except InvalidInput as exc:
        assert "has passed" in exc.message or "does not exist" in exc.message or "after the order's" in exc.message
        return
    assert start <= promised < end and business_day(promised, s) == day
    assert promised >= now.replace(second=0, microsecond=0)
    assert shown_time(promised, s) == typed


@settings(max_examples=200, deadline=None)
@given(typed=st.one_of(st.text(max_size=12), st.from_regex(r"\+?[0-9]{1,5}(:[0-9]{1,3})?", fullmatch=True)))
def test_any_text_is_a_promise_within_the_day_or_one_line_refusing_it(typed: str) -> None:
    from pos.store.clock import day_bounds
    from pos.store.settings_record import StoreSettings
    from pos.base.text import first_hidden

    s = StoreSettings("Test", timezone="America/New_York")
    day, now = date(2026, 12, 6), utc("2026-12-06 23:00:00")
    try:
        promised = parse_promise(typed, day, s, now)
    except InvalidInput as exc:
        assert "\n" not in exc.message and first_hidden(exc.message) is None
        return
    start, end = day_bounds(day, s)
    assert max(start, now) <= promised < end


# -- changing and taking off, audited -----------------------------------------------------------


@freeze_time(EVENING)
def test_changes_are_audited_with_before_and_after_and_an_empty_value_takes_a_detail_off(cli: Cli,
                                                                                         store: Store) -> None:
    cli.ok("order", "new", "--channel", "delivery", "--address", "4 Elm Street")
    cli.ok("order", "set", "1", "--note", "ring twice", "--ready", "19:30", "--pays-with", "50")
    cli.ok("order", "set", "1", "--ready", "20:00")
    out = cli.ok("order", "set", "1", "--note", "", "--ready", "", "--pays-with", "").stdout
    assert out == "Order #1 updated.\n"
    order = resolve(store, 1)
    assert (order.note, order.promised_at, order.pays_with_minor) == (None, None, None)
    changes = [(r.detail["before"], r.detail["after"]) for r in audit.records(store)
               if r.event is audit.Event.ORDER_CHANGED]
    assert changes == [
        ({"note": None, "promised_at": None, "pays_with_minor": None},
         {"note": "ring twice", "promised_at": "2026-12-06 19:30 EST", "pays_with_minor": 5000}),
        ({"promised_at": "2026-12-06 19:30 EST"}, {"promised_at": "2026-12-06 20:00 EST"}),
        ({"note": "ring twice", "promised_at": "2026-12-06 20:00 EST", "pays_with_minor": 5000},
         {"note": None, "promised_at": None, "pays_with_minor": None}),
    ]
    before = len(audit.records(store))
    cli.ok("order", "set", "1", "--note", "")  # nothing changes: nothing to record
    assert len(audit.records(store)) == before


@freeze_time(EVENING)
def test_a_paid_order_may_get_a_new_promise_and_note_but_not_new_customer_details(store: Store, cli: Cli) -> None:
    from pos.cash.drawer import open_drawer
    from payments import service

    open_drawer(store, 1, "100")
    order = new_order(store, "phone", customer_name="Sam", ready="19:00")
    add_line(store, order.id, "PIZZA-M")
    service.pay(store, order.id, "cash", "20")
    cli.ok("order", "set", "1", "--ready", "19:20", "--note", "kitchen running late")  # paid by phone, not picked up
    cli.fails("order", "set", "1", "--name", "Sue", says="already paid")
    voided = new_order(store, "phone")
    cli.ok("order", "void", "2", "--reason", "called back")
    cli.fails("order", "set", str(voided.number), "--note", "x", says="was voided")


# -- refused input writes nothing ------------------------------------------------------------------


@freeze_time(EVENING)
@pytest.mark.parametrize(("argv", "says"), [
    (["--ready", "25:00"], "is not a time to promise: give it as HH:MM"),
    (["--ready", "7pm"], "is not a time to promise"),
    (["--ready", "19:3"], "is not a time to promise"),
    (["--ready", "１９:３０"], "is not a time to promise"),
    (["--ready", "+0"], "not minutes from now"),
    (["--ready", "+99999"], "not minutes from now"),
    (["--ready", "19:30\u202e"], "is not a time to promise"),
    (["--note", "no onions\x1b[2J"], "The order note holds an invisible or control character (U+001B)"),
    (["--note", "x" * 201], "The order note is longer than 200 characters"),
    (["--pays-with", "-5"], "negative"),
    (["--pays-with", "abc"], "is not an amount"),
    (["--pays-with", "0"], "zero"),
])
def test_bad_details_are_refused_in_one_line_and_nothing_is_written(cli: Cli, argv: list[str], says: str) -> None:
    cli.ok("order", "new", "--channel", "delivery", "--address", "4 Elm Street")
    cli.fails("order", "set", "1", *argv, says=says)
    cli.fails("order", "new", "--channel", "delivery", "--address", "4 Elm Street", *argv, says=says)
    cli.fails("order", "set", "1", *argv, "--json", says=says)


@freeze_time(EVENING)
def test_details_that_do_not_fit_the_channel_or_the_order_are_refused(cli: Cli) -> None:
    cli.fails("order", "new", "--channel", "kiosk", "--ready", "19:00", says="A kiosk order is promised no time")
    cli.fails("order", "new", "--pays-with", "50", says="Only a delivery's driver brings change")
    cli.ok("order", "new", "--channel", "delivery", "--address", "4 Elm Street")
    cli.ok("order", "add", "1", "PIZZA-M")  # $13.61
    cli.fails("order", "set", "1", "--pays-with", "10", says="The customer's $10.00 does not cover the $13.61 due")
    cli.fails("order", "set", "1", says="Nothing to change")
    cli.fails("order", "set", "9", "--note", "x", says="No order #9")


# -- the register ---------------------------------------------------------------------------------


@freeze_time(EVENING)
def test_the_register_sets_the_note_and_the_promise_and_shows_them_under_the_order(store: Store) -> None:
    from pos.people.staff import add_staff, start_shift
    from screens.register import Session

    alice = add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    till = Session(store, alice, 1)
    till.handle("PIZZA-M")
    assert till.handle("note no onions") == ["Note: no onions."]
    assert till.handle("ready 19:30") == ["Ready at 19:30."]
    assert till.screen()[:3] == ["Order #1", "  Note: no onions | Ready at 19:30",
                                 "  1. 1 x Margherita 12in                    $12.50"]
    assert till.handle("ready 17:00") == ["17:00 has passed (it is 18:00 now): promise a time still to come."]
    assert till.handle("ready 7pm")[0].startswith("'7pm' is not a time to promise")
    assert till.handle("note a\u202eb")[0].startswith("The order note holds an invisible or control character")
    assert till.handle("ready -") == ["Promised time taken off."]
    assert till.handle("note -") == ["Note taken off."]
    assert till.screen()[1] == "  1. 1 x Margherita 12in                    $12.50"  # nothing under the number
    # The same library function as 'pos order set': audited alike, with the cashier as who did it.
    changes = [r for r in audit.records(store) if r.event is audit.Event.ORDER_CHANGED]
    assert len(changes) == 4 and {r.staff for r in changes} == {"Alice"}


def test_a_promise_can_never_be_made_for_the_past_whatever_the_clock_says(store: Store) -> None:
    """The library refuses it too, not only the commands: a screen and a command call the same function."""
    with freeze_time(EVENING):
        order = new_order(store, "phone", ready="19:00")
    with freeze_time("2026-12-07 00:30:00"):  # 19:30: the promise of 19:00 has passed, and stays as it was
        with pytest.raises(AnytenderError, match="has passed"):
            set_details(store, order.id, ready="19:00")
        assert set_details(store, order.id, note="running late").promised_at == order.promised_at
