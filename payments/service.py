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
from payments.base import (
    CAPTURE_REFUSED,
    RELEASED,
    TAKEN_AS,
    DeclineReason,
    Payment,
    PaymentState,
    TenderKind,
    annotate,
    get_payment,
    transition,
)
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
from pos.base.errors import NotAllowed, ProcessorUnavailable
from pos.sales.order_records import OrderStatus, resolve
from payments.base import order_payments

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

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
        if info.reason is DeclineReason.AUTHORIZATION_EXPIRED:
            return hold_expired_words(store, payment, order.id)
        if info.reason is DeclineReason.PAYMENT_FAILED:
            return "payment failed (released)"
        return "expired unpaid" if info.reason is DeclineReason.EXPIRED else "declined"
    if info.pending:
        annotate(store, payment, info.processor_ref, dict(info.details))
        return "still waiting for the customer"
    if info.authorized_only and CAPTURE_REFUSED in payment.details:
        # The processor refused to capture it and the release failed then: release it now (kept until it is).
        void_payment(store, tender, payment, f"recovered: capture refused ({payment.details[CAPTURE_REFUSED]}), "
                                             "hold released")
        return "voided (capture refused, hold released)"
    if info.authorized_only:
        # The processor holds an authorization: take the money now.
        if payment.state is PaymentState.REQUESTED:
            payment = transition(store, payment, PaymentState.AUTHORIZED, processor_ref=info.processor_ref)
        info = tender.capture(store, payment)
        if not info.approved and info.reason is DeclineReason.AUTHORIZATION_EXPIRED:  # ran out meanwhile
            transition(store, payment, PaymentState.DECLINED, decline_reason=info.reason,
                       note=f"recovered: {info.message}")
            return hold_expired_words(store, payment, order.id)
        if not info.approved:
            void_payment(store, tender, payment, f"recovered: capture refused ({info.message})")
            return "voided (capture refused)"
    record_capture(store, tender, payment, info)
    return "captured and recorded"


def hold_expired_words(store: "Store", payment: Payment, order_id: str) -> str:
    """What recover says of a card hold the processor let expire: the amount due again, and what to do."""
    from pos.base.money_format import store_money

    return (f"hold expired unpaid: nothing was charged, {store_money(store, payment.amount_minor + payment.tip_minor)} "
            f"is due again ({store_money(store, due_minor(store, order_id))} owed on the order): take the payment "
            "again")


def expired_holds(store: "Store", order_id: str) -> list[Payment]:
    """The order's card payments whose hold the processor let expire before it was taken (nothing was charged)."""
    return [p for p in order_payments(store, order_id)
            if p.state is PaymentState.DECLINED and p.decline_reason is DeclineReason.AUTHORIZATION_EXPIRED]


def reconcile_failed(store: "Store", payment: Payment) -> str:
    """A card payment marked ``failed`` that its processor was never known to release; says what was done.

    Versions before this one marked a payment failed when Stripe stopped
    answering after the intent reached the reader, without cancelling it: the
    customer's tap then left money held that nothing looked at.  What Stripe
    has is settled once.  A hold (or a charge) the order still needs is taken
    and recorded as a payment of its own, since a failed payment stays failed
    (``details.taken_as`` names it); anything else is released
    (``details.released``).  Either way the row is not looked at again.
    """
    from pos.base.errors import Conflict

    tender = registry.tender_for(payment.tender)
    again = store.one("SELECT id FROM payments WHERE processor_ref = ? AND id != ? ORDER BY rowid DESC LIMIT 1",
                      (payment.processor_ref, payment.id))
    if again is not None:  # taken over already (a crash came before this row said so)
        annotate(store, get_payment(store, payment.id), details={TAKEN_AS: again["id"]})
        return f"taken over by payment {again['id']}"
    order = resolve(store, payment.order_id)
    still_due = due_minor(store, order.id) if order.status is OrderStatus.OPEN else 0  # a failed row holds nothing
    info = tender.lookup(store, payment)
    if info is not None and info.approved and not info.pending:
        if still_due >= payment.amount_minor:
            return _take_over(store, payment)
        if not info.authorized_only:
            raise Conflict("Stripe took this payment, marked failed, and the order was paid another way: "
                           "refund it in Stripe's Dashboard.")
    released = tender.void(store, payment)
    if not released.approved:
        raise Conflict(f"Stripe would not release payment {payment.id}: {released.message}")
    annotate(store, get_payment(store, payment.id), details={RELEASED: True})
    return "released (it had been marked failed)"


def _take_over(store: "Store", failed: Payment) -> str:
    """Record the hold a failed payment left as a new payment on its order (same intent), and settle it."""
    order = resolve(store, failed.order_id)
    with store.write():  # one transaction: the new row is never without the intent it takes over
        taken = insert_payment(store, order, failed.tender, failed.amount_minor, register=failed.register,
                               tip_minor=failed.tip_minor, tip_to=failed.tip_to)
        taken = annotate(store, taken, failed.processor_ref, {"takes_over": failed.id})
    action = settle(store, taken)
    done = get_payment(store, taken.id)
    mark = {TAKEN_AS: taken.id} if done.state is PaymentState.CAPTURED else {RELEASED: True}
    annotate(store, get_payment(store, failed.id), details=mark)
    return f"{action} as payment {taken.id} (it had been marked failed)"


# Card tenders whose failed rows may have left a hold at the processor (a link's row fails before any session).
_HOLDS_A_CARD = (TenderKind.CARD.value, TenderKind.WALLET.value, TenderKind.SELF_CHECKOUT.value)


def recover(store: "Store") -> list[Recovery]:
    """Finish every payment a crash left half-way; idempotent.

    Cash on delivery that is out with a driver is ``authorized`` on purpose
    and left alone, as is a payment link the customer may still pay.  A card
    payment marked failed with an intent its processor was never known to
    release is reconciled once (:func:`reconcile_failed`).
    """
    from pos.base.errors import AnytenderError

    done: list[Recovery] = []
    rows = store.all(
        "SELECT id FROM payments WHERE state IN (?, ?) OR (state = ? AND processor_ref IS NOT NULL "
        f"AND tender IN ({', '.join('?' * len(_HOLDS_A_CARD))}) "
        "AND json_extract(coalesce(details, '{}'), ?) IS NULL AND json_extract(coalesce(details, '{}'), ?) IS NULL) "
        "ORDER BY created_at",
        (PaymentState.REQUESTED.value, PaymentState.AUTHORIZED.value, PaymentState.FAILED.value, *_HOLDS_A_CARD,
         f"$.{RELEASED}", f"$.{TAKEN_AS}"),
    )
    for (payment_id,) in rows:
        payment = get_payment(store, payment_id)
        if payment.tender is TenderKind.COD and payment.state is PaymentState.AUTHORIZED:
            continue
        label = resolve(store, payment.order_id).label
        try:
            action = reconcile_failed(store, payment) if payment.state is PaymentState.FAILED else settle(store, payment)
        except ProcessorUnavailable:
            action = "left for later (processor unavailable)"
        except AnytenderError as exc:  # one stuck payment must not stop the others
            action = f"left for later ({exc.message})"
        except Exception as exc:  # noqa: BLE001 - nor one the code cannot finish: said in one line, the rest go on
            action = (f"left for later: it could not be finished ({type(exc).__name__}: {str(exc)[:120]}); "
                      "tell whoever looks after the till")
        done.append(Recovery(payment.id, label, " ".join(action.split()).rstrip(".")))
    from payments.stripe.late_fees import recover_fees
    from payments.refunds import recover_refunds

    return done + recover_refunds(store) + recover_fees(store)
