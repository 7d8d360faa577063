"""The store's name, address, phone and tax number after ``pos init`` (issue 23 item 6): ``pos config set store.*``.

Checked by the field table of ``pos/base/text.py``, audited with before and after, shown by ``pos config show``, printed
on the next receipts; nothing signed or exported depends on the name, so the books still verify after a change.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos.store import audit, config
from pos.cash import drawer
from pos.day.close import close_day
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.conftest import Cli

DAY = date(2026, 11, 23)
NOON = "2026-11-23 17:00:00"  # noon in New York
AFTER = "2026-11-24 17:00:00"


def _sale(store: Store) -> str:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    service.pay(store, order.id, "cash", "20")
    return order.id


def test_the_name_and_address_set_at_init_are_corrected_and_the_next_receipt_says_so(store: Store, cli: Cli) -> None:
    """As seen: the store's name and address could not be changed after ``pos init``."""
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        _sale(store)
    with freeze_time(AFTER):
        close_day(store, DAY, {1: "113.61"})
        assert cli.ok("config", "set", "store.name", "Tony's  Pizzeria").stdout == "store.name = Tony's Pizzeria\n"
        cli.ok("config", "set", "store.address", "14 Main Street, Springfield")
        cli.ok("config", "set", "store.phone", "+1 (555) 010-0199")
        cli.ok("config", "set", "store.tax_id", "EIN 12-3456789")
        shown = cli.ok("config", "show").stdout
        options = json.loads(cli.ok("config", "show", "--json").stdout)
        drawer.open_drawer(store, 1, "100")
        store.forget_settings()  # the fixture's handle: another process changed the settings
        receipt = cli.ok("receipt", str(new_order_paid(store))).stdout
        trail = [r.detail for r in audit.records(store) if r.event is audit.Event.SETTING]
        verified = cli.ok("ledger", "verify", "--full").stdout
    assert "store.name = Tony's Pizzeria" in shown and "store.phone = +1 (555) 010-0199" in shown
    assert {k: options[k] for k in ("store.name", "store.address", "store.phone", "store.tax_id")} == {
        "store.name": "Tony's Pizzeria", "store.address": "14 Main Street, Springfield",
        "store.phone": "+1 (555) 010-0199", "store.tax_id": "EIN 12-3456789"}
    head = [line.strip() for line in receipt.splitlines()[:4]]
    assert head == ["Tony's Pizzeria", "14 Main Street, Springfield", "+1 (555) 010-0199", "Tax ID EIN 12-3456789"]
    assert store.settings.name == "Tony's Pizzeria" and store.settings.address == "14 Main Street, Springfield"
    assert [(d["target"], d["before"], d["after"]) for d in trail if d["target"].startswith("store.")] == [
        ("store.name", {"value": "Test Pizza"}, {"value": "Tony's Pizzeria"}),
        ("store.address", {"value": ""}, {"value": "14 Main Street, Springfield"}),
        ("store.phone", {"value": ""}, {"value": "+1 (555) 010-0199"}),
        ("store.tax_id", {"value": ""}, {"value": "EIN 12-3456789"}),
    ]
    assert "hash chain intact" in verified and "closing" in verified.lower()  # the signed closing still holds


def new_order_paid(store: Store) -> int:
    order = new_order(store, "counter")
    add_line(store, order.id, "SODA")
    service.pay(store, order.id, "cash", "5")
    return order.number


def test_a_receipt_without_phone_or_tax_id_prints_neither(store: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        receipt = cli.ok("receipt", str(new_order_paid(store))).stdout
    assert "Tax ID" not in receipt and receipt.splitlines()[1].startswith("-")


@pytest.mark.parametrize(("key", "value", "says"), [
    ("store.name", "", "The store name is empty"),
    ("store.name", "   ", "The store name is empty"),
    ("store.name", "x" * 81, "The store name is longer than 80 characters"),
    ("store.name", "Eve\x1b[2J", "The store name holds an invisible or control character"),
    ("store.name", "Tony's\nTOTAL $0.00", "The store name holds a line break"),
    ("store.address", "4 Elm\u202eStreet", "The store address holds an invisible or control character"),
    ("store.address", "x" * 201, "longer than 200 characters"),
    ("store.phone", "call us", "is not a phone number"),
    ("store.phone", "5" * 25, "longer than 24 characters"),
    ("store.tax_id", "x" * 33, "The store tax id is longer than 32 characters"),
    ("store.tax_id", "DE\t123", "The store tax id holds a tab"),
    ("store.nmae", "Tony's", "Unknown option 'store.nmae'"),
])
def test_bad_store_details_are_refused_and_write_nothing(cli: Cli, key: str, value: str, says: str) -> None:
    cli.fails("config", "set", key, value, says=says)
    cli.fails("config", "set", key, value, "--json", says=says)


def test_clearing_the_address_and_phone_takes_them_off_receipts(store: Store) -> None:
    from receipts import model, text

    config.set_option(store, "store.address", "1 Main Street")
    config.set_option(store, "store.phone", "555 0100")
    config.set_option(store, "store.address", "")
    config.set_option(store, "store.phone", "")
    assert (store.settings.address, config.get(store, "store.phone")) == ("", "")
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        order_id = _sale(store)
        printed = text.render(model.build(store, order_id), 80).splitlines()
    assert printed[0].strip() == "Test Pizza" and printed[1].startswith("-")


def test_only_the_owner_changes_the_store_s_details(store: Store, cli: Cli, tmp_path, monkeypatch) -> None:
    from pos.people.staff import add_staff

    add_staff(store, "Tony", "owner", "369147")
    add_staff(store, "Maria", "manager", "258036")
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "signin.json"))
    with freeze_time(NOON):
        cli.ok("login", "Maria", input="258036\n")
        cli.fails("config", "set", "store.name", "Maria's", audited=True, says="owner")
        cli.ok("login", "Tony", input="369147\n")
        cli.ok("config", "set", "store.name", "Tony's")
