"""PIN rules (issue 14, rule 6; rule 11 for full-width digits) and ``pos staff pin``.

Each finding replayed as written: 0000 and 1111 were accepted, a manager's 4-digit PIN was cracked
from a copy of the store in 92 s, ``--pin`` put PINs on the command line (and in shell history),
a full-width ``１２３４`` became a PIN of its own, and nobody could change a PIN at all.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from conftest import PIN_RECORDS, Cli, snapshot
from pos.base.errors import InvalidInput, NotAllowed
from pos.people.pin_change import change_pin
from pos.people.pins import check_new_pin, hash_pin, is_straight_run, normalise_pin, pin_matches
from pos.people.staff import add_staff, get_staff
from pos.people.pin_tries import verify_pin
from pos.store.store import Store

SHORT_ROLES = ("cashier", "server", "driver", "kitchen")
LONG_ROLES = ("manager", "owner")


def pin_hash(store: Store, name: str) -> str:
    return str(store.one("SELECT pin_hash FROM staff WHERE name = ?", (name,))["pin_hash"])


# -- the rules -------------------------------------------------------------------------


@pytest.mark.parametrize("pin", ["0000", "1111", "9999", "000000", "111111", "77777777"])
def test_one_digit_repeated_is_refused(store: Store, pin: str) -> None:
    with pytest.raises(InvalidInput, match="one digit repeated .* choose digits that are not all the same"):
        add_staff(store, "Alice", "cashier" if len(pin) < 6 else "manager", pin)
    assert store.one("SELECT count(*) FROM staff")[0] == 0


@pytest.mark.parametrize("pin", ["1234", "4321", "0123", "3210", "234567", "987654", "8901", "9012", "7890", "1098",
                                 "123456789012"])
def test_digits_in_a_row_are_refused(store: Store, pin: str) -> None:
    role = "cashier" if len(pin) < 6 else "owner"
    with pytest.raises(InvalidInput, match="digits in a row .* choose digits out of order"):
        add_staff(store, "Alice", role, pin)
    assert store.one("SELECT count(*) FROM staff")[0] == 0


@pytest.mark.parametrize("role", LONG_ROLES)
def test_a_manager_or_owner_pin_is_at_least_six_digits(store: Store, role: str) -> None:
    article = "An" if role == "owner" else "A"
    for pin in ("2580", "25803"):
        with pytest.raises(InvalidInput, match=f"{article} {role}'s PIN is at least 6 digits: choose a longer one"):
            add_staff(store, "Maria", role, pin)
    assert store.one("SELECT count(*) FROM staff")[0] == 0
    assert add_staff(store, "Maria", role, "258036").role.value == role


@pytest.mark.parametrize("role", SHORT_ROLES)
def test_other_roles_take_four_to_twelve_digits(store: Store, role: str) -> None:
    with pytest.raises(InvalidInput, match="at least 4 digits"):
        add_staff(store, "Alice", role, "258")
    with pytest.raises(InvalidInput, match="at most 12 digits"):
        add_staff(store, "Alice", role, "2580369147025")
    assert add_staff(store, "Alice", role, "2580").role.value == role


@pytest.mark.parametrize("pin", ["12a4", "", " 2580", "2580 ", "25 80", "-2580", "٢٥٨٠", "二五八〇", "𝟐𝟓𝟖"])
def test_only_ascii_digits(store: Store, pin: str) -> None:
    with pytest.raises(InvalidInput):
        add_staff(store, "Alice", "cashier", pin)
    assert store.one("SELECT count(*) FROM staff")[0] == 0


def test_full_width_digits_are_the_same_pin_as_ascii(store: Store) -> None:
    # Rule 11: １２３４ typed on a full-width keypad must not be a PIN of its own.
    add_staff(store, "Alice", "cashier", "２５８０")
    stored = pin_hash(store, "Alice")
    assert pin_matches("2580", stored) and pin_matches("２５８０", stored)
    assert verify_pin(store, "Alice", "2580").name == "Alice"
    with pytest.raises(InvalidInput, match="digits in a row"):
        add_staff(store, "Bob", "cashier", "１２３４")  # refused just as 1234 is
    with pytest.raises(InvalidInput, match="one digit repeated"):
        add_staff(store, "Bob", "cashier", "００００")


# -- the rules, for any PIN --------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=4, max_size=12)


@given(digits)
@settings(max_examples=300)
def test_any_accepted_pin_is_ascii_digits_neither_repeated_nor_a_run(pin: str) -> None:
    try:
        accepted = check_new_pin(pin, "cashier")
    except InvalidInput as exc:
        assert len(set(pin)) == 1 or is_straight_run(pin), (pin, str(exc))
        assert pin not in str(exc) or pin in ("5555", "3456", "6543", "8901")  # a refusal never repeats the PIN
        return
    assert accepted == pin and len(set(pin)) > 1
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    assert steps not in ({1}, {9})


@given(st.text(min_size=0, max_size=14))
@settings(max_examples=300)
def test_any_text_is_refused_or_becomes_ascii_digits(text: str) -> None:
    for role in ("cashier", "manager"):
        try:
            accepted = check_new_pin(text, role)
        except InvalidInput as exc:
            assert "\n" not in str(exc) and str(exc).endswith(".")
            continue
        assert accepted.isascii() and accepted.isdigit()
        assert (6 if role == "manager" else 4) <= len(accepted) <= 12
        assert accepted == normalise_pin(text)


@given(st.integers(min_value=0, max_value=9), st.integers(min_value=4, max_value=12), st.sampled_from([1, -1]))
def test_every_run_up_or_down_is_refused_even_round_the_dial(start: int, length: int, step: int) -> None:
    pin = "".join(str((start + step * i) % 10) for i in range(length))
    with pytest.raises(InvalidInput, match="digits in a row"):
        check_new_pin(pin, "owner" if length >= 6 else "cashier")


@given(st.text(alphabet="0123456789", min_size=4, max_size=8))
@settings(max_examples=25, deadline=None)
def test_full_width_and_ascii_are_one_pin(pin: str) -> None:
    wide = "".join(chr(0xFF10 + int(c)) for c in pin)
    assert normalise_pin(wide) == pin
    assert pin_matches(wide, hash_pin(pin))


# -- --pin is gone; PINs are typed -------------------------------------------------------


def test_staff_add_has_no_pin_option(cli: Cli) -> None:
    before = snapshot(cli.path)
    result = cli("staff", "add", "Tony", "--role", "owner", "--pin", "258036")
    assert result.exit_code == 1 and "No such option: --pin" in result.output
    assert snapshot(cli.path) == before
    assert "--pin" not in cli.ok("staff", "add", "--help").output


def test_staff_add_refuses_the_findings_pins_in_one_line_and_writes_nothing(cli: Cli) -> None:
    for role, pin, says in (("cashier", "0000", "one digit repeated"), ("cashier", "1111", "one digit repeated"),
                            ("manager", "2580", "A manager's PIN is at least 6 digits"),
                            ("owner", "1234", "An owner's PIN is at least 6 digits"),
                            ("cashier", "１２３４", "digits in a row")):
        result = cli.fails("staff", "add", "Tony", "--role", role, input=f"{pin}\n{pin}\n", says=says)
        assert result.output.count("\n") == 1 and pin not in result.output


# -- pos staff pin -------------------------------------------------------------------------


@pytest.fixture
def crew(store: Store) -> Store:
    add_staff(store, "Tony", "owner", "258036")
    add_staff(store, "Maria", "manager", "369147")
    add_staff(store, "Alice", "cashier", "2580")
    return store


def pin_events(store: Store) -> list[dict]:
    return [json.loads(r["detail"]) for r in store.all("SELECT detail FROM audit_log WHERE action = 'PIN changed'")]


def test_a_person_changes_their_own_pin_by_their_current_one(crew: Store, cli: Cli) -> None:
    result = cli.ok("staff", "pin", "alice", input="2580\n4725\n4725\n")
    assert result.stdout == "Alice's PIN is changed.\n" and "4725" not in result.output
    assert pin_matches("4725", pin_hash(crew, "Alice")) and not pin_matches("2580", pin_hash(crew, "Alice"))
    assert pin_events(crew) == [{"target": "Alice", "before": None, "after": None, "by": "Alice"}]
    assert "scrypt" not in json.dumps(pin_events(crew))


def test_a_wrong_current_pin_changes_nothing_but_counts(crew: Store, cli: Cli) -> None:
    before = snapshot(cli.path, PIN_RECORDS)
    result = cli("staff", "pin", "Alice", input="3691\n4725\n4725\n")
    assert result.exit_code == 1 and result.output.startswith("error: Wrong PIN for Alice")
    assert snapshot(cli.path, PIN_RECORDS) == before
    assert pin_matches("2580", pin_hash(crew, "Alice"))
    assert crew.one("SELECT failed_pins FROM staff WHERE name = 'Alice'")[0] == 1


def test_the_new_pin_follows_the_rules_and_is_not_the_current_or_previous_one(crew: Store, cli: Cli) -> None:
    cli.fails("staff", "pin", "Alice", input="2580\n2580\n2580\n", says="That is Alice's current or previous PIN")
    cli.fails("staff", "pin", "Alice", input="2580\n0000\n0000\n", says="one digit repeated")
    cli.fails("staff", "pin", "Maria", input="369147\n4725\n4725\n", says="A manager's PIN is at least 6 digits")
    cli.fails("staff", "pin", "Alice", input="2580\n4725\n4726\n", says="PINs typed differ")
    cli.ok("staff", "pin", "Alice", input="2580\n4725\n4725\n")
    cli.fails("staff", "pin", "Alice", input="4725\n2580\n2580\n", says="current or previous PIN")  # the one before
    cli.fails("staff", "pin", "Alice", input="4725\n２５８０\n２５８０\n", says="current or previous PIN")
    cli.ok("staff", "pin", "Alice", input="4725\n8140\n8140\n")
    assert pin_matches("8140", pin_hash(crew, "Alice"))


def test_an_owner_signed_in_sets_anyones_pin_without_theirs(crew: Store, cli: Cli, tmp_path, monkeypatch) -> None:
    from pos.store import config

    config.set_option(crew, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    cli.ok("login", "Tony", input="258036\n")
    cli.ok("staff", "pin", "Alice", input="4725\n4725\n")  # Alice forgot hers: Tony sets a new one
    assert pin_matches("4725", pin_hash(crew, "Alice"))
    assert pin_events(crew)[-1] == {"target": "Alice", "before": None, "after": None, "by": "Tony",
                                    "command": "pos staff pin"}  # the trail names the command (main's audit)
    cli.ok("staff", "pin", "Tony", input="258036\n471025\n471025\n")  # their own: by their current PIN


def test_a_manager_may_not_set_someone_elses_pin(crew: Store, cli: Cli, tmp_path, monkeypatch) -> None:
    from pos.store import config

    config.set_option(crew, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    cli.ok("login", "Maria", input="369147\n")
    cli.fails("staff", "pin", "Alice", input="4725\n4725\n", audited=True,
              says="Maria is a manager and may not set another person's PIN ('pos staff pin Alice'): that needs an owner")
    cli.ok("staff", "pin", "Maria", input="369147\n471025\n471025\n")  # her own, by her current PIN
    cli.ok("logout")
    cli.ok("login", "Alice", input="2580\n")
    cli.fails("staff", "pin", "Tony", input="258036\n471036\n471036\n", audited=True, says="needs an owner")
    cli.ok("staff", "pin", "Alice", input="2580\n4725\n4725\n")


def test_change_pin_in_the_library(crew: Store) -> None:
    maria, tony = get_staff(crew, "Maria"), get_staff(crew, "Tony")
    with pytest.raises(NotAllowed, match="needs an owner"):
        change_pin(crew, "Alice", "4725", by=maria)
    with pytest.raises(NotAllowed, match="Wrong PIN"):
        change_pin(crew, "Alice", "4725")  # the person themselves: their current PIN, which is missing
    change_pin(crew, "Alice", "4725", by=tony)
    change_pin(crew, "Maria", "471025", by=maria, current_pin="369147")
    assert verify_pin(crew, "Maria", "471025").name == "Maria"


def test_pin_of_someone_deactivated_or_unknown_is_refused_before_any_pin(crew: Store, cli: Cli) -> None:
    from pos.people.staff import deactivate_staff

    deactivate_staff(crew, "Alice")
    cli.fails("staff", "pin", "Alice", says="Alice is deactivated")
    cli.fails("staff", "pin", "Nobody", says="No staff member called 'Nobody'")


# -- the cost of a guess (issue 24, finding 8) ----------------------------------------------


def test_the_finding_replayed_one_guess_against_a_copied_hash_costs_at_least_100_ms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, one guess cost 36 ms: every 4-digit PIN in 6 minutes.  Now a hash at today's cost takes 100 ms
    or more to check (a busy machine only makes it slower)."""
    import time

    from pos.people import pins

    monkeypatch.setattr(pins, "_SCRYPT_N", pins.PIN_COST[0])
    stored = hash_pin("2580")
    assert stored.split("$")[1:4] == [str(x) for x in pins.PIN_COST]
    started = time.perf_counter()
    assert not pin_matches("2581", stored)
    assert time.perf_counter() - started >= 0.100


def test_an_old_cheaper_hash_still_checks_and_is_made_again_at_todays_cost_on_the_next_right_pin(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.people import pins

    add_staff(store, "Alice", "cashier", "2580")  # at the tests' cheap cost (n=16): an "old" hash
    old = pin_hash(store, "Alice")
    monkeypatch.setattr(pins, "_SCRYPT_N", 2**6)  # today's cost, higher
    with pytest.raises(NotAllowed):
        verify_pin(store, "Alice", "1357")
    assert pin_hash(store, "Alice") == old  # a wrong PIN changes no hash
    verify_pin(store, "Alice", "2580")
    new = pin_hash(store, "Alice")
    assert new != old and new.split("$")[1:4] == ["64", "8", "1"] and pin_matches("2580", new)
    verify_pin(store, "Alice", "2580")
    assert pin_hash(store, "Alice") == new  # already at today's cost: not made again
    # The previous PIN is still the previous one (the upgrade is the same PIN, not a change).
    with pytest.raises(InvalidInput, match="current or previous PIN"):
        change_pin(store, "Alice", "2580", current_pin="2580")


def test_a_stored_hash_nobody_here_made_never_matches() -> None:
    for stored in ("scrypt$3$8$1$00$00", "scrypt$1099511627776$8$1$00$00", "scrypt$16$8$1$zz$00", "md5$x", ""):
        assert not pin_matches("2580", stored)
