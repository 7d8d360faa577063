"""Taking payments through any tender: the one flow every tender goes through.

1. Check the order and the amount (what is due, overpaying, the drawer).
2. Write the payment row, state ``requested``, with its idempotency key,
   and commit it: *before* any outside call, so that after a crash the
   register can always find out what happened.
3. Ask the tender (authorize, then capture unless it captures at once).
   A decline is recorded as ``declined`` and returned; the order stays open
   and earlier payments stand.  An unreachable processor is recorded as
   ``failed`` and raised as :class:`ProcessorUnavailable`.
4. Record the capture, its journal entry and, when the captured payments
   cover the total, the order's sale, in one transaction.

:func:`recover` finishes payments a crash left in ``requested`` or
``authorized`` by asking each tender what really happened.  Running it
twice changes nothing the second time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import (
    SETTLED,
    UNFINISHED,
    DeclineReason,
    Outcome,
    Payment,
    PaymentState,
    Tender,
    TenderKind,
    annotate,
    get_payment,
    order_payments,
    transition,
)
from pos import accounts, faults, ledger, posting_rules
from pos.days import money_day
from pos.errors import Conflict, InvalidInput, NotAllowed, ProcessorUnavailable
from pos.orders import Order, OrderStatus, covered_minor, mark_paid, resolve, view
from pos.store import iso, new_id, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store


class PaymentResult(NamedTuple):
    payment: Payment
    outcome: Outcome
    order_paid: bool
    due_after_minor: int
    change_suggestion: list[tuple[int, int]]


def tender_for(kind: TenderKind | str) -> Tender:
    """The tender implementation for a kind (cash, cod, card...)."""
    kind = TenderKind(kind)
    if kind is TenderKind.CASH:
        from payments.cash import CashTender

        return CashTender()
    if kind is TenderKind.COD:
        from payments.cod import CodTender

        return CodTender()
    if kind is TenderKind.CARD:
        from payments.card import CardTender

        return CardTender()
    if kind is TenderKind.WALLET:
        from payments.wallet import WalletTender

        return WalletTender()
    if kind is TenderKind.LINK:
        from payments.wallet import LinkTender

        return LinkTender()
    from payments.selfcheckout import SelfCheckoutTender

    return SelfCheckoutTender()


def parse_tender(text: str) -> TenderKind:
    try:
        return TenderKind((text or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown tender '{text}': use cash, card, wallet or link.") from None


# -- what is due ---------------------------------------------------------------


def due_minor(store: "Store", order_id: str) -> int:
    """What is still to pay on an order (never negative)."""
    return max(0, view(store, order_id).totals.total_minor - covered_minor(store, order_id))


def payable_minor(store: "Store", order: Order) -> int:
    """What is due on an order that may take a payment; refuses orders that cannot."""
    if order.status is OrderStatus.VOIDED:
        raise Conflict(f"Order {order.label} was voided: it cannot take a payment.")
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        raise Conflict(f"Order {order.label} is already paid.")
    current = view(store, order.id)
    if not current.lines:
        raise Conflict(f"Order {order.label} has no items: add items before taking payment.")
    if current.totals.total_minor == 0:
        raise Conflict(f"Order {order.label} totals nothing to pay: close it with 'pos order close {order.number}'.")
    due = due_minor(store, order.id)
    if due <= 0:
        raise Conflict(
            f"Order {order.label} has nothing left to pay: a payment is pending (out for delivery, on a card "
            "reader, or interrupted: 'pos payments recover' finishes it)."
        )
    return due


def amount_minor(store: "Store", text: str | int | None, what: str) -> int | None:
    """An amount typed by a user (or already in minor units), more than zero; None stays None."""
    if text is None or isinstance(text, int):
        if isinstance(text, int) and text <= 0:
            raise InvalidInput(f"The {what} must be more than zero.")
        return text
    from pos.money import parse_amount

    s = store.settings
    return parse_amount(text, s.currency, s.locale, allow_zero=False).amount_minor


# -- the flow ------------------------------------------------------------------


def insert_payment(
    store: "Store",
    order: Order,
    kind: TenderKind,
    amount_minor: int,
    *,
    state: PaymentState = PaymentState.REQUESTED,
    register: int | None = None,
    tendered_minor: int | None = None,
    change_minor: int = 0,
    rounding_minor: int = 0,
    tip_minor: int = 0,
    tip_to: str | None = None,
    driver_id: int | None = None,
) -> Payment:
    """Write a payment row (committed before any outside call)."""
    payment_id = new_id("pay")
    now = iso(utc_now())
    with store.write() as conn:
        conn.execute(
            "INSERT INTO payments(id, order_id, tender, state, amount_minor, tip_minor, tip_to, tendered_minor, "
            "change_minor, rounding_minor, currency, register, driver_id, idempotency_key, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (payment_id, order.id, kind.value, state.value, amount_minor, tip_minor, tip_to, tendered_minor,
             change_minor, rounding_minor, store.settings.currency, register, driver_id, payment_id, now, now),
        )
        conn.execute(
            "INSERT INTO payment_events(payment_id, from_state, to_state, at) VALUES (?, NULL, ?, ?)",
            (payment_id, state.value, now),
        )
    return get_payment(store, payment_id)


def tip_account(payment: Payment) -> str | None:
    """The ledger account of a payment's tip (its recipient was checked when it was requested)."""
    if not payment.tip_minor:
        return None
    return accounts.TIP_POOL if payment.tip_to in (None, "pool") else accounts.tips_owed(payment.tip_to)


def record_capture(store: "Store", payment: Payment, outcome: Outcome | None = None) -> Payment:
    """Mark captured, post the payment's journal entry, and settle the order: one transaction."""
    tender = tender_for(payment.tender)
    order = resolve(store, payment.order_id)
    with store.write():
        fields: dict[str, Any] = {"processor_ref": outcome.processor_ref} if outcome and outcome.processor_ref else {}
        if outcome is not None and outcome.details:
            fields["details"] = outcome.details
        if outcome is not None and outcome.tip_minor:
            # A tip the customer chose on the reader; the reader offered one only after
            # its recipient (the named person, or the pool) passed the tip rules.
            fields["tip_minor"] = payment.tip_minor + outcome.tip_minor
            fields["tip_to"] = payment.tip_to or "pool"
        captured = transition(store, payment, PaymentState.CAPTURED, **fields)
        faults.hit("payment.captured_before_journal")
        ledger.post(
            store,
            f"payment:{captured.id}:capture",
            f"{captured.tender.value} payment for {order.label}",
            ledger.SourceKind.PAYMENT,
            captured.order_id,
            posting_rules.payment(
                tender.account(store, captured),
                captured.amount_minor,
                captured.currency,
                tendered_minor=captured.tendered_minor,
                tip_minor=captured.tip_minor,
                tip_account=tip_account(captured),
                change_account=tender.account(store, captured),  # change leaves where the cash came in
                rounding_minor=captured.rounding_minor,
            ),
            business_day=money_day(store, order),
        )
        fee = int((outcome.details or {}).get("fee_minor", 0)) if outcome is not None else 0
        if fee:
            ledger.post(
                store, f"payment:{captured.id}:fee", f"Processor fee on {order.label}", ledger.SourceKind.PAYMENT,
                captured.order_id,
                posting_rules.transfer(accounts.CARD_FEES, tender.account(store, captured), fee, captured.currency),
                business_day=money_day(store, order),
            )
        settle_order(store, order.id)
    return get_payment(store, payment.id)


def settle_order(store: "Store", order_id: str) -> bool:
    """Book the sale once captured payments cover the total; True when the order is paid."""
    order = resolve(store, order_id)
    if order.status is not OrderStatus.OPEN:
        return order.status in (OrderStatus.PAID, OrderStatus.REFUNDED)
    captured = sum(p.amount_minor - p.refunded_minor for p in order_payments(store, order_id) if p.state in SETTLED)
    if captured >= view(store, order_id).totals.total_minor:
        mark_paid(store, order_id)
        return True
    return False


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
    what only they know, then call :func:`take`.
    """
    kind = kind if isinstance(kind, TenderKind) else parse_tender(kind)
    if kind is TenderKind.COD:
        raise NotAllowed("Cash on delivery is taken by the driver: use 'pos delivery dispatch' and 'pos delivery collect'.")
    if kind is TenderKind.SELF_CHECKOUT:
        raise NotAllowed("Self-checkout payments are taken at a kiosk: 'pos kiosk run N'.")
    return take(store, order_ref, kind, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                tip_confirmed=tip_confirmed)


def take(
    store: "Store",
    order_ref: str | int,
    kind: TenderKind,
    amount: str | int | None = None,
    *,
    register: int = 1,
    tip_minor: int = 0,
    tip_to: str | None = None,
    tip_confirmed: bool = False,
) -> PaymentResult:
    """The flow of :func:`pay` for any tender, once the caller has checked what is particular to it."""
    tender = tender_for(kind)
    tender.ready(store)  # refuse before anything is written if the tender is not set up here
    given = amount_minor(store, amount, "amount")
    if tip_minor < 0:
        raise InvalidInput("A tip cannot be negative.")
    # What is due and the new payment row are decided under one write lock, so
    # two registers can never both take the same amount due.
    with store.write():
        order = resolve(store, order_ref)
        due = payable_minor(store, order)
        if tip_minor and not tip_confirmed:
            check_tip_share(store, tip_minor, due if given is None else min(given, due))
        payment, suggestion = _request(store, tender, order, kind, due, given, register, tip_minor, tip_to)
    faults.hit("payment.requested")
    return _complete(store, tender, payment, suggestion)


def check_tip_share(store: "Store", tip_minor: int, charge_minor: int) -> None:
    """A tip above the store's share of the sale (``tips.confirm_over``) needs confirming: a typo guard."""
    from pos import config

    percent = config.get_minor(store, "tips.confirm_over")
    if tip_minor * 100 > charge_minor * percent:
        from pos.money_format import store_money

        raise InvalidInput(
            f"A {store_money(store, tip_minor)} tip is more than {percent}% of {store_money(store, charge_minor)}: "
            "check it with the customer, then confirm it (--confirm-tip)."
        )


def _request(
    store: "Store", tender: Tender, order: Order, kind: TenderKind, due: int, given: int | None, register: int,
    tip_minor: int, tip_to: str | None,
) -> tuple[Payment, list[tuple[int, int]]]:
    """Check the amount against what is due and write the payment row (``requested``)."""
    suggestion: list[tuple[int, int]] = []
    if kind is not TenderKind.SELF_CHECKOUT:  # a kiosk's recipient is its attendant, checked by the kiosk
        from pos.tips import recipient_for

        # Refused before anything is written when nobody may receive it; kept as the recipient's key
        # (with no tip yet, the person a card reader may ask a tip for, or None: no prompt).
        tip_to = recipient_for(store, order.channel, tip_to, tip_minor)
    if tender.capabilities.gives_change:
        from payments.cash import cash_terms, round_to_step, suggest_change
        from pos import config, drawer

        drawer.require_open(store, register)
        step = config.get_minor(store, "cash.rounding")
        tendered = given if given is not None else round_to_step(due, step) + tip_minor
        terms = cash_terms(due, tendered, tip_minor, step)
        held = drawer.expected_cash(store, register)
        if terms.change_minor > held:
            from pos.money_format import store_money

            raise NotAllowed(
                f"No change available: {store_money(store, terms.change_minor)} is due back but drawer {register} "
                f"holds {store_money(store, held)}. Ask for a smaller note or the exact amount."
            )
        suggestion = suggest_change(terms.change_minor, config.denominations(store))
        payment = insert_payment(
            store, order, kind, terms.applied_minor, register=register, tendered_minor=tendered,
            change_minor=terms.change_minor, rounding_minor=terms.rounding_minor, tip_minor=terms.tip_minor, tip_to=tip_to,
        )
    else:
        charge = due if given is None else given
        if charge > due:
            from pos.money_format import store_money

            raise InvalidInput(
                f"That is more than the {store_money(store, due)} "
                "still due: only cash can be overpaid (change is given in cash)."
            )
        payment = insert_payment(store, order, kind, charge, register=register, tip_minor=tip_minor, tip_to=tip_to)
    return payment, suggestion


def _complete(store: "Store", tender: Tender, payment: Payment, suggestion: list[tuple[int, int]]) -> PaymentResult:
    try:
        outcome = tender.authorize(store, payment)
    except ProcessorUnavailable as exc:
        transition(store, payment, PaymentState.FAILED, note=exc.message)
        raise
    if not outcome.approved:
        declined = transition(store, payment, PaymentState.DECLINED, decline_reason=outcome.reason, note=outcome.message)
        return PaymentResult(declined, outcome, False, due_minor(store, payment.order_id), [])
    if outcome.pending:
        # Sent to the customer (a payment link): it stays requested, holding its amount, until settled.
        waiting = annotate(store, payment, outcome.processor_ref, dict(outcome.details))
        return PaymentResult(waiting, outcome, False, due_minor(store, payment.order_id), [])
    faults.hit("payment.authorized")
    if not tender.capabilities.captures_at_once:
        payment = transition(store, payment, PaymentState.AUTHORIZED, processor_ref=outcome.processor_ref,
                             details=dict(outcome.details))
        try:
            outcome = tender.capture(store, payment)
        except ProcessorUnavailable as exc:
            # The authorization stands; 'pos payments recover' captures or releases it later.
            raise ProcessorUnavailable(f"{exc.message} The payment is kept as authorized; run 'pos payments recover'.") from exc
        if not outcome.approved:
            declined = transition(store, payment, PaymentState.VOIDED, decline_reason=outcome.reason, note=outcome.message)
            return PaymentResult(declined, outcome, False, due_minor(store, payment.order_id), [])
    captured = record_capture(store, payment, outcome)
    order = resolve(store, captured.order_id)
    return PaymentResult(
        captured, outcome, order.status is OrderStatus.PAID, due_minor(store, captured.order_id), suggestion
    )


def void_payment(store: "Store", payment: Payment, note: str) -> Payment:
    """Release a requested or authorized payment (a failed delivery, a cancelled card)."""
    tender = tender_for(payment.tender)
    if payment.state not in UNFINISHED:
        return transition(store, payment, PaymentState.VOIDED, note=note)  # refused with a clear message
    outcome = tender.void(store, payment)
    if not outcome.approved:
        raise Conflict(f"The processor refused to release payment {payment.id}: {outcome.message}")
    return transition(store, payment, PaymentState.VOIDED, note=note)


# -- after a crash -----------------------------------------------------------------


def settle(store: "Store", payment: Payment) -> str:
    """Finish one unfinished payment from what its processor knows; says what was done.

    Raises :class:`ProcessorUnavailable` when the processor cannot be asked.
    A payment link the customer has not paid yet is left waiting.
    """
    order = resolve(store, payment.order_id)
    tender = tender_for(payment.tender)
    pending = payment.amount_minor  # it is counted as covering the order while unfinished
    still_due = due_minor(store, order.id) + pending if order.status is OrderStatus.OPEN else 0
    if still_due < payment.amount_minor:
        void_payment(store, payment, "recovered: the order was settled or voided another way")
        return "voided (order settled otherwise)"
    info = tender.lookup(store, payment)
    if info is None:
        # Nothing was charged; release whatever the processor holds (an intent never tapped).
        void_payment(store, payment, "recovered: never charged")
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
            void_payment(store, payment, f"recovered: capture refused ({info.message})")
            return "voided (capture refused)"
    record_capture(store, payment, info)
    return "captured and recorded"


class Recovery(NamedTuple):
    payment_id: str
    order_label: str
    action: str


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
