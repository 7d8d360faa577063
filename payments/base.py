"""The one tender interface, and the payment state machine every tender shares.

A payment is requested for an amount on an order and moves through one
persisted state machine::

    requested -> authorized -> captured -> partially_refunded -> refunded
    requested -> captured                 (tenders that capture at once: cash)
    requested | authorized -> voided      requested -> declined | failed
    authorized -> failed
    authorized -> declined                (the processor let the hold expire: authorization_expired)

Every way of paying (cash, cash on delivery, card, wallet, self-checkout)
implements :class:`Tender`: the same five verbs, in the spirit of
ActiveMerchant's gateways.  What a tender can do is declared as data
(:class:`Capabilities`), never discovered by trying.  Business outcomes are
:class:`Outcome` values (approved, or declined with a :class:`DeclineReason`
from a closed set); a processor that cannot be reached raises
:class:`pos.base.errors.ProcessorUnavailable`, the only exception a tender raises
on purpose.

The flow around the verbs (write the payment row *before* any outside call,
then record the outcome and its journal entry in one transaction) lives in
:mod:`payments.flow`, so no tender can get it wrong; :mod:`payments.registry`
finds the tender of each kind, and :mod:`payments.service` takes payments.
"""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from pos.base.errors import Conflict
from pos.store.store import iso, parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store


class TenderKind(str, enum.Enum):
    CASH = "cash"
    COD = "cod"
    CARD = "card"
    WALLET = "wallet"
    LINK = "link"
    SELF_CHECKOUT = "self_checkout"

    @property
    def label(self) -> str:
        """The tender as people say it ("Cash on delivery"), for every screen, receipt and report."""
        return TENDER_LABELS[self]


TENDER_LABELS: dict[TenderKind, str] = {
    TenderKind.CASH: "Cash", TenderKind.COD: "Cash on delivery", TenderKind.CARD: "Card",
    TenderKind.WALLET: "Phone wallet", TenderKind.LINK: "Payment link", TenderKind.SELF_CHECKOUT: "Self-checkout",
}


def tender_label(value: str) -> str:
    """A stored tender code's label (``cod`` -> "Cash on delivery"); an unknown code as it is."""
    try:
        return TenderKind(value).label
    except ValueError:
        return value


class PaymentState(str, enum.Enum):
    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DECLINED = "declined"
    FAILED = "failed"


S = PaymentState
ALLOWED: dict[PaymentState, frozenset[PaymentState]] = {
    S.REQUESTED: frozenset({S.AUTHORIZED, S.CAPTURED, S.VOIDED, S.DECLINED, S.FAILED}),
    S.AUTHORIZED: frozenset({S.CAPTURED, S.VOIDED, S.DECLINED, S.FAILED}),
    S.CAPTURED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.VOIDED: frozenset(),
    S.DECLINED: frozenset(),
    S.FAILED: frozenset(),
}
#: States in which a payment's money counts toward the order.
SETTLED = frozenset({S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED})
#: States a crash can leave a payment in, that ``recover`` must finish.
UNFINISHED = frozenset({S.REQUESTED, S.AUTHORIZED})
#: The key in a payment's details that says its processor was told to release it (nothing held).
RELEASED = "released"
#: The key in a failed payment's details naming the payment its processor's hold was recorded as, by recover.
TAKEN_AS = "taken_as"
#: The key in an authorized payment's details that says its processor refused the capture: recover releases the
#: hold (never captures it) and keeps the payment authorized until the processor confirms the release.
CAPTURE_REFUSED = "capture_refused"

_VERBS = {
    S.AUTHORIZED: "authorize",
    S.CAPTURED: "capture",
    S.PARTIALLY_REFUNDED: "refund",
    S.REFUNDED: "refund",
    S.VOIDED: "void",
    S.DECLINED: "decline",
    S.FAILED: "fail",
}


class DeclineReason(str, enum.Enum):
    """Why a payment was not approved: a closed set every tender maps onto."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    CARD_DECLINED = "card_declined"
    EXPIRED_CARD = "expired_card"
    INCORRECT_DETAILS = "incorrect_details"
    FRAUD_SUSPECTED = "fraud_suspected"
    AUTHENTICATION_REQUIRED = "authentication_required"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    PROCESSING_ERROR = "processing_error"
    DELIVERY_FAILED = "delivery_failed"
    PAYMENT_FAILED = "payment_failed"
    """A delayed payment (a bank debit by link) that failed after the customer had paid."""
    AUTHORIZATION_EXPIRED = "authorization_expired"
    """The card's hold ran out (its authorization window) before the payment was taken: the processor released
    it, nothing was charged, and the amount is due on the order again."""

    @property
    def cashier_message(self) -> str:
        """The reason in the cashier's words, with what to offer next."""
        return _DECLINE_WORDS[self]


_DECLINE_WORDS = {
    DeclineReason.INSUFFICIENT_FUNDS: "The card was declined for insufficient funds: offer another card or cash.",
    DeclineReason.CARD_DECLINED: "The card was declined by its bank: offer another card or cash.",
    DeclineReason.EXPIRED_CARD: "The card has expired: offer another card or cash.",
    DeclineReason.INCORRECT_DETAILS: "The card's details were not accepted: try again or offer another tender.",
    DeclineReason.FRAUD_SUSPECTED: "The bank refused the card: offer another tender; do not retry this card.",
    DeclineReason.AUTHENTICATION_REQUIRED: "The bank wants the customer to confirm: try the card again with a PIN, or another tender.",
    DeclineReason.CANCELLED: "The payment was cancelled: offer it again or another tender.",
    DeclineReason.EXPIRED: "The payment request expired before it was paid: send a new one or offer another tender.",
    DeclineReason.PROCESSING_ERROR: "The processor could not complete the payment: try again or offer another tender.",
    DeclineReason.DELIVERY_FAILED: "The delivery failed: the order is back in the open queue.",
    DeclineReason.PAYMENT_FAILED: "The customer's bank payment failed after they paid the link: nothing was taken "
                                  "and the amount is released; send a new link or offer another tender.",
    DeclineReason.AUTHORIZATION_EXPIRED: "The card's hold expired before the payment was taken: nothing was "
                                         "charged and the amount is due again; take it again (card or cash).",
}


class RefundRefusal(str, enum.Enum):
    """Why a processor refused a refund for good (it gave nothing back, and asking again will not change that):
    a closed set every tender maps onto.  A refund refused so is marked ``refused`` with it, and holds nothing."""

    ALREADY_REFUNDED = "already_refunded"
    """The charge was refunded in full already (Stripe: ``charge_already_refunded``)."""
    DISPUTED = "disputed"
    """The cardholder disputed the charge: its money is the dispute's (``charge_disputed``, ``refund_disputed_payment``)."""
    AMOUNT_TOO_LARGE = "amount_too_large"
    """More than the charge has left to give back (``amount_too_large``)."""
    AMOUNT_TOO_SMALL = "amount_too_small"
    """Less than the processor will refund (``amount_too_small``)."""
    NOT_REFUNDABLE = "not_refundable"
    """The processor cannot refund this charge at all (``charge_not_refundable``)."""

    @property
    def words(self) -> str:
        """The reason in the cashier's words, with what to do instead."""
        return _REFUSAL_WORDS[self]


_REFUSAL_WORDS = {
    RefundRefusal.ALREADY_REFUNDED: "the card payment was refunded in full already (perhaps in Stripe's Dashboard): "
                                    "check the order before giving anything back",
    RefundRefusal.DISPUTED: "the customer disputed the card payment with their bank, so it cannot be refunded: "
                            "answer the dispute in Stripe's Dashboard, do not give it back another way",
    RefundRefusal.AMOUNT_TOO_LARGE: "it is more than the card payment has left to give back: refund less, or the "
                                    "rest in cash",
    RefundRefusal.AMOUNT_TOO_SMALL: "it is less than Stripe refunds: give it back in cash",
    RefundRefusal.NOT_REFUNDABLE: "Stripe cannot refund this card payment: give it back in cash",
}


class RefundRefused(Conflict):
    """A processor refused a refund for good (:class:`RefundRefusal`): nothing was given back."""

    def __init__(self, refusal: RefundRefusal, message: str = "") -> None:
        super().__init__(message or refusal.words)
        self.refusal = refusal


class Capabilities(NamedTuple):
    """What a tender can do, declared up front."""

    refunds: bool
    adjusts_tip: bool
    works_offline: bool
    gives_change: bool
    captures_at_once: bool
    calls_processor: bool


class Outcome(NamedTuple):
    """A tender's answer to a verb: approved, or declined with a reason."""

    approved: bool
    reason: DeclineReason | None = None
    message: str = ""
    processor_ref: str | None = None
    details: dict[str, Any] = {}
    tip_minor: int | None = None
    """A tip the customer chose on the device (card readers), if any."""
    authorized_only: bool = False
    """From ``lookup``: the processor holds the money but has not taken it yet."""
    pending: bool = False
    """The customer has not answered yet (a payment link sent to their phone): the
    payment stays ``requested``, its amount held against the order, until a
    ``lookup`` finds it paid or expired."""

    @classmethod
    def ok(cls, processor_ref: str | None = None, **details: Any) -> "Outcome":
        return cls(True, None, "", processor_ref, details)

    @classmethod
    def waiting(cls, processor_ref: str, **details: Any) -> "Outcome":
        """Not answered yet: see :attr:`pending`."""
        return cls(True, None, "", processor_ref, details, pending=True)

    @classmethod
    def declined(cls, reason: DeclineReason, message: str = "", processor_ref: str | None = None) -> "Outcome":
        return cls(False, reason, message or reason.cashier_message, processor_ref)


class Payment(NamedTuple):
    id: str
    order_id: str
    tender: TenderKind
    state: PaymentState
    amount_minor: int
    tip_minor: int
    tip_to: str | None
    tendered_minor: int | None
    change_minor: int
    rounding_minor: int
    refunded_minor: int
    currency: str
    register: int | None
    driver_id: int | None
    idempotency_key: str
    processor_ref: str | None
    decline_reason: DeclineReason | None
    note: str | None
    details: dict[str, Any]
    created_at: datetime

    def key_for(self, operation: str) -> str:
        """Idempotency key for one operation on this payment (never reused for another)."""
        return f"{self.idempotency_key}:{operation}"

    @property
    def refundable_minor(self) -> int:
        return self.amount_minor - self.refunded_minor if self.state in SETTLED else 0


@runtime_checkable
class Tender(Protocol):
    """One way of paying.  Implementations are stateless; state lives in the payment row."""

    kind: TenderKind
    capabilities: Capabilities

    def ready(self, store: "Store") -> None:
        """Refuse (NotAllowed) if this tender cannot be used in this store (say, no processor set up)."""

    def account(self, store: "Store", payment: Payment) -> str:
        """The ledger account that receives this payment's money."""

    def refund_account(self, store: "Store", payment: Payment, register: int) -> str:
        """The ledger account a refund of this payment is paid from."""

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        """Ask for the money (a card authorization; cash: the customer handing it over)."""

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        """Take the authorized money, with the payment's final tip."""

    def void(self, store: "Store", payment: Payment) -> Outcome:
        """Release an authorization that will not be captured."""

    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        """Give back part or all of a captured payment (``key`` makes it idempotent; ``refund_id``, our refund's
        id, goes with it to the processor, so :meth:`find_refund` can find it after the key is forgotten).

        A refusal for good raises :class:`RefundRefused`."""

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        """After an interruption: the refund the processor made for our ``refund_id``, if it made one."""

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        """After a crash: what the processor knows of this payment.

        None: nothing happened.  Approved with ``authorized_only``: the money
        is held, not taken.  Approved: taken.  Declined: refused.
        """


class LocalTender:
    """Base for tenders that need no processor (cash, cash on delivery).

    Every verb is approved at once: the money is in someone's hand, and
    there is no one outside to ask after a crash, so the payment row, which
    holds what the cashier typed, is the truth.  Subclasses say where the
    money goes.
    """

    kind: TenderKind
    capabilities: Capabilities

    def ready(self, store: "Store") -> None:
        return None

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        return Outcome.ok()

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        return Outcome.ok()

    def void(self, store: "Store", payment: Payment) -> Outcome:
        return Outcome.ok()

    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        return Outcome.ok()

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        return None  # nobody outside gave anything back: the refund is made (again) in hand

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        return Outcome.ok()


# -- the payments table ----------------------------------------------------------


def payment_from_row(row: "sqlite3.Row") -> Payment:
    return Payment(
        id=row["id"],
        order_id=row["order_id"],
        tender=TenderKind(row["tender"]),
        state=PaymentState(row["state"]),
        amount_minor=row["amount_minor"],
        tip_minor=row["tip_minor"],
        tip_to=row["tip_to"],
        tendered_minor=row["tendered_minor"],
        change_minor=row["change_minor"],
        rounding_minor=row["rounding_minor"],
        refunded_minor=row["refunded_minor"],
        currency=row["currency"],
        register=row["register"],
        driver_id=row["driver_id"],
        idempotency_key=row["idempotency_key"],
        processor_ref=row["processor_ref"],
        decline_reason=DeclineReason(row["decline_reason"]) if row["decline_reason"] else None,
        note=row["note"],
        details=json.loads(row["details"] or "{}"),
        created_at=parse_iso(row["created_at"]),
    )


def get_payment(store: "Store", payment_id: str) -> Payment:
    from pos.base.errors import NotFound

    row = store.one("SELECT * FROM payments WHERE id = ?", (payment_id,))
    if row is None:
        raise NotFound(f"No payment '{payment_id}': list an order's payments with 'pos payments list ORDER'.")
    return payment_from_row(row)


def order_payments(store: "Store", order_id: str) -> list[Payment]:
    # rowid: the order they were written in, even within one millisecond.
    return [payment_from_row(r) for r in store.all("SELECT * FROM payments WHERE order_id = ? ORDER BY rowid", (order_id,))]


def annotate(store: "Store", payment: Payment, processor_ref: str | None = None,
             details: dict[str, Any] | None = None) -> Payment:
    """Save what a processor told us (its id for the payment, details) without a change of state.

    Written at once, in its own transaction, so that a crash right after an
    outside call still leaves the processor's id on the row for ``recover``.
    """
    merged = {**payment.details, **(details or {})}
    ref = processor_ref or payment.processor_ref
    with store.write() as conn:
        conn.execute("UPDATE payments SET processor_ref = ?, details = ?, updated_at = ? WHERE id = ?",
                     (ref, json.dumps(merged, sort_keys=True), iso(utc_now()), payment.id))
    return payment._replace(processor_ref=ref, details=merged)


def transition(store: "Store", payment: Payment, to: PaymentState, note: str | None = None, **fields: Any) -> Payment:
    """Move a payment to ``to`` if the state machine allows it, recording the event.

    Refused moves (capture a voided payment, refund a declined one...) raise
    :class:`Conflict`.  The update is conditional on the state read, so two
    registers cannot both move the same payment.
    """
    if to not in ALLOWED[payment.state]:
        raise Conflict(
            f"Cannot {_VERBS.get(to, to.value)} a {payment.state.value.replace('_', ' ')} "
            f"{payment.tender.value} payment ({payment.id})."
        )
    allowed_fields = {"amount_minor", "tip_minor", "tip_to", "tendered_minor", "change_minor", "rounding_minor",
                      "refunded_minor", "processor_ref", "decline_reason", "note", "details", "tender"}
    unknown = set(fields) - allowed_fields
    if unknown:  # pragma: no cover - programming error
        raise ValueError(f"unknown payment fields {unknown}")
    values = dict(fields)
    if "details" in values:
        values["details"] = json.dumps({**payment.details, **values["details"]}, sort_keys=True)
    if isinstance(values.get("decline_reason"), DeclineReason):
        values["decline_reason"] = values["decline_reason"].value
    if isinstance(values.get("tender"), TenderKind):
        values["tender"] = values["tender"].value
    if note is not None:
        values["note"] = note
    now = iso(utc_now())
    assignments = "".join(f", {name} = :{name}" for name in values)
    with store.write() as conn:
        changed = conn.execute(
            f"UPDATE payments SET state = :to, updated_at = :now{assignments} WHERE id = :id AND state = :from",
            {**values, "to": to.value, "now": now, "id": payment.id, "from": payment.state.value},
        ).rowcount
        if changed != 1:
            raise Conflict(f"Payment {payment.id} changed meanwhile: look at it again with 'pos payments list'.")
        conn.execute(
            "INSERT INTO payment_events(payment_id, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)",
            (payment.id, payment.state.value, to.value, now, note),
        )
    updated = {k: v for k, v in fields.items() if k != "details"}
    if "details" in fields:
        updated["details"] = {**payment.details, **fields["details"]}
    if note is not None:
        updated["note"] = note
    return payment._replace(state=to, **updated)
