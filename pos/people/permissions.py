"""Who may do what: one table, in one place, for every way in (register session, one-shot commands, kiosks).

Each role is given a set of actions; everything else is refused.  Amounts
matter for two actions: a cashier refunds up to the store's
``approval.refund_over``, and a void of paid lines or a larger refund needs
a manager's approval (:mod:`pos.people.approvals`), which is a manager typing
their PIN at that moment.  A kiosk is a role of its own: it may only add
items and take payment.  Owners may do everything.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pos.base.errors import NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import Role, StaffMember


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
    OWN_DELIVERIES = "record a delivery's collection or failure"
    """A driver's for their own deliveries only (:func:`payments.cod.only_own`)."""
    HAND_IN_OWN_CASH = "hand in a driver's cash"
    """A driver's for their own cash only (:func:`payments.cod.only_own`)."""
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
    """The owner's alone; who may change whom is :mod:`pos.people.roles` (a manager manages only the people below them)."""
    CHANGE_SETTINGS = "change store settings"
    MANAGE_CATALOG = "change the menu and taxes"
    READ_BOOKS = "read the books and reports"
    CORRECT_BOOKS = "post corrections to the books"
    KIOSK_SELL = "add items and pay at a kiosk"
    FIND_ORDERS = "search orders by customer or card"
    """Across days, by a customer's phone or name or a card's last digits (``pos order find``): audited, as who
    looked for whom is the store's business; one day's list is open to anyone at the till."""
    EMAIL_RECEIPT = "email a receipt"
    """``pos receipt N --email``: an order sent off the machine through the store's mail server; audited, the address
    masked (``d***@example.com``)."""
    SEE_CONTACTS = "see customers' addresses and phones"
    """Hidden from anyone else (``commands/contacts.py``); a driver's for the deliveries out with them only."""


A = Action
_COUNTER = frozenset({A.RING_SALE, A.DISCOUNT, A.TAKE_PAYMENT, A.REFUND_SMALL, A.VOID_UNPAID, A.DISPATCH,
                      A.FIND_ORDERS, A.SEE_CONTACTS, A.EMAIL_RECEIPT})
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
    Actor.SERVER: _COUNTER - {A.DISPATCH, A.SEE_CONTACTS},  # who sends no delivery out needs no address
    Actor.DRIVER: frozenset({A.OWN_DELIVERIES, A.HAND_IN_OWN_CASH, A.SEE_CONTACTS}),
    Actor.KITCHEN: frozenset(),
    Actor.KIOSK: frozenset({A.KIOSK_SELL}),
}


def may(actor: Actor, action: Action) -> bool:
    """Whether ``actor`` may do ``action`` (without anyone's approval)."""
    return action in PERMISSIONS[actor]


def actor_of(member: "StaffMember") -> Actor:
    return Actor(member.role.value)


#: Who a driver is in a refusal of what a driver may do only for themselves.
_ONLY_THEIR_OWN: dict[Action, str] = {
    A.OWN_DELIVERIES: "the driver out with it",
    A.HAND_IN_OWN_CASH: "the driver whose cash it is",
    A.SEE_CONTACTS: "the driver out with it",
}


def require(member: "StaffMember", action: Action, *, asked: str | None = None) -> None:
    """Refuse when ``member`` may not do ``action``, saying what was asked, why not, and who may.

    ``asked`` is what they typed (``pos driver handin Dave 20``), named in the refusal when given.
    """
    what = f"{action.value} ({asked})" if asked else action.value
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and may not {what}.")
    if may(actor_of(member), action):
        return
    raise NotAllowed(f"{member.name} is {role_phrase(actor_of(member))} and may not {what}: that needs "
                     f"{who_may(action)}.")


def role_phrase(role: "Actor | Role") -> str:
    """The role as a person is one: "a cashier", "an owner", "kitchen staff" (an :class:`Actor` or a staff role)."""
    if role.value == Actor.KITCHEN.value:
        return "kitchen staff"
    return f"{_article(role.value)} {role.value}"


def who_may(action: Action) -> str:
    """Who may do ``action``, in words: "an owner, a manager or a cashier" (a kiosk is nobody's role)."""
    allowed = [_ONLY_THEIR_OWN[action] if a is Actor.DRIVER and action in _ONLY_THEIR_OWN else role_phrase(a)
               for a in Actor if a is not Actor.KIOSK and may(a, action)]
    if action in _ONLY_THEIR_OWN:  # the person it is about first
        allowed.sort(key=lambda phrase: phrase != _ONLY_THEIR_OWN[action])
    if not allowed:
        return "nobody here"
    return allowed[0] if len(allowed) == 1 else f"{', '.join(allowed[:-1])} or {allowed[-1]}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"
