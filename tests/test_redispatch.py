"""A driver takes back their own failed delivery: no cashier has to sign in for them to send it out again."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from payments import cod
from pos.store import config
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import Order, resolve
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store

NOON = "2026-11-23 17:00:00"


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def guarded(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in required; Dave and Olga drivers on shift, Alice a cashier; a drawer open."""
    config.set_option(store, "signin.required", "yes")
    add_staff(store, "Alice", "cashier", "2580")
    for name in ("Dave", "Olga"):
        add_staff(store, name, "driver", "1470")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        for name in ("Dave", "Olga"):
            start_shift(store, name)
        open_drawer(store, 1, "50")
    return store


def delivery(store: Store) -> Order:
    order = new_order(store, "delivery", address="1 Elm Street")
    add_line(store, order.id, "SODA")
    return resolve(store, order.id)


@freeze_time(NOON)
def test_a_driver_sends_out_again_their_own_failed_delivery(guarded: Store, cli_for) -> None:
    order = delivery(guarded)
    cod.dispatch(guarded, order.id, "Dave")
    cli = cli_for(guarded)
    cli.ok("login", "Dave", input="1470\n")
    cli.ok("delivery", "fail", str(order.number), "--reason", "nobody home")
    assert cli.ok("delivery", "dispatch", str(order.number), "--driver", "Dave").stdout == (
        "Out for delivery with Dave: collect $2.71.\n")
    cli.fails("delivery", "dispatch", str(order.number), "--driver", "Dave", says="already out for delivery with Dave")
    cli.ok("delivery", "collect", str(order.number), "5")


@freeze_time(NOON)
def test_a_driver_takes_back_nothing_else(guarded: Store, cli_for) -> None:
    fresh, olgas = delivery(guarded), delivery(guarded)
    cod.dispatch(guarded, olgas.id, "Olga")
    cod.fail(guarded, olgas.id, "wrong address")
    cli = cli_for(guarded)
    cli.ok("login", "Dave", input="1470\n")
    cli.fails("delivery", "dispatch", str(fresh.number), "--driver", "Dave", audited=True,
              says=f"Dave may not send order #{fresh.number} out: a driver takes back only their own failed delivery, "
                   "and it is not a delivery of theirs that failed; that needs an owner, a manager or a cashier.")
    cli.fails("delivery", "dispatch", str(olgas.number), "--driver", "Dave", audited=True,
              says=f"Dave may not send order #{olgas.number} out: a driver takes back only their own failed "
                   "delivery, and its last delivery failed with Olga")
    cli.fails("delivery", "dispatch", str(olgas.number), "--driver", "Olga", audited=True,
              says=f"Dave is a driver and may not send deliveries out ('pos delivery dispatch {olgas.number}'): "
                   "that needs an owner, a manager or a cashier.")
    cli.ok("login", "Alice", input="2580\n")  # the counter still dispatches anything
    cli.ok("delivery", "dispatch", str(fresh.number), "--driver", "Dave")
