"""A training store's processor tells recover the truth: what Stripe would know, no more (issue 15, item 12).

Each scenario kills the real CLI (SIGKILL, at a named point of :mod:`pos.base.faults`, as tests/test_crash.py
does) in the middle of a card, wallet or link payment, then runs ``pos payments recover``: a payment killed
before any processor call is released (at Stripe there would be no intent to find), one killed after the
authorization or the capture is taken once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from payments.training import ACCOUNT, fee_minor
from pos.books import ledger
from pos.books import journal_check
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.store.store import Store

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, signal, sys
from pos.base import faults
faults.on(sys.argv[1], lambda: os.kill(os.getpid(), signal.SIGKILL))
from cli import app
app(["--db", sys.argv[2], *sys.argv[3:]], prog_name="pos")
"""


def killed_at(store: Store, point: str, *argv: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, point, str(store.path), *argv], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)


@pytest.fixture
def training(make_store) -> Store:
    store = make_store(training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")  # 12.50 + 1.11 tax = 13.61
    open_drawer(store, 1, "100")
    order = new_order(store, "phone")
    add_line(store, order.id, "PIZZA-M")
    return store


def recover_twice(cli) -> list[str]:
    first = json.loads(cli.ok("payments", "recover", "--json").output)
    assert json.loads(cli.ok("payments", "recover", "--json").output) == []
    return [d["action"] for d in first]


def states(store: Store) -> list[tuple[str, str]]:
    return [(r["tender"], r["state"]) for r in store.all("SELECT tender, state FROM payments ORDER BY rowid")]


def balance(store: Store, account: str) -> int:
    return ledger.balances(store, prefix=account).get((account, "USD"), 0)


@pytest.mark.parametrize("tender", ["card", "wallet", "link"])
def test_killed_before_any_processor_call_is_released(training: Store, cli_for, tender: str) -> None:
    killed_at(training, "payment.requested", "pay", "1", tender)
    assert states(training) == [(tender, "requested")]
    assert recover_twice(cli_for(training)) == ["voided (never charged)"]
    assert states(training) == [(tender, "voided")]
    assert balance(training, ACCOUNT) == 0 and training.one("SELECT status FROM orders")[0] == "open"
    assert journal_check.verify(training).problem is None
    cli_for(training).ok("pay", "1", "cash", "20")  # the order takes another tender at once


@pytest.mark.parametrize("tender", ["card", "wallet"])
@pytest.mark.parametrize("point", ["payment.authorized", "payment.captured_before_journal"])
def test_killed_after_the_processor_answered_is_taken_once(training: Store, cli_for, tender: str,
                                                           point: str) -> None:
    killed_at(training, point, "pay", "1", tender)
    assert recover_twice(cli_for(training)) == ["captured and recorded"]
    assert states(training) == [(tender, "captured")]
    assert balance(training, ACCOUNT) == 1361 - fee_minor(1361)
    assert training.one("SELECT status FROM orders")[0] == "paid"
    assert journal_check.verify(training).problem is None
