"""Refunds after an interruption, and refunds Stripe refuses for good (issue 25, items 1 and 3).

Against the double, which forgets an idempotency key once it is 24 hours old (as Stripe does: a reused key
then makes a new request), lists a charge's refunds, and refuses a refund with Stripe's final error codes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from payments import service
from payments.base import PaymentState, RefundRefusal, RefundRefused, order_payments
from payments.refunds import refund
from pos.base import faults
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import Conflict, ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.fake_stripe import FINAL_REFUND_CODES, FakeStripe


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def paid_by_card(store: Store) -> str:
    order = pizza(store)
    service.pay(store, order.id, "card")
    return str(order.id)


def books_refunded_minor(store: Store, order_id: str) -> int:
    """What the books say went back to the card: the refund entries' postings out of the Stripe account."""
    from payments.stripe.card import ACCOUNT

    entries = [ledger.find_by_key(store, f"refund:{rid}") for (rid,) in store.tuples(
        "SELECT id FROM refunds WHERE order_id = ?", (order_id,))]
    return -sum(p.amount_minor for e in entries if e is not None for p in e.postings if p.account == ACCOUNT)


def crash_before_the_books(store: Store, order_id: str, amount: str) -> None:
    """The register dies after Stripe refunded, before the refund's entry is written (its write rolls back)."""
    faults.on("refund.before_journal", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(store, order_id, amount, "cold")
    faults.clear()


# -- item 1: a refund interrupted before its booking is adopted, never sent again ------------------------------


def test_a_refund_interrupted_before_the_books_is_adopted_after_its_key_expired(shop: Store, fake: FakeStripe) -> None:
    start = datetime.now(timezone.utc).replace(microsecond=0)
    with freeze_time(start, tick=True) as clock:
        order_id = paid_by_card(shop)
        crash_before_the_books(shop, order_id, "5.00")
        assert [r["amount"] for r in fake.refunds.values()] == [500]  # Stripe gave it back
        assert shop.scalar("SELECT state FROM refunds") == "requested"  # the books do not know yet
        clock.tick(timedelta(hours=25))  # Stripe has forgotten the refund's idempotency key
        (done,) = service.recover(shop)
    assert done.action == "refund completed and recorded"
    assert [r["amount"] for r in fake.refunds.values()] == [500]  # exactly one refund at Stripe
    assert books_refunded_minor(shop, order_id) == 500  # and the books equal to it
    (payment,) = order_payments(shop, order_id)
    assert (payment.state, payment.refunded_minor) == (PaymentState.PARTIALLY_REFUNDED, 500)
    assert shop.scalar("SELECT processor_ref FROM refunds") == next(iter(fake.refunds))
    assert service.recover(shop) == []
    assert journal_check.verify(shop).problem is None


def test_a_refund_interrupted_before_it_was_sent_is_sent_once_by_recover(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    faults.on("refund.requested", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(shop, order_id, "5.00", "cold")
    faults.clear()
    assert fake.refunds == {}
    assert [d.action for d in service.recover(shop)] == ["refund completed and recorded"]
    (made,) = fake.refunds.values()
    refund_id = shop.scalar("SELECT id FROM refunds")
    assert (made["amount"], made["metadata"]) == (500, {"refund_id": refund_id})  # ours, by our id
    assert books_refunded_minor(shop, order_id) == 500


def test_every_refund_carries_our_refund_id(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    assert made["metadata"] == {"refund_id": shop.scalar("SELECT id FROM refunds")}


def test_the_double_forgets_a_key_once_it_is_24_hours_old(shop: Store, fake: FakeStripe) -> None:
    """As Stripe does: within the day the same key gives the saved answer; after it, a new request."""
    from payments.card import stripe_gateway

    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    gateway = stripe_gateway(shop)
    first = gateway.refund(str(payment.processor_ref), 100, "k:refund:1")
    fake.clock_offset_s = 24 * 3600 - 60
    assert gateway.refund(str(payment.processor_ref), 100, "k:refund:1").id == first.id
    fake.clock_offset_s = 24 * 3600
    assert gateway.refund(str(payment.processor_ref), 100, "k:refund:1").id != first.id
    assert len(gateway.client.v1.refunds.list(params={"payment_intent": str(payment.processor_ref)}).data) == 2


# -- item 3: a refund Stripe refuses for good is marked refused and releases its amount --------------------------


def refused_row(store: Store) -> tuple[str, str | None]:
    row = store.one("SELECT state, refusal FROM refunds ORDER BY created_at, rowid LIMIT 1")
    assert row is not None
    return row["state"], row["refusal"]


def assert_released(store: Store, fake: FakeStripe, order_id: str) -> None:
    """The refused refund holds nothing: recover skips it, and all of the payment can be asked back again."""
    assert store.scalar("SELECT count(*) FROM refunds WHERE state = 'requested'") == 0
    assert service.recover(store) == []
    result = refund(store, order_id, None, "cold, all of it")
    assert result.total_minor == 1361  # not 861: the refused 5.00 holds nothing
    assert [r["amount"] for r in fake.refunds.values()] == [1361]
    assert books_refunded_minor(store, order_id) == 1361


@pytest.mark.parametrize(("code", "refusal"), [
    ("charge_already_refunded", RefundRefusal.ALREADY_REFUNDED),
    ("charge_disputed", RefundRefusal.DISPUTED),
    ("refund_disputed_payment", RefundRefusal.DISPUTED),
    ("amount_too_large", RefundRefusal.AMOUNT_TOO_LARGE),
    ("amount_too_small", RefundRefusal.AMOUNT_TOO_SMALL),
    ("charge_not_refundable", RefundRefusal.NOT_REFUNDABLE),
])
def test_each_final_code_marks_the_refund_refused_and_releases_it(
        shop: Store, fake: FakeStripe, code: str, refusal: RefundRefusal) -> None:
    assert set(FINAL_REFUND_CODES) == {"charge_already_refunded", "charge_disputed", "refund_disputed_payment",
                                       "amount_too_large", "amount_too_small", "charge_not_refundable"}
    order_id = paid_by_card(shop)
    fake.refuse_refund_next(code)
    with pytest.raises(RefundRefused, match=code) as refused:
        refund(shop, order_id, "5.00", "cold")
    assert refused.value.refusal is refusal
    assert "nothing was given back" in refused.value.message
    assert refused_row(shop) == ("refused", refusal.value)
    assert fake.refunds == {}
    assert_released(shop, fake, order_id)


def test_a_disputed_charge_is_refused_for_good_not_left_for_later(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    fake.dispute(str(payment.processor_ref))
    with pytest.raises(RefundRefused, match="disputed"):
        refund(shop, order_id, "5.00", "cold")
    assert refused_row(shop) == ("refused", "disputed")
    assert service.recover(shop) == []  # nothing held, nothing left for recover
    with pytest.raises(RefundRefused, match="disputed"):  # asked again, not "being refunded already"
        refund(shop, order_id, None, "all of it")
    assert fake.refunds == {}


def test_a_charge_refunded_in_the_dashboard_is_refused_as_already_refunded(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    fake.dashboard_refund(str(payment.processor_ref))  # all of it, and no webhook told the books
    with pytest.raises(RefundRefused, match="charge_already_refunded"):
        refund(shop, order_id, "5.00", "cold")
    assert refused_row(shop) == ("refused", "already_refunded")
    assert len(fake.refunds) == 1


def test_more_than_stripe_has_left_is_refused_as_too_large(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    fake.dashboard_refund(str(payment.processor_ref), 1000)
    with pytest.raises(RefundRefused, match="amount_too_large"):
        refund(shop, order_id, "5.00", "cold")
    assert refused_row(shop) == ("refused", "amount_too_large")


def test_recover_reports_a_refused_refund_and_goes_on_to_the_next(shop: Store, fake: FakeStripe) -> None:
    """Issue 25 item 3 as seen: a refund Stripe refuses for good must not hold recover up; a later interrupted
    refund is booked in the same run, and the refused one is reported in one line and never again."""
    disputed = paid_by_card(shop)
    faults.on("refund.requested", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(shop, disputed, "5.00", "cold")
    faults.clear()
    (payment,) = order_payments(shop, disputed)
    fake.dispute(str(payment.processor_ref))
    later = paid_by_card(shop)
    crash_before_the_books(shop, later, "3.00")
    first, second = service.recover(shop)
    assert first.action.startswith("refused by Stripe (disputed), marked refused: The refund of $5.00 was refused "
                                   "for good and nothing was given back")
    assert "\n" not in first.action
    assert second.action == "refund completed and recorded"
    assert books_refunded_minor(shop, later) == 300 and books_refunded_minor(shop, disputed) == 0
    assert [r["amount"] for r in fake.refunds.values()] == [300]
    assert service.recover(shop) == []


def test_a_rate_limit_or_lock_timeout_is_retried_later_not_refused(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.error_next("/v1/refunds", 429, "invalid_request_error", "lock_timeout",
                    "This object cannot be accessed right now because another API request is using it.", times=2)
    with pytest.raises(ProcessorUnavailable):
        refund(shop, order_id, "5.00", "cold")
    fake.errors_next.clear()
    assert refused_row(shop) == ("requested", None)  # still holds its amount, for recover
    assert refund(shop, order_id, None, "the rest").total_minor == 861  # the 5.00 is held meanwhile
    assert [d.action for d in service.recover(shop)] == ["refund completed and recorded"]
    assert [r["amount"] for r in fake.refunds.values()] == [861, 500]
    assert books_refunded_minor(shop, order_id) == 1361


@pytest.mark.parametrize(("status", "kind", "code", "final"), [
    (429, "invalid_request_error", "rate_limit", False),
    (429, "invalid_request_error", "lock_timeout", False),
    (500, "api_error", None, False),
    (400, "invalid_request_error", "balance_insufficient", False),
    (400, "invalid_request_error", "some_code_stripe_adds_later", False),
    (400, "invalid_request_error", "charge_disputed", True),
    (400, "invalid_request_error", "charge_already_refunded", True),
])
def test_stripes_codes_are_sorted_once(status: int, kind: str, code: str | None, final: bool) -> None:
    import stripe

    from payments.stripe.errors import refund_refusal

    error: stripe.StripeError
    if status == 429:
        error = stripe.RateLimitError("slow down", code=code)
    elif status == 500:
        error = stripe.APIError("oops", code=code)
    else:
        error = stripe.InvalidRequestError("refused", None, code=code)
    assert (refund_refusal(error) is not None) is final


@pytest.fixture
def noon() -> Iterator[None]:
    """Midday in the store's New York, ticking: the CLI names orders by number within one business day."""
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


def test_pos_refund_refused_for_good_says_so_in_one_line(
        noon: None, shop: Store, fake: FakeStripe, cli_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fake")
    monkeypatch.setenv("POS_STRIPE_API_BASE", fake.base)
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    fake.dispute(str(payment.processor_ref))
    cli = cli_for(shop)
    refused = cli("refund", "1", "--amount", "5.00", "--reason", "cold")
    assert refused.exit_code == 1
    (line,) = refused.output.strip().splitlines()
    assert "refused for good and nothing was given back" in line and "charge_disputed" in line
    assert "Traceback" not in refused.output
    assert cli("payments", "recover").output == "Nothing to recover: every payment is complete.\n"


@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=23), timedelta(hours=25), timedelta(days=8)],
                         ids=["at-once", "23h", "25h", "8d"])
@pytest.mark.parametrize("point", ["refund.requested", "answer-lost", "refund.before_journal"])
def test_recover_after_any_refund_interruption_and_delay_leaves_the_books_equal_to_stripe(
        shop: Store, fake: FakeStripe, point: str, later: timedelta) -> None:
    from payments.stripe.gateway import StripeSettings

    start = datetime.now(timezone.utc).replace(microsecond=0)
    with freeze_time(start, tick=True) as clock:
        order_id = paid_by_card(shop)
        if point == "answer-lost":  # Stripe refunds, the answer never arrives, and the SDK does not retry
            settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 0)
            shop.memo["stripe_settings"] = lambda: settings
            shop.memo.pop("stripe_gateway", None)
            fake.drop_next_response("/v1/refunds")
            with pytest.raises(ProcessorUnavailable):
                refund(shop, order_id, "5.00", "cold")
        else:
            faults.on(point, lambda: (_ for _ in ()).throw(KeyboardInterrupt))
            with pytest.raises(KeyboardInterrupt):
                refund(shop, order_id, "5.00", "cold")
            faults.clear()
        clock.tick(later)
        assert [d.action for d in service.recover(shop)] == ["refund completed and recorded"]
        assert service.recover(shop) == []
    assert [r["amount"] for r in fake.refunds.values()] == [500]
    assert books_refunded_minor(shop, order_id) == 500
    assert journal_check.verify(shop).problem is None
