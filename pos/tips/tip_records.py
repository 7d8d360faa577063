"""The tip records an inspector asks for (29 CFR 516.28): per person and week, tips received and paid, hours, tip credit.

For each person who received tips or worked a shift in the business days ``start``..``end``, and
each week (Monday to Sunday, named by its Monday; the range's first and last weeks may be part
weeks), the record gives:

- tips **received**: direct (named on a payment, or a delivery's driver), **pooled** (their share
  of the pool), and **declared** cash tips (received in hand, declared at shift end);
- tips **given back** by refunds; the **card fees** deducted from card tips (where the tip policy says
  so, :mod:`payments.stripe.tip_fees`), less any given back with a refunded tip; and tips **paid out**: each payout with its day and how (from a
  drawer, through payroll, kept in hand as declared cash, kept at the door by a driver);
- **adjusted**: anything else moved on their tips account (a correction), so the record ties out;
- **hours** in tipped work (a shift whose job the policy of its day calls front of house) and in
  untipped work (any other job), by shift, from its start to its end (an open shift up to now);
- the **tip credit claimed**: the tip credit per hour of each shift's day's policy, times the
  shift's tipped hours, summed per week and rounded half up to the cent once.

Everything is read from the journal's entries of the range (through its day index) and the
range's shifts, so the figures tie to the ledger to the cent: for each person, received, less given
back, card fees and paid out, plus adjusted, is exactly what the range moved on ``liabilities:tips:<key>``
(:func:`ledger_movement` reads that from the day balances, for the tests and an auditor).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts
from pos.sales.sales_mix import check_range
from pos.tips.tip_policy import card_fee_share
from pos.tips.tip_policy import policy_on

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

class Payout(NamedTuple):
    day: date
    how: str
    amount_minor: int


class WeekRecord(NamedTuple):
    staff_key: str
    name: str
    week: date
    """The week's Monday."""
    direct_minor: int = 0
    pooled_minor: int = 0
    declared_minor: int = 0
    refunded_minor: int = 0
    paid_minor: int = 0
    fees_minor: int = 0
    """The card fee's share of card tips, where the policy deducts it (net of fees given back by refunds)."""
    adjusted_minor: int = 0
    tipped_s: int = 0
    untipped_s: int = 0
    tip_credit_minor: int = 0
    payouts: tuple[Payout, ...] = ()

    @property
    def received_minor(self) -> int:
        return self.direct_minor + self.pooled_minor + self.declared_minor

    @property
    def net_minor(self) -> int:
        """What the week added to what they are owed."""
        return self.received_minor - self.refunded_minor - self.paid_minor - self.fees_minor + self.adjusted_minor


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _how(key: str, kind: str, other_accounts: list[str]) -> str | None:
    """How a debit of a tips account paid the person, or None when it was not a payout."""
    if key.startswith("tips:payout:"):
        for account in other_accounts:
            if account == accounts.PAYROLL_TIPS:
                return "payroll"
            if account.startswith("assets:cash:drawer:"):
                return f"drawer {account.rsplit(':', 1)[1]}"
        return "payout"
    if key.startswith("tips:kept:"):
        return "kept in hand (declared cash)"
    if kind == "payment" and key.endswith(":tip-kept"):
        return "kept at the door (cash)"
    return None


def records(store: "Store", start: date, end: date, now: datetime | None = None) -> list[WeekRecord]:
    """The records of the business days ``start``..``end`` (see the module docstring), by person then week."""
    from pos.people.staff import list_shifts

    check_range(start, end)
    rows: dict[tuple[str, date], dict[str, int]] = {}
    payouts: dict[tuple[str, date], list[Payout]] = {}
    credit_s: dict[tuple[str, date], int] = {}  # seconds x tip credit per hour, rounded once per week

    def row(key: str, day: date) -> dict[str, int]:
        return rows.setdefault((key, _monday(day)), dict.fromkeys(WeekRecord._fields[3:13], 0))

    for key, kind, day_text, text in store.tuples(
        "SELECT key, source_kind, business_day, postings FROM journal_entries WHERE business_day BETWEEN ? AND ? "
        "AND source_kind IN ('payment', 'tips', 'refund', 'correction') AND postings LIKE '%liabilities:tips:%' "
        "ORDER BY id", (start.isoformat(), end.isoformat()),
    ):
        day = date.fromisoformat(day_text)
        lines = [(account, int(amount)) for account, amount, _ in (line.split(" ") for line in text.split("\n"))]
        others = [account for account, _ in lines if not account.startswith("liabilities:tips:")]
        for account, amount in lines:
            person = account[17:] if account.startswith("liabilities:tips:") else None
            if person is None or account == accounts.TIP_POOL:
                continue
            figures = row(person, day)
            if card_fee_share(key, kind, amount):
                figures["fees_minor"] += amount  # deducted (a debit), or given back with a refunded tip (a credit)
            elif amount < 0 and kind == "payment":
                figures["direct_minor"] -= amount
            elif amount < 0 and key.startswith("tips:pool:"):
                figures["pooled_minor"] -= amount
            elif amount < 0 and key.startswith("tips:declared:"):
                figures["declared_minor"] -= amount
            elif amount > 0 and kind == "refund":
                figures["refunded_minor"] += amount
            elif amount > 0 and (how := _how(key, kind, others)) is not None:
                figures["paid_minor"] += amount
                payouts.setdefault((person, _monday(day)), []).append(Payout(day, how, amount))
            else:
                figures["adjusted_minor"] -= amount
    keys = {int(i): str(k) for i, k in store.tuples("SELECT id, key FROM staff")}
    day = start
    while day <= end:
        policy = policy_on(store, day)
        for shift in list_shifts(store, day):
            person = keys[shift.staff_id]
            figures = row(person, day)
            seconds = shift.worked_seconds(now)
            if shift.job in policy.front_of_house:
                figures["tipped_s"] += seconds
                credit_s[(person, _monday(day))] = credit_s.get((person, _monday(day)), 0) + \
                    seconds * policy.tip_credit_minor
            else:
                figures["untipped_s"] += seconds
        day += timedelta(days=1)
    names = dict(store.tuples("SELECT key, name FROM staff"))
    out = []
    for (person, week), figures in sorted(rows.items(), key=lambda kv: (names.get(kv[0][0], kv[0][0]).lower(),
                                                                         kv[0][1])):
        figures["tip_credit_minor"] = (2 * credit_s.get((person, week), 0) + 3600) // 7200
        out.append(WeekRecord(person, names.get(person, person), week, **figures,
                              payouts=tuple(payouts.get((person, week), ()))))
    return out


def ledger_movement(store: "Store", start: date, end: date) -> dict[str, int]:
    """What the business days ``start``..``end`` moved on each person's tips account (credits positive)."""
    moved: dict[str, int] = {}
    for account, amount in store.tuples(
        "SELECT account, sum(amount_minor) FROM day_balances WHERE business_day BETWEEN ? AND ? "
        "AND account LIKE 'liabilities:tips:%' AND account != ? AND currency = ? GROUP BY account",
        (start.isoformat(), end.isoformat(), accounts.TIP_POOL, store.settings.currency),
    ):
        moved[account[17:]] = -int(amount)
    return moved
