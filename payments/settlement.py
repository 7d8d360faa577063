"""What the card processor says it settled for a business day, for the day close to match.

A training store's processor reports what it charged (its own fee rule),
so the close runs the same way with no network.  Stripe reports balance
transactions created during the day, each as a line of its kind
(:data:`pos.close.KINDS`, from the ``reporting_category``): a charge is named
by its own id (what a capture recorded), a refund or dispute by its source
(the refund's or dispute's id), a payout is listed, not matched.

Each line is dated by the moment Stripe created it (``created``, put in a
business day by the store's rollover).  The day before and the day after are
read as well: a link paid before the rollover but booked after it (its order
carried over) is the same payment on both sides, found whichever day it is
booked on (:func:`pos.close.match_settlement`).

A balance transaction is in the account's settlement currency: its ``currency``
and ``exchange_rate`` go with the line, for the match to convert.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pos.close import SettlementLine

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store


def settlement_for(store: "Store", day: date) -> list[SettlementLine]:
    """The processor's lines for ``day`` (see the module docstring)."""
    if store.settings.training:
        return _as_charged(store, day)
    source = store.memo.get("stripe_settings")
    if (source() if callable(source) else None) is None:
        if not _as_charged(store, day):
            return []  # no card payments, and no processor to ask: nothing to match
        from pos.errors import NotAllowed

        raise NotAllowed("Matching the day's card payments needs Stripe: set STRIPE_API_KEY on this register, "
                         "then close the day again.")
    from datetime import datetime, timedelta, timezone

    from payments.card import stripe_gateway
    from pos.clock import business_day, day_bounds

    start, _ = day_bounds(day - timedelta(days=1), store.settings)
    _, end = day_bounds(day + timedelta(days=1), store.settings)
    from payments.late_fees import recover_fees

    recover_fees(store)  # a charge recorded before its balance transaction existed: filled in, to be paired
    gateway = stripe_gateway(store)
    lines = []
    for txn in gateway.balance_transactions(int(start.timestamp()), int(end.timestamp())):
        kind = _kind(txn)
        if kind is None:
            continue  # a top-up, a transfer, a Stripe fee of its own...: nothing a sale made
        ref = str(txn["id"]) if kind == "charge" else str(txn.get("source") or txn["id"])
        created = datetime.fromtimestamp(int(txn["created"]), timezone.utc)
        rate = txn.get("exchange_rate")
        currency = str(txn.get("currency") or "").upper() or None
        lines.append(SettlementLine(ref, int(txn["amount"]), int(txn["fee"]), kind,
                                    business_day(created, store.settings), currency,
                                    repr(rate) if isinstance(rate, float) else (str(rate) if rate else None)))
    return lines


def _kind(txn: dict[str, object]) -> str | None:
    """Which of our kinds a balance transaction is (its ``reporting_category``, else its ``type``)."""
    category = str(txn.get("reporting_category") or "")
    kind = str(txn.get("type") or "")
    if category == "charge" or (not category and kind in ("charge", "payment")):
        return "charge"
    if category == "refund" or (not category and kind in ("refund", "payment_refund")):
        return "refund"
    if category in ("dispute", "dispute_reversal"):
        return "dispute"
    if category in ("payout", "payout_reversal") or (not category and kind in ("payout", "payout_cancel")):
        return "payout"
    return None


def _as_charged(store: "Store", day: date) -> list[SettlementLine]:
    """The day's captured card payments and card refunds as recorded (found from the day's capture and refund
    entries, by day), with the training processor's fee rule: what a
    training store's processor reports, and (for any store) whether the day had card payments at all."""
    from payments.training import fee_minor

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
