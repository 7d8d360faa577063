"""The day's Z report, every figure derived from the ledger, in the words owners and accountants use.

The sales statement (:data:`DEFINITIONS`, printed on every form of the report):
gross sales (before discounts, refunds and tax), less discounts, less refunds,
is net sales (before tax); tax by category and by rate; total collected is net
sales plus tax (and cash rounding); tips come after, and are never sales.

The day's movement per account comes from the ledger's per-day balances
(kept with every post, checked by ``pos ledger verify``).  Sales by channel
and payments by tender are summed by SQLite over the day's sale and capture
entries, joined to their orders and payments; the rarer entries (refunds,
tips, drawer counts, hand-ins) are read one by one.  Counts of
orders come from the same entries: an order counts when its sale is booked.
Voided orders post nothing, so the only figure not from the ledger is how
many were voided.  ``tests/test_close.py`` checks every total against
:func:`pos.books.ledger.balances` for the day.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.books import accounts
from pos.day import staff_day
from pos.sales.returns import returned_by_sku
from pos.tips.tip_policy import TIP_FEE_KEY_SUFFIX, card_fee_share
from pos.day.staff_day import CashierLine, DriverLine

if TYPE_CHECKING:  # pragma: no cover
    from decimal import Decimal

    from pos.store.days import OrderMove
    from pos.store.store import Store

_CARD_FEES = accounts.CARD_FEES
SOLD = staff_day.SOLD


DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Gross sales", "what the items sold came to, before discounts, refunds and tax"),
    ("Discounts", "what was taken off those sales"),
    ("Refunds", "sales given back, before tax"),
    ("Net sales", "gross sales less discounts and refunds, before tax"),
    ("Tax", "tax collected, less tax refunded"),
    ("Cash rounding", "cash totals rounded to the coins in use"),
    ("Total collected", "net sales plus tax (and cash rounding)"),
    ("Tips", "owed to the people who earned them: not sales"),
)
"""The report's statement lines and what each means (shown on the text, JSON and PDF report)."""


class DrawerLine(NamedTuple):
    """A drawer counted at the close: what the books expected, what was counted, the difference."""

    expected_minor: int
    counted_minor: int

    @property
    def over_short_minor(self) -> int:
        return self.counted_minor - self.expected_minor


class TipLine(NamedTuple):
    direct_minor: int = 0
    pooled_minor: int = 0
    declared_minor: int = 0
    paid_minor: int = 0
    refunded_minor: int = 0
    owed_minor: int = 0
    """Still owed at the end of the day (the account's closing balance)."""
    card_fees_minor: int = 0
    """Card tips' share of the processor's fee, where the tip policy deducts it (net of fees given back)."""


class DayReport(NamedTuple):
    day: date
    training: bool
    currency: str
    orders: int
    gross_sales_minor: int
    """What the items sold came to, before discounts, refunds and tax."""
    net_sales_minor: int
    """Gross sales less discounts and refunds, before tax."""
    discounts_minor: int
    """Discounts given on this day's sales."""
    tax_by_category: dict[str, int]
    """Tax collected less tax refunded, per tax category."""
    sales_by_channel: dict[str, int]
    """Gross sales per channel."""
    payments_by_tender: dict[str, int]
    """What each tender took for orders (tips apart)."""
    refunds_minor: int
    """Sales given back, before tax (their share of discounts taken off): gross - discounts - refunds = net."""
    refunds_count: int
    """Refunds given: one per refund asked, however many tenders its money went back to."""
    voids_count: int
    tips: dict[str, TipLine]
    pool_left_minor: int
    over_short_by_drawer: dict[int, int]
    hand_ins_by_driver: dict[str, int]
    drivers_holding: dict[str, int]
    card_fees_minor: int
    card_net_minor: int
    cash_rounding_minor: int
    carried_out: "tuple[OrderMove, ...]" = ()
    """Orders still open when this day closed, moved to the next open day (renumbered there)."""
    carried_in: "tuple[OrderMove, ...]" = ()
    """Orders carried into this day from a closed one."""
    sales_by_utc_hour: tuple[tuple[str, int], ...] = ()
    """Gross sales per UTC hour (``2026-11-23T17``), for the day PDF's chart (not part of ``--json``)."""
    sales_charged_minor: int = 0
    """What customers were charged on the day's sales: after discounts, tax included (closings count it)."""
    refunds_paid_minor: int = 0
    """Money given back by refunds: tax and tips included (closings count it)."""
    refunded_discounts_minor: int = 0
    """The discounts the day's refunds took back (already inside ``refunds_minor``)."""
    tax_by_rate: dict[str, int] = {}
    """Tax per rate (``8.875``; ``8.875+9`` for a category whose rate changed during the day)."""
    tax_rates: dict[str, str] = {}
    """Each category's rate (as in ``tax_by_rate``) and, below, its name."""
    tax_names: dict[str, str] = {}
    drawers: dict[int, DrawerLine] = {}
    """Each drawer counted at the close: expected and counted cash."""
    cashiers: "dict[str, CashierLine]" = {}
    """Per person who rang orders (``""``: orders rung with nobody signed in, such as a kiosk's)."""
    drivers: "dict[str, DriverLine]" = {}
    refunded_items: int = 0
    """Items customers brought back (refunds by item), counted on the day their refund was booked."""
    refunds_by_tender: dict[str, int] = {}
    """The money refunds gave back (``refunds_paid_minor``) split by the tender it went back to."""
    refunds_pending_count: int = 0
    """Card refunds booked on the day that Stripe still holds pending (not yet confirmed by the customer's bank)."""
    refunds_pending_minor: int = 0
    refunds_not_paid_back: "tuple[UnpaidRefund, ...]" = ()
    """Card refunds that did not pay the customer back: failed or cancelled at Stripe (reversed on the day), or
    refused or failed when asked on the day; the customer is owed them still."""

    @property
    def average_ticket_minor(self) -> int:
        """What an order came to on average: after discounts, tax included."""
        return self.sales_charged_minor // self.orders if self.orders else 0

    @property
    def tax_minor(self) -> int:
        return sum(self.tax_by_category.values())

    @property
    def total_collected_minor(self) -> int:
        return self.net_sales_minor + self.tax_minor + self.cash_rounding_minor

    @property
    def tips_minor(self) -> int:
        return sum(t.direct_minor + t.pooled_minor + t.declared_minor for t in self.tips.values())


class UnpaidRefund(NamedTuple):
    """A refund that did not pay the customer back, as the Z report lists it."""

    order_ref: str
    amount_minor: int
    state: str
    """``reversed`` (failed or cancelled after it was booked), ``refused`` or ``failed`` (never booked)."""
    why: str


def _refund_outcomes(store: "Store", day: date) -> tuple[int, int, tuple[UnpaidRefund, ...]]:
    """The day's card refunds still pending at the processor, and those that did not pay back (see DayReport)."""
    from pos.store.clock import day_bounds
    from pos.store.store import iso

    iso_day = day.isoformat()
    pending_count, pending_minor = store.tuples(
        "SELECT count(*), coalesce(sum(r.amount_minor + r.tip_minor), 0) FROM journal_entries j JOIN refunds r "
        "ON j.key = 'refund:' || r.id WHERE j.business_day = ? AND j.source_kind = 'refund' AND r.state = 'pending'",
        (iso_day,)).fetchone()
    start, end = day_bounds(day, store.settings)
    unpaid = store.tuples(
        "SELECT o.business_day, o.number, r.amount_minor + r.tip_minor, r.state, coalesce(r.refusal_message, '') "
        "FROM refunds r JOIN orders o ON o.id = r.order_id WHERE (r.state = 'reversed' AND EXISTS (SELECT 1 FROM "
        "journal_entries j WHERE j.key = 'refund:' || r.id || ':failed' AND j.business_day = ?)) OR "
        "((r.state = 'refused' OR (r.state = 'failed' AND r.processor_status IS NOT NULL)) "
        "AND r.created_at >= ? AND r.created_at < ?) ORDER BY r.created_at, r.rowid",
        (iso_day, iso(start), iso(end))).fetchall()
    return int(pending_count), int(pending_minor), tuple(
        UnpaidRefund(f"{d}/{n}", int(a), str(st), str(why)) for d, n, a, st, why in unpaid)


def _lines(text: str) -> list[tuple[str, int]]:
    out = []
    for line in text.split("\n"):
        account, amount, _ = line.split(" ")
        out.append((account, int(amount)))
    return out


def day_report(store: "Store", day: date) -> DayReport:
    """The Z report of a business day (see the module docstring)."""
    from pos.books import ledger
    from pos.store.days import moves

    iso_day = day.isoformat()
    orders = gross = net = discounts = refunds = fees = clearing = rounding = 0
    refunded_sales = refunded_discounts = 0  # what refunds moved back out of income:sales and income:discounts
    counted: dict[int, int] = {}
    tax: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    by_tender: dict[str, int] = {}
    tips: dict[str, dict[str, int]] = {}
    over_short: dict[int, int] = {}
    hand_ins: dict[str, int] = {}
    runs: staff_day.DoorRuns = {}  # the drivers' section: cash taken at the door, read with the tips
    # Each refund part booked on the day: the refund it is part of (its batch: one 'pos refund'), and the tender.
    refund_parts = {key: (batch, tender) for key, batch, tender in store.tuples(
        "SELECT j.key, coalesce(r.batch_id, r.id), p.tender FROM journal_entries j JOIN refunds r "
        "ON r.id = CASE WHEN j.key LIKE '%:failed' THEN substr(j.key, 8, length(j.key) - 14) ELSE substr(j.key, 8) END "
        "JOIN payments p ON p.id = r.payment_id WHERE j.business_day = ? "
        "AND j.source_kind = 'refund'", (iso_day,))}
    refund_batches: set[str] = set()
    back_by_tender: dict[str, int] = {}

    def tip(person: str, field: str, amount: int) -> None:
        tips.setdefault(person, dict.fromkeys(TipLine._fields, 0))[field] += amount

    # Sales and captures (nearly every entry of a busy day) are summed by SQLite: each moves what
    # customers owe exactly once, and CAST reads the amount that follows the account's name.
    owed = "CAST(substr(j.postings, instr(j.postings, 'assets:receivable:orders ') + 25) AS INTEGER)"
    # By channel and by the UTC hour the sale was booked (the day PDF's chart), in the same pass.
    by_hour: dict[str, int] = {}
    charged = 0
    # And by who rang them (the cashiers' section): one read of the day's sales for all three.
    rung: staff_day.CounterSales = {}
    for channel, hour, total, who, count, sold, given in store.tuples(
        f"SELECT o.channel, substr(j.posted_at, 1, 13), coalesce(sum({owed}), 0), {staff_day.COUNTER_SALES} "
        "FROM journal_entries j JOIN orders o ON o.id = j.source_id WHERE j.business_day = ? "
        "AND j.source_kind = 'order' AND j.key LIKE 'order:%:sale' GROUP BY 1, 2, o.created_by", (iso_day,),
    ):
        orders += count
        charged += total
        by_channel[channel] = by_channel.get(channel, 0) + sold
        by_hour[hour] = by_hour.get(hour, 0) + sold
        before = rung.get(who, (0, 0, 0))
        rung[who] = (before[0] + count, before[1] + sold, before[2] + given)
    for tender, total in store.tuples(
        f"SELECT p.tender, coalesce(sum({owed}), 0) FROM journal_entries j "
        "JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) WHERE j.business_day = ? "
        "AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' GROUP BY p.tender", (iso_day,),
    ):
        by_tender[tender] = -total
    for key, kind, source_id, text in store.tuples(
        "SELECT key, source_kind, source_id, postings FROM journal_entries WHERE business_day = ? "
        "AND (source_kind IN ('refund', 'tips', 'drawer', 'driver') OR "
        "(source_kind = 'payment' AND (postings LIKE '%liabilities:tips:%' OR postings LIKE '%assets:cash:driver:%'))) "
        "ORDER BY id", (iso_day,),
    ):
        if kind == "payment":
            if key.endswith(TIP_FEE_KEY_SUFFIX):  # the card fee's share of a tip (payments.stripe.tip_fees)
                for account, amount in _lines(text):
                    if account.startswith("liabilities:tips:"):
                        tip(account[17:], "card_fees_minor", amount)
            elif key.endswith(":capture"):
                lines = _lines(text)
                for account, amount in lines:
                    if account.startswith("liabilities:tips:"):
                        tip(account[17:], "pooled_minor" if account == accounts.TIP_POOL else "direct_minor",
                            -amount)
                staff_day.add_door_cash(runs, lines)
            continue
        lines = _lines(text)
        if kind == "refund":
            # A refund's reversal (it failed or was cancelled at the processor: ':failed') takes back what it gave.
            reversal = key.endswith(":failed")
            batch, tender = refund_parts.get(key, (key, "cash"))
            if not reversal:
                refund_batches.add(batch)
            back_by_tender[tender] = back_by_tender.get(tender, 0) - sum(
                amount for account, amount in lines
                if (account.startswith("assets:cash:") or account.startswith("assets:clearing:"))
                and (amount < 0 or reversal))
            for account, amount in lines:
                if account.startswith("liabilities:tips:") and card_fee_share(key, kind, amount):  # given back
                    tip(account[17:], "card_fees_minor", amount)
                elif account.startswith("liabilities:tips:") or account.startswith("assets:receivable:staff:"):
                    tip(account.rsplit(":", 1)[1], "refunded_minor", amount)
                elif (account.startswith("assets:cash:") or account.startswith("assets:clearing:")) and \
                        (amount < 0 or reversal):
                    refunds -= amount
                elif account == accounts.SALES:
                    refunded_sales += amount
                elif account == accounts.DISCOUNTS:
                    refunded_discounts -= amount
        elif kind == "tips":
            for account, amount in lines:
                if not account.startswith("liabilities:tips:"):
                    continue
                person = account[17:]
                if key.startswith("tips:pool:"):
                    tip(person, "pooled_minor", -amount)
                elif key.startswith("tips:declared:"):
                    tip(person, "declared_minor", -amount)
                elif amount > 0:  # payouts, declared tips kept, a driver's tip kept at the door
                    tip(person, "paid_minor", amount)
        elif kind == "drawer" and key.endswith(":count"):
            register = int(source_id.rsplit(":", 1)[1])
            over_short[register] = over_short.get(register, 0) - sum(
                a for acc, a in lines if acc == accounts.CASH_OVER_SHORT)
        elif kind == "drawer" and key.endswith(":close"):  # the counted cash leaves the drawer (to the safe, its float)
            register = int(source_id.rsplit(":", 1)[1])
            counted[register] = counted.get(register, 0) - sum(a for acc, a in lines if acc == accounts.drawer(register))
        elif kind == "driver":
            hand_ins[source_id] = hand_ins.get(source_id, 0) + sum(
                a for acc, a in lines if acc.startswith("assets:cash:drawer:"))
    currency = store.settings.currency
    for (account, cur), amount in ledger.balances(store, day=day).items():  # the day's movements, kept per account
        if cur != currency:
            continue
        if account == accounts.SALES:
            net -= amount
            gross -= amount
        elif account == accounts.DISCOUNTS:
            discounts += amount
            net -= amount
        elif account.startswith("liabilities:tax:"):
            tax[account[16:]] = -amount
        elif account == _CARD_FEES:
            fees += amount
        elif account.startswith("assets:clearing:"):
            clearing += amount
        elif account == "income:cash-rounding":
            rounding -= amount
    closing = ledger.balances(store, through=day)
    tip_lines = {}
    for person, fields in sorted(tips.items()):
        fields["owed_minor"] = -closing.get((f"liabilities:tips:{person}", currency), 0)
        tip_lines[person] = TipLine(**fields)
    for (account, cur), amount in closing.items():
        if cur == currency and account.startswith("liabilities:tips:") and amount and account[17:] not in tip_lines:
            tip_lines[account[17:]] = TipLine(owed_minor=-amount)
    pool = tip_lines.pop("pool", TipLine())
    holding = {account.rsplit(":", 1)[1]: amount for (account, cur), amount in closing.items()
               if cur == currency and account.startswith("assets:cash:driver:") and amount}
    gross += refunded_sales  # refunds are their own line: gross sales are before them
    discounts += refunded_discounts
    drawers = {register: DrawerLine(counted.get(register, 0) - over_short.get(register, 0), counted.get(register, 0))
               for register in sorted(set(counted) | set(over_short))}
    rates, names = _rates(store, iso_day, tax)
    by_rate: dict[str, int] = {}
    for category, amount in sorted(tax.items()):
        by_rate[rates[category]] = by_rate.get(rates[category], 0) + amount
    voids = int(store.scalar("SELECT count(*) FROM orders WHERE business_day = ? AND status = 'voided'", (iso_day,)))
    pending_count, pending_minor, unpaid = _refund_outcomes(store, day)
    return DayReport(
        day, store.settings.training, currency, orders, gross, net, discounts, dict(sorted(tax.items())),
        dict(sorted(by_channel.items())), dict(sorted(by_tender.items())), refunded_sales - refunded_discounts,
        len(refund_batches), voids, tip_lines, pool.owed_minor, dict(sorted(over_short.items())),
        dict(sorted(hand_ins.items())), holding, fees, clearing, rounding, tuple(moves(store, from_day=day)),
        tuple(moves(store, to_day=day)), tuple(sorted(by_hour.items())),
        sales_charged_minor=charged, refunds_paid_minor=refunds, refunded_discounts_minor=refunded_discounts,
        tax_by_rate=dict(sorted(by_rate.items(), key=lambda kv: _rate_order(kv[0]))), tax_rates=rates,
        tax_names=names, drawers=drawers, cashiers=staff_day.cashiers(store, day, rung),
        drivers=staff_day.drivers(store, day, hand_ins, holding, runs),
        refunded_items=sum(quantity for _, quantity, _ in returned_by_sku(store, day, day).values()),
        refunds_by_tender=dict(sorted((t, v) for t, v in back_by_tender.items() if v)),
        refunds_pending_count=pending_count, refunds_pending_minor=pending_minor, refunds_not_paid_back=unpaid,
    )


def _rate_order(rate: str) -> tuple["Decimal", str]:
    from decimal import Decimal, InvalidOperation

    try:
        return (Decimal(rate.split("+")[0]), rate)
    except InvalidOperation:  # "?": a category no line or catalog entry names
        return (Decimal(-1), rate)


def _rates(store: "Store", iso_day: str, tax: dict[str, int]) -> tuple[dict[str, str], dict[str, str]]:
    """Each taxed category's rate on the day's sales (the rate in force that day when only refunds of earlier
    sales taxed it) and its name that day: the day's sold lines are read through their orders' sale entries."""
    from decimal import Decimal

    used: dict[str, set[Decimal]] = {}
    for category, rate in store.tuples(
        "SELECT DISTINCT l.tax_category, l.tax_rate_percent FROM journal_entries j JOIN order_lines l "
        "ON l.order_id = j.source_id WHERE j.business_day = ? AND j.source_kind = 'order' "
        "AND j.key LIKE 'order:%:sale' AND l.removed_at IS NULL", (iso_day,),
    ):
        used.setdefault(category, set()).add(Decimal(rate))
    from pos.store.taxes import tax_categories

    names: dict[str, str] = {}
    for category in tax_categories(store, date.fromisoformat(iso_day)):  # as named and rated on that day
        names[category.code] = category.name
        if category.code in tax and category.code not in used:
            used[category.code] = {category.rate_percent}
    rates = {code: "+".join(_percent(r) for r in sorted(used.get(code, set()))) or "?" for code in tax}
    return rates, {code: names.get(code, code) for code in tax}


def _percent(rate: "Decimal") -> str:
    """``8.875``, ``10``: a rate as people write it (no trailing zeros)."""
    return format(rate.normalize(), "f")


def statement(report: DayReport) -> list[tuple[str, int, str]]:
    """The report's sales statement, in order: (line, amount in minor units, what it means); what is taken
    off is negative.  The text report and the PDF print these same lines."""
    meaning = dict(DEFINITIONS)
    lines = [("Gross sales", report.gross_sales_minor), ("Discounts", -report.discounts_minor),
             ("Refunds", -report.refunds_minor), ("Net sales", report.net_sales_minor), ("Tax", report.tax_minor)]
    if report.cash_rounding_minor:
        lines.append(("Cash rounding", report.cash_rounding_minor))
    lines += [("Total collected", report.total_collected_minor), ("Tips", report.tips_minor)]
    return [(label, amount, meaning[label]) for label, amount in lines]


def report_dict(report: DayReport) -> dict[str, Any]:
    """The report as plain data (``--json``); amounts in minor units."""
    data = report._asdict()
    del data["sales_by_utc_hour"]  # the PDF's chart reads it; the report's figures are the rest
    data["day"] = report.day.isoformat()
    data["refunds_not_paid_back"] = [u._asdict() for u in report.refunds_not_paid_back]
    data["average_ticket_minor"] = report.average_ticket_minor
    data["tax_minor"] = report.tax_minor
    data["total_collected_minor"] = report.total_collected_minor
    data["tips_minor"] = report.tips_minor
    data["definitions"] = dict(DEFINITIONS)
    data["drawers"] = {str(k): {**v._asdict(), "over_short_minor": v.over_short_minor} for k, v in report.drawers.items()}
    data["cashiers"] = {k: v._asdict() for k, v in report.cashiers.items()}
    data["drivers"] = {k: v._asdict() for k, v in report.drivers.items()}
    data["tips"] = {k: v._asdict() for k, v in report.tips.items()}
    data["over_short_by_drawer"] = {str(k): v for k, v in report.over_short_by_drawer.items()}
    data["carried_out"] = [m.as_dict() for m in report.carried_out]
    data["carried_in"] = [m.as_dict() for m in report.carried_in]
    return data
