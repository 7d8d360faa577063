"""The Stripe gateway: the real `stripe` SDK over HTTP against a fake Stripe API on 127.0.0.1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from payments.base import DeclineReason
from payments.stripe.errors import Declined
from payments.stripe.gateway import StripeGateway, StripeSettings, decline_reason, environ_settings, read_api_key
from pos.base.errors import InvalidInput, ProcessorUnavailable
from tests.fake_stripe import FakeStripe

KEY = "sk_test_fake_0123456789"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake: FakeStripe) -> StripeGateway:
    return StripeGateway(StripeSettings(KEY, fake.base, connect_timeout_s=2, read_timeout_s=2, max_retries=2))


def test_create_authorize_capture(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = gateway.create_intent(1840, "USD", "pay_1:create", {"payment_id": "pay_1", "order_id": "ord_1"})
    assert (intent.amount, intent.currency, intent.capture_method) == (1840, "usd", "manual")
    method, path, params, key = fake.requests[-1]
    assert params["allowed_payment_method_types"] == ["card_present"] and key == "pay_1:create"
    assert params["metadata"] == {"payment_id": "pay_1", "order_id": "ord_1"}
    fake.authorize(intent.id)
    assert gateway.retrieve_intent(intent.id).status == "requires_capture"
    # Never more than was authorised: a tip must be on the intent before the tap (Stripe refuses more).
    with pytest.raises(Declined, match="less than or equal to the amount capturable"):
        gateway.capture_intent(intent.id, 2140, "pay_1:capture")
    captured = gateway.capture_intent(intent.id, 1840, "pay_1:capture:2")
    assert (captured.status, captured.amount_received) == ("succeeded", 1840)
    refund = gateway.refund(intent.id, 500, "pay_1:refund:ref_1")
    assert refund.amount == 500


def test_same_key_same_answer_no_second_charge(gateway: StripeGateway, fake: FakeStripe) -> None:
    first = gateway.create_intent(1840, "USD", "pay_2:create", {"payment_id": "pay_2"})
    again = gateway.create_intent(1840, "USD", "pay_2:create", {"payment_id": "pay_2"})
    assert first.id == again.id and len(fake.intents) == 1


def test_same_key_other_details_is_refused(gateway: StripeGateway, fake: FakeStripe) -> None:
    gateway.create_intent(1840, "USD", "pay_3:create", {"payment_id": "pay_3"})
    with pytest.raises(ProcessorUnavailable, match="different details"):
        gateway.create_intent(9999, "USD", "pay_3:create", {"payment_id": "pay_3"})
    assert len(fake.intents) == 1


def test_unknown_parameters_are_refused_as_the_real_api_does(gateway: StripeGateway, fake: FakeStripe) -> None:
    with pytest.raises(ProcessorUnavailable, match="unknown parameter: payment_method_types"):
        gateway.call(gateway.client.v1.payment_intents.create,
                     params={"amount": 100, "currency": "usd", "payment_method_types": ["card_present"]})
    assert fake.intents == {}


def test_a_dropped_answer_is_retried_with_the_same_key(gateway: StripeGateway, fake: FakeStripe) -> None:
    fake.drop_next_response()
    intent = gateway.create_intent(1840, "USD", "pay_4:create", {"payment_id": "pay_4"})
    assert len(fake.intents) == 1 and intent.id in fake.intents
    keys = [key for _, path, _, key in fake.requests if path == "/v1/payment_intents"]
    assert keys == ["pay_4:create", "pay_4:create"]


def test_timeout_and_refused_connection_mean_unavailable(fake: FakeStripe) -> None:
    slow = StripeGateway(StripeSettings(KEY, fake.base, connect_timeout_s=1, read_timeout_s=1, max_retries=0))
    fake.slow_next(2)
    with pytest.raises(ProcessorUnavailable, match="cannot be reached"):
        slow.create_intent(100, "USD", "pay_5:create", {})
    nowhere = StripeGateway(StripeSettings(KEY, "http://127.0.0.1:9", connect_timeout_s=1, max_retries=0))
    with pytest.raises(ProcessorUnavailable, match="cannot be reached") as err:
        nowhere.create_intent(100, "USD", "pay_6:create", {})
    assert KEY not in str(err.value)


def test_capture_in_the_wrong_state_is_refused(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = gateway.create_intent(100, "USD", "pay_7:create", {})
    with pytest.raises(ProcessorUnavailable, match="could not be captured"):
        gateway.capture_intent(intent.id, 100, "pay_7:capture")


@pytest.mark.parametrize(("code", "decline", "reason"), [
    ("card_declined", "insufficient_funds", DeclineReason.INSUFFICIENT_FUNDS),
    ("expired_card", None, DeclineReason.EXPIRED_CARD),
    ("card_declined", "stolen_card", DeclineReason.FRAUD_SUSPECTED),
    ("card_declined", "do_not_honor", DeclineReason.CARD_DECLINED),
    (None, None, DeclineReason.CARD_DECLINED),
])
def test_decline_codes_map_onto_the_closed_set(code: str | None, decline: str | None, reason: DeclineReason) -> None:
    assert decline_reason(code, decline) is reason


def test_api_key_from_the_environment_or_an_owner_only_file(tmp_path: Path) -> None:
    assert read_api_key({"STRIPE_API_KEY": " sk_test_env "}) == "sk_test_env"
    key_file = tmp_path / "stripe.key"
    key_file.write_text("sk_test_file\n")
    os.chmod(key_file, 0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        read_api_key({}, key_file)
    os.chmod(key_file, 0o600)
    assert read_api_key({}, key_file) == "sk_test_file"
    assert read_api_key({}, tmp_path / "missing") is None
    assert environ_settings({}) is None
    settings = environ_settings({"POS_STRIPE_KEY_FILE": str(key_file), "POS_STRIPE_API_BASE": "http://127.0.0.1:1"})
    assert settings is not None and settings.api_key == "sk_test_file" and settings.api_base == "http://127.0.0.1:1"
