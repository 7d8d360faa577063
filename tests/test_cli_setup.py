"""CLI: ``pos init``, choosing the store file (--db / POS_DB / ./pos.db), ``pos --help`` and ``pos demo``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from pos.store.store import Store

from conftest import Cli, snapshot


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- pos init: good paths ------------------------------------------------------------


def test_init_creates_store_with_every_setting(bare_cli: Cli) -> None:
    result = bare_cli.ok(
        "init", "--name", "Tony's Pizza", "--currency", "eur", "--locale", "de-DE",
        "--timezone", "Europe/Berlin", "--tax-included", "--tax-rate", "19",
        "--day-rollover", "5:30", "--address", "12  Main   Street",
    )
    assert result.stdout.startswith(f"Created Tony's Pizza at {bare_cli.path} (EUR, de_DE, Europe/Berlin, ")
    assert "prices inclusive of tax, day rolls over at 05:30" in result.stdout
    with Store.open(bare_cli.path) as store:
        s = store.settings
        assert s.as_dict() == {
            "name": "Tony's Pizza",
            "address": "12 Main Street",
            "currency": "EUR",
            "locale": "de_DE",
            "timezone": "Europe/Berlin",
            "tax_mode": "inclusive",
            "day_rollover": "05:30",
            "training": "False",
        }
        assert s.training is False
    taxes = json.loads(bare_cli.ok("tax", "list", "--json").stdout)
    assert [{k: t[k] for k in ("code", "name", "rate_percent", "effective_from")} for t in taxes] == [
        {"code": "standard", "name": "Standard", "rate_percent": "19", "effective_from": None}]


def test_init_defaults(bare_cli: Cli) -> None:
    bare_cli.ok("init", "--name", "Corner Shop", "--timezone", "UTC")
    with Store.open(bare_cli.path) as store:
        s = store.settings
        assert (s.currency, s.locale, s.tax_mode.value, s.day_rollover, s.address) == (
            "USD", "en_US", "exclusive", "04:00", ""
        )
    taxes = json.loads(bare_cli.ok("tax", "list", "--json").stdout)
    assert [{k: t[k] for k in ("code", "name", "rate_percent", "effective_from")} for t in taxes] == [
        {"code": "standard", "name": "Standard", "rate_percent": "0", "effective_from": None}]


def test_init_json_output(bare_cli: Cli) -> None:
    result = bare_cli.ok(
        "init", "--name", "Tony's Pizza", "--timezone", "America/New_York", "--tax-rate", "8.875", "--json"
    )
    data = json.loads(result.stdout)
    assert data == {
        "db": str(bare_cli.path.resolve()),
        "name": "Tony's Pizza",
        "address": "",
        "currency": "USD",
        "locale": "en_US",
        "timezone": "America/New_York",
        "tax_mode": "exclusive",
        "day_rollover": "04:00",
        "training": False,
        "recovery_code": data["recovery_code"],  # shown this once (tests/test_recovery.py)
        "key_file": data["key_file"],  # the closing key, outside the store (tests/test_closings.py)
        "key_fingerprint": data["key_fingerprint"],
    }
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", data["recovery_code"])
    assert bare_cli.path.exists()


def test_init_refuses_an_existing_store_and_leaves_it_alone(cli: Cli) -> None:
    before = snapshot(cli.path)
    assert before is not None
    result = cli.fails("init", "--name", "Other", "--timezone", "UTC", says="already exists")
    assert "untouched" in result.output
    assert snapshot(cli.path) == before
    assert json.loads(cli.ok("item", "list", "--json").stdout)[0]["sku"] == "PIZZA-M"


def test_init_twice_on_the_same_path(bare_cli: Cli) -> None:
    bare_cli.ok("init", "--name", "First", "--timezone", "UTC", "--tax-rate", "5")
    before = snapshot(bare_cli.path)
    bare_cli.fails("init", "--name", "Second", "--timezone", "UTC", "--tax-rate", "7", says="already exists")
    assert snapshot(bare_cli.path) == before
    with Store.open(bare_cli.path) as store:
        assert store.settings.name == "First"


def test_init_refuses_a_missing_folder(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "nope" / "pos.db")
    cli.fails("init", "--name", "X", "--timezone", "UTC", says="does not exist")
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--currency", "ZZZ", "Unknown currency 'ZZZ'"),
        ("--currency", "dollars", "currency"),
        ("--locale", "zz_ZZ", "unknown locale 'zz_ZZ'"),
        ("--timezone", "Mars/Olympus_Mons", "unknown time zone"),
        ("--timezone", "../../etc/passwd", "unknown time zone"),
        ("--day-rollover", "25:00", "day rollover '25:00' is not a time of day"),
        ("--day-rollover", "noon", "HH:MM"),
        ("--day-rollover", "04:60", "HH:MM"),
        ("--name", "", "store name is empty"),
        ("--name", "   ", "store name is empty"),
        ("--name", "x" * 81, "longer than 80"),
        ("--tax-rate", "abc", "'abc' is not a tax rate"),
        ("--tax-rate", "101", "between 0 and 100"),
        ("--tax-rate", "-1", "between 0 and 100"),
        ("--tax-rate", "8.87512", "more than 4 decimals"),
    ],
)
def test_init_bad_setting_is_one_line_and_creates_no_file(
    bare_cli: Cli, tmp_path: Path, option: str, value: str, says: str
) -> None:
    options = {"--name": "Tony's Pizza", "--timezone": "America/New_York"}
    options[option] = value
    args = [part for pair in options.items() for part in pair]
    result = bare_cli.fails("init", *args, says=says)
    assert result.output.count("\n") == 1  # one line
    assert not bare_cli.path.exists()
    assert _files(tmp_path) == []  # no -wal / -shm either


# -- choosing the store file ----------------------------------------------------------


@pytest.mark.parametrize("command", [("item", "list"), ("order", "new"), ("staff", "list"), ("tax", "add", "food", "5")])
def test_command_on_missing_store_says_run_init(bare_cli: Cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    result = bare_cli.fails(*command, says="run 'pos init'")
    assert str(bare_cli.path) in result.output
    assert _files(tmp_path) == []


def test_pos_db_env_var_chooses_the_store(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    runner = CliRunner(env={"POS_DB": str(path)})
    result = runner.invoke(app, ["init", "--name", "Env Store", "--timezone", "UTC", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["db"] == str(path.resolve())
    assert _files(tmp_path) == ["env.db"]

    result = runner.invoke(app, ["item", "add", "TEA", "Tea", "1.20"])
    assert result.exit_code == 0, result.output
    with Store.open(path) as store:
        assert [r["sku"] for r in store.all("SELECT sku FROM items")] == ["TEA"]


def test_pos_db_env_var_on_existing_store(cli: Cli) -> None:
    result = CliRunner(env={"POS_DB": str(cli.path)}).invoke(app, ["item", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert [i["sku"] for i in json.loads(result.stdout)] == ["PIZZA-M", "SODA"]


def test_db_option_wins_over_pos_db(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    runner = CliRunner(env={"POS_DB": str(missing)})
    result = runner.invoke(app, ["--db", str(cli.path), "item", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 2
    assert not missing.exists()


def test_default_store_is_pos_db_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POS_DB", raising=False)
    result = CliRunner().invoke(app, ["init", "--name", "Here", "--timezone", "UTC"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pos.db").exists()


# -- help ------------------------------------------------------------------------


def test_help_groups_commands_by_job() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    out = result.output
    start, cashier, owner = out.index("Getting started"), out.index("Cashier"), out.index("Owner")
    assert start < cashier < owner

    def commands(section: str) -> set[str]:
        words = {line.strip("│ ").split(" ")[0] for line in section.splitlines()}
        return words & {"init", "demo", "order", "shift", "item", "tax", "staff"}

    assert commands(out[start:cashier]) == {"init", "demo"}
    assert commands(out[cashier:owner]) == {"order", "shift"}
    assert commands(out[owner:]) == {"item", "tax", "staff"}


def test_no_arguments_shows_help() -> None:
    result = CliRunner().invoke(app, [])
    assert "Getting started" in result.output
    assert "Usage" in result.output


# -- pos demo ----------------------------------------------------------------------


def test_demo_in_a_new_folder(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, (result.output, result.exception)
    db = (folder / "pos.db").resolve()
    assert db.exists()
    lines = result.stdout.splitlines()
    assert lines[0] == f"Demo store: {db}"
    files = lines[lines.index("Files:") + 1 :]
    assert f"  menu (CSV imported): {(folder / 'menu.csv').resolve()}" in files
    assert f"  store: {db}" in files
    assert lines[-1].startswith(f"Try: pos --db {db} order list --day ")
    assert "Imported the menu: 7 items." in result.stdout

    # The store really holds the day the demo told about.
    day = lines[-1].rsplit(" ", 1)[1]
    orders = json.loads(Cli(db).ok("order", "list", "--day", day, "--json").stdout)
    assert [(o["number"], o["channel"], o["status"]) for o in orders] == [
        (1, "counter", "paid"),
        (2, "phone", "paid"),
        (3, "delivery", "paid"),
        (4, "delivery", "paid"),
        (5, "kiosk", "paid"),
        (6, "kiosk", "paid"),
        (7, "phone", "paid"),
        (8, "counter", "paid"),
        (9, "counter", "voided"),
        (10, "counter", "paid"),
    ]


def test_demo_json(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    db = (folder / "pos.db").resolve()
    assert data["db"] == str(db)
    label = "closing key (in the demo's folder: a real store keeps its key apart)"
    key = Path(data["files"][label])
    assert key.parent == (folder / "keys").resolve() and key.suffix == ".ed25519"  # a demo's is in its own folder
    assert data["files"] == {
        label: str(key),
        "menu (CSV imported)": str((folder / "menu.csv").resolve()),
        "books (beancount)": str((folder / "books.beancount").resolve()),
        "books (hledger)": str((folder / "books.journal").resolve()),
        "Z report (JSON)": str((folder / "z-report.json").resolve()),
        "receipts (PDF, one per tender)": str((folder / "receipts").resolve()),
        "Z report (PDF)": str((folder / "z-report.pdf").resolve()),
        "store": str(db),
    }
    assert any("$100 bill" in line for line in data["story"])
    assert len(data["business_day"]) == 10  # YYYY-MM-DD


def test_demo_in_an_empty_existing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    folder.mkdir()
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert _files(folder) == ["books.beancount", "books.journal", "keys", "menu.csv", "pos.db", "receipts",
                              "z-report.json", "z-report.pdf"]


def test_demo_twice_in_the_same_folder_refuses_and_touches_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--dir", str(folder)]).exit_code == 0
    db = folder / "pos.db"
    before = snapshot(db)
    menu = (folder / "menu.csv").read_bytes()
    listing = _files(folder)

    result = runner.invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ")
    assert "already has files" in result.output
    assert "Traceback" not in result.output
    assert snapshot(db) == before
    assert (folder / "menu.csv").read_bytes() == menu
    assert _files(folder) == listing


def test_demo_refuses_a_folder_with_someone_elses_files(tmp_path: Path) -> None:
    folder = tmp_path / "D"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["demo", "--dir", str(folder)])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert _files(folder) == ["notes.txt"]


def test_demo_without_dir_picks_a_fresh_folder_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert _files(tmp_path) == ["anytender-demo"]
    before = snapshot(tmp_path / "anytender-demo" / "pos.db")

    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.output
    assert _files(tmp_path) == ["anytender-demo", "anytender-demo-2"]
    assert (tmp_path / "anytender-demo-2" / "pos.db").exists()
    assert second.stdout.splitlines()[0] == f"Demo store: {(tmp_path / 'anytender-demo-2' / 'pos.db').resolve()}"
    assert snapshot(tmp_path / "anytender-demo" / "pos.db") == before


def test_demo_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("precious")
    result = CliRunner().invoke(app, ["demo", "--dir", str(target)])
    assert result.exit_code == 1
    assert result.output.startswith("error: "), (result.output, result.exception)
    assert target.read_text() == "precious"


def test_init_whole_number_tax_rate_is_shown_plainly(bare_cli: Cli) -> None:
    bare_cli.ok("init", "--name", "UK Cafe", "--currency", "GBP", "--locale", "en_GB",
                "--timezone", "Europe/London", "--tax-included", "--tax-rate", "20")
    taxes = json.loads(bare_cli.ok("tax", "list", "--json").stdout)
    assert taxes[0]["rate_percent"] == "20"
