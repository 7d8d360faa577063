"""Who may give whom which role (issue 14, rule 1): nobody grants a role above their own, only an owner makes,
changes, deactivates or reactivates owners and managers, and the last active owner stays.

The finding: signed in as Maria (a manager), ``pos staff add Evil --role owner``, ``pos login Evil`` and
``pos config set signin.required no`` were all accepted; a manager could deactivate the only owner, and
there was no reactivation.
"""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from pos.store import audit
from pos.base.errors import Refused
from pos.people.staff import add_staff, change_role, deactivate_staff, get_staff
from pos.store.store import Store
from tests.conftest import Cli
from tests.helpers import CASHIER_PIN, MANAGER_PIN, OWNER_PIN, OWNER_SHOP, signin_on

NOON = "2026-11-23 17:00:00"


@pytest.fixture
def shop(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Tony (the only owner), Maria (manager), Alice (cashier)."""
    return signin_on(store, tmp_path, monkeypatch, OWNER_SHOP)


def role_of(store: Store, name: str) -> tuple[str, bool]:
    member = get_staff(store, name)
    return member.role.value, member.active


@freeze_time(NOON)
def test_the_finding_replayed_a_manager_cannot_make_an_owner_or_remove_the_only_one(shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    cli.ok("login", "Maria", input=f"{MANAGER_PIN}\n")
    cli.fails("staff", "add", "Evil", "--role", "owner", input="999999\n999999\n", audited=True,
              says="Maria is a manager and may not add Evil as an owner: nobody grants a role above their own.")
    cli.fails("staff", "add", "Evil", "--role", "manager", input="999999\n999999\n", audited=True,
              says="only an owner adds, changes, deactivates, reactivates or unlocks owners and managers")
    cli.fails("login", "Evil", input="999999\n", says="No staff member called 'Evil'")
    cli.fails("config", "set", "signin.required", "no", audited=True, says="may not change store settings")
    cli.fails("staff", "deactivate", "Tony", audited=True, says="Maria is a manager and may not deactivate Tony")
    cli.fails("staff", "role", "Tony", "cashier", audited=True, says="may not make Tony a cashier")
    cli.fails("staff", "role", "Maria", "owner", audited=True, says="Maria cannot change their own role")
    cli.fails("staff", "role", "Alice", "manager", audited=True,
              says="Maria is a manager and may not make Alice a manager: only an owner")
    assert [role_of(shop, n) for n in ("Tony", "Maria", "Alice")] == [
        ("owner", True), ("manager", True), ("cashier", True)]
    # What a manager may do: the people below managers.
    assert cli.ok("staff", "add", "Sam", "--role", "server", input=f"{CASHIER_PIN}\n{CASHIER_PIN}\n").stdout.endswith(
        "Added Sam (server, tip-eligible).\n")
    assert cli.ok("staff", "role", "Sam", "driver").stdout == "Sam is now a driver.\n"
    cli.ok("staff", "deactivate", "Sam")
    cli.fails("staff", "reactivate", "Sam", audited=True, says="Maria is a manager and may not reactivate staff "
                                                                 "('pos staff reactivate Sam'): that needs an owner")
    added = next(r for r in audit.records(shop) if r.event is audit.Event.STAFF_ADDED and r.detail["target"] == "Sam")
    assert added.staff == "Maria" and added.detail["by"] == "Maria" and added.detail["before"] is None
    assert added.detail["after"] == {"role": "server", "active": True, "tip_eligible": True}
    changes = [(r.detail["before"], r.detail["after"]) for r in audit.records(shop)
               if r.event is audit.Event.STAFF_CHANGED and r.detail["target"] == "Sam"]
    assert [(b["role"], b["active"], a["role"], a["active"]) for b, a in changes] == [
        ("server", True, "driver", True), ("driver", True, "driver", False)]


@freeze_time(NOON)
def test_only_an_owner_changes_owners_and_managers_and_the_last_owner_stays(shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    cli.ok("login", "Tony", input=f"{OWNER_PIN}\n")
    cli.fails("staff", "deactivate", "Tony", audited=True, says="Tony is the last active owner and cannot be "
                                                                "deactivated")
    cli.fails("staff", "role", "Tony", "manager", audited=True, says="Tony cannot change their own role")
    cli.fails("staff", "role", "Alice", "chef", says="Unknown role 'chef'")
    cli.fails("staff", "role", "Nobody", "cashier", says="No staff member called 'Nobody'")
    cli.fails("staff", "role", "Alice", "cashier", says="Alice is a cashier already")
    cli.fails("staff", "reactivate", "Alice", says="Alice is active already")
    cli.fails("staff", "reactivate", "Nobody", says="No staff member called 'Nobody'")
    assert cli.ok("staff", "role", "Maria", "owner").stdout == "Maria is now an owner.\n"
    cli.ok("staff", "deactivate", "Maria")
    assert cli.ok("staff", "reactivate", "Maria").stdout == "Maria is active again (owner).\n"
    cli.ok("staff", "role", "Maria", "manager")
    assert [role_of(shop, n) for n in ("Tony", "Maria")] == [("owner", True), ("manager", True)]
    reactivated = [r for r in audit.records(shop) if r.event is audit.Event.STAFF_CHANGED
                   and r.detail["after"]["active"] and not r.detail["before"]["active"]]
    assert [(r.staff, r.detail["target"], r.detail["by"]) for r in reactivated] == [("Tony", "Maria", "Tony")]


def test_the_last_active_owner_is_never_demoted_or_deactivated_even_by_a_trusted_caller(store: Store) -> None:
    add_staff(store, "Tony", "owner", OWNER_PIN)
    ann = add_staff(store, "Ann", "owner", OWNER_PIN)
    deactivate_staff(store, "Ann")
    with pytest.raises(Refused, match="Tony is the last active owner and cannot be made a manager"):
        change_role(store, "Tony", "manager")
    with pytest.raises(Refused, match="Tony is the last active owner and cannot be deactivated"):
        deactivate_staff(store, "Tony")
    assert get_staff(store, "Tony").role.value == "owner" and get_staff(store, "Tony").active
    assert ann.role.value == "owner"


def test_a_tip_override_goes_back_to_the_default_when_the_new_role_may_not_share_tips(store: Store) -> None:
    add_staff(store, "Alice", "cashier", CASHIER_PIN, tip_eligible=True)
    promoted = change_role(store, "Alice", "manager")
    assert (promoted.tip_eligible, promoted.tip_eligible_override) == (False, None)
