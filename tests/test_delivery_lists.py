"""What dispatchers and drivers read about deliveries: ``order list --channel delivery`` and ``driver cash``.

The list of delivery orders shows where each goes, the customer's phone, the driver and where the
delivery is (waiting, out, delivered, failed); a driver's cash names each order's address and
amount, for the deliveries still out and the ones whose cash the driver holds.  ``order list
--status`` names every status an order can have.

The ``store`` fixture's PIZZA-M + SODA delivery order totals $16.32 (see test_cli_payments.py).
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from conftest import Cli
from pos.sales.order_records import OrderStatus
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


@pytest.fixture
def crew(store: Store) -> Store:
    add_staff(store, "Dan", "driver", "2580")
    add_staff(store, "Eve", "driver", "3692")
    start_shift(store, "Dan")
    start_shift(store, "Eve")
    return store


def delivery(cli: Cli, address: str, phone: str, name: str) -> int:
    order = json.loads(cli.ok("order", "new", "--channel", "delivery", "--address", address, "--phone", phone,
                              "--name", name, "--json").stdout)
    cli.ok("order", "add", str(order["number"]), "PIZZA-M")
    cli.ok("order", "add", str(order["number"]), "SODA")
    return int(order["number"])


def rows(cli: Cli, *args: str) -> list[dict[str, Any]]:
    return json.loads(cli.ok("order", "list", *args, "--json").stdout)


def test_status_help_names_every_status() -> None:
    from typer.testing import CliRunner

    from cli import app

    helped = " ".join(CliRunner().invoke(app, ["order", "list", "--help"]).stdout.split())
    assert "open, paid, refunded or voided" in helped
    from commands.orders import STATUSES

    assert sorted(STATUSES.replace(" or ", ", ").split(", ")) == sorted(s.value for s in OrderStatus)


def test_every_status_can_be_asked_for(cli: Cli) -> None:
    for status in OrderStatus:
        assert rows(cli, "--status", status.value) == []
    cli.fails("order", "list", "--status", "late", says="use open, paid, refunded or voided")


def test_delivery_list_shows_address_phone_driver_and_state(crew: Store, cli: Cli) -> None:
    delivery(cli, "12 Elm St", "555-0101", "Ann")   # 1: waiting
    delivery(cli, "3 Oak Ave", "555-0102", "Bob")   # 2: out with Dan
    delivery(cli, "9 Pine Rd", "555-0103", "Cy")    # 3: delivered by Eve
    delivery(cli, "7 Ash Ct", "555-0104", "Di")     # 4: failed with Dan
    cli.ok("order", "new")                          # 5: a counter order, not listed
    cli.ok("delivery", "dispatch", "2", "--driver", "Dan")
    cli.ok("delivery", "dispatch", "3", "--driver", "Eve")
    cli.ok("delivery", "collect", "3", "20")
    cli.ok("delivery", "dispatch", "4", "--driver", "Dan")
    cli.ok("delivery", "fail", "4", "--reason", "nobody home")

    listed = rows(cli, "--channel", "delivery")
    assert [(o["number"], o["address"], o["customer_phone"], o["delivery"]) for o in listed] == [
        (1, "12 Elm St", "555-0101", {"state": "waiting", "driver": None}),
        (2, "3 Oak Ave", "555-0102", {"state": "out for delivery", "driver": "Dan"}),
        (3, "9 Pine Rd", "555-0103", {"state": "delivered", "driver": "Eve"}),
        (4, "7 Ash Ct", "555-0104", {"state": "failed", "driver": "Dan"}),
    ]
    table = cli.ok("order", "list", "--channel", "delivery").stdout
    for header in ("Address", "Phone", "Driver", "Delivery"):
        assert header in table
    lines = table.splitlines()
    for number, address, phone, driver, state in (("1", "12 Elm St", "555-0101", "", "waiting"),
                                                  ("2", "3 Oak Ave", "555-0102", "Dan", "out"),
                                                  ("3", "9 Pine Rd", "555-0103", "Eve", "delivered"),
                                                  ("4", "7 Ash Ct", "555-0104", "Dan", "failed")):
        row = next(line for line in lines if line.lstrip("│ ").startswith(f"{number} "))
        assert address in row and phone in row and driver in row and state in row, row

    cli.ok("delivery", "dispatch", "4", "--driver", "Eve")  # sent again: out, with Eve now
    assert rows(cli, "--channel", "delivery")[3]["delivery"] == {"state": "out for delivery", "driver": "Eve"}
    assert "delivery" not in rows(cli)[0]  # the list of every channel is as it was


def test_driver_cash_names_each_orders_address_and_amount(crew: Store, cli: Cli) -> None:
    delivery(cli, "12 Elm St", "555-0101", "Ann")
    delivery(cli, "3 Oak Ave", "555-0102", "Bob")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dan")
    cli.ok("delivery", "dispatch", "2", "--driver", "Dan")
    cli.ok("delivery", "collect", "1", "20")
    assert cli.ok("driver", "cash", "Dan").stdout.splitlines() == [
        "Dan holds $16.32 of the store's cash (owed to the store).",
        "  Collected since the last hand-in:",
        "    #1  12 Elm St  $16.32",
        "  Out for delivery:",
        "    #2  3 Oak Ave  collect $16.32",
    ]
    data = json.loads(cli.ok("driver", "cash", "Dan", "--json").stdout)
    assert data["collected"] == [{"order": "#1", "address": "12 Elm St", "amount_minor": 1632}]
    assert data["out_for_delivery"] == [{"order": "#2", "address": "3 Oak Ave", "amount_minor": 1632}]

    cli.ok("drawer", "open", "--float", "0")
    cli.ok("driver", "handin", "Dan", "16.32")
    assert "  Hand-in of $16.32 to drawer 1 waiting to be counted" in cli.ok("driver", "cash", "Dan").stdout
    add_staff(crew, "Cate", "cashier", "1470")
    cli.ok("driver", "receive", "Dan", "16.32", "--counted-by", "Cate", input="1470\n")  # Cate counts it
    assert cli.ok("driver", "cash", "Dan").stdout.splitlines() == [
        "Dan holds $0.00 of the store's cash (owed to the store).",
        "  Out for delivery:",
        "    #2  3 Oak Ave  collect $16.32",
    ]
    cli.ok("delivery", "collect", "2", "16.32")
    assert "    #2  3 Oak Ave  $16.32" in cli.ok("driver", "cash", "Dan").stdout.splitlines()
    assert "#1" not in cli.ok("driver", "cash", "Dan").stdout  # handed in already


def test_lists_refuse_bad_input_and_write_nothing(crew: Store, cli: Cli) -> None:
    delivery(cli, "12 Elm St", "555-0101", "Ann")
    cli.fails("order", "list", "--channel", "drone", says="Unknown channel 'drone'")
    cli.fails("order", "list", "--channel", "delivery", "--status", "gone", says="Unknown status 'gone'")
    cli.fails("driver", "cash", "Zed", says="No staff member called 'Zed'")
