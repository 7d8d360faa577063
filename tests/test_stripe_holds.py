"""Card holds as Stripe ends them (issue 25, items 4 and 5): a hold that expires before it is captured, and a
refused capture whose release failed.

Against the double: a hold left in ``requires_capture`` past its window on the fake's clock (two days for a card
tapped in person) is canceled with ``cancellation_reason`` ``expired``, as Stripe does.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from payments import service
from payments.base import CAPTURE_REFUSED, DeclineReason, PaymentState, get_payment, order_payments
from payments.stripe.webhooks import handle_event, verify_event
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import ProcessorUnavailable
from pos.base.money_format import store_money
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from tests.fake_stripe import HOLD_WINDOW_S, FakeStripe, signed

SECRET = "whsec_test_0123456789abcdef"
START = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)  # mid-afternoon: no business-day rollover nearby


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def capture_cannot_reach_stripe(store: Store, fake: FakeStripe) -> str:
    """The customer tapped; the capture failed, so the payment is kept authorized for recover."""
    order = pizza(store)
    fake.error_next("/capture", 500)
    with pytest.raises(ProcessorUnavailable, match="kept as authorized"):
        service.pay(store, order.id, "card")
    (payment,) = order_payments(store, order.id)
    assert payment.state is PaymentState.AUTHORIZED
    return str(order.id)


def posts(fake: FakeStripe, suffix: str) -> list[str | None]:
    return [key for method, path, _, key in fake.requests if method == "POST" and path.endswith(suffix)]


# -- item 4: a hold that expires -------------------------------------------------------------------------


@pytest.mark.parametrize("days", [3, 8])
def test_a_hold_that_expired_before_recover_is_recorded_expired_and_the_order_is_due_again(
        shop: Store, fake: FakeStripe, cli_for, days: int) -> None:
    with freeze_time(START, tick=True) as clock:
        order_id = capture_cannot_reach_stripe(shop, fake)
        (payment,) = order_payments(shop, order_id)
        assert service.due_minor(shop, order_id) == 0  # the hold covers the order meanwhile
        clock.tick(timedelta(days=days))  # past the in-person window: Stripe cancels the intent
        (done,) = service.recover(shop)
        order = resolve(shop, order_id)
    intent = fake.intents[payment.processor_ref]
    assert (intent["status"], intent["cancellation_reason"]) == ("canceled", "expired")
    # The cashier and the owner are told which order, how much, and what to do.
    assert done.order_label == order.label
    assert done.action == (f"hold expired unpaid: nothing was charged, {store_money(shop, 1361)} is due again "
                           f"({store_money(shop, 1361)} owed on the order): take the payment again")
    expired = get_payment(shop, payment.id)
    assert (expired.state, expired.decline_reason) == (PaymentState.DECLINED, DeclineReason.AUTHORIZATION_EXPIRED)
    assert order.status is OrderStatus.OPEN and service.due_minor(shop, order_id) == 1361  # due again
    assert posts(fake, "/capture") == [f"{payment.id}:capture:1"]  # nothing captured after the window
    assert service.recover(shop) == []  # once
    assert journal_check.verify(shop).problem is None
    with freeze_time(START + timedelta(days=days, minutes=30)):  # the order shows it, and what is owed
        shown = cli_for(shop).ok("order", "show", order.ref)
        as_json = json.loads(cli_for(shop).ok("order", "show", order.ref, "--json").stdout)
    assert f"Card hold expired unpaid: {store_money(shop, 1361)} (payment {payment.id})" in shown.stdout
    assert f"Due again: {store_money(shop, 1361)}: take the payment again" in shown.stdout
    assert as_json["expired_holds"] == [{"payment_id": payment.id, "amount_minor": 1361}]
    with freeze_time(START + timedelta(days=days, hours=1)):
        assert service.pay(shop, order_id, "cash", "20").order_paid  # and it can be paid again


def test_a_hold_within_its_window_is_still_captured(shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START, tick=True) as clock:
        order_id = capture_cannot_reach_stripe(shop, fake)
        clock.tick(timedelta(days=1))
        assert [d.action for d in service.recover(shop)] == ["captured and recorded"]
    assert resolve(shop, order_id).status is OrderStatus.PAID


def deliver(store: Store, event: dict):
    body, header = signed(event, SECRET)
    return handle_event(store, verify_event(body, header, SECRET))


def test_the_webhook_of_an_expired_hold_records_it_and_a_replay_does_nothing(shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START, tick=True) as clock:
        order_id = capture_cannot_reach_stripe(shop, fake)
        (payment,) = order_payments(shop, order_id)
        clock.tick(timedelta(days=3))
        assert fake.expire_holds() == [payment.processor_ref]
        event = fake.event("payment_intent.canceled", fake.intents[payment.processor_ref])
        handled = deliver(shop, event)  # was a Conflict (409) through all of Stripe's retries
        assert handled.action.startswith("hold expired unpaid")
        assert deliver(shop, event).replayed
    assert get_payment(shop, payment.id).decline_reason is DeclineReason.AUTHORIZATION_EXPIRED
    assert service.due_minor(shop, order_id) == 1361


# -- the double ------------------------------------------------------------------------------------------


def test_the_double_expires_holds_at_the_end_of_their_window_and_never_authorises_a_canceled_intent() -> None:
    fake = FakeStripe()
    fake.intents["pi_x"] = {"id": "pi_x", "amount": 1361, "status": "requires_payment_method"}
    fake.authorize("pi_x")
    intent = fake.intents["pi_x"]
    before = intent["latest_charge"]["payment_method_details"]["card_present"]["capture_before"]
    assert before == fake.now() + HOLD_WINDOW_S["card_present"]
    fake.clock_offset_s = before - fake.now() - 1
    assert fake.expire_holds() == [] and intent["status"] == "requires_capture"
    fake.clock_offset_s += 1
    assert fake.expire_holds() == ["pi_x"]
    assert (intent["status"], intent["cancellation_reason"], intent["amount_capturable"]) == ("canceled", "expired", 0)
    with pytest.raises(AssertionError, match="canceled"):
        fake.authorize("pi_x")
    assert intent["status"] == "canceled"


# -- item 5: a refused capture whose release failed ------------------------------------------------------


def test_a_refused_capture_whose_release_failed_is_kept_until_stripe_confirms_the_release(
        shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.card_error_next("/capture")  # the issuer refuses the capture...
    fake.error_next("/cancel", 500, times=2)  # ...and the release fails, at the register and at the first recover
    with pytest.raises(ProcessorUnavailable) as said:
        service.pay(shop, order.id, "card")
    assert said.value.message.startswith("Stripe refused the capture (")
    assert said.value.message.endswith("The payment is kept as authorized; run 'pos payments recover'.")
    (payment,) = order_payments(shop, order.id)
    intent = fake.intents[payment.processor_ref]
    assert intent["status"] == "requires_capture"  # the customer's money is still held
    assert payment.state is PaymentState.AUTHORIZED  # was: voided, and never looked at again
    assert payment.details[CAPTURE_REFUSED] == "insufficient_funds"
    assert [d.action for d in service.recover(shop)] == ["left for later (processor unavailable)"]
    assert get_payment(shop, payment.id).state is PaymentState.AUTHORIZED
    assert [d.action for d in service.recover(shop)] == ["voided (capture refused, hold released)"]
    assert intent["status"] == "canceled"
    assert get_payment(shop, payment.id).state is PaymentState.VOIDED
    assert len(posts(fake, "/capture")) == 1  # a refused capture is never tried again
    assert service.recover(shop) == []
    assert resolve(shop, order.id).status is OrderStatus.OPEN and service.due_minor(shop, order.id) == 1361


def test_a_refused_capture_released_at_once_is_voided_as_before(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.card_error_next("/capture")
    result = service.pay(shop, order.id, "card")
    assert result.payment.state is PaymentState.VOIDED
    assert fake.intents[result.payment.processor_ref]["status"] == "canceled"
    assert service.recover(shop) == []


# -- recover at any later time: the books equal what Stripe holds -----------------------------------------


@pytest.mark.parametrize("hours", [0, 24, 47, 49, 72, 8 * 24])
def test_recover_after_a_failed_capture_at_any_delay_leaves_the_books_equal_to_stripe(
        shop: Store, fake: FakeStripe, hours: int) -> None:
    with freeze_time(START, tick=True) as clock:
        order_id = capture_cannot_reach_stripe(shop, fake)
        (payment,) = order_payments(shop, order_id)
        clock.tick(timedelta(hours=hours))
        service.recover(shop)
        assert service.recover(shop) == []  # finished in one run, whatever the delay
    intent = fake.intents[payment.processor_ref]
    done = get_payment(shop, payment.id)
    clearing = int(shop.scalar("SELECT coalesce(sum(amount_minor), 0) FROM account_balances WHERE account = ?",
                               ("assets:clearing:stripe",)))
    if hours < HOLD_WINDOW_S["card_present"] // 3600:
        assert (intent["status"], done.state) == ("succeeded", PaymentState.CAPTURED)
        assert service.due_minor(shop, order_id) == 0
    else:
        assert (intent["status"], intent["amount_received"]) == ("canceled", 0)
        assert done.decline_reason is DeclineReason.AUTHORIZATION_EXPIRED
        assert service.due_minor(shop, order_id) == 1361
    # What the books hold at Stripe is what Stripe took, less the fee it keeps (nothing at all for a lapsed hold).
    assert clearing == intent["amount_received"] - int(done.details.get("fee_minor", 0))
    assert journal_check.verify(shop).problem is None


def test_only_stripes_own_cancellation_of_a_hold_counts_as_expired() -> None:
    from payments.stripe.card import hold_expired

    charge = {"payment_method_details": {"type": "card_present", "card_present": {"capture_before": 100}}}
    assert hold_expired({"status": "canceled", "cancellation_reason": "expired"})
    assert hold_expired({"status": "canceled", "cancellation_reason": "automatic", "latest_charge": charge})
    assert not hold_expired({"status": "canceled", "cancellation_reason": "automatic", "latest_charge": None})
    assert hold_expired({"status": "canceled", "canceled_at": 100, "latest_charge": charge})
    assert not hold_expired({"status": "canceled", "canceled_at": 99, "latest_charge": charge})  # someone did
    assert not hold_expired({"status": "canceled", "cancellation_reason": "requested_by_customer"})
    assert not hold_expired({"status": "requires_capture", "cancellation_reason": "expired"})
