"""Signing in for one-shot commands, and the permission table enforced on every command that changes anything."""

from __future__ import annotations

import json
import stat

import pytest
from freezegun import freeze_time
from typer.main import get_command

from cli import COMMAND_ACTIONS, COMMAND_SELF_SERVICE, app
from pos.store import audit, config
from pos.people.permissions import Action
from pos.people.staff import add_staff, deactivate_staff
from pos.store.store import Store
from tests.conftest import snapshot

NOON = "2026-11-23 17:00:00"
# Commands that change nothing and read none of the books, or check who is acting themselves (a PIN typed
# then: the register, a kiosk's staff, clocking in and out, an owner's recovery code). The audit trail, the ledger, the Z report,
# payroll and other people's cash and tips are READ_BOOKS in the table (tests/test_signin_scope.py).
UNCHECKED = {
    "init", "demo", "login", "logout", "register", "kiosk run", "receipt", "order show", "order list",
    "item list", "tax list", "staff list", "shift start", "shift end", "shift list", "payments list",
    "drawer status", "config show", "tips policy show", "tips payday show", "ledger verify", "kiosk list", "staff recover", "staff recovery-code",
    "ledger verify-archive",  # reads an archive file, never a store: an auditor runs it with no store at all
}


def all_commands() -> set[str]:
    found = set()

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name]) if hasattr(sub, "commands") else found.add(" ".join([*path, name]))
    walk(get_command(app), [])
    return found


def test_every_command_is_either_checked_or_known_to_change_nothing() -> None:
    commands = all_commands()
    assert set(COMMAND_ACTIONS) <= commands
    assert all(name in Action.__members__ for name in COMMAND_ACTIONS.values())
    assert commands - set(COMMAND_ACTIONS) == UNCHECKED  # a new command must be placed in one or the other
    # What a person may run about themselves is a checked command, and names a real argument of it.
    for command, param in COMMAND_SELF_SERVICE.items():
        assert command in COMMAND_ACTIONS, command
        leaf = get_command(app)
        for word in command.split():
            leaf = leaf.commands[word]  # type: ignore[attr-defined]
        assert param in {p.name for p in leaf.params}, (command, param)
    assert set(COMMAND_SELF_SERVICE) == {"driver cash", "tips owed", "staff pin", "delivery dispatch"}


@pytest.fixture
def guarded(store: Store, tmp_path, monkeypatch) -> Store:
    config.set_option(store, "signin.required", "yes")
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Dave", "driver", "1470")
    add_staff(store, "Maria", "manager", "258036")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    return store


def test_a_change_without_a_sign_in_is_refused_and_writes_nothing(guarded: Store, cli_for) -> None:
    cli = cli_for(guarded)
    cli.fails("order", "new", says="sign in first with 'pos login NAME'")
    cli.fails("config", "set", "cash.rounding", "0.05", says="sign in first")
    assert "Orders" in cli.ok("order", "list").stdout  # reading needs no sign-in


def test_login_keeps_an_owner_only_token_and_the_table_decides(guarded: Store, cli_for, tmp_path) -> None:
    cli = cli_for(guarded)
    with freeze_time(NOON):
        out = cli.ok("login", "Alice", input="2580\n").stdout
        assert "Alice is signed in on this terminal for 30 minutes." in out and "2580" not in out
        session = tmp_path / "session.json"
        assert stat.S_IMODE(session.stat().st_mode) == 0o600
        saved = json.loads(session.read_text())
        assert set(saved) == {"token", "staff", "expires_at"} and "2580" not in session.read_text()
        assert guarded.scalar("SELECT count(*) FROM signins WHERE token_sha = ?", (saved["token"],)) == 0  # hashed
        cli.ok("order", "new")
        cli.ok("order", "add", "1", "PIZZA-M")
        cli.ok("order", "discount", "1", "10%", "--reason", "regular")
        assert guarded.one("SELECT s.name FROM orders o JOIN staff s ON s.id = o.created_by")[0] == "Alice"
        discount = [r for r in audit.records(guarded) if r.event is audit.Event.DISCOUNT]
        assert discount[0].staff == "Alice"  # who did it
        commands = [(r.staff, r.detail["command"]) for r in audit.records(guarded)
                    if r.event in (audit.Event.COMMAND, audit.Event.DISCOUNT)]
        assert commands == [("Alice", "pos order new"), ("Alice", "pos order add"), ("Alice", "pos order discount")]
        cli.fails("day", "close", "--force", says="Alice is a cashier and may not close the day", audited=True)
        cli.fails("config", "set", "cash.rounding", "0.05", says="may not change store settings", audited=True)
        cli.ok("logout")
        cli.fails("order", "new", says="sign in first")
        cli.ok("login", "Dave", input="1470\n")
        cli.fails("pay", "1", "cash", "20", says="Dave is a driver and may not take a payment", audited=True)


def test_a_sign_in_expires_and_ends_with_its_person(guarded: Store, cli_for) -> None:
    cli = cli_for(guarded)
    with freeze_time(NOON) as clock:
        cli.ok("login", "Alice", input="2580\n")
        cli.ok("order", "new")
        clock.tick(31 * 60)
        cli.fails("order", "new", says="sign in first")
        cli.ok("login", "Alice", input="2580\n")
        deactivate_staff(guarded, "Alice")
        cli.fails("order", "new", says="sign in first")
    cli.fails("login", "Nobody", input="2580\n", says="No staff member called 'Nobody'")
    before = snapshot(guarded.path, ("audit_log", "staff"))
    wrong = cli("login", "Maria", input="3691\n")
    assert wrong.exit_code == 1 and "Wrong PIN for Maria" in wrong.output
    assert snapshot(guarded.path, ("audit_log", "staff")) == before


def test_a_store_being_set_up_needs_no_sign_in(bare_cli) -> None:
    bare_cli.ok("init", "--name", "New Shop", "--currency", "USD", "--timezone", "UTC")
    bare_cli.ok("item", "add", "SODA", "Soda", "2.49")  # nobody on the staff yet: nobody to sign in as
    bare_cli.ok("staff", "add", "Tony", "--role", "owner", input="258036\n258036\n")
    bare_cli.fails("item", "add", "TEA", "Tea", "2.00", says="sign in first")


def test_drivers_act_only_on_their_own_deliveries_and_cash(guarded: Store, cli_for) -> None:
    from payments import cod
    from pos.cash.drawer import open_drawer
    from pos.sales.orders import add_line, new_order
    from pos.people.staff import start_shift

    add_staff(guarded, "Olga", "driver", "3692")
    for name in ("Dave", "Olga"):
        start_shift(guarded, name)
    open_drawer(guarded, 1, "50")
    mine, theirs = (new_order(guarded, "delivery", address="1 Elm Street") for _ in range(2))
    for order, driver in ((mine, "Dave"), (theirs, "Olga")):
        add_line(guarded, order.id, "SODA")
        cod.dispatch(guarded, order.id, driver)
    cli = cli_for(guarded)
    cli.ok("login", "Dave", input="1470\n")
    cli.fails("delivery", "collect", str(theirs.number), "5", audited=True,
              says=f"Dave may not collect order #{theirs.number}: it is out with Olga, and a driver records only "
                   "their own deliveries; Olga, a manager or an owner may.")
    cli.fails("delivery", "fail", str(theirs.number), "--reason", "x", audited=True,
              says=f"Dave may not record a failed delivery of order #{theirs.number}: it is out with Olga")
    cli.ok("delivery", "collect", str(mine.number), "5")
    cli.fails("driver", "handin", "Olga", "1.00", audited=True,
              says="Dave may not hand in Olga's cash: a driver may hand in only their own cash; Olga, a manager or "
                   "an owner may.")
    cli.fails("driver", "cash", "Olga", says="Dave is a driver and may not read the books", audited=True)
    assert "Dave" in cli.ok("driver", "cash", "Dave").stdout
    cli.ok("driver", "handin", "Dave", "2.71")
