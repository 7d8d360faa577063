"""`pos ledger ...`: show, balances, verify, reverse, export, and their bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos.sales.orders import add_line, mark_paid, new_order
from pos.store.store import Store


@pytest.fixture
def sold(store: Store) -> Store:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M", 2)
    mark_paid(store, order.id)
    return store


def test_show_and_balances(sold: Store, cli) -> None:
    shown = json.loads(cli.ok("ledger", "show", "--json").output)
    assert len(shown) == 1 and shown[0]["memo"] == "Sale #1 (counter)"
    assert [p["amount_minor"] for p in shown[0]["postings"]] == [2722, -2500, -222]
    day = shown[0]["business_day"]
    assert json.loads(cli.ok("ledger", "show", "--day", "2001-01-01", "--json").output) == []
    assert len(json.loads(cli.ok("ledger", "show", "--source", shown[0]["source_id"], "--json").output)) == 1
    balances = json.loads(cli.ok("ledger", "balances", "--day", day, "--account", "income", "--json").output)
    assert balances == [{"account": "income:sales", "currency": "USD", "amount_minor": -2500}]
    assert "$27.22" in cli.ok("ledger", "balances").output


def test_verify_ok_then_broken(sold: Store, cli) -> None:
    assert "OK: 1 entry" in cli.ok("ledger", "verify").output
    conn = sold.conn
    conn.execute("DROP TRIGGER journal_no_update")
    conn.execute("UPDATE journal_entries SET memo = 'edited' WHERE id = 1")
    result = cli("ledger", "verify")
    assert result.exit_code == 1
    assert "entry 1 was changed" in result.output


def test_verify_from_the_last_close_or_full(sold: Store, cli) -> None:
    from datetime import date

    from pos.books import ledger

    with sold.write() as conn:  # a close's record, as close_day leaves it (its head: entry 1)
        close_id = int(conn.execute("INSERT INTO day_closes(business_day, closed_at, summary) "
                                    "VALUES ('2001-01-01', '2001-01-02T09:00:00Z', '{}')").lastrowid or 0)
        ledger.record_close(sold, date(2001, 1, 1), close_id)
    assert json.loads(cli.ok("ledger", "verify", "--json").output) == {
        "entries": 0, "since": 1, "control_entries": sold.scalar("SELECT count(*) FROM control_log"), "closings": 0, "anchors": 0, "ok": True, "problem": None,
        "notices": []}
    assert "OK: 0 entries after entry 1 (the last close's head)" in cli.ok("ledger", "verify").output
    assert "OK: 1 entry, hash chain intact" in cli.ok("ledger", "verify", "--full").output


def test_reverse(sold: Store, cli) -> None:
    out = json.loads(cli.ok("ledger", "reverse", "1", "--reason", "wrong order", "--json").output)
    assert out["reverses"] == 1 and out["id"] == 2
    cli.fails("ledger", "reverse", "1", "--reason", "again", says="already reversed")
    cli.fails("ledger", "reverse", "42", "--reason", "x", says="No journal entry 42")
    cli.fails("ledger", "reverse", "2", says="reason")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ledger", "balances", "--account", "cash"], "Unknown account prefix"),
        (["ledger", "balances", "--account", "assets::cash"], "invalid part"),
        (["ledger", "balances", "--day", "yesterday"], "YYYY-MM-DD"),
        (["ledger", "show", "--day", "2026-13-01"], "YYYY-MM-DD"),
        (["ledger", "export", "--format", "xlsx"], "Unknown format"),
        (["ledger", "export", "--from", "2026-11-23", "--to", "2026-11-01"], "before it starts"),
    ],
)
def test_bad_input(sold: Store, cli, args: list[str], says: str) -> None:
    cli.fails(*args, says=says)


def test_export_to_file_is_whole_or_nothing(sold: Store, cli, tmp_path: Path) -> None:
    target = tmp_path / "books.beancount"
    result = cli.fails("ledger", "export", "--from", "2026-11-23", "--to", "2026-11-01", "--out", str(target), says="before")
    assert not target.exists() and not list(tmp_path.glob(".*.part"))
    cli.ok("ledger", "export", "--format", "hledger", "--out", str(target))
    assert "income:sales" in target.read_text()
    assert not list(tmp_path.glob(".*.part"))
    stdout = cli.ok("ledger", "export", "--format", "csv").output
    assert stdout.splitlines()[0].startswith("entry_id,business_day")
    del result


def test_export_json_report_and_progress_bar_in_a_terminal(sold: Store, cli, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from commands import output as cli_module

    ticks: list[tuple[int, int]] = []

    class Bar:
        def __init__(self, *columns: object, transient: bool) -> None:
            pass

        def start(self) -> None:
            ticks.append((-1, -1))

        def add_task(self, label: str, total: int) -> int:
            return 1

        def update(self, task: int, completed: int) -> None:
            ticks.append((task, completed))

        def stop(self) -> None:
            ticks.append((0, 0))

    import rich.progress

    monkeypatch.setattr(rich.progress, "Progress", Bar)
    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: True, raising=False)
    bar = cli_module.ProgressBar("Exporting")
    with bar as tick:
        tick(1000, 4000)  # short jobs show no bar
        assert ticks == []
        tick(1000, 50_000)
        tick(50_000, 50_000)
    assert ticks == [(-1, -1), (1, 1000), (1, 50_000), (0, 0)]
    target = tmp_path / "b.csv"
    data = json.loads(cli.ok("ledger", "export", "--format", "csv", "--out", str(target), "--json").output)
    assert data == {"entries": 1, "out": str(target.resolve()), "format": "csv"}
    cli.fails("ledger", "export", "--json", says="--out FILE")


def test_reverse_refuses_entries_that_moved_money_with_controls_of_their_own(store: Store, cli) -> None:
    """Issue 24, 8: `pos ledger reverse` of a cash payment's entry moved the drawer while the order stayed paid,
    with no refund, limit or Z report line. Payments, refunds, drawer movements, hand-ins and tips each have their
    own command with its controls: reversing their entries by hand is refused, naming it, and nothing is written."""
    from freezegun import freeze_time

    from pos.books import ledger
    from pos.people.staff import add_staff, start_shift

    with freeze_time("2026-01-15 17:00:00", tick=True):
        add_staff(store, "Dan", "driver", "2580")
        start_shift(store, "Dan")
        cli.ok("drawer", "open", "--float", "100")
        cli.ok("order", "new")
        cli.ok("order", "add", "1", "PIZZA-M")
        cli.ok("pay", "1", "cash", "20")
        cli.ok("refund", "1", "--amount", "1", "--reason", "cold")
        cli.ok("drawer", "paid-out", "5", "--reason", "ice")
        cli.ok("order", "new", "--channel", "delivery", "--address", "12 Elm Street")
        cli.ok("order", "add", "2", "SODA")
        cli.ok("delivery", "dispatch", "2", "--driver", "Dan")
        cli.ok("delivery", "collect", "2", "5", "--tip", "1")
        cli.ok("driver", "handin", "Dan", "2.71")
        add_staff(store, "Cate", "cashier", "1470")
        cli.ok("driver", "receive", "Dan", "2.71", "--counted-by", "Cate", input="1470\n")  # Cate counts it
        kinds = {e.source_kind: e.id for e in ledger.iter_entries(store)}
        says = {"payment": "pos refund", "refund": "a refund", "drawer": "pos drawer", "driver": "pos driver handin",
                "tips": "pos tips"}
        assert set(says) <= set(kinds), kinds
        drawer = ledger.balances(store).get(("assets:cash:drawer:1", "USD"))
        for kind, command in says.items():
            cli.fails("ledger", "reverse", str(kinds[kind]), "--reason", "rang twice", says=command)
        assert ledger.balances(store).get(("assets:cash:drawer:1", "USD")) == drawer
        assert cli.ok("order", "show", "1", "--json")  # still there, still paid
        cli.ok("ledger", "reverse", str(kinds["order"]), "--reason", "rang on the wrong order")
