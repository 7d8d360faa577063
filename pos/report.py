"""The day's Z report, every figure derived from the ledger.

The day's movement per account comes from the ledger's per-day balances
(kept with every post, checked by ``pos ledger verify``).  Sales by channel
and payments by tender are summed by SQLite over the day's sale and capture
entries, joined to their orders and payments; the rarer entries (refunds,
tips, drawer counts, hand-ins) are read one by one.  Counts of
orders come from the same entries: an order counts when its sale is booked.
Voided orders post nothing, so the only figure not from the ledger is how
many were voided.  ``tests/test_close.py`` checks every total against
:func:`pos.ledger.balances` for the day.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pos import accounts

if TYPE_CHECKING:  # pragma: no cover
    from pos.days import OrderMove
    from pos.store import Store

_CARD_FEES = accounts.CARD_FEES


class TipLine(NamedTuple):
    direct_minor: int = 0
    pooled_minor: int = 0
    declared_minor: int = 0
    paid_minor: int = 0
    refunded_minor: int = 0
    owed_minor: int = 0
    """Still owed at the end of the day (the account's closing balance)."""


class DayReport(NamedTuple):
    day: date
    training: bool
    currency: str
    orders: int
    gross_sales_minor: int
    """What customers were charged on orders booked this day (tax included)."""
    net_sales_minor: int
    """Revenue net of tax and discounts, less refunds."""
    discounts_minor: int
    tax_by_category: dict[str, int]
    sales_by_channel: dict[str, int]
    payments_by_tender: dict[str, int]
    refunds_minor: int
    refunds_count: int
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
    """Booked sales per UTC hour (``2026-11-23T17``), for the day PDF's chart (not part of ``--json``)."""
    refunded_items: int = 0
    """Items customers brought back (refunds by item), counted on the day their refund was booked."""

    @property
    def average_ticket_minor(self) -> int:
        return self.gross_sales_minor // self.orders if self.orders else 0


def _lines(text: str) -> list[tuple[str, int]]:
    out = []
    for line in text.split("\n"):
        account, amount, _ = line.split(" ")
        out.append((account, int(amount)))
    return out


def day_report(store: "Store", day: date) -> DayReport:
    """The Z report of a business day (see the module docstring)."""
    from pos import ledger
    from pos.days import moves

    iso_day = day.isoformat()
    orders = gross = net = discounts = refunds = refund_count = fees = clearing = rounding = 0
    tax: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    by_tender: dict[str, int] = {}
    tips: dict[str, dict[str, int]] = {}
    over_short: dict[int, int] = {}
    hand_ins: dict[str, int] = {}

    def tip(person: str, field: str, amount: int) -> None:
        tips.setdefault(person, dict.fromkeys(TipLine._fields, 0))[field] += amount

    # Sales and captures (nearly every entry of a busy day) are summed by SQLite: each moves what
    # customers owe exactly once, and CAST reads the amount that follows the account's name.
    owed = "CAST(substr(j.postings, instr(j.postings, 'assets:receivable:orders ') + 25) AS INTEGER)"
    # By channel and by the UTC hour the sale was booked (the day PDF's chart), in the same pass.
    by_hour: dict[str, int] = {}
    for channel, hour, count, total in store.tuples(
        f"SELECT o.channel, substr(j.posted_at, 1, 13), count(*), coalesce(sum({owed}), 0) FROM journal_entries j "
        "JOIN orders o ON o.id = j.source_id WHERE j.business_day = ? AND j.source_kind = 'order' "
        "AND j.key LIKE 'order:%:sale' GROUP BY 1, 2", (iso_day,),
    ):
        orders += count
        gross += total
        by_channel[channel] = by_channel.get(channel, 0) + total
        by_hour[hour] = by_hour.get(hour, 0) + total
    for tender, total in store.tuples(
        f"SELECT p.tender, coalesce(sum({owed}), 0) FROM journal_entries j "
        "JOIN payments p ON p.id = substr(j.key, 9, length(j.key) - 16) WHERE j.business_day = ? "
        "AND j.source_kind = 'payment' AND j.key LIKE 'payment:%:capture' GROUP BY p.tender", (iso_day,),
    ):
        by_tender[tender] = -total
    for key, kind, source_id, text in store.tuples(
        "SELECT key, source_kind, source_id, postings FROM journal_entries WHERE business_day = ? "
        "AND (source_kind IN ('refund', 'tips', 'drawer', 'driver') OR "
        "(source_kind = 'payment' AND postings LIKE '%liabilities:tips:%')) ORDER BY id", (iso_day,),
    ):
        if kind == "payment":
            if key.endswith(":capture"):
                for account, amount in _lines(text):
                    if account.startswith("liabilities:tips:"):
                        tip(account[17:], "pooled_minor" if account == accounts.TIP_POOL else "direct_minor",
                            -amount)
            continue
        lines = _lines(text)
        if kind == "refund":
            refund_count += 1
            for account, amount in lines:
                if account.startswith("liabilities:tips:") or account.startswith("assets:receivable:staff:"):
                    tip(account.rsplit(":", 1)[1], "refunded_minor", amount)
                elif (account.startswith("assets:cash:") or account.startswith("assets:clearing:")) and amount < 0:
                    refunds -= amount
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
        elif kind == "driver":
            hand_ins[source_id] = hand_ins.get(source_id, 0) + sum(
                a for acc, a in lines if acc.startswith("assets:cash:drawer:"))
    currency = store.settings.currency
    for (account, cur), amount in ledger.balances(store, day=day).items():  # the day's movements, kept per account
        if cur != currency:
            continue
        if account == accounts.SALES:
            net -= amount
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
    voids = int(store.scalar("SELECT count(*) FROM orders WHERE business_day = ? AND status = 'voided'", (iso_day,)))
    return DayReport(
        day, store.settings.training, currency, orders, gross, net, discounts, dict(sorted(tax.items())),
        dict(sorted(by_channel.items())), dict(sorted(by_tender.items())), refunds, refund_count, voids,
        tip_lines, pool.owed_minor, dict(sorted(over_short.items())), dict(sorted(hand_ins.items())), holding,
        fees, clearing, rounding, tuple(moves(store, from_day=day)), tuple(moves(store, to_day=day)),
        tuple(sorted(by_hour.items())), _refunded_items(store, iso_day),
    )


def _refunded_items(store: "Store", iso_day: str) -> int:
    """Units returned by refunds by item whose money first went back on ``iso_day`` (one day per refund)."""
    return int(store.scalar(
        "SELECT coalesce(sum(i.quantity), 0) FROM refund_items i WHERE i.batch_id IN (SELECT r.batch_id "
        "FROM journal_entries j CROSS JOIN refunds r ON r.id = substr(j.key, 8) WHERE j.business_day = ? "
        "AND j.source_kind = 'refund' AND j.key LIKE 'refund:%' AND r.batch_id IS NOT NULL AND NOT EXISTS ("
        "SELECT 1 FROM refunds e JOIN journal_entries k ON k.key = 'refund:' || e.id "
        "WHERE e.batch_id = r.batch_id AND k.business_day < j.business_day))", (iso_day,)))


def report_dict(report: DayReport) -> dict[str, Any]:
    """The report as plain data (``--json``); amounts in minor units."""
    data = report._asdict()
    del data["sales_by_utc_hour"]  # the PDF's chart reads it; the report's figures are the rest
    data["day"] = report.day.isoformat()
    data["average_ticket_minor"] = report.average_ticket_minor
    data["tips"] = {k: v._asdict() for k, v in report.tips.items()}
    data["over_short_by_drawer"] = {str(k): v for k, v in report.over_short_by_drawer.items()}
    data["carried_out"] = [m.as_dict() for m in report.carried_out]
    data["carried_in"] = [m.as_dict() for m in report.carried_in]
    return data
