"""The catalog: the items a store sells (their tax categories, and each one's rate by day, are :mod:`pos.store.taxes`).

Prices are stored in minor units of the store's currency; tax rates are
exact decimal percentages (``"8.875"``).  Items are never deleted, only
deactivated, so that old orders keep pointing at something real.  The
order keeps its own copy of name, price and rate at the moment it was rung,
so editing the catalog never changes a sale already made.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple, TYPE_CHECKING

from pos.base.errors import Conflict, InvalidInput, NotFound
from pos.store.store import iso, utc_now
from pos.store.taxes import (TaxCategory, add_tax_category, get_tax_category, parse_rate,  # noqa: F401 - the catalog's
                       require_category, tax_categories)  # tax categories, by day: pos.store.taxes
from pos.base.text import NAME
from pos.store import audit

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._\-]{0,39}$")
MAX_NAME = NAME


class Item(NamedTuple):
    sku: str
    name: str
    price_minor: int
    tax_category: str
    active: bool


# -- validation, shared by the commands and the CSV import ---------------------


def clean_sku(text: str) -> str:
    """Normalise a SKU (upper case) and refuse malformed ones."""
    from pos.base.text import clean_line

    sku = clean_line(text, "SKU").upper()
    if not sku:
        raise InvalidInput("The SKU is empty: give one, like PIZZA-M or a barcode's digits.")
    if not _SKU.match(sku):
        raise InvalidInput(
            f"SKU '{text}' is not valid: use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit."
        )
    return sku


def clean_name(text: str, what: str = "item name") -> str:
    """Trim a display name and refuse empty, overlong ones or ones holding hidden characters (:mod:`pos.base.text`)."""
    from pos.base.text import clean_line

    name = clean_line(text, what)
    if not name:
        raise InvalidInput(f"The {what} is empty: give one, like \"Margherita 12in\".")
    return name


def parse_price(text: str, store: "Store") -> int:
    """A catalog price typed by a user, in the store's currency."""
    from pos.base.money_input import parse_amount

    s = store.settings
    return parse_amount(text, s.currency, s.locale, allow_negative=False).amount_minor


# -- items --------------------------------------------------------------------


def _values(item: Item) -> dict[str, object]:
    """What the audit trail keeps of an item, before and after a change."""
    return {"name": item.name, "price_minor": item.price_minor, "tax_category": item.tax_category,
            "active": item.active}


def _audit_item(store: "Store", sku: str, before: Item | None, after: Item, how: str) -> None:
    audit.changed(store, audit.Event.ITEM_CHANGED, sku, None if before is None else _values(before), _values(after),
                  how=how)


def _item(row: object) -> Item:
    return Item(row["sku"], row["name"], row["price_minor"], row["tax_category"], bool(row["active"]))  # type: ignore[index]


def add_item(store: "Store", sku: str, name: str, price_text: str, tax_category: str = "standard") -> Item:
    """Add an item to the catalog (``pos item add``)."""
    sku = clean_sku(sku)
    name = clean_name(name)
    price = parse_price(price_text, store)
    category = require_category(store, tax_category)
    now = iso(utc_now())
    with store.write() as conn:
        if store.one("SELECT 1 FROM items WHERE sku = ?", (sku,)):
            raise Conflict(f"SKU {sku} already exists: change it with 'pos item edit {sku}' or use another SKU.")
        conn.execute(
            "INSERT INTO items(sku, name, price_minor, tax_category, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?)",
            (sku, name, price, category, now, now),
        )
        added = Item(sku, name, price, category, True)
        _audit_item(store, sku, None, added, "added")
    return added


def get_item(store: "Store", sku: str) -> Item:
    """Look an item up by SKU (active or not)."""
    key = (sku or "").strip().upper()
    row = store.one("SELECT * FROM items WHERE sku = ?", (key,))
    if row is None:
        raise NotFound(f"No item with SKU '{sku}': check the code, or list items with 'pos item list'.")
    return _item(row)


def list_items(store: "Store", include_inactive: bool = False) -> list[Item]:
    """Catalog items ordered by name."""
    where = "" if include_inactive else "WHERE active = 1"
    return [_item(r) for r in store.all(f"SELECT * FROM items {where} ORDER BY name, sku")]


def search_items(store: "Store", query: str, limit: int = 10) -> tuple[list[Item], int]:
    """Items on sale whose SKU or name holds every word of ``query`` (any case), by name; and how many match in all.

    ``pepperoni`` finds "Pepperoni 12in"; ``pizza 16`` finds the 16in pizzas.  At most ``limit``
    items are returned, with the count of all that match so a screen can say there are more.
    """
    words = query.lower().split()
    if not words:
        return [], 0
    like = " AND ".join(["(lower(sku) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')"] * len(words))
    params: list[str] = []
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
    where = f"WHERE active = 1 AND {like}"
    total = int(store.scalar(f"SELECT count(*) FROM items {where}", tuple(params)))
    rows = store.all(f"SELECT * FROM items {where} ORDER BY name, sku LIMIT ?", (*params, limit))
    return [_item(r) for r in rows], total


def edit_item(
    store: "Store",
    sku: str,
    *,
    name: str | None = None,
    price_text: str | None = None,
    tax_category: str | None = None,
    active: bool | None = None,
) -> Item:
    """Change an item's name, price, tax category or active flag."""
    item = get_item(store, sku)
    if name is None and price_text is None and tax_category is None and active is None:
        raise InvalidInput(f"Nothing to change for {item.sku}: give --name, --price or --tax.")
    new = Item(
        item.sku,
        clean_name(name) if name is not None else item.name,
        parse_price(price_text, store) if price_text is not None else item.price_minor,
        require_category(store, tax_category) if tax_category is not None else item.tax_category,
        item.active if active is None else active,
    )
    with store.write() as conn:
        conn.execute(
            "UPDATE items SET name = ?, price_minor = ?, tax_category = ?, active = ?, updated_at = ? WHERE sku = ?",
            (new.name, new.price_minor, new.tax_category, int(new.active), iso(utc_now()), new.sku),
        )
        _audit_item(store, new.sku, item, new, "edited")
    return new


def deactivate_item(store: "Store", sku: str) -> Item:
    """Stop selling an item; past orders are unaffected."""
    item = get_item(store, sku)
    if not item.active:
        raise Conflict(f"{item.sku} ({item.name}) is already inactive.")
    return edit_item(store, sku, active=False)


# -- CSV import ----------------------------------------------------------------


class ImportResult(NamedTuple):
    added: int
    updated: int


class RowProblem(NamedTuple):
    line: int
    reason: str


class ImportRejected(InvalidInput):
    """A CSV import with bad rows: nothing was imported."""

    def __init__(self, path: str, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(f"line {p.line}: {p.reason}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        from pos.base.words import counted

        super().__init__(
            f"{path}: {counted(len(problems), 'bad row')}, nothing imported. {shown}{more}. Fix them and import again."
        )


REQUIRED_COLUMNS = ("sku", "name", "price")
OPTIONAL_COLUMNS = ("tax_category", "active")


def import_items(store: "Store", path: str, lines: Iterable[str]) -> ImportResult:
    """Import items from CSV text (``sku,name,price[,tax_category][,active]``).

    Every row is validated first; if any row is bad, nothing is imported and
    the error lists each bad line with its reason.  A SKU already in the
    catalog is updated (a price list refresh); a SKU twice in the file is an
    error.  The whole import is one transaction.
    """
    import csv

    reader = csv.DictReader(lines)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{path}: the header must name the columns sku,name,price (missing {', '.join(missing)})."
        )
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise InvalidInput(f"{path}: {'columns' if len(repeated) > 1 else 'column'} {', '.join(repeated)} "
                           f"{'appear' if len(repeated) > 1 else 'appears'} more than once in the header: keep one.")
    unknown = [h for h in header if h not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise InvalidInput(f"{path}: unknown {'columns' if len(unknown) > 1 else 'column'} {', '.join(unknown)}; allowed: sku,name,price,tax_category,active.")
    reader.fieldnames = header
    categories = {row[0] for row in store.tuples("SELECT code FROM tax_categories")}
    problems: list[RowProblem] = []
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record:
            problems.append(RowProblem(line, "more fields than the header has"))
            continue
        try:
            sku = clean_sku(record.get("sku") or "")
            if sku in seen:
                raise InvalidInput(f"SKU {sku} is also on line {seen[sku]}")
            seen[sku] = line
            name = clean_name(record.get("name") or "")
            price = parse_price(record.get("price") or "", store)
            category = (record.get("tax_category") or "standard").strip().lower()
            if category not in categories:
                raise InvalidInput(f"unknown tax category '{category}'")
            active_text = (record.get("active") or "").strip().lower()
            if active_text not in {"", "1", "0", "yes", "no", "true", "false"}:
                raise InvalidInput(f"active must be yes or no, not '{active_text}'")
        except InvalidInput as exc:
            problems.append(RowProblem(line, exc.message.rstrip(".")))
            continue
        rows.append(
            {
                "sku": sku,
                "name": name,
                "price_minor": price,
                "tax_category": category,
                # No 'active' given: new items go on sale, existing ones keep their flag.
                "active": None if not active_text else int(active_text in {"1", "yes", "true"}),
            }
        )
    if problems:
        raise ImportRejected(path, problems)
    if not rows:
        raise InvalidInput(f"{path} has no rows under its header: nothing imported.")
    now = iso(utc_now())
    with store.write():
        existing = {r["sku"]: _item(r) for r in store.all("SELECT * FROM items")}
        for row in rows:
            row["updated_at"] = now
            row["created_at"] = now
        new_rows = [{**r, "active": 1 if r["active"] is None else r["active"]} for r in rows if r["sku"] not in existing]
        old_rows = [r for r in rows if r["sku"] in existing]
        table = store.db["items"]
        if new_rows:
            table.insert_all(new_rows)  # type: ignore[union-attr]
        for row in old_rows:
            values = {k: v for k, v in row.items() if k not in {"sku", "created_at"} and v is not None}
            table.update(str(row["sku"]), values)  # type: ignore[union-attr]
        for row in new_rows + old_rows:  # each item's change in the audit trail, as an edit would put it
            sku = str(row["sku"])
            before = existing.get(sku)
            after = _item(store.one("SELECT * FROM items WHERE sku = ?", (sku,)))
            if before != after:
                _audit_item(store, sku, before, after, f"imported from {path}")
    return ImportResult(added=len(new_rows), updated=len(old_rows))
