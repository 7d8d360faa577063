"""Limits that add up: refunds, voids and discounts, per order and per person per day, without a manager's approval.

Each finding of the issue, replayed: a refund limit split into pieces, a void escaped by taking
lines off first, a 100% discount closed at $0.00; each is now refused until a manager types
their PIN, and each refusal writes nothing but itself in the audit trail.  The rule is in
``pos/people/limits.py``, so one-shot commands, the register session and the library share it.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from payments import refunds, service
from pos.store import audit, config
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed
from pos.people.limits import OverLimit
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order, remove_line, view
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from screens.register import Session
from tests.conftest import Cli, refused_events, snapshot
from tests.helpers import bal, refused, verified

NOON = "2026-11-23 17:00:00"  # noon in New York


@pytest.fixture
def shop(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Alice and Bob (cashiers) and Maria (manager) on shift since 09:00; drawer 1 open with $200."""
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time("2026-11-23 14:00:00"):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Bob", "cashier", "3691")
        add_staff(store, "Maria", "manager", "258036")
        for name in ("Alice", "Bob", "Maria"):
            start_shift(store, name)
        open_drawer(store, 1, "200")
    return store


def paid_order(store: Store, pizzas: int = 1) -> str:
    """An order of ``pizzas`` Margheritas, paid in cash; its number."""
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M", pizzas)
    service.pay(store, order.id, "cash")
    return str(order.number)


def open_order(store: Store, *skus: str) -> str:
    order = new_order(store, "counter")
    for sku in skus:
        add_line(store, order.id, sku)
    return str(order.number)


def as_(cli: Cli, name: str, pin: str) -> Cli:
    cli.ok("login", name, input=f"{pin}\n")
    return cli


# -- refunds -----------------------------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_refund_limit_cannot_be_split_into_pieces(shop: Store, cli: Cli) -> None:
    number = paid_order(shop, 9)  # 112.50 + 9.98 tax = 122.48
    as_(cli, "Alice", "2580")
    drawer_before = bal(shop, "assets:cash:drawer:1")
    cli.ok("refund", number, "--amount", "50", "--reason", "cold")  # at the $50.00 limit: hers to give
    result = cli.fails("refund", number, "--amount", "50", "--reason", "cold", audited=True,
                       says="A refund of $50.00 on order #1 needs a manager's approval: with $50.00 already refunded "
                            "on it, that makes $100.00, over the $50.00 limit per order (approval.refund_over); "
                            "add --approve MANAGER_NAME")
    assert result.output.count("\n") == 1  # one line: what was asked, why not, who may
    cli.fails("refund", number, "--amount", "8", "--reason", "cold", audited=True,
              says="with $50.00 already refunded on it, that makes $58.00")
    assert bal(shop, "assets:cash:drawer:1") == drawer_before - 5000  # only the first $50.00 left the drawer
    (refusal, _) = refused_events(shop.path)
    assert refusal["asked"] == "pos refund" and "$100.00" in refusal["why"]
    assert [r.staff for r in audit.records(shop) if r.event is audit.Event.REFUSED] == ["Alice", "Alice"]

    # Maria approves the second piece with her PIN; approved, it is hers, and Alice's own allowance stays used up.
    cli.ok("refund", number, "--amount", "50", "--reason", "cold", "--approve", "Maria", input="258036\n")
    cli.fails("refund", number, "--amount", "8", "--reason", "cold", audited=True, says="that makes $58.00")
    rows = shop.all("SELECT amount_minor, approved_by, created_by FROM refunds ORDER BY created_at")
    alice, maria = get_staff(shop, "Alice").id, get_staff(shop, "Maria").id
    assert [tuple(r) for r in rows] == [(5000, None, alice), (5000, maria, alice)]
    (approval,) = [r for r in audit.records(shop) if r.event is audit.Event.APPROVAL]
    assert (approval.staff, approval.detail["action"]) == ("Maria", "refund")
    verified(shop)


def test_a_cashiers_refunds_add_up_over_her_day(shop: Store, cli: Cli) -> None:
    with freeze_time(NOON) as clock:
        config.set_option(shop, "approval.refunds_per_shift_over", "60")
        first, second, third = (paid_order(shop) for _ in range(3))  # 13.61 each
        as_(cli, "Alice", "2580")
        cli.ok("refund", first, "--reason", "cold")
        cli.ok("refund", second, "--amount", "13", "--reason", "cold")
        cli.ok("refund", third, "--amount", "13", "--reason", "cold")  # 39.61 today, each under $50.00
        fourth = paid_order(shop, 2)  # 27.22
        cli.fails("refund", fourth, "--reason", "cold", audited=True,
                  says="A refund of $27.22 on order #4 needs a manager's approval: with $39.61 already refunded by "
                       "Alice today, that makes $66.83, over the $60.00 limit per person per day "
                       "(approval.refunds_per_shift_over)")
        cli.ok("refund", fourth, "--amount", "20", "--reason", "cold", "--approve", "Maria", input="258036\n")
        as_(cli, "Bob", "3691")  # a limit per person: Bob has refunded nothing today
        cli.ok("refund", fourth, "--amount", "7", "--reason", "cold")
        clock.tick(3600)
        as_(cli, "Alice", "2580")
        cli.ok("refund", fourth, "--amount", "0.22", "--reason", "cold")  # 39.83 of her 60.00
    with freeze_time("2026-11-24 09:05:00"):  # 04:05 in New York: the next business day, a count of its own
        fifth = paid_order(shop, 5)  # 68.05
        as_(cli, "Alice", "2580")
        cli.ok("refund", fifth, "--amount", "45", "--reason", "cold")


def _clock_out_and_in(cli: Cli, name: str, pin: str) -> None:
    """Clock out and in again with one's own PIN, as a cashier at the counter can."""
    cli.ok("shift", "end", name, input=f"{pin}\n")
    cli.ok("shift", "start", name, input=f"{pin}\n")


def test_clocking_out_and_in_does_not_reset_a_persons_limits(shop: Store, cli: Cli) -> None:
    """Issue 24, what was seen 5: $197 refunded against a $100-per-shift limit by clocking out and in; voids and
    discounts the same.  A new shift continues the business day's count."""
    with freeze_time(NOON) as clock:
        config.set_option(shop, "approval.refunds_per_shift_over", "100")
        config.set_option(shop, "approval.voids_per_shift_over", "30")
        config.set_option(shop, "approval.discounts_per_shift_over", "3")
        orders = [paid_order(shop, 4) for _ in range(4)]  # 54.44 each
        as_(cli, "Alice", "2580")
        cli.ok("refund", orders[0], "--amount", "49", "--reason", "cold")
        cli.ok("refund", orders[1], "--amount", "49", "--reason", "cold")  # 98.00 today
        clock.tick(600)
        _clock_out_and_in(cli, "Alice", "2580")
        clock.tick(60)
        as_(cli, "Alice", "2580")
        cli.fails("refund", orders[2], "--amount", "49", "--reason", "cold", audited=True,
                  says="with $98.00 already refunded by Alice today, that makes $147.00, over the $100.00 limit per "
                       "person per day (approval.refunds_per_shift_over)")
        cli.ok("refund", orders[2], "--amount", "2", "--reason", "cold")  # to the cent: 100.00
        cli.fails("refund", orders[3], "--amount", "0.01", "--reason", "cold", audited=True,
                  says="with $100.00 already refunded by Alice today, that makes $100.01")

        voids = [open_order(shop, "PIZZA-M") for _ in range(3)]  # 13.61 each
        cli.ok("void", voids[0], "--reason", "left")
        cli.ok("void", voids[1], "--reason", "left")  # 27.22 today
        clock.tick(600)
        _clock_out_and_in(cli, "Alice", "2580")
        clock.tick(60)
        as_(cli, "Alice", "2580")
        cli.fails("void", voids[2], "--reason", "left", audited=True,
                  says="with $27.22 already voided by Alice today, that makes $40.83, over the $30.00 limit per "
                       "person per day (approval.voids_per_shift_over)")

        discounted = [open_order(shop, "PIZZA-M") for _ in range(3)]
        cli.ok("order", "discount", discounted[0], "10%", "--reason", "regular")  # 1.25
        cli.ok("order", "discount", discounted[1], "10%", "--reason", "regular")  # 2.50 today
        clock.tick(600)
        _clock_out_and_in(cli, "Alice", "2580")
        clock.tick(60)
        as_(cli, "Alice", "2580")
        cli.fails("order", "discount", discounted[2], "10%", "--reason", "regular", audited=True,
                  says="with $2.50 already discounted by Alice today, that makes $3.75, over the $3.00 limit per "
                       "person per day (approval.discounts_per_shift_over)")
    verified(shop)


def test_the_library_refund_keeps_the_same_limits(shop: Store) -> None:
    with freeze_time(NOON):
        order_number = paid_order(shop, 9)
        alice = get_staff(shop, "Alice")
        refunds.refund(shop, order_number, "30", "cold", by=alice)
        refused(shop, OverLimit, "with $30.00 already refunded on it, that makes $60.00",
                refunds.refund, shop, order_number, "30", "cold", by=alice)
        refused(shop, NotAllowed, "Bob is a cashier: only a manager or owner can approve a refund",
                refunds.refund, shop, order_number, "30", "cold", by=alice, approver=get_staff(shop, "Bob"))


def test_authority_and_approvals_are_read_as_they_are_now_not_at_sign_in(shop: Store) -> None:
    """A register session holds its cashier from sign-in: a manager demoted since then, or an approver
    deactivated after typing their PIN, is held to the limits as they are now, inside the refund's write."""
    from pos.people.staff import change_role, deactivate_staff

    with freeze_time(NOON):
        add_staff(shop, "Olga", "owner", "147036")
        add_staff(shop, "Ned", "manager", "369258")
        order_number = paid_order(shop, 9)
        maria, ned = get_staff(shop, "Maria"), get_staff(shop, "Ned")  # as a screen holds them
        change_role(shop, "Maria", "cashier", actor=get_staff(shop, "Olga"))
        refused(shop, OverLimit, "it is over the $50.00 limit per order", refunds.refund, shop, order_number, "60",
                "cold", by=maria)
        deactivate_staff(shop, "Ned", actor=get_staff(shop, "Olga"))
        refused(shop, NotAllowed, "Ned is deactivated and cannot approve a refund", refunds.refund, shop,
                order_number, "60", "cold", by=get_staff(shop, "Alice"), approver=ned)


# -- voids: lines taken off, then the order ------------------------------------------------------------


@freeze_time(NOON)
def test_taking_lines_off_first_does_not_escape_the_void_limit(shop: Store, cli: Cli) -> None:
    config.set_option(shop, "approval.void_over", "20")
    number = open_order(shop, "PIZZA-M", "PIZZA-M", "SODA", "SODA")  # 32.64
    as_(cli, "Alice", "2580")
    cli.ok("order", "remove", number, "1")  # 13.61 off: under the $20.00
    cli.fails("order", "remove", number, "2", audited=True,
              says="Taking line 2 (Margherita 12in) off order #1 ($13.61) needs a manager's approval: with $13.61 "
                   "already voided on it, that makes $27.22, over the $20.00 limit per order (approval.void_over)")
    cli.fails("void", number, "--reason", "left", audited=True,
              says="Voiding order #1 ($19.03) needs a manager's approval: with $13.61 already voided on it, that "
                   "makes $32.64, over the $20.00 limit per order")
    out = cli.ok("void", number, "--reason", "left", "--approve", "Maria", input="258036\n").stdout
    assert out.endswith("Order #1 voided (left).\n")
    voided = shop.one("SELECT voided_by, voided_minor, void_approved_by FROM orders")
    assert tuple(voided) == (get_staff(shop, "Alice").id, 1903, get_staff(shop, "Maria").id)
    line, event = [r for r in audit.records(shop) if r.event is audit.Event.VOID]
    assert (line.staff, line.detail["target"], line.detail["amount_minor"]) == ("Alice", "order #1 line 1", 1361)
    assert (event.staff, event.detail["amount_minor"], event.detail["approved_by"]) == ("Alice", 1903, "Maria")
    assert (event.detail["target"], event.detail["before"], event.detail["after"]) == (
        "order #1", {"status": "open", "total_minor": 1903}, {"status": "voided", "total_minor": 0})


@freeze_time(NOON)
def test_a_cashiers_voids_add_up_over_her_day(shop: Store, cli: Cli) -> None:
    config.set_option(shop, "approval.voids_per_shift_over", "30")
    first, second, third = (open_order(shop, "PIZZA-M") for _ in range(3))
    as_(cli, "Alice", "2580")
    cli.ok("void", first, "--reason", "left")
    cli.ok("order", "void", second, "--reason", "left")  # 27.22 today
    cli.fails("void", third, "--reason", "left", audited=True,
              says="with $27.22 already voided by Alice today, that makes $40.83, over the $30.00 limit per "
                   "person per day (approval.voids_per_shift_over)")
    as_(cli, "Bob", "3691")
    cli.ok("void", third, "--reason", "left")


def test_a_kiosk_customer_taking_their_own_items_off_voids_nothing(shop: Store) -> None:
    from payments.selfcheckout import setup_kiosk
    from screens.kiosk import KioskSession

    with freeze_time(NOON):
        config.set_option(shop, "approval.void_over", "10")
        setup_kiosk(shop, 1, unattended=True)
        screen = KioskSession(shop, 1)
        for _ in range(3):
            screen.handle("PIZZA-M")
        assert screen.handle("-")[0] == "Removed Margherita 12in."
        assert screen.handle("-")[0] == "Removed Margherita 12in."
        assert shop.scalar("SELECT count(*) FROM order_lines WHERE removed_minor IS NOT NULL") == 0


# -- discounts ----------------------------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_full_discount_needs_a_manager_before_the_order_closes_at_nothing(shop: Store, cli: Cli) -> None:
    order = new_order(shop, "counter")
    add_line(shop, order.id, "PIZZA-M", 43)  # 537.50 before tax
    as_(cli, "Alice", "2580")
    cli.fails("order", "discount", "1", "100%", "--reason", "friend", audited=True,
              says="A discount of $537.50 on order #1 needs a manager's approval: it is 100% of its $537.50, over "
                   "the 20% limit (approval.discount_percent_over); add --approve MANAGER_NAME")
    cli.fails("order", "close", "1", says="has something to pay")
    assert bal(shop, "income:discounts") == 0
    cli.ok("order", "discount", "1", "100%", "--reason", "friend", "--approve", "Maria", input="258036\n")
    assert "closed at $0.00" in cli.ok("order", "close", "1").stdout
    (row,) = shop.all("SELECT created_by, approved_by, amount_minor FROM discounts")
    assert tuple(row) == (get_staff(shop, "Alice").id, get_staff(shop, "Maria").id, 53750)
    (event,) = [r for r in audit.records(shop) if r.event is audit.Event.DISCOUNT]
    assert (event.staff, event.detail["approved_by"], event.detail["amount_minor"]) == ("Alice", "Maria", 53750)


@freeze_time(NOON)
def test_an_orders_discounts_count_together_as_a_share_and_an_amount(shop: Store, cli: Cli) -> None:
    as_(cli, "Alice", "2580")
    open_order(shop, "PIZZA-M", "SODA")  # 14.99
    cli.ok("order", "discount", "1", "10%", "--reason", "regular")
    cli.ok("order", "discount", "1", "10%", "--reason", "birthday")  # 1.50 + 1.35 = 2.85: 19%
    cli.fails("order", "discount", "1", "0.50", "--reason", "and more", audited=True,
              says="A discount of $0.50 on order #1 needs a manager's approval: with the order's other discounts, "
                   "$3.35 is 22% of its $14.99, over the 20% limit")
    cli.fails("order", "discount", "1", "0.50", "--reason", "on the soda", "--line", "2", audited=True,
              says="22% of its $14.99")  # a line's discount is the order's too
    open_order(shop, *["PIZZA-M"] * 12)  # 150.00
    cli.ok("order", "discount", "2", "15.00", "--reason", "promo")
    cli.fails("order", "discount", "2", "6.00", "--reason", "promo", audited=True,
              says="with $15.00 already discounted on it, that makes $21.00, over the $20.00 limit per order "
                   "(approval.discount_over)")
    cli.ok("order", "undiscount", "2")  # taken off, it gives nothing away: it no longer counts
    cli.ok("order", "discount", "2", "20.00", "--reason", "promo")


@freeze_time(NOON)
def test_taking_lines_off_cannot_raise_a_discounts_share(shop: Store, cli: Cli) -> None:
    as_(cli, "Alice", "2580")
    open_order(shop, "PIZZA-M", "PIZZA-M", "SODA")  # 27.49
    cli.ok("order", "discount", "1", "5.00", "--reason", "promo")  # 18%
    cli.fails("order", "remove", "1", "1", audited=True,
              says="Taking line 1 (Margherita 12in) off order #1 needs a manager's approval: the order's "
                   "discounts ($5.00) would be 33% of the $14.99 left, over the 20% limit")


@freeze_time(NOON)
def test_a_cashiers_discounts_add_up_over_her_day(shop: Store, cli: Cli) -> None:
    config.set_option(shop, "approval.discounts_per_shift_over", "3")
    for _ in range(3):
        open_order(shop, "PIZZA-M")
    as_(cli, "Alice", "2580")
    cli.ok("order", "discount", "1", "10%", "--reason", "regular")  # 1.25
    cli.ok("order", "discount", "2", "10%", "--reason", "regular")  # 2.50 today
    cli.fails("order", "discount", "3", "10%", "--reason", "regular", audited=True,
              says="with $2.50 already discounted by Alice today, that makes $3.75, over the $3.00 limit per "
                   "person per day (approval.discounts_per_shift_over)")


def test_the_discount_rule_is_the_librarys(shop: Store) -> None:
    with freeze_time(NOON):
        order = new_order(shop, "counter")
        add_line(shop, order.id, "PIZZA-M")
        refused(shop, OverLimit, "over the 20% limit", add_discount, shop, order.id, "100%", "friend")
        refused(shop, NotAllowed, "only a manager or owner can approve a discount", add_discount, shop, order.id,
                "100%", "friend", approver=get_staff(shop, "Bob"))
        add_discount(shop, order.id, "100%", "friend", approver=get_staff(shop, "Maria"))
        assert view(shop, order.id).totals.total_minor == 0
        other = new_order(shop, "counter")
        add_line(shop, other.id, "PIZZA-M")
        add_line(shop, other.id, "PIZZA-M")
        add_discount(shop, other.id, "2.00", "promo")
        config.set_option(shop, "approval.void_over", "10")
        refused(shop, OverLimit, "over the $10.00 limit per order", remove_line, shop, other.id, 1)


# -- the register session: the manager types their PIN at the prompt ---------------------------------------


@pytest.fixture
def till(shop: Store) -> Session:
    return Session(shop, get_staff(shop, "Alice"), 1)


@freeze_time(NOON)
def test_the_register_asks_for_a_manager_over_a_limit(till: Session) -> None:
    store = till.store
    for _ in range(4):
        till.handle("PIZZA-M")  # 54.44
    said = till.handle("d 100% friend")
    assert said == ["A discount of $50.00 on order #1 needs a manager's approval: it is 100% of its $50.00, over the "
                    "20% limit (approval.discount_percent_over); a manager types their name, then their PIN (Enter "
                    "alone cancels)."]
    assert till.asking is not None and (till.asking.label, till.asking.hidden) == ("Manager", False)
    assert till.answer("Maria") == []
    assert till.asking is not None and (till.asking.label, till.asking.hidden) == ("PIN for Maria", True)
    assert till.answer("258036") == ["Discount 100%: friend."]
    assert till.screen()[-1].split() == ["Due", "$0.00"]
    (approval,) = [r for r in audit.records(store) if r.event is audit.Event.APPROVAL]
    assert approval.staff == "Maria"
    (discount,) = [r for r in audit.records(store) if r.event is audit.Event.DISCOUNT]
    assert discount.staff == "Alice"  # the session's cashier is named in the trail


@freeze_time(NOON)
def test_the_register_cancelled_or_wrongly_approved_does_nothing_but_say_so(till: Session) -> None:
    store = till.store
    config.set_option(store, "approval.void_over", "20")
    till.handle("PIZZA-M")
    till.handle("PIZZA-M")
    before = snapshot(store.path, ("audit_log", "staff"))
    assert "needs a manager's approval" in till.handle("void left")[0]
    assert till.answer("") == ["Not done: no manager approved it."]  # Enter alone cancels
    assert "needs a manager's approval" in till.handle("void left")[0]
    till.answer("Bob")
    assert till.answer("3691") == ["Bob is a cashier: only a manager or owner can approve a void."]
    assert "needs a manager's approval" in till.handle("void left")[0]
    till.answer("Maria")
    assert "Wrong PIN for Maria" in till.answer("369147")[0]
    assert snapshot(store.path, ("audit_log", "staff")) == before  # nothing done; the failed PIN is counted
    asked = [event["asked"] for event in refused_events(store.path)]
    assert asked == ["register: void left", "register: void left"]  # cancelled; approved by a cashier
    assert till.order_id is not None and till.screen()[-1].split() == ["Due", "$27.22"]
    assert "needs a manager's approval" in till.handle("void left")[0]
    till.answer("Maria")
    assert till.answer("258036") == ["Voided #1."]


def test_the_limits_are_store_options_documented_in_config_show(cli: Cli) -> None:
    shown = cli.ok("config", "show").stdout
    for option in ("approval.refund_over", "approval.refunds_per_shift_over", "approval.void_over",
                   "approval.voids_per_shift_over", "approval.discount_over", "approval.discount_percent_over",
                   "approval.discounts_per_shift_over"):
        assert option in shown
    helped = " ".join(cli.ok("config", "show", "--help").stdout.split())
    assert "limits that add up" in helped and "refunds_per_shift_over" in helped and "discount_percent_over" in helped
    cli.fails("config", "set", "approval.discount_percent_over", "101", says="a whole percentage from 0 to 100")
    assert cli.ok("config", "set", "approval.discount_percent_over", "0%").stdout == "approval.discount_percent_over = 0\n"


@freeze_time(NOON)
def test_a_manager_acts_on_their_own_authority_above_the_limits_and_is_named_for_it(shop: Store, cli: Cli) -> None:
    """Nobody approves their own request: a manager, who may approve, is not held to the limits a cashier is."""
    number = paid_order(shop, 9)  # $122.48
    as_(cli, "Maria", "258036")
    cli.ok("refund", number, "--amount", "80", "--reason", "cold")  # over the $50.00 limit: hers to give
    (event,) = [r for r in audit.records(shop) if r.event is audit.Event.REFUND]
    assert (event.staff, event.detail["amount_minor"], event.detail["approved_by"]) == ("Maria", 8000, None)
    as_(cli, "Alice", "2580")  # a cashier is still held to the order's limit, Maria's refund counted in it
    cli.fails("refund", number, "--amount", "1", "--reason", "cold", audited=True,
              says="with $80.00 already refunded on it, that makes $81.00")
