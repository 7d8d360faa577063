"""Fees that arrive later: a Stripe charge captured before its balance transaction existed, filled in once.

Checkout (payment links) captures asynchronously: right after the customer
pays, the charge can have succeeded with ``balance_transaction`` still null,
and Stripe sends ``charge.updated`` when it arrives.  A payment recorded at
that moment has no fee, no net and no balance transaction: its fee would
never reach ``expenses:card-fees`` and the close could not pair the charge.

:func:`fill_in` asks Stripe for the charge's balance transaction and, once
there is one, saves it on the payment (fee, net, available date, as a capture
does: :func:`payments.stripe.card.settlement_details`) and posts the fee
(``payment:<id>:fee``, with the tip's share where the tip policy deducts it),
the check and both writes in one transaction, so that the webhook, ``pos
payments recover`` and the close (each of which calls it) book it once
whichever comes first, or at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from payments.base import Payment, PaymentState, TenderKind, get_payment
from pos.store.store import iso, utc_now
from payments.card import stripe_gateway
from payments.stripe.card import plain, settlement_details
from payments.flow import Recovery, tip_account
from payments.stripe import tip_fees
from payments import registry

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

#: Captured states whose fee may still be missing.
_CAPTURED = (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)
#: Tenders Stripe takes (a training store's have no intent, and are never asked about).
_STRIPE_TENDERS = (TenderKind.CARD, TenderKind.WALLET, TenderKind.LINK, TenderKind.SELF_CHECKOUT)
#: How long after a payment its balance transaction is still looked for (Stripe makes it within hours).
LOOK_FOR_DAYS = 30


def intent_of(payment: Payment) -> str | None:
    """The PaymentIntent a Stripe payment was taken by (None: not one taken through Stripe)."""
    intent = payment.details.get("payment_intent")
    if intent:
        return str(intent)
    ref = payment.processor_ref or ""
    return ref if ref.startswith("pi_") else None


def needs_filling(payment: Payment) -> bool:
    """A captured Stripe payment recorded without its balance transaction."""
    return (payment.state in _CAPTURED and payment.tender in _STRIPE_TENDERS and intent_of(payment) is not None
            and not payment.details.get("balance_transaction"))


def fill_in(store: "Store", payment: Payment) -> str:
    """Fill in a payment's missing balance transaction and book its fee once; what was done, in words.

    Raises :class:`pos.base.errors.ProcessorUnavailable` when Stripe cannot be asked (nothing is written)."""
    return book(store, payment.id, look(store, payment))


def look(store: "Store", payment: Payment) -> dict[str, Any] | None:
    """The balance transaction Stripe now has for a payment recorded without one (nothing is written); None when
    there is nothing to fill in, or Stripe has not made it yet."""
    if not needs_filling(payment):
        return None

    intent = plain(stripe_gateway(store).retrieve_intent(str(intent_of(payment)), settlement=True))
    return settlement_details(intent) or None


def book(store: "Store", payment_id: str, found: dict[str, Any] | None) -> str:
    """What :func:`look` found, booked: the check and the writes in one write (nested in the caller's, if any)."""
    if found is None:
        if not needs_filling(get_payment(store, payment_id)):
            return "nothing to do (its fee is booked)"
        return "nothing to do yet (Stripe has not made its balance transaction)"
    return _book(store, payment_id, found)


def _book(store: "Store", payment_id: str, found: dict[str, Any]) -> str:
    """Save the balance transaction on the payment and post its fee: the check and the writes in one write."""
    import json

    from pos.books import accounts, ledger
    from pos.sales import posting_rules
    from pos.store.days import money_day
    from pos.base.money_format import store_money
    from pos.sales.orders import resolve

    with store.write() as conn:
        payment = get_payment(store, payment_id)  # again, under the lock: another process may have filled it
        if not needs_filling(payment):
            return "nothing to do (its fee is booked)"
        details = {**payment.details, **found}
        conn.execute("UPDATE payments SET details = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(details, sort_keys=True), iso(utc_now()), payment.id))
        fee = int(found.get("fee_booked_minor", found.get("fee_minor", 0)))  # in the currency charged
        if not fee:
            return "balance transaction filled in (no fee)"
        order = resolve(store, payment.order_id)
        day = money_day(store, order)
        account = registry.tender_for(payment.tender).account(store, payment)
        ledger.post(store, f"payment:{payment.id}:fee", f"Processor fee on {order.label} (arrived later)",
                    ledger.SourceKind.PAYMENT, payment.order_id,
                    posting_rules.transfer(accounts.CARD_FEES, account, fee, payment.currency), business_day=day)
        recipient = tip_account(payment)
        if recipient is not None:  # the tip's share of the fee, where the tip policy deducts it

            tip_fees.deduct_on_capture(store, payment._replace(details=details), recipient, fee, day, order.label)
    return f"fee of {store_money(store, fee)} booked (its balance transaction arrived later)"


def waiting(store: "Store") -> list[Payment]:
    """Captured Stripe payments of the last :data:`LOOK_FOR_DAYS` days still without a balance transaction."""
    since = iso(utc_now() - timedelta(days=LOOK_FOR_DAYS))
    rows = store.all(
        "SELECT id FROM payments WHERE state IN (?, ?, ?) AND tender IN (?, ?, ?, ?) AND created_at >= ? "
        "AND json_extract(coalesce(details, '{}'), '$.balance_transaction') IS NULL "
        "AND (json_extract(coalesce(details, '{}'), '$.payment_intent') IS NOT NULL OR processor_ref LIKE 'pi\\_%' "
        "ESCAPE '\\') ORDER BY created_at",
        (*(s.value for s in _CAPTURED), *(t.value for t in _STRIPE_TENDERS), since))
    return [get_payment(store, row["id"]) for row in rows]


def recover_fees(store: "Store") -> "list[Recovery]":
    """``pos payments recover``'s part: every payment :func:`waiting` whose balance transaction has arrived gets
    it and its fee; one Stripe cannot be asked about is left for the next run, never stopping the others."""
    from pos.base.errors import AnytenderError
    from pos.sales.orders import resolve

    done: list[Recovery] = []
    for payment in waiting(store):
        try:
            action = fill_in(store, payment)
        except AnytenderError as exc:  # Stripe unavailable, or the fee refused: said, and the others go on
            action = f"fee left for later ({exc.message})"
        if not action.startswith("nothing to do"):
            done.append(Recovery(payment.id, resolve(store, payment.order_id).label, action))
    return done
