"""Cash on delivery, driver cash, refunds, voids, drawers and options, at library level.

The ``store`` fixture is USD, tax-exclusive, ``standard`` at 8.875%, with
PIZZA-M at 12.50 and SODA at 2.49.  Order totals used below:

    PIZZA-M                 12.50 + 1.109375 -> 1.11          = 13.61
    PIZZA-M + SODA          14.99 + 1.3303625 -> 1.33         = 16.32
    2 x PIZZA-M + SODA      27.49 + 2.4397375 -> 2.44         = 29.93

Orders are referred to by id, so no test depends on the business day.
"""

from __future__ import annotations

from typing import Any

import pytest

from payments import cod, refunds, service
from payments.base import PaymentState, TenderKind, get_payment, order_payments
from pos.store import config
from pos.cash import drawer
from pos.books import ledger
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import Order, OrderStatus, resolve
from pos.store.roster import StaffMember
from pos.people.staff import add_staff, deactivate_staff, end_shift, get_staff, start_shift
from pos.store.store import Store

S = PaymentState
ADDRESS = "12 Elm Street, Apt 3"
from tests.helpers import DEFAULT_OPTIONS, bal, order_sums, refused, verified


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIN hashing at full scrypt cost is slow; these tests are not about PINs."""
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def crew(store: Store) -> Store:
    """Dan (driver, on shift), Cate (cashier, on shift), Maria (manager)."""
    add_staff(store, "Dan", "driver", "2580")
    add_staff(store, "Cate", "cashier", "1470")
    add_staff(store, "Maria", "manager", "258036")
    start_shift(store, "Dan")
    start_shift(store, "Cate")
    return store


# -- helpers ---------------------------------------------------------------------------


def order_of(store: Store, *lines: tuple[str, int], channel: str = "counter", **kw: Any) -> Order:
    order = new_order(store, channel, **kw)
    for sku, qty in lines:
        add_line(store, order.id, sku, qty)
    return resolve(store, order.id)


def delivery(store: Store, address: str | None = ADDRESS) -> Order:
    """PIZZA-M + SODA to deliver: 16.32."""
    return order_of(store, ("PIZZA-M", 1), ("SODA", 1), channel="delivery", address=address)


def pizza(store: Store) -> Order:
    """13.61."""
    return order_of(store, ("PIZZA-M", 1))


def big(store: Store) -> Order:
    """29.93."""
    return order_of(store, ("PIZZA-M", 2), ("SODA", 1))








def status(store: Store, order: Order) -> OrderStatus:
    return resolve(store, order.id).status




def manager(store: Store) -> StaffMember:
    return get_staff(store, "Maria")


# -- dispatch ---------------------------------------------------------------------------------


def test_dispatch_authorizes_what_is_due_to_the_driver(crew: Store) -> None:
    store = crew
    order = delivery(store)
    entries = ledger.count_entries(store)
    p = cod.dispatch(store, order.id, "dan")  # any case
    assert (p.tender, p.state, p.amount_minor) == (TenderKind.COD, S.AUTHORIZED, 1632)
    assert p.driver_id == get_staff(store, "Dan").id
    assert service.due_minor(store, order.id) == 0
    assert status(store, order) is OrderStatus.OPEN
    assert ledger.count_entries(store) == entries  # nothing is booked until collected
    assert cod.driver_cash(store, "Dan") == cod.DriverCash("Dan", 0, [cod.DriverOrder(order.label, order.address or "", 1632)])


def test_dispatch_refusals(crew: Store) -> None:
    store = crew
    order = delivery(store)
    refused(store, NotFound, "No staff member called 'Zed'", cod.dispatch, store, order.id, "Zed")
    refused(store, NotAllowed, "Cate is a cashier, not a driver", cod.dispatch, store, order.id, "Cate")
    add_staff(store, "Olga", "driver", "3692")
    refused(store, NotAllowed, "Olga is not on shift", cod.dispatch, store, order.id, "Olga")
    start_shift(store, "Olga")
    end_shift(store, "Olga")
    refused(store, NotAllowed, "Olga is not on shift", cod.dispatch, store, order.id, "Olga")
    add_staff(store, "Pete", "driver", "5803")
    start_shift(store, "Pete")
    deactivate_staff(store, "Pete")
    refused(store, NotAllowed, "Pete is deactivated", cod.dispatch, store, order.id, "Pete")
    assert order_payments(store, order.id) == []


def test_dispatch_needs_a_delivery_order_with_an_address(crew: Store) -> None:
    store = crew
    counter = pizza(store)
    refused(store, NotAllowed, "is a counter order, not a delivery", cod.dispatch, store, counter.id, "Dan")
    no_address = delivery(store, address=None)
    refused(store, InvalidInput, "has no address", cod.dispatch, store, no_address.id, "Dan")
    empty = order_of(store, channel="delivery", address=ADDRESS)
    refused(store, Conflict, "has no items", cod.dispatch, store, empty.id, "Dan")


def test_dispatch_twice_is_refused(crew: Store) -> None:
    store = crew
    order = delivery(store)
    cod.dispatch(store, order.id, "Dan")
    refused(store, Conflict, "already out for delivery with Dan", cod.dispatch, store, order.id, "Dan")
    add_staff(store, "Olga", "driver", "3692")
    start_shift(store, "Olga")
    refused(store, Conflict, "already out for delivery with Dan", cod.dispatch, store, order.id, "Olga")
    assert len(order_payments(store, order.id)) == 1


def test_dispatch_after_a_partial_cash_payment_collects_the_rest(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = order_of(store, ("PIZZA-M", 2), ("SODA", 1), channel="delivery", address=ADDRESS)  # 29.93
    service.pay(store, order.id, "cash", "10")
    p = cod.dispatch(store, order.id, "Dan")
    assert p.amount_minor == 1993
    refused(store, Conflict, "nothing left to pay: a payment is pending", service.pay, store, order.id, "cash")
    collected = cod.collect(store, order.id, "20")
    assert collected.change_minor == 7  # 20.00 - 19.93
    assert status(store, order) is OrderStatus.PAID
    assert bal(store, "assets:cash:driver:dan") == 1993
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0
    # A full refund goes newest first: the COD part, then the counter cash, both from drawer 1.
    result = refunds.refund(store, order.id, None, "wrong pizza")
    assert [(part.tender, part.amount_minor) for part in result.parts] == [("cod", 1993), ("cash", 1000)]
    verified(store)


# -- collect ----------------------------------------------------------------------------------


def test_collect_with_change_and_a_tip_kept_by_the_driver(crew: Store) -> None:
    store = crew
    order = delivery(store)  # 16.32
    cod.dispatch(store, order.id, "Dan")
    p = cod.collect(store, order.id, "20", tip="2")
    # 20.00 - 16.32 - 2.00 tip = 1.68 change
    assert (p.state, p.amount_minor, p.tendered_minor, p.change_minor, p.tip_minor, p.tip_to) == (
        S.CAPTURED, 1632, 2000, 168, 200, "dan")
    assert status(store, order) is OrderStatus.PAID
    assert bal(store, "liabilities:tips:dan") == 0  # owed, then kept from the bag at once
    assert bal(store, "assets:cash:driver:dan") == 1632  # exactly what the store is owed
    assert cod.driver_cash(store, "Dan") == cod.DriverCash("Dan", 1632, [], [
        cod.DriverOrder(order.label, order.address or "", 1632)])  # where the cash held came from
    sums = order_sums(store, order.id)
    assert sums["assets:receivable:orders"] == 0
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (-1499, -133)
    verified(store)


def test_keep_the_change_makes_all_of_it_the_drivers_tip(crew: Store, cli_for) -> None:
    store = crew
    order = delivery(store)  # 16.32
    cod.dispatch(store, order.id, "Dan")
    refused(store, InvalidInput, "not both", cod.collect, store, order.id, "20", tip="1", keep_change=True)
    refused(store, InvalidInput, "leaves no change to keep", cod.collect, store, order.id, "16.32", keep_change=True)
    out = cli_for(store).ok("delivery", "collect", str(order.number), "20", "--keep-change").stdout
    assert out == "Collected $20.00: change $0.00, tip $3.68 kept by the driver.\n"
    p = order_payments(store, order.id)[0]
    assert (p.tip_minor, p.tip_to, p.change_minor) == (368, "dan", 0)
    verified(store)


def test_collect_exact_without_tip(crew: Store) -> None:
    store = crew
    order = delivery(store)
    cod.dispatch(store, order.id, "Dan")
    p = cod.collect(store, order.id, "16.32")
    assert (p.tendered_minor, p.change_minor, p.tip_minor, p.tip_to) == (1632, 0, 0, None)
    assert bal(store, "assets:cash:driver:dan") == 1632
    verified(store)


def test_collect_refusals(crew: Store) -> None:
    store = crew
    order = delivery(store)
    refused(store, NotFound, "not out for delivery", cod.collect, store, order.id, "20")
    cod.dispatch(store, order.id, "Dan")
    refused(store, InvalidInput, "$15.00 does not cover $16.32", cod.collect, store, order.id, "15")
    refused(store, InvalidInput, "plus the $2.00 tip", cod.collect, store, order.id, "17", tip="2")
    refused(store, InvalidInput, "negative", cod.collect, store, order.id, "-20")
    refused(store, InvalidInput, "negative", cod.collect, store, order.id, "20", tip="-1")
    cod.collect(store, order.id, "20")
    refused(store, Conflict, "already collected", cod.collect, store, order.id, "20")
    verified(store)


def test_failed_delivery_voids_the_payment_and_reopens_the_order(crew: Store) -> None:
    store = crew
    order = delivery(store)
    first = cod.dispatch(store, order.id, "Dan")
    refused(store, InvalidInput, "Say why the delivery failed", cod.fail, store, order.id, "  ")
    failed = cod.fail(store, order.id, "nobody home")
    assert (failed.id, failed.state, failed.note) == (first.id, S.VOIDED, "delivery failed: nobody home")
    assert status(store, order) is OrderStatus.OPEN
    assert service.due_minor(store, order.id) == 1632
    assert cod.driver_cash(store, "Dan") == cod.DriverCash("Dan", 0, [])
    refused(store, NotFound, "not out for delivery", cod.fail, store, order.id, "again")
    second = cod.dispatch(store, order.id, "Dan")
    assert second.id != first.id and (second.state, second.amount_minor) == (S.AUTHORIZED, 1632)
    cod.collect(store, order.id, "16.32")
    assert status(store, order) is OrderStatus.PAID
    verified(store)


# -- driver cash and hand-ins -----------------------------------------------------------------------


def _delivered(store: Store) -> Order:
    order = delivery(store)
    cod.dispatch(store, order.id, "Dan")
    cod.collect(store, order.id, "20")  # change 3.68; Dan holds 16.32
    return order


def test_handin_with_a_shortfall_that_stays_visible(crew: Store) -> None:
    store = crew
    _delivered(store)
    drawer.open_drawer(store, 1, "50")
    cod.start_handin(store, "Dan", "15")  # the driver's word alone moves nothing
    assert drawer.expected_cash(store, 1) == 5000 and bal(store, "assets:cash:driver:dan") == 1632
    entry, _, _, cash = cod.confirm_handin(store, "Dan", "15", get_staff(store, "Cate"))  # Cate counts it
    assert entry is not None and sorted(entry.postings) == sorted([
        ledger.Posting("assets:cash:drawer:1", 1500, "USD"),
        ledger.Posting("assets:cash:driver:dan", -1500, "USD"),
    ])
    # 16.32 - 15.00 = 1.32 still owed by Dan
    assert cash == cod.DriverCash("Dan", 132, [])
    assert bal(store, "assets:cash:driver:dan") == 132
    assert drawer.expected_cash(store, 1) == 5000 + 1500
    refused(store, InvalidInput, "Dan holds $1.32", cod.start_handin, store, "Dan", "2")
    assert cod.handin(store, "Dan", "1.32", received_by=get_staff(store, "Cate"))[1].held_minor == 0
    verified(store)


@pytest.mark.parametrize("amount", ["-5", "0", "abc", -5, 0])
def test_handin_bad_amounts_refused(crew: Store, amount: Any) -> None:
    store = crew
    _delivered(store)
    drawer.open_drawer(store, 1, "0")
    refused(store, InvalidInput, "", cod.start_handin, store, "Dan", amount)


def test_handin_needs_an_open_drawer_and_cash_held(crew: Store) -> None:
    store = crew
    _delivered(store)
    refused(store, NotAllowed, "Drawer 1 is not open", cod.start_handin, store, "Dan", "10")
    drawer.open_drawer(store, 1, "0")
    refused(store, InvalidInput, "Dan holds $16.32", cod.start_handin, store, "Dan", "16.33")
    add_staff(store, "Olga", "driver", "3692")
    refused(store, InvalidInput, "Olga holds $0.00", cod.start_handin, store, "Olga", "1")
    refused(store, NotFound, "No staff member called 'Zed'", cod.start_handin, store, "Zed", "1")


# -- refunds ----------------------------------------------------------------------------------------


@pytest.fixture
def paid(crew: Store) -> tuple[Store, Order]:
    """Drawer 1 open with 100.00; PIZZA-M (13.61) paid in cash."""
    drawer.open_drawer(crew, 1, "100")
    order = pizza(crew)
    service.pay(crew, order.id, "cash")
    return crew, order


def test_full_refund_reverses_the_sale(paid: tuple[Store, Order]) -> None:
    store, order = paid
    result = refunds.refund(store, order.id, None, "cold pizza")
    (part,) = result.parts
    assert (result.total_minor, result.fully_refunded, part.tender, part.amount_minor) == (1361, True, "cash", 1361)
    assert status(store, order) is OrderStatus.REFUNDED
    p = get_payment(store, part.payment_id)
    assert (p.state, p.refunded_minor, p.refundable_minor) == (S.REFUNDED, 1361, 0)
    sums = order_sums(store, order.id)
    assert (sums["income:sales"], sums["liabilities:tax:standard"], sums["assets:receivable:orders"]) == (0, 0, 0)
    assert drawer.expected_cash(store, 1) == 10000  # the 13.61 went back out
    r = store.one("SELECT * FROM refunds WHERE id = ?", (part.refund_id,))
    assert (r["amount_minor"], r["reason"], r["register"], r["approved_by"]) == (1361, "cold pizza", 1, None)
    verified(store)


def test_partial_refund(paid: tuple[Store, Order]) -> None:
    store, order = paid
    result = refunds.refund(store, order.id, "5", "missing dip")
    assert (result.total_minor, result.fully_refunded) == (500, False)
    p = get_payment(store, result.parts[0].payment_id)
    assert (p.state, p.refunded_minor, p.refundable_minor) == (S.PARTIALLY_REFUNDED, 500, 861)
    assert status(store, order) is OrderStatus.PAID
    sums = order_sums(store, order.id)
    # 5.00 x 1250/1361 = 459.22 -> 459 (+1 by largest remainder to tax: 40.78 -> 41)
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (-1250 + 459, -111 + 41)
    assert drawer.expected_cash(store, 1) == 10000 + 1361 - 500
    verified(store)


def test_two_partials_then_a_third_refused(paid: tuple[Store, Order]) -> None:
    store, order = paid
    assert not refunds.refund(store, order.id, "5", "missing dip").fully_refunded
    assert refunds.refund(store, order.id, "8.61", "still cold").fully_refunded
    assert status(store, order) is OrderStatus.REFUNDED
    refused(store, Conflict, "already fully refunded", refunds.refund, store, order.id, "0.01", "again")
    refused(store, Conflict, "already fully refunded", refunds.refund, store, order.id, None, "again")
    sums = order_sums(store, order.id)
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (0, 0)
    verified(store)


def test_three_partial_refunds_reverse_sales_and_tax_exactly(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = big(store)  # sales 27.49, tax 2.44
    service.pay(store, order.id, "cash")
    # each 10.00: sales 1000 x 2749/2993 = 918.48 -> 918, tax 81.52 -> 82
    # 9.93: sales 912.05 -> 912, tax 80.95 -> 81; 918+918+912 = 2748, 82+82+81 = 245
    for amount in ("10", "10", "9.93"):
        refunds.refund(store, order.id, amount, "wrong order")
    assert status(store, order) is OrderStatus.REFUNDED
    sums = order_sums(store, order.id)
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (0, 0)


def test_refund_refusals(paid: tuple[Store, Order]) -> None:
    store, order = paid
    refused(store, InvalidInput, "Only $13.61 of order", refunds.refund, store, order.id, "13.62", "too much")
    refused(store, InvalidInput, "needs a reason", refunds.refund, store, order.id, "1", "   ")
    refused(store, InvalidInput, "negative", refunds.refund, store, order.id, "-1", "minus")
    refused(store, InvalidInput, "", refunds.refund, store, order.id, "0", "zero")
    unpaid = pizza(store)
    refused(store, Conflict, "has no captured payment to refund", refunds.refund, store, unpaid.id, None, "x")
    refunds.void(store, unpaid.id, "left")
    refused(store, Conflict, "was voided", refunds.refund, store, unpaid.id, None, "x")


def test_refund_above_threshold_needs_a_manager(paid: tuple[Store, Order]) -> None:
    store, order = paid
    config.set_option(store, "approval.refund_over", "10")
    # At the threshold no approval is needed.
    refunds.refund(store, order.id, "1", "a bit cold")
    # 12.61 left; with the 1.00 before, 13.61 refunded on the order: above 10.00.
    refused(store, NotAllowed, "needs a manager's approval: with $1.00 already refunded on it, that makes $13.61, "
            "over the $10.00 limit per order", refunds.refund, store, order.id, None, "cold")
    cate = get_staff(store, "Cate")
    refused(store, NotAllowed, "Cate is a cashier: only a manager or owner can approve a refund",
            refunds.refund, store, order.id, None, "cold", approver=cate)
    result = refunds.refund(store, order.id, None, "cold", approver=manager(store))
    assert (result.total_minor, result.fully_refunded) == (1261, True)
    approved = store.one("SELECT approved_by FROM refunds WHERE id = ?", (result.parts[0].refund_id,))
    assert approved["approved_by"] == manager(store).id
    verified(store)


def test_a_deactivated_manager_cannot_approve_and_is_told_why(paid: tuple[Store, Order]) -> None:
    store, order = paid
    config.set_option(store, "approval.refund_over", "10")
    deactivate_staff(store, "Maria")
    refused(store, NotAllowed, "deactivated", refunds.refund, store, order.id, None, "cold", approver=manager(store))


def test_refund_of_a_split_payment_goes_newest_first(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = big(store)  # 29.93
    older = service.pay(store, order.id, "cash", "10").payment
    newer = service.pay(store, order.id, "cash").payment  # 19.93
    first = refunds.refund(store, order.id, "5", "late")
    assert [(p.payment_id, p.amount_minor) for p in first.parts] == [(newer.id, 500)]
    # 16.00: the 14.93 left on the newer payment, then 1.07 of the older one
    second = refunds.refund(store, order.id, "16", "very late")
    assert [(p.payment_id, p.amount_minor) for p in second.parts] == [(newer.id, 1493), (older.id, 107)]
    assert get_payment(store, newer.id).state is S.REFUNDED
    assert (get_payment(store, older.id).state, get_payment(store, older.id).refunded_minor) == (S.PARTIALLY_REFUNDED, 107)
    assert drawer.expected_cash(store, 1) == 10000 + 2993 - 2100
    verified(store)


def test_refused_split_refund_writes_nothing(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "0")
    drawer.open_drawer(store, 2, "0")
    order = big(store)  # 29.93
    service.pay(store, order.id, "cash", "10", register=2)  # drawer 2: 10.00
    service.pay(store, order.id, "cash", register=1)  # drawer 1: 19.93
    # From drawer 1: the newer 19.93 fits, then the older 10.00 does not (drawer 1 is empty by then).
    refused(store, NotAllowed, "not enough", refunds.refund, store, order.id, None, "wrong order", register=1)


def test_refund_on_an_open_order_makes_the_amount_due_again(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = big(store)  # 29.93
    service.pay(store, order.id, "cash", "10")
    refunds.refund(store, order.id, None, "customer wants to pay by card")
    assert service.due_minor(store, order.id) == 2993
    result = service.pay(store, order.id, "cash")
    assert result.payment.amount_minor == 2993
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0


def test_cod_refund_comes_from_the_drawer(crew: Store) -> None:
    store = crew
    order = _delivered(store)  # 16.32, Dan holds it
    drawer.open_drawer(store, 1, "0")
    cod.handin(store, "Dan", "16.32", received_by=get_staff(store, "Cate"))
    result = refunds.refund(store, order.id, "6.32", "pizza was cold")
    (part,) = result.parts
    assert (part.tender, part.amount_minor) == ("cod", 632)
    assert drawer.expected_cash(store, 1) == 1632 - 632
    assert bal(store, "assets:cash:driver:dan") == 0
    entry = ledger.find_by_key(store, f"refund:{part.refund_id}")
    assert entry is not None and ledger.Posting("assets:cash:drawer:1", -632, "USD") in entry.postings
    verified(store)


def test_cash_refund_bigger_than_the_drawer_is_refused(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "0")
    order = pizza(store)
    service.pay(store, order.id, "cash")  # drawer holds 13.61
    drawer.move(store, 1, drawer.Movement.DROP, "10", "to the safe")  # 3.61 left
    refused(store, NotAllowed, "Drawer 1 holds $3.61, not enough for a $13.61 cash refund",
            refunds.refund, store, order.id, None, "cold")
    refused(store, NotAllowed, "Drawer 2 is not open", refunds.refund, store, order.id, "1", "cold", register=2)
    assert refunds.refund(store, order.id, "3.61", "partly cold").total_minor == 361
    assert drawer.expected_cash(store, 1) == 0


# -- voids -------------------------------------------------------------------------------------------


def test_void_an_unpaid_order(crew: Store) -> None:
    store = crew
    order = pizza(store)
    refused(store, InvalidInput, "needs a reason", refunds.void, store, order.id, " ")
    voided = refunds.void(store, order.id, "customer left")
    assert (voided.status, voided.void_reason) == (OrderStatus.VOIDED, "customer left")
    refused(store, Conflict, "already voided", refunds.void, store, order.id, "again")


def test_void_an_order_out_for_delivery_releases_the_cod_payment(crew: Store) -> None:
    store = crew
    order = delivery(store)
    p = cod.dispatch(store, order.id, "Dan")
    voided = refunds.void(store, order.id, "customer cancelled")
    assert voided.status is OrderStatus.VOIDED
    assert (get_payment(store, p.id).state, get_payment(store, p.id).note) == (
        S.VOIDED, "order voided: customer cancelled")
    assert cod.driver_cash(store, "Dan").out_for_delivery == []
    refused(store, NotFound, "not out for delivery", cod.collect, store, order.id, "20")
    verified(store)


def test_void_with_captured_cash_is_refused_until_refunded(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = big(store)
    service.pay(store, order.id, "cash", "10")
    refused(store, Conflict, "has $10.00 paid already: refund it first", refunds.void, store, order.id, "left")
    refunds.refund(store, order.id, None, "left")
    assert refunds.void(store, order.id, "left").status is OrderStatus.VOIDED
    assert drawer.expected_cash(store, 1) == 10000
    verified(store)


def test_void_of_a_paid_order_is_refused(paid: tuple[Store, Order]) -> None:
    store, order = paid
    refused(store, Conflict, "is paid and cannot be voided: refund it instead", refunds.void, store, order.id, "x")


def test_void_above_threshold_needs_a_manager(crew: Store) -> None:
    store = crew
    config.set_option(store, "approval.void_over", "20")
    small = pizza(store)  # 13.61: under the threshold
    assert refunds.void(store, small.id, "left").status is OrderStatus.VOIDED
    order = big(store)  # 29.93
    refused(store, NotAllowed, "Voiding order #2 ($29.93) needs a manager's approval: it is over the $20.00 limit",
            refunds.void, store, order.id, "left")
    refused(store, NotAllowed, "only a manager or owner can approve a void",
            refunds.void, store, order.id, "left", approver=get_staff(store, "Cate"))
    assert refunds.void(store, order.id, "left", approver=manager(store)).status is OrderStatus.VOIDED


# -- drawers -----------------------------------------------------------------------------------------


def test_open_drawer_posts_the_float_to_owner_equity(store: Store) -> None:
    d = drawer.open_drawer(store, 1, "150")
    assert (d.register, d.float_minor) == (1, 15000)
    assert bal(store, "assets:cash:drawer:1") == 15000
    assert bal(store, "equity:owner") == -15000
    refused(store, Conflict, "Drawer 1 is already open", drawer.open_drawer, store, 1, "10")
    # Another register is a separate drawer; a zero float posts nothing.
    entries = ledger.count_entries(store)
    assert drawer.open_drawer(store, 2, "0").float_minor == 0
    assert ledger.count_entries(store) == entries
    refused(store, InvalidInput, "", drawer.open_drawer, store, 3, "-5")
    refused(store, InvalidInput, "registers are numbered 1 to 99", drawer.open_drawer, store, 100, "5")
    verified(store)


def test_paid_in_paid_out_and_drop_change_expected_cash(store: Store) -> None:
    drawer.open_drawer(store, 1, "100")
    drawer.move(store, 1, drawer.Movement.PAID_IN, "20", "change from the bank")
    drawer.move(store, 1, drawer.Movement.PAID_OUT, "5.25", "ice from the shop")
    drawer.move(store, 1, drawer.Movement.DROP, "50", "to the safe")
    # 100.00 + 20.00 - 5.25 - 50.00 = 64.75
    assert drawer.expected_cash(store, 1) == 6475
    assert bal(store, "expenses:paid-out") == 525
    assert bal(store, "assets:cash:safe") == 5000
    assert bal(store, "equity:owner") == -12000
    verified(store)


def test_drawer_movement_refusals(store: Store) -> None:
    refused(store, NotAllowed, "Drawer 1 is not open", drawer.move, store, 1, drawer.Movement.PAID_IN, "5", "x")
    drawer.open_drawer(store, 1, "10")
    for kind in (drawer.Movement.PAID_OUT, drawer.Movement.DROP):
        refused(store, NotAllowed, "should hold only $10.00", drawer.move, store, 1, kind, "10.01", "too much")
        refused(store, InvalidInput, "needs a reason", drawer.move, store, 1, kind, "1", "  ")
    refused(store, InvalidInput, "negative", drawer.move, store, 1, drawer.Movement.PAID_IN, "-1", "x")
    refused(store, InvalidInput, "", drawer.move, store, 1, drawer.Movement.PAID_IN, "0", "x")
    # Exactly what is held may leave.
    drawer.move(store, 1, drawer.Movement.DROP, "10", "all to the safe")
    assert drawer.expected_cash(store, 1) == 0


def test_drawer_status_breakdown(crew: Store) -> None:
    store = crew
    drawer.open_drawer(store, 1, "100")
    order = pizza(store)
    service.pay(store, order.id, "cash", "20")  # 20.00 in, 6.39 change
    refunds.refund(store, order.id, "3", "no dip")
    drawer.move(store, 1, drawer.Movement.PAID_IN, "10", "coins")
    drawer.move(store, 1, drawer.Movement.PAID_OUT, "4", "napkins")
    drawer.move(store, 1, drawer.Movement.DROP, "50", "safe")
    _delivered(store)
    cod.handin(store, "Dan", "16.32", received_by=get_staff(store, "Cate"))
    st = drawer.status(store, 1)
    assert st.breakdown == {
        "float": 10000,
        "cash taken": 2000,
        "change given": -639,
        "cash refunds": -300,
        "paid-ins": 1000,
        "paid-outs": -400,
        "drops": -5000,
        "driver hand-ins": 1632,
    }
    # 100 + 20 - 6.39 - 3 + 10 - 4 - 50 + 16.32 = 82.93
    assert st.expected_minor == 8293 == sum(st.breakdown.values())
    assert st.drawer is not None and st.drawer.float_minor == 10000
    closed = drawer.status(store, 2)
    assert (closed.drawer, closed.expected_minor, closed.breakdown) == (None, 0, {})


# -- options -------------------------------------------------------------------------------------------


def test_config_defaults(store: Store) -> None:
    assert config.all_options(store) == DEFAULT_OPTIONS
    assert config.denominations(store) == (10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1)


@pytest.mark.parametrize(
    ("key", "text", "stored"),
    [
        ("cash.rounding", "0.05", "5"),
        ("cash.rounding", "0", "0"),
        ("CASH.Rounding", "0.10", "10"),
        ("cash.denominations", "20, 100,0.25,20", "10000,2000,25"),
        ("approval.refund_over", "75", "7500"),
        ("approval.void_over", "10.50", "1050"),
    ],
)
def test_config_set_and_get(store: Store, key: str, text: str, stored: str) -> None:
    assert config.set_option(store, key, text) == stored
    assert config.get(store, key.lower()) == stored
    assert config.all_options(store)[key.lower()] == stored
    # Setting again overwrites.
    config.set_option(store, key, text)
    assert store.one("SELECT count(*) FROM settings WHERE key = ?", (key.lower(),))[0] == 1


def test_config_denominations_used_for_change(store: Store) -> None:
    config.set_option(store, "cash.denominations", "50,20,5,1,0.5,0.01")
    assert config.denominations(store) == (5000, 2000, 500, 100, 50, 1)


@pytest.mark.parametrize(
    ("key", "text", "exc"),
    [
        ("cash.tip", "1", NotFound),
        ("", "1", NotFound),
        ("cash.rounding", "-0.05", InvalidInput),
        ("approval.refund_over", "-1", InvalidInput),
        ("approval.void_over", "-10", InvalidInput),
        ("approval.void_over", "ten", InvalidInput),
        ("cash.denominations", "", InvalidInput),
        ("cash.denominations", " , ,", InvalidInput),
        ("cash.denominations", "20,0", InvalidInput),
        ("cash.denominations", "20,-5", InvalidInput),
    ],
)
def test_config_bad_values_refused(store: Store, key: str, text: str, exc: type[Exception]) -> None:
    refused(store, exc, "", config.set_option, store, key, text)
    with pytest.raises(NotFound, match="known options are approval.discount_over, approval.discount_percent_over"):
        config.get(store, "nope")
