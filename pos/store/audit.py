"""The audit trail: who did what, when, on which register; append-only (the database refuses changes).

Recorded: every state-changing command run by someone signed in (and every
read of the books), sign-ins and failed PINs (five in a row lock a person out until a
manager unlocks them), approvals, voids, refunds, discounts, drawers opened
without a sale, changes of settings, shifts clocked in and out (and by whom),
cash tips declared, and attempts a control refused.  Until registers sign people in,
an event whose actor is not known is recorded with no one's name.

The trail names people by id and reads their names back with a join: it
never imports :mod:`pos.people.staff`, which records sign-ins and failed PINs here.
"""

from __future__ import annotations

import enum
import json
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.store.store import fits_sql, iso, utc_now
from pos.store.days import current_day
from pos.store.roster import staff_row

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class Event(str, enum.Enum):
    SIGN_IN = "sign-in"
    FAILED_PIN = "failed PIN"
    LOCKED_OUT = "locked out"
    UNLOCKED = "unlocked"
    APPROVAL = "approval"
    VOID = "void"
    REFUND = "refund"
    DISCOUNT = "discount"
    NO_SALE = "drawer opened without a sale"
    SETTING = "setting changed"
    COMMAND = "command"
    """Any state-changing one-shot command (or a read of the books), by the person signed in for it."""
    REFUSED = "refused"
    """An attempt a control refused (a limit, the permission table, a sign-in's scope): what, and why not."""
    SHIFT_START = "shift started"
    SHIFT_END = "shift ended"
    CASH_TIPS = "cash tips declared"
    STAFF_ADDED = "staff added"
    STAFF_CHANGED = "staff changed"
    """A role, tip eligibility, a deactivation or reactivation: before and after."""
    PIN_CHANGED = "PIN changed"
    RECOVERED = "owner recovered"
    ITEM_CHANGED = "item changed"
    TAX_CHANGED = "tax changed"
    DRAWER_CASH = "drawer cash moved"
    """A drawer opened with its float, cash paid in or out, a drop, a count, a driver's hand-in once counted."""
    HAND_IN_STARTED = "hand-in started"
    """A driver said what they hand in: nothing moves until the person receiving it counts it (payments.cod)."""
    BOOKS_CORRECTED = "books corrected"
    DISCOUNT_REMOVED = "discount taken off"
    ORDER_CHANGED = "order changed"
    """A customer's name, phone or address, an order's note, the time promised or what the customer pays with."""
    DELIVERY = "delivery"
    """Sent out with a driver, collected at the door, or failed."""
    TIPS_PAID = "tips paid out"
    TIPS_SHARED = "tip pool shared"
    TIP_POLICY = "tip policy changed"
    """The store's tip policy from a day on (pos.tips.tip_policy): before and after."""
    PAY_SCHEDULE = "pay schedule changed"
    """The store's pay schedule from a day on (pos.tips.paydays): before and after."""
    OWN_SERVICE_TIP = "tip kept for own service"
    """A manager or owner kept the tip on an order they alone served (pos.tips.tips.own_service)."""
    DAY_CLOSED = "day closed"
    DAY_REOPENED = "day reopened"
    RECEIPT_EMAILED = "receipt emailed"
    """``pos receipt N --email``: the order, and the address masked (``d***@example.com``)."""
    OUTSIDE_REFUND = "refunded outside the register"
    """Money the card processor gave back that no refund of ours asked for (Stripe's Dashboard)."""


class Record(NamedTuple):
    id: int
    at: str
    business_day: str
    staff: str | None
    register: int | None
    event: Event
    detail: dict[str, Any]
    terminal: str | None = None
    """A short hash of the terminal it came from (as its sign-in keeps it), when it came from one."""


def record(store: "Store", event: Event, detail: dict[str, Any], *, staff_id: int | None = None,
           register: int | None = None, business_day: date | None = None) -> None:
    """Append one event (in the caller's transaction, so it stands or falls with what it records).

    It belongs to the business day open now, or to ``business_day`` (a day's close is that day's).
    """
    if staff_id is None:  # the person signed in for this command, when there is one
        staff_id = store.memo.get("actor_id")
    if register is None:  # the register the command is for, when it names one
        register = store.memo.get("register")
    if not isinstance(register, int) or not fits_sql(register):
        register = None  # a number no register has (the command refuses it): the event still stands
    command = store.memo.get("command")
    if command is not None and event is not Event.COMMAND:
        detail = {**detail, "command": command}
    store.memo["audited"] = store.memo.get("audited", 0) + 1
    now = utc_now()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO audit_log(at, business_day, staff_id, register, action, detail, terminal) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (iso(now), (business_day or current_day(store, now)).isoformat(), staff_id, register, event.value,
             json.dumps(detail, sort_keys=True, default=str), store.memo.get("terminal")),
        )


def changed(store: "Store", event: Event, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None,
            *, register: int | None = None, business_day: date | None = None, **detail: Any) -> None:
    """Record a change to one thing: what it was (``target``), its values before and after (None: it did not
    exist, or no longer does), and whatever else says why (a reason, an approver).  Money values are
    ``*_minor`` keys, which ``pos audit`` shows in the store's format."""
    record(store, event, {"target": target, "before": before, "after": after, **detail}, register=register,
           business_day=business_day)


def records(store: "Store", day: date | None = None, staff: str | None = None) -> list[Record]:
    """The trail of a business day (default: all of it), optionally of one person."""
    sql = "SELECT a.*, s.name AS name FROM audit_log a LEFT JOIN staff s ON s.id = a.staff_id WHERE 1 = 1"
    params: list[object] = []
    if day is not None:
        sql += " AND a.business_day = ?"
        params.append(day.isoformat())
    if staff is not None:
        sql += " AND a.staff_id = ?"
        params.append(staff_row(store, staff)["id"])
    return [Record(r["id"], r["at"], r["business_day"], r["name"], r["register"], Event(r["action"]),
                   json.loads(r["detail"]), r["terminal"]) for r in store.all(sql + " ORDER BY a.id", tuple(params))]


def refused(store: "Store", asked: str, why: str, *, staff_id: int | None = None, register: int | None = None) -> bool:
    """Record an attempt a control refused, in a transaction of its own; False when the store cannot take it.

    Called by whoever caught the refusal, after everything the attempt began was rolled back, so
    the refusal is the only thing it leaves.  A store opened read-only cannot record anything: the
    caller then says so in the refusal.
    """
    from pos.base.errors import StoreError

    if store.read_only is not None or store.in_transaction:
        return False
    try:
        record(store, Event.REFUSED, {"asked": asked, "why": why}, staff_id=staff_id, register=register)
    except StoreError:  # the disk failed under it: the refusal itself still stands, and says so
        return False
    return True
