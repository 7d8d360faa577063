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
event is about and reads the object's state now from Stripe.  Then one write
checks the event's id, applies what the books alone can do, queues what needs
Stripe to act (a capture, a release, a refund a register died sending: a job of
:mod:`payments.stripe.jobs`), and records the event with what was done.  So:

* a replayed event (the same id) is answered "already handled" and does nothing,
  even when both deliveries arrive at once: the second to write finds the first;
* events that arrive out of order cannot move a payment backwards, since what
  is done follows Stripe's state now, not the event's;
* a forged event fails the signature check and writes nothing;
* a card payment a register is still taking (its reader wait not yet over) is
  left to that register, so two processes never race to capture it: the job that
  finishes it if the register died is queued, due when the wait is over;
* ``charge.updated`` fills in a balance transaction (and books its fee) that
  arrived after an asynchronous capture (:mod:`payments.stripe.late_fees`).

Stripe stops sending an event once it is answered 2xx, so a 2xx means its
effect, or the job that will have it, is in the store: ``pos serve``'s worker
runs the jobs that were not done at once.  An event Stripe could not be asked
about is not kept, and the endpoint answers 503 so that Stripe sends it again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from payments.base import RELEASED, TAKEN_AS, Payment, PaymentState, TenderKind, get_payment
from pos.base.errors import InvalidInput
from pos.store.store import iso, utc_now
from payments.stripe import jobs as stripe_jobs, late_fees, refund_outcomes, refund_outcomes as outcomes
from payments.card import stripe_gateway
from payments.stripe.jobs import Work

if TYPE_CHECKING:  # pragma: no cover
    from payments.stripe.refund_outcomes import Found
    from payments.stripe.jobs import Work
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

    First Stripe is asked what is true now (reads only); then one write checks the event's id, applies what
    the books alone can do (a refund made in the Dashboard, a refund's outcome, a late fee) or queues the
    job that needs Stripe to act (:mod:`payments.stripe.jobs`), and records the event with what was done.
    A job due now is then run at once; one that cannot run now stays queued for ``pos serve``'s worker.

    Raises :class:`pos.base.errors.ProcessorUnavailable` when Stripe cannot be asked about it: the event is then
    not recorded, so its redelivery is handled.
    """
    event_id, kind = str(event["id"]), str(event.get("type", ""))
    # A shortcut for a replay long after; decided again in the write that records the event.
    seen = store.one("SELECT action, payment_id FROM stripe_events WHERE id = ?", (event_id,))
    if seen is not None:
        return Handled(event_id, kind, seen["action"], replayed=True, payment_id=seen["payment_id"])
    obj = event["data"].get("object") or {}
    payment: Payment | None = None
    if _live(event) != _live_key(store):
        plan = Plan(f"ignored: a {'live' if _live(event) else 'test'}-mode event, and this store uses a "
                    f"{'live' if _live_key(store) else 'test'}-mode key")
    elif not kind.startswith(HANDLED_PREFIXES):
        plan = Plan("ignored: not an event this store acts on")
    else:
        payment = _payment_for(store, kind, obj)
        plan = Plan("not a payment of this store") if payment is None else _look(store, kind, payment)
    job_id: int | None = None
    with store.write() as conn:
        seen = store.one("SELECT action, payment_id FROM stripe_events WHERE id = ?", (event_id,))
        if seen is not None:  # another delivery of it was recorded meanwhile: what it did stands
            return Handled(event_id, kind, seen["action"], replayed=True, payment_id=seen["payment_id"])
        action = plan.said
        if plan.apply is not None:
            action = plan.apply()
        if plan.work is not None and payment is not None:
            job_id = stripe_jobs.queue(store, payment.id, plan.work, plan.due_at or utc_now())
        conn.execute(
            "INSERT INTO stripe_events(id, type, object_id, payment_id, received_at, action, job_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event_id, kind, str(obj.get("id") or ""), payment.id if payment else None, iso(utc_now()), action,
             job_id),
        )
    if job_id is not None and (plan.due_at is None or plan.due_at <= utc_now()):
        ran = stripe_jobs.run(store, job_id)
        if ran is not None and ran.action is not None:
            action = ran.action
    return Handled(event_id, kind, action, payment_id=payment.id if payment else None)


class Plan(NamedTuple):
    """What an event leads to, decided from Stripe's state before the write that records the event."""

    said: str
    """In words, when nothing else says it."""
    apply: Callable[[], str] | None = None
    """What the books alone do, run inside the write that records the event; says what it did."""
    work: "Work | None" = None
    """What needs Stripe to act: queued in that write (:mod:`payments.stripe.jobs`)."""
    due_at: datetime | None = None
    """When the work may run (None: now)."""


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


def _look(store: "Store", kind: str, payment: Payment) -> Plan:
    """What polling would do for this payment now, unless a register is still taking it (Stripe is read, never
    asked to act: what needs it to act is a job)."""
    if payment.state in (PaymentState.REQUESTED, PaymentState.AUTHORIZED):
        if payment.tender is not TenderKind.LINK and _register_may_be_waiting(store, payment):
            due = payment.created_at + timedelta(seconds=_register_wait_s(store) + REGISTER_MARGIN_S)
            return Plan(f"left to the register taking it; this server finishes it after "
                        f"{due.astimezone(store.settings.zone):%H:%M:%S} if the register has not", work=Work.SETTLE,
                        due_at=due)
        return Plan("queued: finish the payment", work=Work.SETTLE)
    if payment.state is PaymentState.FAILED and payment.processor_ref and \
            RELEASED not in payment.details and TAKEN_AS not in payment.details:
        return Plan("queued: release what Stripe holds", work=Work.RELEASE)
    if payment.state not in _REFUNDABLE:
        return Plan(f"nothing to do (the payment is {payment.state.value.replace('_', ' ')})")
    if kind == "charge.updated":  # a balance transaction that arrived after the capture
        found = late_fees.look(store, payment)
        return Plan("", apply=lambda: late_fees.book(store, payment.id, found))
    if kind == "charge.refunded" or kind in REFUND_OUTCOME_EVENTS:
        if store.scalar("SELECT count(*) FROM refunds WHERE payment_id = ? AND state = 'requested'", (payment.id,)):
            return Plan("queued: finish the refunds a register left", work=Work.REFUNDS)

        # Whichever of a refund's events comes first: what became of each of our refunds, then what Stripe gave
        # back beyond them (a Dashboard refund), both read now and applied in that order (a refund of ours that
        # failed no longer counts against one made in the Dashboard).
        looked = refund_outcomes.look_outcomes(store, payment.id)
        at_stripe = stripe_jobs.refunded_at_stripe(store, payment)
        return Plan("", apply=lambda: "; ".join(filter(None, (
            _refund_outcomes(store, payment, looked), stripe_jobs.book_outside(store, payment.id, at_stripe))))
            or "nothing to do (the books hold every refund)")
    return Plan(f"nothing to do (the payment is {payment.state.value.replace('_', ' ')})")


_REFUNDABLE = (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)


def _register_wait_s(store: "Store") -> int:
    return int(stripe_gateway(store).settings.card_wait_s)


def _register_may_be_waiting(store: "Store", payment: Payment) -> bool:
    return utc_now() - payment.created_at < timedelta(seconds=_register_wait_s(store) + REGISTER_MARGIN_S)


def _refund_outcomes(store: "Store", payment: Payment, looked: "list[Found]") -> str:
    """A refund's status changed: what Stripe says now of each refund of the payment it booked, applied once
    (:mod:`payments.stripe.refund_outcomes`), never the event's payload as it stands; what changed, in words ("" if
    nothing did)."""
    from pos.base.money_format import store_money
    from pos.sales.order_records import resolve, typed

    said = []
    for found in looked:
        applied = outcomes.apply_status(store, *found)
        if not applied.changed:
            continue
        amount = int(store.scalar("SELECT amount_minor + tip_minor FROM refunds WHERE id = ?", (applied.refund_id,)))
        if applied.status.ended_unpaid:
            order = resolve(store, payment.order_id)
            said.append(f"refund {applied.refund_id} {applied.status.words}, its entry reversed: "
                        f"{outcomes.what_to_do(store, typed(store, order), amount)}")
        else:
            said.append(f"refund {applied.refund_id} of {store_money(store, amount)} succeeded: paid back")
    return "; ".join(said)
