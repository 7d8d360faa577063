"""What the card processor says it settled for a business day, for the day close to match.

A training store's processor reports what it charged (its own fee rule),
so the close runs the same way with no network.  Stripe reports balance
transactions of type ``charge`` and ``payment`` created during the day.
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
    from payments.card import stripe_gateway
    from pos.clock import day_bounds

    start, end = day_bounds(day, store.settings)
    gateway = stripe_gateway(store)
    lines = []
    for txn in gateway.balance_transactions(int(start.timestamp()), int(end.timestamp())):
        lines.append(SettlementLine(txn["id"], int(txn["amount"]), int(txn["fee"])))
    return lines


def _as_charged(store: "Store", day: date) -> list[SettlementLine]:
    """The day's captured card payments as recorded (found from the day's capture entries, by day), with the training processor's fee rule: what a
    training store's processor reports, and (for any store) whether the day had card payments at all."""
    from payments.training import fee_minor

    rows = store.tuples(
        "SELECT p.processor_ref, p.amount_minor + p.tip_minor FROM journal_entries j "
        "CROSS JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) WHERE j.business_day = ? "
        "AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout')", (day.isoformat(),))
    return [SettlementLine(ref, amount, fee_minor(amount)) for ref, amount in rows]
