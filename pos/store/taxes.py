"""Tax categories, and each one's name and rate by business day: ``pos tax add|edit|list``.

A category (``standard``, ``food``, ``alcohol``) is a code items point at; its name and rate
are kept as a history in ``tax_rates``, one row per change with the business day it takes effect.
A row sets the rate, the name or both; on a day, a category's rate is the one set by the latest
row effective by then that sets a rate, and likewise its name, so renaming from today never undoes
a rate already scheduled for later, nor the other way round.  A category's first row is in force
since the store began.  Rows are never changed or deleted (the database refuses it):
``pos tax edit CODE --rate R --from DAY`` adds one.

Which rate a sale is taxed at
    A line is rung at the rate in force on its **order's business day**, and keeps that rate
    (``order_lines.tax_rate_percent``) whatever happens later, as a real till keeps the rate an
    item was rung under: an order rung before a change and paid after it (or carried over to the
    next day at a close) is taxed on its lines as they were rung, and its receipt, its refunds and
    the Z report show that rate.  Only a line rung after the change takes effect for the order's
    day (a change from today, on an order still open) is taxed at the new rate; the receipt then
    shows both rates, each on its own lines' base.

Why a change takes effect from today or later, never a past day
    A past day's sales were taxed, paid and (once closed) signed in its closing: changing its rate
    would make its receipts, its Z report and its closing disagree with the books.  A change from
    today applies to lines rung from then on (orders of today already rung keep their lines'
    rate); a change for a later day waits for it, and ``pos tax list`` shows it as scheduled.
    A change set for a later day stands when another is made from an earlier one.

The name is part of the history too, so a receipt reprinted later, or an old day's Z report,
names the category as it was named that day.  Every change is audited with the category as it
was and as it becomes on that day.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.base.errors import Conflict, InvalidInput, NotFound
from pos.store.days import current_day
from pos.store.store import iso, utc_now
from pos.store import audit

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

SINCE_THE_START = date(1, 1, 1)
"""The day a category's first row takes effect: since the store began."""

_TAX_CODE = re.compile(r"^[a-z][a-z0-9\-]{0,23}$")


class TaxCategory(NamedTuple):
    """A category as in force on one day: its code, name and rate in percent."""

    code: str
    name: str
    rate_percent: Decimal


class TaxRate(NamedTuple):
    """One row of a category's history: what it set from ``effective_from`` on, and the category as it is then."""

    id: int
    code: str
    effective_from: date
    name: str
    """The name from that day (the row's own, or the one already in force)."""
    rate_percent: Decimal
    """The rate from that day (the row's own, or the one already in force)."""
    set_at: str | None
    """When it was set (None: before the history was kept)."""
    set_by: str | None
    sets_name: bool = True
    sets_rate: bool = True

    @property
    def category(self) -> TaxCategory:
        return TaxCategory(self.code, self.name, self.rate_percent)

    @property
    def since(self) -> str:
        """``2026-12-01``, or ``the start`` for a category's first row."""
        return "the start" if self.effective_from == SINCE_THE_START else self.effective_from.isoformat()

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "rate_percent": str(self.rate_percent),
                "effective_from": None if self.effective_from == SINCE_THE_START else self.effective_from.isoformat(),
                "sets": [what for what, sets in (("name", self.sets_name), ("rate", self.sets_rate)) if sets],
                "set_at": self.set_at, "set_by": self.set_by}


# -- what a person types ----------------------------------------------------------------------------


def parse_rate(text: str) -> Decimal:
    """A tax rate in percent, like ``8.875``; 0 to 100, at most 4 decimals."""
    raw = (text or "").strip().removesuffix("%").strip()
    try:
        rate = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(f"'{text}' is not a tax rate: type a percentage like 8.875.") from None
    if not rate.is_finite() or rate < 0 or rate > 100:
        raise InvalidInput(f"Tax rate '{text}' must be between 0 and 100 percent.")
    if rate.as_tuple().exponent < -4:  # type: ignore[operator]
        raise InvalidInput(f"Tax rate '{text}' has more than 4 decimals: round it.")
    # normalize() drops trailing zeros but writes 10 as 1E+1: go back through fixed-point text.
    return Decimal(format(rate.normalize(), "f")) if rate != 0 else Decimal(0)


def _clean_code(code: str) -> str:
    value = (code or "").strip().lower()
    if not _TAX_CODE.match(value):
        raise InvalidInput(
            f"Tax category '{code}' is not valid: use lower-case letters, digits and '-', like food or alcohol."
        )
    return value


def _clean_name(text: str) -> str:
    from pos.base.text import clean_line

    name = clean_line(text, "tax category name")
    if not name:
        raise InvalidInput("The tax category name is empty: give one, like \"Prepared food\".")
    return name


# -- reading -----------------------------------------------------------------------------------------


_ROWS = ("SELECT r.id, r.code, r.effective_from, r.name, r.rate_percent, r.set_at, s.name FROM tax_rates r "
         "LEFT JOIN staff s ON s.id = r.set_by")


def _folded(rows: Any) -> list[TaxRate]:
    """Rows in the order they take effect (day, then as set), each with the name and rate in force from its day."""
    now: dict[str, tuple[str, Decimal]] = {}
    out = []
    for row_id, code, day, name, rate, set_at, set_by in rows:
        before_name, before_rate = now.get(code, ("", Decimal(0)))
        after = (before_name if name is None else name, before_rate if rate is None else Decimal(rate))
        now[code] = after
        out.append(TaxRate(row_id, code, date.fromisoformat(day), after[0], after[1], set_at, set_by,
                           name is not None, rate is not None))
    return out


def history(store: "Store", code: str | None = None) -> list[TaxRate]:
    """Every change of every category (or of ``code``), by code, in the order they take effect."""
    where, params = (" WHERE r.code = ?", (code,)) if code is not None else ("", ())
    rows = _folded(store.tuples(_ROWS + where + " ORDER BY r.effective_from, r.id", params))
    return sorted(rows, key=lambda row: (row.code, row.effective_from, row.id))


def rows_on(store: "Store", day: date) -> dict[str, TaxRate]:
    """Each category's last change in force on business day ``day`` (with its name and rate that day), by code."""
    found = {row.code: row for row in _folded(store.tuples(
        _ROWS + " WHERE r.effective_from <= ? ORDER BY r.effective_from, r.id", (day.isoformat(),)))}
    return dict(sorted(found.items()))


def scheduled(store: "Store", day: date) -> list[TaxRate]:
    """The changes set for a day after ``day``, by code and day."""
    return [row for row in history(store) if row.effective_from > day]


def _today(store: "Store") -> date:
    return current_day(store)


def tax_categories(store: "Store", day: date | None = None) -> list[TaxCategory]:
    """Every category as in force on business day ``day`` (default: the one open now), by code."""
    return [row.category for row in rows_on(store, day or _today(store)).values()]


def get_tax_category(store: "Store", code: str, day: date | None = None) -> TaxCategory:
    """A category as in force on business day ``day`` (default: the one open now)."""
    key = (code or "").strip().lower()
    name: str | None = None
    rate: str | None = None
    for row_name, row_rate in store.tuples(
        "SELECT name, rate_percent FROM tax_rates WHERE code = ? AND effective_from <= ? ORDER BY effective_from, id",
        (key, (day or _today(store)).isoformat()),
    ):
        name = row_name if row_name is not None else name
        rate = row_rate if row_rate is not None else rate
    if name is None or rate is None:
        known = ", ".join(c.code for c in tax_categories(store, day)) or "none yet"
        raise NotFound(f"No tax category '{code}' (known: {known}): add it with 'pos tax add'.")
    return TaxCategory(key, name, Decimal(rate))


def require_category(store: "Store", code: str) -> str:
    """The code of an existing category (any day's), or :class:`NotFound` naming the known ones."""
    key = (code or "").strip().lower()
    if store.one("SELECT 1 FROM tax_categories WHERE code = ?", (key,)) is None:
        known = ", ".join(r[0] for r in store.tuples("SELECT code FROM tax_categories ORDER BY code")) or "none yet"
        raise NotFound(f"No tax category '{code}' (known: {known}): add it with 'pos tax add'.")
    return key


# -- changing ----------------------------------------------------------------------------------------


def _insert(store: "Store", code: str, day: date, name: str | None, rate: Decimal | None,
            by: "StaffMember | None") -> int:
    actor = by.id if by is not None else store.memo.get("actor_id")
    cur = store.conn.execute(
        "INSERT INTO tax_rates(code, effective_from, name, rate_percent, set_at, set_by) VALUES (?, ?, ?, ?, ?, ?)",
        (code, day.isoformat(), name, None if rate is None else str(rate), iso(utc_now()), actor))
    return int(cur.lastrowid or 0)


def _values(category: TaxCategory) -> dict[str, str]:
    """What the audit trail keeps of a category, before and after a change."""
    return {"name": category.name, "rate_percent": str(category.rate_percent)}


def create_category(store: "Store", code: str, name: str, rate: Decimal, by: "StaffMember | None" = None) -> TaxCategory:
    """A new category in force since the store began (checked values; inside the caller's transaction)."""
    store.conn.execute("INSERT INTO tax_categories(code) VALUES (?)", (code,))
    _insert(store, code, SINCE_THE_START, name, rate, by)
    return TaxCategory(code, name, rate)


def add_tax_category(store: "Store", code: str, rate_text: str, name: str | None = None,
                     by: "StaffMember | None" = None) -> TaxCategory:
    """Create a tax category (``pos tax add``), in force since the store began; audited."""
    code = _clean_code(code)
    rate = parse_rate(rate_text)
    label = _clean_name(name or code.capitalize())
    with store.write() as conn:
        if store.one("SELECT 1 FROM tax_categories WHERE code = ?", (code,)):
            raise Conflict(f"Tax category '{code}' already exists: change its rate or name with "
                           f"'pos tax edit {code} --rate RATE --from DAY', or pick another code.")
        added = create_category(store, code, label, rate, by)
        audit.changed(store, audit.Event.TAX_CHANGED, code, None, _values(added))
    return added


def edit_tax_category(store: "Store", code: str, *, rate_text: str | None = None, name: str | None = None,
                      effective_from: date | None = None, by: "StaffMember | None" = None) -> TaxRate:
    """Change a category's rate and/or name from ``effective_from`` (default: the business day open now) on.

    What is not given stays as it is; a change already set for a later day stands (a rename from
    today does not undo a rate scheduled for next month).  Refused, writing nothing: an unknown
    category, a rate that is not 0 to 100 percent, a day before the one open now (its sales
    were taxed at its rate, and a closed day's totals are signed), or no change at all.
    """
    key = require_category(store, code)
    if rate_text is None and name is None:
        raise InvalidInput(f"Nothing to change for tax category {key}: give --rate, --name or both.")
    rate = parse_rate(rate_text) if rate_text is not None else None
    label = _clean_name(name) if name is not None else None
    today = _today(store)
    day = effective_from or today
    if day < today:
        raise InvalidInput(f"A tax rate changes from today ({today}) or a later day, not {day}: a past day keeps the "
                           "rate its sales were taxed at (and a closed day's totals are signed).")
    with store.write():
        before = get_tax_category(store, key, day)
        after = TaxCategory(key, label if label is not None else before.name,
                            rate if rate is not None else before.rate_percent)
        if after == before:
            raise Conflict(f"Tax category {key} is already {before.name} at {before.rate_percent}% on {day}: "
                           "nothing to change.")
        row_id = _insert(store, key, day, label, rate, by)
        audit.changed(store, audit.Event.TAX_CHANGED, key, _values(before), _values(after),
                      effective_from=day.isoformat())
    return next(row for row in history(store, key) if row.id == row_id)
