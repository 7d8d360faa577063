"""CLI: paying, deliveries, drivers' cash, refunds, voids, drawers, options, payments.

The ``store`` fixture is USD, tax-exclusive, ``standard`` at 8.875%, with
PIZZA-M at 12.50 and SODA at 2.49, no staff and no open drawer.  Totals:

    PIZZA-M                 12.50 + 1.109375 -> 1.11          = 13.61
    PIZZA-M + SODA          14.99 + 1.3303625 -> 1.33         = 16.32
    2 x PIZZA-M + SODA      27.49 + 2.4397375 -> 2.44         = 29.93

Time is frozen at noon in New York (ticking, so payments keep their order),
far from the 04:00 rollover, so "order 1" means the same order all test long.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from conftest import PIN_RECORDS, Cli, snapshot
from payments import registry, service
from payments.base import Capabilities, DeclineReason, Outcome, TenderKind
from pos.people import staff
from pos.sales.order_records import resolve
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from tests.helpers import DEFAULT_OPTIONS, bal, verified


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full-cost scrypt is slow; a stored hash carries its own cost, so checks still work."""
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


def js(result: Any) -> Any:
    return json.loads(result.stdout)


def ring(cli: Cli, *skus: str, channel: str = "counter", address: str | None = None) -> dict[str, Any]:
    extra = ["--address", address] if address else []
    order = js(cli.ok("order", "new", "--channel", channel, *extra, "--json"))
    for sku in skus:
        cli.ok("order", "add", str(order["number"]), sku)
    return order


def payments(cli: Cli, order: str = "1") -> dict[str, Any]:
    return js(cli.ok("payments", "list", order, "--json"))


def order_status(cli: Cli, order: str = "1") -> str:
    return js(cli.ok("order", "show", order, "--json"))["status"]






@pytest.fixture
def till(cli: Cli) -> Cli:
    """Drawer 1 open with a 100.00 float."""
    cli.ok("drawer", "open", "--float", "100")
    return cli


@pytest.fixture
def crew(store: Store) -> Store:
    """Dan (driver, on shift), Cate (cashier), Maria (manager, PIN 4321)."""
    add_staff(store, "Dan", "driver", "2580")
    add_staff(store, "Cate", "cashier", "1470")
    add_staff(store, "Maria", "manager", "258036")
    start_shift(store, "Dan")
    return store


# -- pos pay ---------------------------------------------------------------------------------


def test_pay_cash_with_change(till: Cli, store: Store) -> None:
    ring(till, "PIZZA-M")
    out = till.ok("pay", "1", "cash", "20").stdout
    # 20.00 - 13.61 = 6.39 = 5 + 1 + 0.25 + 0.10 + 4 x 0.01
    assert out.splitlines() == [
        "Cash $20.00 taken.",
        "Change: $6.39  (1 x $5.00, 1 x $1.00, 1 x $0.25, 1 x $0.10, 4 x $0.01)",
        "Order paid.",
    ]
    assert order_status(till) == "paid"
    verified(store)


def test_pay_json(till: Cli, store: Store) -> None:
    order = ring(till, "PIZZA-M")
    data = js(till.ok("pay", "1", "cash", "20", "--json"))
    assert data["id"].startswith("pay_")
    assert {k: data[k] for k in (
        "order_id", "tender", "state", "amount_minor", "tendered_minor", "change_minor", "rounding_minor",
        "refunded_minor", "currency", "register", "approved", "order_paid", "due_after_minor", "decline_reason")} == {
        "order_id": order["id"], "tender": "cash", "state": "captured", "amount_minor": 1361, "tendered_minor": 2000,
        "change_minor": 639, "rounding_minor": 0, "refunded_minor": 0, "currency": "USD", "register": 1,
        "approved": True, "order_paid": True, "due_after_minor": 0, "decline_reason": None}
    assert data["change_suggestion"] == [
        {"denomination_minor": 500, "count": 1}, {"denomination_minor": 100, "count": 1},
        {"denomination_minor": 25, "count": 1}, {"denomination_minor": 10, "count": 1},
        {"denomination_minor": 1, "count": 4},
    ]


def test_pay_split_and_rounding(till: Cli, store: Store) -> None:
    till.ok("config", "set", "cash.rounding", "0.05")
    ring(till, "PIZZA-M", "PIZZA-M", "SODA")  # 29.93
    assert till.ok("pay", "1", "cash", "10").stdout.splitlines() == ["Cash $10.00 taken.", "Still due: $19.93."]
    assert order_status(till) == "open"
    # 19.93 rounds to 19.95: the store keeps 0.02
    assert till.ok("pay", "1", "cash").stdout.splitlines() == [
        "Cash $19.95 taken.", "Cash rounding: $0.02", "Order paid."]
    listed = payments(till)
    assert listed["due_minor"] == 0
    assert [(p["amount_minor"], p["tendered_minor"], p["rounding_minor"]) for p in listed["payments"]] == [
        (1000, 1000, 0), (1993, 1995, 2)]
    assert bal(store, "assets:cash:drawer:1") == 10000 + 2995
    assert bal(store, "assets:receivable:orders") == 0
    verified(store)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("-5",), "Amount '-5' cannot be negative"),
        (("abc",), "'abc' is not an amount"),
        (("0",), ""),
    ],
)
def test_pay_bad_amounts(till: Cli, args: tuple[str, ...], says: str) -> None:
    ring(till, "PIZZA-M")
    till.fails("pay", "1", "cash", *args, says=says)


def test_pay_refusals(cli: Cli, store: Store) -> None:
    ring(cli, "PIZZA-M")  # 1
    cli.fails("pay", "1", "cash", says="Drawer 1 is not open")
    cli.ok("drawer", "open", "--float", "0")
    cli.fails("pay", "1", "bitcoin", says="Unknown tender 'bitcoin'")
    cli.fails("pay", "1", "card", says="Stripe is not set up on this register")
    cli.fails("pay", "1", "cod", says="use 'pos delivery dispatch'")
    cli.fails("pay", "99", "cash", says="No order #99 on 2026-01-15")
    cli.fails("pay", "ord_nope", "cash", says="No order 'ord_nope'")
    cli.fails("pay", "1", "cash", "100", says="No change available: $86.39 is due back but drawer 1 holds $0.00")
    cli.fails("pay", "1", "cash", "--register", "2", says="Drawer 2 is not open")
    ring(cli)  # 2: no items
    cli.fails("pay", "2", "cash", says="Order #2 has no items")
    cli.ok("void", "2", "--reason", "mistake")
    cli.fails("pay", "2", "cash", says="Order #2 was voided")
    cli.ok("pay", "1", "cash")
    cli.fails("pay", "1", "cash", says="Order #1 is already paid")
    cli.fails("pay", "1", "cash", "-5", says="cannot be negative")


class _DecliningCard:
    kind = TenderKind.CARD
    capabilities = Capabilities(False, False, False, False, False, True)

    def ready(self, store: Store) -> None:
        return None

    def account(self, store: Store, payment: Any) -> str:
        return "assets:clearing:fakepay"

    refund_account = account  # type: ignore[assignment]

    def authorize(self, store: Store, payment: Any) -> Outcome:
        return Outcome.declined(DeclineReason.EXPIRED_CARD)


def test_pay_declined_card_exits_1_and_keeps_the_order_open(till: Cli, store: Store,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    original = registry.tender_for
    monkeypatch.setattr(registry, "tender_for",
                        lambda kind: _DecliningCard() if TenderKind(kind) is TenderKind.CARD else original(kind))
    ring(till, "PIZZA-M")
    result = till("pay", "1", "card")
    assert result.exit_code == 1
    assert result.stdout == "DECLINED: The card has expired: offer another card or cash. Still due: $13.61.\n"
    result = till("pay", "1", "card", "--json")
    assert result.exit_code == 1
    data = js(result)
    assert (data["state"], data["decline_reason"], data["approved"], data["due_after_minor"]) == (
        "declined", "expired_card", False, 1361)
    assert json.loads(result.stderr) == {  # a script reads why from stderr, as for every error under --json
        "error": "DECLINED: The card has expired: offer another card or cash.", "code": "declined"}
    assert [p["state"] for p in payments(till)["payments"]] == ["declined", "declined"]
    assert order_status(till) == "open"
    till.ok("pay", "1", "cash")
    verified(store)


# -- pos delivery ------------------------------------------------------------------------------------


def test_delivery_dispatch_collect(crew: Store, cli: Cli) -> None:
    order = ring(cli, "PIZZA-M", "SODA", channel="delivery", address="12 Elm Street")  # 16.32
    assert cli.ok("delivery", "dispatch", "1", "--driver", "Dan").stdout == "Out for delivery with Dan: collect $16.32.\n"
    listed = payments(cli)
    assert listed["due_minor"] == 0
    (p,) = listed["payments"]
    assert (p["tender"], p["state"], p["amount_minor"]) == ("cod", "authorized", 1632)

    data = js(cli.ok("delivery", "collect", "1", "20", "--tip", "2", "--json"))
    # 20.00 - 16.32 - 2.00 = 1.68
    assert (data["order_id"], data["state"], data["tendered_minor"], data["change_minor"], data["tip_minor"],
            data["tip_to"]) == (order["id"], "captured", 2000, 168, 200, "dan")
    assert order_status(cli) == "paid"
    assert bal(crew, "assets:cash:driver:dan") == 1632
    assert bal(crew, "liabilities:tips:dan") == 0
    verified(crew)


def test_delivery_human_outputs_and_fail(crew: Store, cli: Cli) -> None:
    ring(cli, "PIZZA-M", "SODA", channel="delivery", address="12 Elm Street")
    data = js(cli.ok("delivery", "dispatch", "1", "--driver", "dan", "--json"))
    assert (data["tender"], data["state"], data["amount_minor"], data["tendered_minor"]) == ("cod", "authorized", 1632, None)
    out = cli.ok("delivery", "fail", "1", "--reason", "nobody home").stdout
    assert out == "Delivery failed (nobody home): the order is open again.\n"
    assert order_status(cli) == "open"
    assert payments(cli)["due_minor"] == 1632
    assert js(cli.ok("delivery", "dispatch", "1", "--driver", "Dan", "--json"))["state"] == "authorized"
    failed = js(cli.ok("delivery", "fail", "1", "--reason", "wrong address", "--json"))
    assert (failed["state"], failed["note"]) == ("voided", "delivery failed: wrong address")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dan")
    assert cli.ok("delivery", "collect", "1", "16.32").stdout == "Collected $16.32: change $0.00.\n"
    verified(crew)


def test_delivery_refusals(crew: Store, cli: Cli) -> None:
    ring(cli, "PIZZA-M", channel="delivery", address="12 Elm Street")  # 1: 13.61
    ring(cli, "PIZZA-M", channel="delivery")  # 2: no address
    ring(cli, "PIZZA-M")  # 3: counter
    cli.fails("delivery", "dispatch", "1", "--driver", "Zed", says="No staff member called 'Zed'")
    cli.fails("delivery", "dispatch", "1", "--driver", "Cate", says="Cate is a cashier, not a driver")
    add_staff(crew, "Olga", "driver", "3692")
    cli.fails("delivery", "dispatch", "1", "--driver", "Olga", says="Olga is not on shift")
    cli.fails("delivery", "dispatch", "2", "--driver", "Dan", says="Delivery order #2 has no address")
    cli.fails("delivery", "dispatch", "3", "--driver", "Dan", says="is a counter order, not a delivery")
    cli.fails("delivery", "collect", "1", "20", says="not out for delivery")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dan")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dan", says="already out for delivery with Dan")
    cli.ok("drawer", "open", "--float", "50")
    cli.fails("pay", "1", "cash", says="nothing left to pay: a payment is pending (out for delivery")
    cli.fails("delivery", "collect", "1", "10", says="$10.00 does not cover $13.61")
    cli.fails("delivery", "collect", "1", "-20", says="cannot be negative")
    cli.fails("delivery", "fail", "1", says="Say why the delivery failed")
    cli.ok("delivery", "collect", "1", "20")
    cli.fails("delivery", "collect", "1", "20", says="already collected")
    cli.fails("delivery", "fail", "1", "--reason", "late", says="not out for delivery")


# -- pos driver ------------------------------------------------------------------------------------------


def test_driver_cash_and_handin(crew: Store, cli: Cli) -> None:
    ring(cli, "PIZZA-M", "SODA", channel="delivery", address="12 Elm Street")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dan")
    assert js(cli.ok("driver", "cash", "Dan", "--json")) == {
        "driver": "Dan", "held_minor": 0, "out_for_delivery": [{"order": "#1", "address": "12 Elm Street",
                                                                "amount_minor": 1632}], "collected": [],
        "handin_waiting": None}
    assert cli.ok("driver", "cash", "Dan").stdout.splitlines() == [
        "Dan holds $0.00 of the store's cash (owed to the store).", "  Out for delivery:",
        "    #1  12 Elm Street  collect $16.32"]
    cli.ok("delivery", "collect", "1", "20")
    cli.fails("driver", "handin", "Dan", "15", says="Drawer 1 is not open")
    cli.ok("drawer", "open", "--float", "0")
    # Dan starts it; Cate counts it and types her PIN: 16.32 - 15.00 = 1.32 still owed
    assert cli.ok("driver", "handin", "Dan", "15").stdout.startswith("Dan hands in $15.00 to drawer 1: waiting")
    assert js(cli.ok("driver", "cash", "Dan", "--json"))["held_minor"] == 1632
    assert cli.ok("driver", "receive", "Dan", "15", "--counted-by", "Cate", input="1470\n").stdout.splitlines() == [
        "Cate counted $15.00 from Dan into drawer 1.", "Still owed by Dan: $1.32."]
    assert js(cli.ok("driver", "cash", "Dan", "--json"))["held_minor"] == 132
    cli.fails("driver", "handin", "Dan", "1.33", says="Dan holds $1.32: a hand-in of $1.33 is more than that")
    cli.fails("driver", "handin", "Dan", "-5", says="cannot be negative")
    cli.fails("driver", "handin", "Dan", "0", says="")
    cli.fails("driver", "handin", "Zed", "1", says="No staff member called 'Zed'")
    cli.ok("driver", "handin", "Dan", "1.32")
    data = js(cli.ok("driver", "receive", "Dan", "1.32", "--counted-by", "Cate", "--json", input="1470\n"))
    assert (data["driver"], data["held_minor"], data["out_for_delivery"], data["handed_in_minor"]) == ("Dan", 0, [], 132)
    status = js(cli.ok("drawer", "status", "--json"))
    assert (status["expected_minor"], status["breakdown_minor"]) == (1632, {"driver hand-ins": 1632})
    verified(crew)


# -- pos refund ------------------------------------------------------------------------------------------


@pytest.fixture
def paid(crew: Store, till: Cli) -> Cli:
    """Order 1: 2 x PIZZA-M + SODA (29.93), paid in cash from a 100.00 float."""
    ring(till, "PIZZA-M", "PIZZA-M", "SODA")
    till.ok("pay", "1", "cash")
    return till


def test_refund_partial_then_the_rest(paid: Cli, crew: Store) -> None:
    data = js(paid.ok("refund", "1", "--amount", "5", "--reason", "cold", "--json"))
    assert (data["order"], data["total_minor"], data["fully_refunded"]) == ("#1", 500, False)
    (part,) = data["parts"]
    assert (part["tender"], part["amount_minor"]) == ("cash", 500)
    assert part["refund_id"].startswith("ref_") and part["payment_id"].startswith("pay_")
    out = paid.ok("refund", "1", "--reason", "still cold").stdout
    assert out == "Refunded $24.93 on #1 (cash $24.93): fully refunded.\n"
    assert order_status(paid) == "refunded"
    (p,) = payments(paid)["payments"]
    assert (p["state"], p["refunded_minor"]) == ("refunded", 2993)
    assert bal(crew, "income:sales") == 0 and bal(crew, "liabilities:tax:standard") == 0
    assert bal(crew, "assets:cash:drawer:1") == 10000
    paid.fails("refund", "1", "--reason", "again", says="Order #1 is already fully refunded")
    verified(crew)


def test_refund_refusals(paid: Cli) -> None:
    paid.fails("refund", "1", says="A refund needs a reason")
    paid.fails("refund", "1", "--amount", "29.94", "--reason", "x", says="Only $29.93 of order #1 can still be refunded")
    paid.fails("refund", "1", "--amount", "-5", "--reason", "x", says="cannot be negative")
    paid.fails("refund", "1", "--amount", "abc", "--reason", "x", says="is not an amount")
    paid.fails("refund", "9", "--reason", "x", says="No order #9")
    paid.fails("refund", "1", "--reason", "x", "--register", "2", says="Drawer 2 is not open")


def test_refund_twice_is_refused(paid: Cli) -> None:
    paid.ok("refund", "1", "--reason", "wrong order")
    paid.fails("refund", "1", "--reason", "wrong order", says="already fully refunded")
    paid.fails("refund", "1", "--amount", "1", "--reason", "wrong order", says="already fully refunded")


def test_refund_above_threshold_needs_a_manager_pin(paid: Cli, crew: Store) -> None:
    paid.ok("config", "set", "approval.refund_over", "20")
    paid.fails("refund", "1", "--reason", "burnt", says="A refund of $29.93 on order #1 needs a manager's approval: "
               "it is over the $20.00 limit per order", audited=True)

    # A wrong PIN: refused, nothing written but the failed PIN itself, which the audit trail keeps
    # (off a terminal the PIN is the next line of the input, with no prompt: nobody reads one off a pipe).
    before = snapshot(paid.path, PIN_RECORDS)
    result = paid("refund", "1", "--reason", "burnt", "--approve", "Maria", input="9999\n")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr == "error: Wrong PIN for Maria: try again (4 tries left).\n"
    assert "9999" not in result.output  # typed hidden
    assert snapshot(paid.path, PIN_RECORDS) == before
    from pos.store import audit

    (failed,) = audit.records(crew, staff="Maria")
    assert failed.event is audit.Event.FAILED_PIN and "9999" not in str(failed.detail)

    # A cashier's right PIN is no approval.
    result = paid("refund", "1", "--reason", "burnt", "--approve", "Cate", input="1470\n")
    assert result.exit_code == 1
    assert result.stderr == "error: Cate is a cashier: only a manager or owner can approve a refund.\n"
    assert snapshot(paid.path, PIN_RECORDS) == before
    failed_approval = [r for r in audit.records(crew) if r.event is audit.Event.REFUSED][-1]  # a failed approval
    assert failed_approval.detail["why"] == "Cate is a cashier: only a manager or owner can approve a refund."

    result = paid.ok("refund", "1", "--amount", "25", "--reason", "burnt", "--approve", "Maria", "--json",
                     input="258036\n")
    assert result.stderr == ""  # no prompt off a terminal (at one, the hidden prompt is on stderr): the JSON is pure
    data = json.loads(result.stdout)
    assert (data["total_minor"], data["fully_refunded"]) == (2500, False)
    # 4.93 left: under the threshold, no approval needed.
    assert paid.ok("refund", "1", "--reason", "burnt").stdout == "Refunded $4.93 on #1 (cash $4.93): fully refunded.\n"
    rows = [(r["amount_minor"], r["approved_by"]) for r in crew.all("SELECT * FROM refunds ORDER BY created_at")]
    assert rows == [(2500, staff.get_staff(crew, "Maria").id), (493, None)]
    verified(crew)


# -- pos void --------------------------------------------------------------------------------------------


def test_void(crew: Store, till: Cli) -> None:
    order = ring(till, "PIZZA-M")
    data = js(till.ok("void", "1", "--reason", "customer left", "--json"))
    assert (data["id"], data["status"], data["void_reason"]) == (order["id"], "voided", "customer left")
    till.fails("void", "1", "--reason", "again", says="Order #1 is already voided")
    ring(till, "PIZZA-M")  # 2
    till.fails("void", "2", says="A void needs a reason")
    till.ok("pay", "2", "cash")
    till.fails("void", "2", "--reason", "oops", says="Order #2 is paid and cannot be voided: refund it instead")
    ring(till, "PIZZA-M", "PIZZA-M", "SODA")  # 3: 29.93
    till.ok("pay", "3", "cash", "5")
    till.fails("void", "3", "--reason", "left", says="has $5.00 paid already: refund it first")
    till.fails("void", "9", "--reason", "left", says="No order #9")
    till.ok("refund", "3", "--reason", "left")
    assert till.ok("void", "3", "--reason", "left").stdout == "Order #3 voided (left).\n"


def test_void_above_threshold(crew: Store, cli: Cli) -> None:
    cli.ok("config", "set", "approval.void_over", "20")
    ring(cli, "PIZZA-M", "PIZZA-M", "SODA")  # 29.93
    cli.fails("void", "1", "--reason", "left", says="Voiding order #1 ($29.93) needs a manager's approval",
              audited=True)
    result = cli.ok("void", "1", "--reason", "left", "--approve", "Maria", input="258036\n")
    assert result.stdout.endswith("Order #1 voided (left).\n")
    assert order_status(cli) == "voided"


def test_void_out_for_delivery_releases_the_driver(crew: Store, cli: Cli) -> None:
    ring(cli, "PIZZA-M", channel="delivery", address="12 Elm Street")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dan")
    cli.ok("void", "1", "--reason", "customer cancelled")
    assert [p["state"] for p in payments(cli)["payments"]] == ["voided"]
    assert js(cli.ok("driver", "cash", "Dan", "--json"))["out_for_delivery"] == []


# -- pos drawer ------------------------------------------------------------------------------------------


def test_drawer_commands(cli: Cli, store: Store) -> None:
    assert js(cli.ok("drawer", "status", "--json")) == {
        "register": 1, "open": False, "float_minor": None, "expected_minor": 0, "breakdown_minor": {}}
    assert cli.ok("drawer", "status").stdout == "Drawer 1 (not open) should hold $0.00.\n"
    cli.fails("drawer", "paid-in", "5", "--reason", "coins", says="Drawer 1 is not open")
    cli.fails("drawer", "open", "--float", "-5", says="cannot be negative")
    cli.fails("drawer", "open", "--float", "abc", says="is not an amount")
    assert cli.ok("drawer", "open", "--float", "100").stdout == ("Drawer 1 open with a float of $100.00: $100.00 put in "
                                                                 "by the owner.\n")  # the store's first float
    cli.fails("drawer", "open", "--float", "100", says="Drawer 1 is already open")
    assert bal(store, "equity:owner") == -10000

    assert js(cli.ok("drawer", "paid-in", "20", "--reason", "coins from the bank", "--json"))["expected_minor"] == 12000
    out = cli.ok("drawer", "paid-out", "5.50", "--reason", "ice").stdout
    assert out == "Paid-out recorded. Drawer 1 should hold $114.50.\n"
    data = js(cli.ok("drawer", "drop", "50", "--reason", "to the safe", "--json"))
    # 100 + 20 - 5.50 - 50 = 64.50
    assert data == {"register": 1, "open": True, "float_minor": 10000, "expected_minor": 6450,
                    "breakdown_minor": {"float": 10000, "paid-ins": 2000, "paid-outs": -550, "drops": -5000}}
    cli.fails("drawer", "paid-out", "64.51", "--reason", "too much", says="should hold only $64.50")
    cli.fails("drawer", "drop", "64.51", "--reason", "too much", says="should hold only $64.50")
    cli.fails("drawer", "paid-out", "1", says="A paid-out needs a reason")
    cli.fails("drawer", "drop", "1", "--reason", "  ", says="A drop needs a reason")
    cli.fails("drawer", "paid-in", "-1", "--reason", "x", says="cannot be negative")
    cli.fails("drawer", "status", "--register", "0", says="registers are numbered 1 to 99")
    assert cli.ok("drawer", "status").stdout.splitlines() == [
        "Drawer 1 (open) should hold $64.50.",
        "  float                     $100.00",
        "  paid-ins                   $20.00",
        "  paid-outs                  -$5.50",
        "  drops                     -$50.00",
    ]
    verified(store)


# -- pos config ----------------------------------------------------------------------------------------------


def test_config_set_and_show(cli: Cli) -> None:
    assert js(cli.ok("config", "show", "--json")) == DEFAULT_OPTIONS
    assert cli.ok("config", "set", "cash.rounding", "0.05").stdout == "cash.rounding = $0.05\n"
    assert js(cli.ok("config", "set", "approval.refund_over", "75", "--json")) == {
        "key": "approval.refund_over", "value": "7500", "shown": "$75.00"}
    assert js(cli.ok("config", "set", "cash.denominations", "20,5,1,0.25", "--json"))["value"] == "2000,500,100,25"
    cli.ok("config", "set", "approval.void_over", "0")
    assert js(cli.ok("config", "show", "--json")) == {
        **DEFAULT_OPTIONS, "approval.refund_over": "7500", "approval.void_over": "0",
        "cash.denominations": "2000,500,100,25", "cash.rounding": "5"}
    assert "cash.rounding = $0.05   (round cash totals to this step, a coin's value (0: off))" \
        in cli.ok("config", "show").stdout.replace("\n    ", " ").splitlines()  # a long line wraps, indented


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("cash.tip", "1"), "Unknown option 'cash.tip'"),
        (("cash.rounding", "-0.05"), "cannot be negative"),
        (("approval.refund_over", "-1"), "cannot be negative"),
        (("approval.void_over", "lots"), "is not an amount"),
        (("cash.denominations", ""), "comma-separated list"),
        (("cash.denominations", ",,"), "comma-separated list"),
    ],
)
def test_config_bad_values(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.fails("config", "set", *args, says=says)


# -- pos payments ----------------------------------------------------------------------------------------


def test_payments_list(till: Cli, store: Store) -> None:
    order = ring(till, "PIZZA-M", "PIZZA-M", "SODA")
    assert js(till.ok("payments", "list", "1", "--json")) == {"order_id": order["id"], "due_minor": 2993, "payments": [],
                                                                 "refunds_not_paid_back": []}
    till.ok("pay", "1", "cash", "10")
    listed = payments(till)
    assert listed["due_minor"] == 1993
    (p,) = listed["payments"]
    assert (p["tender"], p["state"], p["amount_minor"], p["register"]) == ("cash", "captured", 1000, 1)
    human = till.ok("payments", "list", "1").stdout
    assert "Payments of #1 (still due $19.93)" in human and "captured" in human and "$10.00" in human
    till.fails("payments", "list", "7", says="No order #7")


def test_payments_recover(till: Cli, store: Store) -> None:
    ring(till, "PIZZA-M")
    order = resolve(store, "1")
    left = service.insert_payment(store, order, TenderKind.CASH, 1361, register=1, tendered_minor=1361)
    assert payments(till)["due_minor"] == 0  # held by the unfinished payment
    till.fails("pay", "1", "cash", says="payments recover")
    assert js(till.ok("payments", "recover", "--json")) == [
        {"payment_id": left.id, "order_label": "#1", "action": "captured and recorded"}]
    assert order_status(till) == "paid"
    before = snapshot(till.path)
    assert js(till.ok("payments", "recover", "--json")) == []
    assert till.ok("payments", "recover").stdout == "Nothing to recover: every payment is complete.\n"
    assert snapshot(till.path) == before
    assert bal(store, "assets:cash:drawer:1") == 10000 + 1361
    verified(store)


def test_payments_recover_human_voids_a_duplicate(till: Cli, store: Store) -> None:
    ring(till, "PIZZA-M")
    first = service.insert_payment(store, resolve(store, "1"), TenderKind.CASH, 1361, register=1)
    left = service.insert_payment(store, resolve(store, "1"), TenderKind.CASH, 1361, register=1)
    assert till.ok("payments", "recover").stdout == (
        f"#1: payment {first.id} captured and recorded.\n#1: payment {left.id} voided (order settled otherwise).\n")
    assert [p["state"] for p in payments(till)["payments"]] == ["captured", "voided"]
