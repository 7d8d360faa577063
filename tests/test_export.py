"""Exports that Beancount and hledger accept, including their balance assertions."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from freezegun import freeze_time

from pos.books import ledger
from pos.books import journal_check
from pos.sales import posting_rules as rules
from pos.store.catalog import add_item
from pos.base.errors import InvalidInput
from pos.books.export import ExportFormat, beancount_account, export_ledger, from_beancount_account
from pos.books.ledger import SourceKind, post
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, mark_paid, new_order
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store

DRAWER = "assets:cash:drawer:1"


def ring_day(store: Store, day: int, sku_a: str, sku_b: str) -> None:
    """One business day: sales, cash with change and tips, a refund, a hand-in, a drawer count."""
    currency = store.settings.currency
    with freeze_time(f"2026-01-{day:02d} 17:00:00"):
        totals = []
        for n in range(3):
            order = new_order(store, "counter" if n else "delivery", address="1 Main St")
            add_line(store, order.id, sku_a, n + 1)
            add_line(store, order.id, sku_b)
            if n == 1:
                add_discount(store, order.id, "15%", "regular")
            sale = mark_paid(store, order.id)
            total = sale.postings[0].amount_minor
            totals.append(total)
            if n == 0:  # cash on delivery: the driver holds it, then hands it in
                post(store, f"pay:{order.id}", "COD", SourceKind.PAYMENT, order.id,
                     rules.payment("assets:cash:driver:mary-ann", total, currency, tip_minor=200,
                                   tip_account="liabilities:tips:mary-ann"))
                post(store, f"handin:{order.id}", "hand-in", SourceKind.DRIVER, "mary-ann",
                     rules.transfer(DRAWER, "assets:cash:driver:mary-ann", total + 200, currency))
            else:
                post(store, f"pay:{order.id}", "cash", SourceKind.PAYMENT, order.id,
                     rules.payment(DRAWER, total, currency, tendered_minor=total + 1000, tip_minor=100,
                                   tip_account="liabilities:tips:pool", change_account=DRAWER))
            if n == 2:
                post(store, f"refund:{order.id}", "refund", SourceKind.REFUND, order.id,
                     rules.refund(total // 3, DRAWER, sale.postings))
        post(store, f"count:{day}", "drawer count", SourceKind.DRAWER, "1",
             rules.drawer_count(DRAWER, 0, -7, currency) or [])
        post(store, f"tips:{day}", "pool", SourceKind.TIPS, str(day), rules.pool_distribution({"bob": 100, "mary-ann": 100}, currency))


@pytest.fixture
def busy(make_store) -> Store:
    store = make_store(timezone="UTC")
    from pos.store.catalog import add_tax_category

    add_tax_category(store, "alcohol", "10.375")
    add_item(store, "PIZZA", "Pizza", "12.50")
    add_item(store, "BEER", "Beer", "6.00", "alcohol")
    with freeze_time("2026-01-01 09:00:00"):
        add_staff(store, "Mary Ann", "driver", "2580")
        add_staff(store, "Bob", "server", "2580")
        start_shift(store, "Mary Ann")
    for day in (1, 2, 3):
        ring_day(store, day, "PIZZA", "BEER")
    assert journal_check.verify(store).problem is None
    return store


def export_text(store: Store, fmt: ExportFormat, **kw: object) -> str:
    out = io.StringIO()
    export_ledger(store, fmt, out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def bean_check(tmp_path: Path, text: str) -> None:
    path = tmp_path / "books.beancount"
    path.write_text(text)
    tool = Path(sys.executable).with_name("bean-check")
    assert tool.exists(), "bean-check comes with the test extra (beancount)"
    result = subprocess.run([str(tool), str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def hledger_check(tmp_path: Path, text: str) -> None:
    if shutil.which("hledger") is None:
        pytest.skip("hledger is not installed (Debian package 'hledger')")
    path = tmp_path / "books.journal"
    path.write_text(text)
    result = subprocess.run(["hledger", "check", "-f", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return None


@pytest.mark.parametrize("window", [{}, {"start": date(2026, 1, 2)}, {"start": date(2026, 1, 2), "end": date(2026, 1, 2)}])
def test_beancount_export_passes_bean_check(busy: Store, tmp_path: Path, window: dict) -> None:
    text = export_text(busy, ExportFormat.BEANCOUNT, **window)
    assert "Liabilities:Tips:Mary-ann" in text and "balance Assets:Cash:Drawer:1" in text
    bean_check(tmp_path, text)


@pytest.mark.parametrize("window", [{}, {"start": date(2026, 1, 2)}, {"end": date(2026, 1, 2)}])
def test_hledger_export_passes_hledger_check(busy: Store, tmp_path: Path, window: dict) -> None:
    text = export_text(busy, ExportFormat.HLEDGER, **window)
    assert " = " in text  # balance assertions are present
    hledger_check(tmp_path, text)


def test_day_end_assertions_match_the_ledger(busy: Store) -> None:
    text = export_text(busy, ExportFormat.BEANCOUNT)
    closing = ledger.balances(busy, through=date(2026, 1, 2))
    drawer = closing[(DRAWER, "USD")]
    whole, cents = divmod(drawer, 100)
    assert f"2026-01-03 balance Assets:Cash:Drawer:1  {whole}.{cents:02d} USD" in text


def test_a_broken_assertion_is_caught_by_the_tools(busy: Store, tmp_path: Path) -> None:
    """The checks are real: tamper with one exported amount and bean-check refuses the file."""
    text = export_text(busy, ExportFormat.BEANCOUNT)
    line = next(l for l in text.splitlines() if l.startswith("2026-01-02 balance Assets:Cash:Drawer:1"))
    amount = Decimal(line.split()[-2])
    broken = text.replace(line, line.replace(f" {amount} USD", f" {amount + 1} USD"))
    assert broken != text
    path = tmp_path / "broken.beancount"
    path.write_text(broken)
    result = subprocess.run([str(Path(sys.executable).with_name("bean-check")), str(path)], capture_output=True, text=True)
    assert result.returncode != 0 and "Balance failed" in result.stdout + result.stderr


@pytest.mark.parametrize(("currency", "locale", "price", "shown"), [("KRW", "ko_KR", "15000", "15000 KRW"), ("BHD", "en_US", "1.235", "1.235 BHD")])
def test_zero_and_three_decimal_currencies(make_store, tmp_path: Path, currency: str, locale: str, price: str, shown: str) -> None:
    store = make_store(currency=currency, locale=locale, timezone="UTC", tax_rate="10")
    add_item(store, "X", "Thing", price)
    with freeze_time("2026-01-05 12:00:00"):
        order = new_order(store, "counter")
        add_line(store, order.id, "X")
        sale = mark_paid(store, order.id)
        total = sale.postings[0].amount_minor
        post(store, "pay", "cash", SourceKind.PAYMENT, order.id, rules.payment(DRAWER, total, currency))
    bean = export_text(store, ExportFormat.BEANCOUNT)
    assert shown in bean
    bean_check(tmp_path, bean)
    hledger_check(tmp_path, export_text(store, ExportFormat.HLEDGER))


def test_csv_export_has_one_row_per_posting(busy: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(export_text(busy, ExportFormat.CSV))))
    assert len(rows) == sum(len(e.postings) for e in ledger.iter_entries(busy))
    assert sum(int(r["amount_minor"]) for r in rows) == 0
    first = rows[0]
    assert first["amount"] == f"{int(first['amount_minor']) // 100}.{int(first['amount_minor']) % 100:02d}" or first["amount"].startswith("-")


def test_range_end_before_start_is_refused(busy: Store) -> None:
    with pytest.raises(InvalidInput, match="ends .* before it starts"):
        export_ledger(busy, ExportFormat.CSV, io.StringIO(), start=date(2026, 1, 3), end=date(2026, 1, 1))


@pytest.mark.parametrize("name", ["assets:cash:drawer:12", "liabilities:tips:mary-ann", "liabilities:tax:food", "expenses:cash-over-short"])
def test_beancount_account_names_round_trip(name: str) -> None:
    mapped = beancount_account(name)
    assert all(part[0].isupper() or part[0].isdigit() for part in mapped.split(":"))
    assert from_beancount_account(mapped) == name
