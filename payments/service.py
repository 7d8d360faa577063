"""Taking payments through any tender, and finishing what a crash left half-way.

:func:`pay` is the entry for every tender a cashier takes at a register: it
finds the tender by its kind (:mod:`payments.registry`) and runs the one flow
every tender goes through (:mod:`payments.flow`: the payment row is written
before any outside call, then the outcome and its journal entry are recorded
in one transaction).  Cash on delivery and self-checkout have their own
entries, the driver's and the kiosk's.

:func:`recover` finishes payments a crash left in ``requested`` or
``authorized`` by asking each tender what really happened.  Running it
twice changes nothing the second time.

The flow's names callers use with ``pay`` (what is due, amounts typed by a
user, the payment row) are imported here from :mod:`payments.flow`, so a
command needs only this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payments import registry
from payments.base import DeclineReason, Payment, PaymentState, TenderKind, annotate, get_payment, transition
from payments.flow import (
    PaymentResult,
    Recovery,
    amount_minor,
    check_tip_share,
    due_minor,
    insert_payment,
    payable_minor,
    record_capture,
    take,
    void_payment,
)
from pos.errors import NotAllowed, ProcessorUnavailable
from pos.orders import OrderStatus, resolve

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

__all__ = [
    "PaymentResult", "Recovery", "amount_minor", "check_tip_share", "due_minor", "insert_payment", "pay",
    "payable_minor", "recover", "settle",
]


def pay(
    store: "Store",
    order_ref: str | int,
    kind: TenderKind | str,
    amount: str | int | None = None,
    *,
    register: int = 1,
    tip_minor: int = 0,
    tip_to: str | None = None,
    tip_confirmed: bool = False,
) -> PaymentResult:
    """Take a payment on an order with any tender (``pos pay``).

    ``amount`` is what the customer hands over for cash (change is given
    from it), or what to charge for other tenders (never more than is due);
    ``None`` means exactly what is due.  Cash on delivery and self-checkout
    have their own entry points (the driver's, the kiosk's), which check
    what only they know, then call :func:`payments.flow.take`.
    """
    kind = kind if isinstance(kind, TenderKind) else registry.parse_tender(kind)
    if kind is TenderKind.COD:
        raise NotAllowed("Cash on delivery is taken by the driver: use 'pos delivery dispatch' and 'pos delivery collect'.")
    if kind is TenderKind.SELF_CHECKOUT:
        raise NotAllowed("Self-checkout payments are taken at a kiosk: 'pos kiosk run N'.")
    return take(store, registry.tender_for(kind), order_ref, amount, register=register, tip_minor=tip_minor,
                tip_to=tip_to, tip_confirmed=tip_confirmed)


# -- after a crash -----------------------------------------------------------------


def settle(store: "Store", payment: Payment) -> str:
    """Finish one unfinished payment from what its processor knows; says what was done.

    Raises :class:`ProcessorUnavailable` when the processor cannot be asked.
    A payment link the customer has not paid yet is left waiting.
    """
    order = resolve(store, payment.order_id)
    tender = registry.tender_for(payment.tender)
    pending = payment.amount_minor  # it is counted as covering the order while unfinished
    still_due = due_minor(store, order.id) + pending if order.status is OrderStatus.OPEN else 0
    if still_due < payment.amount_minor:
        void_payment(store, tender, payment, "recovered: the order was settled or voided another way")
        return "voided (order settled otherwise)"
    info = tender.lookup(store, payment)
    if info is None:
        # Nothing was charged; release whatever the processor holds (an intent never tapped).
        void_payment(store, tender, payment, "recovered: never charged")
        return "voided (never charged)"
    if not info.approved:
        transition(store, payment, PaymentState.DECLINED, decline_reason=info.reason, note=f"recovered: {info.message}")
        return "expired unpaid" if info.reason is DeclineReason.EXPIRED else "declined"
    if info.pending:
        annotate(store, payment, info.processor_ref, dict(info.details))
        return "still waiting for the customer"
    if info.authorized_only:
        # The processor holds an authorization: take the money now.
        if payment.state is PaymentState.REQUESTED:
            payment = transition(store, payment, PaymentState.AUTHORIZED, processor_ref=info.processor_ref)
        info = tender.capture(store, payment)
        if not info.approved:
            void_payment(store, tender, payment, f"recovered: capture refused ({info.message})")
            return "voided (capture refused)"
    record_capture(store, tender, payment, info)
    return "captured and recorded"


def recover(store: "Store") -> list[Recovery]:
    """Finish every payment a crash left half-way; idempotent.

    Cash on delivery that is out with a driver is ``authorized`` on purpose
    and left alone, as is a payment link the customer may still pay.
    """
    from pos.errors import AnytenderError

    done: list[Recovery] = []
    rows = store.all(
        "SELECT id FROM payments WHERE state IN (?, ?) ORDER BY created_at",
        (PaymentState.REQUESTED.value, PaymentState.AUTHORIZED.value),
    )
    for (payment_id,) in rows:
        payment = get_payment(store, payment_id)
        if payment.tender is TenderKind.COD and payment.state is PaymentState.AUTHORIZED:
            continue
        label = resolve(store, payment.order_id).label
        try:
            action = settle(store, payment)
        except ProcessorUnavailable:
            action = "left for later (processor unavailable)"
        except AnytenderError as exc:  # one stuck payment must not stop the others
            action = f"left for later ({exc.message})"
        done.append(Recovery(payment.id, label, action))
    from payments.refunds import recover_refunds

    return done + recover_refunds(store)
