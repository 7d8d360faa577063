"""Small assertions shared by the payment tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pytest

from pos.store import config
from pos.books import ledger
from pos.books import journal_check
from pos.cash.drawer import open_drawer
from pos.people.staff import add_staff
from pos.store.store import Store
from tests.conftest import snapshot


def bal(store: Store, account: str) -> int:
    """The running balance of one USD account."""
    return ledger.balances(store).get((account, "USD"), 0)


def order_sums(store: Store, order_id: str) -> dict[str, int]:
    """Per account, the sum of every journal posting caused by one order."""
    sums: dict[str, int] = {}
    for entry in ledger.iter_entries(store, source_id=order_id):
        for p in entry.postings:
            sums[p.account] = sums.get(p.account, 0) + p.amount_minor
    return sums


def verified(store: Store) -> None:
    assert journal_check.verify(store).problem is None


def refused(store: Store, exc: type[Exception], says: str, call: Any, *args: Any, **kwargs: Any) -> None:
    """``call(*args)`` raises ``exc`` with ``says`` in its message and writes nothing."""
    before = snapshot(store.path)
    with pytest.raises(exc) as err:
        call(*args, **kwargs)
    assert says.lower() in str(err.value).lower(), str(err.value)
    assert snapshot(store.path) == before


#: Every store option with its default, as the test stores have them (sign-in off: see conftest.make_store).
#: Written out in full, so a new option or a changed default is a deliberate change here.
DEFAULT_OPTIONS = {
    "approval.discount_over": "2000",
    "approval.discount_percent_over": "20",
    "approval.discounts_per_shift_over": "5000",
    "approval.refund_over": "5000",
    "approval.refunds_per_shift_over": "10000",
    "approval.void_over": "5000",
    "approval.voids_per_shift_over": "10000",
    "cash.denominations": "10000,5000,2000,1000,500,100,25,10,5,1",
    "cash.float_stays": "no",
    "cash.rounding": "0",
    "closing.witness": "",
    "hours.close": "21:00",
    "hours.open": "09:00",
    "link.expires_after": "60",
    "link.methods": "card",
    "receipt.feedback": "",
    "receipt.folder": "",
    "receipt.sender": "",
    "receipt.smtp": "",
    "receipt.smtp_password_file": "",
    "receipt.smtp_starttls": "yes",
    "receipt.smtp_user": "",
    "register.lock_after": "5",
    "register.quick_keys": "",
    "signin.minutes": "30",
    "signin.required": "no",
    "store.address": "",
    "store.name": "Test Pizza",
    "store.phone": "",
    "store.tax_id": "",
    "stripe.reader": "",
    "stripe.simulate": "auto",
    "tips.confirm_over": "30",
    "tips.counter": "pool",
    "tips.delivery": "direct",
    "tips.kiosk": "pool",
    "tips.phone": "pool",
}


def tmux_server_name(what: str, tmp_path: Path) -> str:
    """A tmux server (and session) name of this test's own: CI runs two suites side by side, whose temporary
    folders can have the same names, so the process id is in it too."""
    import os

    return f"anytender-{what}-{os.getpid()}-{tmp_path.name}"


OWNER_PIN, MANAGER_PIN, CASHIER_PIN = "369147", "258036", "2580"
OWNER_SHOP = (("Tony", "owner", OWNER_PIN), ("Maria", "manager", MANAGER_PIN), ("Alice", "cashier", CASHIER_PIN))
"""Tony (the only owner), Maria (manager), Alice (cashier)."""


def signin_on(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staff: Sequence[tuple[str, str, str]],
              drawers: Sequence[int] = ()) -> Store:
    """Sign-in required, nobody signed in yet (the session file in ``tmp_path``); ``staff`` as (name, role, PIN)
    added in order; ``drawers`` opened with $100."""
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    for name, role, pin in staff:
        add_staff(store, name, role, pin)
    for register in drawers:
        open_drawer(store, register, "100")
    return store
