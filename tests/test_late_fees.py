"""Fees that arrive later: a link captured asynchronously, its balance transaction (fee, net) filled in afterwards.

Checkout captures asynchronously: the charge can succeed with ``balance_transaction`` null, and Stripe sends
``charge.updated`` when it arrives.  The fee is then booked once, by the webhook, by ``pos payments recover``
or by the close, whichever comes first (issue 25, item 7).
"""

from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from payments import service, wallet
from payments.base import get_payment
from payments.stripe.webhooks import handle_event, verify_event
from pos.books import ledger
from pos.day.card_settlement import match_settlement
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.fake_stripe import FEE_ONLINE, FakeStripe, fee_for, signed

SECRET = "whsec_test_0123456789abcdef"
FEE = fee_for(1361, FEE_ONLINE)


def deliver(store: Store, event: dict):
    body, header = signed(event, SECRET)
    return handle_event(store, verify_event(body, header, SECRET))


def fees(store: Store) -> int:
    return ledger.balances(store, prefix="expenses:card-fees").get(("expenses:card-fees", "USD"), 0)


def link_paid_before_its_fee(store: Store, fake: FakeStripe):
    """A phone order paid by link, recorded while its charge has no balance transaction yet."""
    order = new_order(store, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    sent = wallet.send_link(store, order.id)
    fake.pay_session(sent.payment.processor_ref, balance_later=True)
    assert wallet.check_link(store, order.id).action == "captured and recorded"
    payment = get_payment(store, sent.payment.id)
    assert "balance_transaction" not in payment.details and fees(store) == 0  # what was seen: no fee, no txn
    return order, payment


def test_charge_updated_fills_in_the_balance_transaction_and_books_the_fee_once(shop: Store, fake: FakeStripe) -> None:
    _, payment = link_paid_before_its_fee(shop, fake)
    event = fake.balance_arrives(payment.details["payment_intent"])
    handled = deliver(shop, event)
    assert handled.payment_id == payment.id and "fee" in handled.action
    done = get_payment(shop, payment.id)
    assert done.details["balance_transaction"] == fake.balance[0]["id"]
    assert done.details["fee_minor"] == FEE and fees(shop) == FEE
    # The same event again, another charge.updated about the charge, and recover: the fee stays booked once.
    assert deliver(shop, event).replayed
    deliver(shop, fake.event("charge.updated", event["data"]["object"]))
    service.recover(shop)
    assert fees(shop) == FEE
    assert shop.scalar("SELECT count(*) FROM journal_entries WHERE key = ?", (f"payment:{payment.id}:fee",)) == 1


def test_charge_updated_before_the_balance_arrives_books_nothing(shop: Store, fake: FakeStripe) -> None:
    _, payment = link_paid_before_its_fee(shop, fake)
    intent = fake.intents[payment.details["payment_intent"]]
    deliver(shop, fake.event("charge.updated", intent["latest_charge"]))  # e.g. its description changed
    assert fees(shop) == 0 and "balance_transaction" not in get_payment(shop, payment.id).details


def test_recover_fills_in_a_fee_that_arrived_later(shop: Store, fake: FakeStripe) -> None:
    _, payment = link_paid_before_its_fee(shop, fake)
    service.recover(shop)  # nothing yet to fill in: nothing booked, nothing refused
    assert fees(shop) == 0
    fake.balance_arrives(payment.details["payment_intent"])  # its webhook never reaches the store
    recovered = service.recover(shop)
    assert any(r.payment_id == payment.id and "fee" in r.action for r in recovered)
    assert fees(shop) == FEE and get_payment(shop, payment.id).details["balance_transaction"] == fake.balance[0]["id"]
    assert not any(r.payment_id == payment.id for r in service.recover(shop))  # done: not looked at again
    assert fees(shop) == FEE


def test_the_close_fills_in_a_late_fee_and_pairs_the_charge(shop: Store, fake: FakeStripe) -> None:
    from payments.stripe.settlement import settlement_for

    day = date(2026, 11, 23)
    with freeze_time("2026-11-23 17:00:00", tick=True):  # noon in New York
        _, payment = link_paid_before_its_fee(shop, fake)
        fake.balance_arrives(payment.details["payment_intent"])
        lines = settlement_for(shop, day)
        assert match_settlement(shop, day, lines) == []  # paired by its balance transaction, fees equal
        assert fees(shop) == FEE


def test_a_late_fee_gives_the_tips_share_back_where_the_policy_deducts_it(shop: Store, fake: FakeStripe) -> None:
    from pos.tips import tips
    from pos.people.staff import add_staff, start_shift
    from pos.tips.tip_policy import set_policy

    add_staff(shop, "Alice", "server", "2580")
    start_shift(shop, "Alice")
    set_policy(shop, ["jurisdiction", "NY", "card-fees", "yes"])
    order = new_order(shop, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(shop, order.id, "PIZZA-M")  # 13.61, and a 2.00 tip: 15.61 charged
    sent = wallet.send_link(shop, order.id, tip_minor=200, tip_to="Alice", tip_confirmed=True)
    fake.pay_session(sent.payment.processor_ref, balance_later=True)
    wallet.check_link(shop, order.id)
    assert tips.owed_by_person(shop) == {"alice": 200}  # no fee yet: nothing deducted
    deliver(shop, fake.balance_arrives(get_payment(shop, sent.payment.id).details["payment_intent"]))
    fee = fee_for(1561, FEE_ONLINE)
    share = (200 * fee * 2 + 1561) // (2 * 1561)  # the fee's own rate on the tip, half up
    assert tips.owed_by_person(shop) == {"alice": 200 - share} and fees(shop) == fee - share
    service.recover(shop)
    assert tips.owed_by_person(shop) == {"alice": 200 - share} and fees(shop) == fee - share
