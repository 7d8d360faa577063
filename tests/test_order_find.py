"""``pos order find``: orders of past days found by a customer's phone or name, the total, or a card's last digits."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos.store import audit
from pos.day.close import close_day
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.conftest import Cli
from tests.helpers import signin_on

MONDAY = "2026-11-30 17:00:00"  # noon in New York
TUESDAY = "2026-12-01 17:00:00"
FRIDAY = "2026-12-04 17:00:00"


@pytest.fixture
def week(make_store) -> Store:
    """A training store (cards answered by the training processor: VISA ...4242). Monday: Samira's phone order paid by
    card, a walk-in paid cash; Tuesday: Sam's delivery, paid cash, and Lee's, voided; Monday and Tuesday closed."""
    from pos.store.catalog import add_item

    store = make_store("week.db", training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    add_item(store, "SODA", "Soda 20oz", "2.49")

    def ring(channel: str, sku: str, tender: str | None, **customer: str) -> str:
        order = new_order(store, channel, **customer)
        add_line(store, order.id, sku)
        if tender:
            service.pay(store, order.id, tender)
        return order.id

    with freeze_time(MONDAY):
        open_drawer(store, 1, "100")
        ring("phone", "PIZZA-M", "card", customer_name="Samira Haddad", customer_phone="(555) 010-0100")
        ring("counter", "SODA", "cash")
    with freeze_time(TUESDAY):
        close_day(store, date(2026, 11, 30), {1: "102.71"})
        open_drawer(store, 1, "100")
        ring("delivery", "SODA", "cash", customer_name="SAM", customer_phone="+1 555 010 0100", address="4 Elm St")
        ring("delivery", "PIZZA-M", None, customer_name="Lee", customer_phone="555-0199", address="6 Elm St")
    with freeze_time(FRIDAY):
        from pos.sales.orders import void_order

        void_order(store, "2026-12-01/2", "customer left")
    return store


def refs(cli: Cli, *argv: str) -> list[str]:
    with freeze_time(FRIDAY):
        data = json.loads(cli.ok("order", "find", *argv, "--json").stdout)
    return [order["ref"] for order in data["orders"]]


def test_by_phone_name_amount_and_card(week: Store, cli_for) -> None:
    cli = cli_for(week)
    # A number typed any way is the same number; its last digits find it too; the newest first.
    assert refs(cli, "--phone", "555-010-0100") == ["2026-12-01/1", "2026-11-30/1"]
    assert refs(cli, "--phone", "0100") == ["2026-12-01/1", "2026-11-30/1"]
    assert refs(cli, "--phone", "5550199") == ["2026-12-01/2"]
    # Any part of the name, whatever its case.
    assert refs(cli, "--name", "sam") == ["2026-12-01/1", "2026-11-30/1"]
    assert refs(cli, "--name", "HADDAD") == ["2026-11-30/1"]
    # The total, as money; the card's last four digits.
    assert refs(cli, "--amount", "2.71") == ["2026-12-01/1", "2026-11-30/2"]
    assert refs(cli, "--amount", "13.61") == ["2026-12-01/2", "2026-11-30/1"]
    assert refs(cli, "--card", "4242") == ["2026-11-30/1"]
    assert refs(cli, "--card", "1111") == []
    # Every criterion at once, and a range of days.
    assert refs(cli, "--name", "sam", "--amount", "2.71") == ["2026-12-01/1"]
    assert refs(cli, "--phone", "0100", "--from", "2026-11-30", "--to", "2026-11-30") == ["2026-11-30/1"]
    assert refs(cli, "--from", "2026-12-01") == ["2026-12-01/2", "2026-12-01/1"]
    assert refs(cli, "--to", "2026-11-29") == []


def test_the_list_names_each_order_by_its_reference(week: Store, cli_for, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    cli = cli_for(week)
    with freeze_time(FRIDAY):
        out = cli.ok("order", "find", "--phone", "0100").stdout
        data = json.loads(cli.ok("order", "find", "--card", "4242", "--json").stdout)
        none = cli.ok("order", "find", "--name", "nobody").stdout
    assert "Orders found, 2026-11-04 to 2026-12-04: 2" in out
    for cell in ("2026-12-01/1", "delivery", "paid", "SAM", "+1 555 010 0100", "$2.71", "2026-11-30/1", "phone",
                 "Samira Haddad", "$13.61"):
        assert cell in out, cell
    assert (data["from"], data["to"], data["count"], data["currency"]) == ("2026-11-04", "2026-12-04", 1, "USD")
    (found,) = data["orders"]
    assert (found["ref"], found["total_minor"], found["status"], found["channel"]) == ("2026-11-30/1", 1361, "paid",
                                                                                       "phone")
    assert none == "No order of 2026-11-04 to 2026-12-04 matches: widen the days with --from and --to, or ask for less.\n"
    # What a listed reference names is the order itself, on any later day.
    with freeze_time(FRIDAY):
        assert "Samira Haddad" in cli.ok("order", "show", found["ref"]).stdout


def test_a_long_list_shows_the_newest_and_says_how_many(store: Store, cli: Cli, monkeypatch) -> None:
    from pos.sales import order_find

    monkeypatch.setattr(order_find, "MAX_SHOWN", 3)
    with freeze_time(MONDAY):
        for _ in range(5):
            add_line(store, new_order(store, "phone", customer_name="Sam").id, "SODA")
        out = cli.ok("order", "find", "--name", "sam").stdout
        data = json.loads(cli.ok("order", "find", "--name", "sam", "--json").stdout)
    assert "The newest 3 of 5 orders are shown: narrow the search" in out
    assert data["count"] == 5 and [o["number"] for o in data["orders"]] == [5, 4, 3]


@pytest.mark.parametrize(("argv", "says"), [
    (("--from", "2025-01-01", "--to", "2026-12-04"), "ask for 366 days or fewer"),
    (("--from", "2026-12-04", "--to", "2026-12-01"), "The range ends (2026-12-01) before it starts (2026-12-04)"),
    (("--from", "2026-13-01"), "'2026-13-01' is not a day"),
    (("--card", "42"), "'42' is not the last four digits of a card: give four digits, like 4242."),
    (("--card", "４２４２"), "is not the last four digits of a card"),
    (("--phone", "call me"), "'call me' is not a phone number"),
    (("--phone", ""), "--phone is empty"),
    (("--name", " "), "--name is empty"),
    (("--name", "Sam\x1b[2J"), "customer name"),
    (("--amount", "2.715"), "2.715"),
    (("--amount", "-3"), "negative"),
    (("--amount", "lots"), "lots"),
])
def test_bad_criteria_are_one_line_and_write_nothing(week: Store, cli_for, argv: tuple[str, ...], says: str) -> None:
    with freeze_time(FRIDAY):
        cli_for(week).fails("order", "find", *argv, says=says)
        cli_for(week).fails("order", "find", *argv, "--json", says=says)


def test_a_search_needs_someone_signed_in_who_takes_orders_and_is_audited(week: Store, cli_for, tmp_path,
                                                                         monkeypatch) -> None:
    signin_on(week, tmp_path, monkeypatch, (("Alice", "cashier", "2580"), ("Dave", "driver", "1470")))
    cli = cli_for(week)
    with freeze_time(FRIDAY):
        cli.fails("order", "find", "--phone", "0100",
                  says="'pos order find' searches customers' orders: sign in first with 'pos login NAME'.")
        cli.ok("login", "Dave", input="1470\n")
        cli.fails("order", "find", "--card", "4242", audited=True,
                  says="Dave is a driver and may not search orders by customer or card ('pos order find'): that needs "
                       "an owner, a manager, a cashier or a server.")
        cli.ok("login", "Alice", input="2580\n")
        assert "2026-11-30/1" in cli.ok("order", "find", "--card", "4242").stdout
    (search,) = [r for r in audit.records(week) if r.event is audit.Event.COMMAND and
                 r.detail.get("command") == "pos order find"]
    assert (search.staff, search.detail["arguments"]["card"]) == ("Alice", "4242")  # who looked for whom
