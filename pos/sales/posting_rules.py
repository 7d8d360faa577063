"""The posting rules: which accounts each business event moves, in one place.

Each rule is a pure function from the event's figures to the postings of one
journal entry (amounts in minor units; debits positive, credits negative).
Callers post them with :func:`pos.books.ledger.post` in the same transaction as the
business change.  Accounts are described in :mod:`pos.books.accounts`.

=====================  =========================================  ==========================================
event                  debit (+)                                  credit (-)
=====================  =========================================  ==========================================
sale (order paid)      assets:receivable:orders   total           income:sales     subtotal - included tax
                       income:discounts           discounts       liabilities:tax:<cat>   tax per category
payment captured       <tender account>           amount + tip    assets:receivable:orders   amount applied
                                                                  liabilities:tips:<staff|pool>   tip
cash change given      (inside the payment entry)                 assets:cash:drawer:<n>   change
cash rounding          income:cash-rounding / receivable          (the rounded difference, either side)
refund                 income:sales, liabilities:tax:<cat>        <tender account>   amount
                       (in proportion to the sale's postings)     income:discounts (its share)
refund by item         income:sales, liabilities:tax:<cat>        <tender account>   amount
                       (the returned lines' own shares)           income:discounts (theirs)
driver collects COD    assets:cash:driver:<staff> amount+tip      receivable / liabilities:tips:<driver>
driver hands in        assets:cash:drawer:<n>     amount          assets:cash:driver:<staff>
driver shortfall       assets:receivable:staff:<staff>            assets:cash:driver:<staff>
drawer float           assets:cash:drawer:<n>     the float       assets:cash:float:<n>  what it kept overnight
                       (assets:cash:safe  kept above the float)   assets:cash:safe   the rest, while it has it
                                                                  equity:owner   what the safe lacks (the
                                                                  store's first float): pos.cash.floats
paid-in                assets:cash:drawer:<n>                     equity:owner
paid-out               expenses:paid-out                          assets:cash:drawer:<n>
drop to safe           assets:cash:safe                           assets:cash:drawer:<n>
drawer closed (count)  assets:cash:safe   counted, but the float  assets:cash:drawer:<n>   the counted cash
                       assets:cash:float:<n>  the float, kept
                       (cash.float_stays)
drawer count           assets:cash:drawer:<n> (over)              expenses:cash-over-short (over)
                       expenses:cash-over-short (short)           assets:cash:drawer:<n> (short)
processor fee          expenses:card-fees                         assets:clearing:<processor>
tip refunded           liabilities:tips:<staff|pool> (what is     <tender account>   tip
                       still owed), receivable:staff:<staff>
                       (what was paid out already: owed back)
tip pool distributed   liabilities:tips:pool                      liabilities:tips:<staff> per share
tip payout, drawer     liabilities:tips:<staff>                   assets:cash:drawer:<n>
tip payout, payroll    liabilities:tips:<staff>                   liabilities:payroll:tips
=====================  =========================================  ==========================================

A voided order never had a sale entry (a sale is booked when the order is
paid), so a void posts nothing; a discount is part of the sale entry, as a
debit to the contra-revenue account ``income:discounts``, so sales show
what was asked and discounts show what was given away.  Tips are always a
liability to the people who earned them, never income of the business.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Iterable, Sequence

from pos.books import accounts
from pos.books.ledger import Posting
from pos.base.shares import allocate, round_half_up

if TYPE_CHECKING:  # pragma: no cover
    from pos.sales.returns import ReturnedLine
    from pos.sales.totals import Totals


def _nonzero(postings: list[Posting]) -> list[Posting]:
    return [p for p in postings if p.amount_minor != 0]


def sale(totals: "Totals", currency: str) -> list[Posting]:
    """Book a paid order's revenue, discounts and tax against what customers owe."""
    included_tax = totals.tax_minor if totals.tax_included else 0
    postings = [
        Posting(accounts.RECEIVABLE_ORDERS, totals.total_minor, currency),
        Posting(accounts.DISCOUNTS, totals.discount_minor, currency),
        Posting(accounts.SALES, -(totals.subtotal_minor - included_tax), currency),
    ]
    postings += [Posting(accounts.tax(cat), -amount, currency) for cat, amount in totals.tax_by_category.items()]
    result = _nonzero(postings)
    # An order discounted to nothing still books its (offsetting) sale and discount.
    return result if len(result) >= 2 else postings[:3]


def payment(
    tender_account: str,
    applied_minor: int,
    currency: str,
    *,
    tendered_minor: int | None = None,
    tip_minor: int = 0,
    tip_account: str | None = None,
    change_account: str | None = None,
    rounding_minor: int = 0,
) -> list[Posting]:
    """A captured payment: the tender receives the money, the order's debt goes down.

    For cash, ``tendered_minor`` is what the customer handed over; the change
    (tendered - applied - tip - rounding) leaves ``change_account`` (the
    drawer) in the same entry, so the drawer's history shows both the $100
    bill and the $81.60 given back.  ``rounding_minor`` is the cash rounding
    (rounded due minus exact due), credited to ``income:cash-rounding``.
    """
    received = applied_minor + tip_minor + rounding_minor if tendered_minor is None else tendered_minor
    change = received - applied_minor - tip_minor - rounding_minor
    if change < 0:
        raise ValueError("tendered less than applied + tip")
    postings = [Posting(tender_account, received, currency), Posting(accounts.RECEIVABLE_ORDERS, -applied_minor, currency)]
    if tip_minor:
        if tip_account is None:
            raise ValueError("a tip needs its recipient's account")
        postings.append(Posting(tip_account, -tip_minor, currency))
    if rounding_minor:
        postings.append(Posting("income:cash-rounding", -rounding_minor, currency))
    if change:
        postings.append(Posting(change_account or tender_account, -change, currency))
    return postings


def refund(
    amount_minor: int, tender_account: str, sale_postings: Sequence[Posting], already_refunded_minor: int = 0
) -> list[Posting]:
    """Undo ``amount_minor`` of a sale: revenue, tax and discount in proportion; money leaves the tender.

    With credits ``g`` (sales and tax) and discount debits ``d`` on the sale,
    the sale's total is ``g - d``.  Refunding a cumulative ``A`` reverses
    ``C = round(A x g / (g - d))`` of the credits and ``C - A`` of the
    discounts, each split by largest remainder.  A refund is the difference
    between the reversal after it and the reversal before it
    (``already_refunded_minor``), so any number of partial refunds add up
    to exactly the full reversal: no cent is created or lost.
    """
    parts = [p for p in sale_postings if p.account != accounts.RECEIVABLE_ORDERS]
    currency = sale_postings[0].currency
    total = sum(-p.amount_minor for p in parts)
    if not 0 < amount_minor <= total - already_refunded_minor:
        raise ValueError(f"refund of {amount_minor} outside 1..{total - already_refunded_minor}")
    before = _reversal(parts, already_refunded_minor)
    after = _reversal(parts, already_refunded_minor + amount_minor)
    postings = [Posting(p.account, a - b, currency) for p, a, b in zip(parts, after, before)]
    postings.append(Posting(tender_account, -amount_minor, currency))
    return _nonzero(postings)


def returned(items: "Sequence[ReturnedLine]", currency: str) -> list[Posting]:
    """The part of a sale that returned lines carry, shaped like a sale entry (for :func:`refund`).

    A refund by item posts ``refund(part, tender, returned(items), earlier)`` for each tender
    the money goes back to: the returned lines' own revenue, discounts and tax per category
    (not the order's in proportion), split over the tenders so the parts sum to them exactly.
    """
    tax: dict[str, int] = {}
    for item in items:
        tax[item.tax_category] = tax.get(item.tax_category, 0) + item.tax_minor
    postings = [
        Posting(accounts.RECEIVABLE_ORDERS, sum(item.amount_minor for item in items), currency),
        Posting(accounts.DISCOUNTS, sum(item.discount_minor for item in items), currency),
        Posting(accounts.SALES, -sum(item.sales_minor for item in items), currency),
    ]
    postings += [Posting(accounts.tax(cat), -amount, currency) for cat, amount in sorted(tax.items())]
    return _nonzero(postings)


def unreturned(sale_postings: Sequence[Posting], refund_postings: Iterable[Posting]) -> list[Posting]:
    """What of a sale earlier refunds have not reversed yet, shaped like a sale entry (for :func:`refund`).

    An amount refund on an order that had lines returned is in proportion to what is left of the
    sale, not to the whole sale (whose returned lines' tax is already given back); the last
    refund then reverses exactly what is left, account by account.
    """
    left = {p.account: p.amount_minor for p in sale_postings if p.account != accounts.RECEIVABLE_ORDERS}
    for p in refund_postings:
        if p.account in left:
            left[p.account] += p.amount_minor
    currency = sale_postings[0].currency
    value = -sum(left.values())
    return [Posting(accounts.RECEIVABLE_ORDERS, value, currency),
            *(Posting(account, amount, currency) for account, amount in left.items() if amount)]


def _reversal(parts: Sequence[Posting], refunded_minor: int) -> list[int]:
    """How much of each sale posting a cumulative refund of ``refunded_minor`` reverses."""
    credits = [i for i, p in enumerate(parts) if p.amount_minor < 0]
    debits = [i for i, p in enumerate(parts) if p.amount_minor > 0]
    gross = sum(-parts[i].amount_minor for i in credits)
    given = sum(parts[i].amount_minor for i in debits)
    out = [0] * len(parts)
    if refunded_minor == 0:
        return out
    reversed_credits = round_half_up(Decimal(refunded_minor) * gross / (gross - given))
    for i, share in zip(credits, allocate(reversed_credits, [-parts[i].amount_minor for i in credits])):
        out[i] = share
    if debits:
        for i, share in zip(debits, allocate(reversed_credits - refunded_minor, [parts[i].amount_minor for i in debits])):
            out[i] = -share
    return out


def transfer(debit_account: str, credit_account: str, amount_minor: int, currency: str) -> list[Posting]:
    """Money moving from one account to another (hand-in, drop, paid-in/out, fee, payout)."""
    return [Posting(debit_account, amount_minor, currency), Posting(credit_account, -amount_minor, currency)]


def drawer_count(drawer_account: str, expected_minor: int, counted_minor: int, currency: str) -> list[Posting]:
    """Post a counted drawer's difference from expected to cash over/short (empty when exact)."""
    over = counted_minor - expected_minor
    if over == 0:
        return []
    return transfer(drawer_account, accounts.CASH_OVER_SHORT, over, currency)


def tip_refund(tip_account: str, source_account: str, tip_minor: int, still_owed_minor: int,
               currency: str) -> list[Posting]:
    """Give a tip back with its refunded payment: taken from what its recipient is still owed; the part
    already paid out becomes what they owe the store (never a tip left standing on a refunded sale)."""
    from_owed = tip_minor if tip_account == accounts.TIP_POOL else min(tip_minor, max(0, still_owed_minor))
    owed_back = tip_minor - from_owed
    postings = [Posting(tip_account, from_owed, currency), Posting(source_account, -tip_minor, currency)]
    if owed_back:
        postings.append(Posting(accounts.staff_receivable(tip_account.rsplit(":", 1)[1]), owed_back, currency))
    return _nonzero(postings)


def pool_distribution(shares: dict[str, int], currency: str) -> list[Posting]:
    """Move the tip pool to each person's tips account (``shares``: staff key -> amount)."""
    total = sum(shares.values())
    postings = [Posting(accounts.TIP_POOL, total, currency)]
    postings += [Posting(accounts.tips_owed(key), -amount, currency) for key, amount in sorted(shares.items()) if amount]
    return postings
