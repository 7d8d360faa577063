"""Cash that changes hands is confirmed by both hands (issue 24, item 7), each finding replayed as it was seen.

* A driver's hand-in recorded by the driver alone (a false hand-in showed as the counter's shortage).
* A cashier declaring any float (``--float 0.01``) with nobody counting it.
* A manager paying out a deactivated person's tips in cash with the recipient absent.
* ``pos day close --counted-by Alice`` naming Alice as the counter with no PIN from her.

PINs are given as the other tests give them: on the command's input, never as an argument.
"""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from payments import cod, service
from pos.store import audit, config
from pos.tips import tips
from pos.cash.drawer import expected_cash, open_drawer
from pos.base.errors import NotAllowed
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, deactivate_staff, get_staff, start_shift
from pos.store.store import Store
from tests.conftest import snapshot
from tests.helpers import refused, verified

NOON = "2026-11-23 17:00:00"  # midday in New York, far from the 04:00 rollover
DAY = "2026-11-23"
PIN_RECORDS = ("staff", "audit_log")  # a wrong PIN is counted and audited: everything else stays as it was


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def crew(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in required; Alice (cashier, 2580), Dave (driver, 1470), Maria (manager, 258036), Kim (server, 3692),
    all on shift; nobody signed in yet."""
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        for name, role, pin in (("Alice", "cashier", "2580"), ("Dave", "driver", "1470"),
                                ("Maria", "manager", "258036"), ("Kim", "server", "3692")):
            add_staff(store, name, role, pin)
            start_shift(store, name)
    return store


def wrong_pin(cli, *args: str, input: str) -> None:  # noqa: A002 - click's name
    """A command refused for a wrong PIN: counted against the person (staff, audit_log), nothing else written."""
    before = snapshot(cli.path, PIN_RECORDS)
    result = cli(*args, input=input)
    assert result.exit_code == 1 and result.output.startswith("error: Wrong PIN for "), result.output
    assert snapshot(cli.path, PIN_RECORDS) == before


def _delivered(store: Store) -> None:
    """Dave collected $16.32 at the door for a delivery (Margherita and a soda)."""
    order = new_order(store, "delivery", address="12 Elm Street")
    add_line(store, order.id, "PIZZA-M")
    add_line(store, order.id, "SODA")
    cod.dispatch(store, order.id, "Dave")
    cod.collect(store, order.id, "16.32")


# -- a driver's hand-in --------------------------------------------------------------------------------------


def test_a_drivers_hand_in_alone_moves_nothing_until_the_receiver_counts_it(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        _delivered(crew)
        before = expected_cash(crew, 1)
        cli.ok("login", "Dave", input="1470\n")
        said = cli.ok("driver", "handin", "Dave", "16.32").stdout
        assert "waiting for the person receiving it to count it" in said
        # The driver's word alone moves nothing: the cash is still Dave's, and the drawer expects none of it.
        assert expected_cash(crew, 1) == before
        cash = cod.driver_cash(crew, "Dave")
        assert cash.held_minor == 1632 and cash.waiting is not None and cash.waiting.declared_minor == 1632
        assert "Hand-in of $16.32 to drawer 1 waiting to be counted" in cli.ok("driver", "cash", "Dave").stdout
        cli.fails("driver", "handin", "Dave", "1", says="is waiting to be counted")
        # The driver cannot receive it: the table says who takes cash, and their own count is refused too.
        cli.fails("driver", "receive", "Dave", "16.32", "--counted-by", "Dave", input="1470\n", audited=True,
                  says="Dave is a driver and may not take a payment")
        cli.ok("logout")
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("driver", "receive", "Dave", "15", "--counted-by", "Alice", says="No PIN was given")
        wrong_pin(cli, "driver", "receive", "Dave", "15", "--counted-by", "Alice", input="9999\n")
        cli.fails("driver", "receive", "Dave", "15", "--counted-by", "Dave", input="1470\n", audited=True,
                  says="Dave cannot count their own hand-in")
        # Alice counts $15.00 of the $16.32 Dave said: $15.00 moves, $1.32 stays on Dave.
        out = cli.ok("driver", "receive", "Dave", "15", "--counted-by", "Alice", input="2580\n").stdout
        assert out.splitlines() == ["Alice counted $15.00 from Dave into drawer 1 (Dave said $16.32).",
                                    "Still owed by Dave: $1.32."]
    assert expected_cash(crew, 1) == before + 1500
    cash = cod.driver_cash(crew, "Dave")
    assert (cash.held_minor, cash.waiting) == (132, None)
    moved = [r for r in audit.records(crew) if r.event is audit.Event.DRAWER_CASH and r.detail.get("driver")]
    assert [(r.detail["counted_by"], r.detail["amount_minor"], r.detail["declared_minor"]) for r in moved] == [
        ("Alice", 1500, 1632)]
    verified(crew)


def test_the_close_says_a_hand_in_is_waiting_to_be_confirmed(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        _delivered(crew)
        cod.start_handin(crew, "Dave", "16.32")
        cli.ok("login", "Maria", input="258036\n")
        out = cli.ok("day", "close", "--force", "--count", "100", "--end-shifts").stdout
    assert ("Hand-in waiting to be confirmed: Dave said $16.32 to drawer 1; the person receiving it counts it ('pos "
            "driver receive Dave COUNTED --counted-by NAME'). Until then the cash is the driver's.") in out
    data = json.loads(crew.scalar("SELECT summary FROM day_closes"))
    assert data["handins_waiting"] == [{"driver": "Dave", "declared_minor": 1632, "register": 1}]
    assert data["drivers_out"] == [{"driver": "dave", "held_minor": 1632}]  # still Dave's in the books


# -- a float -------------------------------------------------------------------------------------------------


def test_a_cashier_cannot_declare_a_float_nobody_counted(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("drawer", "open", "--float", "0.01", audited=True, says="a manager counts it and types their PIN")
        cli.fails("drawer", "open", "--float", "0.01", "--counted-by", "Alice", input="2580\n", audited=True,
                  says="only a manager or owner counts a float")
        wrong_pin(cli, "drawer", "open", "--float", "150", "--counted-by", "Maria", input="2580\n")
        out = cli.ok("drawer", "open", "--float", "150", "--counted-by", "Maria", input="258036\n").stdout
    assert "Drawer 1 open with a float of $150.00" in out
    opened = [r for r in audit.records(crew) if r.event is audit.Event.DRAWER_CASH]
    assert [(r.staff, r.detail["counted_by"]) for r in opened] == [("Alice", "Maria")]


def test_a_float_carried_from_the_last_close_needs_no_pin(crew: Store, cli_for) -> None:
    from pos.day.close import close_day

    config.set_option(crew, "cash.float_stays", "yes")
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        close_day(crew, __import__("datetime").date.fromisoformat(DAY), {1: "100"}, counted_by=get_staff(crew, "Maria"),
                  force=True, end_shifts=True)
    cli = cli_for(crew)
    with freeze_time("2026-11-24 17:00:00"):
        cli.ok("login", "Alice", input="2580\n")
        assert "Drawer 1 open with a float of $100.00: $100.00 kept in the drawer." in cli.ok("drawer", "open").stdout


# -- a cash tip payout ---------------------------------------------------------------------------------------


def test_a_deactivated_persons_tips_are_never_paid_in_cash(crew: Store, cli_for) -> None:
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        order = new_order(crew, "counter")
        add_line(crew, order.id, "PIZZA-M")
        service.pay(crew, order.id, "cash", "20", tip_minor=500, tip_to="Kim", tip_confirmed=True)
        deactivate_staff(crew, "Kim", get_staff(crew, "Maria"))
        cli = cli_for(crew)
        cli.ok("login", "Maria", input="258036\n")
        cli.fails("tips", "payout", "Kim", "--from", "drawer", says="Kim is deactivated: their tips are paid through "
                  "payroll")
        assert tips.owed_minor(crew, "kim") == 500
        cli.ok("tips", "payout", "Kim", "--from", "payroll")
    assert tips.owed_minor(crew, "kim") == 0


def test_cash_tips_are_paid_into_the_recipients_hand_with_their_pin(crew: Store, cli_for) -> None:
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        order = new_order(crew, "counter")
        add_line(crew, order.id, "PIZZA-M")
        service.pay(crew, order.id, "cash", "20", tip_minor=500, tip_to="Alice", tip_confirmed=True)
        refused(crew, NotAllowed, "Cash tips are handed to Alice, who types their PIN", tips.payout, crew, "Alice",
                None, tips.PayoutSource.DRAWER, received_by=get_staff(crew, "Maria"))
        cli = cli_for(crew)
        cli.ok("login", "Maria", input="258036\n")
        cli.fails("tips", "payout", "Alice", "--from", "drawer", says="No PIN was given")
        wrong_pin(cli, "tips", "payout", "Alice", "--from", "drawer", input="258036\n")
        cli.ok("tips", "payout", "Alice", "--from", "drawer", "--amount", "2", input="2580\n")
    paid = [r for r in audit.records(crew) if r.event is audit.Event.TIPS_PAID]
    assert [(r.detail["received_by"], r.detail["amount_minor"]) for r in paid] == [("Alice", 200)]


# -- the close's counter -------------------------------------------------------------------------------------


def test_counted_by_needs_the_counters_pin_and_the_closing_records_who_closed(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        cli.ok("login", "Maria", input="258036\n")
        close = ("day", "close", "--force", "--count", "100", "--end-shifts", "--counted-by", "Alice")
        cli.fails(*close, says="No PIN was given")
        wrong_pin(cli, *close, input="258036\n")
        data = json.loads(cli.ok(*close, "--json", input="2580\n").stdout)
    assert data["closed_by"] == "Maria"
    assert (data["closing"]["record"]["by"], data["closing"]["record"]["counted_by"]) == ("Maria", "Alice")
    row = crew.one("SELECT s.name FROM day_closes d JOIN staff s ON s.id = d.closed_by")
    assert row is not None and row[0] == "Maria"
    counted = crew.one("SELECT s.name FROM drawer_counts c JOIN staff s ON s.id = c.counted_by")
    assert counted is not None and counted[0] == "Alice"


def test_receiving_a_hand_in_refuses_bad_input_before_a_pin_and_writes_nothing(crew: Store, cli_for) -> None:
    cli = cli_for(crew)
    with freeze_time(NOON):
        open_drawer(crew, 1, "100")  # nobody signed in: a trusted caller
        _delivered(crew)
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("driver", "receive", "Dave", "5", "--counted-by", "Alice", input="2580\n",
                  says="Dave has no hand-in waiting to be counted")
        cod.start_handin(crew, "Dave", "16.32")
        for bad in ("-5", "abc", "1.234"):
            cli.fails("driver", "receive", "Dave", bad, "--counted-by", "Alice", says=bad)  # no PIN was asked
        cli.fails("driver", "receive", "Zed", "5", "--counted-by", "Alice", says="No staff member called 'Zed'")
        cli.fails("driver", "receive", "Dave", "5", "--counted-by", "Zed", says="No staff member called 'Zed'")
        cli.fails("driver", "receive", "Dave", "16.33", "--counted-by", "Alice", input="2580\n",
                  says="Dave holds $16.32: a count of $16.33 is more than that")
        # A count of nothing ends a hand-in that never came: nothing moves, and Dave may start another.
        cli.ok("driver", "receive", "Dave", "0", "--counted-by", "Alice", input="2580\n")
    cash = cod.driver_cash(crew, "Dave")
    assert (cash.held_minor, cash.waiting) == (1632, None)
    verified(crew)


def test_a_hand_in_inserted_behind_the_chain_fails_verify(crew: Store) -> None:
    """A driver's hand-in and its count are control records: chained, so a count slipped in by a shell is found."""
    from pos.day.store_check import verify_store

    with freeze_time(NOON):
        open_drawer(crew, 1, "100")
        _delivered(crew)
        cod.start_handin(crew, "Dave", "16.32")
    assert verify_store(crew).problem is None
    waiting = crew.one("SELECT id FROM handins")
    assert waiting is not None
    for (name,) in crew.tuples("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'handin_counts' "
                               "AND name NOT LIKE '%no_update' AND name NOT LIKE '%no_delete'"):
        crew.conn.execute(f"DROP TRIGGER {name}")
    crew.conn.execute("INSERT INTO handin_counts(handin_id, counted_minor, counted_by, counted_at) VALUES (?, 0, ?, ?)",
                      (waiting[0], get_staff(crew, "Alice").id, "2026-11-23T17:00:00Z"))
    crew.conn.commit()
    problem = verify_store(crew).problem
    assert problem is not None and "handin_counts" in problem, problem


def test_the_register_asks_a_manager_to_count_the_float(crew: Store) -> None:
    from pos.cash.drawer import current
    from screens.register import Session

    with freeze_time(NOON):
        till = Session(crew, get_staff(crew, "Alice"), 1)
        asked = ["A float of $0.01 comes out of the safe: a manager counts it (they type their name, then their PIN; "
                 "Enter alone cancels)."]
        assert till.handle("float 0.01") == asked
        assert till.answer("Alice") == []
        assert till.answer("2580") == ["Alice is a cashier: only a manager or owner counts a float out of the safe."]
        assert till.handle("float 0.01") == asked
        assert till.answer("Maria") == []
        assert till.answer("2580")[0].startswith("Wrong PIN for Maria")
        assert till.handle("float 0.01") == asked
        assert till.answer("") == ["Not done: no manager counted the float."]
        assert current(crew, 1) is None  # nothing opened
        assert till.handle("float 150") == [asked[0].replace("$0.01", "$150.00")]
        assert till.answer("Maria") == []
        assert till.answer("258036") == ["Drawer 1 open with a $150.00 float, counted by Maria."]
