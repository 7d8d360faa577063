"""Item sales (the product mix) and sales by day, week and hour over a range of days, as text, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from payments.refunds import refund
from pos.cash import drawer
from pos.store.catalog import add_item
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order
from pos.day.report import day_report
from pos.sales.sales_mix import Period, item_sales, sales_by_period
from pos.store.store import Store
from tests.conftest import snapshot

MONDAY = date(2026, 11, 23)
SMALL_TABLES = ("items", "tax_categories")  # the catalog: read whole, its size is the menu's, not the history's


def _sell(store: Store, *skus: str, discount: str | None = None) -> str:
    order = new_order(store, "counter")
    for sku in skus:
        add_line(store, order.id, sku)
    if discount:
        add_discount(store, order.id, discount, "regular")
    service.pay(store, order.id, "cash")
    return order.id


@pytest.fixture
def week(store: Store) -> Store:
    """Monday: 2 pizzas and a soda (10% off), then a soda at 18:30; Wednesday: a soda, refunded $1.00.
    The garlic bread never sells."""
    add_item(store, "GARLIC", "Garlic bread", "4.50")
    with freeze_time("2026-11-23 17:00:00"):  # noon in New York
        drawer.open_drawer(store, 1, "100")
        _sell(store, "PIZZA-M", "PIZZA-M", "SODA", discount="10%")
    with freeze_time("2026-11-23 23:30:00"):  # 18:30
        _sell(store, "SODA")
    with freeze_time("2026-11-25 17:00:00"):
        order = _sell(store, "SODA")
        refund(store, order, "1.00", "flat")
    return store


def test_item_sales_have_quantity_and_net_sales_per_item_best_sellers_and_items_never_sold(week: Store) -> None:
    mix = item_sales(week, MONDAY, date(2026, 11, 29))
    by_sku = {i.sku: i for i in mix.items}
    pizza, soda = by_sku["PIZZA-M"], by_sku["SODA"]
    assert (pizza.quantity, pizza.orders, pizza.gross_minor) == (2, 1, 2500)
    assert (soda.quantity, soda.orders, soda.gross_minor) == (3, 3, 747)
    # 10% off 27.49 is 2.75, shared by the lines in proportion: 2.50 on the pizzas, 0.25 on the soda
    assert (pizza.discounts_minor, soda.discounts_minor) == (250, 25)
    assert (pizza.net_minor, soda.net_minor) == (2250, 722)
    assert [i.sku for i in mix.items] == ["PIZZA-M", "SODA"]  # by net sales
    assert [i.sku for i in mix.best_sellers] == ["SODA", "PIZZA-M"]  # by quantity
    assert mix.never_sold == (("GARLIC", "Garlic bread"),)
    # One day's item sales add up to that day's Z report before refunds.
    monday = day_report(week, MONDAY)
    assert sum(i.net_minor for i in item_sales(week, MONDAY, MONDAY).items) == \
        monday.gross_sales_minor - monday.discounts_minor


def test_sales_by_day_week_and_hour_use_the_z_reports_words(week: Store) -> None:
    days = sales_by_period(week, MONDAY, date(2026, 11, 25), Period.DAY)
    assert [d.period for d in days] == ["2026-11-23", "2026-11-24", "2026-11-25"]  # a day with nothing is a row
    monday, tuesday, wednesday = days
    z = day_report(week, MONDAY)
    assert (monday.orders, monday.gross_minor, monday.discounts_minor, monday.net_minor, monday.tax_minor) == \
        (2, z.gross_sales_minor, z.discounts_minor, z.net_sales_minor, z.tax_minor)
    assert tuesday.orders == 0 and tuesday.gross_minor == 0
    z_wed = day_report(week, date(2026, 11, 25))
    assert (wednesday.refunds_minor, wednesday.net_minor, wednesday.tax_minor) == \
        (z_wed.refunds_minor, z_wed.net_sales_minor, z_wed.tax_minor)
    assert 0 < wednesday.refunds_minor < 100  # the $1.00 refund, before tax
    (whole,) = sales_by_period(week, MONDAY, date(2026, 11, 29), Period.WEEK)
    assert whole.period == "2026-11-23" and whole.net_minor == sum(d.net_minor for d in days)
    weeks = sales_by_period(week, date(2026, 11, 25), date(2026, 12, 1), Period.WEEK)
    assert [w.period for w in weeks] == ["2026-11-23", "2026-11-30"]  # weeks from Monday
    hours = sales_by_period(week, MONDAY, date(2026, 11, 29), Period.HOUR)
    assert [h.period for h in hours] == [f"{h:02d}:00" for h in range(12, 19)]  # noon to 18:30, the hours between too
    assert hours[0].orders == 2 and hours[-1].orders == 1  # noon on Monday and Wednesday together


def test_the_report_commands_print_text_json_and_csv(week: Store, cli_for) -> None:
    cli = cli_for(week)
    with freeze_time("2026-11-30 12:00:00"):
        text = " ".join(cli.ok("report", "items", "--from", "2026-11-23", "--to", "2026-11-29").stdout.split())
        # Net sales as on the Z report: Wednesday's $1.00 gesture gave back $0.92 of sales (and its tax).
        assert ("Item sales 2026-11-23 to 2026-11-29: 5 items sold, net sales $28.80 (gross sales less discounts "
                "and refunds, before tax)") in text
        assert "Refunds that returned no item (amounts given back): $0.92" in text
        assert "PIZZA-M Margherita 12in: 2 sold in 1 order, gross $25.00, discounts $2.50, net $22.50" in text
        assert "Best sellers: Soda 20oz (3), Margherita 12in (2)" in text and "Never sold: Garlic bread (GARLIC)" in text
        rows = list(csv.reader(io.StringIO(cli.ok("report", "items", "--from", "2026-11-23", "--to", "2026-11-29",
                                                  "--csv").stdout)))
        assert rows[0] == ["sku", "item", "quantity", "orders", "gross_sales", "discounts", "returned_quantity",
                           "refunds", "net_sales", "currency"]
        assert rows[1] == ["PIZZA-M", "Margherita 12in", "2", "1", "25.00", "2.50", "0", "0.00", "22.50", "USD"]
        assert rows[-2] == ["GARLIC", "Garlic bread", "0", "0", "0.00", "0.00", "0", "0.00", "0.00", "USD"]
        assert rows[-1] == ["", "refunds not by item", "0", "0", "0.00", "0.00", "0", "0.92", "-0.92", "USD"]
        data = json.loads(cli.ok("report", "items", "--from", "2026-11-23", "--to", "2026-11-29", "--json").stdout)
        assert data["best_sellers"] == ["SODA", "PIZZA-M"] and data["items"][0]["net_minor"] == 2250
        rows = list(csv.reader(io.StringIO(cli.ok("report", "sales", "--from", "2026-11-23", "--to", "2026-11-25",
                                                  "--by", "day", "--csv").stdout)))
        assert rows[0] == ["day", "orders", "gross_sales", "discounts", "refunds", "net_sales", "tax",
                           "net_sales_with_tax", "currency"]
        assert [r[0] for r in rows[1:]] == ["2026-11-23", "2026-11-24", "2026-11-25"]
        assert rows[2][1:] == ["0", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "USD"]
        text = cli.ok("report", "sales", "--from", "2026-11-23", "--to", "2026-11-29", "--by", "week").stdout
        assert "Sales by week, 2026-11-23 to 2026-11-29" in text and "2026-11-23" in text
        hours = json.loads(cli.ok("report", "sales", "--from", "2026-11-23", "--by", "hour", "--json").stdout)
        assert [p["period"] for p in hours["periods"]] == [f"{h:02d}:00" for h in range(12, 19)]


def test_items_given_back_by_a_refund_by_item_count_as_returns_on_the_day_the_money_went_back(
    week: Store, cli_for
) -> None:
    """Thursday a soda and a pizza sell; Friday the soda comes back (a refund by item): Friday's product mix
    shows one soda returned with its net sale, not sold that day; the week nets it off; the Z report agrees."""
    with freeze_time("2026-11-26 17:00:00"):
        order = _sell(week, "SODA", "PIZZA-M")
    with freeze_time("2026-11-27 17:00:00"):
        refund(week, order, None, "", lines=[(1, 1)])
    friday = date(2026, 11, 27)
    soda = {i.sku: i for i in item_sales(week, friday, friday).items}["SODA"]
    assert (soda.quantity, soda.returned_quantity, soda.returned_minor, soda.net_minor) == (0, 1, 249, -249)
    mix = item_sales(week, friday, friday)
    assert ("SODA", "Soda 20oz") in mix.never_sold and mix.best_sellers == ()
    assert day_report(week, friday).refunded_items == 1
    week_soda = {i.sku: i for i in item_sales(week, MONDAY, date(2026, 11, 29)).items}["SODA"]
    assert (week_soda.quantity, week_soda.returned_quantity) == (4, 1)
    assert week_soda.net_minor == week_soda.sold_minor - 249
    # an amount-only refund (Wednesday's $1.00) gives no item back
    assert item_sales(week, date(2026, 11, 25), date(2026, 11, 25)).items[0].returned_quantity == 0
    with freeze_time("2026-11-30 12:00:00"):
        text = " ".join(cli_for(week).ok("report", "items", "--from", "2026-11-27", "--to", "2026-11-27").stdout.split())
        assert "SODA Soda 20oz: 0 sold in 0 orders, gross $0.00, discounts $0.00, 1 returned ($2.49), net -$2.49" \
            in text
        rows = list(csv.reader(io.StringIO(cli_for(week).ok("report", "items", "--from", "2026-11-27", "--to",
                                                            "2026-11-27", "--csv").stdout)))
        assert [r[0] for r in rows[1:]].count("SODA") == 1


@pytest.mark.parametrize("args, says", [
    (["report", "sales", "--by", "month"], "day, week or hour"),
    (["report", "sales", "--from", "2026-11-25", "--to", "2026-11-23"], "before it starts"),
    (["report", "items", "--from", "2025-01-01", "--to", "2026-11-23"], "366 days or fewer"),
    (["report", "items", "--from", "23/11/2026"], "YYYY-MM-DD"),
])
def test_bad_ranges_and_periods_are_refused_and_write_nothing(week: Store, cli_for, args, says) -> None:
    before = snapshot(week.path)
    with freeze_time("2026-11-30 12:00:00"):
        cli_for(week).fails(*args, says=says)
    assert snapshot(week.path) == before


def test_the_range_costs_the_range(week: Store) -> None:
    """Every query reads the range's entries through an index, never the whole journal or every order."""
    import sqlite3

    statements: list[str] = []
    week.conn.set_trace_callback(statements.append)
    try:
        item_sales(week, MONDAY, MONDAY)
        sales_by_period(week, MONDAY, MONDAY, Period.HOUR)
    finally:
        week.conn.set_trace_callback(None)
    raw = sqlite3.connect(week.path)
    scans = [(row[-1], sql[:60]) for sql in statements if sql.lstrip().upper().startswith("SELECT")
             for row in raw.execute("EXPLAIN QUERY PLAN " + sql)
             if row[-1].startswith("SCAN") and row[-1].split()[1] not in SMALL_TABLES]
    raw.close()
    assert len([s for s in statements if 'journal_entries' in s]) >= 3  # the range's reads were seen
    assert scans == []


def test_the_item_reports_net_sales_are_the_z_reports_for_the_same_day(week: Store, cli_for) -> None:
    """Issue 23: the item report's "net sales" and the Z report's differed for the same day (one before returns).
    One definition, stated in both: gross sales less discounts and refunds, before tax."""
    friday = date(2026, 11, 27)
    with freeze_time("2026-11-27 17:00:00"):
        order = _sell(week, "SODA", "PIZZA-M", "PIZZA-M", discount="10%")
        refund(week, order, None, "", lines=[(2, 1)])  # a pizza comes back
        refund(week, order, "1.00", "slow service")  # and a goodwill gesture, no item
    z = day_report(week, friday)
    cli = cli_for(week)
    definition = "gross sales less discounts and refunds, before tax"
    with freeze_time("2026-11-30 12:00:00"):
        text = " ".join(cli.ok("report", "items", "--from", "2026-11-27").stdout.split())
        data = json.loads(cli.ok("report", "items", "--from", "2026-11-27", "--json").stdout)
        rows = list(csv.reader(io.StringIO(cli.ok("report", "items", "--from", "2026-11-27", "--csv").stdout)))
        z_text = " ".join(cli.ok("day", "report", "--day", "2026-11-27").stdout.split())
        z_data = json.loads(cli.ok("day", "report", "--day", "2026-11-27", "--json").stdout)
    net = f"${z.net_sales_minor // 100}.{z.net_sales_minor % 100:02d}"
    assert f"net sales {net} ({definition})" in text, text
    assert f"Net sales {net} {definition}" in z_text
    assert data["net_sales_minor"] == z_data["net_sales_minor"] == z.net_sales_minor
    assert data["definitions"]["Net sales"] == z_data["definitions"]["Net sales"] == definition
    column = rows[0].index("net_sales")
    assert sum(int(row[column].replace(".", "")) for row in rows[1:]) == z.net_sales_minor  # the column adds up
    mix = item_sales(week, friday, friday)
    assert mix.net_sales_minor == z.net_sales_minor == z.gross_sales_minor - z.discounts_minor - z.refunds_minor
    assert sum(i.net_minor for i in mix.items) - mix.refunds_not_by_item_minor == z.net_sales_minor
    pizza = {i.sku: i for i in mix.items}["PIZZA-M"]
    assert pizza.net_minor == pizza.gross_minor - pizza.discounts_minor - pizza.returned_minor  # after its return
