"""Wrong PINs typed at once, from separate processes, while the store's write lock is held (issue 24, finding 4).

The finding: twelve wrong PINs at once for one person were all checked, because the count of wrong PINs
and the wait were read before the write that recorded each one.  Now the count and the wait are read and
decided inside the same ``BEGIN IMMEDIATE`` transaction that records the try: the fifth wrong PIN locks
the person out, and every try after it is refused without being looked at or counted.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos.store import audit
from pos.store.store import Store
from tests.helpers import OWNER_SHOP, signin_on

ROOT = Path(__file__).resolve().parent.parent
WRONG = "111111"

GUESSER = """
import sys
from pathlib import Path
from pos.base.errors import AnytenderError
from pos.people.pin_tries import verify_pin
from pos.store.store import Store

import time

store = Store.open(sys.argv[1])
Path(sys.argv[3]).touch()  # ready: the store is open, the guess comes once every guesser is
go = Path(sys.argv[3]).with_name("go")
while not go.exists():
    time.sleep(0.01)
try:
    if sys.argv[5] == "kiosk":  # typed at kiosk 1, after 'staff' and the name
        from pos.people.place_tries import staff_at

        staff_at(store, "kiosk 1", sys.argv[2], sys.argv[4], lambda m: True, "Kiosk 1 stays open.")
    else:
        verify_pin(store, sys.argv[2], sys.argv[4])
    print("RIGHT")
except AnytenderError as exc:
    print(exc.message)
store.close()
"""


def guess_at_once(store: Store, tmp_path: Path, name: str, pins: list[str], hold_s: float = 1.0,
                  where: str = "terminal") -> list[str]:
    """Each PIN from its own process, all started while another connection holds the write lock; their answers."""
    lock = sqlite3.connect(store.path, isolation_level=None, timeout=30)
    lock.execute("BEGIN IMMEDIATE")
    try:
        children = []
        for n, pin in enumerate(pins):
            ready = tmp_path / f"ready-{n}"
            children.append((ready, subprocess.Popen(
                [sys.executable, "-c", GUESSER, str(store.path), name, str(ready), pin, where], cwd=ROOT,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        deadline = time.monotonic() + 120
        while not all(ready.exists() for ready, _ in children):
            assert time.monotonic() < deadline, "the guessers never started"
            time.sleep(0.05)
        (tmp_path / "go").touch()  # all at once, well within the store's busy timeout
        time.sleep(hold_s)  # every guesser has read what it reads before the write, and is waiting for it
    finally:
        lock.execute("COMMIT")
        lock.close()
    answers = []
    for _, child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        answers.append(out.strip())
    return answers


@pytest.fixture
def crew(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    return signin_on(store, tmp_path, monkeypatch, OWNER_SHOP)


def test_the_finding_replayed_twelve_wrong_pins_at_once_count_exactly_five_and_lock(crew: Store,
                                                                                   tmp_path: Path) -> None:
    answers = guess_at_once(crew, tmp_path, "Maria", [WRONG] * 12)
    assert crew.scalar("SELECT failed_pins FROM staff WHERE name = 'Maria'") == 5
    assert crew.scalar("SELECT locked_at IS NOT NULL FROM staff WHERE name = 'Maria'") == 1
    failed = [r for r in audit.records(crew) if r.event is audit.Event.FAILED_PIN]
    assert sorted(r.detail["in_a_row"] for r in failed) == [1, 2, 3, 4, 5]
    assert len([r for r in audit.records(crew) if r.event is audit.Event.LOCKED_OUT]) == 1
    tries = sorted(a for a in answers if "try again" in a)
    assert tries == sorted(f"Wrong PIN for Maria: try again ({n} left)." for n in
                           ("4 tries", "3 tries", "2 tries", "1 try")), answers
    locked = "Maria is locked out after 5 wrong PINs in a row, until an owner unlocks them"
    assert len([a for a in answers if locked in a]) == 8, answers  # the fifth, and the seven never looked at



def test_twelve_wrong_pins_at_once_at_a_kiosk_count_exactly_five_against_the_kiosk(crew: Store,
                                                                                    tmp_path: Path) -> None:
    from freezegun import freeze_time

    from payments.selfcheckout import setup_kiosk

    setup_kiosk(crew, 1)
    answers = guess_at_once(crew, tmp_path, "Maria", [WRONG] * 12, where="kiosk")
    assert crew.scalar("SELECT count(*) FROM place_tries WHERE place = 'kiosk 1' AND is_right = 0") == 5
    assert len([a for a in answers if a == "Kiosk 1 stays open."]) == 4, answers
    waits = "Kiosk 1 takes a staff PIN again in 30 seconds, after 5 wrong tries in a row."
    assert len([a for a in answers if waits in a]) == 8, answers  # the fifth, and the seven never looked at
    assert crew.scalar("SELECT failed_pins FROM staff WHERE name = 'Maria'") == 0  # never against Maria
    with freeze_time(tick=True) as clock:
        clock.tick(31)
        from pos.people.place_tries import place_hold

        assert place_hold(crew, "kiosk 1").wait_s == 0


def test_an_approver_locked_out_after_typing_their_pin_approves_nothing(crew: Store) -> None:
    """The approver is read again where the approval is written: a lock that came in between holds."""
    from pos.people import approvals
    from pos.base.errors import NotAllowed, Refused
    from pos.people.pin_tries import verify_pin

    maria = verify_pin(crew, "Maria", "258036")
    for _ in range(5):  # someone guesses at her PIN on another terminal meanwhile
        with pytest.raises(NotAllowed):
            verify_pin(crew, "Maria", WRONG)
    with pytest.raises(Refused, match="Maria was locked out after wrong PINs and cannot approve a refund"):
        with crew.write():
            approvals.approve(crew, maria, "refund", 9000)
    assert not [r for r in audit.records(crew) if r.event is audit.Event.APPROVAL]
