"""Pools by the tip policy: only tipped hours share, kitchen shifts out under a tip credit, managers never; a manager's own tips."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from payments import service
from pos.store import audit
from pos.tips import tip_pool, tips
from pos.cash.drawer import open_drawer
from pos.base.errors import InvalidInput, NotAllowed
from pos.sales.orders import add_line, new_order
from pos.store.roster import Role, StaffMember
from pos.people.staff import JOBS, add_staff, end_shift, start_shift
from pos.store.store import Store
from pos.tips.tip_policy import TipPolicy, problems, set_policy
from tests.helpers import refused

DAY = date(2026, 11, 23)
NOON = "2026-11-23 17:00:00"


@pytest.fixture
def team(store: Store) -> Store:
    for name, role, pin in (("Alice", "cashier", "2580"), ("Bob", "server", "2580"), ("Kim", "kitchen", "2580"),
                            ("Maria", "manager", "258036"), ("Tony", "owner", "258036")):
        add_staff(store, name, role, pin)
    open_drawer(store, 1, "100")
    return store


def sale(store: Store, channel: str = "counter", created_by: int | None = None):
    order = new_order(store, channel, created_by=created_by, address="4 Elm St" if channel == "delivery" else None)
    add_line(store, order.id, "PIZZA-M")
    return order


def test_with_a_tip_credit_kitchen_shifts_are_out_of_the_pool_and_the_preview_says_why(team: Store, cli_for) -> None:
    """29 CFR 531.54(c), as amended by 85 FR 86756: with a tip credit, back of house shares no mandatory pool;
    a person's kitchen shift in the same day as a server shift counts nothing, the server hours count."""
    with freeze_time("2026-11-23 14:00:00") as clock:
        set_policy(team, ["jurisdiction", "NY", "tip-credit", "2.13", "kitchen-shares", "no"])
        start_shift(team, "Kim")  # kitchen
        start_shift(team, "Alice")
        start_shift(team, "Bob", job="kitchen")
        clock.move_to("2026-11-23 16:00:00")
        end_shift(team, "Bob")  # 2 h in the kitchen
        start_shift(team, "Bob", job="server")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=300)
        clock.move_to("2026-11-23 18:00:00")  # Bob 2 h serving, Alice 4 h
        plan = tip_pool.plan(team, DAY)
        assert [(s.name, s.worked_s, s.amount_minor) for s in plan.shares] == [("Alice", 4 * 3600, 200),
                                                                               ("Bob", 2 * 3600, 100)]
        assert "29 CFR 531.54(c)" in dict(plan.excluded)["Kim"]
        assert [(u.name, u.job, u.worked_s) for u in plan.uncounted] == [("Bob", "kitchen", 2 * 3600)]
        out = cli_for(team).ok("tips", "distribute", "--preview").stdout
        assert "Kim worked but gets nothing" in out and "85 FR 86756" in out
        assert "Bob's 2.00 h as kitchen do not count" in out


def test_without_a_tip_credit_the_kitchen_shares_as_before(team: Store) -> None:
    with freeze_time("2026-11-23 14:00:00") as clock:
        start_shift(team, "Kim")
        start_shift(team, "Alice")
        service.pay(team, sale(team).id, "cash", "20", tip_minor=300)
        clock.move_to("2026-11-23 16:00:00")
        assert {s.name: s.amount_minor for s in tip_pool.plan(team, DAY).shares} == {"Alice": 150, "Kim": 150}


@freeze_time(NOON)
def test_a_pool_tip_needs_someone_on_shift_in_pooled_work(team: Store) -> None:
    """29 CFR 531.54(c): under a tip credit a cook on shift is nobody the pool may go to."""
    set_policy(team, ["jurisdiction", "NY", "tip-credit", "2.13", "kitchen-shares", "no"])
    start_shift(team, "Kim")
    order = sale(team)
    refused(team, NotAllowed, "in work that shares the pool", service.pay, team, order.id, "cash", "20", tip_minor=100)


@freeze_time(NOON)
def test_a_shift_job_must_be_one_staff_work(team: Store, cli_for) -> None:
    cli = cli_for(team)
    cli.fails("shift", "start", "Kim", "--job", "chef", says="not a job Kim can work")
    cli.fails("shift", "start", "Kim", "--job", "manager", says="not a job Kim can work")
    assert "as server" in cli.ok("shift", "start", "Kim", "--job", "server", input="2580\n").stdout
    assert start_shift(team, "Maria").job is Role.MANAGER  # default: the person's role


# -- the property -----------------------------------------------------------------------------------

ROLES = [Role.SERVER, Role.CASHIER, Role.DRIVER, Role.KITCHEN, Role.MANAGER, Role.OWNER]
policies = st.builds(
    TipPolicy, st.sampled_from([0, 213, 512]), st.sampled_from(["none", "NY", "TX", "CA"]),
    st.lists(st.sampled_from(JOBS), unique=True).map(tuple), st.lists(st.sampled_from(JOBS), unique=True).map(tuple),
    st.booleans(), st.booleans()).filter(lambda p: not problems(p))
people = st.lists(st.tuples(st.sampled_from(ROLES), st.booleans(), st.lists(
    st.tuples(st.sampled_from(ROLES), st.integers(0, 36000)), min_size=1, max_size=3)), min_size=1, max_size=6)


@given(policy=policies, crew=people, pool=st.integers(0, 10**7))
def test_a_split_under_any_valid_policy_sums_to_the_pool_and_gives_excluded_roles_nothing(
        policy: TipPolicy, crew: list, pool: int) -> None:
    """FLSA 3(m)(2)(B) (never owners or managers) and 29 CFR 531.54(c) (never kitchen under a tip credit)."""
    worked = []
    for i, (role, eligible, shifts) in enumerate(crew):
        member = StaffMember(i, f"P{i}", f"p{i}", role, True, eligible and role not in (Role.OWNER, Role.MANAGER), None)
        worked += [(member, job if job in JOBS else role, seconds) for job, seconds in shifts]
    shares, _, _ = tip_pool.split(policy, pool, worked)
    if shares:
        assert sum(s.amount_minor for s in shares) == pool
    paid = {s.staff_key for s in shares if s.amount_minor}
    for member, job, seconds in worked:
        if member.role in (Role.OWNER, Role.MANAGER) or not member.tip_eligible:
            assert member.key not in paid
    for share in shares:  # each share is by pooled hours only: kitchen hours never count under a tip credit
        pooled = sum(s for m, j, s in worked if m.key == share.staff_key and policy.counts_toward_pool(j))
        assert share.worked_s == pooled
    if policy.takes_tip_credit:
        assert not policy.counts_toward_pool(Role.KITCHEN)


# -- a manager's own tips ------------------------------------------------------------------------------


@freeze_time(NOON)
def test_a_manager_keeps_a_tip_for_service_they_alone_gave_recorded_as_such(team: Store) -> None:
    """FLSA 3(m)(2)(B); DOL opinion letters FLSA2024-02 and FLSA2025-1: a manager may keep tips for service
    they directly and solely provided: an order they rang and take payment for themselves, not a delivery."""
    from pos.people.staff import get_staff

    maria = get_staff(team, "Maria")
    order = sale(team, created_by=maria.id)
    team.memo["actor_id"] = maria.id
    result = service.pay(team, order.id, "cash", "20", tip_minor=200, tip_to="Maria")
    assert result.payment.details.get("tip_own_service") is True
    assert tips.owed_by_person(team) == {"maria": 200}
    (event,) = [r for r in audit.records(team) if r.event is audit.Event.OWN_SERVICE_TIP]
    assert event.detail["who"] == "Maria" and event.detail["amount_minor"] == 200


@freeze_time(NOON)
def test_a_manager_never_takes_another_persons_tip(team: Store) -> None:
    """FLSA 3(m)(2)(B): never a tip for someone else's service, a delivery, or without being the one taking it."""
    from pos.people.staff import get_staff

    maria, alice = get_staff(team, "Maria"), get_staff(team, "Alice")
    start_shift(team, "Alice")
    rung_by_alice = sale(team, created_by=alice.id)
    team.memo["actor_id"] = maria.id
    refused(team, NotAllowed, "Maria is a manager: owners and managers may not share", service.pay, team,
            rung_by_alice.id, "cash", "20", tip_minor=200, tip_to="Maria")
    delivery = sale(team, "delivery", created_by=maria.id)
    refused(team, NotAllowed, "not a delivery", service.pay, team, delivery.id, "cash", "20", tip_minor=200,
            tip_to="Maria")
    hers = sale(team, created_by=maria.id)
    team.memo["actor_id"] = alice.id  # Alice takes the payment: not Maria's service alone
    refused(team, NotAllowed, "may not share", service.pay, team, hers.id, "cash", "20", tip_minor=200, tip_to="Maria")
    team.memo.pop("actor_id")
    refused(team, NotAllowed, "may not share", service.pay, team, hers.id, "cash", "20", tip_minor=200, tip_to="Maria")
    with pytest.raises(InvalidInput):
        start_shift(team, "Alice", job="owner")
