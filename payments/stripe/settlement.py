"""What the card processor says it settled for a business day, for the day close to match.

A training store's processor reports what it charged (its own fee rule),
so the close runs the same way with no network.  Stripe reports balance
transactions created during the day, each as a line of its kind
(:class:`pos.day.card_settlement.SettlementKind`, from the ``reporting_category``: every
category Stripe documents is in :class:`ReportingCategory`, and one it adds
later is ``unknown``, shown on the close, never dropped): a charge is named
by its own id (what a capture recorded), anything else by its source (the
refund's or dispute's id), a payout is listed, not matched.

A charge recorded before its balance transaction existed (an asynchronous
capture) has it filled in first (:mod:`payments.stripe.late_fees`), so the close
pairs it and its fee is booked.

Each line is dated by the moment Stripe created it (``created``, put in a
business day by the store's rollover).  The day before and the day after are
read as well: a link paid before the rollover but booked after it (its order
carried over) is the same payment on both sides, found whichever day it is
booked on (:func:`pos.day.card_settlement.match_settlement`).

A balance transaction is in the account's settlement currency: its ``currency``
and ``exchange_rate`` go with the line, for the match to convert.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from pos.day.card_settlement import SettlementKind, SettlementLine
from payments.card import stripe_gateway
from payments.stripe.late_fees import recover_fees
from payments.training import fee_minor

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def settlement_for(store: "Store", day: date) -> list[SettlementLine]:
    """The processor's lines for ``day`` (see the module docstring)."""
    if store.settings.training:
        return _as_charged(store, day)
    source = store.memo.get("stripe_settings")
    if (source() if callable(source) else None) is None:
        if not _as_charged(store, day):
            return []  # no card payments, and no processor to ask: nothing to match
        from pos.base.errors import NotAllowed

        raise NotAllowed("Matching the day's card payments needs Stripe: set STRIPE_API_KEY on this register, "
                         "then close the day again.")
    from datetime import datetime, timedelta, timezone

    from pos.store.clock import business_day, day_bounds

    start, _ = day_bounds(day - timedelta(days=1), store.settings)
    _, end = day_bounds(day + timedelta(days=1), store.settings)

    recover_fees(store)  # a charge recorded before its balance transaction existed: filled in, to be paired
    gateway = stripe_gateway(store)
    lines = []
    for txn in gateway.balance_transactions(int(start.timestamp()), int(end.timestamp())):
        kind, category = _kind(txn)
        ref = str(txn["id"]) if kind == SettlementKind.CHARGE else str(txn.get("source") or txn["id"])
        created = datetime.fromtimestamp(int(txn["created"]), timezone.utc)
        rate = txn.get("exchange_rate")
        currency = str(txn.get("currency") or "").upper() or None
        lines.append(SettlementLine(ref, int(txn["amount"]), int(txn["fee"]), kind,
                                    business_day(created, store.settings), currency,
                                    repr(rate) if isinstance(rate, float) else (str(rate) if rate else None),
                                    category))
    return lines


class ReportingCategory(StrEnum):
    """Every ``reporting_category`` Stripe documents for a balance transaction (its reporting-categories
    reference, as the SDK's report-run parameters list them), each classified for the close by :data:`KIND_OF`."""

    ADVANCE = "advance"
    ADVANCE_FUNDING = "advance_funding"
    ANTICIPATION_REPAYMENT = "anticipation_repayment"
    CHARGE = "charge"
    CHARGE_FAILURE = "charge_failure"
    CLIMATE_ORDER_PURCHASE = "climate_order_purchase"
    CLIMATE_ORDER_REFUND = "climate_order_refund"
    CONNECT_COLLECTION_TRANSFER = "connect_collection_transfer"
    CONNECT_RESERVED_FUNDS = "connect_reserved_funds"
    CONTRIBUTION = "contribution"
    DISPUTE = "dispute"
    DISPUTE_REVERSAL = "dispute_reversal"
    FEE = "fee"
    FINANCING_PAYDOWN = "financing_paydown"
    FINANCING_PAYDOWN_REVERSAL = "financing_paydown_reversal"
    FINANCING_PAYOUT = "financing_payout"
    FINANCING_PAYOUT_REVERSAL = "financing_payout_reversal"
    ISSUING_AUTHORIZATION_HOLD = "issuing_authorization_hold"
    ISSUING_AUTHORIZATION_RELEASE = "issuing_authorization_release"
    ISSUING_DISPUTE = "issuing_dispute"
    ISSUING_TRANSACTION = "issuing_transaction"
    NETWORK_COST = "network_cost"
    OTHER_ADJUSTMENT = "other_adjustment"
    PARTIAL_CAPTURE_REVERSAL = "partial_capture_reversal"
    PAYOUT = "payout"
    PAYOUT_REVERSAL = "payout_reversal"
    PLATFORM_EARNING = "platform_earning"
    PLATFORM_EARNING_REFUND = "platform_earning_refund"
    REFUND = "refund"
    REFUND_FAILURE = "refund_failure"
    RISK_RESERVED_FUNDS = "risk_reserved_funds"
    TAX = "tax"
    TOPUP = "topup"
    TOPUP_REVERSAL = "topup_reversal"
    TRANSFER = "transfer"
    TRANSFER_REVERSAL = "transfer_reversal"
    UNRECONCILED_CUSTOMER_FUNDS = "unreconciled_customer_funds"


#: What each category is to the close.  A charge that failed after it was counted (a bank debit returned) and
#: the uncaptured part of a charge reversed are money of a sale the books do not have as such: shown, as is
#: every movement of the account no sale made (OTHER).
KIND_OF: dict[ReportingCategory, SettlementKind] = {
    **{category: SettlementKind.OTHER for category in ReportingCategory},
    ReportingCategory.CHARGE: SettlementKind.CHARGE,
    ReportingCategory.REFUND: SettlementKind.REFUND,
    ReportingCategory.REFUND_FAILURE: SettlementKind.REFUND_FAILURE,
    ReportingCategory.DISPUTE: SettlementKind.DISPUTE,
    ReportingCategory.DISPUTE_REVERSAL: SettlementKind.DISPUTE,
    ReportingCategory.PAYOUT: SettlementKind.PAYOUT,
    ReportingCategory.PAYOUT_REVERSAL: SettlementKind.PAYOUT,
}

#: A transaction with no ``reporting_category`` (older API versions), by its ``type``.
_KIND_OF_TYPE = {"charge": SettlementKind.CHARGE, "payment": SettlementKind.CHARGE,
                 "refund": SettlementKind.REFUND, "payment_refund": SettlementKind.REFUND,
                 "refund_failure": SettlementKind.REFUND_FAILURE, "payment_failure_refund": SettlementKind.REFUND_FAILURE,
                 "payout": SettlementKind.PAYOUT, "payout_cancel": SettlementKind.PAYOUT}


def _kind(txn: dict[str, object]) -> tuple[SettlementKind, str]:
    """What a balance transaction is to the close, and the processor's own name for it (its
    ``reporting_category``, else its ``type``): never None, so nothing is dropped."""
    category = str(txn.get("reporting_category") or "")
    if category:
        try:
            return KIND_OF[ReportingCategory(category)], category
        except ValueError:
            return SettlementKind.UNKNOWN, category  # a category Stripe added since: shown, not dropped
    kind = str(txn.get("type") or "")
    return _KIND_OF_TYPE.get(kind, SettlementKind.UNKNOWN), kind or "no category"


def _as_charged(store: "Store", day: date) -> list[SettlementLine]:
    """The day's captured card payments and card refunds as recorded (found from the day's capture and refund
    entries, by day), with the training processor's fee rule: what a
    training store's processor reports, and (for any store) whether the day had card payments at all."""
    rows = store.tuples(
        "SELECT p.processor_ref, p.amount_minor + p.tip_minor FROM journal_entries j "
        "CROSS JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) WHERE j.business_day = ? "
        "AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout')", (day.isoformat(),))
    lines = [SettlementLine(ref, amount, fee_minor(amount)) for ref, amount in rows]
    refunds = store.tuples(
        "SELECT r.processor_ref, r.amount_minor + r.tip_minor FROM journal_entries j "
        "CROSS JOIN refunds r ON r.id = substr(j.key, 8) JOIN payments p ON p.id = r.payment_id "
        "WHERE j.business_day = ? AND j.source_kind = 'refund' AND j.key LIKE 'refund:%' "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout') AND r.processor_ref IS NOT NULL",
        (day.isoformat(),))
    return lines + [SettlementLine(ref, -amount, 0, "refund") for ref, amount in refunds]
