"""Regressions for bugs found in review: each of these once lost or invented money."""

from __future__ import annotations

import pytest

from payments import service
from payments.base import order_payments
from payments.refunds import refund
from pos.base import faults
from pos.books import ledger
from pos.books import journal_check
from pos.store.catalog import add_item
from pos.cash.drawer import expected_cash, open_drawer
from pos.base.errors import Conflict
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order, remove_line
from pos.store.store import Store


@pytest.fixture
def till(make_store) -> Store:
    store = make_store(training=True)
    add_item(store, "P", "Pizza", "10.00")  # 10.00 + 0.89 tax = 10.89
    open_drawer(store, 1, "100")
    yield store
    faults.clear()


def pizza(store: Store, n: int = 1):
    order = new_order(store, "counter")
    for _ in range(n):
        add_line(store, order.id, "P")
    return order


def test_order_void_cli_refuses_an_order_with_money_taken(till: Store, cli_for) -> None:
    pizza(till)
    cli = cli_for(till)
    cli.ok("pay", "1", "cash", "5")
    cli.fails("order", "void", "1", "--reason", "oops", says="refund it first")
    cli.fails("void", "1", "--reason", "oops", says="refund it first")


def test_items_cannot_go_below_what_is_paid(till: Store) -> None:
    order = pizza(till, 2)  # 21.78
    service.pay(till, order.id, "cash", "15")
    with pytest.raises(Conflict, match="below that"):
        remove_line(till, order.id)
    with pytest.raises(Conflict, match="below that"):
        add_discount(till, order.id, "50%", "promo")
    assert service.due_minor(till, order.id) == 678


def test_two_registers_cannot_charge_the_same_amount_twice(till: Store) -> None:
    order = pizza(till)
    other = Store.open(till.path)
    refused: list[str] = []

    def second_register() -> None:
        try:
            service.pay(other, order.id, "card")
        except Conflict as exc:
            refused.append(exc.message)

    faults.on("payment.requested", second_register)
    try:
        first = service.pay(till, order.id, "card")
    finally:
        faults.clear()
        other.close()
    assert first.order_paid
    assert refused and "a payment is pending" in refused[0]
    assert [p.state.value for p in order_payments(till, order.id)] == ["captured"]


def test_refund_before_the_sale_then_after_it(till: Store) -> None:
    order = pizza(till)
    service.pay(till, order.id, "card", "4.00")
    refund(till, order.id, None, "wrong card")  # undone against what is owed
    service.pay(till, order.id, "card")
    result = refund(till, order.id, None, "cold")
    assert result.total_minor == 1089 and result.fully_refunded
    assert ledger.balances(till, prefix="income:sales") == {("income:sales", "USD"): 0}
    assert journal_check.verify(till).problem is None


def test_two_concurrent_refunds_both_count(till: Store) -> None:
    order = pizza(till)
    service.pay(till, order.id, "cash", "20")
    other = Store.open(till.path)

    def second_register() -> None:
        faults.clear()  # only once
        refund(other, order.id, "5", "second register")

    faults.on("refund.requested", second_register)
    try:
        refund(till, order.id, "3", "first register")
    finally:
        faults.clear()
        other.close()
    (payment,) = order_payments(till, order.id)
    assert payment.refunded_minor == 800
    assert expected_cash(till, 1) == 10000 + 1089 - 800
    assert refund(till, order.id, None, "the rest").total_minor == 289
    assert journal_check.verify(till).problem is None


def test_tips_only_to_people_who_may_receive_them(till: Store) -> None:
    from pos.base.errors import NotAllowed, NotFound
    from pos.people.staff import add_staff, set_tip_eligibility, start_shift

    order = pizza(till)
    with pytest.raises(NotAllowed, match="nobody would receive"):
        service.pay(till, order.id, "cash", "20", tip_minor=200)
    with pytest.raises(NotFound):
        service.pay(till, order.id, "cash", "20", tip_minor=200, tip_to="nobody")
    add_staff(till, "Maria", "manager", "258036")
    start_shift(till, "Maria")
    with pytest.raises(NotAllowed, match="may not share"):
        service.pay(till, order.id, "cash", "20", tip_minor=200, tip_to="Maria")
    add_staff(till, "Mary Ann", "cashier", "2580")
    with pytest.raises(NotAllowed, match="not on shift"):
        service.pay(till, order.id, "cash", "20", tip_minor=200, tip_to="Mary Ann")
    assert order_payments(till, order.id) == []
    start_shift(till, "Mary Ann")
    with pytest.raises(NotAllowed, match="after this order was rung"):  # clocking in for a tip does not get it
        service.pay(till, order.id, "cash", "20", tip_minor=200, tip_to="Mary Ann")
    order = pizza(till)  # rung while she is on shift
    paid = service.pay(till, order.id, "cash", "20", tip_minor=200, tip_to="mary ann")
    assert paid.payment.change_minor == 2000 - 1089 - 200 and paid.payment.tip_to == "mary-ann"
    assert ledger.balances(till, prefix="liabilities:tips") == {("liabilities:tips:mary-ann", "USD"): -200}
    set_tip_eligibility(till, "Mary Ann", False)
    with pytest.raises(NotAllowed, match="not eligible"):
        service.pay(till, pizza(till).id, "cash", "20", tip_minor=100, tip_to="Mary Ann")


def test_a_driver_who_may_not_take_tips_cannot_be_tipped(till: Store) -> None:
    from payments.cod import collect, dispatch
    from pos.base.errors import NotAllowed
    from pos.people.staff import add_staff, start_shift

    add_staff(till, "Dave", "driver", "2580", tip_eligible=False)
    start_shift(till, "Dave")
    order = new_order(till, "delivery", address="1 Elm")
    add_line(till, order.id, "P")
    dispatch(till, order.id, "Dave")
    with pytest.raises(NotAllowed, match="not eligible"):
        collect(till, order.id, "20", "2")
    assert collect(till, order.id, "20", "0").tip_minor == 0  # "0" is no tip


def test_an_order_comped_to_nothing_is_closed_not_paid(till: Store, cli_for) -> None:
    from pos.store import config

    config.set_option(till, "approval.discount_percent_over", "100")  # a comp here needs no manager (see test_limits)
    order = pizza(till)
    add_discount(till, order.id, "100%", "staff meal")
    cli = cli_for(till)
    cli.fails("pay", "1", "cash", says="pos order close 1")
    cli.fails("order", "close", "2", says="No order #2")
    assert "closed at $0.00" in cli.ok("order", "close", "1").stdout
    cli.fails("order", "close", "1", says="already paid")
    assert ledger.balances(till, prefix="income") == {("income:discounts", "USD"): 1000, ("income:sales", "USD"): -1000}
    other = pizza(till)
    cli.fails("order", "close", str(other.number), says="has something to pay")
