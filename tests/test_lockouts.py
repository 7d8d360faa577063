"""Wrong PINs, lockouts and waits (issue 14, rule 7).

The finding: ``pos staff unlock Tony --approve Maria`` between rounds of wrong PINs let the owner's PIN be
guessed indefinitely; five wrong PINs each for Maria and Tony locked both, with no way back.  Now unlocking
is only for someone locked out and does not reset the count; from the fifth wrong PIN on every wrong PIN
makes the person wait (30 s doubling, up to an hour); owners only ever wait, never lock; and a failed PIN
names the register and terminal it was typed at.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from pos.store import audit
from pos.base.errors import NotAllowed, Refused
from pos.people.staff import add_staff
from pos.people.pin_tries import LONGEST_WAIT_S, pin_wait_s, unlock, verify_pin
from pos.store.store import Store
from tests.conftest import Cli
from tests.helpers import CASHIER_PIN, MANAGER_PIN, OWNER_PIN, OWNER_SHOP, signin_on

NOON = "2026-11-23 17:00:00"
WRONG = "111111"


@pytest.fixture
def shop(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Tony (the only owner), Maria (manager), Alice (cashier)."""
    return signin_on(store, tmp_path, monkeypatch, OWNER_SHOP)


def wrong_login(cli: Cli, name: str, says: str) -> None:
    result = cli("login", name, input=f"{WRONG}\n")
    assert result.exit_code == 1 and says in result.output, result.output


def duration(seconds: int) -> str:
    """A wait as the messages say it: ``30 seconds``, ``1 minute``, ``60 minutes``."""
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def failed(store: Store, name: str) -> int:
    return int(store.scalar("SELECT failed_pins FROM staff WHERE name = ?", (name,)))


def test_waits_double_from_the_fifth_wrong_pin_up_to_an_hour() -> None:
    assert [pin_wait_s(n) for n in range(1, 14)] == [0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert pin_wait_s(10_000) == LONGEST_WAIT_S


def test_the_finding_replayed_unlocking_between_rounds_no_longer_lets_the_owners_pin_be_guessed(
        shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    with freeze_time(NOON) as clock:
        for left in ("4 tries", "3 tries", "2 tries", "1 try"):
            wrong_login(cli, "Tony", f"Wrong PIN for Tony: try again ({left} left).")
        wrong_login(cli, "Tony", "Wrong PIN for Tony: Tony must wait 30 seconds before typing a PIN again, after 5 "
                                 "wrong PINs in a row.")
        # A try during the wait is refused without looking at the PIN, and not counted: even the right one.
        cli.fails("login", "Tony", input=f"{OWNER_PIN}\n", audited=True,
                  says="Tony must wait 30 seconds before typing a PIN again, after 5 wrong PINs in a row.")
        assert failed(shop, "Tony") == 5
        cli.ok("login", "Maria", input=f"{MANAGER_PIN}\n")
        cli.fails("staff", "unlock", "Tony", "--approve", "Maria", input=f"{MANAGER_PIN}\n", audited=True,
                  says="Tony is not locked out: nothing to unlock.")
        cli.fails("staff", "unlock", "Tony", audited=True, says="Tony is not locked out: nothing to unlock.")
        # A whole day of guessing, each guess as soon as the wait allows: a few dozen tries, not thousands.
        guesses, waited = 5, 30
        day_end = clock.time_to_freeze.timestamp() + 24 * 3600  # type: ignore[attr-defined]
        while True:
            clock.tick(waited)
            if clock.time_to_freeze.timestamp() > day_end:  # type: ignore[attr-defined]
                break
            guesses += 1
            waited = pin_wait_s(guesses)
            wrong_login(cli, "Tony", f"Wrong PIN for Tony: Tony must wait {duration(waited)} before typing a PIN "
                                     f"again, after {guesses} wrong PINs in a row.")
        assert guesses == 34  # 5, then 7 in the first hour's doubling waits, then one an hour (unlocks no help)
        assert shop.scalar("SELECT locked_at FROM staff WHERE name = 'Tony'") is None  # an owner is never locked
        clock.tick(LONGEST_WAIT_S)
        assert "Tony is signed in" in cli.ok("login", "Tony", input=f"{OWNER_PIN}\n").stdout
        assert failed(shop, "Tony") == 0  # the right PIN, after the wait, starts the count again


def test_five_wrong_pins_each_for_the_manager_and_the_owner_leave_a_way_back(shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    with freeze_time(NOON) as clock:
        for _ in range(4):
            wrong_login(cli, "Maria", "Wrong PIN for Maria")
            wrong_login(cli, "Tony", "Wrong PIN for Tony")
        wrong_login(cli, "Maria", "Wrong PIN for Maria: Maria is locked out after 5 wrong PINs in a row, until an "
                                  "owner unlocks them ('pos staff unlock Maria --approve NAME').")
        wrong_login(cli, "Tony", "must wait 30 seconds")
        clock.tick(30)
        cli.ok("login", "Tony", input=f"{OWNER_PIN}\n")
        # The owner signed in unlocks by their sign-in; approving it themselves is refused.
        cli.fails("staff", "unlock", "Maria", "--approve", "Tony", input=f"{OWNER_PIN}\n", audited=True,
                  says="Tony cannot approve their own request: another manager or the owner approves it.")
        assert cli.ok("staff", "unlock", "Maria").stdout == "Maria is unlocked.\n"
        # Unlocking lifted the lock, not the count: Maria's next wrong PIN makes her wait.
        wrong_login(cli, "Maria", "Wrong PIN for Maria: Maria must wait 1 minute before typing a PIN again, after 6 "
                                  "wrong PINs in a row.")
        unlocked = [r for r in audit.records(shop) if r.event is audit.Event.UNLOCKED]
        assert [(r.staff, r.detail["who"], r.detail["failed_in_a_row"]) for r in unlocked] == [("Tony", "Maria", 5)]


def test_only_someone_above_unlocks_and_a_manager_is_locked_only_where_an_owner_can_unlock(store: Store) -> None:
    with freeze_time(NOON):
        add_staff(store, "Maria", "manager", MANAGER_PIN)
        mike = add_staff(store, "Mike", "manager", MANAGER_PIN)
        add_staff(store, "Alice", "cashier", CASHIER_PIN)
        for _ in range(5):  # no owner on the staff: nobody could unlock a manager, so she only waits
            with pytest.raises(NotAllowed):
                verify_pin(store, "Maria", WRONG)
        assert store.scalar("SELECT locked_at FROM staff WHERE name = 'Maria'") is None
        for _ in range(5):
            with pytest.raises(NotAllowed):
                verify_pin(store, "Alice", WRONG)
        with pytest.raises(Refused, match="Alice is locked out after 5 wrong PINs in a row, until a manager unlocks"):
            verify_pin(store, "Alice", CASHIER_PIN)
        owner = add_staff(store, "Tony", "owner", "369147")
        for _ in range(5):
            with pytest.raises(NotAllowed):
                verify_pin(store, "Mike", WRONG)
        with pytest.raises(Refused, match="Maria is a manager and may not unlock Mike: only an owner"):
            unlock(store, "Mike", None, by=store_member(store, "Maria"))
        assert unlock(store, "Mike", owner).name == "Mike"
        assert unlock(store, "Alice", mike).name == "Alice"
        with pytest.raises(Refused, match="Alice is not locked out: nothing to unlock"):
            unlock(store, "Alice", mike)


def store_member(store: Store, name: str):
    from pos.people.staff import get_staff

    return get_staff(store, name)


def test_a_failed_pin_names_the_register_and_terminal_it_was_typed_at(shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    with freeze_time(NOON):
        result = cli("login", "Alice", "--register", "2", input="0000\n")
        assert result.exit_code == 1
    (record,) = [r for r in audit.records(shop) if r.event is audit.Event.FAILED_PIN]
    assert (record.staff, record.register, record.detail["who"]) == ("Alice", 2, "Alice")
    assert record.terminal and len(record.terminal) == 12


def test_the_fifth_wrong_pin_and_the_next_try_say_the_same_thing(shop: Store, cli_for) -> None:
    """Issue 23: the fifth wrong PIN said "locked out until a manager unlocks", the next try "try again in 30
    seconds".  Locked out is locked out, until someone unlocks; a wait says how long is left, each time."""
    cli: Cli = cli_for(shop)
    locked = ("Alice is locked out after 5 wrong PINs in a row, until a manager unlocks them "
              "('pos staff unlock Alice --approve NAME').")
    with freeze_time(NOON) as clock:
        for _ in range(4):
            wrong_login(cli, "Alice", "Wrong PIN for Alice: try again")
        wrong_login(cli, "Alice", f"Wrong PIN for Alice: {locked}")
        assert cli.fails("login", "Alice", input=f"{CASHIER_PIN}\n", audited=True).stderr == f"error: {locked}\n"
        clock.tick(3600)  # no wait runs out of a lock
        assert cli.fails("login", "Alice", input=f"{CASHIER_PIN}\n", audited=True).stderr == f"error: {locked}\n"
        listed = cli.ok("staff", "list", "--json").stdout
        import json

        pins = {m["name"]: m["pin"] for m in json.loads(listed)}
        assert pins["Alice"] == {"locked": True, "wait_s": 0, "failed_in_a_row": 5, "unlocked_by": "a manager"}
        assert pins["Tony"] == {"locked": False, "wait_s": 0, "failed_in_a_row": 0, "unlocked_by": None}
        assert "locked out" in cli.ok("staff", "list").stdout
        cli.ok("login", "Maria", input=f"{MANAGER_PIN}\n")
        cli.ok("staff", "unlock", "Alice")
        wrong_login(cli, "Alice", "Wrong PIN for Alice: Alice must wait 1 minute before typing a PIN again, "
                                  "after 6 wrong PINs in a row.")
        clock.tick(15)
        assert cli.fails("login", "Alice", input=f"{CASHIER_PIN}\n", audited=True).stderr == (
            "error: Alice must wait 45 seconds before typing a PIN again, after 6 wrong PINs in a row.\n")
        assert "waits 45 seconds" in cli.ok("staff", "list").stdout
        assert {m["name"]: m["pin"]["wait_s"] for m in json.loads(cli.ok("staff", "list", "--json").stdout)} == {
            "Tony": 0, "Maria": 0, "Alice": 45}
        clock.tick(45)
        cli.ok("login", "Alice", input=f"{CASHIER_PIN}\n")
        assert "waits" not in cli.ok("staff", "list").stdout
