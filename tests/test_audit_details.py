"""Every sensitive act in the audit trail with its details: who, which register and terminal, the
target, and its values before and after; ``pos audit`` shows money in the store's format.

One walk performs every action of the permission table that a command can do, as someone signed
in, and checks the event each left.  A command the walk does not cover fails the coverage test,
so a new sensitive command cannot land without its event.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from freezegun import freeze_time

from payments import cod, service
from pos.store import config
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.base.errors import NotAllowed
from pos.people.staff import add_staff, start_shift
from pos.people.pin_tries import verify_pin
from pos.store.store import Store
from tests.conftest import Cli

MORNING = "2026-11-23 14:00:00"  # 09:00 in New York
NOON = "2026-11-23 17:00:00"
NEXT_MORNING = "2026-11-24 14:00:00"  # after the 04:00 rollover: the 23rd can be closed without --force


class Step(NamedTuple):
    command: str
    """The command as the permission table knows it (``drawer paid-out``)."""
    argv: tuple[str, ...]
    event: str
    """The audit event it must leave (``pos.store.audit.Event``'s value)."""
    target: str | None
    """What it acted on; None for an event whose target is its arguments (a read of the books)."""
    register: int | None = None
    stdin: str | None = None
    changed: dict[str, tuple[Any, Any]] | None = None
    """Values that must read (before, after) in the event."""


STEPS = [
    Step("config set", ("config", "set", "approval.refund_over", "60"), "setting changed", "approval.refund_over",
         changed={"value": ("5000", "6000")}),
    Step("kiosk setup", ("kiosk", "setup", "1", "--unattended"), "setting changed", "kiosk 1"),
    Step("tips policy set", ("tips", "policy", "set", "jurisdiction", "NY"), "tip policy changed",
         "tip policy from 2026-11-23", changed={"jurisdiction": ("none", "NY")}),
    Step("tips payday set", ("tips", "payday", "set", "weekly", "--from", "2026-11-23"), "pay schedule changed",
         "pay schedule from 2026-11-23", changed={"frequency": (None, "weekly")}),
    Step("tax add", ("tax", "add", "wine", "12.5", "--name", "Wine"), "tax changed", "wine",
         changed={"rate_percent": (None, "12.5")}),
    Step("tax edit", ("tax", "edit", "standard", "--rate", "9", "--from", "2026-11-24"), "tax changed", "standard",
         changed={"rate_percent": ("8.875", "9")}),
    Step("config set", ("config", "set", "store.name", "Tony's Pizzeria"), "setting changed", "store.name",
         changed={"value": ("Test Pizza", "Tony's Pizzeria")}),
    Step("item add", ("item", "add", "GARLIC", "Garlic knots", "5.25"), "item changed", "GARLIC",
         changed={"price_minor": (None, 525)}),
    Step("item edit", ("item", "edit", "SODA", "--price", "0.01"), "item changed", "SODA",
         changed={"price_minor": (249, 1)}),
    Step("item deactivate", ("item", "deactivate", "GARLIC"), "item changed", "GARLIC",
         changed={"active": (True, False)}),
    Step("item import", ("item", "import", "{menu}"), "item changed", "PIZZA-M",
         changed={"price_minor": (1250, 1300)}),
    Step("staff tips", ("staff", "tips", "Kim", "no"), "staff changed", "Kim", changed={"tip_eligible": (True, False)}),
    Step("staff add", ("staff", "add", "Zoe", "--role", "server"), "staff added", "Zoe", stdin="2580\n2580\n",
         changed={"role": (None, "server")}),
    Step("staff role", ("staff", "role", "Zoe", "driver"), "staff changed", "Zoe", changed={"role": ("server", "driver")}),
    Step("staff deactivate", ("staff", "deactivate", "Zoe"), "staff changed", "Zoe", changed={"active": (True, False)}),
    Step("staff pin", ("staff", "pin", "Kim"), "PIN changed", "Kim", stdin="1470\n1470\n"),
    Step("staff unlock", ("staff", "unlock", "Lee"), "unlocked", "Lee", changed={"locked": (True, False)}),
    Step("staff reactivate", ("staff", "reactivate", "Zoe"), "staff changed", "Zoe", changed={"active": (False, True)}),
    Step("drawer open", ("drawer", "open", "--float", "50", "--register", "2", "--counted-by", "Maria"),
         "drawer cash moved", "drawer 2", register=2, stdin="258036\n", changed={"expected_minor": (None, 5000)}),
    Step("drawer paid-in", ("drawer", "paid-in", "20", "--reason", "change from the bank"), "drawer cash moved",
         "drawer 1", register=1, changed={"expected_minor": (23222, 25222)}),
    Step("drawer paid-out", ("drawer", "paid-out", "15", "--reason", "ice"), "drawer cash moved", "drawer 1",
         register=1, changed={"expected_minor": (25222, 23722)}),
    Step("drawer drop", ("drawer", "drop", "100", "--reason", "to the safe"), "drawer cash moved", "drawer 1",
         register=1, changed={"expected_minor": (23722, 13722)}),
    Step("drawer nosale", ("drawer", "nosale", "--reason", "change for a $20"), "drawer opened without a sale",
         None, register=1),
    Step("order new", ("order", "new"), "command", None),
    Step("order add", ("order", "add", "8", "PIZZA-M"), "command", None),
    Step("order add", ("order", "add", "8", "SODA"), "command", None),
    Step("order remove", ("order", "remove", "8", "2"), "void", "order #8 line 2", changed={"quantity": (1, 0)}),
    Step("order set", ("order", "set", "8", "--name", "Eve", "--note", "no onions", "--ready", "13:30"),
         "order changed", "order #8",
         changed={"customer_name": (None, "Eve"), "note": (None, "no onions"),
                  "promised_at": (None, "2026-11-23 13:30 EST")}),
    Step("order find", ("order", "find", "--name", "eve"), "command", None),
    Step("order discount", ("order", "discount", "8", "1.00", "--reason", "regular"), "discount", "order #8",
         changed={"total_minor": (1415, 1307)}),
    Step("order undiscount", ("order", "undiscount", "8"), "discount taken off", "order #8",
         changed={"total_minor": (1307, 1415)}),
    Step("order void", ("order", "void", "3", "--reason", "left"), "void", "order #3",
         changed={"status": ("open", "voided")}),
    Step("void", ("void", "4", "--reason", "left"), "void", "order #4", changed={"total_minor": (1361, 0)}),
    Step("pay", ("pay", "1", "cash", "20"), "command", None),
    Step("order new", ("order", "new"), "command", None),
    Step("order add", ("order", "add", "9", "SODA"), "command", None),
    Step("order discount", ("order", "discount", "9", "100%", "--reason", "staff meal", "--approve", "Maria"),
         "discount", "order #9", stdin="258036\n", changed={"total_minor": (1, 0)}),
    Step("order close", ("order", "close", "9"), "command", None),
    Step("refund", ("refund", "1", "--amount", "1.00", "--reason", "cold"), "refund", "order #1", register=1,
         changed={"refundable_minor": (1361, 1261)}),
    Step("payments recover", ("payments", "recover"), "command", None),
    Step("delivery dispatch", ("delivery", "dispatch", "2", "--driver", "Dave"), "delivery", "order #2",
         changed={"status": ("waiting", "out for delivery")}),
    Step("delivery fail", ("delivery", "fail", "2", "--reason", "nobody home"), "delivery", "order #2",
         changed={"status": ("out for delivery", "failed")}),
    Step("delivery collect", ("delivery", "collect", "5", "20"), "delivery", "order #5",
         changed={"status": ("out for delivery", "collected")}),
    Step("driver handin", ("driver", "handin", "Dave", "2.71"), "hand-in started", "drawer 1", register=1),
    Step("driver receive", ("driver", "receive", "Dave", "2.71", "--counted-by", "Maria"), "drawer cash moved",
         "drawer 1", register=1, stdin="258036\n"),
    Step("tips payout", ("tips", "payout", "Kim", "--from", "payroll"), "tips paid out", "Kim",
         changed={"owed_minor": (200, 0)}),
    Step("tips distribute", ("tips", "distribute", "--day", "2026-11-23", "--yes", "--include-open"), "tip pool shared",
         "pool of 2026-11-23", changed={"pool_minor": (300, 0)}),
    Step("ledger reverse", ("ledger", "reverse", "{entry}", "--reason", "rang twice"), "books corrected",
         "entry {entry}", changed={"reversed": (False, True)}),
    Step("audit", ("audit", "--day", "2026-11-23"), "command", None),
    Step("ledger show", ("ledger", "show"), "command", None),
    Step("ledger balances", ("ledger", "balances", "--account", "assets:cash"), "command", None),
    Step("ledger export", ("ledger", "export", "--format", "csv"), "command", None),
    Step("day report", ("day", "report", "--day", "2026-11-23"), "command", None),
    Step("report items", ("report", "items", "--from", "2026-11-23"), "command", None),
    Step("serve", ("serve", "--port", "0"), "command", None),  # its server is stopped at once (see the walk)
    Step("report sales", ("report", "sales", "--from", "2026-11-23", "--by", "hour"), "command", None),
    Step("driver cash", ("driver", "cash", "Dave"), "command", None),
    Step("tips owed", ("tips", "owed"), "command", None),
    Step("tips payroll", ("tips", "payroll", "--from", "2026-11-23"), "command", None),
    Step("tips records", ("tips", "records", "--from", "2026-11-23"), "command", None),
    Step("day close", ("day", "close", "--day", "2026-11-23", "--count", "1=105.00", "--count", "2=50",
                       "--carry-over", "--force", "--end-shifts"), "day closed", "2026-11-23",
         changed={"closed": (False, True)}),
    Step("day reopen", ("day", "reopen", "--day", "2026-11-23", "--approve", "Maria"), "day reopened", "2026-11-23",
         stdin="258036\n", changed={"closed": (True, False)}),
    Step("ledger archive", ("ledger", "archive", "--from", "2026-11-23", "--to", "2026-11-23", "--out", "{archive}"),
         "command", None),
]
"""The walk, in order; {menu} and {entry} are filled in as it goes."""


def events(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in conn.execute(
            "SELECT a.*, s.name FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id ORDER BY a.id")]
    finally:
        conn.close()


@pytest.fixture
def walk(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """Sign-in on and Tony the owner signed in; Kim (server) and Dave (driver) on shift; drawer 1 open with $200.

    Orders: #1 open (a pizza), #2 a delivery waiting, #3 and #4 open, #5 out with Dave, #6 paid with a
    $2.00 tip for Kim, #7 paid with $3.00 for the pool; the walk rings #8.
    """
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    (tmp_path / "menu.csv").write_text("sku,name,price\nPIZZA-M,Margherita 12in,13.00\n")
    with freeze_time(MORNING):
        for name, role, pin in (("Tony", "owner", "258036"), ("Maria", "manager", "258036"),
                                ("Kim", "server", "2580"), ("Dave", "driver", "2580")):
            add_staff(store, name, role, pin)
        for name in ("Kim", "Dave"):
            start_shift(store, name)
        add_staff(store, "Lee", "cashier", "2580")
        for _ in range(5):  # Lee is locked out after five wrong PINs
            with pytest.raises(NotAllowed):
                verify_pin(store, "Lee", "3691")
        open_drawer(store, 1, "200")
        for channel in ("counter", "delivery", "counter", "counter", "delivery", "counter", "counter"):
            order = new_order(store, channel, address="4 Elm Street" if channel == "delivery" else None)
            add_line(store, order.id, "SODA" if order.number == 5 else "PIZZA-M")
        cod.dispatch(store, 5, "Dave")
        service.pay(store, 6, "cash", "20", tip_minor=200, tip_to="Kim")
        service.pay(store, 7, "cash", "20", tip_minor=300, tip_to="pool")
    config.set_option(store, "signin.required", "yes")
    config.set_option(store, "signin.minutes", "600")
    cli = Cli(store.path)
    with freeze_time(NOON):
        cli.ok("login", "Tony", input="258036\n")
    return cli


def filled(argv: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) for arg in argv]


@freeze_time(NOON)
def test_every_sensitive_act_leaves_who_where_what_and_before_and_after(walk: Cli, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    conn = sqlite3.connect(walk.path)  # a sale's entry (the entries of money with its own command are not reversed)
    sale = conn.execute("SELECT min(id) FROM journal_entries WHERE source_kind = 'order'").fetchone()[0]
    conn.close()
    values = {"menu": str(tmp_path / "menu.csv"), "entry": str(sale), "archive": str(tmp_path / "books.archive")}
    # pos serve runs until stopped: here its server returns at once, with a secret and a key to start with.
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    for step in STEPS:
        if step.command == "serve":
            monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_walk")
            monkeypatch.setenv("STRIPE_API_KEY", "sk_test_walk")  # only for it: no other step may reach Stripe
        if step.register == 2:  # a sign-in holds for one register: Tony signs in at register 2 for it
            walk.ok("login", "Tony", "--register", "2", input="258036\n")
        seen = len(events(walk.path))
        walk.ok(*filled(step.argv, values), input=step.stdin)
        for name in ("STRIPE_WEBHOOK_SECRET", "STRIPE_API_KEY"):
            monkeypatch.delenv(name, raising=False)
        if step.register == 2:
            walk.ok("login", "Tony", "--register", "1", input="258036\n")
        new = events(walk.path)[seen:]
        kinds = [e for e in new if e["action"] == step.event]
        assert kinds, (step.command, [e["action"] for e in new])
        if step.target is None:
            event = kinds[-1]
        else:
            target = step.target.format(**values)
            matching = [e for e in kinds if e["detail"].get("target") == target]
            assert matching, (step.command, target, [e["detail"] for e in kinds])
            event = matching[-1]
            assert "before" in event["detail"] and "after" in event["detail"], (step.command, event["detail"])
        assert event["name"] == "Tony", (step.command, event)
        assert event["terminal"], (step.command, "no terminal")
        if step.register is not None:
            assert event["register"] == step.register, (step.command, event)
        if step.event == "command":
            assert event["detail"]["command"] == f"pos {step.command}", event
            assert "arguments" in event["detail"]
        else:
            assert event["detail"]["command"] == f"pos {step.command}", event
        for key, (before, after) in (step.changed or {}).items():
            was = (event["detail"]["before"] or {}).get(key)
            now = (event["detail"]["after"] or {}).get(key)
            assert (was, now) == (before, after), (step.command, key, event["detail"])


def test_the_walk_covers_every_command_that_needs_a_permission() -> None:
    import cli

    walked = {step.command for step in STEPS}
    assert set(cli.COMMAND_ACTIONS) - walked == set()


@freeze_time(NOON)
def test_pos_audit_shows_money_in_the_stores_format_and_changes_as_before_and_after(
        walk: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one event to a line, to read it whole
    walk.ok("item", "edit", "SODA", "--price", "0.01")
    walk.ok("drawer", "paid-out", "15", "--reason", "ice")
    shown = walk.ok("audit", "--json").stdout
    assert "price_minor" in shown  # the JSON keeps the numbers
    table = walk.ok("audit").stdout
    text = " ".join(table.replace("│", " ").split())
    assert "$2.49 -> $0.01" in text and "$15.00" in text and "$232.22 -> $217.22" in text, table
    assert "price_minor" not in table and "1415" not in table


@freeze_time(NOON)
def test_a_days_close_and_reopening_are_in_that_days_trail(walk: Cli) -> None:
    walk.ok("day", "close", "--count", "1=200", "--carry-over", "--force", "--end-shifts")
    walk.ok("day", "reopen", "--day", "2026-11-23", "--approve", "Maria", input="258036\n")
    kinds = [e["action"] for e in events(walk.path) if e["business_day"] == "2026-11-23"]
    assert "day closed" in kinds and "day reopened" in kinds
