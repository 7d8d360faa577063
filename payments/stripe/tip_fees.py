"""Card-fee deductions from card tips, where the store's tip policy says so: the processor's own rate, never more.

An employer may reduce a card tip by the processor's fee on it, no more than the processor's actual
rate (DOL Fact Sheet #15; 29 CFR 531.53), and never in California (Labor Code section 351).  When
the policy in force on the payment's business day deducts card fees (:mod:`pos.tips.tip_policy`), the
capture of a card payment with a tip and a recorded processor fee posts, in the same transaction,
``payment:<id>:tip-fee``: the tip's recipient (a person, or the pool, which then shares less) bears
the fee's own rate on the tip, rounded half up to the cent
(:func:`pos.tips.tip_policy.fee_deduction_limit_minor`, checked again by
:func:`pos.tips.tip_policy.check_fee_deduction`), moved from their tips account back to
``expenses:card-fees`` (the business paid the whole fee; the tip's share of it comes back).

A refund that gives the tip back gives the deduction back too (:func:`give_back_postings`, in the
refund's own entry): the person never bears a fee on a tip they did not keep.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pos.books import accounts, ledger
from pos.sales.posting_rules import transfer
from pos.tips.tip_policy import TIP_FEE_KEY_SUFFIX, card_fee_share

if TYPE_CHECKING:  # pragma: no cover
    from payments.base import Payment
    from pos.store.store import Store


def key_of(payment_id: str) -> str:
    return f"payment:{payment_id}{TIP_FEE_KEY_SUFFIX}"


def deduct_on_capture(store: "Store", payment: "Payment", tip_account: str, fee_minor: int, day: date | None,
                      label: str) -> int:
    """Post the tip's share of the processor's fee, if the policy of ``day`` deducts card fees; returns it."""
    from pos.store.days import current_day
    from pos.tips.tip_policy import check_fee_deduction, fee_deduction_limit_minor, policy_on

    policy = policy_on(store, day or current_day(store))
    charged = payment.amount_minor + payment.tip_minor
    amount = fee_deduction_limit_minor(policy, payment.tip_minor, fee_minor, charged)
    if not amount:
        return 0
    check_fee_deduction(policy, amount, payment.tip_minor, fee_minor, charged)
    ledger.post(store, key_of(payment.id), f"Card fee's share of the tip on {label}", ledger.SourceKind.PAYMENT,
                payment.order_id, transfer(tip_account, accounts.CARD_FEES, amount, payment.currency),
                business_day=day)
    return amount


def deducted_minor(store: "Store", payment_id: str) -> int:
    """What a payment's tip lost to the card fee (0 when nothing was deducted)."""
    entry = ledger.find_by_key(store, key_of(payment_id))
    return 0 if entry is None else sum(p.amount_minor for p in entry.postings if p.amount_minor > 0)


def give_back_postings(store: "Store", payment: "Payment", tip_account: str) -> list[ledger.Posting]:
    """For a refund giving a payment's whole tip back: the deduction returned to the tip's account."""
    amount = deducted_minor(store, payment.id)
    return transfer(accounts.CARD_FEES, tip_account, amount, payment.currency) if amount else []


def deducted_since_last_payout(store: "Store", staff_key: str, payout_entry_id: int) -> int:
    """The card fees taken from a person's card tips since their payout before ``payout_entry_id`` (from the
    start when it is their first), less fees given back with refunded tips: what a payout says it is net of.
    Read by business day through the journal's indexes (their payouts by source, then the days since)."""
    account = accounts.tips_owed(staff_key)
    before = store.one("SELECT id, business_day FROM journal_entries WHERE source_id = ? AND key LIKE "
                       "'tips:payout:%' AND id < ? ORDER BY id DESC LIMIT 1", (f"staff:{staff_key}", payout_entry_id))
    since_id, since_day = (int(before[0]), str(before[1])) if before is not None else (0, "0000-00-00")
    upto = store.scalar("SELECT business_day FROM journal_entries WHERE id = ?", (payout_entry_id,))
    total = 0
    for key, kind, text in store.tuples(
        "SELECT key, source_kind, postings FROM journal_entries WHERE business_day BETWEEN ? AND ? AND source_kind IN "
        "('payment', 'refund') AND postings LIKE ? AND id > ? AND id < ?",
        (since_day, upto, f"%{account} %", since_id, payout_entry_id),
    ):
        for posting in ledger.parse_postings(text):
            if posting.account != account:
                continue
            if card_fee_share(key, kind, posting.amount_minor):
                total += posting.amount_minor
    return total
