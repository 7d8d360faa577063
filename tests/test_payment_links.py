"""Payment links for phone and delivery orders: Stripe Checkout through the real SDK, against the fake API."""

from __future__ import annotations

import threading
import time

import pytest

from payments import service, wallet
from payments.base import DeclineReason, PaymentState, TenderKind, order_payments
from payments.refunds import refund
from payments.stripe.card import ACCOUNT
from pos.store import config
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import Conflict, InvalidInput, NotFound
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from receipts.terminal_qr import qr_modules, qr_text
from tests.fake_stripe import FakeStripe


def phone_order(store: Store):
    order = new_order(store, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def balance(store: Store, account: str) -> int:
    return ledger.balances(store, prefix=account).get((account, "USD"), 0)


def test_a_link_is_sent_for_what_is_due_and_holds_it(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    before = int(time.time())
    status = wallet.send_link(shop, order.id)
    assert status.action == "sent" and status.waiting and not status.order_paid
    (session,) = fake.sessions.values()
    assert status.url == session["url"] and status.payment.processor_ref == session["id"]
    assert session["amount_total"] == 1361 and session["currency"] == "usd"
    assert session["customer_creation"] == "if_required" and session["customer"] is None  # no account, ever
    assert session["metadata"] == {"payment_id": status.payment.id, "order_id": order.id}
    assert before + 3600 <= session["expires_at"] <= int(time.time()) + 3660  # link.expires_after: 60 min
    # While the customer has the link, nothing is due: no other tender can take the money twice.
    assert service.due_minor(shop, order.id) == 0
    with pytest.raises(Conflict, match="pending"):
        service.pay(shop, order.id, "cash", "20")
    # Sending again shows the same link, rather than a second one the customer could also pay.
    again = wallet.send_link(shop, order.id)
    assert again.action == "already sent" and again.url == status.url and len(fake.sessions) == 1
    (_, _, params, key) = next(r for r in fake.requests if r[1] == "/v1/checkout/sessions")
    assert key == f"{status.payment.id}:link"
    assert params["line_items"][0]["price_data"]["product_data"]["name"].endswith(f"order #{order.number}")


def test_link_paid_with_a_phone_wallet_is_recorded_with_its_fee(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    assert wallet.check_link(shop, order.id).action == "still waiting for the customer"
    fake.pay_session(sent.payment.processor_ref, wallet="google_pay")
    paid = wallet.check_link(shop, order.id)
    assert paid.action == "captured and recorded" and paid.order_paid and paid.due_minor == 0
    p = paid.payment
    assert p.state is PaymentState.CAPTURED and p.tender is TenderKind.LINK
    assert (p.details["wallet"], p.details["brand"], p.details["last4"]) == ("google_pay", "mastercard", "4444")
    fee = (1361 * 29 + 500) // 1000 + 30  # the fake's online pricing: 69
    assert p.details["fee_minor"] == fee and p.details["net_minor"] == 1361 - fee
    assert p.details["payment_intent"].startswith("pi_")
    assert balance(shop, ACCOUNT) == 1361 - fee and balance(shop, "expenses:card-fees") == fee
    assert resolve(shop, order.id).status is OrderStatus.PAID
    assert journal_check.verify(shop).problem is None
    # Checking again, or recovering, changes nothing.
    with pytest.raises(NotFound, match="not waiting on a payment link"):
        wallet.check_link(shop, order.id)
    assert service.recover(shop) == []


def test_a_link_completed_before_its_money_arrives_keeps_waiting(shop: Store, fake: FakeStripe) -> None:
    config.set_option(shop, "link.methods", "us_bank_account")
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref, method="us_bank_account", paid=False)  # complete, unpaid
    waiting = wallet.check_link(shop, order.id)
    assert waiting.waiting and waiting.payment.state is PaymentState.REQUESTED and service.due_minor(shop, order.id) == 0
    with pytest.raises(Conflict, match="bank payment still on its way"):
        wallet.cancel_link(shop, order.id)  # a completed session cannot be expired: the money is on its way
    fake.settle_session(sent.payment.processor_ref)
    assert wallet.check_link(shop, order.id).order_paid


def test_an_expired_link_gives_the_amount_back_to_other_tenders(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    wallet.send_link(shop, order.id)
    fake.clock_offset_s = 3700  # an hour passes, unpaid
    status = wallet.check_link(shop, order.id)
    assert status.action == "expired unpaid" and not status.waiting
    assert status.payment.state is PaymentState.DECLINED and status.payment.decline_reason is DeclineReason.EXPIRED
    assert status.due_minor == 1361 and resolve(shop, order.id).status is OrderStatus.OPEN
    assert balance(shop, ACCOUNT) == 0
    assert service.pay(shop, order.id, "cash", "20").order_paid  # the customer comes in and pays cash


def test_recover_leaves_an_open_link_waiting(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    (r,) = service.recover(shop)
    assert r.action == "still waiting for the customer"
    assert order_payments(shop, order.id)[0].state is PaymentState.REQUESTED
    assert fake.sessions[sent.payment.processor_ref]["status"] == "open"


def test_cancel_closes_the_link_at_stripe(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    cancelled = wallet.cancel_link(shop, order.id)
    assert cancelled.payment.state is PaymentState.VOIDED and cancelled.due_minor == 1361
    assert fake.sessions[sent.payment.processor_ref]["status"] == "expired"  # the customer can no longer pay it
    assert service.pay(shop, order.id, "cash", "20").order_paid


def test_cancel_after_the_customer_paid_is_refused_and_the_payment_kept(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    with pytest.raises(Conflict, match="already paid this link"):
        wallet.cancel_link(shop, order.id)
    assert order_payments(shop, order.id)[0].state is PaymentState.REQUESTED
    assert wallet.check_link(shop, order.id).order_paid


def test_wait_returns_when_the_customer_pays(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    threading.Timer(0.3, fake.pay_session, (sent.payment.processor_ref,)).start()
    ticks: list[int] = []
    status = wallet.wait_for_link(shop, order.id, timeout_s=10, poll_s=0.1, on_wait=ticks.append)
    assert status.order_paid and ticks


def test_wait_gives_up_after_its_timeout_and_leaves_the_link_open(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    wallet.send_link(shop, order.id)
    status = wallet.wait_for_link(shop, order.id, timeout_s=1, poll_s=0.2)
    assert status.waiting and status.payment.state is PaymentState.REQUESTED


def test_a_crash_before_the_link_id_was_saved_is_found_and_recorded(shop: Store, fake: FakeStripe, monkeypatch) -> None:
    import payments.stripe.link as stripe_link

    order = phone_order(shop)

    def crash(*args, **kwargs):
        raise SystemExit("power cut")

    monkeypatch.setattr(stripe_link, "annotate", crash)
    with pytest.raises(SystemExit):
        wallet.send_link(shop, order.id)
    monkeypatch.undo()
    (p,) = order_payments(shop, order.id)
    assert p.state is PaymentState.REQUESTED and p.processor_ref is None
    (session,) = fake.sessions.values()
    fake.pay_session(session["id"])  # the cashier had read the link out before the crash
    (r,) = service.recover(shop)
    assert r.action == "captured and recorded"
    (p,) = order_payments(shop, order.id)
    assert p.processor_ref == session["id"] and p.state is PaymentState.CAPTURED
    assert service.recover(shop) == [] and len(fake.sessions) == 1


def test_link_with_a_tip_for_a_named_person(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id, tip_minor=200, tip_to="Alice")
    assert fake.sessions[sent.payment.processor_ref]["amount_total"] == 1561
    fake.pay_session(sent.payment.processor_ref)
    paid = wallet.check_link(shop, order.id)
    assert paid.order_paid and paid.payment.tip_minor == 200
    assert ledger.balances(shop, prefix="liabilities:tips")[("liabilities:tips:alice", "USD")] == -200


def test_refunds_of_a_link_payment_go_through_its_payment_intent(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    paid = wallet.check_link(shop, order.id).payment
    refund(shop, order.id, "5.00", "cold pizza")
    refund(shop, order.id, None, "customer complaint")
    amounts = sorted(r["amount"] for r in fake.refunds.values())
    assert amounts == [500, 861] and all(r["payment_intent"] == paid.details["payment_intent"]
                                         for r in fake.refunds.values())
    fee = paid.details["fee_minor"]
    assert balance(shop, ACCOUNT) == -fee and balance(shop, "expenses:card-fees") == fee  # the fee stays an expense
    assert journal_check.verify(shop).problem is None


def test_link_lifetime_is_a_store_option_within_stripes_limits(shop: Store, fake: FakeStripe) -> None:
    for bad in ("29", "1441", "an hour", "-5"):
        with pytest.raises(InvalidInput, match="30 to 1440"):
            config.set_option(shop, "link.expires_after", bad)
    config.set_option(shop, "link.expires_after", "30")
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    session = fake.sessions[sent.payment.processor_ref]
    assert 30 * 60 < session["expires_at"] - int(time.time()) <= 32 * 60  # a minute's margin at Stripe's minimum


# -- training store: the same flow with no network --------------------------------------


def test_training_links_are_paid_when_checked_or_expire_on_55(make_store) -> None:
    from pos.store.catalog import add_item

    store = make_store("training.db", training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    order = phone_order(store)
    sent = wallet.send_link(store, order.id)
    assert sent.url == f"https://pay.training.invalid/{sent.payment.id}"
    paid = wallet.check_link(store, order.id)
    assert paid.order_paid and paid.payment.details["training"] is True
    odd = phone_order(store)
    wallet.send_link(store, odd.id, "5.55")  # a link for part of the order
    assert wallet.check_link(store, odd.id).action == "expired unpaid"
    assert service.due_minor(store, odd.id) == 1361


# -- the QR code ------------------------------------------------------------------------


def test_the_terminal_qr_code_draws_exactly_the_encoders_modules() -> None:
    from reportlab.graphics.barcode import qrencoder

    url = "https://checkout.stripe.com/c/pay/cs_test_fake000001"
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(url)
    code.make()
    size = code.getModuleCount()
    expected = [[bool(code.isDark(r, c)) for c in range(size)] for r in range(size)]
    drawn = qr_text(url)
    assert qr_modules(drawn) == expected
    assert len(drawn.splitlines()) == (size + 4 + 1) // 2  # two module rows per line, with a quiet zone


# -- the CLI ----------------------------------------------------------------------------


@pytest.fixture
def link_cli(shop: Store, fake: FakeStripe, cli_for, monkeypatch):
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fake")
    monkeypatch.setenv("POS_STRIPE_API_BASE", fake.base)
    phone_order(shop)
    return cli_for(shop)


def test_cli_sends_a_link_with_a_qr_code_then_records_it(link_cli, fake: FakeStripe) -> None:
    out = link_cli.ok("pay", "1", "link").stdout
    (session,) = fake.sessions.values()
    assert session["url"] in out and "open until" in out and "no account is needed" in out
    assert "▀" in out or "▄" in out  # the QR code
    assert "pos pay 1 link --check" in out
    out = link_cli.ok("pay", "1", "link", "--check").stdout
    assert "Not paid yet" in out
    fake.pay_session(session["id"], wallet="apple_pay")
    out = link_cli.ok("pay", "1", "link", "--check").stdout
    assert "Paid by link: $13.61 (apple_pay, mastercard ...4444)." in out and "Order paid." in out


def test_cli_wait_records_the_payment(link_cli, fake: FakeStripe) -> None:
    link_cli.ok("pay", "1", "link", "--json")
    (session,) = fake.sessions.values()
    fake.pay_session(session["id"])
    out = link_cli.ok("pay", "1", "link", "--wait").stdout
    assert "(sent before)" in out and "Order paid." in out


def test_cli_expired_link_exits_1_and_says_what_to_do(link_cli, fake: FakeStripe) -> None:
    link_cli.ok("pay", "1", "link")
    fake.clock_offset_s = 3700
    result = link_cli("pay", "1", "link", "--check")
    assert result.exit_code == 1 and "NOT PAID: The payment request expired" in result.stdout
    assert "Still due: $13.61." in result.stdout


def test_cli_cancel(link_cli, fake: FakeStripe) -> None:
    link_cli.ok("pay", "1", "link")
    out = link_cli.ok("pay", "1", "link", "--cancel").stdout
    assert "can no longer be paid" in out and "Still due: $13.61." in out


def test_cli_link_bad_input_writes_nothing(link_cli, fake: FakeStripe) -> None:
    link_cli.fails("pay", "1", "link", "--check", says="not waiting on a payment link")
    link_cli.fails("pay", "1", "link", "--cancel", says="not waiting on a payment link")
    link_cli.fails("pay", "1", "cash", "--check", says="are for payment links")
    link_cli.fails("pay", "1", "link", "--check", "--cancel", says="Choose one")
    link_cli.fails("pay", "1", "link", "--wait", "--timeout", "0", says="more than zero")
    link_cli.fails("pay", "1", "link", "99.00", says="more than the $13.61")
    link_cli.fails("pay", "9", "link", says="No order")
    link_cli.ok("pay", "1", "link")
    link_cli.fails("pay", "1", "link", "--check", "5.00", says="belongs on a new link")


def test_a_links_expiry_keeps_a_minutes_margin_at_both_ends(shop: Store, fake: FakeStripe) -> None:
    config.set_option(shop, "link.expires_after", "1440")
    fake.clock_offset_s = -30  # Stripe's clock half a minute behind ours: 24 h from our now is too far for it
    sent = wallet.send_link(shop, phone_order(shop).id)
    left = fake.sessions[sent.payment.processor_ref]["expires_at"] - int(time.time())
    assert 24 * 3600 - 62 <= left <= 24 * 3600 - 60
    config.set_option(shop, "link.expires_after", "30")
    fake.clock_offset_s = 30  # ...and ahead: 30 min from our now is too near for it
    sent = wallet.send_link(shop, phone_order(shop).id)
    assert sent.action == "sent"


# -- delayed payments (issue 15, item 3) --------------------------------------------------------


def test_a_link_offers_only_the_methods_the_store_allows(shop: Store, fake: FakeStripe) -> None:
    sent = wallet.send_link(shop, phone_order(shop).id)
    session = fake.sessions[sent.payment.processor_ref]
    assert session["payment_method_types"] == ["card"]  # cards and phone wallets, nothing that pays days later
    with pytest.raises(ValueError, match="does not offer us_bank_account"):
        fake.pay_session(session["id"], method="us_bank_account", paid=False)
    with pytest.raises(InvalidInput, match="not a way to pay a link"):
        config.set_option(shop, "link.methods", "card,gold_bars")
    assert config.set_option(shop, "link.methods", "us_bank_account, card") == "card,us_bank_account"
    wider = wallet.send_link(shop, phone_order(shop).id)
    assert fake.sessions[wider.payment.processor_ref]["payment_method_types"] == ["card", "us_bank_account"]


def bank_debit_on_its_way(shop: Store, fake: FakeStripe):
    config.set_option(shop, "link.methods", "us_bank_account")
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref, method="us_bank_account", paid=False)
    assert wallet.check_link(shop, order.id).waiting
    return order, fake.sessions[sent.payment.processor_ref]


def test_a_bank_debit_that_fails_later_releases_its_hold_and_says_so(shop: Store, fake: FakeStripe) -> None:
    order, session = bank_debit_on_its_way(shop, fake)
    fake.fail_session(session["id"])  # the debit is returned days later; the session stays complete, unpaid
    status = wallet.check_link(shop, order.id)
    assert status.action == "payment failed (released)" and not status.waiting
    assert status.payment.state is PaymentState.DECLINED
    assert status.payment.decline_reason is DeclineReason.PAYMENT_FAILED
    assert "bank payment failed" in status.payment.decline_reason.cashier_message
    assert status.due_minor == 1361 and balance(shop, ACCOUNT) == 0  # the amount is no longer held
    assert service.pay(shop, order.id, "cash", "20").order_paid


def test_a_failed_bank_debit_is_found_by_recover_and_a_link_can_then_be_cancelled(shop: Store, fake: FakeStripe) -> None:
    order, session = bank_debit_on_its_way(shop, fake)
    assert [d.action for d in service.recover(shop)] == ["still waiting for the customer"]
    fake.fail_session(session["id"])
    assert [d.action for d in service.recover(shop)] == ["payment failed (released)"]
    assert service.recover(shop) == []
    other, second = bank_debit_on_its_way(shop, fake)
    fake.fail_session(second["id"])
    assert wallet.cancel_link(shop, other.id).payment.state is PaymentState.VOIDED  # no longer refused


def test_a_bank_debit_that_arrives_is_recorded_from_its_payment_intent(shop: Store, fake: FakeStripe) -> None:
    order, session = bank_debit_on_its_way(shop, fake)
    fake.settle_session(session["id"])
    session["payment_status"] = "unpaid"  # the session has not caught up with its intent yet
    status = wallet.check_link(shop, order.id)
    assert status.order_paid and status.payment.state is PaymentState.CAPTURED
    assert status.payment.details["payment_intent"] == session["payment_intent"]
    assert balance(shop, "expenses:card-fees") > 0 and journal_check.verify(shop).problem is None


def test_cli_says_a_bank_debit_failed(link_cli, shop: Store, fake: FakeStripe) -> None:
    link_cli.ok("config", "set", "link.methods", "card,us_bank_account")
    link_cli.ok("pay", "1", "link")
    (session,) = fake.sessions.values()
    fake.pay_session(session["id"], method="us_bank_account", paid=False)
    assert "Not paid yet" in link_cli.ok("pay", "1", "link", "--check").stdout
    fake.fail_session(session["id"])
    result = link_cli("pay", "1", "link", "--check")
    assert result.exit_code == 1 and "NOT PAID: The customer's bank payment failed" in result.stdout
    assert "Still due: $13.61." in result.stdout
