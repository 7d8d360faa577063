"""Failures of the operating system under a command: one ``error:`` line, exit 1, nothing written.

Numbers beyond what SQLite can hold, days beyond what the calendar code can compute with,
output files in missing folders, paths too long for the system, an export over an existing
file; and the safety net at the error boundary for an OSError nobody foresaw (which must not
hide a real bug: anything else still shows its traceback).  Files the CLI writes are written
whole: a failure half way leaves no file and no ``.part`` behind.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from freezegun import freeze_time

from pos.store import config
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.conftest import Cli

NOON = "2026-11-23 17:00:00"
LONG = "x" * 100_000


@pytest.fixture
def paid(store: Store) -> Store:
    """Order #1 of 2026-11-23, paid cash, so there is a receipt, a journal and a day to report."""
    from payments import service
    from pos.cash.drawer import open_drawer

    with freeze_time(NOON):
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M")
        service.pay(store, order.id, "cash", "20")
    return store


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if "pos.db" not in p.name)


def test_numbers_beyond_sqlite_are_not_found_not_overflow(paid: Store, cli: Cli) -> None:
    huge = "99999999999999999999"
    with freeze_time(NOON):
        cli.fails("ledger", "reverse", huge, "--reason", "x", says=f"No journal entry {huge}")
        for args in (["order", "show", huge], ["void", huge, "--reason", "x"], ["payments", "list", huge],
                     ["order", "add", "9223372036854775808", "SODA"]):
            cli.fails(*args, says="No order #")
        cli.fails("kiosk", "run", huge, says=f"No kiosk {huge}")
        cli.fails("kiosk", "setup", huge, "--unattended", says="too large a number")
        cli.fails("shift", "start", "Nobody", says="No staff")
        cli.fails("order", "show", "²", says="is not an order")  # a digit to Python, not an order number
        cli.fails("day", "close", "--count", "²=5", says="not a drawer count")
        cli.fails("config", "set", "link.expires_after", "²", says="not a link lifetime")
        cli.fails("day", "close", "--count", "100x99999999999999999999", "--force", says="more cash than any drawer")


def test_a_shift_on_a_register_that_cannot_exist_is_refused(paid: Store, cli: Cli) -> None:
    from pos.people.staff import add_staff

    add_staff(paid, "Alice", "cashier", "2580")
    with freeze_time(NOON):
        for register in ("99999999999999999999", "0", "-5"):
            cli.fails("shift", "start", "Alice", "--register", register, says="registers are numbered 1 to 99")


@pytest.mark.parametrize("args", [
    ["ledger", "export", "--from", "0001-01-01"],
    ["ledger", "export", "--to", "9999-12-31"],
    ["ledger", "show", "--day", "0001-01-01"],
    ["order", "list", "--day", "9999-12-31"],
    ["day", "report", "--day", "0001-01-01"],
    ["tips", "payroll", "--from", "0001-01-01"],
])
def test_days_beyond_the_calendar_are_refused(paid: Store, cli: Cli, args: list[str]) -> None:
    with freeze_time(NOON):
        cli.fails(*args, says="too far in the")


@pytest.mark.parametrize("args", [
    ["ledger", "export", "--out", "{missing}/books.beancount"],
    ["receipt", "1", "--pdf", "{missing}/r1.pdf"],
    ["receipt", "1", "--eml", "{missing}/r1.eml"],
    ["day", "report", "--day", "2026-11-23", "--pdf", "{missing}/z.pdf"],
    ["tips", "payroll", "--from", "2026-11-23", "--out", "{missing}/tips.csv"],
])
def test_an_output_in_a_missing_folder_is_one_line(paid: Store, cli: Cli, tmp_path: Path, args: list[str]) -> None:
    before = files(tmp_path)
    with freeze_time(NOON):
        result = cli.fails(*[a.format(missing=tmp_path / "no-such-folder") for a in args], says="No folder")
    assert "no-such-folder" in result.output and "create it first" in result.output
    assert files(tmp_path) == before


@pytest.mark.parametrize("args", [
    ["ledger", "export", "--out", LONG],
    ["receipt", "1", "--pdf", LONG],
    ["day", "report", "--day", "2026-11-23", "--pdf", LONG],
    ["tips", "payroll", "--out", LONG],
    ["item", "import", LONG],
    ["ledger", "export", "--out", "n" * 300],  # one name longer than a folder entry may be
])
def test_a_path_too_long_is_one_line(paid: Store, cli: Cli, tmp_path: Path, args: list[str]) -> None:
    before = files(tmp_path)
    with freeze_time(NOON):
        result = cli.fails(*args, says="too long")
    assert LONG not in result.output and len(result.output) < 400  # the path is not echoed in full
    assert files(tmp_path) == before


def test_a_store_path_too_long_is_one_line(tmp_path: Path) -> None:
    for args in (["order", "list"], ["init", "--name", "Shop"]):
        result = Cli(tmp_path / LONG)(*args)
        assert result.exit_code == 1 and result.output.startswith("error: "), result.output
        assert "too long" in result.output and "--db" in result.output and LONG not in result.output
    assert files(tmp_path) == []


def test_ledger_export_never_overwrites_without_force(paid: Store, cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "books.csv"
    target.write_text("my own notes\n")
    with freeze_time(NOON):
        result = cli.fails("ledger", "export", "--format", "csv", "--out", str(target), says="already exists")
        assert "--force" in result.output and "nothing was overwritten" in result.output
        assert target.read_text() == "my own notes\n"
        cli.ok("ledger", "export", "--format", "csv", "--out", str(target), "--force")
        cli.fails("ledger", "export", "--force", says="--force is for a file written with --out")
    assert target.read_text().startswith("entry_id,business_day")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("pos.db")) == ["books.csv"]


def test_a_file_that_fails_half_way_leaves_nothing(paid: Store, cli: Cli, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up in the middle of an export: one line, no file, no .part; the old file kept."""
    from pos.books import export

    def full(store: Store, fmt: object, out: object, **kwargs: object) -> int:
        out.write("half an export\n")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "export_ledger", full)
    target = tmp_path / "books.beancount"
    with freeze_time(NOON):
        result = cli.fails("ledger", "export", "--out", str(target), says="the disk is full")
        assert "nothing was written" in result.output
        assert not target.exists()
        target.write_text("last month's\n")
        cli.fails("ledger", "export", "--out", str(target), "--force", says="the disk is full")
    assert target.read_text() == "last month's\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_receipt_folder_that_went_away_does_not_fail_the_payment(store: Store, cli: Cli, tmp_path: Path) -> None:
    from pos.cash.drawer import open_drawer

    folder = tmp_path / "receipts"
    folder.mkdir()
    config.set_option(store, "receipt.folder", str(folder))
    folder.rmdir()
    with freeze_time(NOON):
        open_drawer(store, 1, "100")
        order = new_order(store, "counter")
        add_line(store, order.id, "SODA")
        result = cli.ok("pay", "1", "cash", "5", "--json")
    assert "warning: the receipt was not saved" in result.output and "pos receipt 1 --pdf FILE" in result.output
    assert json.loads(result.stdout)["order_paid"] is True  # the sale stands
    assert not folder.exists()


@pytest.mark.parametrize(("code", "says"), [
    (errno.ENOENT, "No such file or folder: /x/y.txt"),
    (errno.ENAMETOOLONG, "That path is too long"),
    (errno.EACCES, "Cannot use /x/y.txt: permission denied"),
    (errno.EPERM, "permission denied"),
    (errno.EROFS, "Cannot write /x/y.txt: the disk is read-only"),
    (errno.ENOSPC, "The disk is full (/x/y.txt): free some space"),
    (errno.EIO, "The disk reported an error (/x/y.txt)"),
])
def test_the_safety_net_makes_any_oserror_one_line(store: Store, cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                   code: int, says: str) -> None:
    import pos.sales.orders

    def fails(*args: object, **kwargs: object) -> None:
        raise OSError(code, "as the system says it", "/x/y.txt")

    monkeypatch.setattr(pos.sales.orders, "list_orders", fails)
    result = cli.fails("order", "list", says=says)
    assert result.output.count("\n") == 1


def test_the_safety_net_hides_no_bug(store: Store, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import pos.sales.orders

    def bug(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(pos.sales.orders, "list_orders", bug)
    result = cli("order", "list")
    assert isinstance(result.exception, KeyError) and "error:" not in result.output


def sqlite_error(code: int, name: str) -> Exception:
    import sqlite3

    exc = sqlite3.OperationalError(name.lower())
    exc.sqlite_errorcode, exc.sqlite_errorname = code, name  # as SQLite sets them
    return exc


def test_a_disk_failure_sqlite_reports_outside_a_change_is_one_line(store: Store, cli: Cli,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import pos.sales.orders

    def fails(*args: object, **kwargs: object) -> None:
        raise sqlite_error(266, "SQLITE_IOERR_READ")

    monkeypatch.setattr(pos.sales.orders, "list_orders", fails)
    result = cli.fails("order", "list", says="The disk failed under")
    assert "SQLITE_IOERR_READ" in result.output and "look (pos order list" in result.output


def test_any_other_sqlite_error_is_a_bug_and_shows(store: Store, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import pos.sales.orders

    def fails(*args: object, **kwargs: object) -> None:
        raise sqlite_error(1, "SQLITE_ERROR")

    monkeypatch.setattr(pos.sales.orders, "list_orders", fails)
    result = cli("order", "list")
    assert type(result.exception).__name__ == "OperationalError" and "error:" not in result.output
