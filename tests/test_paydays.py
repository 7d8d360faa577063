"""Tips paid by payday: the pay schedule and its periods, tips marked late or due, the close's warning, payroll by period.

Tips are the employee's, due with the regular pay for the period they were earned in: 29 CFR 531.35
("free and clear"), DOL Fact Sheet #15 (tips paid out no later than the regular payday).  State laws
may ask sooner; these tests check the federal rule the product enforces.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import given, settings, strategies as st

from payments import service
from pos.store import audit
from pos.tips import paydays, tips
from pos.cash.drawer import open_drawer
from pos.base.errors import InvalidInput
from pos.sales.orders import add_line, new_order
from pos.tips.paydays import Frequency, Schedule, Status, period_of
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from tests.conftest import snapshot

# 2026-11-23 is a Monday; the store is in New York (UTC-5).  Weekly periods from that Monday, paid
# three days after each ends: Mon 11-23 .. Sun 11-29, payday Wed 12-02; 11-30 .. 12-06, payday 12-09.
MONDAY = date(2026, 11, 23)


def noon(day: date) -> str:
    return f"{day.isoformat()} 17:00:00"


def tip(store: Store, day: date, amount_minor: int, to: str = "Alice") -> None:
    with freeze_time(noon(day)):
        start_shift(store, to) if not _on_shift(store, to) else None
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        service.pay(store, order.id, "cash", "20", tip_minor=amount_minor, tip_to=to)


def _on_shift(store: Store, name: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM shifts s JOIN staff p ON p.id = s.staff_id WHERE p.name = ? "
                             "AND s.ended_at IS NULL", (name,)))


@pytest.fixture
def crew(store: Store) -> Store:
    """Alice and Bob (servers, tipped); drawer 1 open; weekly pay from Monday 11-23, paid 3 days after."""
    with freeze_time(noon(MONDAY)):
        add_staff(store, "Alice", "server", "2580")
        add_staff(store, "Bob", "server", "2580")
        open_drawer(store, 1, "100")
        paydays.set_schedule(store, Frequency.WEEKLY, MONDAY, 3)
    return store


# -- periods -------------------------------------------------------------------------------


@given(frequency=st.sampled_from(list(Frequency)), offset=st.integers(0, 3000), lag=st.integers(0, 31),
       change=st.integers(1, 400), later=st.sampled_from(list(Frequency)))
@settings(max_examples=150, deadline=None)
def test_periods_tile_the_calendar_with_no_gap_or_overlap_and_pay_after_they_end(
    frequency: Frequency, offset: int, lag: int, change: int, later: Frequency
) -> None:
    """Every day from the first schedule on is in exactly one period, consecutive periods meet, each payday is
    its period's end plus the lag, and a new schedule's start cuts the old period short."""
    first = date(2020, 1, 1) + timedelta(days=offset)
    first = first.replace(day=1) if frequency is Frequency.MONTHLY else (
        first.replace(day=1 if first.day < 16 else 16) if frequency is Frequency.SEMIMONTHLY else first)
    second = first + timedelta(days=change)
    second = second.replace(day=1) if later is Frequency.MONTHLY else (
        second.replace(day=1 if second.day < 16 else 16) if later is Frequency.SEMIMONTHLY else second)
    known = [Schedule(frequency, first, lag)]
    if second > first:
        known.append(Schedule(later, second, 0))
    assert period_of(known, first - timedelta(days=1)) is None
    day, previous = first, None
    while day < first + timedelta(days=change + 70):
        period = period_of(known, day)
        assert period is not None and period.start <= day <= period.end
        if previous is not None and period != previous:
            assert period.start == previous.end + timedelta(days=1)  # no gap, no overlap
        in_force = known[-1] if len(known) > 1 and day >= known[1].starts else known[0]
        assert period.payday == period.end + timedelta(days=in_force.paid_after_days)
        if len(known) > 1 and period.start < known[1].starts:
            assert period.end < known[1].starts  # the old schedule's period ends before the new one starts
        previous, day = period, day + timedelta(days=1)


def test_periods_of_each_schedule_are_the_usual_ones() -> None:
    weekly = [Schedule(Frequency.WEEKLY, MONDAY, 3)]
    assert period_of(weekly, date(2026, 12, 1)) == paydays.Period(date(2026, 11, 30), date(2026, 12, 6),
                                                                   date(2026, 12, 9))
    biweekly = [Schedule(Frequency.BIWEEKLY, MONDAY)]
    assert period_of(biweekly, date(2026, 12, 6)) == paydays.Period(MONDAY, date(2026, 12, 6), date(2026, 12, 6))
    assert period_of(biweekly, date(2026, 12, 7)).start == date(2026, 12, 7)  # type: ignore[union-attr]
    semi = [Schedule(Frequency.SEMIMONTHLY, date(2026, 2, 1))]
    assert period_of(semi, date(2026, 2, 15)).end == date(2026, 2, 15)  # type: ignore[union-attr]
    assert period_of(semi, date(2026, 2, 16)) == paydays.Period(date(2026, 2, 16), date(2026, 2, 28),
                                                                 date(2026, 2, 28))
    monthly = [Schedule(Frequency.MONTHLY, date(2028, 2, 1))]
    assert period_of(monthly, date(2028, 2, 10)).payday == date(2028, 2, 29)  # type: ignore[union-attr]


@pytest.mark.parametrize("frequency, starts, says", [
    (Frequency.SEMIMONTHLY, date(2026, 12, 3), "start on 2026-12-01 or 2026-12-16"),
    (Frequency.MONTHLY, date(2026, 12, 2), "start on 2026-12-01 or 2027-01-01"),
])
def test_a_schedule_must_start_on_a_period_s_first_day(frequency: Frequency, starts: date, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        paydays.check_schedule(Schedule(frequency, starts))


# -- late and due ----------------------------------------------------------------------------


def test_a_tip_is_due_by_its_period_s_payday_and_flagged_late_once_it_has_passed(crew: Store, cli_for) -> None:
    """29 CFR 531.35: Tuesday's tip is due by the payday of its week (Wed 12-02); owed after that, it is late."""
    tip(crew, date(2026, 11, 24), 300)
    tip(crew, date(2026, 12, 1), 400)
    cli = cli_for(crew)
    with freeze_time(noon(date(2026, 12, 2))):  # payday itself: still on time
        data = json.loads(cli.ok("tips", "owed", "--json").stdout)
        assert data["owed"] == {"alice": 700} and data["late"] == {"alice": 0}
        assert data["due"]["alice"] == [{"payday": "2026-12-02", "amount_minor": 300},
                                        {"payday": "2026-12-09", "amount_minor": 400}]
        assert data["next_payday"] == "2026-12-02"
        assert "$3.00 by 2026-12-02, $4.00 by 2026-12-09" in cli.ok("tips", "owed").stdout
    with freeze_time(noon(date(2026, 12, 3))):
        data = json.loads(cli.ok("tips", "owed", "--json").stdout)
        assert data["late"] == {"alice": 300} and data["next_payday"] == "2026-12-09"
        text = cli.ok("tips", "owed").stdout
        assert "LATE: $3.00 in tips from pay periods whose payday has passed" in text


def test_tips_paid_out_pay_the_oldest_first(crew: Store) -> None:
    """Paying $3.00 pays last week's tip: what is left is this week's, due by its own payday, nothing late."""
    tip(crew, date(2026, 11, 24), 300)
    tip(crew, date(2026, 12, 1), 400)
    with freeze_time(noon(date(2026, 12, 3))):
        tips.payout(crew, "Alice", 300, tips.PayoutSource.DRAWER, received_by=get_staff(crew, "Alice"))
        parts = paydays.owed_by_period(crew, date(2026, 12, 3), tips.owed_by_person(crew))
    assert [(p.day, p.amount_minor, p.status) for p in parts["alice"]] == [(date(2026, 12, 1), 400, Status.DUE)]
    assert parts["alice"][0].period.payday == date(2026, 12, 9)  # type: ignore[union-attr]


def test_tips_from_before_the_first_schedule_are_due_by_its_first_payday(store: Store) -> None:
    with freeze_time(noon(date(2026, 11, 20))):
        add_staff(store, "Alice", "server", "2580")
        open_drawer(store, 1, "100")
    tip(store, date(2026, 11, 20), 300)
    with freeze_time(noon(MONDAY)):
        paydays.set_schedule(store, Frequency.WEEKLY, MONDAY, 3)
    for today, status in ((date(2026, 12, 2), Status.DUE), (date(2026, 12, 3), Status.LATE)):
        (part,) = paydays.owed_by_period(store, today, tips.owed_by_person(store))["alice"]
        assert part.period is not None
        assert (part.day, part.status, part.period.payday) == (date(2026, 11, 20), status, date(2026, 12, 2))


def test_without_a_schedule_nothing_is_late_and_owed_says_how_to_set_one(store: Store, cli_for) -> None:
    with freeze_time(noon(MONDAY)):
        add_staff(store, "Alice", "server", "2580")
        open_drawer(store, 1, "100")
    tip(store, MONDAY, 300)
    with freeze_time(noon(date(2027, 3, 1))):
        parts = paydays.owed_by_period(store, date(2027, 3, 1), tips.owed_by_person(store))
        assert [p.status for p in parts["alice"]] == [Status.UNSCHEDULED]
        assert "No pay schedule is set, so nothing is marked late" in cli_for(store).ok("tips", "owed").stdout


def test_the_day_close_warns_when_a_payday_has_passed_with_tips_still_owed(crew: Store, cli_for) -> None:
    """Closing the payday (12-02) with last week's tip unpaid warns; closing the day before does not."""
    tip(crew, date(2026, 11, 24), 300)
    cli = cli_for(crew)
    with freeze_time(noon(date(2026, 12, 1))):
        out = cli.ok("day", "close", "--force", "--count", "1=100").stdout
        assert "WARNING" not in out
    with freeze_time(noon(date(2026, 12, 2))):
        open_drawer(crew, 1, "100")
    with freeze_time("2026-12-03 02:00:00"):  # 21:00 on 12-02 in New York
        data = json.loads(cli.ok("day", "close", "--force", "--count", "1=100", "--json").stdout)
        assert data["day"] == "2026-12-02" and data["late_tips_minor"] == 300
    assert paydays.late_at_close(crew, date(2026, 12, 2)) == 300


# -- the schedule and its commands -------------------------------------------------------------


def test_payday_set_and_show_keep_every_change_audited_and_never_edited(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(noon(date(2026, 11, 25))):
        out = cli.ok("tips", "payday", "set", "semimonthly", "--from", "2026-12-01").stdout
        assert "Pay schedule set: semimonthly from 2026-12-01, paid on each period's last day. First period " \
            "2026-12-01 to 2026-12-15, payday 2026-12-15." in out
        shown = json.loads(cli.ok("tips", "payday", "show", "--json").stdout)
        assert [s["frequency"] for s in shown["schedules"]] == ["weekly", "semimonthly"]
        assert shown["period"] == {"start": "2026-11-23", "end": "2026-11-29", "payday": "2026-12-02"}
        text = cli.ok("tips", "payday", "show").stdout
        assert "Pay period 2026-11-23 to 2026-11-29, payday 2026-12-02" in text
    # the week of 11-30 is cut short by the new schedule
    assert period_of(paydays.schedules(crew), date(2026, 11, 30)).end == date(2026, 11, 30)  # type: ignore[union-attr]
    changes = [r for r in audit.records(crew) if r.event is audit.Event.PAY_SCHEDULE]
    assert len(changes) == 2
    with pytest.raises(sqlite3.DatabaseError, match="kept as it was set"):
        crew.conn.execute("UPDATE pay_schedules SET paid_after_days = 0")
    with pytest.raises(sqlite3.DatabaseError, match="kept as it was set"):
        crew.conn.execute("DELETE FROM pay_schedules")


@pytest.mark.parametrize("args, says", [
    (["tips", "payday", "set", "fortnightly", "--from", "2026-12-07"], "weekly, biweekly, semimonthly or monthly"),
    (["tips", "payday", "set", "semimonthly", "--from", "2026-12-03"], "from the 1st and from the 16th"),
    (["tips", "payday", "set", "monthly", "--from", "2026-12-02"], "calendar months"),
    (["tips", "payday", "set", "weekly", "--from", "2026-12-07", "--paid-after", "40"], "0 to 31 days"),
    (["tips", "payday", "set", "weekly", "--from", "07/12/2026"], "YYYY-MM-DD"),
    (["tips", "payday", "set", "weekly", "--from", "2026-11-23"], "already changes on 2026-11-23"),
    (["tips", "payday", "set", "weekly", "--from", "2025-01-06"], "more than a year ago"),
    (["tips", "payroll", "--from", "2026-11-24", "--to", "2026-11-29"], "runs 2026-11-23 to 2026-11-29"),
    (["tips", "payroll", "--period", "2026-11-24", "--from", "2026-11-23"], "not both"),
    (["tips", "payroll", "--period", "2026-11-01"], "before the pay schedule starts"),
])
def test_bad_schedules_and_payroll_ranges_are_refused_and_write_nothing(crew: Store, cli_for, args, says) -> None:
    before = snapshot(crew.path)
    with freeze_time(noon(date(2026, 11, 25))):
        cli_for(crew).fails(*args, says=says)
    assert snapshot(crew.path) == before


def test_only_someone_who_changes_settings_sets_the_schedule(crew: Store, cli_for, tmp_path, monkeypatch) -> None:
    """With sign-in on, a server may not set the pay schedule (nothing written but the refusal); an owner may."""
    from tests.helpers import signin_on

    signin_on(crew, tmp_path, monkeypatch, (("Tony", "owner", "369147"),))
    cli = cli_for(crew)
    with freeze_time(noon(date(2026, 11, 25))):
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("tips", "payday", "set", "monthly", "--from", "2026-12-01", audited=True, says="may not")
        cli.ok("login", "Tony", input="369147\n")
        cli.ok("tips", "payday", "set", "monthly", "--from", "2026-12-01")
    assert [s.frequency for s in paydays.schedules(crew)] == [Frequency.WEEKLY, Frequency.MONTHLY]


# -- payroll by period -------------------------------------------------------------------------------


def test_the_payroll_csv_covers_exactly_one_pay_period(crew: Store, cli_for, tmp_path) -> None:
    """Payouts through payroll on 11-27 and 12-01 fall in two periods: each export holds its own period's."""
    tip(crew, date(2026, 11, 24), 300)
    tip(crew, date(2026, 11, 24), 200, to="Bob")
    with freeze_time(noon(date(2026, 11, 27))):
        tips.payout(crew, "Alice", None, tips.PayoutSource.PAYROLL)
    with freeze_time(noon(date(2026, 12, 1))):
        tips.payout(crew, "Bob", None, tips.PayoutSource.PAYROLL)
    cli = cli_for(crew)

    def rows(*args: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(cli.ok("tips", "payroll", *args).stdout)))[1:]

    with freeze_time(noon(date(2026, 12, 2))):
        assert rows() == [["2026-11-27", "Alice", "3.00", "USD"]]  # the last period finished: 11-23 .. 11-29
        assert rows("--period", "2026-12-05") == [["2026-12-01", "Bob", "2.00", "USD"]]
        assert rows("--from", "2026-11-30", "--to", "2026-12-06") == [["2026-12-01", "Bob", "2.00", "USD"]]
        assert rows("--from", "2026-11-30") == rows("--period", "2026-11-30")  # a period's first day: that period
        out = cli.ok("tips", "payroll", "--out", str(tmp_path / "week.csv")).stdout
        assert "for 2026-11-23 to 2026-11-29" in out


def test_without_a_schedule_the_payroll_says_so_and_offers_the_days_not_an_empty_file_for_today(
        store: Store, cli_for, tmp_path) -> None:
    """Issue 23: 'pos tips payroll --out tips.csv' with no pay schedule wrote an empty file for today."""
    with freeze_time(noon(MONDAY)):
        add_staff(store, "Alice", "server", "2580")
        add_staff(store, "Bob", "server", "2580")
        open_drawer(store, 1, "100")
    tip(store, date(2026, 11, 20), 300)
    tip(store, date(2026, 11, 21), 200, to="Bob")
    with freeze_time(noon(date(2026, 11, 22))):
        tips.payout(store, "Alice", None, tips.PayoutSource.PAYROLL)  # Alice's 11-20 tips, paid through payroll
    tip(store, date(2026, 11, 23), 150)
    cli = cli_for(store)
    target = tmp_path / "tips.csv"
    with freeze_time(noon(date(2026, 11, 24))):
        said = cli.fails("tips", "payroll", "--out", str(target), says="No pay schedule is set").stderr
        assert not target.exists()
        assert "payouts through payroll on 2026-11-22" in said, said
        assert "tips still owed were earned on 2026-11-21 and 2026-11-23" in said, said
        assert "--from 2026-11-22 --to 2026-11-22" in said, said
        cli.fails("tips", "payroll", says="No pay schedule is set")  # printed, it is the same: no day to take
        cli.ok("tips", "payroll", "--from", "2026-11-22", "--out", str(target))
    assert target.read_text() == "business_day,staff,amount,currency\n2026-11-22,Alice,3.00,USD\n"


def test_without_a_schedule_the_payroll_takes_any_range_and_refuses_a_period(store: Store, cli_for) -> None:
    with freeze_time(noon(MONDAY)):
        cli = cli_for(store)
        cli.ok("tips", "payroll", "--from", "2026-11-01", "--to", "2026-11-30")
        cli.fails("tips", "payroll", "--period", "2026-11-23", says="No pay schedule is set")
