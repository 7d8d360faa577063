"""Limits that add up: what a person may refund, void and discount without a manager, per order and per day.

Splitting never escapes a limit: each one applies to everything of its kind done without a
manager's approval, on the order, and by the person asking in the business day, this attempt
included.  The store sets them (``pos config set``; amounts in the store's currency)::

    approval.refund_over              refunds on one order, together
    approval.refunds_per_shift_over   a person's refunds in the business day, together
    approval.void_over                the value voided on one order: lines taken off it, then the order itself
    approval.voids_per_shift_over     a person's voids in the business day, together
    approval.discount_over            the order's discounts together, as an amount
    approval.discount_percent_over    the order's discounts together, as a percentage of its subtotal
    approval.discounts_per_shift_over a person's discounts in the business day, together (as given)

The ``*_per_shift_over`` options keep their names, but count per person per business day (the
calendar's, by the store's rollover, :func:`day_start`): a new shift continues the day's count, so
clocking out and in with one's own PIN starts nothing afresh, and neither does an early close.

Managers and the owner, who may approve, are not held to them (:func:`own_authority`): they act
on their own authority, in the audit trail by name.  What counts is what nobody approved: a refund a manager approved is the manager's, and leaves
the cashier's own allowance as it was.  A line taken off an order is voided at the drop in the
order's total; a kiosk customer taking their own item off voids nothing.

Every check here reads what counts already and must be called inside the ``store.write()``
(``BEGIN IMMEDIATE``) that writes the attempt (:func:`decided_inside`): two registers can then
never both pass a limit the first one's refund, void or discount uses up, and an approval
recorded here is rolled back with an attempt refused afterwards.

Above a limit the attempt needs a manager's approval (:func:`pos.people.approvals.approve`): a manager
typing their own PIN at that moment, which the caller asks for.  Without one it is refused with
:class:`OverLimit`, which says what was asked, why not and who may, and writes nothing; whoever
catches it records the refusal in the audit trail (:func:`pos.store.audit.refused`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import Refused
from pos.people.staff import get_staff
from pos.people.permissions import Action, actor_of, may
from pos.people import approvals

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

HOW_CLI = "add --approve MANAGER_NAME (they type their PIN)"
"""How a one-shot command gets an approval; a screen says its own way (:meth:`OverLimit.said`)."""


class OverLimit(Refused):
    """An attempt over a limit, without a manager's approval: ``asked``, ``why``, and how to get one."""

    def __init__(self, asked: str, why: str) -> None:
        self.asked = asked
        self.why = why
        super().__init__(self.said(HOW_CLI))

    def said(self, how: str) -> str:
        """The refusal in one line, ending with how this way in gets a manager's approval."""
        return f"{self.asked[0].upper()}{self.asked[1:]} needs a manager's approval: {self.why}; {how}."


class _Limit(NamedTuple):
    option: str
    before_minor: int
    """What counts already, without this attempt."""
    where: str
    """Where what counts was done: 'on it' (the order), 'by Alice today'."""
    per: str
    """'per order' or 'per person per day' (a business day)."""


def requester(store: "Store", by: "StaffMember | None") -> "StaffMember | None":
    """The person asking: ``by``, or the one signed in for this command; None when nobody is known."""
    if by is not None:
        return by
    actor_id = store.memo.get("actor_id")
    if actor_id is None:
        return None

    return get_staff(store, int(actor_id))


def own_authority(store: "Store", member: "StaffMember | None") -> bool:
    """Whether ``member`` may approve (a manager, the owner): the limits are for those who need an approval.

    They act on their own authority, named in the audit trail; since nobody approves their own
    request, a store with one manager could otherwise never refund above the limit.
    """
    if member is None:
        return False

    member = get_staff(store, member.id)  # as they are now, inside the write: not as they were at sign-in
    return member.active and may(actor_of(member), Action.APPROVE)


def day_start(store: "Store") -> str:
    """Since when a person's own limits count (stored text): the start of the business day the clock is in.

    Never a shift's start: a new shift (clocking out and in) continues the day's count.  The
    calendar's day, not the day open for sales: closing the day early does not start a new count.
    """
    from pos.store.clock import business_day, day_bounds
    from pos.store.store import iso, utc_now

    return iso(day_bounds(business_day(utc_now(), store.settings), store.settings)[0])


def decided_inside(store: "Store") -> None:
    """A limit is read and decided inside the transaction that writes what it limits (``store.write()``)."""
    if not store.in_transaction:
        raise RuntimeError("limits are checked inside the store.write() that writes the attempt")


def _money(store: "Store", minor: int) -> str:
    from pos.base.money_format import store_money

    return store_money(store, minor)


def _approver(store: "Store", approver: "StaffMember | None", action: str, by: "StaffMember | None") -> None:
    """An approver given is checked even where no limit needs one: the attempt is recorded as theirs."""
    if approver is not None:
        approvals.check_approver(store, approver, action, by)


def _check(store: "Store", asked: str, amount_minor: int, limits: list[_Limit], verb: str, action: str,
           approver: "StaffMember | None", by: "StaffMember | None" = None, record: bool = True) -> None:
    """Refuse when any limit is passed and nobody approves; otherwise record the approval given (``record``)."""
    from pos.store import config

    _approver(store, approver, action, by)

    for limit in limits:
        threshold = config.get_minor(store, limit.option)
        total = limit.before_minor + amount_minor
        if total <= threshold:
            continue
        if approver is None:
            over = f"over the {_money(store, threshold)} limit {limit.per} ({limit.option})"
            if limit.before_minor:
                why = (f"with {_money(store, limit.before_minor)} already {verb} {limit.where}, that makes "
                       f"{_money(store, total)}, {over}")
            else:
                why = f"it is {over}"
            raise OverLimit(asked, why)

        if record:
            approvals.approve(store, approver, action, total, by)
        return


def _per_day(store: "Store", who: "StaffMember | None", option: str, sql: str, parts: int = 1) -> list[_Limit]:
    """The daily limit of ``who``, with what counts already: ``sql`` sums it, taking (person id, since) ``parts`` times."""
    if who is None:
        return []
    before = int(store.scalar(sql, (who.id, day_start(store)) * parts))
    return [_Limit(option, before, f"by {who.name} today", "per person per day")]


# -- refunds ------------------------------------------------------------------------------------


def check_refund(store: "Store", order_id: str, order_label: str, amount_minor: int, *,
                 by: "StaffMember | None" = None, approver: "StaffMember | None" = None) -> None:
    """A refund of ``amount_minor`` on an order, against the order's refunds and the person's in the business day."""
    decided_inside(store)
    _approver(store, approver, "refund", by)  # an approver given is never the person asking, authority or not
    if own_authority(store, requester(store, by)):
        return
    # A refund that gave nothing back (failed, refused, or reversed when Stripe said it failed) counts for nothing.
    unapproved = "approved_by IS NULL AND state NOT IN ('failed', 'refused', 'reversed')"
    on_order = int(store.scalar(f"SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE order_id = ? AND {unapproved}",
                                (order_id,)))
    limits = [_Limit("approval.refund_over", on_order, "on it", "per order")]
    limits += _per_day(store, requester(store, by), "approval.refunds_per_shift_over",
                         "SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE created_by = ? AND created_at >= ? "
                         f"AND {unapproved}")
    _check(store, f"a refund of {_money(store, amount_minor)} on order {order_label}", amount_minor, limits,
           "refunded", "refund", approver, by)


# -- voids --------------------------------------------------------------------------------------

_VOIDED_BY = (
    "SELECT (SELECT coalesce(sum(removed_minor), 0) FROM order_lines WHERE removed_by = ? AND removed_at >= ? "
    "AND removal_approved_by IS NULL) + (SELECT coalesce(sum(voided_minor), 0) FROM orders "
    "WHERE voided_by = ? AND closed_at >= ? AND status = 'voided' AND void_approved_by IS NULL)"
)


def voided_on(store: "Store", order_id: str) -> int:
    """The value voided on an order so far without approval: the lines staff took off it."""
    return int(store.scalar("SELECT coalesce(sum(removed_minor), 0) FROM order_lines WHERE order_id = ? "
                            "AND removed_at IS NOT NULL AND removal_approved_by IS NULL", (order_id,)))


def check_void(store: "Store", order_id: str, amount_minor: int, what: str, *,
               by: "StaffMember | None" = None, approver: "StaffMember | None" = None, record: bool = True) -> None:
    """Voiding ``amount_minor`` of an order (``what``: 'voiding order #3', 'taking line 2 (Soda) off order #3').

    ``record=False`` checks ahead without recording the approval (it is recorded by the check that
    decides, in the write that voids).
    """
    decided_inside(store)
    _approver(store, approver, "void", by)  # an approver given is never the person asking, authority or not
    if own_authority(store, requester(store, by)):
        return
    limits = [_Limit("approval.void_over", voided_on(store, order_id), "on it", "per order")]
    limits += _per_day(store, requester(store, by), "approval.voids_per_shift_over", _VOIDED_BY, 2)
    _check(store, f"{what} ({_money(store, amount_minor)})", amount_minor, limits, "voided", "void", approver, by,
           record)


# -- discounts ----------------------------------------------------------------------------------


def check_discount(store: "Store", order_label: str, amount_minor: int, order_unapproved_minor: int,
                   subtotal_minor: int, *, by: "StaffMember | None" = None,
                   approver: "StaffMember | None" = None) -> None:
    """A discount taking ``amount_minor`` off an order whose other discounts nobody approved take ``order_unapproved_minor``.

    Against the order's discounts together, as an amount and as a percentage of its subtotal,
    and against the person's discounts in the business day.
    """
    from pos.store import config

    decided_inside(store)
    _approver(store, approver, "discount", by)  # an approver given is never the person asking, authority or not
    if own_authority(store, requester(store, by)):
        return
    asked = f"a discount of {_money(store, amount_minor)} on order {order_label}"
    total = order_unapproved_minor + amount_minor
    percent = config.get_minor(store, "approval.discount_percent_over")
    if approver is None and total * 100 > subtotal_minor * percent:
        shown = f"{total * 100 / max(subtotal_minor, 1):.0f}%"
        together = (f"with the order's other discounts, {_money(store, total)} is {shown}"
                    if order_unapproved_minor else f"it is {shown}")
        raise OverLimit(asked, f"{together} of its {_money(store, subtotal_minor)}, over the {percent}% limit "
                               "(approval.discount_percent_over)")
    limits = [_Limit("approval.discount_over", order_unapproved_minor, "on it", "per order")]
    limits += _per_day(store, requester(store, by), "approval.discounts_per_shift_over",
                         "SELECT coalesce(sum(amount_minor), 0) FROM discounts WHERE created_by = ? AND created_at >= ? "
                         "AND removed_at IS NULL AND approved_by IS NULL")
    if approver is not None and total * 100 > subtotal_minor * percent:
        approvals.approve(store, approver, "discount", total, by)
        return
    _check(store, asked, amount_minor, limits, "discounted", "discount", approver, by)


def check_discounts_left(store: "Store", what: str, unapproved_minor: int, subtotal_minor: int, *,
                         by: "StaffMember | None" = None, approver: "StaffMember | None" = None) -> None:
    """Taking a line off (``what``) must not leave the discounts nobody approved above their share of what is left."""
    from pos.store import config

    decided_inside(store)
    _approver(store, approver, "discount", by)

    percent = config.get_minor(store, "approval.discount_percent_over")
    if unapproved_minor * 100 <= subtotal_minor * percent or own_authority(store, requester(store, by)):
        return
    if approver is None:
        shown = f"{unapproved_minor * 100 / max(subtotal_minor, 1):.0f}%"
        raise OverLimit(what, f"the order's discounts ({_money(store, unapproved_minor)}) would be {shown} of the "
                              f"{_money(store, subtotal_minor)} left, over the {percent}% limit "
                              "(approval.discount_percent_over)")

    approvals.approve(store, approver, "discount", unapproved_minor, by)
