"""``pos item ...`` and ``pos tax ...``: the catalog, its prices and tax categories."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import JsonFlag, NUMBERS, group, open_store
from commands.files import os_reason, show_path
from commands.output import emit, local_time, money, print_table
from pos.base.errors import InvalidInput
from commands.context import parse_day_option

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

item_app = group("The catalog: items and their prices.")
tax_app = group("Tax categories and their rates.")

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "item add": "MANAGE_CATALOG", "item edit": "MANAGE_CATALOG", "item deactivate": "MANAGE_CATALOG",
    "item import": "MANAGE_CATALOG", "tax add": "MANAGE_CATALOG", "tax edit": "MANAGE_CATALOG",
}

@tax_app.command("add", context_settings=NUMBERS)
def tax_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short code, like food or alcohol.")],
    rate: Annotated[str, typer.Argument(help="Rate in percent, like 8.875.")],
    name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a tax category (to change one, 'pos tax edit')."""
    from pos.store.taxes import add_tax_category

    category = add_tax_category(open_store(ctx), code, rate, name)
    emit(
        as_json,
        {"code": category.code, "name": category.name, "rate_percent": str(category.rate_percent)},
        f"Tax category {category.code} ({category.name}) at {category.rate_percent}%.",
    )


@tax_app.command("edit", context_settings=NUMBERS)
def tax_edit(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The category, like standard or alcohol.")],
    rate: Annotated[Optional[str], typer.Option(help="The new rate in percent, like 9.")] = None,
    name: Annotated[Optional[str], typer.Option(help="The new display name.")] = None,
    start: Annotated[Optional[str], typer.Option(
        "--from", help="Business day it takes effect: today (the default) or later; a past day keeps its rate.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Change a tax category's rate or name from a day on; sales before it keep the rate they were rung at."""
    from pos.store.taxes import edit_tax_category

    store = open_store(ctx)
    change = edit_tax_category(store, code, rate_text=rate, name=name, effective_from=parse_day_option(start))
    emit(as_json, change.as_dict(),
         f"Tax category {change.code} ({change.name}) at {change.rate_percent}% from {change.effective_from}; "
         "sales rung before keep their rate.")


@tax_app.command("list")
def tax_list(
    ctx: typer.Context,
    history: Annotated[bool, typer.Option("--history", help="Every change ever set, with who set it and when.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Tax categories as in force today, and the changes scheduled for later days (--history: every change)."""
    from pos.store import taxes
    from pos.store.days import current_day

    store = open_store(ctx)
    today = current_day(store)
    in_force = taxes.rows_on(store, today)
    rows = taxes.history(store) if history else [*in_force.values(), *taxes.scheduled(store, today)]
    rows.sort(key=lambda row: (row.code, row.effective_from, row.id))
    current = {row.id for row in in_force.values()}

    def state(row: "taxes.TaxRate") -> str:
        return "scheduled" if row.effective_from > today else "in force" if row.id in current else "past"

    def set_when(row: "taxes.TaxRate") -> str:
        from pos.store.store import parse_iso

        return local_time(store, parse_iso(row.set_at))[:10] if row.set_at else "before"  # the day: fits 80 columns

    def human() -> None:
        columns = ["Code", "Name", "Rate %", "From", ""] + (["Set", "By"] if history else [])
        print_table(f"Tax categories on {today}", columns,
                    [[row.code, row.name, str(row.rate_percent), row.since, state(row)]
                     + ([set_when(row), row.set_by or ""] if history else []) for row in rows], {2},
                    wrap={1, 6} if history else {1})

    emit(as_json, [{**row.as_dict(), "state": state(row)} for row in rows], human)


def _item_dict(store: "Store", item: Any) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "price_minor": item.price_minor,
        "currency": store.settings.currency,
        "tax_category": item.tax_category,
        "active": item.active,
    }


@item_app.command("add", context_settings=NUMBERS)
def item_add(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Code or barcode, like PIZZA-M.")],
    name: Annotated[str, typer.Argument(help="Name shown on receipts.")],
    price: Annotated[str, typer.Argument(help="Price, like 12.50.")],
    tax: Annotated[str, typer.Option("--tax", help="Tax category.")] = "standard",
    as_json: JsonFlag = False,
) -> None:
    """Add an item to the catalog."""
    from pos.store.catalog import add_item

    store = open_store(ctx)
    item = add_item(store, sku, name, price, tax)
    emit(as_json, _item_dict(store, item), f"Added {item.sku} {item.name} at {money(store, item.price_minor)} ({item.tax_category}).")


@item_app.command("list")
def item_list(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Include inactive items.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List the catalog."""
    from pos.store.catalog import list_items

    store = open_store(ctx)
    items = list_items(store, include_inactive)
    emit(
        as_json,
        [_item_dict(store, i) for i in items],
        lambda: print_table(
            "Items",
            ["SKU", "Name", "Price", "Tax", "Active"],
            [[i.sku, i.name, money(store, i.price_minor), i.tax_category, "yes" if i.active else "no"] for i in items],
            {2}, wrap={1},
        ),
    )


@item_app.command("edit")
def item_edit(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="SKU of the item to change.")],
    name: Annotated[Optional[str], typer.Option(help="New name.")] = None,
    price: Annotated[Optional[str], typer.Option(help="New price.")] = None,
    tax: Annotated[Optional[str], typer.Option("--tax", help="New tax category.")] = None,
    activate: Annotated[bool, typer.Option("--activate", help="Put an inactive item back on sale.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Change an item's name, price or tax category."""
    from pos.store.catalog import edit_item

    store = open_store(ctx)
    item = edit_item(store, sku, name=name, price_text=price, tax_category=tax, active=True if activate else None)
    emit(as_json, _item_dict(store, item), f"{item.sku} is now {item.name} at {money(store, item.price_minor)} ({item.tax_category}).")


@item_app.command("deactivate")
def item_deactivate(
    ctx: typer.Context, sku: Annotated[str, typer.Argument(help="SKU to stop selling.")], as_json: JsonFlag = False
) -> None:
    """Stop selling an item (past orders keep it)."""
    from pos.store.catalog import deactivate_item

    store = open_store(ctx)
    item = deactivate_item(store, sku)
    emit(as_json, _item_dict(store, item), f"{item.sku} {item.name} is no longer on sale.")


@item_app.command("import")
def item_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with columns sku,name,price[,tax_category][,active].")],
    as_json: JsonFlag = False,
) -> None:
    """Import items from CSV: every row is checked first; one bad row imports nothing."""
    from pos.store.catalog import import_items

    store = open_store(ctx)
    if "\0" in str(file):
        raise InvalidInput("A path cannot contain a NUL character: give the CSV file's path.")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            result = import_items(store, str(file), handle)
    except FileNotFoundError:
        raise InvalidInput(f"No file {show_path(file)}: check the path.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{show_path(file)} is a folder: give the CSV file inside it.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{show_path(file)} is not UTF-8 text: save it as CSV (UTF-8) and try again.") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InvalidInput(f"That path is too long ({len(str(file))} characters): give the CSV file's path.") from None
        raise InvalidInput(f"Cannot read {show_path(file)}: {os_reason(exc)}. Check the path and its permissions.") from None
    emit(
        as_json,
        {"added": result.added, "updated": result.updated},
        f"Imported {file}: {result.added} added, {result.updated} updated.",
    )
