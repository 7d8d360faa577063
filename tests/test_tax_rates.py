"""A tax category's rate and name changed from a day on (issue 23 item 6): ``pos tax edit CODE --rate R --from DAY``.

Every change is kept (``tax_rates``), a line is rung at the rate in force on its order's business day and keeps
it, a past day keeps its rate (receipts, refunds and the Z report show the rate that applied), and bad input is
refused with nothing written.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from freezegun import freeze_time

from payments import service
from pos.store import audit, taxes
from pos.cash import drawer
from pos.base.errors import Conflict, InvalidInput, NotFound
from pos.sales.orders import add_line, new_order, view
from pos.day.report import day_report
from pos.store.store import Store
from receipts import model, text
from tests.conftest import Cli
from tests.helpers import refused

DAY = date(2026, 11, 23)
NEXT = date(2026, 11, 24)
NOON = "2026-11-23 17:00:00"  # noon in New York, on DAY
NEXT_NOON = "2026-11-24 17:00:00"
LATE = "2026-11-24 07:30:00"  # 02:30 in New York on the 24th: still DAY's business day (rollover 04:00)


def _rates(store: Store, order_id: str) -> list[Decimal]:
    return [line.tax_rate_percent for line in view(store, order_id).lines]


def _tax_rows(store: Store, order_id: str) -> list[str]:
    receipt = model.build(store, order_id, reprint=True)
    return [row.label.replace(model.NO_BREAK, " ") for row in receipt.sums if row.label.startswith("Tax")]


def test_a_rate_set_wrong_at_init_is_corrected_from_a_day_on(cli: Cli) -> None:
    """As seen: ``pos tax add standard 9`` said "already exists", and there was no way to change a rate."""
    with freeze_time(NOON):
        cli.fails("tax", "add", "standard", "9", says="pos tax edit standard --rate")
        said = cli.ok("tax", "edit", "standard", "--rate", "9", "--from", "2026-11-24").stdout
        assert said == "Tax category standard (Standard) at 9% from 2026-11-24; sales rung before keep their rate.\n"
        listed = json.loads(cli.ok("tax", "list", "--json").stdout)
        table = cli.ok("tax", "list").stdout
    assert [(r["code"], r["rate_percent"], r["effective_from"], r["state"]) for r in listed] == [
        ("standard", "8.875", None, "in force"), ("standard", "9", "2026-11-24", "scheduled")]
    assert "scheduled" in table and "the start" in table and "2026-11-24" in table
    with freeze_time(NEXT_NOON):  # the day has come: in force, the old rate is history
        listed = json.loads(cli.ok("tax", "list", "--json").stdout)
        history = json.loads(cli.ok("tax", "list", "--history", "--json").stdout)
    assert [(r["rate_percent"], r["state"]) for r in listed] == [("9", "in force")]
    assert [(r["rate_percent"], r["state"]) for r in history] == [("8.875", "past"), ("9", "in force")]


def test_each_day_keeps_its_rate_on_receipts_and_the_z_report(store: Store) -> None:
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        before = new_order(store, "counter")
        add_line(store, before.id, "PIZZA-M")  # 12.50 at 8.875%
        service.pay(store, before.id, "cash", "20")
        open_across = new_order(store, "counter")
        add_line(store, open_across.id, "SODA")
        taxes.edit_tax_category(store, "standard", rate_text="9", effective_from=NEXT)
        assert taxes.get_tax_category(store, "standard").rate_percent == Decimal("8.875")  # today's stays
    with freeze_time(LATE):  # after midnight, before the rollover: still DAY's business day
        add_line(store, open_across.id, "PIZZA-M")  # the order's day is DAY: its rate
        service.pay(store, open_across.id, "cash", "20")
    with freeze_time(NEXT_NOON):
        after = new_order(store, "counter")
        add_line(store, after.id, "PIZZA-M")  # 12.50 at 9% = 1.125, rounded half up: 1.13
        service.pay(store, after.id, "cash", "20")
        assert _rates(store, before.id) == [Decimal("8.875")]
        assert _rates(store, open_across.id) == [Decimal("8.875"), Decimal("8.875")]
        assert _rates(store, after.id) == [Decimal("9")]
        assert view(store, after.id).totals.tax_minor == 113
        # A reprint the day after shows the rate that applied, not today's.
        assert _tax_rows(store, before.id) == ["Tax Standard 8.875% on $12.50"]
        assert _tax_rows(store, after.id) == ["Tax Standard 9% on $12.50"]
        assert "Tax Standard 8.875% on $12.50" in text.render(model.build(store, before.id, reprint=True), 80)
        first, second = day_report(store, DAY), day_report(store, NEXT)
    assert first.tax_rates == {"standard": "8.875"} and list(first.tax_by_rate) == ["8.875"]
    assert second.tax_rates == {"standard": "9"} and second.tax_by_rate == {"9": 113}


def test_a_change_from_today_taxes_lines_rung_after_it_and_the_receipt_shows_both(store: Store) -> None:
    """An order rung before a change and paid after it keeps the rate of each line as it was rung."""
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        taxes.edit_tax_category(store, "standard", rate_text="10")  # from today
        add_line(store, order.id, "SODA")
        service.pay(store, order.id, "cash", "20")
        assert _rates(store, order.id) == [Decimal("8.875"), Decimal("10")]
        totals = view(store, order.id).totals
        assert totals.tax_minor == 111 + 25  # 12.50 x 8.875% = 1.109..., 2.49 x 10% = 0.249
        assert _tax_rows(store, order.id) == ["Tax Standard 8.875% on $12.50", "Tax Standard 10% on $2.49"]


def test_a_name_changes_from_its_day_and_an_old_receipt_keeps_the_old_name(store: Store) -> None:
    with freeze_time(NOON):
        drawer.open_drawer(store, 1, "100")
        old = new_order(store, "counter")
        add_line(store, old.id, "SODA")
        service.pay(store, old.id, "cash", "5")
        change = taxes.edit_tax_category(store, "standard", name="Sales tax", effective_from=NEXT)
        assert (change.name, change.rate_percent, change.effective_from) == ("Sales tax", Decimal("8.875"), NEXT)
    with freeze_time(NEXT_NOON):
        new = new_order(store, "counter")
        add_line(store, new.id, "SODA")
        service.pay(store, new.id, "cash", "5")
        assert _tax_rows(store, old.id) == ["Tax Standard 8.875% on $2.49"]
        assert _tax_rows(store, new.id) == ["Tax Sales tax 8.875% on $2.49"]
        assert day_report(store, DAY).tax_names == {"standard": "Standard"}
        assert day_report(store, NEXT).tax_names == {"standard": "Sales tax"}


def test_every_change_is_audited_with_before_after_and_its_day(store: Store, cli_for) -> None:
    with freeze_time(NOON):
        taxes.edit_tax_category(store, "standard", rate_text="9.25", effective_from=NEXT)
        taxes.edit_tax_category(store, "standard", name="State tax", effective_from=date(2026, 12, 1))
        trail = [r for r in audit.records(store) if r.event is audit.Event.TAX_CHANGED]
        shown = json.loads(cli_for(store).ok("audit", "--json").stdout)
    assert [(r.detail["before"], r.detail["after"], r.detail["effective_from"]) for r in trail] == [
        ({"name": "Standard", "rate_percent": "8.875"}, {"name": "Standard", "rate_percent": "9.25"}, "2026-11-24"),
        ({"name": "Standard", "rate_percent": "9.25"}, {"name": "State tax", "rate_percent": "9.25"}, "2026-12-01"),
    ]
    assert [r["detail"]["after"] for r in shown if r["event"] == "tax changed"] == [r.detail["after"] for r in trail]
    # Every change kept, in the order they take effect; each sets what it names, and a change already set for a
    # later day stands when one for an earlier day comes: the rename of the 1st keeps the rate of the 28th.
    with freeze_time(NOON):
        taxes.edit_tax_category(store, "standard", rate_text="9.5", effective_from=date(2026, 11, 28))
    assert [(r.effective_from.isoformat(), r.name, str(r.rate_percent), r.sets_name, r.sets_rate)
            for r in taxes.history(store, "standard")] == [
        ("0001-01-01", "Standard", "8.875", True, True), ("2026-11-24", "Standard", "9.25", False, True),
        ("2026-11-28", "Standard", "9.5", False, True), ("2026-12-01", "State tax", "9.5", True, False)]
    assert taxes.get_tax_category(store, "standard", date(2026, 12, 2)) == ("standard", "State tax", Decimal("9.5"))


def test_a_rename_from_today_does_not_undo_a_rate_scheduled_for_later(store: Store) -> None:
    with freeze_time(NOON):
        taxes.edit_tax_category(store, "standard", rate_text="9", effective_from=date(2027, 1, 1))
        taxes.edit_tax_category(store, "standard", name="Sales tax")
        assert taxes.get_tax_category(store, "standard") == ("standard", "Sales tax", Decimal("8.875"))
        assert taxes.get_tax_category(store, "standard", date(2027, 1, 1)) == ("standard", "Sales tax", Decimal("9"))
        assert [(r.name, str(r.rate_percent)) for r in taxes.scheduled(store, DAY)] == [("Sales tax", "9")]


def test_the_history_cannot_be_rewritten(store: Store) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="kept as it was set"):
        with store.write() as conn:
            conn.execute("UPDATE tax_rates SET rate_percent = '0'")
    with pytest.raises(sqlite3.DatabaseError, match="kept as it was set"):
        with store.write() as conn:
            conn.execute("DELETE FROM tax_rates")


@pytest.mark.parametrize(("args", "says"), [
    (("standard", "--rate", "9", "--from", "2026-11-22"), "not 2026-11-22: a past day keeps the rate"),
    (("standard", "--rate", "9", "--from", "2026-02-30"), "2026-02-30"),
    (("standard", "--rate", "9", "--from", "tomorrow"), "tomorrow"),
    (("food", "--rate", "9"), "No tax category 'food' (known: standard)"),
    (("standard", "--rate", "-5"), "between 0 and 100"),
    (("standard", "--rate", "150"), "between 0 and 100"),
    (("standard", "--rate", "nine"), "not a tax rate"),
    (("standard", "--rate", "9.12345"), "more than 4 decimals"),
    (("standard",), "Nothing to change for tax category standard"),
    (("standard", "--rate", "8.875"), "already Standard at 8.875%"),
    (("standard", "--name", ""), "name is empty"),
    (("standard", "--name", "Sales\ntax"), "line break"),
    (("standard", "--name", "Sales\u202etax"), "invisible or control character"),
])
def test_bad_input_is_refused_and_writes_nothing(cli: Cli, args: tuple[str, ...], says: str) -> None:
    with freeze_time(NOON):
        cli.fails("tax", "edit", *args, says=says)
        cli.fails("tax", "edit", *args, "--json", says=says)


def test_the_library_refuses_a_past_day_after_an_early_close_too(store: Store) -> None:
    from pos.day.close import close_day

    with freeze_time(NOON):
        close_day(store, DAY, {}, force=True)  # closed early: the open day is now the 24th
        refused(store, InvalidInput, "from today (2026-11-24)", taxes.edit_tax_category, store, "standard",
                rate_text="9", effective_from=DAY)
        refused(store, NotFound, "No tax category", taxes.edit_tax_category, store, "nope", rate_text="9")
        refused(store, Conflict, "nothing to change", taxes.edit_tax_category, store, "standard", name="Standard")
        assert taxes.edit_tax_category(store, "standard", rate_text="9").effective_from == NEXT


def test_a_store_from_before_keeps_its_rates_as_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The migration moves each category's name and rate into the history, in force since the start."""
    from pos.store import migrations

    ours = next(i for i, (_, _, script) in enumerate(migrations.MIGRATIONS) if "CREATE TABLE tax_rates" in script)
    path = tmp_path / "old.db"
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:ours])
        old = Store.create(path)
        with old.write() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES ('name', 'Old Pizza'), ('timezone', 'UTC')")
            conn.execute("INSERT INTO tax_categories(code, name, rate_percent) VALUES ('standard', 'Standard', '8.875'),"
                         " ('alcohol', 'Alcohol', '10.375')")
        old.close()
    with Store.open(path) as upgraded:
        assert [tuple(r) for r in upgraded.tuples("SELECT * FROM tax_categories ORDER BY code")] == [
            ("alcohol",), ("standard",)]
        assert [(r.code, r.effective_from, r.name, r.rate_percent, r.set_at) for r in taxes.history(upgraded)] == [
            ("alcohol", taxes.SINCE_THE_START, "Alcohol", Decimal("10.375"), None),
            ("standard", taxes.SINCE_THE_START, "Standard", Decimal("8.875"), None)]
        assert taxes.get_tax_category(upgraded, "alcohol", DAY) == taxes.TaxCategory("alcohol", "Alcohol",
                                                                                      Decimal("10.375"))
