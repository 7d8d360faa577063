"""Checks decided inside their write: several processes at once, with the store's write lock held meanwhile.

Issue 24, "what was seen" 4, replayed as written: with another connection holding the store's write
lock, four ``pos refund 2 --amount 40`` at once as one cashier (real processes, one store file).
Each check (the limits, what is still refundable, the drawer's cash) is read and decided inside the
``BEGIN IMMEDIATE`` transaction that writes the refund, so the limit holds to the cent, the others
are refused in one line, and no refund is left ``requested`` for ``pos payments recover`` to choke on.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from freezegun import freeze_time

from payments import service
from pos import config
from pos.drawer import open_drawer
from pos.orders import add_line, new_order
from pos.staff import add_staff, start_shift
from pos.store import Store
from tests.conftest import Cli
from tests.helpers import bal, verified

ROOT = Path(__file__).resolve().parent.parent
NOON = "2026-11-23 17:00:00"  # noon in New York
LATER = "2026-11-23 17:01:00"  # the racing commands run a minute later, on the clock ticking from there

#: One command of the CLI in a process of its own: imports first, says it is ready (a file), then runs
#: ``pos ARGS...`` as the console script does, on a clock frozen at ``when`` and ticking.
CHILD = """
import sys
from pathlib import Path
from freezegun import freeze_time
when, ready, *args = sys.argv[1:]
with freeze_time(when, tick=True):
    import cli
    sys.argv = ["pos", *args]
    Path(ready).touch()
    cli.main()
"""


def race(tmp_path: Path, db: Path, args: list[str], copies: int, hold_s: float = 1.0) -> list[tuple[int, str]]:
    """Run ``pos ARGS`` ``copies`` times at once, each in its own process, while another connection holds the
    store's write lock until every process is ready and ``hold_s`` more; each one's exit code and output."""
    holder = sqlite3.connect(db, isolation_level=None, timeout=10)
    holder.execute("BEGIN IMMEDIATE")
    children = []
    try:
        for n in range(copies):
            ready = tmp_path / f"ready-{n}"
            children.append((ready, subprocess.Popen(
                [sys.executable, "-c", CHILD, LATER, str(ready), "--db", str(db), *args], cwd=ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
        deadline = time.monotonic() + 60
        while not all(ready.exists() for ready, _ in children) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(hold_s)  # each has read what it reads before its first write, and waits on the lock
    finally:
        holder.execute("COMMIT")
        holder.close()
    results = []
    for _, child in children:
        out, _ = child.communicate(timeout=120)
        results.append((child.returncode, out))
    return results


@pytest.fixture
def till(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Sign-in on; Alice (cashier) and Maria (manager) on shift; drawer 1 open with $200; two orders paid in cash."""
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Maria", "manager", "258036")
        for name in ("Alice", "Maria"):
            start_shift(store, name)
        open_drawer(store, 1, "200")
        for pizzas in (1, 8):  # #1 $13.61, #2 $108.88
            order = new_order(store, "counter")
            add_line(store, order.id, "PIZZA-M", pizzas)
            service.pay(store, order.id, "cash", "200")
    return store


def test_four_refunds_at_once_hold_the_limit_to_the_cent(till: Store, cli: Cli, tmp_path: Path) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
    drawer_before = bal(till, "assets:cash:drawer:1")
    results = race(tmp_path, till.path, ["refund", "2", "--amount", "40", "--reason", "cold"], 4)
    done = [out for code, out in results if code == 0]
    refused = [out for code, out in results if code != 0]
    assert len(done) == 1, results  # $40.00 of a $50.00 limit per order: the second would make $80.00
    assert len(refused) == 3, results
    for out in refused:
        assert "Traceback" not in out and out.count("\n") == 1, out
        assert out.startswith("error: A refund of $40.00 on order #2 needs a manager's approval: with $40.00 "
                              "already refunded on it, that makes $80.00, over the $50.00 limit per order"), out
    rows = till.all("SELECT amount_minor, state FROM refunds")
    assert [tuple(r) for r in rows] == [(4000, "completed")]  # nothing left requested
    assert bal(till, "assets:cash:drawer:1") == drawer_before - 4000
    with freeze_time(LATER):
        assert cli.ok("payments", "recover").stdout == "Nothing to recover: every payment is complete.\n"
    verified(till)
