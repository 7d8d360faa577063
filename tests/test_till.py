"""A till that gives no shell (issue 24, item 3): ``pos register --till`` as the till's login shell.

Whoever sits at a till whose OS user has a shell has the store's file, its keys and every control
table in reach.  So the till's user gets ``pos register --till`` as its login shell (README, deployment)
and ``pos register`` never opens a shell: no command of it starts another program (no shell escape,
no editor), Ctrl-Z (suspend) and Ctrl-\\ do nothing, and an error nobody foresaw goes back to the sign-in
rather than ending it; in ``--till`` mode so do ``quit``, Ctrl-D and a wrong PIN.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos.store import audit
from pos.cash.drawer import open_drawer
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from tests.conftest import Cli
from tests.helpers import tmux_server_name

ROOT = Path(__file__).resolve().parent.parent

# The till's login shell, with one bug planted: the line 'crash!' raises what no code foresaw.
TILL = """
import sys
import screens.register as register

handle = register.Session.handle

def buggy(self, line):
    if line.strip() == "crash!":
        raise RuntimeError("a bug planted by the test")
    return handle(self, line)

register.Session.handle = buggy
import cli

sys.argv = ["pos", "--db", sys.argv[1], "register", "--till"]
cli.main()
"""


def test_no_part_of_the_register_starts_another_program() -> None:
    """No shell escape, no editor, no pager: nothing the register runs imports a way to start a program."""
    import commands.register
    import screens.cashier_change
    import screens.lines
    import screens.order_view
    import screens.register

    for module in (commands.register, screens.register, screens.cashier_change, screens.lines, screens.order_view):
        source = Path(module.__file__ or "").read_text()
        for way in ("subprocess", "os.system", "os.exec", "os.spawn", "os.popen", "click.edit", "webbrowser",
                    "pty.", "launch("):
            assert way not in source, (module.__name__, way)
    source = Path(commands.register.__file__ or "").read_text()
    for off in ("enable_open_in_editor=False", "enable_system_prompt=False", "enable_suspend=False"):
        assert off in source  # the line editor's own ways out (Ctrl-X Ctrl-E, Meta-!, Ctrl-Z), each turned off


def test_a_scripted_till_goes_back_to_the_sign_in_after_quit_and_a_wrong_pin(store: Store, cli_for) -> None:
    add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    open_drawer(store, 1, "100")
    cli: Cli = cli_for(store)
    out = cli.ok("register", "--till", input="Alice\n2580\nquit\nAlice\n9999\nAlice\n2580\nt\nquit\n")
    said = out.stdout + out.stderr
    assert said.count("Signed out.") == 2 and said.count("Name:") == 4, said  # the last: the input's end
    assert "Wrong PIN for Alice: try again (4 tries left)." in said
    assert "Nothing rung up." in said and "error" not in said


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_till_in_a_real_terminal_never_gives_a_shell(store: Store, tmp_path: Path) -> None:
    add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    open_drawer(store, 1, "100")
    session = tmux_server_name("till", tmp_path)
    tmux = ["tmux", "-L", session]
    command = f"{sys.executable} -c '{TILL}' {store.path}"
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "160", "-y", "50", command], check=True,
                   cwd=str(ROOT), env={**os.environ, "TERM": "xterm", "PYTHONPATH": str(ROOT)})

    def screen() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait_for(text: str, after: int = 0) -> str:
        for _ in range(150):
            shown = screen()
            if shown.count(text) > after:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} (x{after + 1}) never appeared:\n{screen()}")

    def keys(*typed: str) -> None:
        subprocess.run([*tmux, "send-keys", "-t", session, *typed], check=True)

    def alive() -> bool:
        return subprocess.run([*tmux, "has-session", "-t", session], capture_output=True).returncode == 0

    def process_state() -> str:
        pid = subprocess.run([*tmux, "display-message", "-p", "-t", session, "#{pane_pid}"], capture_output=True,
                             text=True).stdout.strip()
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]

    try:
        wait_for("Name:")
        keys("Alice", "Enter")
        wait_for("PIN for Alice")
        keys("2580", "Enter")
        wait_for("Register 1, Alice: ready.")
        keys("C-z")  # suspend: nothing happens, and no shell is under it to come to
        keys("C-\\")  # quit with a core: nothing either
        time.sleep(0.3)
        assert process_state() != "T", screen()  # not stopped
        keys("SODA", "Enter")
        wait_for("+ 1 x Soda 20oz")
        keys("crash!", "Enter")  # the planted bug
        wait_for("The register met an error it did not expect")
        wait_for("Name:", after=0)
        assert alive(), "the till ended on a bug"
        keys("Alice", "Enter")
        wait_for("PIN for Alice", after=1)
        keys("2580", "Enter")
        wait_for("Register 1, Alice: ready.", after=1)
        keys("quit", "Enter")  # signing out goes back to the sign-in, never to a shell
        shown = wait_for("Name:", after=1)
        keys("C-d")  # Ctrl-D at the sign-in: asked again
        keys("C-c")
        time.sleep(0.5)
        assert alive() and process_state() != "T", screen()
        assert not re.search(r"^\S*[$#] ?$", screen(), flags=re.M), screen()  # no shell prompt anywhere
        assert "2580" not in shown
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    bugs = [r.detail for r in audit.records(store) if r.event is audit.Event.REFUSED]
    assert bugs == [{"asked": "pos register",
                     "why": "an error nobody foresaw: RuntimeError: a bug planted by the test"}], bugs
