"""An approver is never the person asking (issue 14, rule 8), and the approval is recorded with both names.

The finding: ``pos refund 1 --approve Maria`` run by Maria herself was accepted for $108; so were voids,
reopening a day and unlocking.  Refunds, voids, discounts, reopening and unlocking all go through
:func:`pos.people.approvals.approve`; the register session refuses the person at the till approving themselves.
Managers and the owner act on their own authority above the limits (:func:`pos.people.limits.own_authority`), but
an approver they name is still never themselves.
"""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from payments.refunds import refund
from pos.store import audit, config
from pos.day.close import close_day, is_closed, reopen_day
from pos.cash.drawer import open_drawer
from pos.base.errors import Refused
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from screens.register import Session
from tests.conftest import Cli, refused_events

NOON = "2026-11-23 17:00:00"
OWNER_PIN, MANAGER_PIN, CASHIER_PIN = "369147", "258036", "2580"


@pytest.fixture
def shop(store: Store, tmp_path, monkeypatch) -> Store:
    """Sign-in on; Tony (owner), Maria (manager), Alice (cashier); drawer 1 open; order #1 paid $108.88 in cash,
    order #2 open with a pizza; refunds, voids and discounts above $20 need a manager's approval."""
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        add_staff(store, "Tony", "owner", OWNER_PIN)
        add_staff(store, "Maria", "manager", MANAGER_PIN)
        add_staff(store, "Alice", "cashier", CASHIER_PIN)
        open_drawer(store, 1, "100")
        paid = new_order(store, "counter")
        add_line(store, paid.id, "PIZZA-M", 8)
        service.pay(store, paid.id, "cash", "120")
        add_line(store, new_order(store, "counter").id, "PIZZA-M", 2)
        for option in ("approval.refund_over", "approval.void_over", "approval.discount_over"):
            config.set_option(store, option, "20")
        config.set_option(store, "signin.required", "yes")
    return store


def approvals(store: Store) -> list[tuple[str, str | None, str]]:
    return [(r.detail["by"], r.detail["for"], r.detail["action"]) for r in audit.records(store)
            if r.event is audit.Event.APPROVAL]


def test_the_finding_replayed_a_manager_cannot_approve_her_own_refund_void_discount_or_reopen(
        shop: Store, cli_for) -> None:
    cli: Cli = cli_for(shop)
    with freeze_time(NOON):
        cli.ok("login", "Maria", input=f"{MANAGER_PIN}\n")
        says = "Maria cannot approve their own request: another manager or the owner approves it."
        cli.fails("refund", "1", "--reason", "cold", "--approve", "Maria", input=f"{MANAGER_PIN}\n", audited=True,
                  says=says)
        cli.fails("void", "2", "--reason", "left", "--approve", "Maria", input=f"{MANAGER_PIN}\n", audited=True,
                  says=says)
        cli.fails("order", "discount", "2", "50%", "--reason", "friend", "--approve", "Maria",
                  input=f"{MANAGER_PIN}\n", audited=True, says=says)
        cli.fails("day", "reopen", "--day", "2026-11-22", "--approve", "Maria", input=f"{MANAGER_PIN}\n",
                  audited=True, says=says)
        assert shop.scalar("SELECT count(*) FROM refunds") == 0 and approvals(shop) == []
        # A manager refunds on her own authority (pos.people.limits.own_authority), named as herself, approved by nobody.
        assert "Refunded $108.88 on #1" in cli.ok("refund", "1", "--reason", "cold").stdout
        assert shop.scalar("SELECT count(*) FROM refunds WHERE approved_by IS NOT NULL") == 0
    assert approvals(shop) == []
    assert [e["asked"] for e in refused_events(shop.path)] == [
        "pos refund", "pos void", "pos order discount", "pos day reopen"]


def test_the_library_refuses_self_approval_and_records_both_names(shop: Store) -> None:
    maria, alice, tony = (get_staff(shop, n) for n in ("Maria", "Alice", "Tony"))
    with freeze_time(NOON):
        with pytest.raises(Refused, match="Maria cannot approve their own refund: another manager or the owner"):
            refund(shop, 1, None, "cold", approver=maria, by=maria)
        with pytest.raises(Refused, match="Maria cannot approve their own refund"):  # even where none is needed
            refund(shop, 1, "1.00", "cold", approver=maria, by=maria)
        assert shop.scalar("SELECT count(*) FROM refunds") == 0
        refund(shop, 1, "50.00", "cold", approver=maria, by=alice)
    assert approvals(shop) == [("Maria", "Alice", "refund")]
    assert tony.role.value == "owner"


def test_reopening_a_day_is_never_approved_by_the_person_asking(store: Store) -> None:
    with freeze_time(NOON):
        maria = add_staff(store, "Maria", "manager", MANAGER_PIN)
        tony = add_staff(store, "Tony", "owner", OWNER_PIN)
        close_day(store, date(2026, 11, 22), {})
        with pytest.raises(Refused, match="Maria cannot approve their own reopening of 2026-11-22"):
            reopen_day(store, date(2026, 11, 22), maria, by=maria)
        assert is_closed(store, date(2026, 11, 22))
        reopen_day(store, date(2026, 11, 22), tony, by=maria)
        assert not is_closed(store, date(2026, 11, 22))
    assert approvals(store) == [("Tony", "Maria", "reopening of 2026-11-22")]


@freeze_time(NOON)
def test_at_the_register_the_cashier_is_never_their_own_approver(shop: Store) -> None:
    start_shift(shop, "Alice")
    till = Session(shop, get_staff(shop, "Alice"), 1)
    till.handle("3*PIZZA-M")
    assert till.handle("void changed my mind")[0].startswith("Voiding order")
    assert till.answer("Alice") == ["Alice cannot approve their own request: another manager or the owner "
                                    "approves it."]
    assert till.asking is None and till.order_id is not None  # nothing voided, nobody asked for a PIN
    assert refused_events(shop.path)[-1]["asked"] == "register: void changed my mind"
    till.handle("void changed my mind")
    till.answer("Tony")
    assert till.answer(OWNER_PIN)[0].startswith("Voided #")
    assert approvals(shop) == [("Tony", "Alice", "void")]
