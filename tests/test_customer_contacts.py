"""Customers' addresses and phones: only for a sign-in whose role may see them (issue 24, 8).

The finding: "Delivery addresses and phones are listed with no sign-in": ``pos order list --channel
delivery``, ``order show``, ``order find`` and the driver's ticket gave them to anyone at the till.
Now owners, managers and cashiers see them; a driver sees those of the deliveries out with them;
anyone else (nobody signed in, a server, kitchen staff, a driver for another's delivery) sees
``hidden`` (JSON: null, with ``contacts_hidden``), and the driver's ticket is refused.
"""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from payments import cod
from pos.sales.orders import add_line, new_order
from pos.people.staff import start_shift
from pos.store.store import Store
from tests.conftest import Cli
from tests.helpers import signin_on

NOON = "2026-11-23 17:00:00"  # noon in New York
ADDRESS, PHONE = "12 Elm Street", "555-0100"


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def deliveries(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Alice (cashier), Sam (server), Dave and Olga (drivers, on shift); #1 out with Dave, #2 with
    Olga, both to be paid at the door."""
    signin_on(store, tmp_path, monkeypatch, (("Alice", "cashier", "2580"), ("Sam", "server", "2580"),
                                             ("Dave", "driver", "2580"), ("Olga", "driver", "3691")))
    with freeze_time(NOON):
        for name in ("Dave", "Olga"):
            start_shift(store, name)
        for driver, address in (("Dave", ADDRESS), ("Olga", "3 Oak Avenue")):
            order = new_order(store, "delivery", customer_name="Sam Lee", customer_phone=PHONE, address=address)
            add_line(store, order.id, "PIZZA-M")
            cod.dispatch(store, order.number, driver)
    return store


def _reads(cli: Cli) -> str:
    """Everything the reading commands print about orders #1 and #2, as text and JSON."""
    return "\n".join(cli.ok(*argv).stdout for argv in (
        ("order", "show", "1"), ("order", "show", "1", "--json"), ("order", "list"), ("order", "list", "--json"),
        ("order", "list", "--channel", "delivery"), ("order", "list", "--channel", "delivery", "--json")))


def test_nobody_signed_in_sees_no_address_and_no_phone(deliveries: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        seen = _reads(cli)
        assert ADDRESS not in seen and PHONE not in seen and "3 Oak Avenue" not in seen
        assert "hidden" in cli.ok("order", "list", "--channel", "delivery").stdout
        shown = json.loads(cli.ok("order", "show", "1", "--json").stdout)
        assert (shown["address"], shown["customer_phone"], shown["contacts_hidden"]) == (None, None, True)
        assert shown["customer_name"] == "Sam Lee"  # the name on the bag stays
        cli.fails("receipt", "1", "--ticket", says="the driver's ticket shows the customer's address and phone: sign "
                                                    "in first with 'pos login NAME'")


def test_a_cashier_sees_them_and_prints_the_ticket(deliveries: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
        seen = _reads(cli)
        assert ADDRESS in seen and PHONE in seen and "3 Oak Avenue" in seen and "hidden" not in seen
        assert ADDRESS in cli.ok("receipt", "1", "--ticket").stdout
        found = cli.ok("order", "find", "--phone", "0100").stdout
        assert PHONE in found


def test_a_server_sees_neither_and_the_ticket_is_refused_and_recorded(deliveries: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Sam", input="2580\n")
        seen = _reads(cli)
        assert ADDRESS not in seen and PHONE not in seen
        found = cli.ok("order", "find", "--phone", "0100", "--json").stdout  # the search itself is the server's
        assert PHONE not in found and json.loads(found)["count"] == 2
        assert PHONE not in cli.ok("order", "find", "--phone", "0100").stdout
        cli.fails("receipt", "1", "--ticket", audited=True,
                  says="Sam is a server and may not see customers' addresses and phones (the driver's ticket): that "
                       "needs the driver out with it, an owner, a manager or a cashier.")


def test_a_driver_sees_only_the_deliveries_out_with_them(deliveries: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Dave", input="2580\n")
        seen = _reads(cli)
        assert ADDRESS in seen and "3 Oak Avenue" not in seen
        assert ADDRESS in cli.ok("receipt", "1", "--ticket").stdout
        cli.fails("receipt", "2", "--ticket", audited=True, says="Dave is a driver and may not see customers' "
                                                                 "addresses and phones")


def test_a_store_without_sign_ins_shows_them_as_before(store: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        new_order(store, "delivery", customer_phone=PHONE, address=ADDRESS)
        assert ADDRESS in cli.ok("order", "list", "--channel", "delivery").stdout
