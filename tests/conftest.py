"""Shared fixtures: a fresh store per test, a CLI runner bound to it, and a
snapshot of the whole database for "nothing was written" checks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import pytest
from typer.testing import CliRunner

from cli import app
from pos.store.store import Store


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``ANYTENDER_HYPOTHESIS_MAX_EXAMPLES=N`` caps every property test at N examples (its other settings kept).
    CI's runs with the clock moved set it: they show that no outcome depends on the date, for which a few
    examples of each property serve as well as hundreds; the first run explores the inputs in full."""
    cap = os.environ.get("ANYTENDER_HYPOTHESIS_MAX_EXAMPLES")
    if not cap:
        return
    from hypothesis import settings

    for item in items:
        test = getattr(item, "obj", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None and current.max_examples > int(cap):
            test._hypothesis_internal_use_settings = settings(current, max_examples=int(cap))  # type: ignore[union-attr]

if TYPE_CHECKING:
    from tests.fake_stripe import FakeStripe

ZONE = "America/New_York"


@pytest.fixture(autouse=True, scope="session")
def _own_state_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What pos keeps between commands (sign-ins, warnings given, closing keys) goes in folders of the test run's,
    never ~."""
    import os

    names = ("XDG_STATE_HOME", "XDG_DATA_HOME", "POS_KEY_FILE", "POS_TERMINAL_KEY")
    old = {name: os.environ.get(name) for name in names}
    os.environ["POS_TERMINAL_KEY"] = "7e" * 24  # the test run's shell's own key (commands.signin): sign-ins work
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("xdg-state"))
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))  # closing keys: never the real ~
    os.environ.pop("POS_KEY_FILE", None)
    yield
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _cheap_pin_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A PIN hash at today's cost takes ~150 ms: tests hash cheaply (a stored hash carries its own cost, so
    checks still work).  Tests of the cost itself use ``pos.people.pins.PIN_COST``."""
    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", 2**4)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pos.db"


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[Callable[..., Store]]:
    """Factory: ``make_store(currency="KRW", tax_included=True, ...)`` -> open Store."""
    from pos.opening.setup import init_store

    opened: list[Store] = []

    def make(name: str = "pos.db", **kwargs: object) -> Store:
        options: dict[str, object] = {
            "name": "Test Pizza",
            "currency": "USD",
            "locale": "en_US",
            "timezone": ZONE,
            "tax_rate": "8.875",
        }
        options.update(kwargs)
        store = init_store(tmp_path / name, **options)  # type: ignore[arg-type]
        # Its closing key is made at its first close, in the test's own folder (as for a store from before keys).
        from pos.base.secret_files import KeyLocation

        store.keys = KeyLocation(folder=tmp_path / "keys")
        # Most tests are about something else than who is signed in; tests/test_signin.py turns it on.
        with store.write() as conn:
            conn.execute("INSERT INTO settings(key, value) VALUES ('signin.required', 'no')")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[..., Store]) -> Store:
    """A USD, tax-exclusive store (8.875% standard) with a small menu."""
    from pos.store.catalog import add_item

    s = make_store()
    add_item(s, "PIZZA-M", "Margherita 12in", "12.50")
    add_item(s, "SODA", "Soda 20oz", "2.49")
    return s


class Cli:
    """Runs ``pos --db <path> ...`` in-process and keeps the result."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):  # noqa: A002 - click's name
        return self.runner.invoke(app, ["--db", str(self.path), *args], input=input)

    def ok(self, *args: str, input: str | None = None):  # noqa: A002
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def fails(self, *args: str, input: str | None = None, says: str = "", audited: bool = False):  # noqa: A002
        """Run a command that must be refused: exit 1, one-line error, no traceback, nothing written.

        ``audited``: a control refused it, so the refusal itself is in the audit trail (one new
        'refused' event, saying why), and nothing else was written.
        """
        before = snapshot(self.path, ("audit_log",) if audited else ())
        refusals = refused_events(self.path) if audited else []
        result = self(*args, input=input)
        assert result.exit_code == 1, (result.output, result.exception)
        assert "Traceback" not in result.output
        if "--json" in args:  # under --json the error is JSON too
            import json

            error = json.loads(result.stderr)
            assert set(error) == {"error", "code"} and result.stderr.count("\n") == 1, result.stderr
            assert says.lower() in error["error"].lower(), result.stderr
        else:
            assert result.output.startswith("error: "), result.output
            assert says.lower() in result.output.lower(), result.output
        assert snapshot(self.path, ("audit_log",) if audited else ()) == before, "a refused command changed the store"
        if audited:
            new = refused_events(self.path)[len(refusals):]
            assert len(new) == 1 and new[0]["why"] in result.output, (new, result.output)
        return result


def snapshot(path: Path, except_tables: tuple[str, ...] = ()) -> list[str] | None:
    """Everything in the database, as SQL text (None when there is no file).

    ``except_tables``: leave these tables' rows out (a wrong PIN is refused, yet the
    audit trail and the person's failed-PIN count must record it).
    """
    if not path.exists():
        return None
    conn = sqlite3.connect(path)
    try:
        return leave_out(list(conn.iterdump()), except_tables)
    finally:
        conn.close()


def leave_out(lines: list[str], tables: tuple[str, ...]) -> list[str]:
    """A snapshot's lines without the rows of ``tables``, and without the control log's versions of them
    (pos.store.chains keeps every version of a control row: those go with the rows)."""
    if not tables:
        return lines
    skipped = tuple(f'INSERT INTO "{table}"' for table in tables)
    logged = tuple(f"INSERT INTO \"control_log\" VALUES(%,'{table}',%" for table in tables)
    return [line for line in lines if not line.startswith(skipped) and not any(_like(line, p) for p in logged)]


def _like(line: str, pattern: str) -> bool:
    """``line`` starts as ``pattern`` says, ``%`` standing for a run of digits (a control log entry's id)."""
    head, _, tail = pattern.partition("%")
    if not line.startswith(head):
        return False
    rest = line[len(head):].lstrip("0123456789")
    return rest.startswith(tail.rstrip("%"))


def without_refusals(lines: list[str] | None) -> list[str] | None:
    """A snapshot without the audit trail's 'refused' events: what a refusal of a control may write."""
    if lines is None:
        return None
    return [line for line in lines if not (line.startswith('INSERT INTO "audit_log"') and ",'refused','" in line)
            and not (line.startswith('INSERT INTO "control_log"') and ",'audit_log'," in line
                     and '"action":"refused"' in line)]


def refused_events(path: Path) -> list[dict[str, str]]:
    """The details of the audit trail's 'refused' events (what was asked, why not), oldest first."""
    import json

    conn = sqlite3.connect(path)
    try:
        return [json.loads(row[0]) for row in conn.execute("SELECT detail FROM audit_log WHERE action = 'refused' "
                                                           "ORDER BY id")]
    finally:
        conn.close()


PIN_RECORDS = ("audit_log", "staff", "place_tries")
"""What a wrong PIN writes: the audit trail, and the person's count of failed PINs (or the place's: a kiosk's, the
recovery code's)."""


@pytest.fixture
def cli(store: Store) -> Cli:
    """A CLI bound to the ``store`` fixture's file."""
    return Cli(store.path)


@pytest.fixture
def bare_cli(db_path: Path) -> Cli:
    """A CLI bound to a path where no store exists yet."""
    return Cli(db_path)


@pytest.fixture
def cli_for():
    """``cli_for(store)``: a CLI bound to any store's file."""
    return lambda store: Cli(store.path)


# -- Stripe: the real SDK against the fake API on 127.0.0.1 ---------------------------


@pytest.fixture
def fake() -> Iterator["FakeStripe"]:
    from pos.base import faults
    from tests.fake_stripe import FakeStripe

    server = FakeStripe().start()
    yield server
    server.stop()
    faults.clear()


@pytest.fixture
def shop(store: Store, fake: "FakeStripe") -> Store:
    """A store that takes cards through the fake Stripe, with reader tmr_FAKE01 and drawer 1 open."""
    from payments.stripe.gateway import StripeSettings
    from pos.store import config
    from pos.cash.drawer import open_drawer

    settings = StripeSettings("sk_test_fake", fake.base, connect_timeout_s=1, read_timeout_s=2, max_retries=1)
    store.memo["stripe_settings"] = lambda: settings
    config.set_option(store, "stripe.reader", "tmr_FAKE01")
    open_drawer(store, 1, "100")
    return store
