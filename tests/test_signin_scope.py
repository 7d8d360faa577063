"""Where a sign-in holds, whose state it carries, and who may read the books.

The findings: a copied sign-in file ran ``drawer nosale --register 1`` from another terminal; on a
shared OS account one manager's sign-in covered every terminal; ``READ_BOOKS`` was never checked,
so anyone ran ``pos audit``, ``pos ledger export`` and ``pos tips payroll``; and an open register
session kept ringing for a cashier deactivated or locked out since she signed in.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time

import commands.signin
from cli import COMMAND_ACTIONS
from pos.store import audit
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed
from pos.sales.orders import add_line, list_orders, new_order
from pos.people.staff import add_staff, deactivate_staff, get_staff, start_shift
from pos.people.pin_tries import MAX_FAILED_PINS, verify_pin
from pos.store.store import Store
from screens.register import Session
from tests.conftest import Cli, refused_events, snapshot
from tests.helpers import signin_on

NOON = "2026-11-23 17:00:00"  # noon in New York
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def guarded(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Alice and Bob (cashiers), Dave (driver), Maria (manager); drawers 1 and 2 open."""
    return signin_on(store, tmp_path, monkeypatch, (("Alice", "cashier", "2580"), ("Bob", "cashier", "3691"),
                                                    ("Dave", "driver", "2580"), ("Maria", "manager", "258036")),
                     drawers=(1, 2))


def on_terminal(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Act as if on another terminal (another window, another login): its identity, as the CLI gathers it."""
    monkeypatch.setattr(commands.signin, "terminal_id", lambda: f"terminal {name}")


# -- a sign-in holds on its terminal -------------------------------------------------------------------------


def test_each_terminal_has_its_own_identity() -> None:
    """Two sessions (two windows on one OS account) are two terminals; one session is one terminal."""
    here = commands.signin.terminal_id()
    assert here == commands.signin.terminal_id() and len(here) == 64
    code = "import sys; sys.path.insert(0, sys.argv[1]); from commands.signin import terminal_id; print(terminal_id())"
    other = subprocess.run([sys.executable, "-c", code, str(REPO)], capture_output=True, text=True, check=True,
                           start_new_session=True).stdout.strip()
    assert len(other) == 64 and other != here


def test_a_copied_sign_in_file_is_refused_on_another_terminal(guarded: Store, cli: Cli, monkeypatch) -> None:
    with freeze_time(NOON):
        on_terminal(monkeypatch, "A")
        cli.ok("login", "Maria", input="258036\n")
        on_terminal(monkeypatch, "B")  # the same sign-in file, read on another terminal
        cli.fails("drawer", "nosale", "--reason", "change", "--register", "1", audited=True,
                  says="Maria signed in on another terminal, not this one: sign in here with 'pos login NAME'.")
        cli.fails("ledger", "export", "--format", "csv", audited=True, says="signed in on another terminal")
        (refusal, _) = refused_events(guarded.path)
        assert refusal["asked"] == "pos drawer nosale"
        assert [r.staff for r in audit.records(guarded) if r.event is audit.Event.REFUSED] == [None, None]
        on_terminal(monkeypatch, "A")
        assert "opened without a sale" in cli.ok("drawer", "nosale", "--reason", "change").stdout


def test_one_os_account_keeps_one_sign_in_per_terminal(guarded: Store, cli: Cli, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("POS_SESSION_FILE")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    with freeze_time(NOON):
        on_terminal(monkeypatch, "A")
        cli.ok("login", "Maria", input="258036\n")
        on_terminal(monkeypatch, "B")  # another window of the same OS account: Maria is not signed in here
        cli.fails("drawer", "nosale", "--reason", "change", says="changes the store: sign in first")
        cli.ok("login", "Alice", input="2580\n")
        cli.fails("drawer", "nosale", "--reason", "change", audited=True, says="Alice is a cashier and may not open")
        on_terminal(monkeypatch, "A")  # Alice signing in on B did not sign Maria out on A
        cli.ok("drawer", "nosale", "--reason", "change")
    assert len(list((tmp_path / "state" / "anytender").iterdir())) == 2


def test_a_sign_in_holds_for_its_register(guarded: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        order = new_order(guarded, "counter")
        add_line(guarded, order.id, "PIZZA-M")
        cli.ok("login", "Alice", "--register", "2", input="2580\n")
        cli.fails("pay", "1", "cash", "20", audited=True,  # --register 1 by default
                  says="Alice is signed in for register 2, not register 1: add --register 2, or sign in for "
                       "register 1 with 'pos login Alice --register 1'.")
        cli.fails("pay", "1", "cash", "20", "--register", "1", audited=True, says="signed in for register 2")
        assert "Order paid." in cli.ok("pay", "1", "cash", "20", "--register", "2").stdout
        cli.ok("order", "new")  # a command of no register is hers anywhere on this terminal


# -- the books need a role that may read them ----------------------------------------------------------------

READS = {
    "audit": ["audit"],
    "ledger show": ["ledger", "show"],
    "ledger balances": ["ledger", "balances"],
    "ledger export": ["ledger", "export", "--format", "csv"],
    "day report": ["day", "report"],
    "report items": ["report", "items"],
    "report sales": ["report", "sales"],
    "tips payroll": ["tips", "payroll", "--from", "2026-11-23"],
    "tips owed": ["tips", "owed", "Bob"],
    "tips records": ["tips", "records"],
    "driver cash": ["driver", "cash", "Dave"],
    "ledger archive": ["ledger", "archive", "--from", "2026-11-23", "--to", "2026-11-23", "--out", "books.archive"],
}


def something_to_archive(store: Store, folder, monkeypatch) -> None:
    """For 'pos ledger archive': an entry on 2026-11-23, the store's closing key, and a folder to write in."""
    from commands.context import key_location
    from pos.cash.drawer import Movement, current, move
    from pos.opening.setup import make_closing_key

    monkeypatch.chdir(folder)
    make_closing_key(store, key_location())
    with freeze_time(NOON):
        if current(store, 1) is None:
            open_drawer(store, 1, "100")
        move(store, 1, Movement.PAID_IN, "10", "change")


def test_every_read_of_the_books_is_in_the_table() -> None:
    assert {command for command, action in COMMAND_ACTIONS.items() if action == "READ_BOOKS"} == set(READS)


@pytest.mark.parametrize("command", sorted(READS))
def test_reading_the_books_needs_a_role_that_may(guarded: Store, cli: Cli, command: str, tmp_path,
                                                 monkeypatch) -> None:
    if command == "ledger archive":
        something_to_archive(guarded, tmp_path, monkeypatch)
    asked = {"tips owed": "pos tips owed Bob", "driver cash": "pos driver cash Dave"}.get(command, f"pos {command}")
    with freeze_time(NOON):
        cli.fails(*READS[command], says=f"'pos {command}' reads the books: sign in first with 'pos login NAME'")
        cli.ok("login", "Alice", input="2580\n")
        cli.fails(*READS[command], audited=True,
                  says=f"Alice is a cashier and may not read the books and reports ('{asked}'): that needs an owner "
                       "or a manager.")  # what was asked (the command and its arguments), why not, and who may
        cli.ok("login", "Maria", input="258036\n")
        cli.ok(*READS[command])
    (read,) = [r for r in audit.records(guarded) if r.event is audit.Event.COMMAND]
    assert (read.staff, read.detail["command"]) == ("Maria", f"pos {command}")  # who read the books


def test_anyone_may_see_their_own_cash_and_tips(guarded: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
        assert "Alice" in cli.ok("tips", "owed", "alice").stdout
        cli.fails("tips", "owed", audited=True, says="may not read the books")  # everyone's
        cli.ok("login", "Dave", input="2580\n")
        assert "Dave holds $0.00" in cli.ok("driver", "cash", "Dave").stdout
        cli.fails("driver", "cash", "Alice", audited=True, says="Dave is a driver and may not read the books")


def test_a_read_only_store_still_reads_and_says_a_refusal_went_unrecorded(guarded: Store, tmp_path,
                                                                         monkeypatch) -> None:
    from tests.test_store_unwritable import unwritable

    cli = Cli(guarded.path)
    with freeze_time(NOON):
        monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "maria.json"))
        cli.ok("login", "Maria", input="258036\n")
        monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "alice.json"))
        cli.ok("login", "Alice", input="2580\n")
    guarded.close()
    with unwritable(guarded.path), freeze_time(NOON):
        result = cli.fails("ledger", "balances", says="Alice is a cashier and may not read the books and reports "
                           "('pos ledger balances'): that needs an owner or a manager. (This refusal could not be recorded: the store is "
                           "read-only.)")
        assert result.output.count("\n") == 1
        monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "maria.json"))
        before = snapshot(guarded.path)
        assert "Balances" in cli.ok("ledger", "balances").stdout  # read, though it cannot be recorded
        assert snapshot(guarded.path) == before


def test_without_sign_ins_the_books_read_as_before(store: Store, cli: Cli, tmp_path, monkeypatch) -> None:
    something_to_archive(store, tmp_path, monkeypatch)
    add_staff(store, "Bob", "cashier", "3691")
    add_staff(store, "Dave", "driver", "2580")
    for args in READS.values():  # signin.required no: nobody is asked who they are
        cli.ok(*args)


# -- the person is read afresh, every line and every command -----------------------------------------------


@pytest.fixture
def till(guarded: Store) -> Session:
    with freeze_time(NOON):
        start_shift(guarded, "Alice")
    return Session(guarded, get_staff(guarded, "Alice"), 1)


@freeze_time(NOON)
def test_a_deactivated_cashiers_register_stops_at_the_next_line(till: Session) -> None:
    till.handle("PIZZA-M")
    deactivate_staff(till.store, "Alice")  # from the back office, while her session is open
    assert till.handle("SODA") == ["Alice has been deactivated: they may not use the register any more.",
                                   "Signed out. 1 order still open: pos order list."]
    assert till.done
    (kept,) = list_orders(till.store)  # the open order is kept, with no soda on it
    assert kept.status.value == "open" and till.store.scalar("SELECT count(*) FROM order_lines") == 1


@freeze_time(NOON)
def test_a_locked_out_cashiers_register_stops_at_the_next_line(till: Session) -> None:
    for _ in range(MAX_FAILED_PINS):  # someone guesses at her PIN on another terminal
        with pytest.raises(NotAllowed, match="Wrong PIN"):
            verify_pin(till.store, "Alice", "3691")
    assert till.handle("PIZZA-M")[0] == ("Alice is locked out after 5 wrong PINs in a row, until a manager unlocks "
                                         "them ('pos staff unlock Alice --approve NAME').")
    assert till.done and list_orders(till.store) == []


@freeze_time(NOON)
def test_a_role_changed_mid_session_applies_at_once(till: Session) -> None:
    till.store.conn.execute("UPDATE staff SET role = 'kitchen' WHERE name = 'Alice'")
    assert till.handle("PIZZA-M") == [
        "Alice is kitchen staff and may not ring up a sale ('PIZZA-M'): that needs an owner, a manager, a cashier or a "
        "server."]
    assert list_orders(till.store) == []
    (refusal,) = refused_events(till.store.path)
    assert refusal["asked"] == "register: PIZZA-M"


def test_one_shot_commands_read_the_person_afresh_through_the_sign_in(guarded: Store, cli: Cli) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
        guarded.conn.execute("UPDATE staff SET role = 'kitchen' WHERE name = 'Alice'")
        cli.fails("order", "new", audited=True, says="Alice is kitchen staff and may not ring up a sale ('pos order new')")
        guarded.conn.execute("UPDATE staff SET role = 'cashier' WHERE name = 'Alice'")
        cli.ok("order", "new")
        for _ in range(MAX_FAILED_PINS):
            cli("login", "Alice", input="3691\n")
        cli.fails("order", "new", says="sign in first")  # locked out: her sign-in no longer holds
        cli.ok("login", "Bob", input="3691\n")
        deactivate_staff(guarded, "Bob")
        cli.fails("order", "new", says="sign in first")


# -- deactivation ends every sign-in ---------------------------------------------------------------------------


def test_deactivation_ends_every_sign_in_so_reactivation_revives_none(guarded: Store, cli: Cli, monkeypatch) -> None:
    """Issue 24, 8: deactivating someone did not end their sign-ins, so reactivating them revived an old one."""
    from pos.people.staff import reactivate_staff

    with freeze_time(NOON) as clock:
        on_terminal(monkeypatch, "A")
        cli.ok("login", "Alice", input="2580\n")
        on_terminal(monkeypatch, "B")
        monkeypatch.setenv("POS_SESSION_FILE", str(guarded.path.parent / "session-b.json"))
        cli.ok("login", "Alice", input="2580\n")
        clock.tick(60)
        deactivate_staff(guarded, "Alice")
        assert guarded.scalar("SELECT count(*) FROM signins WHERE staff_id = (SELECT id FROM staff WHERE name = "
                              "'Alice') AND ended_at IS NULL") == 0
        clock.tick(60)
        reactivate_staff(guarded, "Alice")
        cli.fails("order", "new", says="sign in first")  # on terminal B
        on_terminal(monkeypatch, "A")
        monkeypatch.setenv("POS_SESSION_FILE", str(guarded.path.parent / "session.json"))
        cli.fails("order", "new", says="sign in first")
        cli.ok("login", "Alice", input="2580\n")  # a new sign-in, by her PIN, holds
        cli.ok("order", "new")
    from pos.books import ledger
    from pos.books import journal_check

    assert journal_check.verify(guarded).problem is None  # the sign-ins ended and the staff rows are the chains' to check


def test_a_register_session_ends_at_a_deactivation_even_when_reactivated_before_the_next_line(guarded: Store) -> None:
    from pos.people.staff import reactivate_staff

    with freeze_time(NOON) as clock:
        start_shift(guarded, "Alice")
        till = Session(guarded, get_staff(guarded, "Alice"), 1)
        till.handle("PIZZA-M")
        clock.tick(60)
        deactivate_staff(till.store, "Alice")
        clock.tick(60)
        reactivate_staff(till.store, "Alice")
        assert till.handle("SODA") == ["Alice was deactivated after signing in here, which ended this sign-in: sign "
                                       "in again with your PIN.", "Signed out. 1 order still open: pos order list."]
        assert till.done


# -- a secret only the terminal's own shell holds (issue 24, finding 8) ----------------------------------------


PROC_ONLY = """
import json, sys
sys.path.insert(0, sys.argv[1])
from commands.context import terminal_id
from pos.people.signin import who
from pos.store.store import Store

# A process of the same user, with only what /proc shows: it computes the terminal's identity as the
# terminal's own shell would (here: inherited, the same session), and takes the sign-in file's token.
from freezegun import freeze_time

token = json.loads(open(sys.argv[3]).read())["token"]
store = Store.open(sys.argv[2])
with freeze_time(sys.argv[4]):
    try:
        print("SIGNED IN" if who(store, token, terminal=terminal_id()) is not None else "NOBODY")
    except Exception as exc:
        print(type(exc).__name__, exc)
"""


def test_the_finding_replayed_a_process_with_only_public_proc_values_cannot_produce_the_binding(
        guarded: Store, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    with freeze_time(NOON):
        cli.ok("login", "Maria", input="258036\n")
    env = {k: v for k, v in os.environ.items() if k != "POS_TERMINAL_KEY"}
    out = subprocess.run([sys.executable, "-c", PROC_ONLY, str(REPO), str(guarded.path), str(tmp_path / "session.json"),
                          NOON], capture_output=True, text=True, check=True, env=env).stdout
    assert out.startswith("Refused Maria signed in on another terminal"), out


def test_a_shell_without_its_own_key_cannot_sign_in_and_login_shell_gives_it_one(
        guarded: Store, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POS_TERMINAL_KEY")
    with freeze_time(NOON):
        cli.fails("login", "Maria", input="258036\n", says="This shell has no terminal key of its own")
        assert guarded.scalar("SELECT count(*) FROM signins") == 0
        result = cli.ok("login", "Maria", "--shell", input="258036\n")
        (line,) = result.stdout.splitlines()  # the only thing the shell evaluates
        assert line.startswith("export POS_TERMINAL_KEY=")
        assert "Maria is signed in on this terminal" in result.stderr
        key = line.split("=", 1)[1]
        assert len(key) == 48 and key not in "\n".join(snapshot(guarded.path) or [])
        # The shell that evaluated the line: signed in.  Another one (another key, or none): not.
        monkeypatch.setenv("POS_TERMINAL_KEY", key)
        assert "opened without a sale" in cli.ok("drawer", "nosale", "--reason", "change", "--register", "1").stdout
        monkeypatch.setenv("POS_TERMINAL_KEY", "ab" * 24)
        cli.fails("drawer", "nosale", "--reason", "change", "--register", "1", audited=True,
                  says="Maria signed in on another terminal")
        monkeypatch.setenv("POS_TERMINAL_KEY", "1234")
        cli.fails("drawer", "nosale", "--reason", "change", "--register", "1",
                  says="POS_TERMINAL_KEY is not a key pos made")
