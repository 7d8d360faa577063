"""Stripe's webhooks: verified by signature, handled once by event id, acting on Stripe's state now.

Against the strict double; events are built as Stripe sends them (a snapshot of the object) and signed with
Stripe's documented scheme.  The last test runs ``pos serve`` as a real process on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from payments import service, wallet
from payments.base import DeclineReason, PaymentState, get_payment, order_payments
from payments.refunds import refund
from payments.stripe.webhooks import handle_event, verify_event
from pos.store import audit, config
from pos.base import faults
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import InvalidInput
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe, signed

SECRET = "whsec_test_0123456789abcdef"


def deliver(store: Store, event: dict, secret: str = SECRET, at: int | None = None):
    """What the endpoint does with one delivery: verify the signed body, then handle it."""
    body, header = signed(event, secret, at)
    return handle_event(store, verify_event(body, header, SECRET))


def phone_order(store: Store):
    order = new_order(store, "phone", customer_name="Dana", customer_phone="555-0100")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def journal_size(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM journal_entries")


def stripe_calls(fake: FakeStripe) -> int:
    return len(fake.requests)


# -- links settle without anyone checking ------------------------------------------------------------


def test_a_link_paid_while_nobody_checks_is_recorded_by_its_webhook(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref, wallet="apple_pay")
    handled = deliver(shop, fake.event("checkout.session.completed", fake.sessions[sent.payment.processor_ref]))
    assert handled.action == "captured and recorded" and handled.payment_id == sent.payment.id
    paid = get_payment(shop, sent.payment.id)
    assert paid.state is PaymentState.CAPTURED and paid.details["wallet"] == "apple_pay"
    assert resolve(shop, order.id).status is OrderStatus.PAID
    assert journal_check.verify(shop).problem is None


def bank_debit_on_its_way(store: Store, fake: FakeStripe):
    """A link paid by a bank debit: the session is complete, its money not yet arrived."""
    config.set_option(store, "link.methods", "us_bank_account")
    order = phone_order(store)
    sent = wallet.send_link(store, order.id)
    session_id = sent.payment.processor_ref
    fake.pay_session(session_id, method="us_bank_account", paid=False)
    return order, sent, session_id


def test_a_delayed_bank_payment_settles_days_later_by_its_webhook(shop: Store, fake: FakeStripe) -> None:
    order, sent, session_id = bank_debit_on_its_way(shop, fake)
    waiting = deliver(shop, fake.event("checkout.session.completed", fake.sessions[session_id]))
    assert waiting.action == "still waiting for the customer"
    assert get_payment(shop, sent.payment.id).state is PaymentState.REQUESTED
    fake.settle_session(session_id)
    done = deliver(shop, fake.event("checkout.session.async_payment_succeeded", fake.sessions[session_id]))
    assert done.action == "captured and recorded"
    assert resolve(shop, order.id).status is OrderStatus.PAID


def test_a_failed_bank_payment_releases_its_hold_by_its_webhook(shop: Store, fake: FakeStripe) -> None:
    order, sent, session_id = bank_debit_on_its_way(shop, fake)
    completed = fake.event("checkout.session.completed", fake.sessions[session_id])
    fake.fail_session(session_id)
    failed = deliver(shop, fake.event("checkout.session.async_payment_failed", fake.sessions[session_id]))
    assert failed.action == "payment failed (released)"
    payment = get_payment(shop, sent.payment.id)
    assert payment.state is PaymentState.DECLINED and payment.decline_reason is DeclineReason.PAYMENT_FAILED
    assert service.due_minor(shop, order.id) == 1361  # free for another tender
    # The older 'completed' event arrives last (Stripe does not promise order): it moves nothing back.
    late = deliver(shop, completed)
    assert late.action == "nothing to do (the payment is declined)"
    assert get_payment(shop, sent.payment.id).state is PaymentState.DECLINED


# -- replayed, reordered, forged -----------------------------------------------------------------------


def test_a_replayed_event_does_nothing_not_even_ask_stripe(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    event = fake.event("checkout.session.completed", fake.sessions[sent.payment.processor_ref])
    assert deliver(shop, event).action == "captured and recorded"
    entries, calls = journal_size(shop), stripe_calls(fake)
    again = deliver(shop, event)  # Stripe retries when it missed our answer; an attacker replays a capture
    assert again.replayed and again.action == "captured and recorded"
    assert journal_size(shop) == entries and stripe_calls(fake) == calls
    assert shop.scalar("SELECT count(*) FROM stripe_events") == 1


def test_an_old_event_after_a_newer_one_cannot_move_a_payment_back(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    session_id = sent.payment.processor_ref
    fake.pay_session(session_id, paid=False)  # the card is still processing
    intent_id = fake.sessions[session_id]["payment_intent"]
    processing = fake.event("payment_intent.processing", fake.intents[intent_id])
    fake.settle_session(session_id)
    succeeded = fake.event("payment_intent.succeeded", fake.intents[intent_id])
    assert deliver(shop, succeeded).action == "captured and recorded"
    entries = journal_size(shop)
    assert deliver(shop, processing).action == "nothing to do (the payment is captured)"
    assert get_payment(shop, sent.payment.id).state is PaymentState.CAPTURED and journal_size(shop) == entries


@pytest.mark.parametrize("forgery", ["wrong secret", "edited body", "old signature", "no signature", "not json"])
def test_a_forged_event_is_refused_and_writes_nothing(shop: Store, fake: FakeStripe, forgery: str) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    event = fake.event("checkout.session.completed", fake.sessions[sent.payment.processor_ref])
    body, header = signed(event, SECRET)
    if forgery == "wrong secret":
        body, header = signed(event, "whsec_someone_else")
    elif forgery == "edited body":
        body = body.replace(b'"livemode": false', b'"livemode": false ')
    elif forgery == "old signature":
        body, header = signed(event, SECRET, at=int(time.time()) - 600)
    elif forgery == "no signature":
        header = ""
    else:
        body, header = b"pay me", signed(event, SECRET)[1]
    entries, calls = journal_size(shop), stripe_calls(fake)
    with pytest.raises(InvalidInput, match="nothing was done|did not come from Stripe"):
        verify_event(body, header, SECRET)
    assert journal_size(shop) == entries and stripe_calls(fake) == calls
    assert shop.scalar("SELECT count(*) FROM stripe_events") == 0
    assert get_payment(shop, sent.payment.id).state is PaymentState.REQUESTED


def test_a_live_event_at_a_test_store_is_ignored(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    handled = deliver(shop, fake.event("checkout.session.completed", fake.sessions[sent.payment.processor_ref],
                                       livemode=True))
    assert handled.action.startswith("ignored: a live-mode event")
    assert get_payment(shop, sent.payment.id).state is PaymentState.REQUESTED


def test_an_event_about_someone_elses_payment_changes_nothing(shop: Store, fake: FakeStripe) -> None:
    stranger = {"id": "pi_NOTOURS", "object": "payment_intent", "metadata": {"payment_id": "pay_nobody"}}
    handled = deliver(shop, fake.event("payment_intent.succeeded", stranger))
    assert handled.action == "not a payment of this store" and handled.payment_id is None
    unknown_kind = deliver(shop, fake.event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert unknown_kind.action == "ignored: not an event this store acts on"


# -- a register's card payment -------------------------------------------------------------------------


def held_by_a_crashed_register(store: Store) -> str:
    """The customer tapped; the register died before capturing (the intent is held, the row requested)."""
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    faults.on("payment.authorized", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        service.pay(store, order.id, "card")
    faults.clear()
    return str(order.id)


def test_a_hold_a_crashed_register_left_is_captured_once_the_register_cannot_be_waiting(
        shop: Store, fake: FakeStripe) -> None:
    order_id = held_by_a_crashed_register(shop)
    (payment,) = order_payments(shop, order_id)
    intent = fake.intents[payment.processor_ref]
    assert intent["status"] == "requires_capture"
    event = fake.event("payment_intent.amount_capturable_updated", intent)
    # Within the reader's wait the register may still be taking it: two processes must never race to capture.
    left = deliver(shop, event).action
    assert left.startswith("left to the register taking it; this server finishes it after "), left
    assert get_payment(shop, payment.id).state is PaymentState.REQUESTED
    # What finishes it if the register has died is recorded with the event, not left to Stripe's next try.
    (job,) = shop.all("SELECT work, state FROM stripe_jobs WHERE payment_id = ?", (payment.id,))
    assert (job["work"], job["state"]) == ("settle", "queued")
    shop.conn.execute("UPDATE payments SET created_at = ? WHERE id = ?",  # ten minutes have passed
                      (time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(time.time() - 600)), payment.id))
    reader = fake._reader_object("tmr_FAKE01")
    assert deliver(shop, fake.event("terminal.reader.action_succeeded", reader)).action == "captured and recorded"
    assert fake.intents[payment.processor_ref]["status"] == "succeeded"
    assert resolve(shop, order_id).status is OrderStatus.PAID
    # The first event, sent again by Stripe, is a replay now: handled once.
    assert deliver(shop, event).replayed


# -- refunds -------------------------------------------------------------------------------------------


def paid_link(store: Store, fake: FakeStripe):
    order = phone_order(store)
    sent = wallet.send_link(store, order.id)
    fake.pay_session(sent.payment.processor_ref)
    wallet.check_link(store, order.id)
    return order, get_payment(store, sent.payment.id)


def test_a_refund_made_in_stripes_dashboard_is_booked_and_audited(shop: Store, fake: FakeStripe) -> None:
    order, payment = paid_link(shop, fake)
    intent_id = payment.details["payment_intent"]
    fake.dashboard_refund(intent_id, 500)
    charge = fake.intents[intent_id]["latest_charge"]
    handled = deliver(shop, fake.event("charge.refunded", charge))
    assert handled.action.startswith("$5.00 refunded in Stripe outside the register: booked as refund ")
    refunded = get_payment(shop, payment.id)
    assert refunded.state is PaymentState.PARTIALLY_REFUNDED and refunded.refunded_minor == 500
    (record,) = [r for r in audit.records(shop) if r.event is audit.Event.OUTSIDE_REFUND]
    assert record.detail["amount_minor"] == 500 and record.detail["booked"] is True
    assert journal_check.verify(shop).problem is None
    # The same refund seen again (another event about the charge) books nothing twice.
    entries = journal_size(shop)
    assert deliver(shop, fake.event("charge.refunded", charge)).action == "nothing to do (the books hold every refund)"
    assert journal_size(shop) == entries


def test_a_refund_of_our_own_is_not_taken_for_an_outside_one(shop: Store, fake: FakeStripe) -> None:
    order, payment = paid_link(shop, fake)
    refund(shop, order.id, "3", "cold pizza")
    charge = fake.intents[payment.details["payment_intent"]]["latest_charge"]
    entries = journal_size(shop)
    assert deliver(shop, fake.event("charge.refunded", charge)).action == "nothing to do (the books hold every refund)"
    assert journal_size(shop) == entries
    assert not [r for r in audit.records(shop) if r.event is audit.Event.OUTSIDE_REFUND]


# -- pos serve, a real process on 127.0.0.1 ------------------------------------------------------------


def _serve(db: Path, fake: FakeStripe, env_extra: dict[str, str]) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "STRIPE_API_KEY": "sk_test_fake", "POS_STRIPE_API_BASE": fake.base, **env_extra}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/stripe/webhook", line)
    if not found:
        proc.kill()
        raise AssertionError(f"pos serve did not start: {line!r} {proc.communicate()[1]!r}")
    return proc, f"http://127.0.0.1:{found.group(1)}/stripe/webhook"


def _post(url: str, body: bytes, header: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Stripe-Signature": header, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _declared_too_large(url: str) -> int:
    import http.client
    from urllib.parse import urlparse

    where = urlparse(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        conn.putrequest("POST", where.path)
        conn.putheader("Content-Length", str(600 * 1024))
        conn.putheader("Stripe-Signature", "t=1,v1=00")
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def test_pos_serve_takes_a_signed_webhook_and_refuses_a_forged_one(shop: Store, fake: FakeStripe) -> None:
    order = phone_order(shop)
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    event = fake.event("checkout.session.completed", fake.sessions[sent.payment.processor_ref])
    secret_file = shop.path.parent / "webhook-secret"
    secret_file.write_text(SECRET + "\n")
    secret_file.chmod(0o600)
    proc, url = _serve(shop.path, fake, {"POS_STRIPE_WEBHOOK_SECRET_FILE": str(secret_file)})
    try:
        status, answer = _post(url, *signed(event, "whsec_forged"))
        assert status == 400 and "does not match" in answer["error"]
        assert get_payment(shop, sent.payment.id).state is PaymentState.REQUESTED
        status, answer = _post(url, *signed(event, SECRET))
        assert (status, answer["action"], answer["replayed"]) == (200, "captured and recorded", False)
        status, answer = _post(url, *signed(event, SECRET))
        assert (status, answer["replayed"]) == (200, True)
        assert _declared_too_large(url) == 413  # answered from the headers: the body is never read
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert get_payment(shop, sent.payment.id).state is PaymentState.CAPTURED
    assert resolve(shop, order.id).status is OrderStatus.PAID


def test_pos_serve_refuses_to_start_without_a_proper_secret(store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    import cli

    runner = CliRunner()
    base = {"STRIPE_API_KEY": "sk_test_fake", "STRIPE_WEBHOOK_SECRET": ""}
    loose = tmp_path / "secret"
    loose.write_text(SECRET)
    loose.chmod(0o644)
    cases = [
        ({}, "No webhook signing secret"),
        ({"STRIPE_WEBHOOK_SECRET": "sk_test_oops"}, "not a webhook signing secret"),
        ({"POS_STRIPE_WEBHOOK_SECRET_FILE": str(loose)}, "can be read by other users"),
        ({"POS_STRIPE_WEBHOOK_SECRET_FILE": str(tmp_path / "missing")}, "No file"),
        ({"STRIPE_WEBHOOK_SECRET": SECRET, "STRIPE_API_KEY": ""}, "need the Stripe key"),
    ]
    for env, words in cases:
        result = runner.invoke(cli.app, ["--db", str(store.path), "serve", "--port", "0"], env={**base, **env})
        assert result.exit_code == 1, (env, result.output)
        assert words in result.output and "Traceback" not in result.output
    assert store.scalar("SELECT count(*) FROM stripe_events") == 0
