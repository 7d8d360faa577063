"""The audit trail: append-only, and every failed PIN, approval, void, refund, discount and setting in it."""

from __future__ import annotations

import sqlite3

import pytest
from freezegun import freeze_time

from payments import service
from payments.refunds import refund
from pos.store import audit, chains, config
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order, void_order
from pos.people.staff import add_staff
from pos.people.pin_tries import unlock, verify_pin
from pos.store.store import Store


def test_wrong_pins_are_recorded_and_five_in_a_row_lock_out_until_a_manager_unlocks(store: Store, cli_for) -> None:
    add_staff(store, "Alice", "cashier", "2580")
    maria = add_staff(store, "Maria", "manager", "258036")
    for left in ("4 tries", "3 tries", "2 tries", "1 try"):
        with pytest.raises(NotAllowed, match=f"{left} left"):
            verify_pin(store, "Alice", "0000", register=2)
    verify_pin(store, "Alice", "2580")  # a right PIN resets the count
    for _ in range(4):
        with pytest.raises(NotAllowed):
            verify_pin(store, "Alice", "0000")
    with pytest.raises(NotAllowed, match="Alice is locked out after 5 wrong PINs in a row"):
        verify_pin(store, "Alice", "0000")
    with pytest.raises(NotAllowed, match="locked out after 5 wrong PINs"):
        verify_pin(store, "Alice", "2580")  # even the right PIN, now
    events = [r.event for r in audit.records(store, staff="Alice")]
    assert events.count(audit.Event.FAILED_PIN) == 9 and events[-1] is audit.Event.LOCKED_OUT
    assert audit.records(store, staff="Alice")[0].register == 2
    assert all("0000" not in str(r.detail) for r in audit.records(store))  # a PIN is never written down
    cate = add_staff(store, "Cate", "cashier", "1470")
    with pytest.raises(NotAllowed, match="Cate is a cashier and may not add, change or unlock staff"):
        unlock(store, "Alice", cate)
    unlock(store, "Alice", maria)
    assert verify_pin(store, "Alice", "2580").name == "Alice"
    cli = cli_for(store)
    cli.fails("staff", "unlock", "Alice", says="needs a manager")
    # Unlocking is only for someone locked out (it used to reset anyone's count of wrong PINs).
    cli.fails("staff", "unlock", "Alice", "--approve", "Maria", input="258036\n", audited=True,
              says="Alice is not locked out: nothing to unlock")
    for _ in range(5):
        with pytest.raises(NotAllowed):
            verify_pin(store, "Alice", "0000")
    assert "Alice is unlocked." in cli.ok("staff", "unlock", "Alice", "--approve", "Maria", input="258036\n").stdout


@freeze_time("2026-11-23 17:00:00")
def test_approvals_voids_refunds_discounts_and_settings_are_in_the_trail(store: Store, cli_for) -> None:
    maria = add_staff(store, "Maria", "manager", "258036")
    open_drawer(store, 1, "100")
    config.set_option(store, "approval.refund_over", "5")
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    add_discount(store, order.id, "1.00", "regular")
    service.pay(store, order.id, "cash", "20")
    refund(store, order.id, "10.00", "burnt", approver=maria)
    left = new_order(store, "counter")
    add_line(store, left.id, "SODA")
    void_order(store, left.id, "customer left")
    trail = [(r.event, r.staff) for r in audit.records(store) if r.event is not audit.Event.ITEM_CHANGED
             and r.event is not audit.Event.DRAWER_CASH]
    assert trail == [(audit.Event.STAFF_ADDED, None), (audit.Event.SETTING, None), (audit.Event.DISCOUNT, None), (audit.Event.APPROVAL, "Maria"),
                     (audit.Event.REFUND, None), (audit.Event.VOID, None)]
    (setting,) = [r for r in audit.records(store) if r.event is audit.Event.SETTING]
    assert setting.detail == {"target": "approval.refund_over", "before": {"value": "5000"}, "after": {"value": "500"},
                              "was_default": True}
    out = cli_for(store).ok("audit", "--day", "2026-11-23").stdout
    assert "approval" in out and "Maria" in out and "customer left" in out
    assert "Nothing in the audit trail" in cli_for(store).ok("audit", "--day", "2026-11-01").stdout


def test_the_trail_cannot_be_changed(store: Store) -> None:
    config.set_option(store, "cash.rounding", "0.05")
    conn = sqlite3.connect(store.path)
    # A plain sqlite3 shell cannot even start: the chain's triggers call a function only this program has.
    with pytest.raises(sqlite3.DatabaseError, match="no such function: pos_link"):
        conn.execute("DELETE FROM audit_log")
    chains.register(conn)  # and with it (a script using our own code), the trail's own guards refuse
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET detail = '{}'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log")
    conn.close()


def test_cli_audit_bad_input(store: Store, cli_for) -> None:
    cli = cli_for(store)
    cli.fails("audit", "--day", "23/11/2026", says="YYYY-MM-DD")
    cli.fails("audit", "--staff", "Nobody", says="No staff member called 'Nobody'")
    cli.fails("staff", "unlock", "Nobody", says="needs a manager")
