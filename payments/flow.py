"""The one flow every tender goes through, given the tender: write, ask, record.

1. Check the order and the amount (what is due, overpaying, the drawer).
2. Write the payment row, state ``requested``, with its idempotency key,
   and commit it: *before* any outside call, so that after a crash the
   register can always find out what happened.
3. Ask the tender (authorize, then capture unless it captures at once).
   A decline is recorded as ``declined`` and returned; the order stays open
   and earlier payments stand.  An unreachable processor is recorded as
   ``failed`` and raised as :class:`ProcessorUnavailable`, unless the error
   says the processor may hold money it could not release
   (``outcome_unknown``): the payment then stays ``requested`` for recover.
   A tender may refuse an amount before the row is written (``check_charge``:
   Stripe's minimum charge).
4. Record the capture, its journal entry and, when the captured payments
   cover the total, the order's sale, in one transaction.

Every function here is handed the tender it works with and never looks one
up: the tender modules (cash on delivery, kiosks) build on this module, and
:mod:`payments.registry`, which finds a tender by its kind, sits above them.
:mod:`payments.service` (``pay``, ``recover``) is the entry on top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import (
    SETTLED,
    UNFINISHED,
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
from pos.books import accounts, ledger
from pos.base import faults
from pos.sales import posting_rules
from pos.store.days import money_day
from pos.base.errors import Conflict, InvalidInput, NotAllowed, ProcessorUnavailable
from pos.sales.orders import covered_minor, mark_paid, view
from pos.sales.order_records import Order, OrderStatus, resolve
from pos.store.store import iso, new_id, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class PaymentResult(NamedTuple):
    """What :func:`take` did: the payment as it now stands, the tender's answer, and what is left to pay."""

    payment: Payment
    outcome: Outcome
    order_paid: bool
    due_after_minor: int
    change_suggestion: list[tuple[int, int]]


class Recovery(NamedTuple):
    """What :func:`payments.service.recover` did to one payment or refund a crash left half-way."""

    payment_id: str
    order_label: str
    action: str


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
    from pos.base.money_input import parse_amount

    s = store.settings
    return parse_amount(text, s.currency, s.locale, allow_zero=False).amount_minor


# -- the flow ------------------------------------------------------------------


def take(
    store: "Store",
    tender: Tender,
    order_ref: str | int,
    amount: str | int | None = None,
    *,
    register: int = 1,
    tip_minor: int = 0,
    tip_to: str | None = None,
    tip_confirmed: bool = False,
) -> PaymentResult:
    """Take a payment with ``tender``, once the caller has checked what is particular to it.

    The flow of :func:`payments.service.pay` (which finds the tender by its
    kind) and of a kiosk's :func:`payments.selfcheckout.pay_at_kiosk`.
    """
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
        payment, suggestion = _request(store, tender, order, due, given, register, tip_minor, tip_to)
    faults.hit("payment.requested")
    return _complete(store, tender, payment, suggestion)


def check_tip_share(store: "Store", tip_minor: int, charge_minor: int) -> None:
    """A tip above the store's share of the sale (``tips.confirm_over``) needs confirming: a typo guard."""
    from pos.store import config

    percent = config.get_minor(store, "tips.confirm_over")
    if tip_minor * 100 > charge_minor * percent:
        from pos.base.money_format import store_money

        raise InvalidInput(
            f"A {store_money(store, tip_minor)} tip is more than {percent}% of {store_money(store, charge_minor)}: "
            "check it with the customer, then confirm it (--confirm-tip)."
        )


def tip_base_minor(store: "Store", order_id: str, charge_minor: int) -> int:
    """What a tip on a payment of ``charge_minor`` is reckoned on: that payment's share of the sale, before tax.

    The one definition of a tip's base (a card reader's suggestions,
    ``process_config.tipping.amount_eligible``): the order's lines after
    discounts, without tax (the store has no option to tip on the taxed
    total).  A payment of part of the order (a split) gets its share of it, in
    proportion to the total, rounded half up.
    """
    from decimal import Decimal

    from pos.base.shares import round_half_up

    totals = view(store, order_id).totals
    before_tax = totals.total_minor - totals.tax_minor
    if totals.total_minor <= 0 or before_tax <= 0:
        return 0
    if charge_minor >= totals.total_minor:
        return before_tax
    return min(charge_minor, round_half_up(Decimal(charge_minor) * before_tax / totals.total_minor))


def _request(
    store: "Store", tender: Tender, order: Order, due: int, given: int | None, register: int,
    tip_minor: int, tip_to: str | None,
) -> tuple[Payment, list[tuple[int, int]]]:
    """Check the amount against what is due and write the payment row (``requested``)."""
    kind = tender.kind
    suggestion: list[tuple[int, int]] = []
    details: dict[str, Any] = {}
    if kind is not TenderKind.SELF_CHECKOUT:  # a kiosk's recipient is its attendant, checked by the kiosk
        from pos.tips.tips import for_own_service, recipient_for, service_of

        # Refused before anything is written when nobody may receive it; kept as the recipient's key
        # (with no tip yet, the person a card reader may ask a tip for, or None: no prompt).  Who rang the
        # order and who takes this payment decide whether a manager may keep a tip for their own service.
        service = service_of(store, order.id, store.memo.get("actor_id"))
        tip_to = recipient_for(store, order.channel, tip_to, tip_minor, since=order.created_at, service=service)
        if for_own_service(store, tip_to):
            details["tip_own_service"] = True  # recorded as such: a manager's or owner's own service
    if tender.capabilities.gives_change:
        from payments.change import cash_terms, round_to_step, suggest_change
        from pos.store import config
        from pos.cash import drawer

        drawer.require_open(store, register)
        step = config.get_minor(store, "cash.rounding")
        tendered = given if given is not None else round_to_step(due, step) + tip_minor
        terms = cash_terms(due, tendered, tip_minor, step)
        held = drawer.spendable_cash(store, register)  # less what refunds and change not yet booked hold
        if terms.change_minor > held:
            from pos.base.money_format import store_money

            raise NotAllowed(
                f"No change available: {store_money(store, terms.change_minor)} is due back but drawer {register} "
                f"holds {store_money(store, held)}. Ask for a smaller note or the exact amount."
            )
        suggestion = suggest_change(terms.change_minor, config.denominations(store))
        payment = insert_payment(
            store, order, kind, terms.applied_minor, register=register, tendered_minor=tendered,
            change_minor=terms.change_minor, rounding_minor=terms.rounding_minor, tip_minor=terms.tip_minor, tip_to=tip_to,
            details=details,
        )
    else:
        charge = due if given is None else given
        if charge > due:
            from pos.base.money_format import store_money

            raise InvalidInput(
                f"That is more than the {store_money(store, due)} "
                "still due: only cash can be overpaid (change is given in cash)."
            )
        check_charge = getattr(tender, "check_charge", None)
        if callable(check_charge):  # an amount the processor would refuse (Stripe's minimum) is refused here
            check_charge(store, charge + tip_minor)
        payment = insert_payment(store, order, kind, charge, register=register, tip_minor=tip_minor, tip_to=tip_to,
                                 details=details)
    return payment, suggestion


def _complete(store: "Store", tender: Tender, payment: Payment, suggestion: list[tuple[int, int]]) -> PaymentResult:
    try:
        outcome = tender.authorize(store, payment)
    except ProcessorUnavailable as exc:
        if getattr(exc, "outcome_unknown", False):
            raise  # the processor may hold money it could not release: kept requested, for 'pos payments recover'
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
                             details=dict(outcome.details), **as_tapped(payment, outcome))
        try:
            outcome = tender.capture(store, payment)
        except ProcessorUnavailable as exc:
            # The authorization stands; 'pos payments recover' captures or releases it later.
            raise ProcessorUnavailable(f"{exc.message} The payment is kept as authorized; run 'pos payments recover'.") from exc
        if not outcome.approved:
            declined = transition(store, payment, PaymentState.VOIDED, decline_reason=outcome.reason, note=outcome.message)
            return PaymentResult(declined, outcome, False, due_minor(store, payment.order_id), [])
    captured = record_capture(store, tender, payment, outcome)
    order = resolve(store, captured.order_id)
    return PaymentResult(
        captured, outcome, order.status is OrderStatus.PAID, due_minor(store, captured.order_id), suggestion
    )


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
    details: dict[str, Any] | None = None,
) -> Payment:
    """Write a payment row (committed before any outside call)."""
    import json

    payment_id = new_id("pay")
    now = iso(utc_now())
    with store.write() as conn:
        conn.execute(
            "INSERT INTO payments(id, order_id, tender, state, amount_minor, tip_minor, tip_to, tendered_minor, "
            "change_minor, rounding_minor, currency, register, driver_id, idempotency_key, created_at, updated_at, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (payment_id, order.id, kind.value, state.value, amount_minor, tip_minor, tip_to, tendered_minor,
             change_minor, rounding_minor, store.settings.currency, register, driver_id, payment_id, now, now,
             json.dumps(details or {}, sort_keys=True)),
        )
        conn.execute(
            "INSERT INTO payment_events(payment_id, from_state, to_state, at) VALUES (?, NULL, ?, ?)",
            (payment_id, state.value, now),
        )
    return get_payment(store, payment_id)


def as_tapped(payment: Payment, outcome: Outcome) -> dict[str, Any]:
    """The tender recorded is the one the reader reports, whatever the cashier chose (card or wallet).

    The reader says what was tapped (``card_present``, with ``wallet.type``
    where a phone wallet was used: the outcome's ``wallet``): a card
    payment it says was a wallet is recorded as one, and a wallet payment it
    says was a plastic card (its brand and last four, no wallet) as a card.
    Both go through the same processor, into the same account.
    """
    details = outcome.details or {}
    if payment.tender is TenderKind.CARD and details.get("wallet"):
        return {"tender": TenderKind.WALLET}
    if payment.tender is TenderKind.WALLET and details.get("last4") and not details.get("wallet"):
        return {"tender": TenderKind.CARD}
    return {}


def tip_account(payment: Payment) -> str | None:
    """The ledger account of a payment's tip (its recipient was checked when it was requested)."""
    if not payment.tip_minor:
        return None
    return accounts.TIP_POOL if payment.tip_to in (None, "pool") else accounts.tips_owed(payment.tip_to)


def record_capture(store: "Store", tender: Tender, payment: Payment, outcome: Outcome | None = None) -> Payment:
    """Mark captured, post the payment's journal entry, and settle the order: one transaction."""
    order = resolve(store, payment.order_id)
    with store.write():
        fields: dict[str, Any] = {"processor_ref": outcome.processor_ref} if outcome and outcome.processor_ref else {}
        if outcome is not None:
            fields.update(as_tapped(payment, outcome))
        if outcome is not None and outcome.details:
            fields["details"] = outcome.details
        if outcome is not None and outcome.tip_minor:
            # A tip the customer chose on the reader; the reader offered one only after
            # its recipient (the named person, or the pool) passed the tip rules.
            fields["tip_minor"] = payment.tip_minor + outcome.tip_minor
            fields["tip_to"] = payment.tip_to or "pool"
        captured = transition(store, payment, PaymentState.CAPTURED, **fields)
        if captured.tip_minor and captured.details.get("tip_own_service"):
            _audit_own_service_tip(store, captured, order.label)
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
        details = (outcome.details or {}) if outcome is not None else {}
        fee = int(details.get("fee_booked_minor", details.get("fee_minor", 0)))  # in the currency charged
        if fee:
            ledger.post(
                store, f"payment:{captured.id}:fee", f"Processor fee on {order.label}", ledger.SourceKind.PAYMENT,
                captured.order_id,
                posting_rules.transfer(accounts.CARD_FEES, tender.account(store, captured), fee, captured.currency),
                business_day=money_day(store, order),
            )
            recipient = tip_account(captured)
            if recipient is not None:  # the tip's share of the fee, where the tip policy deducts it
                from payments.stripe import tip_fees

                tip_fees.deduct_on_capture(store, captured, recipient, fee, money_day(store, order), order.label)
        settle_order(store, order.id)
    return get_payment(store, payment.id)


def _audit_own_service_tip(store: "Store", payment: Payment, label: str) -> None:
    """A manager's or owner's tip for service they alone gave, in the audit trail (in the capture's transaction)."""
    from pos.store import audit
    from pos.people.staff import get_staff

    who = get_staff(store, str(payment.tip_to))
    audit.record(store, audit.Event.OWN_SERVICE_TIP, {
        "who": who.name, "role": who.role.value, "order": label, "payment": payment.id, "amount_minor": payment.tip_minor,
        "why": "service they alone provided: rang and took payment themselves (FLSA 3(m)(2)(B); DOL FLSA2024-02, "
               "FLSA2025-1)"}, staff_id=who.id)


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


def void_payment(store: "Store", tender: Tender, payment: Payment, note: str) -> Payment:
    """Release a requested or authorized payment with its tender (a failed delivery, a cancelled card)."""
    if payment.state not in UNFINISHED:
        return transition(store, payment, PaymentState.VOIDED, note=note)  # refused with a clear message
    outcome = tender.void(store, payment)
    if not outcome.approved:
        raise Conflict(f"The processor refused to release payment {payment.id}: {outcome.message}")
    return transition(store, payment, PaymentState.VOIDED, note=note)
