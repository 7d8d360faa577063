"""Matching the processor's settlement at the close: each charge, refund and fee against the books, disputes and
other balance movements shown, and the day's payouts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class SettlementKind(StrEnum):
    """What a settlement line is to the close: money a capture took (``charge``), a refund gave back
    (``refund``), a dispute took back (``dispute``), a payout Stripe sent to the bank (``payout``: listed, never
    matched); or, shown on the close as unmatched and never dropped: a failed refund's money coming back
    (``refund_failure``: the customer was not paid back), a movement of the account no sale made (``other``: a
    Stripe fee of its own, a top-up, a transfer...), and one of a kind the register does not know
    (``unknown``: a category the processor added since)."""

    CHARGE = "charge"
    REFUND = "refund"
    DISPUTE = "dispute"
    PAYOUT = "payout"
    REFUND_FAILURE = "refund_failure"
    OTHER = "other"
    UNKNOWN = "unknown"


KINDS = tuple(SettlementKind)
"""Every kind a settlement line can be (:class:`SettlementKind`)."""


#: The kinds matched payment by payment against our books.
_MATCHED = (SettlementKind.CHARGE, SettlementKind.REFUND, SettlementKind.DISPUTE)


class SettlementLine(NamedTuple):
    """One balance movement as the processor reports it: a charge named by its balance transaction, a refund or
    dispute by its source id; a refund's or dispute's amount is negative (money out).  ``day``: the business day
    the processor created it on (None: the day asked for).  ``currency``: the settlement currency its amount and
    fee are in (None: the store's), converted from the store's by ``exchange_rate`` (a decimal number as text:
    never a float)."""

    ref: str
    amount_minor: int
    fee_minor: int
    kind: str = "charge"
    day: date | None = None
    currency: str | None = None
    exchange_rate: str | None = None
    category: str | None = None
    """The processor's own name for the line (Stripe's ``reporting_category``), said on the close when unmatched."""


class CardCheck(NamedTuple):
    """A payment the two sides disagree on.  Amounts are in the store's currency (the processor's converted back
    from its settlement currency); fees are in ``fee_currency``, the settlement currency (None: the store's)."""

    ref: str
    order_label: str
    ours_minor: int | None
    theirs_minor: int | None
    our_fee_minor: int | None
    their_fee_minor: int | None
    problem: str
    fee_currency: str | None = None


def _presented(store: "Store", line: SettlementLine) -> tuple[int, int | None, str | None]:
    """A line's amount in the store's currency, how far a conversion may round (in the store's minor units), and
    the currency its fee is in (None: the store's)."""
    from decimal import ROUND_HALF_UP, Decimal

    from pos.base.money import exponent

    ours = store.settings.currency
    if not line.currency or line.currency == ours:
        return line.amount_minor, 0, None
    if not line.exchange_rate:
        return line.amount_minor, None, line.currency  # no rate: the two cannot be compared
    rate = Decimal(line.exchange_rate) * Decimal(10) ** (exponent(line.currency) - exponent(ours))
    back = int((line.amount_minor / rate).quantize(Decimal(1), ROUND_HALF_UP))
    # One settlement minor unit of rounding, seen in the store's minor units.
    slack = int((1 / rate).quantize(Decimal(1), ROUND_HALF_UP)) + 1 if rate < 1 else 1
    return back, slack, line.currency


def match_settlement(store: "Store", day: date, lines: Sequence[SettlementLine]) -> list[CardCheck]:
    """Captured card payments and card refunds of ``day`` against the processor's lines: only the ones that
    disagree, and every dispute (we have no record of one: the Stripe Dashboard has it).  Payouts are not
    matched (see :func:`payouts`).

    A payment is the same on both sides whichever day each dates it (``lines`` may hold the neighbouring days,
    each line with its ``day``): ours of ``day`` are compared with their line wherever it falls; a line of
    ``day`` is "not in our books" only if we booked it on no neighbouring day either."""
    ours: dict[str, tuple[str, int, int]] = {}
    for row in store.tuples(  # from the day's capture entries (by day, indexed): never every payment ever taken
        "SELECT p.processor_ref, p.details, p.amount_minor + p.tip_minor, o.number FROM journal_entries j "
        "CROSS JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) JOIN orders o ON o.id = p.order_id "
        "WHERE j.business_day = ? AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout')",
        (day.isoformat(),),
    ):
        details = json.loads(row[1] or "{}")
        ref = str(details.get("balance_transaction") or row[0])
        ours[ref] = (f"#{row[3]}", int(row[2]), int(details.get("fee_minor", 0)))
    for row in store.tuples(  # the day's card refunds, by the processor's refund id (a refund has no fee)
        "SELECT r.processor_ref, r.amount_minor + r.tip_minor, o.number FROM journal_entries j "
        "CROSS JOIN refunds r ON r.id = substr(j.key, 8) JOIN payments p ON p.id = r.payment_id "
        "JOIN orders o ON o.id = r.order_id WHERE j.business_day = ? AND j.source_kind = 'refund' "
        "AND j.key LIKE 'refund:%' AND p.tender IN ('card', 'wallet', 'link', 'self_checkout') "
        "AND r.processor_ref IS NOT NULL",
        (day.isoformat(),),
    ):
        ours[str(row[0])] = (f"#{row[2]} refund", -int(row[1]), 0)
    theirs = {line.ref: line for line in lines if line.kind in _MATCHED}
    elsewhere = _booked_refs(store, {day - timedelta(days=1), day + timedelta(days=1)}) \
        if any(ref not in ours for ref in theirs) else set()
    problems: list[CardCheck] = []
    for ref, (label, amount, fee) in sorted(ours.items()):
        line = theirs.get(ref)
        if line is None:
            problems.append(CardCheck(ref, label, amount, None, fee, None, "not in the processor's settlement"))
            continue
        presented, slack, fee_currency = _presented(store, line)
        if slack is None:
            problems.append(CardCheck(ref, label, amount, None, fee, line.fee_minor,
                                      f"in {fee_currency} with no exchange rate: compare it in the Stripe Dashboard",
                                      fee_currency))
        elif abs(presented - amount) > slack:
            problems.append(CardCheck(ref, label, amount, presented, fee, line.fee_minor, "amounts differ",
                                      fee_currency))
        elif line.fee_minor != fee:
            problems.append(CardCheck(ref, label, amount, presented, fee, line.fee_minor, "fees differ", fee_currency))
    for ref, line in sorted(theirs.items()):
        if ref not in ours and ref not in elsewhere and line.day in (None, day):
            problem = "a dispute: see the Stripe Dashboard" if line.kind == "dispute" else "not in our books"
            presented, slack, fee_currency = _presented(store, line)
            problems.append(CardCheck(ref, "?", None, presented if slack is not None else None, None, line.fee_minor,
                                      problem, fee_currency))
    reversed_ours = _reversed_refunds(store, {day})
    reversed_near = _reversed_refunds(store, {day - timedelta(days=1), day + timedelta(days=1)}) \
        if any(line.kind == SettlementKind.REFUND_FAILURE for line in lines) else {}
    failures = {line.ref for line in lines if line.kind == SettlementKind.REFUND_FAILURE}
    for ref, (label, amount) in sorted(reversed_ours.items()):  # the books say it failed: Stripe must say so too
        if ref not in failures:
            problems.append(CardCheck(ref, label, amount, None, 0, None, "not in the processor's settlement"))
    for line in lines:  # the rest is shown as unmatched, never dropped
        if line.kind in _MATCHED or line.kind == SettlementKind.PAYOUT or line.day not in (None, day):
            continue
        booked = reversed_ours.get(line.ref) or reversed_near.get(line.ref)
        if line.kind == SettlementKind.REFUND_FAILURE and booked is not None:
            presented, slack, fee_currency = _presented(store, line)  # a failure the books reversed: paired
            if slack is not None and abs(presented - booked[1]) > slack:
                problems.append(CardCheck(line.ref, booked[0], booked[1], presented, 0, line.fee_minor,
                                          "amounts differ", fee_currency))
            continue
        presented, slack, fee_currency = _presented(store, line)
        problems.append(CardCheck(line.ref, _unmatched_label(store, line), None,
                                  presented if slack is not None else None, None, line.fee_minor,
                                  _unmatched_problem(line), fee_currency))
    return problems


def _reversed_refunds(store: "Store", days: set[date]) -> dict[str, tuple[str, int]]:
    """The card refunds whose failure the books reversed on ``days`` (their ``refund:<id>:failed`` entries), by
    the processor's refund id: the label and the amount that came back."""
    found: dict[str, tuple[str, int]] = {}
    for other in sorted(days):
        for ref, amount, number in store.tuples(
            "SELECT r.processor_ref, r.amount_minor + r.tip_minor, o.number FROM journal_entries j "
            "CROSS JOIN refunds r ON r.id = substr(j.key, 8, length(j.key) - 14) JOIN orders o ON o.id = r.order_id "
            "WHERE j.business_day = ? AND j.source_kind = 'refund' AND j.key LIKE 'refund:%:failed' "
            "AND r.processor_ref IS NOT NULL", (other.isoformat(),)):
            found[str(ref)] = (f"#{number} refund failed", int(amount))
    return found


def _unmatched_problem(line: SettlementLine) -> str:
    """What the close says of a line it does not match (see :class:`SettlementKind`)."""
    category = line.category or line.kind
    if line.kind == SettlementKind.REFUND_FAILURE:
        return ("a refund that failed, not yet reversed in our books: its money came back to the processor's balance "
                "and the customer was not paid back: run 'pos payments recover', then refund again or give cash")
    if line.kind == SettlementKind.OTHER:
        return f"not from a sale ({category}): listed, not matched; see it in the Stripe Dashboard"
    return f"of a kind this register does not know ({category}): not matched; see it in the Stripe Dashboard"


def _unmatched_label(store: "Store", line: SettlementLine) -> str:
    """The order a failed refund's line is about (by our refund's processor id), else "?"."""
    if line.kind != SettlementKind.REFUND_FAILURE:
        return "?"
    found = store.one("SELECT o.number FROM refunds r JOIN orders o ON o.id = r.order_id WHERE r.processor_ref = ?",
                      (line.ref,))
    return "?" if found is None else f"#{found[0]} refund"


def _booked_refs(store: "Store", days: set[date]) -> set[str]:
    """The processor's ids of the card captures and refunds we booked on ``days``."""
    refs: set[str] = set()
    for other in sorted(days):
        for details, ref in store.tuples(
            "SELECT p.details, p.processor_ref FROM journal_entries j "
            "CROSS JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) WHERE j.business_day = ? "
            "AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture'", (other.isoformat(),)):
            refs.add(str(json.loads(details or "{}").get("balance_transaction") or ref))
        refs.update(str(r) for (r,) in store.tuples(
            "SELECT r.processor_ref FROM journal_entries j CROSS JOIN refunds r ON r.id = substr(j.key, 8) "
            "WHERE j.business_day = ? AND j.source_kind = 'refund' AND j.key LIKE 'refund:%' "
            "AND r.processor_ref IS NOT NULL", (other.isoformat(),)))
    return refs


def payouts(lines: Sequence[SettlementLine], day: date) -> list[SettlementLine]:
    """What the processor paid out to the bank on ``day`` (negative: money left its balance; in ``currency``, the
    settlement currency), to match against the bank statement: listed, never matched."""
    return [line for line in lines if line.kind == "payout" and line.day in (None, day)]
