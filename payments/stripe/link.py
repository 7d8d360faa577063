"""Payment links through Stripe Checkout: a phone or delivery customer pays on their own phone.

authorize: create a hosted Checkout Session for the amount due (plus any
tip), in payment mode, with no customer account, expiring after the
store's ``link.expires_after``; its id is saved on the payment row at once.
The payment then waits (``Outcome.waiting``) with the link's address.
lookup (``pos pay ORDER link --check``, ``--wait`` and ``pos payments
recover``): the session's state.  Paid: the PaymentIntent Checkout made,
with brand, last four, wallet type and the balance transaction (fee, net,
available date).  Expired: declined as expired.  Still open: still waiting.
Complete but unpaid (a bank debit, when ``link.methods`` allows one): its
PaymentIntent is followed until it succeeds (paid) or fails (declined as
``payment_failed``, which releases the amount held).
void: expire the session, so the link can no longer be paid; refused when
the customer has paid already, or a bank payment is on its way; a failed
one is released.  refund: through the PaymentIntent.
A link offers only the methods the store allows (``link.methods``: cards
and phone wallets by default).

Checkout captures a payment as soon as the customer pays, so there is no
separate capture step.  It captures asynchronously: the charge's balance
transaction (fee, net) may not exist yet when the payment is recorded; it is
filled in, and its fee booked once, later (:mod:`payments.stripe.late_fees`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from payments.base import DeclineReason, Outcome, Payment, annotate
from payments.stripe.card import attempt_key, card_details, found_refund, plain, refund_outcome, settlement_details
from payments.stripe.errors import declines_as_outcomes
from payments.stripe.gateway import StripeGateway
from pos.base.errors import ProcessorUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

# Stripe takes an expiry from 30 minutes to 24 hours after it receives the call; a minute's margin at each end
# (its clock and ours, the time the call takes, the SDK's retries of the same parameters).
_SHORTEST_S = 31 * 60
_LONGEST_S = 24 * 3600 - 60
# How far before the payment row's time a session made for it may be dated (clock skew).
_SKEW_S = 300


class StripeLinkProcessor:
    """The processor behind ``pos pay ORDER link`` in a store that uses Stripe."""

    def __init__(self, gateway: StripeGateway, expires_after_s: int, methods: list[str] | None = None) -> None:
        self.gateway = gateway
        self.expires_after_s = expires_after_s
        self.methods = list(methods or ["card"])

    @declines_as_outcomes
    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        from pos.sales.order_records import resolve

        expires_at = int(time.time()) + min(max(self.expires_after_s, _SHORTEST_S), _LONGEST_S)
        title = f"{store.settings.name}, order {resolve(store, payment.order_id).label}"
        session = plain(self.gateway.create_checkout(
            payment.amount_minor + payment.tip_minor, payment.currency, title, expires_at, payment.key_for("link"),
            {"payment_id": payment.id, "order_id": payment.order_id}, self.methods,
        ))
        annotate(store, payment, session["id"])
        return Outcome.waiting(session["id"], link_url=session["url"], expires_at=int(session["expires_at"]))

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        # Checkout takes the money when the customer pays; lookup reports it as captured.
        return Outcome.ok(payment.processor_ref)

    @declines_as_outcomes
    def void(self, store: "Store", payment: Payment) -> Outcome:
        session = self._session(store, payment)
        if session is None:
            return Outcome.ok()
        if session["status"] == "open":
            try:  # a key per attempt: a failed expire can be tried again (Stripe keeps its first answer)
                self.gateway.expire_checkout(session["id"], attempt_key(store, payment, "expire"))
            except ProcessorUnavailable:
                session = plain(self.gateway.retrieve_checkout(session["id"]))
                if session["status"] == "open":
                    raise
        if session["status"] == "complete":
            intent = self._intent(session)
            if intent is not None and _failed(intent):
                return Outcome.ok(session["id"])  # the delayed payment failed: nothing can be taken now
            if intent is not None and intent["status"] == "processing":
                return Outcome.declined(DeclineReason.CANCELLED, "the customer has paid this link by a bank "
                                        "payment still on its way, which cannot be stopped: check it later with "
                                        "'pos pay ORDER link --check'", session["id"])
            return Outcome.declined(DeclineReason.CANCELLED, "the customer has already paid this link: "
                                    "record it with 'pos pay ORDER link --check'", session["id"])
        return Outcome.ok(session["id"])

    @declines_as_outcomes
    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        refund = self.gateway.refund(str(payment.details["payment_intent"]), amount_minor, key, refund_id)
        return refund_outcome(plain(refund))

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        return found_refund(self.gateway, payment.details.get("payment_intent"), refund_id)

    @declines_as_outcomes
    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        session = self._session(store, payment)
        if session is None:
            return None  # the link was never made: nothing can have been paid
        if session["status"] == "expired":
            return Outcome.declined(DeclineReason.EXPIRED, "The link expired before the customer paid.", session["id"])
        if session["status"] == "complete":
            # Paid, or (a bank debit) paid with the money still on its way: its PaymentIntent says how it ends.
            intent = self._intent(session)
            paid = session.get("payment_status") in ("paid", "no_payment_required")
            if intent is not None and (paid or intent["status"] == "succeeded"):
                return Outcome.ok(session["id"], payment_intent=intent["id"], **card_details(intent),
                                  **settlement_details(intent))
            if intent is not None and _failed(intent):
                return Outcome.declined(DeclineReason.PAYMENT_FAILED, processor_ref=session["id"])
        # Open, or complete with the money still on its way: the customer may yet pay.
        return Outcome.waiting(session["id"], link_url=session.get("url"), expires_at=int(session["expires_at"]))

    def _intent(self, session: dict[str, Any]) -> dict[str, Any] | None:
        """The PaymentIntent a completed session made, with its charge's settlement (None: it made none)."""
        intent_id = session.get("payment_intent")
        if not intent_id:
            return None
        return plain(self.gateway.retrieve_intent(str(intent_id), settlement=True))

    def _session(self, store: "Store", payment: Payment) -> dict[str, Any] | None:
        """The session by its saved id, or (after a crash before it was saved) by the payment id."""
        if payment.processor_ref:
            return plain(self.gateway.retrieve_checkout(payment.processor_ref))
        found = self.gateway.find_checkout(payment.id, int(payment.created_at.timestamp()) - _SKEW_S)
        if found is None:
            return None
        session = plain(found)
        annotate(store, payment, session["id"])
        return session


def _failed(intent: dict[str, Any]) -> bool:
    """A completed session's delayed payment that failed: its intent is back to needing a payment method, or
    canceled (Stripe's ``checkout.session.async_payment_failed``)."""
    return intent["status"] in ("requires_payment_method", "canceled")
