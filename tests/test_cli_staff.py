"""CLI: staff, PINs and tips (``pos staff ...``) and shifts (``pos shift ...``).

The ``store`` fixture's time zone is America/New_York with the default 04:00
rollover.  January dates are used so New York is UTC-5 (no DST).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from conftest import Cli, snapshot
from pos.people.staff import pin_matches
from pos.store.store import Store


def js(result: Any) -> Any:
    return json.loads(result.stdout)


def staff(cli: Cli, *extra: str) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in js(cli.ok("staff", "list", "--json", *extra))}


def pin_hash(store: Store, name: str) -> str:
    row = store.one("SELECT pin_hash FROM staff WHERE name = ?", (name,))
    assert row is not None
    return str(row["pin_hash"])


def raw_bytes(path: Path) -> bytes:
    """The database file and its WAL, as bytes on disk."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


# -- PINs ----------------------------------------------------------------------------


def test_pin_is_stored_only_as_a_salted_scrypt_hash(cli: Cli, store: Store) -> None:
    # An 8-digit PIN: a 4-digit one could turn up by chance in a timestamp or hex salt.
    pin = "73915864"
    cli.ok("staff", "add", "Alice", "--role", "cashier", input=f"{pin}\n{pin}\n")
    cli.ok("staff", "add", "Bob", "--role", "cashier", input=f"{pin}\n{pin}\n")

    stored = pin_hash(store, "Alice")
    assert stored.startswith("scrypt$")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16", "8", "1")  # the tests' cheap cost (conftest); each hash keeps its own
    assert len(salt) == 32 and len(digest) == 64
    assert pin_matches(pin, stored)
    assert not pin_matches("73915865", stored)
    assert pin_hash(store, "Bob") != stored  # salted: same PIN, different hash

    dump = "\n".join(snapshot(cli.path) or [])
    assert "scrypt$" in dump
    assert pin not in dump
    assert pin.encode() not in raw_bytes(cli.path)


def test_pin_read_from_the_input_twice_and_never_shown(cli: Cli, store: Store) -> None:
    result = cli.ok("staff", "add", "Alice", "--role", "cashier", input="4725\n4725\n")
    assert "4725" not in result.output
    assert result.stdout == "Added Alice (cashier, tip-eligible).\n"
    assert pin_matches("4725", pin_hash(store, "Alice"))


def test_the_two_pins_must_be_the_same(cli: Cli) -> None:
    result = cli.fails("staff", "add", "Alice", "--role", "cashier", input="4725\n4726\n", says="PINs typed differ")
    assert "472" not in result.output
    cli.fails("staff", "add", "Alice", "--role", "cashier", input="4725\n", says="typed twice")
    cli.fails("staff", "add", "Alice", "--role", "cashier", says="No PIN was given")


def test_pin_typed_twice_hidden_at_a_terminal_and_asked_again_when_they_differ(cli: Cli, store: Store,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import commands.context as context

    typed = iter(["4725", "4726", "8140", "8140"])
    labels: list[str] = []
    monkeypatch.setattr(context, "hidden_prompt", lambda label: labels.append(label) or next(typed))
    monkeypatch.setattr(context, "at_terminal", lambda: True)
    result = cli("staff", "add", "Alice", "--role", "cashier", input="")
    assert result.exit_code == 0, result.output
    assert "differ" in result.output and "4725" not in result.output and "8140" not in result.output
    assert labels == ["New PIN for Alice", "New PIN for Alice again"] * 2
    assert pin_matches("8140", pin_hash(store, "Alice"))


def test_bad_pin_at_the_prompt_is_refused(cli: Cli) -> None:
    result = cli.fails("staff", "add", "Alice", "--role", "cashier", input="12\n12\n", says="at least 4 digits")
    assert result.stderr == "error: A cashier's PIN is at least 4 digits: choose a longer one.\n"


def test_pin_on_the_command_line_is_gone(cli: Cli) -> None:
    result = cli("staff", "add", "Alice", "--role", "cashier", "--pin", "4725")
    assert result.exit_code != 0 and "No such option" in result.output
    assert not staff(cli)


def test_unknown_role_is_refused_before_asking_for_a_pin(cli: Cli) -> None:
    result = cli.fails("staff", "add", "Alice", "--role", "chef", input="4321\n4321\n", says="Unknown role 'chef'")
    assert "PIN:" not in result.output
    assert "owner, manager, cashier, server, driver, kitchen" in result.output


# -- roles and tips -------------------------------------------------------------------


def test_staff_add_json_and_tip_defaults_by_role(cli: Cli) -> None:
    data = js(cli.ok("staff", "add", "Tony", "--role", "owner", "--json", input="258036\n258036\n"))
    assert data == {"id": data["id"], "name": "Tony", "role": "owner", "active": True, "tip_eligible": False}
    assert isinstance(data["id"], int)
    for name, role in (("Maria", "manager"), ("Alice", "cashier"), ("Sam", "server"),
                       ("Dave", "driver"), ("Kim", "kitchen")):
        pin = "258036" if role == "manager" else "2580"
        cli.ok("staff", "add", name, "--role", role, input=f"{pin}\n{pin}\n")
    listed = staff(cli)
    assert {n: (m["role"], m["tip_eligible"]) for n, m in listed.items()} == {
        "Tony": ("owner", False),
        "Maria": ("manager", False),
        "Alice": ("cashier", True),
        "Sam": ("server", True),
        "Dave": ("driver", True),
        "Kim": ("kitchen", True),
    }
    assert all(m["active"] and not m["on_shift"] for m in listed.values())


def test_tips_flags_override_the_role(cli: Cli) -> None:
    cli.fails("staff", "add", "Tony", "--role", "OWNER", "--tips", input="258036\n258036\n", says="may not share in employees' tips")
    assert cli.ok("staff", "add", "Tony", "--role", "OWNER", input="258036\n258036\n").stdout == "Added Tony (owner, not tip-eligible).\n"
    assert cli.ok("staff", "add", "Alice", "--role", "cashier", "--no-tips", input="2580\n2580\n").stdout == (
        "Added Alice (cashier, not tip-eligible).\n"
    )
    listed = staff(cli)
    assert (listed["Tony"]["tip_eligible"], listed["Alice"]["tip_eligible"]) == (False, False)


def test_staff_tips_command(cli: Cli) -> None:
    cli.ok("staff", "add", "Maria", "--role", "manager", input="258036\n258036\n")
    cli.fails("staff", "tips", "maria", "yes", says="Maria is a manager: owners and managers may not share")
    assert staff(cli)["Maria"]["tip_eligible"] is False
    assert js(cli.ok("staff", "tips", "Maria", "default", "--json"))["tip_eligible"] is False
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    assert js(cli.ok("staff", "tips", "Alice", "No", "--json"))["tip_eligible"] is False
    cli.fails("staff", "tips", "Alice", "maybe", says="not a choice")
    cli.fails("staff", "tips", "Nobody", "yes", says="No staff member called 'Nobody'")


def test_staff_list_text(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    cli.ok("staff", "add", "Tony", "--role", "owner", input="258036\n258036\n")
    out = cli.ok("staff", "list").stdout
    alice = next(line for line in out.splitlines() if "Alice" in line)
    tony = next(line for line in out.splitlines() if "Tony" in line)
    assert "cashier" in alice and "yes" in alice
    assert "owner" in tony and "no" in tony


# -- bad staff input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "typed", "says"),
    [
        (("Zed", "--role", "chef"), "2580\n2580\n", "Unknown role 'chef'"),
        (("Zed", "--role", "cashier"), "12\n12\n", "at least 4 digits"),
        (("Zed", "--role", "cashier"), "abcd\nabcd\n", "digits only"),
        (("Zed", "--role", "cashier"), "1234567890123\n1234567890123\n", "at most 12 digits"),
        (("Zed", "--role", "cashier"), "12 34\n12 34\n", "digits only"),
        (("", "--role", "cashier"), "2580\n2580\n", "staff name is empty"),
        (("   ", "--role", "cashier"), "2580\n2580\n", "staff name is empty"),
        (("7eleven", "--role", "cashier"), "2580\n2580\n", "is not valid"),
        (("alice", "--role", "cashier"), "2580\n2580\n", "already a staff member"),
        (("ALICE ", "--role", "driver"), "2580\n2580\n", "already a staff member"),
    ],
)
def test_staff_add_bad_input(cli: Cli, args: tuple[str, ...], typed: str, says: str) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    cli.fails("staff", "add", *args, input=typed, says=says)


def test_names_too_close_to_tell_apart(cli: Cli) -> None:
    cli.ok("staff", "add", "Mary Ann", "--role", "cashier", input="2580\n2580\n")
    cli.fails("staff", "add", "Mary-Ann", "--role", "cashier", input="2580\n2580\n", says="too close")


def test_staff_name_in_another_script(cli: Cli) -> None:
    cli.ok("staff", "add", "김민수", "--role", "cashier", input="2580\n2580\n")
    assert "김민수" in staff(cli)


def test_deactivate(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    data = js(cli.ok("staff", "deactivate", "alice", "--json"))
    assert (data["name"], data["active"]) == ("Alice", False)
    assert "Alice" not in staff(cli)
    assert staff(cli, "--all")["Alice"]["active"] is False
    cli.fails("staff", "deactivate", "Alice", says="already deactivated")


def test_deactivate_unknown(cli: Cli) -> None:
    cli.fails("staff", "deactivate", "Nobody", says="No staff member called 'Nobody'")


def test_deactivating_someone_on_shift_ends_the_shift(cli: Cli) -> None:
    with freeze_time("2026-01-14 15:00:00") as frozen:  # 10:00 local
        cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
        cli.ok("shift", "start", "Alice", input="2580\n")
        frozen.move_to("2026-01-14 18:15:00")
        cli.ok("staff", "deactivate", "Alice")
        shifts = js(cli.ok("shift", "list", "--json"))
        assert [(s["staff"], s["ended_at"], s["worked_seconds"]) for s in shifts] == [
            ("Alice", "2026-01-14T18:15:00+00:00", 3 * 3600 + 15 * 60)
        ]
        assert js(cli.ok("shift", "list", "--open", "--json")) == []


# -- shifts ----------------------------------------------------------------------------


def test_shift_start_and_end(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    with freeze_time("2026-01-14 14:00:00") as frozen:  # 09:00 local
        started = js(cli.ok("shift", "start", "alice", "--register", "2", "--json", input="2580\n"))
        assert started == {
            "id": started["id"], "staff": "Alice", "business_day": "2026-01-14",
            "started_at": "2026-01-14T14:00:00+00:00", "ended_at": None, "worked_seconds": 0,
            "started_by": "Alice", "ended_by": None, "job": "cashier",  # by her own PIN, in her own job
        }
        assert staff(cli)["Alice"]["on_shift"] is True
        assert [s["staff"] for s in js(cli.ok("shift", "list", "--open", "--json"))] == ["Alice"]
        frozen.move_to("2026-01-14 22:05:00")  # 17:05 local
        out = cli.ok("shift", "end", "Alice", input="2580\n").stdout
        assert out == "Alice off shift at 2026-01-14 17:05 (8h05m).\n"
        assert staff(cli)["Alice"]["on_shift"] is False
        listed = js(cli.ok("shift", "list", "--json"))
        assert [(s["staff"], s["worked_seconds"]) for s in listed] == [("Alice", 8 * 3600 + 5 * 60)]


def test_shift_start_human_output_is_local_time(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    with freeze_time("2026-01-14 14:00:00"):
        assert cli.ok("shift", "start", "Alice", input="2580\n").stdout == "Alice on shift since 2026-01-14 09:00.\n"


def test_shift_bad_input(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    cli.ok("staff", "add", "Carl", "--role", "cashier", input="2580\n2580\n")
    cli.ok("staff", "deactivate", "Carl")
    cli.fails("shift", "start", "Nobody", says="No staff member called 'Nobody'")
    cli.fails("shift", "start", "Carl", says="Carl is deactivated and cannot start a shift")
    cli.fails("shift", "end", "Alice", says="Alice is not on shift")
    cli.fails("shift", "end", "Nobody", says="No staff member called 'Nobody'")
    cli.ok("shift", "start", "Alice", input="2580\n")
    cli.fails("shift", "start", "ALICE", says="already on shift")
    cli.ok("shift", "end", "Alice", input="2580\n")
    cli.fails("shift", "end", "Alice", says="not on shift")
    cli.fails("shift", "list", "--day", "14/01/2026", says="is not a day")


def test_shift_across_midnight_and_sales_after_midnight(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    # 2026-01-14 22:00 EST = 2026-01-15 03:00 UTC
    with freeze_time("2026-01-15 03:00:00") as frozen:
        started = js(cli.ok("shift", "start", "Alice", "--json", input="2580\n"))
        assert started["business_day"] == "2026-01-14"
        evening = js(cli.ok("order", "new", "--json"))
        assert (evening["number"], evening["business_day"]) == (1, "2026-01-14")

        frozen.move_to("2026-01-15 07:00:00")  # 02:00 EST on the 15th: still the 14th's business day
        late = js(cli.ok("order", "new", "--json"))
        assert (late["number"], late["business_day"]) == (2, "2026-01-14")
        cli.ok("order", "add", "2", "SODA")  # "#2" is found in the 14th's business day
        assert [o["number"] for o in js(cli.ok("order", "list", "--json"))] == [1, 2]

        frozen.move_to("2026-01-15 07:30:00")  # 02:30 EST: clock out
        out = cli.ok("shift", "end", "Alice", input="2580\n").stdout
        assert out == "Alice off shift at 2026-01-15 02:30 (4h30m).\n"

        frozen.move_to("2026-01-15 09:30:00")  # 04:30 EST: after the 04:00 rollover
        morning = js(cli.ok("order", "new", "--json"))
        assert (morning["number"], morning["business_day"]) == (1, "2026-01-15")

        day14 = js(cli.ok("order", "list", "--day", "2026-01-14", "--json"))
        assert [(o["id"], o["number"]) for o in day14] == [(evening["id"], 1), (late["id"], 2)]
        assert day14[1]["total_minor"] == 271  # 2.49 + 0.22
        day15 = js(cli.ok("order", "list", "--day", "2026-01-15", "--json"))
        assert [(o["id"], o["number"]) for o in day15] == [(morning["id"], 1)]
        assert js(cli.ok("order", "list", "--json")) == day15  # "today" is now the 15th

        shifts = js(cli.ok("shift", "list", "--day", "2026-01-14", "--json"))
        assert [(s["staff"], s["started_at"], s["ended_at"], s["worked_seconds"]) for s in shifts] == [
            ("Alice", "2026-01-15T03:00:00+00:00", "2026-01-15T07:30:00+00:00", 4 * 3600 + 30 * 60)
        ]
        text = cli.ok("shift", "list", "--day", "2026-01-14").stdout
        row = next(line for line in text.splitlines() if "Alice" in line)
        assert "2026-01-14 22:00" in row and "2026-01-15 02:30" in row and "4h30m" in row
        assert js(cli.ok("shift", "list", "--day", "2026-01-15", "--json")) == []


def test_duplicate_name_is_refused_before_asking_for_a_pin(cli: Cli) -> None:
    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    result = cli.fails("staff", "add", "ALICE", "--role", "cashier", input="5678\n5678\n", says="called Alice")
    assert "PIN" not in result.output.split("error:")[0]


def test_already_on_shift_message_uses_local_time(cli: Cli) -> None:
    from freezegun import freeze_time

    cli.ok("staff", "add", "Alice", "--role", "cashier", input="2580\n2580\n")
    with freeze_time("2026-01-15 14:05:00"):  # 09:05 in New York
        cli.ok("shift", "start", "Alice", input="2580\n")
        cli.fails("shift", "start", "Alice", says="since 09:05")
