"""Every listing fits an 80-column terminal: no line wider, no value cut short (issue 23, item 7).

The finding: in 80 columns ``pos report sales --by day`` showed its dates as "2026-1…" and ``pos audit``
wrapped each event's detail into 5 to 8 lines of a narrow column.  Now a table keeps its dates, amounts
and codes whole and wraps only free text (names, addresses); a long detail (an audit event's) is on its
own line under its row; a long line of a listing wraps at a space.

Each listing command is run at ``COLUMNS=80`` over a store holding long names, addresses and reasons, and
a walk of ``commands/`` checks that every command that prints a table is among them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time
from rich.cells import cell_len

from payments import cod, service
from payments.refunds import refund
from payments.selfcheckout import setup_kiosk
from pos.store import config
from pos.store.catalog import add_item, add_tax_category
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, end_shift, start_shift
from pos.store.store import Store
from tests.conftest import Cli

NOON = "2026-11-23 17:00:00"
LATER = "2026-11-23 23:00:00"
DAY = "2026-11-23"
LONG_REASON = ("the customer found the crust burnt at the edges and asked for the whole order to be taken back, "
               "with an apology from the manager on duty")

LISTINGS = {
    "order list": ["order", "list", "--day", DAY],
    "order list --channel delivery": ["order", "list", "--day", DAY, "--channel", "delivery"],
    "order find": ["order", "find", "--from", DAY, "--to", DAY, "--name", "o"],
    "payments list": ["payments", "list", "1"],
    "item list": ["item", "list"],
    "tax list": ["tax", "list"],
    "staff list": ["staff", "list"],
    "shift list": ["shift", "list", "--day", DAY],
    "audit": ["audit", "--day", DAY],
    "kiosk list": ["kiosk", "list"],
    "ledger show": ["ledger", "show", "--day", DAY],
    "ledger balances": ["ledger", "balances"],
    "tips owed": ["tips", "owed"],
    "tips policy show": ["tips", "policy", "show"],
    "tips policy set": ["tips", "policy", "set", "kitchen-shares", "no", "--from", "2026-11-30"],
    "tips distribute": ["tips", "distribute", "--day", DAY, "--preview"],
    "tips payday show": ["tips", "payday", "show"],
    "tips records": ["tips", "records", "--from", DAY, "--to", DAY],
    "report items": ["report", "items", "--from", "2026-11-20", "--to", DAY],
    "report sales --by day": ["report", "sales", "--from", "2026-11-10", "--to", DAY, "--by", "day"],
    "report sales --by week": ["report", "sales", "--from", "2026-10-01", "--to", DAY, "--by", "week"],
    "report sales --by hour": ["report", "sales", "--from", DAY, "--by", "hour"],
    "driver cash": ["driver", "cash", "Dave Fitzgerald-Oyelaran"],
    "drawer status": ["drawer", "status"],
    "config show": ["config", "show"],
}


@pytest.fixture
def busy(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A day with long names, an address, a refund with a long reason, items imported from a deep folder."""
    monkeypatch.setenv("COLUMNS", "80")
    with freeze_time(NOON):
        add_tax_category(store, "alcohol", "10.375", "Alcohol and spirits served on the premises")
        add_item(store, "PIZZA-V", "Veggie Supreme 16in with extra mozzarella", "18.40")
        add_item(store, "BEER", "Craft beer from the brewery down the road", "6.00", "alcohol")
        deep = tmp_path / "a folder with a long name" / "and another one inside it" / "menu.csv"
        deep.parent.mkdir(parents=True)
        deep.write_text("sku,name,price\nGARLIC,Garlic knots (six) with parmesan and parsley,5.25\n")
        Cli(store.path).ok("item", "import", str(deep))
        for name, role in (("Alexandra Montgomery-Smith", "cashier"), ("Dave Fitzgerald-Oyelaran", "driver")):
            add_staff(store, name, role, "2580")
            start_shift(store, name)
        open_drawer(store, 1, "150")
        sale = new_order(store, "phone", customer_name="Samantha Rodriguez-Villanueva")
        add_line(store, sale.id, "PIZZA-V", 2)
        add_line(store, sale.id, "BEER", 3)
        service.pay(store, sale.id, "cash", "100", tip_minor=500, tip_to="pool")
        refund(store, sale.id, None, LONG_REASON, lines=[(2, 1)])
        trip = new_order(store, "delivery", customer_name="Bartholomew Okonkwo-Lindqvist",
                         customer_phone="555-0100-2000", address="1234 Northwestern Boulevard, Apartment 56B, Springfield")
        add_line(store, trip.id, "PIZZA-M")
        cod.dispatch(store, trip.id, "Dave Fitzgerald-Oyelaran")
        cod.collect(store, trip.id, "20")
        setup_kiosk(store, 1, unattended=True)
        config.set_option(store, "receipt.feedback", "owner-with-a-long-address@tonys-pizza-and-pasta.example")
    with freeze_time(LATER):
        end_shift(store, "Alexandra Montgomery-Smith")
        yield store


def too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if cell_len(line.rstrip()) > 80]


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_every_listing_fits_80_columns_and_cuts_nothing(busy: Store, name: str) -> None:
    with freeze_time(LATER):
        out = Cli(busy.path).ok(*LISTINGS[name]).stdout
    assert out.strip() and not too_wide(out), (name, too_wide(out), out)
    assert "\u2026" not in out, out  # no value ends in an ellipsis
    for date in re.findall(r"\b2026-[0-9-]*", out):
        assert re.fullmatch(r"2026-[01][0-9]-[0-3][0-9]", date), (date, out)  # every date whole


def test_sales_by_day_shows_whole_dates(busy: Store) -> None:
    """The finding replayed: dates in 80 columns read "2026-1…"."""
    with freeze_time(LATER):
        out = Cli(busy.path).ok(*LISTINGS["report sales --by day"]).stdout
    assert [line.split()[0] for line in out.splitlines() if line.startswith("2026-")] == [
        f"2026-11-{day}" for day in range(10, 24)]


def test_an_audit_events_detail_is_on_its_own_line_under_it(busy: Store) -> None:
    """The finding replayed: each detail wrapped into 5 to 8 lines of a narrow column."""
    with freeze_time(LATER):
        out = Cli(busy.path).ok("audit", "--day", DAY).stdout
    lines = out.splitlines()
    refunded = next(i for i, line in enumerate(lines) if line.startswith("2026-11-23") and " refund" in line)
    detail = []
    for line in lines[refunded + 1:]:
        if not line.startswith("    "):
            break
        detail.append(line.strip())
    said = " ".join(detail)
    assert said.startswith("order #1: refundable: ") and LONG_REASON in said, said
    assert all(len(line) > 60 for line in detail[:-1]), detail  # as wide as the terminal, not a column's width


def test_every_command_that_prints_a_table_is_listed_here() -> None:
    """A listing added later is held to 80 columns too: each command whose body calls print_table is above."""
    found = set()
    for path in Path("commands").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            commands = [_command_name(d) for d in node.decorator_list]
            named = [c for c in commands if c]
            if named and "print_table" in ast.unparse(node):
                found.add(named[0])
    listed = {name.split(" --")[0].split()[-1] for name in LISTINGS}
    assert found <= listed, found - listed


def _command_name(decorator: ast.expr) -> str | None:
    """``@order_app.command("list")`` -> ``list``; ``@top_level.command("audit", ...)`` -> ``audit``."""
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and decorator.func.attr == "command":
        if decorator.args and isinstance(decorator.args[0], ast.Constant):
            return str(decorator.args[0].value)
    return None
