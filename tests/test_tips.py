"""Tips reach only real people: the rules, channel modes, the pool shared by hours, declared cash tips, payouts."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos.books import accounts, ledger
from pos.store import config
from pos.tips import tip_pool, tips
from pos.cash.drawer import expected_cash, open_drawer
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, deactivate_staff, end_shift, get_staff, start_shift
from pos.store.store import Store
from tests.conftest import snapshot
from tests.helpers import refused, verified

# 2026-11-23 is a Monday; the store is in New York (UTC-5), its day rolls over at 04:00.
NOON = "2026-11-23 17:00:00"  # 12:00 local
DAY = date(2026, 11, 23)


def owed(store: Store) -> dict[str, int]:
    return tips.owed_by_person(store)


def sale(store: Store, channel: str = "counter"):
    order = new_order(store, channel)
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


@pytest.fixture
def team(store: Store):
    """Alice (cashier), Bob (server), Kim (kitchen, opted out), Maria (manager), Tony (owner); drawer 1 open."""
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Bob", "server", "2580")
    add_staff(store, "Kim", "kitchen", "2580", tip_eligible=False)
    add_staff(store, "Maria", "manager", "258036")
    add_staff(store, "Tony", "owner", "258036")
    open_drawer(store, 1, "100")
    return store


# -- the rules ---------------------------------------------------------------------------


@freeze_time(NOON)
def test_each_wrong_recipient_is_refused_with_its_reason_and_nothing_written(team: Store) -> None:
    start_shift(team, "Maria")
    start_shift(team, "Tony")
    start_shift(team, "Kim")
    order = sale(team)
    pay = service.pay
    refused(team, NotAllowed, "No tip-eligible staff member is on shift", pay, team, order.id, "cash", "20", tip_minor=200)
    refused(team, NotFound, "No staff member called 'Zed'", pay, team, order.id, "cash", "20", tip_minor=200, tip_to="Zed")
    refused(team, NotAllowed, "Alice is not on shift", pay, team, order.id, "cash", "20", tip_minor=200, tip_to="Alice")
    refused(team, NotAllowed, "Maria is a manager: owners and managers may not share", pay, team, order.id, "cash",
            "20", tip_minor=200, tip_to="Maria")
    refused(team, NotAllowed, "Tony is an owner", pay, team, order.id, "cash", "20", tip_minor=200, tip_to="Tony")
    refused(team, NotAllowed, "Kim is not eligible for tips", pay, team, order.id, "cash", "20", tip_minor=200,
            tip_to="Kim")
    refused(team, InvalidInput, "cannot be negative", pay, team, order.id, "cash", "20", tip_minor=-1, tip_to="Kim")
    start_shift(team, "Bob")
    deactivate_staff(team, "Bob")
    refused(team, NotAllowed, "Bob is deactivated", pay, team, order.id, "cash", "20", tip_minor=200, tip_to="Bob")
    assert owed(team) == {}


@freeze_time(NOON)
def test_a_tip_is_a_liability_to_staff_never_income(team: Store) -> None:
    start_shift(team, "Alice")
    service.pay(team, sale(team).id, "cash", "20", tip_minor=300, tip_to="Alice")
    assert owed(team) == {"alice": 300}
    day = ledger.balances(team, day=DAY)
    assert all(v == 0 or not a.startswith("income:") or a == "income:sales" for (a, _), v in day.items())
    assert -day[("income:sales", "USD")] == 1250  # the sale, without the tip
    verified(team)


@freeze_time(NOON)
def test_channel_modes_decide_where_an_unnamed_tip_goes(team: Store) -> None:
    start_shift(team, "Alice")
    service.pay(team, sale(team).id, "cash", "20", tip_minor=100)  # counter: the pool by default
    assert owed(team) == {"pool": 100}
    config.set_option(team, "tips.counter", "direct")
    order = sale(team)
    refused(team, NotAllowed, "Tips on counter orders go direct", service.pay, team, order.id, "cash", "20",
            tip_minor=100)
    service.pay(team, order.id, "cash", "20", tip_minor=100, tip_to="Alice")
    assert owed(team) == {"pool": 100, "alice": 100}
    refused(team, InvalidInput, "not a tip mode", config.set_option, team, "tips.phone", "staff")


# -- the pool, by hours -----------------------------------------------------------------------


def test_the_pool_is_shared_by_hours_worked_to_the_cent(team: Store) -> None:
    with freeze_time("2026-11-23 14:00:00") as clock:  # 09:00 local
        for name in ("Alice", "Bob", "Maria", "Kim"):
            start_shift(team, name)
        clock.move_to("2026-11-23 16:00:00")
        end_shift(team, "Bob")  # 2 h
        for _ in range(3):
            service.pay(team, sale(team).id, "cash", "20", tip_minor=334)  # 10.02 into the pool
        clock.move_to("2026-11-23 20:00:00")
        end_shift(team, "Alice")  # 6 h
        preview = tip_pool.plan(team, DAY)
        assert preview.pool_minor == 1002
        assert [(s.name, s.worked_s, s.amount_minor) for s in preview.shares] == [
            ("Alice", 6 * 3600, 752), ("Bob", 2 * 3600, 250)]  # 1002 * 6/8 = 751.5 -> 752, 250.5 -> 250
        assert dict(preview.excluded) == {"Kim": "not tip-eligible",
                                          "Maria": "manager: may not share in employees' tips"}
        assert owed(team) == {"pool": 1002}  # a preview posts nothing
        _, entry = tip_pool.distribute(team, DAY)
        assert entry is not None and entry.business_day == DAY.isoformat()
        assert owed(team) == {"alice": 752, "bob": 250}
        again, nothing = tip_pool.distribute(team, DAY)
        assert nothing is None and again.pool_minor == 0  # twice: nothing the second time
        # A late tip reaches the pool: only it is shared next time.
        start_shift(team, "Bob")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=100)
        _, late = tip_pool.distribute(team, DAY, include_open=True)  # Bob's open shift counted as ended now
        assert late is not None and late.key == f"tips:pool:{DAY}:2"
        assert sum(owed(team).values()) == 1102
    verified(team)


def test_a_shift_across_midnight_counts_for_its_business_day(team: Store) -> None:
    with freeze_time("2026-11-24 03:00:00") as clock:  # 22:00 local on the 23rd
        start_shift(team, "Alice")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=500, tip_confirmed=True)
        clock.move_to("2026-11-24 07:00:00")  # 02:00 local, still the 23rd's business day
        end_shift(team, "Alice")
        plan = tip_pool.plan(team, DAY)
        assert [(s.name, s.worked_s, s.amount_minor) for s in plan.shares] == [("Alice", 4 * 3600, 500)]


def test_distributing_a_day_with_no_shifts_is_refused_and_posts_nothing(team: Store) -> None:
    refused(team, NotAllowed, "No shifts on 2026-11-20", tip_pool.distribute, team, date(2026, 11, 20))


def test_a_preview_says_its_shares_are_as_of_now_and_posting_waits_for_open_shifts(team: Store, cli_for) -> None:
    """Issue 23: '--preview' then '--yes' gave different shares, the shifts still running between them."""
    cli = cli_for(team)
    with freeze_time("2026-11-23 14:00:00") as clock:  # 09:00 local
        start_shift(team, "Alice")
        start_shift(team, "Maria")  # a manager on shift shares nothing: her open shift holds nothing up
        clock.move_to("2026-11-23 16:00:00")
        start_shift(team, "Bob")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=600, tip_confirmed=True)
        clock.move_to("2026-11-23 17:00:00")  # 12:00 local: Alice 3 h, Bob 1 h so far
        preview = cli.ok("tips", "distribute", "--day", "2026-11-23", "--preview").stdout
        said = " ".join(preview.split())
        assert "Shares as of 12:00, while 2 shifts are still open: Alice (since 09:00), Bob (since 11:00)" in said
        data = json.loads(cli.ok("tips", "distribute", "--day", "2026-11-23", "--preview", "--json").stdout)
        assert data["as_of"] == "2026-11-23T17:00:00+00:00"
        assert [(o["name"], o["started_at"]) for o in data["still_open"]] == [
            ("Alice", "2026-11-23T14:00:00+00:00"), ("Bob", "2026-11-23T16:00:00+00:00")]
        assert {s["name"]: s["amount_minor"] for s in data["shares"]} == {"Alice": 450, "Bob": 150}
        clock.move_to("2026-11-23 19:00:00")
        before = snapshot(team.path)
        cli.fails("tips", "distribute", "--day", "2026-11-23", "--yes",
                  says="Alice and Bob are still on shift on 2026-11-23")
        assert snapshot(team.path) == before and owed(team) == {"pool": 600}
        refused(team, Conflict, "--include-open", tip_pool.distribute, team, DAY)
        end_shift(team, "Bob")  # 3 h; Alice 5 h and still on: counted as ended now
        posted = json.loads(cli.ok("tips", "distribute", "--day", "2026-11-23", "--yes", "--include-open",
                                   "--json").stdout)
        assert {s["name"]: s["amount_minor"] for s in posted["shares"]} == {"Alice": 375, "Bob": 225}
        assert [o["name"] for o in posted["still_open"]] == ["Alice"]
    assert owed(team) == {"alice": 375, "bob": 225}
    assert team.scalar("SELECT count(*) FROM shifts WHERE ended_at IS NULL") == 2  # counted, not ended


# -- declared cash tips, payouts ---------------------------------------------------------------


@freeze_time(NOON)
def test_cash_tips_declared_at_shift_end_are_recorded_as_received_and_kept(team: Store) -> None:
    start_shift(team, "Alice")
    refused(team, InvalidInput, "more than zero", tips.end_shift_declaring, team, "Alice", 0)
    shift, kept = tips.end_shift_declaring(team, "Alice", 1250)
    assert shift.ended_at is not None and kept.key == f"tips:kept:{shift.id}"
    declared = ledger.find_by_key(team, f"tips:declared:{shift.id}")
    assert declared is not None
    assert {p.account: p.amount_minor for p in declared.postings} == {
        "assets:cash:tips-in-hand:alice": 1250, "liabilities:tips:alice": -1250}
    assert owed(team) == {}  # hers, and already in her hand
    verified(team)


@freeze_time(NOON)
def test_payouts_from_the_drawer_or_payroll_never_more_than_owed(team: Store) -> None:
    start_shift(team, "Alice")
    service.pay(team, sale(team).id, "cash", "20", tip_minor=500, tip_to="Alice", tip_confirmed=True)
    before = expected_cash(team, 1)
    refused(team, NotAllowed, "owed $5.00 in tips, not $6.00", tips.payout, team, "Alice", 600, tips.PayoutSource.DRAWER,
            received_by=get_staff(team, "Alice"))
    refused(team, NotAllowed, "No tips are owed to Bob", tips.payout, team, "Bob", None, tips.PayoutSource.DRAWER)
    refused(team, NotAllowed, "Drawer 2", tips.payout, team, "Alice", 100, tips.PayoutSource.DRAWER, 2,
            received_by=get_staff(team, "Alice"))
    paid = tips.payout(team, "Alice", 200, tips.PayoutSource.DRAWER, received_by=get_staff(team, "Alice"))
    assert (paid.amount_minor, paid.owed_after_minor) == (200, 300)
    assert expected_cash(team, 1) == before - 200
    rest = tips.payout(team, "Alice", None, tips.PayoutSource.PAYROLL)
    assert rest.amount_minor == 300 and owed(team) == {}
    assert ledger.balances(team)[(accounts.PAYROLL_TIPS, "USD")] == -300
    verified(team)


# -- the CLI --------------------------------------------------------------------------------


def test_cli_tips_commands(team: Store, cli_for) -> None:
    cli = cli_for(team)
    with freeze_time("2026-11-23 14:00:00") as clock:
        cli.ok("shift", "start", "Alice", input="2580\n")
        cli.ok("shift", "start", "Bob", input="2580\n")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=400)
        clock.move_to("2026-11-23 17:00:00")
        assert "Cash tips declared: $7.00." in cli.ok("shift", "end", "Bob", "--cash-tips", "7", input="2580\n").stdout
        clock.move_to("2026-11-23 18:00:00")
        assert "the pool (not yet shared)" in cli.ok("tips", "owed").stdout
        out = cli.ok("tips", "distribute", "--day", "2026-11-23", "--preview").stdout
        assert "Preview only: nothing posted." in out and "Alice" in out and "Maria" not in out
        before = snapshot(team.path)
        declined = cli("tips", "distribute", "--day", "2026-11-23", "--include-open", input="n\n")  # Alice is on
        assert declined.exit_code == 1 and "error: Nothing posted" in declined.output
        assert snapshot(team.path) == before
        posted = json.loads(cli.ok("tips", "distribute", "--day", "2026-11-23", "--yes", "--include-open",
                                   "--json").stdout)
        assert posted["posted"] and {s["name"]: s["amount_minor"] for s in posted["shares"]} == {"Alice": 229, "Bob": 171}
        again = json.loads(cli.ok("tips", "distribute", "--day", "2026-11-23", "--yes", "--json").stdout)
        assert not again["posted"] and again["pool_minor"] == 0
        cli.fails("tips", "payout", "Alice", "--from", "safe", says="--from drawer or --from payroll")
        cli.fails("tips", "payout", "Alice", "--from", "drawer", "--amount", "9.00", input="2580\n",
                  says="a payout cannot be more")
        cli.fails("tips", "payout", "Alice", "--from", "drawer", "--amount", "-1", says="cannot be negative")
        out = cli.ok("tips", "payout", "Alice", "--from", "drawer", input="2580\n").stdout  # Alice's PIN: in her hand
        assert out == "Paid Alice $2.29 in tips (from drawer 1); still owed $0.00.\n"
        cli.fails("tips", "distribute", "--day", "2026-11-01", says="No shifts on 2026-11-01")
        cli.fails("shift", "end", "Alice", "--cash-tips", "-3", says="cannot be negative")
        cli.fails("shift", "end", "Alice", "--cash-tips", "abc", says="abc")


# -- a refunded sale leaves no tip standing -------------------------------------------------


@freeze_time(NOON)
def test_refunding_a_tipped_payment_takes_the_tip_back_from_its_recipient(team: Store) -> None:
    from payments.refunds import refund

    start_shift(team, "Alice")
    order = sale(team)
    service.pay(team, order.id, "cash", "20", tip_minor=300, tip_to="Alice")
    drawer_before = expected_cash(team, 1)
    part = refund(team, order.id, "2.00", "flat soda")
    assert part.parts[0].tip_minor == 0 and owed(team) == {"alice": 300}  # a partial refund keeps the tip
    rest = refund(team, order.id, None, "customer complaint")
    assert rest.parts[0].tip_minor == 300 and rest.fully_refunded
    assert owed(team) == {}
    assert expected_cash(team, 1) == drawer_before - 1361 - 300  # the customer got the tip back too
    verified(team)


@freeze_time(NOON)
def test_a_tip_already_paid_out_is_owed_back_by_its_recipient(team: Store) -> None:
    from payments.refunds import refund

    start_shift(team, "Alice")
    order = sale(team)
    service.pay(team, order.id, "cash", "20", tip_minor=300, tip_to="Alice")
    tips.payout(team, "Alice", 200, tips.PayoutSource.DRAWER, received_by=get_staff(team, "Alice"))
    refund(team, order.id, None, "wrong order")
    balances = ledger.balances(team)
    assert balances.get(("liabilities:tips:alice", "USD"), 0) == 0
    assert balances[("assets:receivable:staff:alice", "USD")] == 200  # Alice owes back what she was paid
    verified(team)


@freeze_time(NOON)
def test_a_refunded_pool_tip_comes_out_of_the_pool(team: Store, cli_for) -> None:
    start_shift(team, "Bob")
    order = sale(team)
    service.pay(team, order.id, "cash", "20", tip_minor=150)
    out = cli_for(team).ok("refund", order.number.__str__(), "--reason", "burnt").stdout
    assert "cash $13.61 and its $1.50 tip" in out
    assert owed(team) == {}
    verified(team)


@freeze_time(NOON)
def test_a_tip_above_the_stores_share_needs_confirming(team: Store, cli_for) -> None:
    start_shift(team, "Alice")
    order = sale(team)  # 13.61: 30% is 4.08
    refused(team, InvalidInput, "A $5.00 tip is more than 30% of $13.61", service.pay, team, order.id, "cash", "20",
            tip_minor=500, tip_to="Alice")
    cli = cli_for(team)
    cli.fails("pay", "1", "cash", "20", "--tip", "5", "--tip-to", "Alice", says="confirm it (--confirm-tip)")
    cli.ok("config", "set", "tips.confirm_over", "40%")
    cli.ok("pay", "1", "cash", "20", "--tip", "5", "--tip-to", "Alice")
    second = sale(team)
    cli.ok("pay", str(second.number), "cash", "30", "--tip", "10", "--tip-to", "Alice", "--confirm-tip")
    assert owed(team) == {"alice": 1500}
    cli.fails("config", "set", "tips.confirm_over", "0", says="not a percentage")


@freeze_time(NOON)
def test_payroll_export_lists_tips_paid_through_payroll(team: Store, cli_for, tmp_path) -> None:
    start_shift(team, "Alice")
    service.pay(team, sale(team).id, "cash", "20", tip_minor=400, tip_to="Alice")
    tips.payout(team, "Alice", 100, tips.PayoutSource.DRAWER, received_by=get_staff(team, "Alice"))  # cash: not payroll's
    tips.payout(team, "Alice", 250, tips.PayoutSource.PAYROLL)
    tips.payout(team, "Alice", 50, tips.PayoutSource.PAYROLL)
    assert tips.payroll_lines(team, DAY, DAY) == [tips.PayrollLine("2026-11-23", "alice", "Alice", 300)]
    cli = cli_for(team)
    assert cli.ok("tips", "payroll", "--from", "2026-11-23").stdout == (
        "business_day,staff,amount,currency\n2026-11-23,Alice,3.00,USD\n")
    target = tmp_path / "payroll.csv"
    cli.ok("tips", "payroll", "--from", "2026-11-23", "--to", "2026-11-23", "--out", str(target))
    assert target.read_text().endswith("2026-11-23,Alice,3.00,USD\n")
    cli.fails("tips", "payroll", "--from", "2026-11-23", "--out", str(target), says="already exists")
    cli.fails("tips", "payroll", "--from", "2026-11-23", "--to", "2026-11-01", says="before it starts")
