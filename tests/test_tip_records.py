"""The tip records an inspector asks for: per person and week, tips received and paid, hours, the tip credit.

29 CFR 516.28 (records for tipped employees): which employees are tipped, the tips each received
(weekly or monthly), the amount of tip credit claimed, and hours worked in tipped and in non-tipped
occupations.  The figures must tie to the books to the cent.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from freezegun import freeze_time
from pypdf import PdfReader

from payments import service
from pos.tips import tip_pool, tips
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, end_shift, get_staff, start_shift
from pos.store.store import Store
from pos.tips.tip_policy import set_policy
from pos.tips.tip_records import ledger_movement, records
from tests.conftest import snapshot

MONDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 29)


def at(local: str) -> str:
    """A New York wall-clock time on Monday 11-23 as UTC (EST is UTC-5)."""
    hour, minute = local.split(":")
    return f"2026-11-23 {int(hour) + 5:02d}:{minute}:00"


def sale(store: Store, tip_minor: int, to: str | None) -> None:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    service.pay(store, order.id, "cash", "20", tip_minor=tip_minor, tip_to=to)


@pytest.fixture
def week(store: Store) -> Store:
    """A tip credit of $2.13 an hour (NY).  Monday: Alice (server) 10:00-16:00, a $3.00 tip to her and $2.00 to
    the pool, $5.00 cash declared; Bob (server) 12:00-14:00; Kim (kitchen) 09:00-13:00.  The pool is shared.
    Tuesday: Alice is paid $2.00 from drawer 1.  The next Monday: Bob is paid his share through payroll."""
    with freeze_time(at("09:00")):
        add_staff(store, "Alice", "server", "2580")
        add_staff(store, "Bob", "server", "2580")
        add_staff(store, "Kim", "kitchen", "2580")
        open_drawer(store, 1, "100")
        set_policy(store, ["jurisdiction", "NY", "tip-credit", "2.13", "kitchen-shares", "no"])
        start_shift(store, "Kim")
    with freeze_time(at("10:00")):
        start_shift(store, "Alice")
    with freeze_time(at("12:00")):
        start_shift(store, "Bob")
        sale(store, 300, "Alice")
        sale(store, 200, None)  # the pool
    with freeze_time(at("13:00")):
        end_shift(store, "Kim")
    with freeze_time(at("14:00")):
        end_shift(store, "Bob")
    with freeze_time(at("16:00")):
        tips.end_shift_declaring(store, "Alice", 500)
    with freeze_time(at("18:00")):
        tip_pool.distribute(store, MONDAY)
    with freeze_time("2026-11-24 17:00:00"):
        tips.payout(store, "Alice", 200, tips.PayoutSource.DRAWER, received_by=get_staff(store, "Alice"))
    with freeze_time("2026-11-30 17:00:00"):
        tips.payout(store, "Bob", None, tips.PayoutSource.PAYROLL)
    return store


def test_each_person_s_week_shows_tips_received_paid_hours_and_the_tip_credit(week: Store) -> None:
    """29 CFR 516.28(a): tips received per week, tip credit claimed, hours tipped and untipped.
    The pool of $2.00 splits by tipped hours, 6 to 2: Alice $1.50, Bob $0.50; Kim's kitchen hours never count."""
    found = {(r.name, r.week): r for r in records(week, MONDAY, date(2026, 12, 6))}
    alice = found[("Alice", MONDAY)]
    assert (alice.direct_minor, alice.pooled_minor, alice.declared_minor) == (300, 150, 500)
    assert alice.paid_minor == 700  # $2.00 from the drawer, $5.00 declared cash kept in hand
    assert [(p.day, p.how, p.amount_minor) for p in alice.payouts] == [
        (MONDAY, "kept in hand (declared cash)", 500), (date(2026, 11, 24), "drawer 1", 200)]
    assert (alice.tipped_s, alice.untipped_s, alice.tip_credit_minor) == (6 * 3600, 0, 6 * 213)
    bob = found[("Bob", MONDAY)]
    assert (bob.pooled_minor, bob.paid_minor, bob.tipped_s, bob.tip_credit_minor) == (50, 0, 2 * 3600, 2 * 213)
    assert found[("Bob", date(2026, 11, 30))].payouts[0].how == "payroll"
    kim = found[("Kim", MONDAY)]
    assert (kim.received_minor, kim.tipped_s, kim.untipped_s, kim.tip_credit_minor) == (0, 0, 4 * 3600, 0)


def test_the_records_tie_to_the_ledger_to_the_cent(week: Store) -> None:
    """Each person's received, less given back and paid out, plus adjusted, is what the range moved on their
    tips account in the books."""
    for start, end in ((MONDAY, SUNDAY), (MONDAY, date(2026, 12, 6)), (date(2026, 11, 24), date(2026, 11, 30))):
        by_person: dict[str, int] = {}
        for r in records(week, start, end):
            by_person[r.staff_key] = by_person.get(r.staff_key, 0) + r.net_minor
        moved = ledger_movement(week, start, end)
        assert {k: v for k, v in by_person.items() if v} == {k: v for k, v in moved.items() if v}
    assert ledger_movement(week, MONDAY, date(2026, 12, 6)) == {"alice": 250, "bob": 0}  # what is still owed
    assert tips.owed_by_person(week).get("alice") == 250


def test_the_command_prints_text_csv_json_and_a_pdf_an_inspector_can_read(week: Store, cli_for, tmp_path) -> None:
    cli = cli_for(week)
    with freeze_time("2026-12-07 17:00:00"):
        text = " ".join(cli.ok("tips", "records", "--from", "2026-11-23", "--to", "2026-11-29").stdout.split())
        assert "Tip records 2026-11-23 to 2026-11-29 (29 CFR 516.28), weeks from Monday:" in text
        assert "week of 2026-11-23: received $9.50 (direct $3.00, pooled $1.50, declared cash $5.00); given back " \
            "$0.00; paid out $7.00" in text
        assert "paid 2026-11-24: $2.00, drawer 1" in text
        assert "hours: 6:00 tipped, 0:00 untipped; tip credit claimed $12.78" in text
        rows = list(csv.DictReader(io.StringIO(cli.ok("tips", "records", "--from", "2026-11-23", "--to",
                                                      "2026-11-29", "--csv").stdout)))
        assert [(r["staff"], r["received"], r["tipped_hours"], r["tip_credit"]) for r in rows] == [
            ("Alice", "9.50", "6.00", "12.78"), ("Bob", "0.50", "2.00", "4.26"), ("Kim", "0.00", "0.00", "0.00")]
        data = json.loads(cli.ok("tips", "records", "--from", "2026-11-23", "--to", "2026-11-29", "--json").stdout)
        assert data["records"][0]["received_minor"] == 950 and data["records"][0]["payouts"][1]["how"] == "drawer 1"
        out = tmp_path / "records.pdf"
        cli.ok("tips", "records", "--from", "2026-11-23", "--to", "2026-11-29", "--pdf", str(out))
        page = PdfReader(str(out)).pages[0]
        shown = page.extract_text()
        assert "tip records, 2026-11-23 to 2026-11-29" in shown and "Alice" in shown and "$12.78" in shown
        assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
        assert round(float(page.mediabox.width)) == 792  # Letter for a US store


@pytest.mark.parametrize("args, says", [
    (["--from", "2026-11-29", "--to", "2026-11-23"], "before it starts"),
    (["--from", "2025-01-01", "--to", "2026-11-23"], "366 days or fewer"),
    (["--from", "23/11/2026"], "YYYY-MM-DD"),
])
def test_bad_ranges_are_refused_and_write_nothing(week: Store, cli_for, args, says, tmp_path) -> None:
    before = snapshot(week.path)
    with freeze_time("2026-12-07 17:00:00"):
        cli_for(week).fails("tips", "records", *args, "--pdf", str(tmp_path / "r.pdf"), says=says)
    assert snapshot(week.path) == before and not (tmp_path / "r.pdf").exists()
