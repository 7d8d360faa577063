"""Clocking in and out takes that person's PIN, typed at the moment, or a manager's for them; all of it audited.

The findings: signed out, anyone ran ``pos shift start Dave`` and ``pos shift end Kim --cash-tips 50``;
a cashier refused a tip as "not on shift" clocked herself in, took it and clocked out; anyone could
clock a colleague out and shrink their share of the pool.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from typer.main import get_command

from cli import app
from pos.store import audit
from pos.base.errors import NotAllowed, Refused
from pos.sales.orders import add_line, new_order
from pos.day.shifts import clock_in, clock_out
from pos.people.staff import get_staff, open_shift, start_shift
from pos.store.store import Store
from screens.register import Session
from tests.conftest import PIN_RECORDS, Cli, refused_events, snapshot
from tests.helpers import bal, refused, signin_on

MORNING = "2026-11-23 14:00:00"  # 09:00 in New York


@pytest.fixture
def crew(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on, nobody signed in; Dave (driver), Kim and Alice (cashiers), Maria (manager); drawer 1 open."""
    return signin_on(store, tmp_path, monkeypatch, (("Dave", "driver", "2580"), ("Kim", "cashier", "3691"),
                                                    ("Alice", "cashier", "2580"), ("Maria", "manager", "258036")),
                     drawers=(1,))


def events(store: Store, kind: audit.Event) -> list[audit.Record]:
    return [r for r in audit.records(store) if r.event is kind]


@freeze_time(MORNING)
def test_clocking_in_takes_the_persons_own_pin_typed_then(crew: Store, cli: Cli) -> None:
    cli.fails("shift", "start", "Dave", says="No PIN was given")  # signed out, nothing typed: nothing happens
    before = snapshot(crew.path, PIN_RECORDS)
    wrong = cli("shift", "start", "Dave", input="3691\n")
    assert wrong.exit_code == 1 and "Wrong PIN for Dave" in wrong.output
    assert snapshot(crew.path, PIN_RECORDS) == before  # only the failed PIN is written down
    out = cli.ok("shift", "start", "Dave", "--json", input="2580\n")
    assert "2580" not in out.output  # read from the input, never echoed
    assert '"started_by": "Dave"' in out.stdout
    (started,) = events(crew, audit.Event.SHIFT_START)
    assert (started.staff, started.detail["who"], started.detail["by"]) == ("Dave", "Dave", "Dave")
    assert started.detail["at"] == "2026-11-23T14:00:00.000000Z"


@freeze_time(MORNING)
def test_nobody_clocks_a_colleague_out_but_a_manager(crew: Store, cli: Cli) -> None:
    start_shift(crew, "Kim")
    drawer_cash = bal(crew, "assets:cash:drawer:1")
    before = snapshot(crew.path, PIN_RECORDS)
    wrong = cli("shift", "end", "Kim", "--cash-tips", "50", input="2580\n")  # Alice's PIN is not Kim's
    assert wrong.exit_code == 1 and "Wrong PIN for Kim" in wrong.output
    assert snapshot(crew.path, PIN_RECORDS) == before
    cli.fails("shift", "end", "Kim", "--by", "Alice", input="2580\n", audited=True,
              says="Alice may not clock Kim out: each person clocks out with their own PIN, or a manager does it for "
                   "them (--by MANAGER)")
    assert open_shift(crew, get_staff(crew, "Kim")) is not None
    (refusal,) = refused_events(crew.path)
    assert refusal["asked"] == "pos shift end"
    assert [r.staff for r in events(crew, audit.Event.REFUSED)] == ["Alice"]  # whose PIN it was
    out = cli.ok("shift", "end", "Kim", "--by", "Maria", "--cash-tips", "5", "--json", input="258036\n").stdout
    assert '"ended_by": "Maria"' in out and '"cash_tips_declared_minor": 500' in out
    (ended,) = events(crew, audit.Event.SHIFT_END)
    assert (ended.staff, ended.detail["who"], ended.detail["by"]) == ("Maria", "Kim", "Maria")
    (tips,) = events(crew, audit.Event.CASH_TIPS)
    assert (tips.staff, tips.detail) == ("Maria", {"who": "Kim", "by": "Maria", "amount_minor": 500,
                                                    "shift": tips.detail["shift"]})
    assert bal(crew, "assets:cash:drawer:1") == drawer_cash  # declared tips never touch the drawer
    cli.ok("shift", "start", "Kim", "--by", "Maria", input="258036\n")
    assert [(s.staff, s.detail["by"]) for s in events(crew, audit.Event.SHIFT_START)] == [("Maria", "Maria")]


@freeze_time(MORNING)
def test_every_cash_tip_declaration_is_in_the_audit_trail(crew: Store, cli: Cli) -> None:
    cli.ok("shift", "start", "Alice", input="2580\n")
    cli.ok("shift", "end", "Alice", "--cash-tips", "12", input="2580\n")
    (tips,) = events(crew, audit.Event.CASH_TIPS)
    assert (tips.staff, tips.detail["who"], tips.detail["amount_minor"]) == ("Alice", "Alice", 1200)
    shifts = cli.ok("shift", "list", "--json").stdout
    assert '"started_by": "Alice"' in shifts and '"ended_by": "Alice"' in shifts


def test_a_shift_starts_now_and_cannot_be_backdated(crew: Store, cli: Cli) -> None:
    options = {opt for param in get_command(app).commands["shift"].commands["start"].params  # type: ignore[attr-defined]
               for opt in param.opts}
    assert options == {"name", "--register", "--by", "--job", "--json"}  # no start time to give: a shift starts now
    with freeze_time(MORNING):
        assert cli("shift", "start", "Dave", "--at", "06:00", input="2580\n").exit_code == 1  # no such option
        cli.ok("shift", "start", "Dave", input="2580\n")
    assert open_shift(crew, get_staff(crew, "Dave")).started_at.isoformat() == "2026-11-23T14:00:00+00:00"


def test_the_library_shift_rule(crew: Store) -> None:
    with freeze_time(MORNING):
        alice, maria, kim = (get_staff(crew, name) for name in ("Alice", "Maria", "Kim"))
        refused(crew, Refused, "Alice may not clock Kim in", clock_in, crew, "Kim", alice)
        clock_in(crew, "Kim", kim)
        refused(crew, Refused, "Alice may not clock Kim out", clock_out, crew, "Kim", alice, 5000)
        shift, entry = clock_out(crew, "Kim", maria)
        assert entry is None and crew.one("SELECT started_by, ended_by FROM shifts")[:] == (kim.id, maria.id)


# -- the tip to the just-clocked-in ------------------------------------------------------------------------
#
# Decided: a tip named for someone goes to them only if their shift began before the order was rung (and
# has not ended since).  A tip is for serving that order; someone who clocks in after it was rung did not
# serve it, and clocking in to take a tip is exactly the dodge.  The pool is unchanged: shared by hours,
# a minute on shift earns a minute's share.  The refusal is a control's, so it is recorded.


def test_a_tip_goes_only_to_someone_on_shift_since_the_order_was_rung(crew: Store, cli: Cli) -> None:
    from pos.people.staff import end_shift

    with freeze_time(MORNING) as clock:
        start_shift(crew, "Kim")
        order = new_order(crew, "counter")
        add_line(crew, order.id, "PIZZA-M")
        cli.ok("login", "Kim", input="3691\n")
        cli.fails("pay", "1", "cash", "20", "--tip", "2", "--tip-to", "Alice", says="Alice is not on shift")
        clock.tick(60)
        cli.ok("shift", "start", "Alice", input="2580\n")  # she clocks herself in, for the tip
        cli.fails("pay", "1", "cash", "20", "--tip", "2", "--tip-to", "Alice", audited=True,
                  says="A tip for Alice is refused: Alice clocked in at 09:01, after this order was rung; a tip goes to "
                       "someone who was working when it was rung, or to the pool.")
        paid = cli.ok("pay", "1", "cash", "20", "--tip", "2", "--tip-to", "Kim").stdout
        assert "Tip $2.00 goes to Kim." in paid
        clock.tick(60)
        later = new_order(crew, "counter")  # rung once she is on shift: hers to be tipped on
        add_line(crew, later.id, "SODA")
        assert "Tip $1.00 goes to Alice." in cli.ok("pay", str(later.number), "cash", "5", "--tip", "1",
                                                    "--tip-to", "Alice", "--confirm-tip").stdout
        # The register refuses it when the tip is typed, before any payment.
        till = Session(crew, get_staff(crew, "Kim"), 1)
        till.handle("SODA")
        clock.tick(60)
        end_shift(crew, "Alice")  # Alice clocks out and in again: a new shift, begun after this order
        start_shift(crew, "Alice")
        assert till.handle("tip 1 Alice") == ["A tip for Alice is refused: Alice clocked in at 09:03, after this order "
                                              "was rung; a tip goes to someone who was working when it was rung, or "
                                              "to the pool."]
        assert till.handle("tip 1 Kim !") == ["Tip $1.00 for Kim on the next payment."]


def test_a_kiosk_attendant_who_clocks_in_after_the_order_gets_no_tip_from_it(crew: Store) -> None:
    from payments.selfcheckout import pay_at_kiosk, setup_kiosk

    with freeze_time(MORNING) as clock:
        setup_kiosk(crew, 1, attendant="Alice")
        order = new_order(crew, "kiosk")
        add_line(crew, order.id, "PIZZA-M")
        clock.tick(60)
        start_shift(crew, "Alice")
        refused(crew, NotAllowed, "after this order was rung", pay_at_kiosk, crew, 1, order.id, 100)


# -- the register ----------------------------------------------------------------------------------------


def test_the_register_ends_a_shift_only_with_the_cashiers_pin(crew: Store) -> None:
    with freeze_time(MORNING) as clock:
        start_shift(crew, "Alice")
        till = Session(crew, get_staff(crew, "Alice"), 1)
        clock.tick(4 * 3600)
        assert till.handle("end 3") == ["Type your PIN to end your shift (Enter alone goes on)."]
        assert till.asking is not None and till.asking.hidden
        assert "Wrong PIN for Alice" in till.answer("3691")[0]  # whoever walked up to her register
        assert open_shift(crew, get_staff(crew, "Alice")) is not None and not till.done
        till.handle("end 3")
        assert till.answer("") == ["The shift goes on."]
        till.handle("end 3")
        assert till.answer("2580") == ["Shift ended after 4h00m, $3.00 cash tips declared.", "Signed out."]
        (ended,) = events(crew, audit.Event.SHIFT_END)
        assert (ended.staff, ended.detail["by"], ended.detail["worked_seconds"]) == ("Alice", "Alice", 4 * 3600)
        assert len(events(crew, audit.Event.CASH_TIPS)) == 1


def test_pos_register_starts_the_shift_by_the_pin_just_typed(crew: Store, cli: Cli) -> None:
    with freeze_time(MORNING):
        result = cli("register", "--name", "Alice", input="2580\ny\nquit\n")
    assert result.exit_code == 0, result.output
    (started,) = events(crew, audit.Event.SHIFT_START)
    assert (started.staff, started.register, started.detail["by"]) == ("Alice", 1, "Alice")
