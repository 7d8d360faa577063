"""Kill the process (SIGKILL) in the middle of each money flow, then restart.

After every kill the store must be consistent: the payment is either fully
recorded or finished by `pos payments recover`, nothing is half-written, and
`pos ledger verify` passes.  Each scenario runs the real CLI in a child
process that kills itself at a named point (pos.base.faults).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pos.books import ledger
from pos.books import journal_check
from pos.cash.drawer import expected_cash, open_drawer
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, signal, sys
from pos.base import faults
faults.on(sys.argv[1], lambda: os.kill(os.getpid(), signal.SIGKILL))
from cli import app
app(["--db", sys.argv[2], *sys.argv[3:]], prog_name="pos")
"""


def killed_at(store: Store, point: str, *argv: str, input: str | None = None) -> None:  # noqa: A002
    result = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(store.path), *argv], cwd=ROOT, capture_output=True, text=True,
        timeout=60, input=input,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)


def payments(store: Store, order_id: str) -> list[tuple[str, str]]:
    return [(r["tender"], r["state"]) for r in store.all("SELECT tender, state FROM payments WHERE order_id = ?", (order_id,))]


def recover_twice(cli) -> list:
    first = json.loads(cli.ok("payments", "recover", "--json").output)
    assert json.loads(cli.ok("payments", "recover", "--json").output) == []
    return first


@pytest.fixture
def ready(store: Store) -> Store:
    open_drawer(store, 1, "100")
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 12.50 + 1.11 tax = 13.61
    return store


@pytest.mark.parametrize("point", ["payment.requested", "payment.authorized", "payment.captured_before_journal"])
def test_cash_payment_killed_midway_is_recovered_once(ready: Store, cli, point: str) -> None:
    order_id = ready.one("SELECT id FROM orders")[0]
    killed_at(ready, point, "pay", "1", "cash", "20")
    assert payments(ready, order_id) == [("cash", "requested")]
    assert journal_check.verify(ready).problem is None
    assert ledger.find_by_key(ready, f"order:{order_id}:sale") is None
    done = recover_twice(cli)
    assert [d["action"] for d in done] == ["captured and recorded"]
    assert payments(ready, order_id) == [("cash", "captured")]
    assert ready.one("SELECT status FROM orders")[0] == "paid"
    assert expected_cash(ready, 1) == 10000 + 1361
    assert journal_check.verify(ready).problem is None
    # Paying again is refused: nothing is charged twice.
    cli.fails("pay", "1", "cash", "20", says="already paid")


def test_after_a_kill_the_order_cannot_be_charged_again_until_recovered(ready: Store, cli) -> None:
    order_id = ready.one("SELECT id FROM orders")[0]
    killed_at(ready, "payment.requested", "pay", "1", "cash", "20")
    cli.fails("pay", "1", "cash", "20", says="payments recover")  # the cashier tries again: told to recover
    done = recover_twice(cli)
    assert [d["action"] for d in done] == ["captured and recorded"]
    assert payments(ready, order_id) == [("cash", "captured")]
    assert expected_cash(ready, 1) == 10000 + 1361
    assert journal_check.verify(ready).problem is None


@pytest.fixture
def out_for_delivery(store: Store) -> Store:
    open_drawer(store, 1, "50")
    add_staff(store, "Dave", "driver", "2580")
    start_shift(store, "Dave")
    order = new_order(store, "delivery", address="4 Elm Street")
    add_line(store, order.id, "PIZZA-M")
    from payments.cod import dispatch

    dispatch(store, order.id, "Dave")
    return store


def test_collection_killed_before_commit_leaves_it_out_for_delivery(out_for_delivery: Store, cli) -> None:
    store = out_for_delivery
    before = ledger.count_entries(store)
    killed_at(store, "cod.collect.before_capture", "delivery", "collect", "1", "20", "--tip", "2")
    row = store.one("SELECT state, tendered_minor, tip_minor FROM payments")
    assert tuple(row) == ("authorized", None, 0)
    assert ledger.count_entries(store) == before
    assert recover_twice(cli) == []  # out with a driver is not a crash to recover
    cli.ok("delivery", "collect", "1", "20", "--tip", "2")
    cli.fails("delivery", "collect", "1", "20", says="already collected")
    assert journal_check.verify(store).problem is None


def test_handin_killed_before_commit_records_nothing(out_for_delivery: Store, cli) -> None:
    store = out_for_delivery
    cli.ok("delivery", "collect", "1", "20")
    held = json.loads(cli.ok("driver", "cash", "Dave", "--json").output)["held_minor"]
    add_staff(store, "Cate", "cashier", "1470")
    cli.ok("driver", "handin", "Dave", "10")  # started: nothing moves until Cate counts it
    receive = ("driver", "receive", "Dave", "10", "--counted-by", "Cate")
    killed_at(store, "cod.handin.posted", *receive, input="1470\n")
    assert json.loads(cli.ok("driver", "cash", "Dave", "--json").output)["held_minor"] == held
    cli.ok(*receive, input="1470\n")
    assert json.loads(cli.ok("driver", "cash", "Dave", "--json").output)["held_minor"] == held - 1000
    assert journal_check.verify(store).problem is None


@pytest.mark.parametrize("point", ["refund.requested", "refund.before_journal"])
def test_refund_killed_midway_is_finished_by_recover_once(ready: Store, cli, point: str) -> None:
    cli.ok("pay", "1", "cash", "20")
    entries = ledger.count_entries(ready)
    killed_at(ready, point, "refund", "1", "--amount", "5", "--reason", "cold")
    # The refund row was written before the tender was asked; nothing was booked.
    assert tuple(ready.one("SELECT state, amount_minor FROM refunds")) == ("requested", 500)
    assert ready.one("SELECT state, refunded_minor FROM payments")[0] == "captured"
    assert ledger.count_entries(ready) == entries
    done = recover_twice(cli)
    assert [d["action"] for d in done] == ["refund completed and recorded"]
    assert tuple(ready.one("SELECT state, refunded_minor FROM payments")) == ("partially_refunded", 500)
    assert expected_cash(ready, 1) == 10000 + 1361 - 500
    assert journal_check.verify(ready).problem is None


@pytest.mark.parametrize(("point", "finished_by_recover"), [("refund.requested", 2), ("refund.part_done", 1)])
def test_refund_by_item_killed_between_its_tenders_is_finished_whole(ready: Store, cli, point: str,
                                                                     finished_by_recover: int) -> None:
    """Both parts (one per payment) and the item are written in one transaction before any tender is asked, so a
    kill after the first part leaves the second for recover: the line is refunded whole, once."""
    from tests.helpers import order_sums

    cli.ok("pay", "1", "cash", "5")
    cli.ok("pay", "1", "cash")  # 8.61: the newest payment, refunded first
    order_id = ready.one("SELECT id FROM orders")[0]
    killed_at(ready, point, "refund", "1", "--line", "1")
    states = [r[0] for r in ready.all("SELECT state FROM refunds ORDER BY rowid")]
    assert states == (["requested", "requested"] if point == "refund.requested" else ["completed", "requested"])
    assert ready.one("SELECT count(*), sum(quantity) FROM refund_items")[:] == (1, 1)
    assert journal_check.verify(ready).problem is None
    cli.fails("refund", "1", "--amount", "1", "--reason", "again", says="payments recover")
    cli.fails("refund", "1", "--line", "1", says="payments recover")  # the line is on its way back: never twice
    done = recover_twice(cli)
    assert [d["action"] for d in done] == ["refund completed and recorded"] * finished_by_recover
    assert [tuple(r) for r in ready.all("SELECT amount_minor, refunded_minor FROM payments ORDER BY rowid")] == [
        (500, 500), (861, 861)]
    assert expected_cash(ready, 1) == 10000
    assert {k: v for k, v in order_sums(ready, order_id).items() if v} == {}
    assert ready.one("SELECT status FROM orders")[0] == "refunded"
    assert journal_check.verify(ready).problem is None
