"""Stripe's webhooks: an event Stripe sends is verified, then taken as a reason to look again.

Polling stays the default (a shop behind a home router has no address Stripe
can reach): the register waits on the reader, ``pos pay ORDER link --check``
asks about a link, ``pos payments recover`` finishes what a crash left.  A
store that can receive webhooks (``pos serve``) learns the same things
sooner: a link paid while nobody is checking, a delayed bank payment that
succeeded or failed days later, a hold a crashed register left, a refund
made in Stripe's Dashboard, a refund that succeeded, failed or was cancelled (``refund.updated``,
``refund.failed``, ``charge.refund.updated``: :mod:`payments.stripe.refund_outcomes`).

An event is trusted only once :func:`verify_event` has checked its signature
with the endpoint's signing secret (``stripe.Webhook.construct_event``, which
also refuses a signature more than five minutes old).  Even then its payload
is never applied as it stands: :func:`handle_event` finds the payment the
event is about and runs the same reconciliation polling runs, which reads
the object's state now from Stripe.  So:

* a replayed event (the same id) is answered "already handled" and does nothing;
* events that arrive out of order cannot move a payment backwards, since what
  is done follows Stripe's state now, not the event's;
* a forged event fails the signature check and writes nothing;
* a card payment a register is still taking (its reader wait not yet over) is
  left to that register, so two processes never race to capture it;
* ``charge.updated`` fills in a balance transaction (and books its fee) that
  arrived after an asynchronous capture (:mod:`payments.stripe.late_fees`).

Each handled event is kept (``stripe_events``: id, type, object, what was done),
which is what makes replays harmless.  An event Stripe could not be asked
about is not kept, and the endpoint answers 503 so that Stripe sends it again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import RELEASED, TAKEN_AS, Payment, PaymentState, TenderKind, get_payment
from pos.base.errors import InvalidInput
from pos.store.store import iso, utc_now
from payments.card import stripe_gateway
from payments import refunds, service
from payments.stripe import refund_outcomes as outcomes
from payments.refunds import book_outside_refund
from payments.stripe.card import plain
from payments.stripe.late_fees import fill_in

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

#: The event types acted on; any other is acknowledged and ignored (Stripe sends what the endpoint subscribes to).
HANDLED_PREFIXES = ("payment_intent.", "checkout.session.", "terminal.reader.action_", "charge.refunded",
                    "charge.updated", "charge.refund.updated", "refund.")

#: The events that say a refund's status changed (pending, succeeded, failed, canceled): the refund is read again.
REFUND_OUTCOME_EVENTS = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")

#: How long after a card payment was asked for its register may still be waiting on the reader, beyond the
#: wait itself: until then a webhook leaves it to that register.
REGISTER_MARGIN_S = 120

#: What a signature may be older than before it is refused (Stripe's own default).
TOLERANCE_S = 300


class Handled(NamedTuple):
    """What an event led to: ``action`` in words; ``replayed`` when it had been handled before."""

    event_id: str
    type: str
    action: str
    replayed: bool = False
    payment_id: str | None = None


def verify_event(payload: bytes, signature_header: str | None, secret: str) -> dict[str, Any]:
    """The event Stripe signed, as a plain dict; :class:`InvalidInput` when it is not one Stripe signed with ``secret``.

    ``payload`` must be the request body exactly as received: re-encoding JSON breaks the signature.
    """
    import stripe  # only the webhook server pays for the SDK

    if not signature_header:
        raise InvalidInput("No Stripe-Signature header: this request did not come from Stripe.")
    try:
        event = stripe.Webhook.construct_event(payload, signature_header, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError:
        raise InvalidInput("The Stripe-Signature does not match this endpoint's signing secret (or is more than "
                           f"{TOLERANCE_S // 60} minutes old): nothing was done.") from None
    except ValueError:
        raise InvalidInput("The request body is not a Stripe event (not JSON): nothing was done.") from None
    body = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    if not str(body.get("id", "")).startswith("evt_") or not isinstance(body.get("data"), dict):
        raise InvalidInput("The request body is not a Stripe event: nothing was done.")
    return body


def handle_event(store: "Store", event: dict[str, Any]) -> Handled:
    """Act once on a verified event (see the module's docstring).

    Raises :class:`pos.base.errors.ProcessorUnavailable` when Stripe cannot be asked
    about it: the event is then not recorded, so its redelivery is handled.
    """
    event_id, kind = str(event["id"]), str(event.get("type", ""))
    # A shortcut for a replay long after; decided again in the write that records the event.
    seen = store.one("SELECT action, payment_id FROM stripe_events WHERE id = ?", (event_id,))
    if seen is not None:
        return Handled(event_id, kind, seen["action"], replayed=True, payment_id=seen["payment_id"])
    obj = event["data"].get("object") or {}
    payment: Payment | None = None
    if _live(event) != _live_key(store):
        action = f"ignored: a {'live' if _live(event) else 'test'}-mode event, and this store uses a " \
                 f"{'live' if _live_key(store) else 'test'}-mode key"
    elif not kind.startswith(HANDLED_PREFIXES):
        action = "ignored: not an event this store acts on"
    else:
        payment = _payment_for(store, kind, obj)
        action = "not a payment of this store" if payment is None else _reconcile(store, kind, payment)
    # "Already handled" is decided in the write that records the event: of two deliveries handled at once, one
    # records it and the other answers as a replay (what each did meanwhile follows the processor's state now,
    # and every booking decides what is new inside its own write, so nothing was done twice).
    with store.write() as conn:
        seen = store.one("SELECT action, payment_id FROM stripe_events WHERE id = ?", (event_id,))
        if seen is not None:
            return Handled(event_id, kind, seen["action"], replayed=True, payment_id=seen["payment_id"])
        conn.execute(
            "INSERT INTO stripe_events(id, type, object_id, payment_id, received_at, action) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (event_id, kind, str(obj.get("id") or ""), payment.id if payment else None, iso(utc_now()), action),
        )
    return Handled(event_id, kind, action, payment_id=payment.id if payment else None)


def _live(event: dict[str, Any]) -> bool:
    return bool(event.get("livemode"))


def _live_key(store: "Store") -> bool:
    return not stripe_gateway(store).is_test_key()


def _object_ids(kind: str, obj: dict[str, Any]) -> tuple[list[str], str | None]:
    """The Stripe ids that may be saved on the payment row, and the payment id the object's metadata names."""
    metadata = obj.get("metadata") or {}
    if kind.startswith("terminal.reader."):
        action = obj.get("action") or {}
        intent = (action.get("process_payment_intent") or {}).get("payment_intent")
        return ([str(intent)] if intent else []), None
    if kind.startswith(("charge.", "refund.")):
        intent = obj.get("payment_intent")
        return ([str(intent)] if intent else []), metadata.get("payment_id")
    ids = [str(obj["id"])] if obj.get("id") else []
    if kind.startswith("checkout.session.") and obj.get("payment_intent"):
        ids.append(str(obj["payment_intent"]))
    return ids, metadata.get("payment_id")


def _payment_for(store: "Store", kind: str, obj: dict[str, Any]) -> Payment | None:
    """The store's payment the object is about: by the Stripe id saved on it, else by the metadata we sent."""
    ids, named = _object_ids(kind, obj)
    for stripe_id in ids:
        # Newest first: a payment that took over a failed one's intent is the one to look at.
        row = store.one("SELECT id FROM payments WHERE processor_ref = ? OR "
                        "json_extract(coalesce(details, '{}'), '$.payment_intent') = ? ORDER BY rowid DESC LIMIT 1",
                        (stripe_id, stripe_id))
        if row is not None:
            return get_payment(store, row["id"])
    if named:
        row = store.one("SELECT id FROM payments WHERE id = ?", (str(named),))
        if row is not None:
            return get_payment(store, row["id"])
    return None


def _reconcile(store: "Store", kind: str, payment: Payment) -> str:
    """What polling would do for this payment now, unless a register is still taking it."""
    if payment.state in (PaymentState.REQUESTED, PaymentState.AUTHORIZED):
        if payment.tender is not TenderKind.LINK and _register_may_be_waiting(store, payment):
            return "left to the register taking it"
        return service.settle(store, payment)
    if payment.state is PaymentState.FAILED and payment.processor_ref and \
            RELEASED not in payment.details and TAKEN_AS not in payment.details:
        return service.reconcile_failed(store, payment)
    if kind == "charge.refunded" and payment.state in _REFUNDABLE:
        return _refunds(store, payment)
    if kind == "charge.updated" and payment.state in _REFUNDABLE:
        return fill_in(store, payment)
    if kind in REFUND_OUTCOME_EVENTS and payment.state in _REFUNDABLE:
        return _refund_outcomes(store, payment)
    return f"nothing to do (the payment is {payment.state.value.replace('_', ' ')})"


_REFUNDABLE = (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


def _register_may_be_waiting(store: "Store", payment: Payment) -> bool:
    wait_s = stripe_gateway(store).settings.card_wait_s
    return utc_now() - payment.created_at < timedelta(seconds=wait_s + REGISTER_MARGIN_S)


def _refunds(store: "Store", payment: Payment) -> str:
    """Finish our own refunds of the payment a crash interrupted, and book any Stripe made on its own."""
    from pos.base.money_format import store_money

    pending = [row["id"] for row in store.all(
        "SELECT id FROM refunds WHERE payment_id = ? AND state = 'requested' ORDER BY created_at", (payment.id,))]
    from pos.base.errors import Conflict

    for refund_id in pending:
        try:
            refunds.finish_refund(store, refund_id, look_first=True)  # sent before the register died: adopted, not resent
        except Conflict:  # refused by Stripe for good (marked refused), or no longer fitting the payment (failed)
            pass
    intent_id = payment.details.get("payment_intent") or payment.processor_ref
    if not intent_id:
        return "nothing to do"
    intent = plain(stripe_gateway(store).retrieve_intent(str(intent_id)))
    charge = intent.get("latest_charge")
    at_stripe = int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0
    outside = book_outside_refund(store, payment.id, at_stripe, str(intent_id))
    if outside.outside_minor > 0:
        if outside.refund_id is None:
            return (f"{store_money(store, outside.outside_minor)} was refunded in Stripe outside the register, more "
                    "than this payment can give back: see it in Stripe's Dashboard (recorded in the audit trail)")
        return (f"{store_money(store, outside.outside_minor)} refunded in Stripe outside the register: booked as "
                f"refund {outside.refund_id}")
    if pending:
        return "refund completed and recorded"
    return "nothing to do (the books hold every refund)"


def _refund_outcomes(store: "Store", payment: Payment) -> str:
    """A refund's status changed: what Stripe says now of each refund of the payment it booked, applied once
    (:mod:`payments.stripe.refund_outcomes`), never the event's payload as it stands."""
    from pos.base.money_format import store_money
    from pos.sales.order_records import resolve, typed

    said = []
    for applied in outcomes.read_outcomes(store, payment.id):
        if not applied.changed:
            continue
        amount = int(store.scalar("SELECT amount_minor + tip_minor FROM refunds WHERE id = ?", (applied.refund_id,)))
        if applied.status.ended_unpaid:
            order = resolve(store, payment.order_id)
            said.append(f"refund {applied.refund_id} {applied.status.words}, its entry reversed: "
                        f"{outcomes.what_to_do(store, typed(store, order), amount)}")
        else:
            said.append(f"refund {applied.refund_id} of {store_money(store, amount)} succeeded: paid back")
    return "; ".join(said) or "nothing to do (the books hold every refund's outcome)"
