"""The owner's recovery code (issue 14, rule 7): printed once by ``pos init``, kept only as a salted hash, and
taken by ``pos staff recover`` to unlock an owner and set a new PIN; used up, and replaced at once."""

from __future__ import annotations

import json
import re

import pytest
from freezegun import freeze_time

from pos.store import audit, chains
from pos.people.staff import add_staff, pin_matches
from pos.people.pin_tries import verify_pin
from pos.store.store import Store
from tests.conftest import PIN_RECORDS, Cli, snapshot

NOON = "2026-11-23 17:00:00"
OWNER_PIN, NEW_PIN, THIRD_PIN, MANAGER_PIN = "369147", "714269", "582914", "258036"
CODE = re.compile(r"Owner's recovery code: ([A-Z2-7]{5}(?:-[A-Z2-7]{5}){3})")


@pytest.fixture
def fresh(bare_cli: Cli, tmp_path, monkeypatch) -> tuple[Cli, str]:
    """A store made by ``pos init`` (sign-in on, as a new store is), with Tony (owner) and Maria (manager)."""
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    out = bare_cli.ok("init", "--name", "Tony's Pizza", "--timezone", "UTC").stdout
    match = CODE.search(out)
    assert match, out
    store = Store.open(bare_cli.path)
    try:
        add_staff(store, "Tony", "owner", OWNER_PIN)
        add_staff(store, "Maria", "manager", MANAGER_PIN)
    finally:
        store.close()
    return bare_cli, match.group(1)


def test_init_shows_the_code_once_and_keeps_only_its_hash(fresh: tuple[Cli, str]) -> None:
    cli, code = fresh
    dump = "\n".join(snapshot(cli.path) or [])
    assert code not in dump and code.replace("-", "") not in dump
    assert code not in cli.ok("config", "show").stdout


def test_a_locked_out_owner_recovers_with_the_code_and_a_fresh_one_is_shown(fresh: tuple[Cli, str]) -> None:
    cli, code = fresh
    with freeze_time(NOON) as clock:
        _recovers(cli, code, clock)


def _recovers(cli: Cli, code: str, clock) -> None:
    for _ in range(5):  # Tony is made to wait (an owner is never locked)
        cli("login", "Tony", input="111111\n")
    cli.fails("login", "Tony", input=f"{OWNER_PIN}\n", audited=True, says="Tony must wait")
    # The code is never held up by a wait caused elsewhere (issue 24, finding 6): it is the way out of one.
    result = cli.ok("staff", "recover", "Tony", "--json", input=f"{code.lower()}\n{NEW_PIN}\n{NEW_PIN}\n")
    data = json.loads(result.stdout)
    assert data["name"] == "Tony" and data["recovery_code"] != code
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", data["recovery_code"])
    assert "Tony is signed in" in cli.ok("login", "Tony", input=f"{NEW_PIN}\n").stdout
    cli.ok("logout")
    # The code is used up: the old one is now a wrong code, counted against the code's own limit.
    before = snapshot(cli.path, PIN_RECORDS)
    wrong = cli("staff", "recover", "Tony", input=f"{code}\n{THIRD_PIN}\n{THIRD_PIN}\n")
    assert wrong.exit_code == 1 and "Wrong recovery code for Tony: try again (4 tries left)." in wrong.output
    assert snapshot(cli.path, PIN_RECORDS) == before
    # The fresh one works, and is replaced in its turn.
    again = cli.ok("staff", "recover", "Tony", input=f"{data['recovery_code']}\n{THIRD_PIN}\n{THIRD_PIN}\n").stdout
    assert "Tony is unlocked, with the new PIN." in again and CODE.search(again).group(1) != data["recovery_code"]
    store = Store.open(cli.path)
    try:
        assert pin_matches(THIRD_PIN, store.scalar("SELECT pin_hash FROM staff WHERE name = 'Tony'"))
        assert [r.detail["who"] for r in audit.records(store) if r.event is audit.Event.RECOVERED] == ["Tony", "Tony"]
        assert store.scalar("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL") == 1
    finally:
        store.close()


@freeze_time(NOON)
def test_wrong_codes_are_throttled_like_wrong_pins(fresh: tuple[Cli, str]) -> None:
    cli, code = fresh
    for _ in range(5):
        cli("staff", "recover", "Tony", input=f"AAAAA-AAAAA-AAAAA-AAAAA\n{NEW_PIN}\n{NEW_PIN}\n")
    # During the code's own wait even the right code is refused, before it is asked for.
    cli.fails("staff", "recover", "Tony", input=f"{code}\n{NEW_PIN}\n{NEW_PIN}\n", audited=True,
              says="The recovery code may be tried again in 30 seconds, after 5 wrong tries in a row.")
    # Wrong codes are not wrong PINs: Tony's own PIN is not held up by them (issue 24, finding 6).
    assert "Tony is signed in" in cli.ok("login", "Tony", input=f"{OWNER_PIN}\n").stdout


def test_recover_bad_input_writes_nothing(fresh: tuple[Cli, str]) -> None:
    cli, code = fresh
    cli.fails("staff", "recover", "Maria", input=f"{code}\n{NEW_PIN}\n{NEW_PIN}\n", audited=True,
              says="Maria is a manager: the recovery code is the owner's alone")
    cli.fails("staff", "recover", "Nobody", input=f"{code}\n", says="No staff member called 'Nobody'")
    cli.fails("staff", "recover", "Tony", input=f"{code}\n{NEW_PIN}\n{OWNER_PIN}\n", says="The two PINs typed differ")
    cli.fails("staff", "recover", "Tony", input=f"{code}\n12\n12\n", says="An owner's PIN is at least 6 digits")
    cli.fails("staff", "recover", "Tony", input="", says="No PIN was given (Recovery code)")
    store = Store.open(cli.path)
    try:
        assert verify_pin(store, "Tony", OWNER_PIN).name == "Tony"  # the code is still there, unused
        assert store.scalar("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL") == 1
    finally:
        store.close()


def test_an_owner_renews_the_code_by_their_pin(fresh: tuple[Cli, str]) -> None:
    cli, code = fresh
    cli.fails("staff", "recovery-code", "Maria", input=f"{MANAGER_PIN}\n", audited=True,
              says="the recovery code is the owner's alone")
    cli.fails("staff", "recovery-code", "Nobody", input=f"{OWNER_PIN}\n", says="No staff member called 'Nobody'")
    new = json.loads(cli.ok("staff", "recovery-code", "Tony", "--json", input=f"{OWNER_PIN}\n").stdout)
    assert new["recovery_code"] != code
    wrong = cli("staff", "recover", "Tony", input=f"{code}\n{NEW_PIN}\n{NEW_PIN}\n")  # the old one stopped working
    assert wrong.exit_code == 1 and "Wrong recovery code" in wrong.output


def test_a_store_made_without_a_code_says_how_to_get_one(store: Store, cli_for) -> None:
    add_staff(store, "Tony", "owner", OWNER_PIN)
    cli_for(store).fails("staff", "recover", "Tony", input="x\n", says="This store has no recovery code")


def _code_line(output: str) -> str:
    """The line that shows the new recovery code: a line of its own, never ``\\n`` printed literally."""
    assert "\\n" not in output, output
    (line,) = [line for line in output.splitlines() if "Owner's recovery code:" in line]
    assert CODE.fullmatch(line.strip()), line
    return CODE.fullmatch(line.strip()).group(1)  # type: ignore[union-attr]


def test_the_recovery_code_prints_as_lines_after_recover_and_renew(fresh: tuple[Cli, str]) -> None:
    """Issue 23 item 4, as seen: ``pos staff recover`` and ``pos staff recovery-code`` printed ``\\n`` literally."""
    cli, code = fresh
    with freeze_time(NOON):
        recovered = cli.ok("staff", "recover", "Tony", input=f"{code}\n{NEW_PIN}\n{NEW_PIN}\n").stdout
        fresh_code = _code_line(recovered)
        said = recovered.splitlines()
        assert "Tony is unlocked, with the new PIN. That recovery code is used up." in said
        assert any(line.startswith("It is shown only this once: write it down") for line in said)
        renewed = cli.ok("staff", "recovery-code", "Tony", input=f"{NEW_PIN}\n").stdout
        newest = _code_line(renewed)
        assert newest != fresh_code
        # The code shown is the one that works.
        cli.ok("staff", "recover", "Tony", input=f"{newest}\n{THIRD_PIN}\n{THIRD_PIN}\n")


def test_a_name_holding_an_escape_is_still_escaped_in_those_lines(fresh: tuple[Cli, str]) -> None:
    """Our lines print as lines; a person's text (written into the file by hand) stays escaped within its line."""
    import sqlite3

    cli, code = fresh
    conn = sqlite3.connect(cli.path)
    chains.register(conn)
    with conn:
        conn.execute("UPDATE staff SET name = ? WHERE name = 'Tony'", ("Tony\x1b[2J\u202e",))
    conn.close()
    with freeze_time(NOON):
        said = cli.ok("staff", "recover", "tony", input=f"{code}\n{NEW_PIN}\n{NEW_PIN}\n").stdout
    assert "Tony\\x1b[2J<U+202E> is unlocked, with the new PIN. That recovery code is used up." in said.splitlines()
    assert "\x1b" not in said and "\u202e" not in said
    _code_line(said)
