"""CLI: the catalog (``pos item ...``) and tax categories (``pos tax ...``).

The ``store`` fixture is USD, tax-exclusive, with ``standard`` at 8.875% and
two items: PIZZA-M at 12.50 and SODA at 2.49.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import Cli, snapshot


def items(cli: Cli, *extra: str) -> dict[str, dict[str, Any]]:
    """The catalog by SKU, from ``pos item list --json``."""
    return {i["sku"]: i for i in json.loads(cli.ok("item", "list", "--json", *extra).stdout)}


def write_csv(tmp_path: Path, text: str, name: str = "menu.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- tax categories ------------------------------------------------------------------


def test_tax_add_and_list(cli: Cli) -> None:
    result = cli.ok("tax", "add", "Alcohol", "10.375", "--name", "Alcohol")
    assert result.stdout == "Tax category alcohol (Alcohol) at 10.375%.\n"
    data = json.loads(cli.ok("tax", "add", "food", "8.5", "--json").stdout)
    assert data == {"code": "food", "name": "Food", "rate_percent": "8.5"}
    listed = json.loads(cli.ok("tax", "list", "--json").stdout)
    assert [{k: r[k] for k in ("code", "name", "rate_percent", "effective_from", "state")} for r in listed] == [
        {"code": "alcohol", "name": "Alcohol", "rate_percent": "10.375", "effective_from": None, "state": "in force"},
        {"code": "food", "name": "Food", "rate_percent": "8.5", "effective_from": None, "state": "in force"},
        {"code": "standard", "name": "Standard", "rate_percent": "8.875", "effective_from": None, "state": "in force"},
    ]
    text = cli.ok("tax", "list").stdout
    assert "alcohol" in text and "10.375" in text and "8.875" in text


def test_tax_zero_rate(cli: Cli) -> None:
    data = json.loads(cli.ok("tax", "add", "exempt", "0", "--json").stdout)
    assert data["rate_percent"] == "0"


@pytest.mark.parametrize(
    ("code", "rate", "says"),
    [
        ("standard", "5", "already exists: change its rate or name with 'pos tax edit standard"),
        ("food!", "5", "is not valid"),
        ("9lives", "5", "is not valid"),
        ("food", "abc", "not a tax rate"),
        ("food", "100.5", "between 0 and 100"),
        ("food", "1.23456", "more than 4 decimals"),
    ],
)
def test_tax_add_bad_input(cli: Cli, code: str, rate: str, says: str) -> None:
    cli.fails("tax", "add", code, rate, says=says)


def test_tax_whole_number_rate_is_shown_plainly(cli: Cli) -> None:
    result = cli.ok("tax", "add", "food", "10", "--json")
    assert json.loads(result.stdout)["rate_percent"] == "10"
    assert "1E+1" not in cli.ok("tax", "list").stdout


# -- item add / list ------------------------------------------------------------------


def test_item_add_json_fields(cli: Cli) -> None:
    cli.ok("tax", "add", "alcohol", "10.375")
    data = json.loads(cli.ok("item", "add", "beer", "Craft  beer ", "6.00", "--tax", "alcohol", "--json").stdout)
    assert data == {
        "sku": "BEER",  # upper-cased
        "name": "Craft beer",  # spaces tidied
        "price_minor": 600,
        "currency": "USD",
        "tax_category": "alcohol",
        "active": True,
    }
    assert isinstance(data["price_minor"], int)


def test_item_add_human_output(cli: Cli) -> None:
    result = cli.ok("item", "add", "GARLIC", "Garlic knots (6)", "5.25")
    assert result.stdout == "Added GARLIC Garlic knots (6) at $5.25 (standard).\n"


@pytest.mark.parametrize(
    ("typed", "minor"),
    [("12.5", 1250), ("12", 1200), ("1,234.50", 123450), ("$3.00", 300), (".5", 50), ("0", 0), (" 7.00 ", 700)],
)
def test_item_add_price_forms(cli: Cli, typed: str, minor: int) -> None:
    data = json.loads(cli.ok("item", "add", "X1", "Thing", typed, "--json").stdout)
    assert data["price_minor"] == minor
    assert items(cli)["X1"]["price_minor"] == minor


def test_item_list_json_and_text(cli: Cli) -> None:
    listed = json.loads(cli.ok("item", "list", "--json").stdout)
    assert listed == [
        {"sku": "PIZZA-M", "name": "Margherita 12in", "price_minor": 1250, "currency": "USD",
         "tax_category": "standard", "active": True},
        {"sku": "SODA", "name": "Soda 20oz", "price_minor": 249, "currency": "USD",
         "tax_category": "standard", "active": True},
    ]
    text = cli.ok("item", "list").stdout
    assert "$12.50" in text and "$2.49" in text and "Margherita 12in" in text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("PIZZA-M", "Another pizza", "9.00"), "SKU PIZZA-M already exists"),
        (("pizza-m", "Another pizza", "9.00"), "SKU PIZZA-M already exists"),
        (("X1", "Thing", "12.345"), "more decimals than USD allows"),
        (("X1", "Thing", "--", "-1.00"), "cannot be negative"),
        (("X1", "Thing", "abc"), "'abc' is not an amount"),
        (("X1", "Thing", "12.50.1"), "is not an amount"),
        (("X1", "Thing", "1e3"), "is not an amount"),
        (("X1", "Thing", ""), "empty"),
        (("X1", "", "1.00"), "item name is empty"),
        (("X1", "   ", "1.00"), "item name is empty"),
        (("X1", "x" * 81, "1.00"), "longer than 80"),
        (("", "Thing", "1.00"), "SKU is empty"),
        (("BAD SKU", "Thing", "1.00"), "is not valid"),
        (("X1", "Thing", "1.00", "--tax", "food"), "No tax category 'food'"),
    ],
)
def test_item_add_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.fails("item", "add", *args, says=says)


# -- item edit / deactivate -----------------------------------------------------------


def test_item_edit_price_name_tax(cli: Cli) -> None:
    cli.ok("tax", "add", "food", "8.875")
    data = json.loads(cli.ok("item", "edit", "pizza-m", "--price", "13.00", "--json").stdout)
    assert data["price_minor"] == 1300
    assert data["name"] == "Margherita 12in"
    result = cli.ok("item", "edit", "PIZZA-M", "--name", "Margherita 12 inch", "--tax", "food")
    assert result.stdout == "PIZZA-M is now Margherita 12 inch at $13.00 (food).\n"
    assert items(cli)["PIZZA-M"] == {
        "sku": "PIZZA-M", "name": "Margherita 12 inch", "price_minor": 1300, "currency": "USD",
        "tax_category": "food", "active": True,
    }
    assert items(cli)["SODA"]["price_minor"] == 249  # untouched


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("PIZZA-M",), "Nothing to change for PIZZA-M"),
        (("NOPE", "--price", "1.00"), "No item with SKU 'NOPE'"),
        (("PIZZA-M", "--price", "12.345"), "more decimals"),
        (("PIZZA-M", "--price", "-1"), "cannot be negative"),
        (("PIZZA-M", "--price", "cheap"), "is not an amount"),
        (("PIZZA-M", "--name", ""), "item name is empty"),
        (("PIZZA-M", "--tax", "nope"), "No tax category 'nope'"),
    ],
)
def test_item_edit_bad_input(cli: Cli, args: tuple[str, ...], says: str) -> None:
    cli.fails("item", "edit", *args, says=says)


def test_item_deactivate_and_reactivate(cli: Cli) -> None:
    data = json.loads(cli.ok("item", "deactivate", "soda", "--json").stdout)
    assert (data["sku"], data["active"], data["price_minor"]) == ("SODA", False, 249)
    assert list(items(cli)) == ["PIZZA-M"]
    assert items(cli, "--all")["SODA"]["active"] is False

    cli.fails("item", "deactivate", "SODA", says="already inactive")

    cli.ok("item", "edit", "SODA", "--activate")
    assert items(cli)["SODA"]["active"] is True


def test_item_deactivate_human_output(cli: Cli) -> None:
    assert cli.ok("item", "deactivate", "SODA").stdout == "SODA Soda 20oz is no longer on sale.\n"


def test_item_deactivate_unknown(cli: Cli) -> None:
    cli.fails("item", "deactivate", "NOPE", says="No item with SKU 'NOPE'")


# -- item import -------------------------------------------------------------------


def test_import_adds_and_updates(cli: Cli, tmp_path: Path) -> None:
    cli.ok("tax", "add", "food", "8.875")
    path = write_csv(
        tmp_path,
        "sku,name,price,tax_category,active\n"
        "soda,Soda 20oz,2.99,,\n"  # existing SKU: price list refresh
        "GARLIC,Garlic knots (6),5.25,food,yes\n"
        "OLD,Old special,4.00,standard,no\n",
    )
    result = cli.ok("item", "import", str(path), "--json")
    assert json.loads(result.stdout) == {"added": 2, "updated": 1}
    catalog = items(cli, "--all")
    assert catalog["SODA"]["price_minor"] == 299
    assert catalog["SODA"]["tax_category"] == "standard"
    assert catalog["GARLIC"] == {
        "sku": "GARLIC", "name": "Garlic knots (6)", "price_minor": 525, "currency": "USD",
        "tax_category": "food", "active": True,
    }
    assert catalog["OLD"]["active"] is False
    assert catalog["PIZZA-M"]["price_minor"] == 1250  # not in the file: untouched


def test_import_human_output_and_bom(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffSKU, Name ,Price\r\nTEA,Tea,1.20\r\n".encode("utf-8"))
    result = cli.ok("item", "import", str(path))
    assert result.stdout == f"Imported {path}: 1 added, 0 updated.\n"
    assert items(cli)["TEA"]["price_minor"] == 120


def test_import_with_bad_rows_lists_each_and_imports_nothing(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "sku,name,price\n"
        "GOOD1,Fine item,1.00\n"  # line 2
        "BAD1,,2.00\n"  # line 3: empty name
        "BAD2,Too precise,12.345\n"  # line 4
        "GOOD2,Fine too,3.00\n"  # line 5
        "BAD3,Garbage,abc\n",  # line 6
    )
    result = cli.fails("item", "import", str(path), says="3 bad rows, nothing imported")
    out = result.output
    assert "line 3: The item name is empty" in out
    assert "line 4: Amount '12.345' has more decimals than USD allows" in out
    assert "line 6: 'abc' is not an amount" in out
    assert "line 2" not in out and "line 5" not in out
    assert set(items(cli, "--all")) == {"PIZZA-M", "SODA"}


def test_import_one_bad_row_among_updates_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price,tax_category\nSODA,Soda 20oz,2.99,\nNEW,New,1.00,food\n")
    result = cli.fails("item", "import", str(path), says="line 3: unknown tax category 'food'")
    assert "1 bad row, nothing imported" in result.output
    assert items(cli)["SODA"]["price_minor"] == 249


def test_import_duplicate_sku_in_file(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price\nTEA,Tea,1.20\nCOFFEE,Coffee,1.50\ntea,Tea again,1.30\n")
    cli.fails("item", "import", str(path), says="line 4: SKU TEA is also on line 2")


def test_import_missing_required_column(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name\nTEA,Tea\n")
    cli.fails("item", "import", str(path), says="missing price")


def test_import_unknown_column(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price,colour\nTEA,Tea,1.20,green\n")
    cli.fails("item", "import", str(path), says="unknown column colour;")


def test_import_missing_file(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    cli.fails("item", "import", str(missing), says=f"No file {missing}")


def test_import_row_with_extra_field(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price\nTEA,Tea,1.20\nCAKE,Cake,3.00,oops\n")
    cli.fails("item", "import", str(path), says="line 3: more fields than the header has")


def test_import_bad_active_value(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price,active\nTEA,Tea,1.20,maybe\n")
    cli.fails("item", "import", str(path), says="line 2: active must be yes or no")


def test_import_header_only(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price\n")
    cli.fails("item", "import", str(path), says="no rows")


def test_import_not_utf8(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("sku,name,price\nCAFE,Caf\u00e9,1.00\n".encode("latin-1"))
    cli.fails("item", "import", str(path), says="is not UTF-8")


def test_import_line_numbers_count_blank_lines(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path, "sku,name,price\nTEA,Tea,1.20\n\nCAKE,Cake,abc\n")
    cli.fails("item", "import", str(path), says="line 4: 'abc' is not an amount")


def test_import_a_folder_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "menus"
    folder.mkdir()
    before = snapshot(cli.path)
    result = cli("item", "import", str(folder))
    assert result.exit_code == 1
    assert result.output.startswith("error: "), (result.output, result.exception)
    assert snapshot(cli.path) == before


def test_import_keeps_an_inactive_item_inactive_without_an_active_column(cli: Cli, tmp_path: Path) -> None:
    cli.ok("item", "deactivate", "SODA")
    menu = tmp_path / "m.csv"
    menu.write_text("sku,name,price\nSODA,Soda,2.99\n")
    cli.ok("item", "import", str(menu))
    soda = next(i for i in json.loads(cli.ok("item", "list", "--all", "--json").output) if i["sku"] == "SODA")
    assert (soda["price_minor"], soda["active"]) == (299, False)


def test_import_refuses_a_repeated_column(cli: Cli, tmp_path: Path) -> None:
    menu = tmp_path / "m.csv"
    menu.write_text("sku,name,price,price\nX,Thing,1.00,2.00\n")
    cli.fails("item", "import", str(menu), says="more than once")
