"""The Z report in the words owners and accountants use: the sales statement, drawers, cashiers, drivers,
tender names, and the day PDF that shows the same (its text and the place of each line, read with pypdf)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest
from freezegun import freeze_time

from payments import cod, service
from payments.refunds import refund, void
from pos.cash import drawer
from pos.books import ledger
from pos.store.catalog import add_item, add_tax_category
from pos.day.close import close_day
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order, remove_line
from pos.day.report import day_report, report_dict, statement
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from tests import golden_pdf

DAY = date(2026, 11, 23)
DURING = "2026-11-23 17:00:00"  # noon in New York
AFTER = "2026-11-24 10:00:00"  # past the 04:00 rollover
SMALL_TABLES = ("items", "tax_categories")  # the catalog: read whole, its size is the menu's, not the history's
MM = 72 / 25.4  # points per millimetre: page geometry, never money


def dollars(minor: int) -> str:
    """How the report prints a USD amount: ``$12.34``, ``-$0.25`` (integer arithmetic)."""
    sign = "-" if minor < 0 else ""
    return f"{sign}${abs(minor) // 100:,}.{abs(minor) % 100:02d}"


@pytest.fixture
def day(store: Store) -> Store:
    """Alice and Bob at the counter, Dave on the road: a discount, a tip, a refund, a void, a line taken off, a
    no-sale, a delivery paid at the door; then the close, drawer 1 counted 25 cents short."""
    with freeze_time(DURING):
        add_tax_category(store, "alcohol", "10", "Alcohol")
        add_item(store, "BEER", "Lager", "5.00", "alcohol")
        alice = add_staff(store, "Alice", "cashier", "2580")
        bob = add_staff(store, "Bob", "cashier", "2580")
        add_staff(store, "Dave", "driver", "2580")
        for name in ("Alice", "Bob", "Dave"):
            start_shift(store, name)
        drawer.open_drawer(store, 1, "100")
        first = new_order(store, "counter", created_by=alice.id)
        add_line(store, first.id, "PIZZA-M", 2)                          # 25.00
        add_discount(store, first.id, "10%", "regular", by=alice)        # -2.50; tax 8.875% of 22.50 = 2.00
        service.pay(store, first.id, "cash", "30", tip_minor=200, tip_to="Alice")
        second = new_order(store, "counter", created_by=bob.id)
        add_line(store, second.id, "SODA")                               # 2.49, tax 0.22
        add_line(store, second.id, "BEER")                               # 5.00, tax 0.50
        add_line(store, second.id, "SODA")
        remove_line(store, second.id, by=bob)                            # a line voided: 2.71
        service.pay(store, second.id, "cash", "10")
        refund(store, second.id, "2.00", "flat", by=bob)
        gone = new_order(store, "counter", created_by=alice.id)
        add_line(store, gone.id, "SODA")
        void(store, gone.id, "customer left", by=alice)
        store.memo["actor_id"] = bob.id
        drawer.no_sale(store, 1, "change for a $20")
        store.memo.pop("actor_id")
        trip = new_order(store, "delivery", address="4 Elm Street", created_by=alice.id)
        add_line(store, trip.id, "SODA")                                 # 2.71 due
        cod.dispatch(store, trip.id, "Dave")
        cod.collect(store, trip.id, "5")                                 # Dave keeps 2.71, gives 2.29 back
        cod.handin(store, "Dave", "2.00", register=1, received_by=alice)
    with freeze_time(AFTER):
        expected = drawer.expected_cash(store, 1)
        close_day(store, DAY, {1: dollars(expected - 25)[1:]}, counted_by=get_staff(store, "Bob"))
    return store


def test_the_statement_runs_from_gross_sales_to_total_collected_and_tips_come_apart(day: Store) -> None:
    r = day_report(day, DAY)
    moved = ledger.balances(day, day=DAY)
    usd = lambda account: moved.get((account, "USD"), 0)  # noqa: E731
    assert r.gross_sales_minor == 2500 + 249 + 500 + 249  # every item sold, before discounts, refunds and tax
    assert r.discounts_minor == 250
    # the $2.00 refund gives back sales and tax in proportion: its sales part is the refund, before tax
    assert r.refunds_minor == sum(p.amount_minor for e in ledger.iter_entries(day, day=DAY) if e.key.startswith("refund:")
                                  for p in e.postings if p.account == "income:sales")
    assert 0 < r.refunds_minor < 200
    assert r.net_sales_minor == r.gross_sales_minor - r.discounts_minor - r.refunds_minor
    assert r.net_sales_minor == -(usd("income:sales") + usd("income:discounts"))
    assert r.tax_by_category == {"alcohol": -usd("liabilities:tax:alcohol"), "standard": -usd("liabilities:tax:standard")}
    assert r.tax_by_rate == {"8.875": r.tax_by_category["standard"], "10": r.tax_by_category["alcohol"]}
    assert r.total_collected_minor == r.net_sales_minor + r.tax_minor
    # What was collected for sales is what the tenders took less what went back, tax included, tips apart.
    assert r.total_collected_minor == sum(r.payments_by_tender.values()) - 200
    assert r.tips_minor == 200 and r.total_collected_minor + r.tips_minor != r.total_collected_minor
    labels = [label for label, _, _ in statement(r)]
    assert labels == ["Gross sales", "Discounts", "Refunds", "Net sales", "Tax", "Total collected", "Tips"]
    assert dict((label, meaning) for label, _, meaning in statement(r))["Gross sales"] == \
        "what the items sold came to, before discounts, refunds and tax"
    # A closing keeps the figures it was signed with (sales as charged, refunds as money given back).
    from pos.day.closings import day_totals

    totals = day_totals(day, DAY)
    assert totals["sales_minor"] == r.sales_charged_minor == 2450 + 821 + 271
    assert totals["refunds_minor"] == 200 and totals["discounts_minor"] == usd("income:discounts")


def test_each_drawer_shows_what_was_expected_and_what_was_counted(day: Store) -> None:
    r = day_report(day, DAY)
    (line,) = r.drawers.values()
    assert line.counted_minor == line.expected_minor - 25 and line.over_short_minor == -25
    assert line.counted_minor == ledger.balances(day, day=DAY)[("assets:cash:safe", "USD")]
    assert r.over_short_by_drawer == {1: -25}


def test_a_section_per_cashier_and_per_driver(day: Store) -> None:
    r = day_report(day, DAY)
    alice, bob = r.cashiers["alice"], r.cashiers["bob"]
    assert (alice.name, alice.orders, alice.sales_minor, alice.discounts_minor) == ("Alice", 2, 2500 + 249, 250)
    assert (alice.voids, alice.voided_minor, alice.refunds, alice.no_sales) == (1, 271, 0, 0)
    assert (bob.orders, bob.sales_minor, bob.refunds, bob.refunds_minor, bob.no_sales) == (1, 749, 1, 200, 1)
    assert (bob.voids, bob.voided_minor) == (1, 271)  # the soda he took off
    assert sum(c.sales_minor for c in r.cashiers.values()) == r.gross_sales_minor
    dave = r.drivers["dave"]
    assert (dave.name, dave.deliveries, dave.collected_minor, dave.handed_in_minor, dave.holding_minor) == \
        ("Dave", 1, 271, 200, 71)


def test_the_day_costs_the_day_every_query_by_an_index(day: Store) -> None:
    statements: list[str] = []
    day.conn.set_trace_callback(statements.append)
    try:
        day_report(day, DAY)
    finally:
        day.conn.set_trace_callback(None)
    raw = sqlite3.connect(day.path)
    scans = []
    for sql in statements:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        for row in raw.execute("EXPLAIN QUERY PLAN " + sql):
            detail = row[-1]
            if detail.startswith("SCAN") and detail.split()[1] not in SMALL_TABLES:
                scans.append((detail, sql[:80]))
    raw.close()
    assert len([s for s in statements if 'journal_entries' in s]) >= 4  # the day's reads were seen
    assert scans == []


def test_the_cli_report_says_it_in_words_and_json_agrees(day: Store, cli_for) -> None:
    cli = cli_for(day)
    with freeze_time(AFTER):
        text = cli.ok("day", "report", "--day", DAY.isoformat()).stdout
        data = json.loads(cli.ok("day", "report", "--day", DAY.isoformat(), "--json").stdout)
    r = day_report(day, DAY)
    for label, amount, meaning in statement(r):
        line = next(line for line in text.splitlines() if line.strip().startswith(label))
        assert meaning in line and dollars(amount) in line
    assert "Tax by rate: 8.875% $" in text and "Standard (8.875%)" in text and "Alcohol (10%)" in text
    assert "Payments by tender: Cash $" in text and "Cash on delivery $2.71" in text and "cod" not in text
    drawer_1 = r.drawers[1]
    assert (f"Drawer 1: expected {dollars(drawer_1.expected_minor)}, counted {dollars(drawer_1.counted_minor)}: "
            "short $0.25") in text
    assert "Cashier Alice: 2 orders, sales $27.49, discounts $2.50, 0 refunds $0.00, 1 void $2.71, 0 no-sales" in text
    assert "Cashier Bob: 1 order, sales $7.49, discounts $0.00, 1 refund $2.00, 1 void $2.71, 1 no-sale" in text
    assert "Driver Dave: 1 delivery, collected $2.71, handed in $2.00, still holds $0.71" in text
    assert data["gross_sales_minor"] == r.gross_sales_minor and data["total_collected_minor"] == r.total_collected_minor
    assert data["drawers"]["1"] == {"expected_minor": drawer_1.expected_minor, "counted_minor": drawer_1.counted_minor,
                                    "over_short_minor": -25}
    assert data["cashiers"]["bob"]["no_sales"] == 1 and data["drivers"]["dave"]["deliveries"] == 1
    assert data["definitions"]["Net sales"] == "gross sales less discounts and refunds, before tax"
    assert data == json.loads(json.dumps(report_dict(r) | {"closing": data["closing"]}, default=str))


def test_tenders_are_named_in_peoples_words_in_one_place() -> None:
    from payments.base import TenderKind, tender_label

    assert [t.label for t in TenderKind] == ["Cash", "Cash on delivery", "Card", "Phone wallet", "Payment link",
                                             "Self-checkout"]
    assert tender_label("self_checkout") == "Self-checkout" and tender_label("barter") == "barter"


# -- the day PDF ----------------------------------------------------------------------------------


def _lines(data: bytes) -> list[list]:
    return [line for page in golden_pdf.layout(data)["pages"] for line in page["lines"]]


def test_the_pie_labels_stand_beside_it_apart_and_the_tips_heading_prints_once(day: Store) -> None:
    from receipts import day_pdf

    r = day_report(day, DAY)
    lines = _lines(day_pdf.render(day, r))
    legend = [line for line in lines if line[0].endswith("%)") and "  " in line[0]]
    assert [line[0].split("  ")[0] for line in legend] == ["Cash", "Cash on delivery"]
    pie_right = 15 * MM + 40 * MM  # the left margin and the pie's width
    assert all(line[3] > pie_right for line in legend)  # outside the pie: never clipped by it, never on a wedge
    ys = sorted(line[4] for line in legend)
    assert all(b - a >= line[2] for a, b, line in zip(ys, ys[1:], legend))  # never on top of each other
    assert "Cash on delivery  $2.71" in legend[1][0]
    assert sum(1 for line in lines if "Tips per person" in line[0]) == 1
    texts = [line[0] for line in lines]
    assert "cod" not in texts and "Cash on delivery" in texts  # the tender table too
    for label, amount, meaning in statement(r):
        row = [line for line in lines if line[0] == label]
        assert row, label
        same_row = {line[0] for line in lines if abs(line[4] - row[0][4]) < 0.5}
        assert meaning in same_row  # the definition is printed beside its figure
    drawer_row = {line[0] for line in lines if abs(line[4] - next(x for x in lines if x[0] == "Drawer 1")[4]) < 0.5}
    assert {"Drawer 1", dollars(r.drawers[1].expected_minor), dollars(r.drawers[1].counted_minor), "-$0.25"} <= drawer_row
    assert {"Alice", "Bob"} <= set(texts) and "Dave" in texts


def test_sales_by_hour_spans_the_opening_hours_even_with_one_hour_of_sales(day: Store) -> None:
    from pos.store import config
    from receipts import day_pdf

    r = day_report(day, DAY)
    assert day_pdf.sales_by_hour(day, DAY, r) == {12: r.gross_sales_minor}  # one hour of sales
    hours = [t for t in (line[0] for line in _lines(day_pdf.render(day, r))) if len(t) == 3 and t.endswith("h")]
    assert hours == [f"{h:02d}h" for h in range(9, 21)]  # the default 09:00 to 21:00
    config.set_option(day, "hours.open", "11:00")
    config.set_option(day, "hours.close", "1:30")  # after midnight: the next morning
    assert day_pdf.opening_hours(day) == [*range(11, 24), 0, 1]
    hours = [t for t in (line[0] for line in _lines(day_pdf.render(day, r))) if len(t) == 3 and t.endswith("h")]
    assert hours == [f"{h:02d}h" for h in [*range(11, 24), 0, 1]]
    config.set_option(day, "hours.open", "14:00")  # a sale before opening still shows, and the hours between
    assert list(day_pdf.chart_hours(day, {12: 5})) == [*range(12, 24), 0, 1]


@pytest.mark.parametrize("text", ["25:00", "9", "09:5", "ab:cd", "24:30", "-1:00", ""])
def test_opening_hours_refuse_what_is_not_a_time(store: Store, text: str) -> None:
    from pos.store import config
    from pos.base.errors import InvalidInput

    with pytest.raises(InvalidInput, match="HH:MM"):
        config.set_option(store, "hours.open", text)
    assert config.get(store, "hours.open") == "09:00"


def test_paper_follows_the_stores_country(make_store) -> None:
    from pypdf import PdfReader
    import io

    from receipts import day_pdf

    sizes = {}
    for locale, currency in (("en_US", "USD"), ("en_CA", "CAD"), ("es_MX", "MXN"), ("de_DE", "EUR"),
                             ("en_GB", "GBP"), ("ja_JP", "JPY")):
        shop = make_store(f"{locale}.db", locale=locale, currency=currency)
        with freeze_time(DURING):
            box = PdfReader(io.BytesIO(day_pdf.render(shop, day_report(shop, DAY)))).pages[0].mediabox
        sizes[locale] = (round(float(box.width)), round(float(box.height)))
    letter, a4 = (612, 792), (595, 842)
    assert sizes == {"en_US": letter, "en_CA": letter, "es_MX": letter, "de_DE": a4, "en_GB": a4, "ja_JP": a4}


def test_a_refund_back_to_card_and_cash_counts_once_with_its_tenders_under_it(make_store, cli_for) -> None:
    """Issue 23: a refund that went back to a card and to cash was counted as 2 refunds."""
    shop = make_store(training=True)
    add_item(shop, "PIZZA-M", "Margherita 12in", "12.50")                # 13.61 with tax
    with freeze_time(DURING):
        alice = add_staff(shop, "Alice", "cashier", "2580")
        drawer.open_drawer(shop, 1, "100")
        order = new_order(shop, "counter", created_by=alice.id)
        add_line(shop, order.id, "PIZZA-M")
        service.pay(shop, order.id, "card", "8.00")
        service.pay(shop, order.id, "cash")                               # 5.61
        back = refund(shop, order.id, None, "wrong order", by=alice)
        assert len(back.parts) == 2                                       # one refund, two tenders
        r = day_report(shop, DAY)
        text = cli_for(shop).ok("day", "report").stdout
        data = json.loads(cli_for(shop).ok("day", "report", "--json").stdout)
    assert r.refunds_count == 1 and r.refunds_paid_minor == 1361
    assert r.refunds_by_tender == {"card": 800, "cash": 561} and data["refunds_by_tender"] == {"card": 800, "cash": 561}
    assert r.cashiers["alice"].refunds == 1 and r.cashiers["alice"].refunds_minor == 1361
    lines = text.splitlines()
    at = lines.index("Refunds given: 1 refund, $13.61 back with tax:")
    assert lines[at + 1:at + 3] == ["  to Card: $8.00", "  to Cash: $5.61"]
    assert "Cashier Alice: 1 order, sales $12.50, discounts $0.00, 1 refund $13.61" in text
    from receipts import day_pdf

    lines_at = {}  # the PDF's texts by their height on the page: a label and its amount share a row
    for line in _lines(day_pdf.render(shop, r)):
        lines_at.setdefault(line[-2], []).append(line[0].strip())
    assert ["to Card", "$8.00"] in lines_at.values() and ["to Cash", "$5.61"] in lines_at.values(), lines_at
