"""Who may do what: one table, in one place, for every way in (register session, one-shot commands, kiosks).

Each role is given a set of actions; everything else is refused.  Amounts
matter for two actions: a cashier refunds up to the store's
``approval.refund_over``, and a void of paid lines or a larger refund needs
a manager's approval (:mod:`pos.approvals`), which is a manager typing
their PIN at that moment.  A kiosk is a role of its own: it may only add
items and take payment.  Owners may do everything.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pos.errors import NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.staff import StaffMember


class Actor(str, enum.Enum):
    """Who is acting: a staff member's role, or a self-checkout kiosk."""

    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    SERVER = "server"
    DRIVER = "driver"
    KITCHEN = "kitchen"
    KIOSK = "kiosk"


class Action(str, enum.Enum):
    RING_SALE = "ring up a sale"
    DISCOUNT = "give a discount"
    TAKE_PAYMENT = "take a payment"
    REFUND_SMALL = "refund up to the store's limit"
    REFUND_LARGE = "refund above the store's limit"
    VOID_UNPAID = "void an unpaid order"
    VOID_PAID = "void paid lines"
    APPROVE = "approve for someone else"
    OWN_DELIVERIES = "see and collect their own deliveries"
    HAND_IN_OWN_CASH = "hand in their own cash"
    DISPATCH = "send deliveries out"
    OPEN_DRAWER = "open a drawer (float)"
    NO_SALE = "open the drawer without a sale"
    PAID_IN_OUT = "put cash in or take it out of a drawer"
    COUNT_DRAWER = "count a drawer"
    TIP_PAYOUT = "pay tips out"
    DISTRIBUTE_TIPS = "share the tip pool"
    CLOSE_DAY = "close the day"
    REOPEN_DAY = "reopen a day"
    MANAGE_STAFF = "add, change or unlock staff"
    SET_PIN = "set another person's PIN"
    REACTIVATE_STAFF = "reactivate staff"
    """The owner's alone; who may change whom is :mod:`pos.roles` (a manager manages only the people below them)."""
    CHANGE_SETTINGS = "change store settings"
    MANAGE_CATALOG = "change the menu and taxes"
    READ_BOOKS = "read the books and reports"
    CORRECT_BOOKS = "post corrections to the books"
    KIOSK_SELL = "add items and pay at a kiosk"


A = Action
_COUNTER = frozenset({A.RING_SALE, A.DISCOUNT, A.TAKE_PAYMENT, A.REFUND_SMALL, A.VOID_UNPAID, A.DISPATCH})
_MANAGING = _COUNTER | {
    A.REFUND_LARGE, A.VOID_PAID, A.APPROVE, A.OPEN_DRAWER, A.NO_SALE, A.PAID_IN_OUT, A.COUNT_DRAWER, A.TIP_PAYOUT,
    A.DISTRIBUTE_TIPS, A.CLOSE_DAY, A.REOPEN_DAY, A.MANAGE_STAFF, A.READ_BOOKS, A.CORRECT_BOOKS, A.OWN_DELIVERIES,
    A.HAND_IN_OWN_CASH,
}

#: The whole policy.  Read it as: this actor may do these things, and nothing else.
PERMISSIONS: dict[Actor, frozenset[Action]] = {
    Actor.OWNER: frozenset(Action) - {A.KIOSK_SELL},
    Actor.MANAGER: frozenset(_MANAGING | {A.MANAGE_CATALOG}),
    Actor.CASHIER: _COUNTER | {A.OPEN_DRAWER},
    Actor.SERVER: _COUNTER - {A.DISPATCH},
    Actor.DRIVER: frozenset({A.OWN_DELIVERIES, A.HAND_IN_OWN_CASH}),
    Actor.KITCHEN: frozenset(),
    Actor.KIOSK: frozenset({A.KIOSK_SELL}),
}


def may(actor: Actor, action: Action) -> bool:
    """Whether ``actor`` may do ``action`` (without anyone's approval)."""
    return action in PERMISSIONS[actor]


def actor_of(member: "StaffMember") -> Actor:
    return Actor(member.role.value)


def require(member: "StaffMember", action: Action) -> None:
    """Refuse, saying who may, when ``member`` may not do ``action``."""
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and may not {action.value}.")
    if may(actor_of(member), action):
        return
    allowed = [f"{_article(a.value)} {a.value}" for a in Actor if a is not Actor.KIOSK and may(a, action)]
    who = " or ".join(allowed) if allowed else "nobody here"
    raise NotAllowed(f"{member.name} is {_article(member.role.value)} {member.role.value} "
                     f"and may not {action.value}: that needs {who}.")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
