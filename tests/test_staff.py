"""Staff, PINs and shifts through the library (the CLI side is in test_cli_staff.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from freezegun import freeze_time

from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.store.roster import Role
from pos.people.staff import (
    add_staff,
    deactivate_staff,
    end_shift,
    hash_pin,
    list_shifts,
    on_shift_at,
    pin_matches,
    start_shift,
)
from pos.people.pin_tries import verify_pin
from pos.store.store import Store


def test_pin_hash_is_salted_scrypt_and_checks() -> None:
    first, second = hash_pin("2580"), hash_pin("2580")
    assert first.startswith("scrypt$16$8$1$")  # the tests' cheap cost (conftest)
    assert first != second  # a fresh salt each time
    assert "2580" not in first.split("$", 4)[-1]
    assert pin_matches("2580", first) and pin_matches("2580", second)
    assert not pin_matches("1235", first)
    assert not pin_matches("2580", "md5$whatever")


@pytest.mark.parametrize("pin", ["258", "2580369147025", "25a8", "", " 2580"])
def test_bad_pins_refused(store: Store, pin: str) -> None:
    with pytest.raises(InvalidInput, match="digits"):
        add_staff(store, "Alice", "cashier", pin)
    assert store.one("SELECT count(*) FROM staff")[0] == 0


def test_verify_pin(store: Store) -> None:
    add_staff(store, "Alice", "cashier", "2468")
    assert verify_pin(store, "alice", "2468").name == "Alice"
    with pytest.raises(NotAllowed, match="Wrong PIN"):
        verify_pin(store, "Alice", "1357")
    deactivate_staff(store, "Alice")
    with pytest.raises(NotAllowed, match="deactivated"):
        verify_pin(store, "Alice", "2468")


@pytest.mark.parametrize(
    ("role", "eligible"),
    [(Role.OWNER, False), (Role.MANAGER, False), (Role.CASHIER, True), (Role.SERVER, True),
     (Role.DRIVER, True), (Role.KITCHEN, True)],
)
def test_tip_eligibility_defaults_from_role(store: Store, role: Role, eligible: bool) -> None:
    pin = "2580" if eligible else "258036"
    assert add_staff(store, "Pat", role, pin).tip_eligible is eligible
    if eligible:  # staff who would have tips may opt out...
        assert add_staff(store, "Sam", role, pin, tip_eligible=False).tip_eligible is False
    else:  # ...but owners and managers can never be switched on (FLSA 3(m)(2)(B))
        with pytest.raises(NotAllowed, match="may not share in employees' tips"):
            add_staff(store, "Sam", role, pin, tip_eligible=True)


def test_names_unique_ignoring_case_and_spacing(store: Store) -> None:
    add_staff(store, "Mary Ann", "server", "2580")
    for clash in ("mary ann", "MARY  ANN", "Mary-Ann"):
        with pytest.raises(Conflict):
            add_staff(store, clash, "server", "2580")
    with pytest.raises(NotFound, match="Nobody|No staff"):
        start_shift(store, "Mary")


def test_shift_across_midnight_belongs_to_the_day_it_started(store: Store) -> None:
    add_staff(store, "Dave", "driver", "2580")
    # America/New_York in January is UTC-5: 21:00 local on Jan 15 = 02:00 UTC Jan 16.
    with freeze_time("2026-01-16 02:00:00"):
        shift = start_shift(store, "Dave")
    assert shift.business_day == date(2026, 1, 15)
    with freeze_time("2026-01-16 05:30:00"):  # 00:30 local: past midnight, before rollover
        assert on_shift_at(store, shift_member(store))
    with freeze_time("2026-01-16 07:45:00"):  # 02:45 local
        ended = end_shift(store, "Dave")
    assert ended.worked_seconds() == 5 * 3600 + 45 * 60
    assert [s.id for s in list_shifts(store, date(2026, 1, 15))] == [shift.id]
    assert list_shifts(store, date(2026, 1, 16)) == []
    assert not on_shift_at(store, shift_member(store), datetime(2026, 1, 16, 8, 0, tzinfo=timezone.utc))


def shift_member(store: Store):
    from pos.people.staff import get_staff

    return get_staff(store, "Dave")


def test_one_open_shift_per_person_enforced_by_the_database(store: Store) -> None:
    add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    with pytest.raises(Conflict, match="already on shift"):
        start_shift(store, "Alice")
    import sqlite3

    staff_id = store.one("SELECT id FROM staff")[0]
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute(
            "INSERT INTO shifts(staff_id, business_day, started_at) VALUES (?, '2026-01-01', '2026-01-01T00:00:00.000000Z')",
            (staff_id,),
        )


def test_deactivation_ends_the_open_shift_and_blocks_new_ones(store: Store) -> None:
    add_staff(store, "Alice", "cashier", "2580")
    start_shift(store, "Alice")
    deactivate_staff(store, "Alice")
    assert list_shifts(store, open_only=True) == []
    with pytest.raises(NotAllowed, match="deactivated"):
        start_shift(store, "Alice")
    with pytest.raises(Conflict, match="already deactivated"):
        deactivate_staff(store, "Alice")


def test_pool_is_not_a_name(store: Store) -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        add_staff(store, "Pool", "server", "2580")
    assert store.one("SELECT count(*) FROM staff")[0] == 0
