"""The Z report's sections per person: each cashier's sales, refunds, voids, discounts and no-sales; each driver's run.

A cashier's sales are the orders they rang (``orders.created_by``) whose sale
was booked on the day, read from those sale entries, so the cashiers' sales
and discounts add up to the report's own; orders rung with nobody signed in
(a kiosk's, a script's) are under ``""``.  Refunds are the person who gave
them (``refunds.created_by``), by the day's refund entries; voids the person
who voided an order or took a line off one; no-sales the drawers they opened
without a sale (the audit trail).  A driver's deliveries and cash are the
day's entries that put cash in their hands.  Every query is bounded by the
day through an index (the journal's, the orders', the audit trail's), so
the sections cost the day, never the store's history.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class CashierLine(NamedTuple):
    name: str
    orders: int = 0
    sales_minor: int = 0
    """Gross sales of the orders they rang (before discounts, refunds and tax)."""
    discounts_minor: int = 0
    """Discounts on the orders they rang."""
    refunds: int = 0
    """Refunds they gave: one per refund, however many tenders its money went back to."""
    refunds_minor: int = 0
    """Money they gave back (tax included, tips apart)."""
    voids: int = 0
    """Orders they voided, and lines they took off orders."""
    voided_minor: int = 0
    no_sales: int = 0


class DriverLine(NamedTuple):
    name: str
    deliveries: int = 0
    """Deliveries paid in cash at the door to them on the day."""
    collected_minor: int = 0
    """Cash they took at the door and kept, change given back (tips included)."""
    handed_in_minor: int = 0
    holding_minor: int = 0
    """Cash they still held at the end of the day."""


SOLD = ("(CASE WHEN instr(j.postings, 'income:sales ') > 0 THEN "
        "-CAST(substr(j.postings, instr(j.postings, 'income:sales ') + 13) AS INTEGER) ELSE 0 END)")
"""SQL: what a sale entry credits to sales (its gross sales, before discounts and tax), for entries ``j``."""
_GIVEN = ("(CASE WHEN instr(j.postings, 'income:discounts ') > 0 THEN "
          "CAST(substr(j.postings, instr(j.postings, 'income:discounts ') + 17) AS INTEGER) ELSE 0 END)")


def _people(store: "Store", ids: set[int]) -> dict[int, tuple[str, str]]:
    """Staff id -> (ledger key, name), for the ids given only."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {int(i): (k, n) for i, k, n in store.tuples(f"SELECT id, key, name FROM staff WHERE id IN ({marks})",
                                                       tuple(sorted(ids)))}


COUNTER_SALES = f"o.created_by, count(*), coalesce(sum({SOLD}), 0), coalesce(sum({_GIVEN}), 0)"
"""SQL: who rang the orders of sale entries ``j`` (their orders ``o``), how many, their gross sales and discounts;
the Z report groups its own pass over the day's sales by these too, and hands the rows to :func:`cashiers`."""

CounterSales = dict["int | None", tuple[int, int, int]]
"""Per person who rang orders (None: nobody signed in): orders, gross sales, discounts."""


def counter_sales(store: "Store", iso_day: str) -> CounterSales:
    return {who: (int(count), int(sold), int(given)) for who, count, sold, given in store.tuples(
        f"SELECT {COUNTER_SALES} FROM journal_entries j JOIN orders o ON o.id = j.source_id WHERE j.business_day = ? "
        "AND j.source_kind = 'order' AND j.key LIKE 'order:%:sale' GROUP BY o.created_by", (iso_day,))}


def cashiers(store: "Store", day: date, sales: CounterSales | None = None) -> dict[str, CashierLine]:
    """Each person's counter work on ``day`` (see the module docstring), by staff key; ``sales`` are the day's
    :func:`counter_sales` where the caller has read them already."""
    iso_day = day.isoformat()
    rows: dict[int | None, dict[str, int]] = {}

    def add(who: int | None, **figures: int) -> None:
        line = rows.setdefault(who, dict.fromkeys(CashierLine._fields[1:], 0))
        for field, value in figures.items():
            line[field] += int(value)

    for who, (count, sold, given) in (counter_sales(store, iso_day) if sales is None else sales).items():
        add(who, orders=count, sales_minor=sold, discounts_minor=given)
    for who, count, amount in store.tuples(
        "SELECT r.created_by, count(DISTINCT coalesce(r.batch_id, r.id)), coalesce(sum(r.amount_minor), 0) "
        "FROM journal_entries j "
        "JOIN refunds r ON r.id = substr(j.key, 8) WHERE j.business_day = ? AND j.source_kind = 'refund' "
        "GROUP BY r.created_by", (iso_day,),
    ):
        add(who, refunds=count, refunds_minor=amount)
    for who, count, amount in store.tuples(
        "SELECT voided_by, count(*), coalesce(sum(voided_minor), 0) FROM orders WHERE business_day = ? "
        "AND status = 'voided' GROUP BY voided_by", (iso_day,),
    ):
        add(who, voids=count, voided_minor=amount)
    for who, count, amount in store.tuples(
        "SELECT l.removed_by, count(*), coalesce(sum(l.removed_minor), 0) FROM orders o JOIN order_lines l "
        "ON l.order_id = o.id WHERE o.business_day = ? AND l.removed_minor IS NOT NULL GROUP BY l.removed_by",
        (iso_day,),
    ):
        add(who, voids=count, voided_minor=amount)
    for who, count in store.tuples(
        "SELECT staff_id, count(*) FROM audit_log WHERE business_day = ? AND action = ? GROUP BY staff_id",
        (iso_day, "drawer opened without a sale"),
    ):
        add(who, no_sales=count)
    people = _people(store, {who for who in rows if who is not None})
    out: dict[str, CashierLine] = {}
    for who, figures in rows.items():
        key, name = people.get(who, ("", "")) if who is not None else ("", "")
        if key in out:  # a person removed from the staff table joins the unnamed line
            figures = {f: figures[f] + getattr(out[key], f) for f in figures}
        out[key] = CashierLine(name or "Nobody signed in", **figures)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] == "", kv[1].name.lower())))


DoorRuns = dict[str, list[int]]
"""Per driver's key: deliveries paid in cash at the door, and the cash kept (change given back)."""


def add_door_cash(runs: DoorRuns, lines: "list[tuple[str, int]]") -> None:
    """Count one capture's postings (account, amount) into ``runs`` if it put cash in a driver's hands."""
    kept: dict[str, int] = {}  # what the customer handed over, less the change given back at the door
    for account, amount in lines:
        if account.startswith("assets:cash:driver:"):
            kept[account[19:]] = kept.get(account[19:], 0) + amount
    for driver, amount in kept.items():
        run = runs.setdefault(driver, [0, 0])
        run[0] += 1
        run[1] += amount


def door_runs(store: "Store", day: date) -> DoorRuns:
    """The day's captures that put cash in a driver's hands, by driver."""
    runs: DoorRuns = {}
    for (text,) in store.tuples(
        "SELECT postings FROM journal_entries WHERE business_day = ? AND source_kind = 'payment' "
        "AND key LIKE 'payment:%:capture' AND postings LIKE '%assets:cash:driver:%'", (day.isoformat(),),
    ):
        add_door_cash(runs, [(account, int(amount)) for account, amount, _ in
                             (line.split(" ") for line in text.split("\n"))])
    return runs


def drivers(store: "Store", day: date, hand_ins: dict[str, int], holding: dict[str, int],
            runs: DoorRuns | None = None) -> dict[str, DriverLine]:
    """Each driver's day: deliveries paid at the door, cash collected, handed in, still held; by staff key
    (``runs``: the day's :func:`door_runs`, where the caller has counted them already)."""
    runs = door_runs(store, day) if runs is None else runs
    keys = sorted(set(runs) | set(hand_ins) | set(holding))
    names = {}
    if keys:
        marks = ",".join("?" * len(keys))
        names = dict(store.tuples(f"SELECT key, name FROM staff WHERE key IN ({marks})", tuple(keys)))
    return {key: DriverLine(names.get(key, key), runs.get(key, [0, 0])[0], runs.get(key, [0, 0])[1],
                            hand_ins.get(key, 0), holding.get(key, 0)) for key in keys}
