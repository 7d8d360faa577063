"""After a crash or a failed call: finding an intent without search, and retrying a cancel or a capture.

Against the stricter double: its search lags (as Stripe's does, "up to an hour"), and it keeps the answer of
every request that ran under its idempotency key, errors included, as Stripe does for 24 hours.
"""

from __future__ import annotations

import pytest

from payments import service
from payments.base import DeclineReason, PaymentState, order_payments
from payments.refunds import void
from payments.stripe.gateway import StripeSettings
from pos.base import faults
from pos.base.errors import ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def crash_before_the_id_is_saved(store: Store) -> str:
    order = pizza(store)
    faults.on("payment.authorized", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        service.pay(store, order.id, "card")
    faults.clear()
    store.conn.execute("UPDATE payments SET processor_ref = NULL")
    return str(order.id)


def posts(fake: FakeStripe, suffix: str) -> list[str | None]:
    return [key for method, path, _, key in fake.requests if method == "POST" and path.endswith(suffix)]


# -- 8: read-after-write ------------------------------------------------------------------------


def test_an_intent_whose_id_was_lost_is_found_without_search(shop: Store, fake: FakeStripe) -> None:
    fake.search_delay_s = 3600  # Stripe: search may be an hour behind
    other = pizza(shop)
    service.pay(shop, other.id, "card")  # another payment's intent, in the same minutes
    order_id = crash_before_the_id_is_saved(shop)
    assert [d.action for d in service.recover(shop)] == ["captured and recorded"]
    (payment,) = order_payments(shop, order_id)
    assert fake.intents[payment.processor_ref]["metadata"]["payment_id"] == payment.id
    assert fake.intents[payment.processor_ref]["status"] == "succeeded"
    assert resolve(shop, order_id).status is OrderStatus.PAID
    paths = [path for _, path, _, _ in fake.requests]
    assert "/v1/payment_intents/search" not in paths
    (listed,) = [p for m, path, p, _ in fake.requests if m == "GET" and path == "/v1/payment_intents"]
    assert set(listed["created"]) == {"gte", "lte"}  # around the payment's own time, not the whole history


def test_voiding_an_order_releases_an_intent_whose_id_was_lost(shop: Store, fake: FakeStripe) -> None:
    order_id = crash_before_the_id_is_saved(shop)  # the customer's card is held, the row has no id
    (intent,) = fake.intents.values()
    assert intent["status"] == "requires_capture"
    void(shop, order_id, "customer left")
    assert intent["status"] == "canceled"  # the hold is released, not left for days
    assert [p.state for p in order_payments(shop, order_id)] == [PaymentState.VOIDED]


# -- 9: idempotency of cancels (and captures) -----------------------------------------------------


@pytest.fixture
def slow_reader(shop: Store, fake: FakeStripe) -> Store:
    settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 1, simulate_tap=False, card_wait_s=1)
    shop.memo["stripe_settings"] = lambda: settings
    shop.memo.pop("stripe_gateway", None)
    return shop


def test_a_failed_ctrl_c_cancel_is_kept_and_retried_under_a_new_key(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)

    def cashier_presses_ctrl_c(elapsed_s: int) -> None:
        raise KeyboardInterrupt

    slow_reader.memo["on_card_wait"] = cashier_presses_ctrl_c
    fake.error_next("/cancel", 500)  # the cancel ran and failed: Stripe keeps that answer under its key
    with pytest.raises(ProcessorUnavailable, match="recover"):
        service.pay(slow_reader, order.id, "card")
    (payment,) = order_payments(slow_reader, order.id)
    assert payment.state is PaymentState.REQUESTED  # not 'failed' while the customer could still tap
    assert payment.details["attempts"]["cancel"] == 1  # recorded before the call
    intent = fake.intents[payment.processor_ref]
    assert intent["status"] == "requires_payment_method"
    slow_reader.memo.pop("on_card_wait")
    assert [d.action for d in service.recover(slow_reader)] == ["voided (never charged)"]
    assert intent["status"] == "canceled"
    assert posts(fake, "/cancel") == [f"{payment.id}:cancel:1", f"{payment.id}:cancel:2"]
    assert service.recover(slow_reader) == []


def test_a_timeout_cancel_and_void_can_each_fail_and_be_retried(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    fake.error_next("/cancel", 500, times=2)  # the timeout's cancel, then recover's first try
    with pytest.raises(ProcessorUnavailable, match="No card was presented in time"):
        service.pay(slow_reader, order.id, "card")
    assert [d.action for d in service.recover(slow_reader)] == ["left for later (processor unavailable)"]
    assert [d.action for d in service.recover(slow_reader)] == ["voided (never charged)"]
    (payment,) = order_payments(slow_reader, order.id)
    assert fake.intents[payment.processor_ref]["status"] == "canceled"
    assert posts(fake, "/cancel") == [f"{payment.id}:cancel:{n}" for n in (1, 2, 3)]
    assert resolve(slow_reader, order.id).status is OrderStatus.OPEN
    assert service.pay(slow_reader, order.id, "cash", "20").order_paid


def test_an_intent_released_elsewhere_is_recorded_as_cancelled(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    slow_reader.memo["on_card_wait"] = lambda elapsed_s: (_ for _ in ()).throw(KeyboardInterrupt)
    fake.error_next("/cancel", 500)
    with pytest.raises(ProcessorUnavailable):
        service.pay(slow_reader, order.id, "card")
    (payment,) = order_payments(slow_reader, order.id)
    fake.intents[payment.processor_ref]["status"] = "canceled"  # someone released it on the Dashboard meanwhile
    slow_reader.memo.pop("on_card_wait")
    assert [d.action for d in service.recover(slow_reader)] == ["declined"]
    assert order_payments(slow_reader, order.id)[0].decline_reason is DeclineReason.CANCELLED


def test_a_failed_capture_is_retried_under_a_new_key(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.error_next("/capture", 500)
    with pytest.raises(ProcessorUnavailable, match="kept as authorized"):
        service.pay(shop, order.id, "card")
    assert order_payments(shop, order.id)[0].state is PaymentState.AUTHORIZED
    assert [d.action for d in service.recover(shop)] == ["captured and recorded"]
    (payment,) = order_payments(shop, order.id)
    assert posts(fake, "/capture") == [f"{payment.id}:capture:1", f"{payment.id}:capture:2"]
    assert fake.intents[payment.processor_ref]["amount_received"] == 1361
    assert resolve(shop, order.id).status is OrderStatus.PAID


# -- orphaned holds (issue 15, item 4) -------------------------------------------------------------


@pytest.fixture
def no_retries(shop: Store, fake: FakeStripe) -> Store:
    """No simulated tap, and the SDK does not retry: a lost answer is lost."""
    settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 0, simulate_tap=False, card_wait_s=1)
    shop.memo["stripe_settings"] = lambda: settings
    shop.memo.pop("stripe_gateway", None)
    return shop


def tap(fake: FakeStripe, intent_id: str) -> None:
    """The customer taps on the reader the intent reached."""
    fake.authorize(intent_id)


def test_a_lost_answer_from_the_reader_is_failed_only_once_the_intent_is_cancelled(
        no_retries: Store, fake: FakeStripe) -> None:
    order = pizza(no_retries)
    fake.drop_next_response("/process_payment_intent")  # the reader has it; the register never hears so
    with pytest.raises(ProcessorUnavailable):
        service.pay(no_retries, order.id, "card")
    (payment,) = order_payments(no_retries, order.id)
    intent = fake.intents[payment.processor_ref]
    assert fake.readers["tmr_FAKE01"]["status"] == "failed"  # its screen told to stop
    assert (payment.state, intent["status"]) == (PaymentState.FAILED, "canceled")
    assert payment.details["released"] is True
    assert service.recover(no_retries) == []  # known released: nothing to look at


def test_a_lost_answer_and_a_failed_cancel_keep_the_payment_and_recover_takes_the_tap(
        no_retries: Store, fake: FakeStripe) -> None:
    order = pizza(no_retries)
    fake.drop_next_response("/process_payment_intent")
    fake.error_next("/cancel", 500)  # ...and the cancel fails: Stripe may hold money
    with pytest.raises(ProcessorUnavailable, match="recover"):
        service.pay(no_retries, order.id, "card")
    (payment,) = order_payments(no_retries, order.id)
    assert payment.state is PaymentState.REQUESTED
    tap(fake, payment.processor_ref)
    assert [d.action for d in service.recover(no_retries)] == ["captured and recorded"]
    assert fake.intents[payment.processor_ref]["amount_received"] == 1361
    assert service.recover(no_retries) == []


def failed_by_an_older_version(store: Store, fake: FakeStripe) -> tuple[str, str]:
    """An older version: Stripe stopped answering once the intent was on the reader, and the row was marked
    failed without cancelling it (its intent id saved, no word of a release)."""
    from payments.stripe import card as stripe_card

    order = pizza(store)
    original = stripe_card.StripeTerminalProcessor._release
    stripe_card.StripeTerminalProcessor._release = lambda *args, **kwargs: None  # type: ignore[method-assign]
    try:
        fake.drop_next_response("/process_payment_intent")
        with pytest.raises(ProcessorUnavailable):
            service.pay(store, order.id, "card")
    finally:
        stripe_card.StripeTerminalProcessor._release = original  # type: ignore[method-assign]
    (payment,) = order_payments(store, order.id)
    assert payment.state is PaymentState.FAILED and "released" not in payment.details
    return str(order.id), str(payment.processor_ref)


def test_recover_takes_a_hold_left_on_a_failed_row_if_the_order_still_needs_it(
        no_retries: Store, fake: FakeStripe) -> None:
    order_id, intent_id = failed_by_an_older_version(no_retries, fake)
    tap(fake, intent_id)  # the customer tapped anyway: held on their card
    (done,) = service.recover(no_retries)
    failed, taken = order_payments(no_retries, order_id)
    assert done.action == f"captured and recorded as payment {taken.id} (it had been marked failed)"
    # A failed payment stays failed: the hold is recorded as a payment of its own, on the same intent.
    assert (failed.state, failed.details["taken_as"]) == (PaymentState.FAILED, taken.id)
    assert (taken.state, taken.processor_ref, taken.amount_minor) == (PaymentState.CAPTURED, intent_id, 1361)
    assert fake.intents[intent_id]["amount_received"] == 1361
    assert resolve(no_retries, order_id).status is OrderStatus.PAID
    assert service.recover(no_retries) == []  # once
    assert posts(fake, "/capture") == [f"{taken.id}:capture:1"]
    from pos.books import ledger
    from pos.books import journal_check

    assert journal_check.verify(no_retries).problem is None


def test_a_crash_while_taking_over_a_failed_rows_hold_is_finished_once(no_retries: Store, fake: FakeStripe) -> None:
    order_id, intent_id = failed_by_an_older_version(no_retries, fake)
    tap(fake, intent_id)
    fake.error_next("/capture", 500)  # the new payment is written, its capture fails
    assert [d.action for d in service.recover(no_retries)] == ["left for later (processor unavailable)"]
    failed, taken = order_payments(no_retries, order_id)
    assert taken.state is PaymentState.AUTHORIZED and "taken_as" not in failed.details
    assert [d.action for d in service.recover(no_retries)] == [f"taken over by payment {taken.id}",
                                                               "captured and recorded"]
    assert service.recover(no_retries) == []
    assert fake.intents[intent_id]["amount_received"] == 1361 and len(fake.intents) == 1
    assert resolve(no_retries, order_id).status is OrderStatus.PAID


def test_recover_releases_a_hold_left_on_a_failed_row_once_the_order_was_paid_otherwise(
        no_retries: Store, fake: FakeStripe) -> None:
    order_id, intent_id = failed_by_an_older_version(no_retries, fake)
    tap(fake, intent_id)
    assert service.pay(no_retries, order_id, "cash", "20").order_paid  # the cashier took cash instead
    assert [d.action for d in service.recover(no_retries)] == ["released (it had been marked failed)"]
    assert fake.intents[intent_id]["status"] == "canceled"
    (card, _cash) = order_payments(no_retries, order_id)
    assert card.state is PaymentState.FAILED and card.details["released"] is True
    assert service.recover(no_retries) == []
    assert len(posts(fake, "/cancel")) == 1


def test_recover_releases_an_untapped_intent_left_on_a_failed_row(no_retries: Store, fake: FakeStripe) -> None:
    order_id, intent_id = failed_by_an_older_version(no_retries, fake)
    assert fake.readers["tmr_FAKE01"]["status"] == "in_progress"  # still waiting for a tap
    assert [d.action for d in service.recover(no_retries)] == ["released (it had been marked failed)"]
    assert fake.intents[intent_id]["status"] == "canceled" and fake.readers["tmr_FAKE01"]["status"] == "failed"
    assert service.recover(no_retries) == []
    assert resolve(no_retries, order_id).status is OrderStatus.OPEN
