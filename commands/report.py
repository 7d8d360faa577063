"""``pos report ...``: sales over a range of days for an owner's spreadsheet: item sales, and sales by period."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from commands.context import JsonFlag, day_or_today, group, open_store, parse_day_option
from commands.output import emit, money, print_table, say, say_csv, say_wrapped

report_app = group("Sales over days: item sales (the product mix), sales by day, week or hour; as CSV too.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {"report items": "READ_BOOKS", "report sales": "READ_BOOKS"}

FromOpt = Annotated[Optional[str], typer.Option("--from", help="First business day YYYY-MM-DD (default: today's).")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="Last business day (default: the first).")]
CsvFlag = Annotated[bool, typer.Option("--csv", help="Print CSV (amounts as plain numbers) for a spreadsheet.")]


def _range(ctx: typer.Context, start: Optional[str], end: Optional[str]) -> tuple[Any, Any, Any]:
    store = open_store(ctx)
    first = day_or_today(store, start)
    return store, first, parse_day_option(end) or first


@report_app.command("items")
def report_items(ctx: typer.Context, start: FromOpt = None, end: ToOpt = None, as_csv: CsvFlag = False,
                 as_json: JsonFlag = False) -> None:
    """Item sales: quantity, gross sales, discounts, returns and net sales per item (net sales as on the Z report:
    gross less discounts and refunds, before tax); best sellers; never sold."""
    from pos.base.money import Money, format_plain
    from pos.day.report import DEFINITIONS
    from pos.sales.sales_mix import item_sales
    from pos.base.text import shown
    from pos.base.words import counted

    store, first, last = _range(ctx, start, end)
    mix = item_sales(store, first, last)
    currency = store.settings.currency
    net_means = dict(DEFINITIONS)["Net sales"]  # one definition, the Z report's
    if as_csv:
        plain = lambda minor: format_plain(Money(minor, currency))  # noqa: E731
        # The net_sales column adds up to the Z report's net sales: refunds that returned no item have a row.
        say_csv([["sku", "item", "quantity", "orders", "gross_sales", "discounts", "returned_quantity", "refunds",
                  "net_sales", "currency"],
                 *[[i.sku, i.name, i.quantity, i.orders, plain(i.gross_minor), plain(i.discounts_minor),
                    i.returned_quantity, plain(i.returned_minor), plain(i.net_minor), currency] for i in mix.items],
                 *[[sku, name, 0, 0, plain(0), plain(0), 0, plain(0), plain(0), currency]
                   for sku, name in mix.never_sold if sku not in {i.sku for i in mix.items}],
                 *([["", "refunds not by item", 0, 0, plain(0), plain(0), 0, plain(mix.refunds_not_by_item_minor),
                     plain(-mix.refunds_not_by_item_minor), currency]] if mix.refunds_not_by_item_minor else [])])
        return

    def human() -> None:
        span = str(first) if first == last else f"{first} to {last}"
        say_wrapped(f"Item sales {span}: {counted(sum(i.quantity for i in mix.items), 'item')} sold, net sales "
                    f"{money(store, mix.net_sales_minor)} ({net_means})")
        for i in mix.items:
            say_wrapped(f"  {shown(i.sku)} {shown(i.name)}: {i.quantity} sold in {counted(i.orders, 'order')}, gross "
                        f"{money(store, i.gross_minor)}, discounts {money(store, i.discounts_minor)}, "
                        + (f"{i.returned_quantity} returned ({money(store, i.returned_minor)}), "
                           if i.returned_quantity else "") + f"net {money(store, i.net_minor)}")
        if mix.refunds_not_by_item_minor:
            say_wrapped(f"  Refunds that returned no item (amounts given back): "
                        f"{money(store, mix.refunds_not_by_item_minor)}")
        say_wrapped("Best sellers: " + (", ".join(f"{shown(i.name)} ({i.quantity})" for i in mix.best_sellers) or "none"))
        say_wrapped("Never sold: " + (", ".join(f"{shown(name)} ({shown(sku)})" for sku, name in mix.never_sold) or "none"))

    emit(as_json, {"from": first.isoformat(), "to": last.isoformat(), "currency": currency,
                   "net_sales_minor": mix.net_sales_minor, "refunds_not_by_item_minor": mix.refunds_not_by_item_minor,
                   "items": [{**i._asdict(), "net_minor": i.net_minor} for i in mix.items],
                   "best_sellers": [i.sku for i in mix.best_sellers],
                   "never_sold": [{"sku": sku, "name": name} for sku, name in mix.never_sold],
                   "definitions": {label: meaning for label, meaning in DEFINITIONS
                                   if label in ("Gross sales", "Discounts", "Refunds", "Net sales")}}, human)


@report_app.command("sales")
def report_sales(
    ctx: typer.Context, start: FromOpt = None, end: ToOpt = None,
    by: Annotated[str, typer.Option("--by", help="day, week (from Monday) or hour (of the day, over the range).")] = "day",
    as_csv: CsvFlag = False, as_json: JsonFlag = False,
) -> None:
    """Sales per day, week or hour: orders, gross sales, discounts, refunds, net sales, tax (the Z report's words)."""
    from pos.base.money import Money, format_plain
    from pos.sales.sales_mix import parse_period, sales_by_period

    period = parse_period(by)
    store, first, last = _range(ctx, start, end)
    rows = sales_by_period(store, first, last, period)
    currency = store.settings.currency
    if as_csv:
        plain = lambda minor: format_plain(Money(minor, currency))  # noqa: E731
        say_csv([[period.value, "orders", "gross_sales", "discounts", "refunds", "net_sales", "tax", "net_sales_with_tax",
               "currency"],
              *[[r.period, r.orders, plain(r.gross_minor), plain(r.discounts_minor), plain(r.refunds_minor),
                 plain(r.net_minor), plain(r.tax_minor), plain(r.with_tax_minor), currency] for r in rows]])
        return

    def human() -> None:
        say_wrapped(f"Sales by {period.value}, {first} to {last}: gross sales are before discounts, refunds and tax; "
                    "net sales after discounts and refunds, before tax")
        print_table(None, ["Period", "Orders", "Gross", "Discounts", "Refunds", "Net", "Tax", "With tax"],
                    [[r.period, str(r.orders), money(store, r.gross_minor), money(store, r.discounts_minor),
                      money(store, r.refunds_minor), money(store, r.net_minor), money(store, r.tax_minor),
                      money(store, r.with_tax_minor)] for r in rows], right=set(range(1, 8)))

    emit(as_json, {"from": first.isoformat(), "to": last.isoformat(), "by": period.value, "currency": currency,
                   "periods": [{**r._asdict(), "with_tax_minor": r.with_tax_minor} for r in rows]}, human)
