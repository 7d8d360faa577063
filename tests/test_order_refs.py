"""An order named by its number on any day: ``N`` (the open day's), ``D/N`` or ``--day D`` (another day's).

What was seen (issue 23, item 3): after a close, ``pos receipt 1``, ``pos refund 1`` and ``pos order show 9``
looked only at the day open now, ``order show`` had no ``--day``, and the order's id was printed on no receipt
and no list: a customer bringing back yesterday's soda could not be refunded at the counter.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos.day.close import close_day
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import resolve
from pos.store.store import Store
from tests.conftest import Cli

SAT = date(2026, 12, 5)
SUN = date(2026, 12, 6)
EVENING = "2026-12-06 00:30:00"  # 19:30 on Saturday 5 December in New York
MORNING = "2026-12-06 15:00:00"  # 10:00 on Sunday 6 December


@pytest.fixture
def yesterday(store: Store) -> Store:
    """Nine sodas sold on Saturday (orders 1 to 9, $2.71 each, cash), the day closed on Sunday morning, drawer 1
    opened again on Sunday."""
    with freeze_time("2026-12-05 15:00:00"):
        open_drawer(store, 1, "100")
    with freeze_time(EVENING):
        for _ in range(9):
            order = new_order(store, "counter")
            add_line(store, order.id, "SODA")
            service.pay(store, order.id, "cash")
    with freeze_time(MORNING):
        close_day(store, SAT, {1: "124.39"})
        open_drawer(store, 1, "100")
    return store


def test_what_was_seen_a_past_order_is_reached_by_its_day_and_number(yesterday: Store, cli: Cli) -> None:
    with freeze_time(MORNING):
        # N alone is the open day's order: Sunday has none yet, and says where to look.
        cli.fails("receipt", "1", says="No order #1 on 2026-12-06")
        # D/N and --day reach Saturday's.
        receipt = cli.ok("receipt", "2026-12-05/1").stdout
        assert "Order 2026-12-05/1" in receipt and "Soda 20oz" in receipt
        assert cli.ok("receipt", "1", "--day", "2026-12-05").stdout == receipt
        shown = cli.ok("order", "show", "2026-12-05/9").stdout
        assert "Order 2026-12-05/9" in shown and "paid" in shown
        assert cli.ok("order", "show", "9", "--day", "2026-12-05").stdout == shown
        # The soda comes back at the counter, and the refund is booked on Sunday, said so.
        out = cli.ok("refund", "2026-12-05/1", "--line", "1").stdout
        assert "Refunded $2.71 on 2026-12-05/1" in out
        assert "Booked on 2026-12-06, the business day open now, not on the sale's day 2026-12-05 (closed)." in out
    sale = resolve(yesterday, "2026-12-05/1")
    assert sale.status.value == "refunded" and sale.business_day == SAT


def test_a_refund_of_the_days_own_sale_says_nothing_more_and_json_names_both_days(yesterday: Store, cli: Cli) -> None:
    with freeze_time(MORNING):
        order = new_order(yesterday, "counter")
        add_line(yesterday, order.id, "SODA")
        service.pay(yesterday, order.id, "cash")
        out = cli.ok("refund", "1", "--line", "1").stdout
        assert out == "Refunded $2.71 on #1 for 1 x Soda 20oz ($2.71) (cash $2.71): fully refunded.\n"
        data = json.loads(cli.ok("refund", "2", "--day", "2026-12-05", "--amount", "1.00", "--reason", "flat",
                                 "--json").stdout)
    assert (data["order_ref"], data["sale_day"], data["booked_day"]) == ("2026-12-05/2", "2026-12-05", "2026-12-06")
    assert data["booked_note"] == ("Booked on 2026-12-06, the business day open now, not on the sale's day "
                                   "2026-12-05 (closed).")
    from pos.books import ledger

    (entry,) = [e for e in ledger.iter_entries(yesterday, source_id=resolve(yesterday, "2026-12-05/2").id)
                if e.key.startswith("refund:")]
    assert entry.business_day == "2026-12-06"  # the closed day's books are untouched


def test_a_refund_of_an_earlier_day_still_open_is_booked_today_and_says_so(store: Store, cli: Cli) -> None:
    """Saturday is not closed yet: the refund still lands on Sunday, the calendar's day, and says so (not closed)."""
    with freeze_time("2026-12-05 15:00:00"):
        open_drawer(store, 1, "100")
    with freeze_time(EVENING):
        order = new_order(store, "counter")
        add_line(store, order.id, "SODA")
        service.pay(store, order.id, "cash")
    with freeze_time(MORNING):
        out = cli.ok("refund", "2026-12-05/1", "--line", "1").stdout
    assert out.splitlines()[-1] == ("Booked on 2026-12-06, the business day open now, not on the sale's day "
                                    "2026-12-05.")


def test_every_command_that_names_an_order_takes_its_day(yesterday: Store, cli: Cli) -> None:
    from pos.people.staff import add_staff, start_shift

    with freeze_time(MORNING):
        add_staff(yesterday, "Dave", "driver", "1470")
        add_staff(yesterday, "Maria", "manager", "258036")
        start_shift(yesterday, "Dave")
        cli.ok("order", "new", "--channel", "delivery", "--address", "4 Elm Street")
        cli.ok("order", "add", "2026-12-06/1", "SODA", "--qty", "2")
        cli.ok("order", "add", "1", "PIZZA-M", "--day", "2026-12-06")
        cli.ok("order", "remove", "2026-12-06/1", "2")
        cli.ok("order", "discount", "1", "10%", "--reason", "regular", "--day", "2026-12-06")
        cli.ok("order", "undiscount", "2026-12-06/1")
        cli.ok("order", "set", "2026-12-06/1", "--name", "Sam")
        assert "Sam" in cli.ok("order", "show", "2026-12-06/1").stdout
        cli.ok("delivery", "dispatch", "2026-12-06/1", "--driver", "Dave")
        cli.ok("delivery", "fail", "1", "--day", "2026-12-06", "--reason", "nobody home")
        cli.ok("delivery", "dispatch", "1", "--day", "2026-12-06", "--driver", "Dave")
        cli.ok("delivery", "collect", "2026-12-06/1", "10")
        listed = json.loads(cli.ok("payments", "list", "2026-12-05/3", "--json").stdout)
        assert [p["tender"] for p in listed["payments"]] == ["cash"]
        assert json.loads(cli.ok("payments", "list", "3", "--day", "2026-12-05", "--json").stdout) == listed
        cli.ok("order", "new")
        cli.ok("order", "add", "2", "SODA")
        cli.ok("pay", "2026-12-06/2", "cash", "1")
        cli.ok("refund", "2026-12-06/2", "--reason", "changed their mind")
        cli.ok("void", "2", "--day", "2026-12-06", "--reason", "left")
        cli.ok("order", "new")
        cli.ok("order", "void", "2026-12-06/3", "--reason", "rang twice")
        cli.ok("order", "new")
        cli.ok("order", "add", "2026-12-06/4", "SODA")
        cli.ok("order", "discount", "4", "100%", "--reason", "staff meal", "--approve", "Maria", input="258036\n")
        assert "closed at $0.00" in cli.ok("order", "close", "2026-12-06/4").stdout
        shown = json.loads(cli.ok("order", "show", "2026-12-06/4", "--json").stdout)
    assert (shown["ref"], shown["status"]) == ("2026-12-06/4", "paid")


BAD = [
    ("2026-13-01/3", "is not a day"),
    ("abc", "'abc' is not an order: give today's order number (like 12), another day's as DAY/NUMBER"),
    ("0", "orders are numbered from 1"),
    ("/5", "names no day before the '/'"),
    ("2026-12-05/", "names no order number after the '/'"),
    ("2026-12-05/0", "orders are numbered from 1"),
    ("2026-12-05/x", "is not an order"),
    ("12/5", "is not an order: '12' is not a day"),
    ("ord_no such", "is not an order id"),
    ("2026-12-04/1", "No order #1 on 2026-12-04"),  # a day with no such order
    ("2026-12-05/10", "No order #10 on 2026-12-05"),
    ("ord_NOPE", "No order 'ord_NOPE'"),
]
COMMANDS = [("order", "show"), ("receipt",), ("refund",), ("void",), ("payments", "list"), ("order", "add", "{}", "SODA"),
            ("pay", "{}", "cash"), ("delivery", "dispatch", "{}", "--driver", "Dave"), ("delivery", "fail", "{}"),
            ("order", "close")]


@pytest.mark.parametrize(("ref", "says"), BAD)
def test_a_bad_reference_is_one_line_exit_1_and_writes_nothing(yesterday: Store, cli: Cli, ref: str, says: str) -> None:
    with freeze_time(MORNING):
        for command in COMMANDS:
            argv = [word.format(ref) for word in command] if "{}" in command else [*command, ref]
            if argv[0] in ("refund", "void") or argv[:2] == ["delivery", "fail"]:
                argv += ["--reason", "x"]
            cli.fails(*argv, says=says)
        error = json.loads(cli.fails("order", "show", ref, "--json", says=says).stderr)
    assert error["code"] == ("not_found" if says.startswith("No order") else "invalid_input")


@pytest.mark.parametrize(("argv", "says"), [
    (("order", "show", "2026-12-05/1", "--day", "2026-12-04"), "is an order of 2026-12-05, and --day says 2026-12-04"),
    (("receipt", "ord_01ABC", "--day", "2026-12-05"), "--day 2026-12-05 goes with an order number, not an id"),
    (("refund", "1", "--day", "2026-13-01", "--reason", "x"), "'2026-13-01' is not a day"),
    (("order", "show", "1", "--day", "yesterday"), "'yesterday' is not a day"),
])
def test_a_day_twice_or_a_bad_day_is_refused(yesterday: Store, cli: Cli, argv: tuple[str, ...], says: str) -> None:
    with freeze_time(MORNING):
        cli.fails(*argv, says=says)


def test_an_old_number_of_an_order_carried_over_finds_it_and_says_where_it_went(store: Store, cli: Cli) -> None:
    with freeze_time("2026-12-05 15:00:00"):
        open_drawer(store, 1, "100")
    with freeze_time(EVENING):
        for _ in range(2):
            add_line(store, new_order(store, "counter").id, "SODA")
    with freeze_time(MORNING):
        close_day(store, SAT, {1: "100"}, carry_over=True)
        result = cli.ok("order", "show", "2026-12-05/2")
        assert result.stdout.startswith("Order 2026-12-06/2 (counter, open)")
        assert result.stderr == "Order 2026-12-05/2 was carried over to 2026-12-06: it is 2026-12-06/2 now.\n"
        data = json.loads(cli.ok("order", "show", "1", "--day", "2026-12-05", "--json").stdout)  # stdout stays JSON
        assert data["ref"] == "2026-12-06/1"
        open_drawer(store, 1, "100")
        assert "Order paid." in cli.ok("pay", "2026-12-05/1", "cash", "5").stdout
    assert resolve(store, "2026-12-06/1").status.value == "paid"


# -- the reader of references, by property -------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pos.base.errors import InvalidInput  # noqa: E402
from pos.sales.order_ref import OrderRef, format_ref, parse_order_ref  # noqa: E402

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
numbers = st.integers(min_value=1, max_value=10**6)


@given(day=days, number=numbers, pad=st.sampled_from(["", " ", "\t"]), hashed=st.booleans())
def test_a_printed_reference_reads_back_as_its_day_and_number(day: date, number: int, pad: str, hashed: bool) -> None:
    printed = format_ref(day, number)
    assert printed == f"{day.isoformat()}/{number}"
    typed = f"{pad}{day.isoformat()}/{'#' if hashed else ''}{number}{pad}"
    assert parse_order_ref(typed) == OrderRef(number, day)
    assert parse_order_ref(printed, day) == OrderRef(number, day)  # --day the same day: fine
    assert parse_order_ref(str(number)) == OrderRef(number, None)  # the open day's, decided by whoever looks it up
    assert parse_order_ref(f"#{number}", day) == OrderRef(number, day)


@given(day=days, other=days, number=numbers)
def test_a_day_given_twice_must_be_the_same(day: date, other: date, number: int) -> None:
    if day == other:
        assert parse_order_ref(format_ref(day, number), other).day == day
    else:
        with pytest.raises(InvalidInput, match="give the day once"):
            parse_order_ref(format_ref(day, number), other)


@given(text=st.text(max_size=60), day=st.none() | days)
def test_any_text_is_a_reference_or_one_refusal(text: str, day: date | None) -> None:
    try:
        ref = parse_order_ref(text, day)
    except InvalidInput as refusal:
        from pos.base.text import shown

        assert "\n" not in shown(refusal.message) and len(refusal.message) < 300  # one line, as any error is shown
        return
    if ref.order_id is not None:
        assert ref.order_id.startswith("ord_") and ref.day is None and ref.number is None
    else:
        assert ref.number is not None and ref.number >= 1
        assert "/" in text or ref.day == day
        assert all(c.isascii() for c in text.strip())
