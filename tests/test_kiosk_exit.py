"""A kiosk's customer cannot leave the kiosk: only staff end its screen, with a PIN.

The finding: ``quit``, Ctrl-D or Ctrl-C at ``pos kiosk run`` dropped the customer into the shell.
Now no word of the customer's ends the screen, Ctrl-C and Ctrl-D (and Ctrl-Z, Ctrl-\\) at its
terminal only redraw it, help offers no way out, and a manager or the kiosk's attendant ends it
with a command help does not list, then their name and PIN.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from freezegun import freeze_time

from payments.selfcheckout import setup_kiosk
from pos.store import audit
from pos.sales.orders import list_orders
from pos.people.staff import add_staff
from pos.store.store import Store
from tests.helpers import tmux_server_name
from screens.kiosk import HELP, KioskSession
from tests.conftest import PIN_RECORDS, Cli, refused_events, snapshot

NOON = "2026-11-23 17:00:00"


@pytest.fixture
def kiosk(store: Store) -> Store:
    """Kiosk 1, attended by Alice; Bob is another cashier, Maria a manager."""
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Bob", "cashier", "3691")
    add_staff(store, "Maria", "manager", "258036")
    setup_kiosk(store, 1, attendant="Alice")
    return store


@freeze_time(NOON)
def test_no_word_of_the_customer_ends_the_screen(kiosk: Store) -> None:
    screen = KioskSession(kiosk, 1)
    screen.handle("SODA")
    for word in ("quit", "exit", "q", "close", "logout", "bye"):
        said = screen.handle(word)
        assert not screen.done and screen.asking is None, word
        assert "is not on the menu" in said[0], (word, said)
    for line in (HELP, *screen.handle("help")):
        assert not any(word in line.lower() for word in ("quit", "exit", "staff", "close")), line
    assert screen.screen() == [f"Kiosk 1. {HELP}", "1 item, total $2.71."]  # what a Ctrl-C or Ctrl-D redraws


@freeze_time(NOON)
def test_staff_end_the_screen_with_their_pin(kiosk: Store) -> None:
    screen = KioskSession(kiosk, 1)
    screen.handle("SODA")
    assert screen.handle("staff") == ["Staff: type your name, then your PIN (Enter alone goes back)."]
    assert screen.answer("") == [] and screen.asking is None  # back to the customer's screen
    screen.handle("staff")
    assert screen.answer("Maria") == [] and screen.asking is not None and screen.asking.hidden
    before = snapshot(kiosk.path, PIN_RECORDS)
    stays_open = "Kiosk 1 stays open: a manager or its attendant closes it with their name and PIN."
    assert screen.answer("369147") == [stays_open]  # counted against the kiosk, never Maria (issue 24)
    assert not screen.done and snapshot(kiosk.path, PIN_RECORDS) == before  # only the failed PIN is kept
    screen.handle("staff")
    screen.answer("Bob")
    assert screen.answer("3691") == [stays_open]  # Bob's right PIN: the same words, confirming no guess
    assert not screen.done
    assert refused_events(kiosk.path) == []
    screen.handle("staff")
    screen.answer("alice")
    assert screen.answer("2580") == ["Order 1 was not paid: it is in the counter queue.", "Kiosk 1 closed by Alice."]
    assert screen.done
    (closed,) = [r for r in audit.records(kiosk) if r.event is audit.Event.COMMAND]
    assert (closed.staff, closed.detail) == ("Alice", {"command": "kiosk 1 closed"})
    (order,) = list_orders(kiosk)
    assert order.counter_note is not None  # the unpaid order waits at the counter


def test_a_scripted_kiosk_reads_on_past_quit_and_staff_close_it(kiosk: Store, cli_for) -> None:
    cli: Cli = cli_for(kiosk)
    with freeze_time(NOON):
        out = cli.ok("kiosk", "run", "1", input="SODA\nquit\nexit\nSODA\nstaff\nMaria\n258036\nSODA\n").stdout
    assert out.count("Soda 20oz") == 2 and "2 items, total $5.42." in out  # quit and exit ended nothing
    assert out.rstrip().endswith("Kiosk 1 closed by Maria.")  # and nothing after it was read
    assert "258036" not in out
    with freeze_time(NOON):
        ended = cli.ok("kiosk", "run", "1", input="SODA\n").stdout  # a script's input ended: nobody is there
    assert "was not paid: it is in the counter queue" in ended


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_kiosk_in_a_real_terminal_ignores_ctrl_c_ctrl_d_and_quit(kiosk: Store, tmp_path: Path) -> None:
    """Drive pos kiosk run in tmux: the keys a customer may press never end it; staff's PIN does."""
    kiosk.close()
    beside = Path(sys.executable).with_name("pos")
    pos = str(beside) if beside.exists() else shutil.which("pos")
    run = f"{pos} --db {kiosk.path} kiosk run 1" if pos else f"{sys.executable} -m cli --db {kiosk.path} kiosk run 1"
    session = tmux_server_name("kiosk", tmp_path)
    tmux = ["tmux", "-L", session, "-f", "/dev/null"]
    # The kiosk is the pane's own process (exec): what the keys do to it is all there is; the pane stays
    # after it ends, so its end and exit status can be read.
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "120", "-y", "50", f"exec {run}"], check=True,
                   cwd=str(tmp_path), env={**os.environ, "TERM": "xterm"})
    subprocess.run([*tmux, "set-option", "-t", session, "remain-on-exit", "on"], check=True)

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def ended() -> bool:
        return subprocess.run([*tmux, "display-message", "-p", "-t", session, "#{pane_dead}"],
                              capture_output=True, text=True).stdout.strip() == "1"

    def keys(*sent: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", session, *sent], check=True)

    def wait_for(text: str, count: int = 1) -> str:
        for _ in range(150):
            shown = screen()
            if shown.count(text) >= count:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} (x{count}) never appeared:\n{screen()}")

    try:
        wait_for("Kiosk 1.")
        keys("SODA", "Enter")
        wait_for("1 item, total $2.71.")
        keys("C-c")
        wait_for("Kiosk 1.", count=2)  # the screen redraws
        keys("C-d")
        wait_for("Kiosk 1.", count=3)
        keys("C-z")
        keys("C-\\")
        keys("quit", "Enter")
        wait_for("The code 'quit' is not on the menu")
        keys("exit", "Enter")
        wait_for("The code 'exit' is not on the menu")
        assert not ended(), screen()  # still the kiosk, after every key a customer has
        keys("SODA", "Enter")
        wait_for("2 items, total $5.42.")  # and still taking their order
        keys("staff", "Enter")
        wait_for("Staff name")
        keys("Maria", "Enter")
        wait_for("PIN:")  # not "PIN for Maria": the kiosk says nothing of whether a name is anyone's
        keys("258036", "Enter")
        shown = wait_for("Kiosk 1 closed by Maria.")
        assert "258036" not in shown  # the PIN stayed hidden
        for _ in range(100):
            if ended():
                break
            time.sleep(0.1)
        assert ended(), screen()  # staff's PIN ended it
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
