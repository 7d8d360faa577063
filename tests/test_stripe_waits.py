"""Waiting for the tap when Stripe says "slow down": rate limits (HTTP 429) and lock timeouts (issue 25, item 6).

The register's clock, sleep and random draw are injected (``store.memo["stripe_pacer"]``), so no test sleeps.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payments import service
from payments.base import DeclineReason, PaymentState, order_payments
from payments.stripe.gateway import StripeSettings
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.fake_stripe import FakeStripe


class FakeClock:
    """A monotonic clock that moves only when the register sleeps."""

    def __init__(self) -> None:
        self.now_s = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)
        self.now_s += seconds


@pytest.fixture
def clock(shop: Store) -> FakeClock:
    from payments.stripe.pacing import Pacer

    ticking = FakeClock()
    shop.memo["stripe_pacer"] = Pacer(clock=ticking, sleep=ticking.sleep, random=lambda: 0.5)
    return ticking


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def _intent_reads(fake: FakeStripe) -> int:
    return sum(1 for method, path, _, _ in fake.requests if method == "GET" and path.startswith("/v1/payment_intents/"))


def test_one_rate_limit_while_waiting_does_not_cancel_an_approved_payment(shop: Store, fake: FakeStripe,
                                                                          clock: FakeClock) -> None:
    # What was seen: the customer tapped and the card was approved, the register's next read got one 429, and
    # the payment was released (the intent cancelled) as if Stripe could not be reached.
    order = pizza(shop)
    fake.rate_limit_next("/v1/payment_intents/", "GET")
    result = service.pay(shop, order.id, "card")
    assert fake.limited, "the double answered no 429"
    (intent,) = fake.intents.values()
    assert intent["status"] == "succeeded", intent["status"]
    assert result.order_paid and result.payment.state is PaymentState.CAPTURED
    assert clock.slept and clock.slept[0] >= 1.0  # it backed off (at least a poll's interval) before reading again


def test_lock_timeouts_and_rate_limits_in_a_row_are_waited_out(shop: Store, fake: FakeStripe,
                                                               clock: FakeClock) -> None:
    order = pizza(shop)
    fake.rate_limit_schedule([True, True, False, True], "/v1/payment_intents/", "GET", code="lock_timeout")
    fake.rate_limit_next("/v1/payment_intents/", "GET", times=2)
    result = service.pay(shop, order.id, "card")
    assert result.payment.state is PaymentState.CAPTURED
    assert len(fake.limited) >= 3
    # Two refusals in a row: the second pause is longer (never shorter than a poll's interval).
    assert clock.slept[:2] == sorted(clock.slept[:2]) and clock.slept[0] >= 1.0
    # Five in a row: the pauses grow (1.0, the floor; then 0.5 x 2^n at the draw's midpoint: 1.5, 3.0, 6.0).
    clock.slept.clear()
    fake.rate_limit_next("/v1/payment_intents/", "GET", times=5)
    service.pay(shop, pizza(shop).id, "card")
    assert clock.slept[:5] == [1.0, 1.0, 1.5, 3.0, 6.0]


def test_a_rate_limited_create_or_hand_over_is_retried(shop: Store, fake: FakeStripe, clock: FakeClock) -> None:
    order = pizza(shop)
    fake.rate_limit_next("/v1/payment_intents", "POST")
    fake.rate_limit_next("/process_payment_intent", "POST", code="lock_timeout")
    result = service.pay(shop, order.id, "card")
    assert result.payment.state is PaymentState.CAPTURED
    assert len(fake.intents) == 1  # the create's retry made no second intent


@pytest.fixture
def no_tap(shop: Store, fake: FakeStripe, clock: FakeClock) -> Store:
    """Nobody taps (a physical reader's customer who walks away): the wait runs out after 10 s."""
    settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 1, simulate_tap=False, card_wait_s=10)
    shop.memo["stripe_settings"] = lambda: settings
    shop.memo.pop("stripe_gateway", None)
    return shop


def test_a_rate_limited_release_at_the_deadline_is_retried(no_tap: Store, fake: FakeStripe) -> None:
    order = pizza(no_tap)
    fake.rate_limit_next("/cancel", "POST", times=2)
    result = service.pay(no_tap, order.id, "card")
    assert result.outcome.reason is DeclineReason.EXPIRED
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert [p.state for p in order_payments(no_tap, order.id)] == [PaymentState.DECLINED]


def test_rate_limited_until_the_deadline_keeps_the_payment_for_recover(no_tap: Store, fake: FakeStripe,
                                                                       clock: FakeClock) -> None:
    # Every read is refused: whether the customer tapped is unknown, so the payment is neither released nor taken.
    order = pizza(no_tap)
    fake.rate_limit_next("/v1/payment_intents/", "GET", times=10_000)
    with pytest.raises(Exception) as raised:
        service.pay(no_tap, order.id, "card")
    assert "recover" in str(raised.value)
    (intent,) = fake.intents.values()
    assert intent["status"] == "requires_payment_method"  # not cancelled because of a 429
    assert [p.state for p in order_payments(no_tap, order.id)] == [PaymentState.REQUESTED]
    assert clock.now_s - 1000.0 <= 10 + 1e-9  # it never waited past the payment's own deadline
    fake.rate_limits.clear()  # Stripe answers again: recover finds it never tapped, and releases it
    service.recover(no_tap)
    assert intent["status"] == "canceled"
    assert [p.state for p in order_payments(no_tap, order.id)] != [PaymentState.REQUESTED]


def test_the_polling_rate_per_reader_is_bounded(no_tap: Store, fake: FakeStripe, clock: FakeClock) -> None:
    from payments.stripe.pacing import READER_REQUESTS_PER_S

    service.pay(no_tap, pizza(no_tap).id, "card")
    reads = [path for method, path, _, _ in fake.requests if method == "GET"]
    # 10 s of waiting: a poll at 0, 1, ... 10 s, and the reader read once more to release it.
    assert 10 <= len(reads) <= READER_REQUESTS_PER_S * 11 + 1
    assert READER_REQUESTS_PER_S * 8 <= 20  # eight registers at once stay under Stripe's 25 a second


@settings(max_examples=300, deadline=None)
@given(attempt=st.integers(0, 60), remaining_s=st.floats(0, 600, allow_nan=False),
       draw=st.floats(0, 1, exclude_max=True, allow_nan=False))
def test_the_backoff_schedule_is_bounded_jittered_and_never_past_the_deadline(
        attempt: int, remaining_s: float, draw: float) -> None:
    from payments.stripe.pacing import BACKOFF_BASE_S, BACKOFF_CAP_S, backoff_delay_s

    delay = backoff_delay_s(attempt, remaining_s, draw)
    full = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** attempt)
    assert 0 <= delay <= remaining_s  # never past the payment's deadline
    assert delay <= BACKOFF_CAP_S
    assert delay == min(remaining_s, full / 2 + draw * full / 2)  # jittered within [half, whole] of the step


def test_the_backoff_schedule_grows_then_levels_off() -> None:
    from payments.stripe.pacing import BACKOFF_CAP_S, backoff_delay_s

    whole = [backoff_delay_s(n, 1e9, 0.999999) for n in range(10)]
    assert whole == sorted(whole) and whole[0] < whole[3] and whole[-1] <= BACKOFF_CAP_S
    assert {backoff_delay_s(2, 1e9, d) for d in (0.0, 0.3, 0.9)}.__len__() == 3  # the draw jitters it


def test_a_429_is_told_apart_from_stripe_being_unreachable() -> None:
    import stripe

    from payments.stripe.errors import RateLimited, translate

    limited = translate(stripe.RateLimitError("Request rate limit exceeded.", http_status=429, code="rate_limit"))
    locked = translate(stripe.RateLimitError("This object cannot be accessed right now.", http_status=429,
                                             code="lock_timeout"))
    assert isinstance(limited, RateLimited) and limited.stripe_code == "rate_limit"
    assert isinstance(locked, RateLimited) and locked.stripe_code == "lock_timeout"
    assert locked.code == "processor_unavailable"  # what scripts read is unchanged
    assert not isinstance(translate(stripe.APIConnectionError("no route")), RateLimited)


def test_the_double_answers_429_on_cue_before_the_request_runs(fake: FakeStripe) -> None:
    from payments.stripe.errors import RateLimited
    from payments.stripe.gateway import StripeGateway

    gateway = StripeGateway(StripeSettings("sk_test_fake", fake.base, 1, 2, 0))
    fake.rate_limit_schedule([True, False, True], "/v1/payment_intents", "POST", code="lock_timeout")
    with pytest.raises(RateLimited) as refused:
        gateway.create_intent(1361, "usd", "k1", {"payment_id": "p1"})
    assert refused.value.stripe_code == "lock_timeout" and fake.intents == {}
    first = gateway.create_intent(1361, "usd", "k1", {"payment_id": "p1"})  # the same key: not saved, runs now
    with pytest.raises(RateLimited):
        gateway.create_intent(1361, "usd", "k2", {"payment_id": "p2"})
    assert gateway.create_intent(1361, "usd", "k1", {"payment_id": "p1"}).id == first.id  # saved once it ran
    assert list(fake.intents) == [first.id]
    # For real: at most so many requests a second to one endpoint.
    fake.limit_per_endpoint_per_s = 3
    answers = []
    for _ in range(5):
        try:
            gateway.retrieve_intent(first.id)
            answers.append("ok")
        except RateLimited:
            answers.append("429")
    assert answers == ["ok", "ok", "ok", "429", "429"]


# -- a payment link's wait ------------------------------------------------------------------------------------


def test_rate_limits_while_waiting_for_a_link_back_off_and_the_wait_goes_on(shop: Store, fake: FakeStripe,
                                                                            clock: FakeClock) -> None:
    """What was seen: one 429 while `pos pay N link --wait` checked the link ended the wait with an error."""
    from payments import wallet

    order = new_order(shop, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(shop, order.id, "PIZZA-M")
    sent = wallet.send_link(shop, order.id)
    session_id = str(sent.payment.processor_ref)
    fake.rate_limit_next("/v1/checkout/sessions/", "GET", times=3)  # three refusals in a row, then an answer
    fake.pay_session(session_id)
    status = wallet.wait_for_link(shop, order.id, timeout_s=60, poll_s=2.0)
    assert status.order_paid
    assert clock.slept[:3] == [1.0, 1.0, 1.5]  # at least a poll's pause (capped at 1 s), then doubling: 0.5, 1, 2
    assert len(fake.rate_limits[0][2]) == 0


def test_a_link_wait_refused_to_its_end_raises_and_leaves_the_link_open(shop: Store, fake: FakeStripe,
                                                                        clock: FakeClock) -> None:
    from payments import wallet
    from payments.base import PaymentState, order_payments
    from payments.stripe.errors import RateLimited

    order = new_order(shop, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(shop, order.id, "PIZZA-M")
    wallet.send_link(shop, order.id)
    fake.rate_limit_next("/v1/checkout/sessions/", "GET", times=1000)
    with pytest.raises(RateLimited):
        wallet.wait_for_link(shop, order.id, timeout_s=20, poll_s=2.0)
    assert sum(clock.slept) == 20  # it backed off until the wait's end, and not a moment past it
    assert max(clock.slept) <= 8.0  # each pause at most the cap
    assert order_payments(shop, order.id)[0].state is PaymentState.REQUESTED
