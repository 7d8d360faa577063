"""The training processor: card and wallet payments with no network, for practice and demos.

A store created with ``pos init --training`` sends card and wallet payments
here instead of to a real processor; a store created without it can never
use it (the flag is set once, at init).  Everything such a store prints
says TRAINING.

The outcome is chosen by the last two digits of the amount charged (minor
units), so a trainer can show every case on purpose:

    ..51  declined: insufficient funds       ..91  processor unreachable when authorizing
    ..52  declined: card declined            ..92  processor unreachable when capturing
    ..53  declined: expired card                   (the authorization is held: 'pos payments recover')
    ..54  declined: suspected fraud          any other ending: approved

A payment link (``pos pay ORDER link``) is "paid" by the imaginary customer
as soon as it is checked, unless the amount ends in 55: then the link
expires unpaid.  Its address is on the reserved ``.invalid`` domain, so it
can never reach anyone.

An approved payment is charged a fee like a real processor's (2.9% + 30
minor units, rounded half up), which the day's books carry as a card fee.

After a crash, ``lookup`` finds exactly what Stripe would: the training
processor's own record of each call, written on the payment row before it
answers (its reference, as Stripe's intent id is saved; ``details`` says
it was captured).  A payment killed before any call finds nothing, so
``pos payments recover`` releases it; one killed after the authorization
finds it held, and one killed after the capture finds it taken.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from payments.base import DeclineReason, Outcome, Payment, TenderKind, annotate, get_payment
from pos.base.errors import ProcessorUnavailable
from pos.base.shares import round_half_up

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

ACCOUNT = "assets:clearing:training"
DECLINES = {
    51: DeclineReason.INSUFFICIENT_FUNDS,
    52: DeclineReason.CARD_DECLINED,
    53: DeclineReason.EXPIRED_CARD,
    54: DeclineReason.FRAUD_SUSPECTED,
}
OUTAGE_AUTHORIZE, OUTAGE_CAPTURE = 91, 92
LINK_EXPIRES = 55


def fee_minor(amount_minor: int) -> int:
    """The training processor's fee: 2.9% + 30 minor units."""
    return round_half_up(Decimal(amount_minor) * Decimal("0.029")) + 30


class TrainingProcessor:
    """Answers like a card processor, from the amount's last two digits."""

    def _charge(self, payment: Payment) -> int:
        return payment.amount_minor + payment.tip_minor

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        ending = payment.amount_minor % 100
        if ending == OUTAGE_AUTHORIZE:
            raise ProcessorUnavailable("Card payments are unavailable right now (training: amount ends in 91): take cash.")
        ref = _made(store, payment, f"train_{payment.id}")  # the call reached the processor: on record first
        if ending in DECLINES:
            return Outcome.declined(DECLINES[ending], processor_ref=ref)
        # A simulated tap of what the cashier chose (a phone wallet for a wallet payment: the tender recorded is the
        # one a reader reports, payments.flow.as_tapped): how it was read, but no authorization code, as no issuer
        # ever saw it.
        wallet = {"wallet": "apple_pay"} if payment.tender is TenderKind.WALLET else {}
        return Outcome.ok(ref, brand="visa", last4="4242", read_method="contactless_emv", training=True, **wallet)

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        if payment.amount_minor % 100 == OUTAGE_CAPTURE and not _current(store, payment).details.get("capture_retried"):
            # Only the first capture fails, as a real outage passes.
            _remember_failed_capture(store, payment)
            raise ProcessorUnavailable("The card processor stopped answering (training: amount ends in 92).")
        annotate(store, _current(store, payment), details={CAPTURED: True})  # taken: on record before answering
        return Outcome.ok(f"train_{payment.id}", fee_minor=fee_minor(self._charge(payment)))

    def void(self, store: "Store", payment: Payment) -> Outcome:
        return Outcome.ok(f"train_{payment.id}")

    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        return Outcome.ok(f"train_re_{key}")

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        return None  # training gives nothing back anywhere: the refund is made again, as it was

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        current = _current(store, payment)
        if not current.processor_ref:
            return None  # no call reached the processor (an outage, or a crash before it): nothing to find
        ending = payment.amount_minor % 100
        if ending in DECLINES:
            return Outcome.declined(DECLINES[ending], processor_ref=current.processor_ref)
        found = Outcome.ok(current.processor_ref, fee_minor=fee_minor(self._charge(payment)))
        return found if current.details.get(CAPTURED) else found._replace(authorized_only=True)


class TrainingLinkProcessor(TrainingProcessor):
    """Payment links in a training store (see the module docstring)."""

    def __init__(self, expires_after_s: int) -> None:
        self.expires_after_s = expires_after_s

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        if payment.amount_minor % 100 == OUTAGE_AUTHORIZE:
            raise ProcessorUnavailable("Payment links are unavailable right now (training: amount ends in 91).")
        expires_at = int(payment.created_at.timestamp()) + self.expires_after_s
        return Outcome.waiting(_made(store, payment, f"train_cs_{payment.id}"),
                               link_url=f"https://pay.training.invalid/{payment.id}", expires_at=expires_at)

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        ref = _current(store, payment).processor_ref
        if not ref:
            return None  # the link was never made: nobody can have paid it
        if payment.amount_minor % 100 == LINK_EXPIRES:
            return Outcome.declined(DeclineReason.EXPIRED, "The link expired before the customer paid.", ref)
        return Outcome.ok(ref, brand="visa", last4="4242", wallet="apple_pay", training=True,
                          fee_minor=fee_minor(self._charge(payment)))


CAPTURED = "training_captured"
"""The training processor's record, in a payment's details, that it took the money."""


def _current(store: "Store", payment: Payment) -> Payment:
    """The payment row as it is now (the training processor's record of its calls lives there)."""
    return get_payment(store, payment.id)


def _made(store: "Store", payment: Payment, ref: str) -> str:
    """Record that a call reached the training processor, as Stripe keeps the intent (or session) it made."""
    annotate(store, _current(store, payment), ref)
    return ref


def _remember_failed_capture(store: "Store", payment: Payment) -> None:
    """Note on the payment that its capture failed once, so a retry succeeds."""
    annotate(store, _current(store, payment), details={"capture_retried": True})
