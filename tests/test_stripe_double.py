"""The test double refuses what Stripe refuses: the real SDK over HTTP against tests/fake_stripe.py on 127.0.0.1.

Its parameter tree is read from the pinned SDK's TypedDicts (``stripe.params``), so these tests also prove
that the double follows the SDK rather than a list of names typed by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from payments.base import DeclineReason
from payments.stripe.errors import Declined, ReaderUnavailable, UnexpectedState
from payments.stripe.gateway import StripeGateway, StripeSettings
from pos.base.errors import ProcessorUnavailable
from tests import stripe_schema
from tests.fake_stripe import ENDPOINTS, FakeStripe

READER = "tmr_DOUBLE1"


@pytest.fixture
def fake():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake: FakeStripe) -> StripeGateway:
    return StripeGateway(StripeSettings("sk_test_double", fake.base, connect_timeout_s=2, read_timeout_s=2,
                                        max_retries=0))


def intent_on_reader(gateway: StripeGateway, amount: int = 1840, key: str = "pay_d") -> Any:
    intent = gateway.create_intent(amount, "USD", f"{key}:create", {"payment_id": key})
    gateway.process_on_reader(READER, intent.id, f"{key}:process", tip_on_minor=None)
    return intent


def test_every_endpoint_has_the_sdks_params_class() -> None:
    for route, name in ENDPOINTS.items():
        tree = stripe_schema.typed_dict(stripe_schema.params_class(name))
        assert tree.kind == "dict" and "idempotency_key" not in tree.fields, route  # request options are not params


def test_a_misspelt_nested_parameter_is_refused_and_not_saved_under_its_key(gateway: StripeGateway,
                                                                             fake: FakeStripe) -> None:
    intent = gateway.create_intent(1840, "USD", "pay_n:create", {"payment_id": "pay_n"})
    process = gateway.client.v1.terminal.readers.process_payment_intent
    with pytest.raises(ProcessorUnavailable, match=r"unknown parameter: process_config\[skip_tiping\]"):
        gateway.call(process, READER, params={"payment_intent": intent.id, "process_config": {"skip_tiping": True}},
                     options={"idempotency_key": "pay_n:process"})
    assert READER not in fake.readers  # nothing ran
    # Stripe saves no answer for a request it refused before running it: the key is still free.
    gateway.call(process, READER, params={"payment_intent": intent.id, "process_config": {"skip_tipping": True}},
                 options={"idempotency_key": "pay_n:process"})
    assert fake.readers[READER]["status"] == "in_progress"


@pytest.mark.parametrize(("call", "param"), [
    (lambda g: g.client.v1.payment_intents.create(params={"amount": 1840}), "currency"),  # required
    (lambda g: g.client.v1.payment_intents.create(params={"amount": 18.4, "currency": "usd"}), "amount"),  # integer
    (lambda g: g.client.v1.checkout.sessions.create(params={
        "mode": "payment", "line_items": [{"quantity": 1, "price_data": {
            "currency": "usd", "unit_amount": 100, "product_data": {"title": "x"}}}]}),
     "line_items[0][price_data][product_data][title]"),  # a name at depth four
    (lambda g: g.client.v1.balance_transactions.list(params={"created": {"gte": 1, "before": 2}}), "created[before]"),
    (lambda g: g.client.v1.refunds.create(params={"payment_intent": "pi_x", "origin": "card"}),
     "origin"),  # a closed Literal (most of the SDK's are open: Literal[...]|str)
    (lambda g: g.client.v1.terminal.readers.process_payment_intent(READER, params={
        "payment_intent": "pi_x", "process_config": {"skip_tipping": "maybe"}}), "process_config[skip_tipping]"),
])
def test_names_types_required_keys_and_literals_are_checked_at_every_depth(
        gateway: StripeGateway, fake: FakeStripe, call: Any, param: str) -> None:
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as refused:
        call(gateway)
    assert refused.value.param == param and refused.value.http_status == 400


def test_amounts_below_stripes_minimum_or_above_eight_digits_are_refused(gateway: StripeGateway, fake: FakeStripe) -> None:
    with pytest.raises(Declined, match=r"at least \$0.50 usd"):
        gateway.create_intent(30, "USD", "pay_m:create", {})
    with pytest.raises(Declined, match="at least"):
        gateway.create_intent(49, "JPY", "pay_m2:create", {})  # ¥50
    assert gateway.create_intent(30, "GBP", "pay_m3:create", {}).amount == 30  # £0.30 is GBP's minimum
    with pytest.raises(Declined, match="no more than"):
        gateway.create_intent(100_000_000, "USD", "pay_m4:create", {})
    with pytest.raises(Declined, match="at least"):
        gateway.create_checkout(30, "USD", "Order 1", fake.now() + 3600, "pay_m5:link", {"payment_id": "pay_m5"})


def test_the_intent_state_machine(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = intent_on_reader(gateway)
    with pytest.raises(UnexpectedState, match="status of requires_payment_method"):
        gateway.capture_intent(intent.id, 1840, "pay_d:capture:1")  # nothing to capture before the tap
    gateway.present_test_card(READER, 0, "pay_d:present")
    with pytest.raises(Declined, match="less than or equal to the amount capturable"):
        gateway.capture_intent(intent.id, 1841, "pay_d:capture:2")
    assert gateway.capture_intent(intent.id, 1840, "pay_d:capture:3").status == "succeeded"
    with pytest.raises(UnexpectedState, match="status of succeeded"):
        gateway.cancel_intent(intent.id, "pay_d:cancel:1")
    # A canceled intent cannot be processed on a reader, nor tapped.
    other = gateway.create_intent(500, "USD", "pay_e:create", {})
    gateway.cancel_intent(other.id, "pay_e:cancel:1")
    with pytest.raises(UnexpectedState, match="canceled"):
        gateway.process_on_reader(READER, other.id, "pay_e:process", tip_on_minor=None)
    with pytest.raises(UnexpectedState, match="canceled"):
        gateway.cancel_intent(other.id, "pay_e:cancel:2")


def test_a_canceled_intent_on_the_reader_cannot_be_tapped(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = intent_on_reader(gateway)
    gateway.cancel_intent(intent.id, "pay_d:cancel:1")
    with pytest.raises(UnexpectedState, match="cannot be presented"):
        gateway.present_test_card(READER, 0, "pay_d:present")


def test_a_busy_or_offline_reader_refuses_the_next_payment(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent_on_reader(gateway, key="pay_b1")
    second = gateway.create_intent(700, "USD", "pay_b2:create", {})
    with pytest.raises(ReaderUnavailable, match="busy"):
        gateway.process_on_reader(READER, second.id, "pay_b2:process", tip_on_minor=None)
    gateway.cancel_reader_action(READER, "pay_b1:cancel_action:1")
    assert gateway.retrieve_reader(READER).action.status == "failed"
    fake.reader_offline(READER)
    with pytest.raises(ReaderUnavailable, match="offline"):
        gateway.process_on_reader(READER, second.id, "pay_b2:process:2", tip_on_minor=None)


def test_a_reader_action_can_fail_and_a_tap_can_be_declined(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent_on_reader(gateway, key="pay_f1")
    fake.fail_reader_action(READER)
    action = gateway.retrieve_reader(READER).action
    assert (action.status, action.failure_code) == ("failed", "customer_canceled")
    declined = intent_on_reader(gateway, key="pay_f2")
    fake.decline_next("insufficient_funds")
    gateway.present_test_card(READER, 0, "pay_f2:present")
    assert gateway.retrieve_reader(READER).action.failure_code == "card_declined"
    assert gateway.retrieve_intent(declined.id).last_payment_error.decline_code == "insufficient_funds"


def test_a_402_card_error_on_cue(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = intent_on_reader(gateway)
    gateway.present_test_card(READER, 0, "pay_d:present")
    fake.card_error_next("/capture", "insufficient_funds")
    with pytest.raises(Declined) as declined:
        gateway.capture_intent(intent.id, 1840, "pay_d:capture:1")
    assert declined.value.reason is DeclineReason.INSUFFICIENT_FUNDS
    # As at Stripe, the answer of a request that ran is kept under its key, error included.
    with pytest.raises(Declined):
        gateway.capture_intent(intent.id, 1840, "pay_d:capture:1")
    assert gateway.capture_intent(intent.id, 1840, "pay_d:capture:2").status == "succeeded"


def test_a_session_can_complete_before_its_money_arrives(gateway: StripeGateway, fake: FakeStripe) -> None:
    session = gateway.create_checkout(1840, "USD", "Order 1", fake.now() + 3600, "pay_s:link", {"payment_id": "pay_s"})
    fake.pay_session(session.id, paid=False)
    seen = gateway.retrieve_checkout(session.id)
    assert (seen.status, seen.payment_status) == ("complete", "unpaid")
    assert gateway.retrieve_intent(seen.payment_intent).status == "processing"
    fake.settle_session(session.id)
    assert gateway.retrieve_checkout(session.id).payment_status == "paid"


def test_balance_transactions_for_charges_refunds_and_payouts(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = intent_on_reader(gateway)
    gateway.present_test_card(READER, 0, "pay_d:present")
    gateway.capture_intent(intent.id, 1840, "pay_d:capture:1")
    gateway.refund(intent.id, 500, "pay_d:refund:1")
    fake.payout(1000)
    listed = gateway.call(gateway.client.v1.balance_transactions.list, params={"limit": 100})
    kinds = {t.type: t.to_dict() for t in listed.auto_paging_iter()}
    assert set(kinds) == {"charge", "refund", "payout"}
    assert [kinds[k]["reporting_category"] for k in ("charge", "refund", "payout")] == ["charge", "refund", "payout"]
    assert kinds["charge"]["fee_details"][0]["type"] == "stripe_fee" and kinds["charge"]["exchange_rate"] is None
    assert kinds["refund"]["amount"] == -500 and kinds["payout"]["amount"] == -1000
    # The settlement report reads them all (it sorts them by reporting category), disputes too.
    fake.dispute(intent.id, 1340)
    read = gateway.balance_transactions(0, 2 ** 40)
    assert [t["reporting_category"] for t in read] == ["charge", "refund", "payout", "dispute"]
    assert read[-1]["amount"] == -1340 and read[-1]["source"].startswith("dp_")


def test_search_lags_behind_writes(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = gateway.create_intent(1840, "USD", "pay_q:create", {"payment_id": "pay_q"})
    search = gateway.client.v1.payment_intents.search
    query = {"query": "metadata['payment_id']:'pay_q'"}
    assert gateway.call(search, params=query).data == []
    fake.clock_offset_s = fake.search_delay_s
    assert [i.id for i in gateway.call(search, params=query).data] == [intent.id]


def test_a_tip_base_must_be_positive(gateway: StripeGateway, fake: FakeStripe) -> None:
    intent = gateway.create_intent(1840, "USD", "pay_t:create", {"payment_id": "pay_t"})
    with pytest.raises(ProcessorUnavailable, match="amount_eligible"):
        gateway.process_on_reader(READER, intent.id, "pay_t:process", tip_on_minor=0)
    gateway.process_on_reader(READER, intent.id, "pay_t:process:2", tip_on_minor=1500)
    assert fake.reader_config[READER] == {"skip_tipping": "false", "tipping": {"amount_eligible": "1500"}}


def test_a_checkout_capture_can_leave_its_balance_transaction_for_later(gateway: StripeGateway, fake: FakeStripe) -> None:
    """Asynchronous capture: the charge succeeds with ``balance_transaction`` null; on cue it is filled in and the
    ``charge.updated`` Stripe sends about it is returned, naming what changed."""
    session = gateway.create_checkout(1840, "USD", "Order 1", fake.now() + 3600, "pay_b:link", {"payment_id": "pay_b"})
    fake.pay_session(session.id, balance_later=True)
    intent_id = fake.sessions[session.id]["payment_intent"]
    paid = gateway.retrieve_intent(intent_id, settlement=True)
    assert paid.status == "succeeded" and paid.latest_charge.balance_transaction is None and fake.balance == []
    event = fake.balance_arrives(intent_id)
    assert event["type"] == "charge.updated" and event["data"]["previous_attributes"] == {"balance_transaction": None}
    (txn,) = fake.balance
    assert event["data"]["object"]["balance_transaction"] == txn["id"] and txn["reporting_category"] == "charge"
    assert gateway.retrieve_intent(intent_id, settlement=True).latest_charge.balance_transaction.fee == txn["fee"]
    with pytest.raises(AssertionError):
        fake.balance_arrives(intent_id)  # once only


def test_a_balance_movement_of_any_category_is_listed(fake: FakeStripe, gateway: StripeGateway) -> None:
    fake.balance_movement("refund_failure", 500, source="re_x", kind="refund_failure")
    (txn,) = gateway.balance_transactions(0, 2 ** 40)
    assert (txn["reporting_category"], txn["amount"], txn["source"]) == ("refund_failure", 500, "re_x")
