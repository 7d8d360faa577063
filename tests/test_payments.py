"""Payments at library level: the state machine, cash, split tender, a fake card, recovery.

The ``store`` fixture is USD, tax-exclusive, ``standard`` at 8.875%, with
PIZZA-M at 12.50 and SODA at 2.49.  Order totals used below (tax is rounded
half-up once per category):

    PIZZA-M                 12.50 + 1.109375 -> 1.11          = 13.61
    2 x PIZZA-M + SODA      27.49 + 2.4397375 -> 2.44         = 29.93
    COMBO (16.90)           16.90 + 1.499875 -> 1.50          = 18.40
    SIDE (4.59)              4.59 + 0.4073625 -> 0.41         =  5.00

Orders are referred to by id, so no test depends on the business day.
Every amount is an int of minor units; there is no float anywhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import snapshot
from payments import registry, service
from payments.base import (
    ALLOWED,
    Capabilities,
    DeclineReason,
    Outcome,
    Payment,
    PaymentState,
    Tender,
    TenderKind,
    get_payment,
    order_payments,
    transition,
)
from payments.cash import CashTender
from pos.store import config
from pos.cash import drawer
from pos.books import ledger
from pos.people import staff
from pos.store.catalog import add_item
from pos.base.errors import Conflict, InvalidInput, NotAllowed, ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import Order, OrderStatus, resolve
from pos.store.store import Store

S = PaymentState
from tests.helpers import bal, order_sums, verified


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """PIN hashing at full scrypt cost is slow; these tests are not about PINs."""
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


# -- helpers ---------------------------------------------------------------------------


def order_of(store: Store, *lines: tuple[str, int], channel: str = "counter", **kw: Any) -> Order:
    order = new_order(store, channel, **kw)
    for sku, qty in lines:
        add_line(store, order.id, sku, qty)
    return resolve(store, order.id)


def pizza(store: Store) -> Order:
    """13.61 due."""
    return order_of(store, ("PIZZA-M", 1))


def big(store: Store) -> Order:
    """29.93 due."""
    return order_of(store, ("PIZZA-M", 2), ("SODA", 1))


def row(store: Store, payment_id: str) -> dict[str, Any]:
    r = store.one("SELECT * FROM payments WHERE id = ?", (payment_id,))
    assert r is not None
    return dict(r)


def events(store: Store, payment_id: str) -> list[tuple[str | None, str]]:
    return [(r["from_state"], r["to_state"]) for r in
            store.all("SELECT from_state, to_state FROM payment_events WHERE payment_id = ? ORDER BY id", (payment_id,))]








def status(store: Store, order: Order) -> OrderStatus:
    return resolve(store, order.id).status


# -- a fake card processor ----------------------------------------------------------------


class FakeCard:
    """A non-cash tender: approves, declines or is unreachable, as told."""

    kind = TenderKind.CARD
    capabilities = Capabilities(
        refunds=True, adjusts_tip=False, works_offline=False, gives_change=False, captures_at_once=False,
        calls_processor=True,
    )
    ACCOUNT = "assets:clearing:fakepay"

    def __init__(self, behaviour: str = "approve", reason: DeclineReason = DeclineReason.INSUFFICIENT_FUNDS) -> None:
        assert behaviour in ("approve", "decline", "outage")
        self.behaviour = behaviour
        self.reason = reason
        self.calls: list[tuple[str, str]] = []
        self.capture_outages = 0
        """How many capture calls (after an approved authorization) fail with an outage."""
        self.captured: set[str] = set()

    def ready(self, store: Store) -> None:
        return None

    def account(self, store: Store, payment: Payment) -> str:
        return self.ACCOUNT

    def refund_account(self, store: Store, payment: Payment, register: int) -> str:
        return self.ACCOUNT

    def _answer(self, verb: str, payment: Payment) -> Outcome:
        self.calls.append((verb, payment.id))
        if self.behaviour == "outage":
            raise ProcessorUnavailable("The card processor cannot be reached: offer cash.")
        if self.behaviour == "decline":
            return Outcome.declined(self.reason)
        return Outcome.ok(processor_ref=f"fp-{verb}-{payment.id}")

    def authorize(self, store: Store, payment: Payment) -> Outcome:
        return self._answer("authorize", payment)

    def capture(self, store: Store, payment: Payment) -> Outcome:
        if self.capture_outages:
            self.capture_outages -= 1
            self.calls.append(("capture", payment.id))
            raise ProcessorUnavailable("The card processor stopped answering.")
        outcome = self._answer("capture", payment)
        if outcome.approved:
            self.captured.add(payment.id)
        return outcome

    def void(self, store: Store, payment: Payment) -> Outcome:
        self.calls.append(("void", payment.id))
        return Outcome.ok()

    def refund(self, store: Store, payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        self.calls.append(("refund", payment.id))
        return Outcome.ok(processor_ref=key)

    def find_refund(self, store: Store, payment: Payment, refund_id: str) -> Outcome | None:
        self.calls.append(("find_refund", payment.id))
        return None

    def lookup(self, store: Store, payment: Payment) -> Outcome | None:
        self.calls.append(("lookup", payment.id))
        # Like a real processor: money held but not yet taken is only authorized.
        held = Outcome.ok(processor_ref=f"fp-lookup-{payment.id}")
        return held if payment.id in self.captured else held._replace(authorized_only=True)


@pytest.fixture
def use_card(monkeypatch: pytest.MonkeyPatch):
    """``use_card("decline")`` -> the FakeCard that ``TenderKind.CARD`` now resolves to."""
    original = registry.tender_for

    def install(behaviour: str = "approve", reason: DeclineReason = DeclineReason.INSUFFICIENT_FUNDS) -> FakeCard:
        fake = FakeCard(behaviour, reason)

        def tender_for(kind: TenderKind | str) -> Tender:
            return fake if TenderKind(kind) is TenderKind.CARD else original(kind)

        monkeypatch.setattr(registry, "tender_for", tender_for)
        return fake

    return install


@pytest.fixture
def drawer_100(store: Store) -> Store:
    drawer.open_drawer(store, 1, "100")
    return store


def test_fake_card_implements_the_tender_protocol() -> None:
    assert isinstance(FakeCard(), Tender)
    assert isinstance(CashTender(), Tender)


# -- the state machine ------------------------------------------------------------------------


def _refused(store: Store, payment: Payment, to: PaymentState, says: str = "") -> None:
    before_row, before_events, before_db = row(store, payment.id), events(store, payment.id), snapshot(store.path)
    with pytest.raises(Conflict) as err:
        transition(store, payment, to)
    assert says in err.value.message
    assert row(store, payment.id) == before_row
    assert events(store, payment.id) == before_events
    assert snapshot(store.path) == before_db
    assert get_payment(store, payment.id).state is payment.state


def test_capture_a_voided_payment_is_refused(store: Store) -> None:
    p = service.insert_payment(store, pizza(store), TenderKind.CASH, 1361, state=S.VOIDED)
    _refused(store, p, S.CAPTURED, says=f"Cannot capture a voided cash payment ({p.id})")


def test_refund_a_declined_payment_is_refused(store: Store) -> None:
    p = service.insert_payment(store, pizza(store), TenderKind.CARD, 1361, state=S.DECLINED)
    _refused(store, p, S.REFUNDED, says="Cannot refund a declined card payment")
    _refused(store, p, S.PARTIALLY_REFUNDED, says="Cannot refund a declined card payment")


def test_void_a_captured_payment_is_refused(store: Store) -> None:
    p = service.insert_payment(store, pizza(store), TenderKind.CASH, 1361, state=S.CAPTURED)
    _refused(store, p, S.VOIDED, says="Cannot void a captured cash payment")


@pytest.mark.parametrize("source", [S.REFUNDED, S.VOIDED, S.DECLINED, S.FAILED])
@pytest.mark.parametrize("target", list(PaymentState))
def test_nothing_leaves_a_final_state(store: Store, source: PaymentState, target: PaymentState) -> None:
    assert ALLOWED[source] == frozenset()
    p = service.insert_payment(store, pizza(store), TenderKind.CASH, 1361, state=source)
    assert events(store, p.id) == [(None, source.value)]
    _refused(store, p, target)


def test_an_allowed_move_is_recorded_as_an_event(store: Store) -> None:
    p = service.insert_payment(store, pizza(store), TenderKind.CARD, 1361)
    authorized = transition(store, p, S.AUTHORIZED, processor_ref="ref-1")
    assert (authorized.state, authorized.processor_ref) == (S.AUTHORIZED, "ref-1")
    assert events(store, p.id) == [(None, "requested"), ("requested", "authorized")]
    # A stale copy (still 'requested') cannot move the payment again.
    with pytest.raises(Conflict, match="changed meanwhile"):
        transition(store, p, S.VOIDED)
    assert get_payment(store, p.id).state is S.AUTHORIZED
    assert len(events(store, p.id)) == 2


# -- cash ------------------------------------------------------------------------------------


def test_cash_exact_amount(drawer_100: Store) -> None:
    store = drawer_100
    order = pizza(store)
    result = service.pay(store, order.id, "cash")
    p = result.payment
    assert (p.state, p.amount_minor, p.tendered_minor, p.change_minor, p.rounding_minor) == (S.CAPTURED, 1361, 1361, 0, 0)
    assert (result.order_paid, result.due_after_minor, result.change_suggestion) == (True, 0, [])
    assert status(store, order) is OrderStatus.PAID
    assert drawer.expected_cash(store, 1) == 10000 + 1361
    sums = order_sums(store, order.id)
    assert sums["assets:receivable:orders"] == 0
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (-1250, -111)
    assert events(store, p.id) == [(None, "requested"), ("requested", "captured")]
    verified(store)


def test_cash_100_bill_for_18_40_gives_81_60_change(drawer_100: Store) -> None:
    store = drawer_100
    add_item(store, "COMBO", "Combo deal", "16.90")
    order = order_of(store, ("COMBO", 1))  # 16.90 + 1.50 = 18.40
    result = service.pay(store, order.id, "cash", "100")
    p = result.payment
    # 100.00 - 18.40 = 81.60
    assert (p.amount_minor, p.tendered_minor, p.change_minor) == (1840, 10000, 8160)
    # 50 + 20 + 10 + 1 + 2 x 0.25 + 0.10 = 81.60
    assert result.change_suggestion == [(5000, 1), (2000, 1), (1000, 1), (100, 1), (25, 2), (10, 1)]
    assert sum(d * n for d, n in result.change_suggestion) == 8160
    assert result.order_paid
    # The drawer took the 100 bill and gave 81.60 back: 100 + 100 - 81.60 = 118.40
    assert drawer.expected_cash(store, 1) == 11840
    capture = ledger.find_by_key(store, f"payment:{p.id}:capture")
    assert capture is not None
    assert sorted(capture.postings) == sorted([
        ledger.Posting("assets:cash:drawer:1", 10000, "USD"),
        ledger.Posting("assets:receivable:orders", -1840, "USD"),
        ledger.Posting("assets:cash:drawer:1", -8160, "USD"),
    ])
    verified(store)


def test_cash_rounding_down_customer_pays_13_60(drawer_100: Store) -> None:
    store = drawer_100
    assert config.set_option(store, "cash.rounding", "0.05") == "5"
    order = pizza(store)  # 13.61 -> 13.60
    result = service.pay(store, order.id, "cash")
    p = result.payment
    assert (p.amount_minor, p.tendered_minor, p.change_minor, p.rounding_minor) == (1361, 1360, 0, -1)
    assert result.order_paid and status(store, order) is OrderStatus.PAID
    assert drawer.expected_cash(store, 1) == 10000 + 1360
    assert bal(store, "income:cash-rounding") == 1  # the store gave up a cent (a debit to income)
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0
    verified(store)


def test_cash_rounding_with_change(drawer_100: Store) -> None:
    store = drawer_100
    config.set_option(store, "cash.rounding", "0.05")
    order = pizza(store)
    p = service.pay(store, order.id, "cash", "20").payment
    # rounded due 13.60; change 20.00 - 13.60 = 6.40
    assert (p.tendered_minor, p.change_minor, p.rounding_minor) == (2000, 640, -1)
    assert drawer.expected_cash(store, 1) == 10000 + 1360
    assert bal(store, "income:cash-rounding") == 1
    verified(store)


def test_cash_rounding_up_a_due_ending_in_3(drawer_100: Store) -> None:
    store = drawer_100
    config.set_option(store, "cash.rounding", "0.05")
    order = big(store)  # 29.93 -> 29.95
    p = service.pay(store, order.id, "cash").payment
    assert (p.amount_minor, p.tendered_minor, p.change_minor, p.rounding_minor) == (2993, 2995, 0, 2)
    assert bal(store, "income:cash-rounding") == -2  # the store gained two cents
    assert drawer.expected_cash(store, 1) == 10000 + 2995
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0
    verified(store)


def test_cash_between_exact_and_rounded_due_books_consistently(drawer_100: Store) -> None:
    store = drawer_100
    config.set_option(store, "cash.rounding", "0.05")
    order = big(store)  # 29.93, rounded 29.95
    p = service.pay(store, order.id, "cash", "29.94").payment
    # Whatever the rule, what was handed over is what was applied plus change plus rounding...
    assert p.tendered_minor == p.amount_minor + p.tip_minor + p.change_minor + p.rounding_minor
    # ...and the drawer holds what the row says stayed in it.
    assert drawer.expected_cash(store, 1) == 10000 + p.tendered_minor - p.change_minor


def test_no_change_available(store: Store) -> None:
    drawer.open_drawer(store, 1, "0")
    add_item(store, "SIDE", "Side salad", "4.59")
    order = order_of(store, ("SIDE", 1))  # 4.59 + 0.41 = 5.00
    before = snapshot(store.path)
    with pytest.raises(NotAllowed, match=r"No change available: \$95\.00 is due back but drawer 1 holds \$0\.00"):
        service.pay(store, order.id, "cash", "100")
    assert snapshot(store.path) == before
    assert order_payments(store, order.id) == []
    # The exact amount needs no change and is taken.
    assert service.pay(store, order.id, "cash", "5").order_paid
    verified(store)


def test_cash_needs_an_open_drawer(store: Store) -> None:
    order = pizza(store)
    before = snapshot(store.path)
    with pytest.raises(NotAllowed, match="Drawer 1 is not open"):
        service.pay(store, order.id, "cash")
    assert snapshot(store.path) == before
    # Drawer 1 open does not open drawer 2.
    drawer.open_drawer(store, 1, "10")
    before = snapshot(store.path)
    with pytest.raises(NotAllowed, match="Drawer 2 is not open"):
        service.pay(store, order.id, "cash", register=2)
    assert snapshot(store.path) == before
    assert order_payments(store, order.id) == []
    assert status(store, order) is OrderStatus.OPEN


@pytest.mark.parametrize("amount", ["0", "-5", "abc", ""])
def test_cash_bad_amounts_refused(drawer_100: Store, amount: str) -> None:
    order = pizza(drawer_100)
    before = snapshot(drawer_100.path)
    with pytest.raises(InvalidInput):
        service.pay(drawer_100, order.id, "cash", amount)
    assert snapshot(drawer_100.path) == before


# -- split tender ---------------------------------------------------------------------------


def test_split_cash_then_cash_pays_only_when_covered(drawer_100: Store) -> None:
    store = drawer_100
    order = big(store)  # 29.93
    first = service.pay(store, order.id, "cash", "10")
    assert (first.payment.amount_minor, first.payment.change_minor) == (1000, 0)
    assert (first.order_paid, first.due_after_minor) == (False, 1993)
    assert status(store, order) is OrderStatus.OPEN
    assert ledger.find_by_key(store, f"order:{order.id}:sale") is None  # no sale until covered
    verified(store)

    second = service.pay(store, order.id, "cash")
    assert (second.payment.amount_minor, second.payment.tendered_minor) == (1993, 1993)
    assert (second.order_paid, second.due_after_minor) == (True, 0)
    assert status(store, order) is OrderStatus.PAID
    sums = order_sums(store, order.id)
    assert sums["assets:receivable:orders"] == 0
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (-2749, -244)
    assert drawer.expected_cash(store, 1) == 10000 + 2993
    verified(store)
    with pytest.raises(Conflict, match="already paid"):
        service.pay(store, order.id, "cash", "1")


# -- a non-cash tender (fake card) --------------------------------------------------------------


def test_card_approved_pays_the_order(drawer_100: Store, use_card) -> None:
    store = drawer_100
    fake = use_card("approve")
    order = pizza(store)
    result = service.pay(store, order.id, "card")
    p = result.payment
    assert (p.tender, p.state, p.amount_minor, p.change_minor) == (TenderKind.CARD, S.CAPTURED, 1361, 0)
    assert p.processor_ref == f"fp-capture-{p.id}"
    assert [verb for verb, _ in fake.calls] == ["authorize", "capture"]
    assert events(store, p.id) == [(None, "requested"), ("requested", "authorized"), ("authorized", "captured")]
    assert result.order_paid
    assert bal(store, FakeCard.ACCOUNT) == 1361
    assert drawer.expected_cash(store, 1) == 10000  # the drawer is not touched
    verified(store)


def test_overpaying_with_a_card_is_refused(drawer_100: Store, use_card) -> None:
    store = drawer_100
    fake = use_card("approve")
    order = pizza(store)
    before = snapshot(store.path)
    with pytest.raises(InvalidInput, match="only cash can be overpaid"):
        service.pay(store, order.id, "card", "13.62")
    assert snapshot(store.path) == before
    assert fake.calls == []


def test_declined_card_leaves_the_order_open_and_the_cash_intact(drawer_100: Store, use_card) -> None:
    store = drawer_100
    order = big(store)  # 29.93
    cash = service.pay(store, order.id, "cash", "10").payment
    use_card("decline", DeclineReason.INSUFFICIENT_FUNDS)
    entries_before = ledger.count_entries(store)

    result = service.pay(store, order.id, "card")
    p = result.payment
    assert not result.outcome.approved
    assert result.outcome.reason is DeclineReason.INSUFFICIENT_FUNDS
    assert (p.state, p.decline_reason, p.amount_minor) == (S.DECLINED, DeclineReason.INSUFFICIENT_FUNDS, 1993)
    assert p.note == DeclineReason.INSUFFICIENT_FUNDS.cashier_message
    assert row(store, p.id)["decline_reason"] == "insufficient_funds"
    assert (result.order_paid, result.due_after_minor) == (False, 1993)
    assert service.due_minor(store, order.id) == 1993
    assert status(store, order) is OrderStatus.OPEN
    assert get_payment(store, cash.id).state is S.CAPTURED
    assert ledger.count_entries(store) == entries_before  # a decline posts nothing
    verified(store)
    # The cashier offers cash for the rest.
    assert service.pay(store, order.id, "cash").order_paid


def test_processor_outage_records_failed_and_raises(drawer_100: Store, use_card) -> None:
    store = drawer_100
    order = big(store)
    service.pay(store, order.id, "cash", "10")
    use_card("outage")
    with pytest.raises(ProcessorUnavailable, match="cannot be reached"):
        service.pay(store, order.id, "card")
    card = [p for p in order_payments(store, order.id) if p.tender is TenderKind.CARD]
    assert len(card) == 1
    assert (card[0].state, card[0].amount_minor) == (S.FAILED, 1993)
    assert card[0].note == "The card processor cannot be reached: offer cash."
    assert events(store, card[0].id) == [(None, "requested"), ("requested", "failed")]
    assert service.due_minor(store, order.id) == 1993
    assert status(store, order) is OrderStatus.OPEN
    assert bal(store, FakeCard.ACCOUNT) == 0
    verified(store)


def test_split_cash_and_card_pays_the_order(drawer_100: Store, use_card) -> None:
    store = drawer_100
    use_card("approve")
    order = big(store)  # 29.93
    assert service.pay(store, order.id, "cash", "10").due_after_minor == 1993
    partial_card = service.pay(store, order.id, "card", "9.93")
    assert (partial_card.order_paid, partial_card.due_after_minor) == (False, 1000)
    last = service.pay(store, order.id, "card")
    assert (last.payment.amount_minor, last.order_paid) == (1000, True)
    assert [p.state for p in order_payments(store, order.id)] == [S.CAPTURED] * 3
    assert bal(store, FakeCard.ACCOUNT) == 1993
    assert drawer.expected_cash(store, 1) == 11000
    sums = order_sums(store, order.id)
    assert sums["assets:receivable:orders"] == 0
    assert (sums["income:sales"], sums["liabilities:tax:standard"]) == (-2749, -244)
    verified(store)


# -- recover() -----------------------------------------------------------------------------------


def test_recover_captures_a_requested_cash_payment_once(drawer_100: Store) -> None:
    store = drawer_100
    order = pizza(store)  # 13.61
    left = service.insert_payment(store, order, TenderKind.CASH, 1361, register=1, tendered_minor=2000, change_minor=639)
    assert service.due_minor(store, order.id) == 0  # a payment being requested holds the amount due
    with pytest.raises(Conflict, match="payments recover"):
        service.pay(store, order.id, "cash")  # no second charge while the first is unfinished

    done = service.recover(store)
    assert done == [service.Recovery(left.id, order.label, "captured and recorded")]
    p = get_payment(store, left.id)
    assert (p.state, p.amount_minor, p.change_minor) == (S.CAPTURED, 1361, 639)
    assert status(store, order) is OrderStatus.PAID
    assert ledger.find_by_key(store, f"payment:{p.id}:capture") is not None
    assert drawer.expected_cash(store, 1) == 10000 + 2000 - 639
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0
    verified(store)

    before = snapshot(store.path)
    assert service.recover(store) == []
    assert snapshot(store.path) == before


def test_recover_voids_a_requested_payment_when_the_order_was_paid_meanwhile(drawer_100: Store) -> None:
    store = drawer_100
    order = pizza(store)
    # Two unfinished payments for the same amount due (as an older version could leave):
    # recover completes the first and voids the second.
    other = service.insert_payment(store, order, TenderKind.CASH, 1361, register=1, tendered_minor=1361)
    left = service.insert_payment(store, order, TenderKind.CASH, 1361, register=1, tendered_minor=1361)

    done = service.recover(store)
    assert done == [service.Recovery(other.id, order.label, "captured and recorded"),
                    service.Recovery(left.id, order.label, "voided (order settled otherwise)")]
    assert get_payment(store, left.id).state is S.VOIDED
    assert ledger.find_by_key(store, f"payment:{left.id}:capture") is None
    assert drawer.expected_cash(store, 1) == 10000 + 1361  # taken once
    assert order_sums(store, order.id)["assets:receivable:orders"] == 0
    verified(store)
    before = snapshot(store.path)
    assert service.recover(store) == []
    assert snapshot(store.path) == before


def test_recover_a_requested_card_payment_authorizes_and_captures(drawer_100: Store, use_card) -> None:
    store = drawer_100
    fake = use_card("approve")
    order = pizza(store)
    left = service.insert_payment(store, order, TenderKind.CARD, 1361, register=1)
    done = service.recover(store)
    assert [r.action for r in done] == ["captured and recorded"]
    assert [verb for verb, _ in fake.calls] == ["lookup", "capture"]
    assert events(store, left.id) == [(None, "requested"), ("requested", "authorized"), ("authorized", "captured")]
    assert status(store, order) is OrderStatus.PAID
    assert bal(store, FakeCard.ACCOUNT) == 1361
    verified(store)


def test_recover_captures_an_authorization_left_by_a_capture_outage(drawer_100: Store, use_card) -> None:
    store = drawer_100
    fake = use_card("approve")
    fake.capture_outages = 1
    order = pizza(store)
    with pytest.raises(ProcessorUnavailable, match="kept as authorized"):
        service.pay(store, order.id, "card")
    (p,) = order_payments(store, order.id)
    assert p.state is S.AUTHORIZED
    assert [r.action for r in service.recover(store)] == ["captured and recorded"]
    assert get_payment(store, p.id).state is S.CAPTURED
    # The processor must have been asked to capture again after the outage.
    assert [verb for verb, _ in fake.calls].count("capture") == 2
