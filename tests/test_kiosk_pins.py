"""A kiosk cannot be used to attack staff, and the owner's recovery code has a limit of its own (issue 24, finding 6).

The finding: typing ``staff``, a manager's name and wrong PINs at a kiosk five times locked the manager;
wrong PINs for the owner made the owner wait (up to an hour), and the recovery code was blocked by the
same wait.  The kiosk answered "Alice may not close kiosk 1" to a correct cashier PIN, which confirmed the
guess.  Now wrong PINs at a kiosk count against that kiosk (its own growing wait), never against the
person named; a wrong PIN, a right PIN of someone not allowed, a name nobody has and a locked-out person
all get the same answer; and the recovery code has its own count, never held up by waits caused elsewhere.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from payments.selfcheckout import setup_kiosk
from pos.store import audit
from pos.base.errors import NotAllowed
from pos.people.staff import add_staff, get_staff
from pos.people.pin_tries import pin_hold, verify_pin
from pos.store.store import Store
from screens.kiosk import KioskSession
from tests.conftest import Cli
from tests.helpers import CASHIER_PIN, MANAGER_PIN, OWNER_PIN, OWNER_SHOP, signin_on

NOON = "2026-11-23 17:00:00"
STAYS_OPEN = "Kiosk 1 stays open: a manager or its attendant closes it with their name and PIN."


@pytest.fixture
def kiosk(store: Store, tmp_path, monkeypatch) -> Store:
    """Tony (owner), Maria (manager), Alice and Bob (cashiers); kiosk 1 attended by Bob."""
    signin_on(store, tmp_path, monkeypatch, (*OWNER_SHOP, ("Bob", "cashier", "3691")))
    setup_kiosk(store, 1, attendant="Bob")
    return store


def staff_try(screen: KioskSession, name: str, pin: str) -> list[str]:
    assert screen.handle("staff") == ["Staff: type your name, then your PIN (Enter alone goes back)."]
    assert screen.answer(name) == [] and screen.asking is not None and screen.asking.hidden
    return screen.answer(pin)


def holds(store: Store, name: str) -> tuple[int, bool]:
    hold = pin_hold(store, get_staff(store, name))
    return hold.failed_in_a_row, hold.holds


def test_the_finding_replayed_wrong_pins_at_a_kiosk_lock_nobody_out(kiosk: Store, cli_for) -> None:
    cli: Cli = cli_for(kiosk)
    wrong = "staff\nMaria\n111111\n" * 5 + "staff\nTony\n111111\n" * 12
    with freeze_time(NOON) as clock:
        out = cli.ok("kiosk", "run", "1", input=wrong).stdout
        assert "Wrong PIN" not in out and "locked out" not in out and "must wait" not in out, out
        assert holds(kiosk, "Maria") == (0, False) and holds(kiosk, "Tony") == (0, False)
        cli.ok("login", "Maria", input=f"{MANAGER_PIN}\n")  # not locked: she signs in at once
        cli.ok("logout")
        cli.ok("login", "Tony", input=f"{OWNER_PIN}\n")  # no wait
        cli.ok("logout")
        # The kiosk itself waits: a guesser there gets one try per growing wait, for anyone's PIN.
        assert "Kiosk 1 takes a staff PIN again in" in out
        clock.tick(3600)
        closed = cli.ok("kiosk", "run", "1", input=f"staff\nMaria\n{MANAGER_PIN}\n").stdout
        assert "Kiosk 1 closed by Maria." in closed


@freeze_time(NOON)
def test_the_kiosk_gives_one_answer_to_a_wrong_pin_a_right_pin_not_allowed_a_stranger_and_a_locked_person(
        kiosk: Store) -> None:
    for _ in range(5):  # Alice locks herself out at a terminal
        with pytest.raises(NotAllowed):
            verify_pin(kiosk, "Alice", "1357")
    assert holds(kiosk, "Alice") == (5, True)
    add_staff(kiosk, "Dee", "cashier", "4725")
    screen = KioskSession(kiosk, 1)
    answers = {
        "wrong PIN": staff_try(screen, "Maria", "111111"),
        "right PIN, not allowed": staff_try(screen, "Dee", "4725"),  # a cashier, not the attendant
        "locked out, right PIN": staff_try(screen, "Alice", CASHIER_PIN),
        "a name nobody has": staff_try(screen, "Zed", "2580"),
    }
    assert set(map(tuple, answers.values())) == {(STAYS_OPEN,)}, answers
    assert not screen.done
    assert holds(kiosk, "Maria") == (0, False) and holds(kiosk, "Alice") == (5, True)  # nobody's count moved
    assert holds(kiosk, "Dee") == (0, False)
    tries = [r.detail for r in audit.records(kiosk) if r.event is audit.Event.FAILED_PIN and r.detail["who"] == "kiosk 1"]
    assert [t["in_a_row"] for t in tries] == [1, 2, 3, 4]
    assert [t["named"] for t in tries] == ["Maria", "Dee", "Alice", None]
    assert not any("may not close" in str(r.detail) for r in audit.records(kiosk))  # no guess confirmed anywhere
    assert staff_try(screen, "bob", "3691") == ["Kiosk 1 closed by Bob."] and screen.done


@freeze_time(NOON)
def test_a_right_pin_of_someone_not_allowed_reads_as_a_wrong_one(kiosk: Store) -> None:
    """Alice's right PIN (she may not close a kiosk she does not attend) and a wrong one: the same, to the letter."""
    screen = KioskSession(kiosk, 1)
    assert staff_try(screen, "Alice", CASHIER_PIN) == staff_try(screen, "Alice", "1357") == [STAYS_OPEN]
    assert holds(kiosk, "Alice") == (0, False)


def test_the_kiosk_waits_on_its_own_schedule_and_even_a_right_pin_waits_it_out(kiosk: Store) -> None:
    with freeze_time(NOON) as clock:
        screen = KioskSession(kiosk, 1)
        for _ in range(4):
            assert staff_try(screen, "Maria", "111111") == [STAYS_OPEN]
        assert staff_try(screen, "Maria", "111111") == [
            f"{STAYS_OPEN} Kiosk 1 takes a staff PIN again in 30 seconds, after 5 wrong tries in a row."]
        before = kiosk.scalar("SELECT count(*) FROM place_tries")
        assert staff_try(screen, "Maria", MANAGER_PIN) == [
            "Kiosk 1 takes a staff PIN again in 30 seconds, after 5 wrong tries in a row."]
        assert kiosk.scalar("SELECT count(*) FROM place_tries") == before  # unlooked-at, uncounted
        clock.tick(30)
        assert staff_try(screen, "Maria", "111111")[0].endswith("takes a staff PIN again in 1 minute, after 6 wrong "
                                                                "tries in a row.")
        clock.tick(60)
        assert staff_try(screen, "Maria", MANAGER_PIN) == ["Kiosk 1 closed by Maria."]
        assert holds(kiosk, "Maria") == (0, False)
        # A right try starts the kiosk's count again.
        again = KioskSession(kiosk, 1)
        assert staff_try(again, "Maria", "111111") == [STAYS_OPEN]


# -- the owner's recovery code ---------------------------------------------------------------


def test_the_finding_replayed_the_recovery_code_is_not_blocked_by_the_owners_wait(kiosk: Store, cli_for) -> None:
    from pos.people import recovery

    code = recovery.issue(kiosk)
    cli: Cli = cli_for(kiosk)
    with freeze_time(NOON):
        for _ in range(5):  # the owner's PIN, wrong, at a terminal: Tony waits (up to an hour as it goes on)
            cli("login", "Tony", input="111111\n")
        cli.fails("login", "Tony", input=f"{OWNER_PIN}\n", audited=True, says="Tony must wait 30 seconds")
        said = cli.ok("staff", "recover", "Tony", input=f"{code}\n714269\n714269\n").stdout
        assert "Tony is unlocked, with the new PIN." in said
        assert holds(kiosk, "Tony") == (0, False)


def test_the_recovery_code_has_its_own_limit(kiosk: Store, cli_for) -> None:
    from pos.people import recovery

    code = recovery.issue(kiosk)
    cli: Cli = cli_for(kiosk)
    wrong = "AAAAA-AAAAA-AAAAA-AAAAA\n714269\n714269\n"
    with freeze_time(NOON) as clock:
        for left in ("4 tries", "3 tries", "2 tries", "1 try"):
            said = cli("staff", "recover", "Tony", input=wrong)
            assert said.exit_code == 1 and f"Wrong recovery code for Tony: try again ({left} left)." in said.output
        said = cli("staff", "recover", "Tony", input=wrong)
        assert said.exit_code == 1 and ("Wrong recovery code for Tony: The recovery code may be tried again in 30 "
                                        "seconds, after 5 wrong tries in a row.") in said.output
        cli.fails("staff", "recover", "Tony", input=f"{code}\n714269\n714269\n", audited=True,
                  says="The recovery code may be tried again in 30 seconds")
        assert holds(kiosk, "Tony") == (0, False)  # never against the owner's PIN
        clock.tick(30)
        assert "Tony is unlocked" in cli.ok("staff", "recover", "Tony", input=f"{code}\n714269\n714269\n").stdout
