"""Refusals in people's words: what was asked, why not, and who may, for every refusal the permission table makes."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from payments import cod
from pos.store import config
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed
from pos.sales.orders import add_line, new_order
from pos.people.permissions import Action, Actor, may, require, who_may
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from screens.register import Session

NOON = "2026-11-23 17:00:00"
ROLES = [actor for actor in Actor if actor is not Actor.KIOSK]


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.mark.parametrize("actor", ROLES)
def test_every_refusal_of_the_table_reads_as_a_sentence(store: Store, actor: Actor) -> None:
    member = add_staff(store, "Pat", actor.value, "258036")
    for action in Action:
        if may(actor, action):
            continue
        with pytest.raises(NotAllowed) as refused:
            require(member, action, asked="'pos something 1'")
        message = str(refused.value.message)
        assert re.fullmatch(rf"Pat is (an? {actor.value}|kitchen staff) and may not {re.escape(action.value)} "
                            rf"\('pos something 1'\): that needs {re.escape(who_may(action))}\.", message), message
        assert "their own" not in message and " a owner" not in message and "is a kitchen" not in message
        assert message.split("that needs ")[1].count(" or ") <= 1, message  # "an owner, a manager or a cashier"


def test_who_may_is_a_list_in_words() -> None:
    assert who_may(Action.RING_SALE) == "an owner, a manager, a cashier or a server"
    assert who_may(Action.CLOSE_DAY) == "an owner or a manager"
    assert who_may(Action.CHANGE_SETTINGS) == "an owner"
    assert who_may(Action.OWN_DELIVERIES) == "the driver out with it, an owner or a manager"
    assert who_may(Action.HAND_IN_OWN_CASH) == "the driver whose cash it is, an owner or a manager"


@pytest.fixture
def guarded(store: Store, tmp_path, monkeypatch) -> Store:
    config.set_option(store, "signin.required", "yes")
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Dave", "driver", "1470")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        start_shift(store, "Dave")
        open_drawer(store, 1, "50")
    return store


def test_a_cashier_collecting_or_handing_in_a_drivers_cash_is_told_who_may(guarded: Store, cli_for) -> None:
    with freeze_time(NOON):
        order = new_order(guarded, "delivery", address="1 Elm Street")
        add_line(guarded, order.id, "SODA")
        cod.dispatch(guarded, order.id, "Dave")
        cli = cli_for(guarded)
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("delivery", "collect", str(order.number), "5", audited=True,
                  says=f"Alice is a cashier and may not record a delivery's collection or failure "
                       f"('pos delivery collect {order.number} 5'): that needs the driver out with it, an owner or "
                       "a manager.")
        cli.fails("driver", "handin", "Dave", "20", audited=True,
                  says="Alice is a cashier and may not hand in a driver's cash ('pos driver handin Dave 20'): that "
                       "needs the driver whose cash it is, an owner or a manager.")


@freeze_time(NOON)
def test_a_refusal_on_the_register_names_what_was_typed(store: Store) -> None:
    bob = add_staff(store, "Bob", "server", "1470")
    start_shift(store, "Bob")
    till = Session(store, bob, 1)
    assert till.handle("float 100") == [
        "Bob is a server and may not open a drawer (float) ('float 100'): that needs an owner, a manager or a "
        "cashier."]


def test_roles_read_as_people_in_every_refusal_that_names_one(store: Store) -> None:
    from pos.people import approvals

    kim = add_staff(store, "Kim", "kitchen", "2580")
    add_staff(store, "Tony", "owner", "258036")
    with pytest.raises(NotAllowed, match="^Kim is kitchen staff: only a manager or owner can approve a refund.$"):
        approvals.approve(store, kim, "refund", 500)
    order = new_order(store, "delivery", address="1 Elm Street")
    add_line(store, order.id, "SODA")
    with pytest.raises(NotAllowed, match="^Tony is an owner, not a driver: dispatch to a driver.$"):
        cod.dispatch(store, order.id, "Tony")
    with pytest.raises(NotAllowed, match="^Kim is kitchen staff, not a driver"):
        cod.dispatch(store, order.id, "Kim")
