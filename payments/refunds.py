"""Refunds and voids of orders that have payments.

A refund goes back to the tenders that paid, newest payment first, unless
the amount says otherwise; cash (and cash on delivery, handed in by then)
comes out of the register's drawer.  Each part is one transaction: the
refund row, the payment's new state and the journal entry that reverses the
sale in proportion (:func:`pos.posting_rules.refund`).  Refunding more than
was captured, or refunding a fully refunded order, is refused.  Above the
store's limits, which add up per order and per shift (:mod:`pos.limits`), a
manager's approval is required.

Each payment's tender is found through :mod:`payments.registry`, so this
module sits above the tenders, and below :mod:`payments.service`, whose
``recover`` finishes the refunds a crash interrupted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from payments import registry
from payments.base import SETTLED, Payment, PaymentState, order_payments, transition
from payments.flow import Recovery, amount_minor, tip_account, void_payment
from pos import accounts, faults, ledger, posting_rules
from pos.errors import Conflict, InvalidInput, NotAllowed
from pos.money_format import store_money
from pos.orders import OrderStatus, forget_order, resolve, sale_key
from pos.store import iso, new_id, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.staff import StaffMember
    from pos.store import Store


class RefundPart(NamedTuple):
    refund_id: str
    payment_id: str
    tender: str
    amount_minor: int
    tip_minor: int = 0
    """The payment's tip, given back with the part that completes its refund."""


class RefundResult(NamedTuple):
    order_label: str
    parts: list[RefundPart]
    total_minor: int
    fully_refunded: bool


def refund(
    store: "Store",
    order_ref: str | int,
    amount: str | int | None,
    reason: str,
    *,
    register: int = 1,
    approver: "StaffMember | None" = None,
    by: "StaffMember | None" = None,
) -> RefundResult:
    """Refund part or all of what an order's payments captured (``pos refund``).

    ``by`` is who asks (default: whoever is signed in for the command); the order's refunds and
    theirs in their shift are held to the store's limits (:func:`pos.limits.check_refund`).
    """
    from pos import drawer, limits

    from pos.text import clean_line

    why = clean_line(reason, "refund reason")
    if not why:
        raise InvalidInput("A refund needs a reason (like 'cold pizza'): give --reason.")
    order = resolve(store, order_ref)
    if order.status is OrderStatus.VOIDED:
        raise Conflict(f"Order {order.label} was voided: there is nothing to refund.")
    payments = [p for p in order_payments(store, order.id) if p.state in SETTLED]
    refundable = sum(p.refundable_minor for p in payments)
    if refundable <= 0:
        if payments:
            raise Conflict(f"Order {order.label} is already fully refunded.")
        raise Conflict(f"Order {order.label} has no captured payment to refund.")
    wanted = amount_minor(store, amount, "refund amount") if amount is not None else refundable
    assert wanted is not None
    if wanted > refundable:
        raise InvalidInput(
            f"Only {store_money(store, refundable)} of order {order.label} can still be refunded, not {store_money(store, wanted)}."
        )
    who = limits.requester(store, by)
    limits.check_refund(store, order.id, order.label, wanted, by=who, approver=approver)
    sale = ledger.find_by_key(store, sale_key(order.id))
    # Plan every part and check every drawer before anything is written, so a
    # refund that cannot be paid in full is refused whole.
    plan: list[tuple[Payment, int, int, str]] = []
    left = wanted
    for payment in reversed(payments):
        part = min(left, payment.refundable_minor)
        if part <= 0:
            continue
        if not registry.tender_for(payment.tender).capabilities.refunds:
            raise NotAllowed(f"{payment.tender.value} payments cannot be refunded here: refund in cash.")
        # The part that completes a payment's refund gives its tip back too: no tip stands on a refunded sale.
        tip_back = payment.tip_minor if part == payment.refundable_minor else 0
        plan.append((payment, part, tip_back,
                     registry.tender_for(payment.tender).refund_account(store, payment, register)))
        left -= part
        if left == 0:
            break
    from_drawer = sum(part + tip for _, part, tip, source in plan if source == accounts.drawer(register))
    if from_drawer:
        drawer.require_open(store, register)
        held = drawer.expected_cash(store, register)
        if from_drawer > held:
            raise NotAllowed(
                f"Drawer {register} holds {store_money(store, held)}, not enough for a {store_money(store, from_drawer)} cash refund."
            )
    from pos import audit

    audit.changed(store, audit.Event.REFUND, f"order {order.label}", {"refundable_minor": refundable},
                  {"refundable_minor": refundable - wanted}, order=order.number, amount_minor=wanted, reason=why,
                  tenders=[payment.tender.value for payment, *_ in plan], register=register,
                  approved_by=approver.name if approver else None)
    parts: list[RefundPart] = []
    for payment, part, tip_back, _source in plan:
        refund_id = _request(store, order.id, payment, part, tip_back, why, register, approver, sale is not None, who)
        faults.hit("refund.requested")
        finish_refund(store, refund_id)
        parts.append(RefundPart(refund_id, payment.id, payment.tender.value, part, tip_back))
    remaining = sum(p.refundable_minor for p in order_payments(store, order.id) if p.state in SETTLED)
    return RefundResult(order.label, parts, wanted, remaining == 0)


def _request(
    store: "Store", order_id: str, payment: Payment, part: int, tip_minor: int, reason: str, register: int,
    approver: "StaffMember | None", against_sale: bool, by: "StaffMember | None" = None,
) -> str:
    """Write the refund row, state ``requested``, before the processor is asked."""
    refund_id = new_id("ref")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO refunds(id, order_id, payment_id, amount_minor, tip_minor, reason, register, approved_by, "
            "created_at, state, against_sale, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?)",
            (refund_id, order_id, payment.id, part, tip_minor, reason, register, approver.id if approver else None,
             iso(utc_now()), int(against_sale), by.id if by else None),
        )
    return refund_id


def finish_refund(store: "Store", refund_id: str) -> None:
    """Ask the tender to give the money back (idempotently, by the refund's own key), then book it."""
    from payments.base import get_payment

    row = store.one("SELECT * FROM refunds WHERE id = ?", (refund_id,))
    assert row is not None
    payment = get_payment(store, row["payment_id"])
    tender = registry.tender_for(payment.tender)
    outcome = tender.refund(store, payment, row["amount_minor"] + row["tip_minor"], payment.key_for(f"refund:{refund_id}"))
    if not outcome.approved:
        with store.write() as conn:
            conn.execute("UPDATE refunds SET state = 'failed' WHERE id = ?", (refund_id,))
        raise Conflict(f"The refund of {store_money(store, row['amount_minor'])} was refused: {outcome.message}")
    _record(store, refund_id, outcome.processor_ref)


def recover_refunds(store: "Store") -> list[Recovery]:
    """Finish refunds a crash left between asking the processor and booking it (idempotent)."""
    done: list[Recovery] = []
    for row in store.all("SELECT id, order_id FROM refunds WHERE state = 'requested' ORDER BY created_at"):
        finish_refund(store, row["id"])
        done.append(Recovery(row["id"], resolve(store, row["order_id"]).label, "refund completed and recorded"))
    return done


def stripe_booked_minor(store: "Store", payment_id: str) -> int:
    """What the books give back (or are giving back) to the card of one payment, tips included: every refund
    row but the failed ones, since a row is written before the processor is asked."""
    return int(store.scalar("SELECT coalesce(sum(amount_minor + tip_minor), 0) FROM refunds "
                            "WHERE payment_id = ? AND state != 'failed'", (payment_id,)))


def book_outside_refund(store: "Store", payment: Payment, outside_minor: int, processor_ref: str) -> str | None:
    """Book money the processor gave back on its own (a refund made in Stripe's Dashboard), without asking it
    again; returns the refund's id, or None when it does not fit the payment (left to the owner, audited).

    The money has left: the books follow, and the audit trail says it came from outside the register
    (no limit or approval of ours applied to it).
    """
    from pos import audit

    part = min(outside_minor, payment.refundable_minor)
    tip_back = outside_minor - part
    fits = part > 0 and (tip_back == 0 or (part == payment.refundable_minor and tip_back == payment.tip_minor))
    # One transaction: a row left 'requested' would be sent to Stripe again by recover, refunding twice.
    with store.write():
        audit.record(store, audit.Event.OUTSIDE_REFUND, {
            "payment": payment.id, "order": payment.order_id, "amount_minor": outside_minor,
            "processor_ref": processor_ref, "booked": fits})
        if not fits:
            return None
        sale = ledger.find_by_key(store, sale_key(payment.order_id))
        refund_id = _request(store, payment.order_id, payment, part, tip_back,
                             "refunded in Stripe, outside the register", payment.register or 1, None, sale is not None)
        _record(store, refund_id, processor_ref)
    return refund_id


def _record(store: "Store", refund_id: str, processor_ref: str | None) -> None:
    """Book a refund the tender approved: refund row, payment, journal and order, in one transaction."""
    from payments.base import get_payment

    with store.write() as conn:
        row = conn.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        if row["state"] != "requested":
            return  # already booked (a retried recover)
        order_id, part = row["order_id"], row["amount_minor"]
        payment = get_payment(store, row["payment_id"])  # fresh, under the lock: no lost update
        refunded = payment.refunded_minor + part
        state = PaymentState.REFUNDED if refunded >= payment.amount_minor else PaymentState.PARTIALLY_REFUNDED
        transition(store, payment, state, refunded_minor=refunded)
        conn.execute("UPDATE refunds SET state = 'completed', processor_ref = ? WHERE id = ?", (processor_ref, refund_id))
        faults.hit("refund.before_journal")
        source = registry.tender_for(payment.tender).refund_account(store, payment, row["register"] or 1)
        sale = ledger.find_by_key(store, sale_key(order_id))
        if sale is not None and row["against_sale"]:
            earlier = conn.execute(
                "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE order_id = ? AND against_sale = 1 "
                "AND state = 'completed' AND id != ?",
                (order_id, refund_id),
            ).fetchone()[0]
            postings = posting_rules.refund(part, source, sale.postings, earlier)
        else:  # refunded before the sale was booked: undo the payment against what is owed
            postings = posting_rules.transfer(accounts.RECEIVABLE_ORDERS, source, part, store.settings.currency)
        if row["tip_minor"]:
            account = tip_account(payment)
            assert account is not None
            owed = -ledger.balances(store, prefix=account).get((account, payment.currency), 0)
            postings = [*postings, *posting_rules.tip_refund(account, source, row["tip_minor"], owed, payment.currency)]
        ledger.post(store, f"refund:{refund_id}", f"Refund: {row['reason']}", ledger.SourceKind.REFUND, order_id, postings)
        left = conn.execute(
            "SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM payments WHERE order_id = ? AND state IN (?, ?, ?)",
            (order_id, PaymentState.CAPTURED.value, PaymentState.PARTIALLY_REFUNDED.value, PaymentState.REFUNDED.value),
        ).fetchone()[0]
        if left == 0:
            conn.execute("UPDATE orders SET status = 'refunded' WHERE id = ? AND status = 'paid'", (order_id,))
            forget_order(store, order_id)


def void(store: "Store", order_ref: str | int, reason: str, *, approver: "StaffMember | None" = None,
         by: "StaffMember | None" = None):
    """Void an unpaid order (``pos void``): pending payments are released; captured money must be refunded first.

    What is voided on the order (lines taken off it, then its total now), and by ``by`` in their
    shift, is held to the store's limits (:func:`pos.limits.check_void`).
    """
    from payments.base import UNFINISHED
    from pos import limits
    from pos.orders import view, void_order

    order = resolve(store, order_ref)
    if order.status is OrderStatus.OPEN:
        settled = [p for p in order_payments(store, order.id) if p.state in SETTLED and p.refundable_minor]
        if settled:
            taken = sum(p.refundable_minor for p in settled)
            raise Conflict(
                f"Order {order.label} has {store_money(store, taken)} paid already: refund it first "
                f"('pos refund {order.number} --reason ...'), then void."
            )
        from pos.text import clean_line

        reason = clean_line(reason, "void reason")  # checked before a pending payment is released with it
        if not reason:
            raise InvalidInput("A void needs a reason (like 'customer left'): give --reason.")
        who = limits.requester(store, by)
        limits.check_void(store, order.id, view(store, order.id).totals.total_minor, f"voiding order {order.label}",
                          by=who, approver=approver)
        # Release pending payments first, each on its own (a processor may be called,
        # never inside a transaction); a crash between leaves an open order, no money.
        for p in order_payments(store, order.id):
            if p.state in UNFINISHED:
                void_payment(store, registry.tender_for(p.tender), p, f"order voided: {reason}")
        return void_order(store, order.id, reason, by=who, approver=approver)
    return void_order(store, order.id, reason)  # refused with the right message
