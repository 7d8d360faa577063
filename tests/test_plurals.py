"""Counts before nouns are in the right number in every message: "1 order", never "1 orders".

Each message that counts something goes through ``pos.base.words.counted``; the tests ring the count of
one, where a hard-coded plural shows, and a scan of commands/ and pos/ keeps "(s)" and hand-made
``'s' if n != 1`` plurals from coming back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from freezegun import freeze_time

from conftest import Cli
from pos.store import config
from pos.base.errors import NotAllowed
from pos.people.staff import add_staff
from pos.people.pin_tries import verify_pin
from pos.store.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


def test_the_day_report_counts_one_order(cli: Cli) -> None:
    cli.ok("drawer", "open", "--float", "10")
    cli.ok("order", "new")
    cli.ok("order", "add", "1", "SODA")
    cli.ok("pay", "1", "cash", "5")
    assert cli.ok("day", "report").stdout.splitlines()[0].startswith("Z report 2026-01-15: 1 order, average ticket $2.71")


def test_ledger_verify_counts_one_entry(cli: Cli, store: Store) -> None:
    cli.ok("drawer", "open", "--float", "100")  # the float: the journal's one entry
    out = cli.ok("ledger", "verify", "--full").stdout
    assert out.startswith("OK: 1 entry, hash chain intact"), out


def test_an_import_with_one_bad_row(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,name,price\nA-1,Apple,1.00\nB-1,Bread,lots\n")
    result = cli.fails("item", "import", str(path), says="1 bad row, nothing imported")
    assert "row(s)" not in result.output
    path.write_text("sku,name,price,colour\nA-1,Apple,1.00,red\n")
    cli.fails("item", "import", str(path), says="unknown column colour;")


def test_one_discount_and_one_try_left(store: Store, cli: Cli) -> None:
    cli.ok("order", "new")
    cli.ok("order", "add", "1", "PIZZA-M")
    cli.ok("order", "discount", "1", "1", "--reason", "regular")
    cli.fails("order", "undiscount", "1", "2", says="Order #1 has 1 discount: give 1.")
    add_staff(store, "Alice", "cashier", "2580")
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        with pytest.raises(NotAllowed, match=f"\\({left} left\\)"):
            verify_pin(store, "Alice", "0000")


def test_a_sign_in_of_one_minute(store: Store, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.set_option(store, "signin.minutes", "1")
    add_staff(store, "Alice", "cashier", "2580")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    assert "Alice is signed in on this terminal for 1 minute." in cli.ok("login", "Alice", input="2580\n").stdout


def test_words_themselves() -> None:
    from pos.base.words import counted

    assert [counted(n, "entry") for n in (0, 1, 2)] == ["0 entries", "1 entry", "2 entries"]
    assert counted(1, "try") == "1 try" and counted(3, "try") == "3 tries"


def test_no_message_in_commands_or_pos_makes_its_own_plural() -> None:
    """'(s)' after a noun, or a plural built by hand from a count: they go through pos.base.words.counted."""
    made_by_hand = re.compile(r"[a-z]\((?:s|es)\)(?=[\s:.,;!?\"'])|\{'s' if [^}]*!= ?1|\{\"s\" if [^}]*!= ?1")
    found = []
    for folder in ("commands", "pos"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if made_by_hand.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []

