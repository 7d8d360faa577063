"""Manager approvals: which amounts need one, and who may give it.

An approval is someone the permission table lets approve (a manager or the
owner) typing their own PIN at that moment; the CLI prompts for it hidden
and passes the verified staff member here.  It is never an argument, so it
never lands in shell history or logs.  An approver is never the person asking: the approval is
recorded with both names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.base.errors import NotAllowed, Refused
from pos.people.permissions import Action, actor_of, may, role_phrase

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store



def require(store: "Store", option: str, amount_minor: int, approver: "StaffMember | None", action: str) -> None:
    """Refuse ``action`` of ``amount_minor`` above the store's threshold without a manager's approval."""
    from pos.store import config
    from pos.base.money_format import store_money

    threshold = config.get_minor(store, option)
    if amount_minor <= threshold:
        return
    if approver is None:
        shown = store_money(store, threshold)
        raise NotAllowed(f"A {action} over {shown} needs a manager's approval: add --approve MANAGER_NAME.")
    approve(store, approver, action, amount_minor)


def check_approver(store: "Store", approver: "StaffMember", action: str,
                   requester: "StaffMember | None" = None) -> None:
    """Refuse an approver who may not approve ``action``: deactivated, not a manager or owner, or the person asking.

    The person asking is ``requester``, or whoever is signed in for the command (or the register
    session); when nobody is known, nobody can be told apart from the approver.

    The approver is read afresh (in the caller's write, when it has begun one): deactivated, demoted or
    locked out since they typed their PIN, they approve nothing.
    """
    row = store.one("SELECT active, role, locked_at FROM staff WHERE id = ?", (approver.id,))
    if row is None:
        raise Refused(f"{approver.name} is no longer on the staff and cannot approve a {action}.")
    if row["locked_at"]:
        raise Refused(f"{approver.name} was locked out after wrong PINs and cannot approve a {action}.")
    approver = approver._replace(active=bool(row["active"]), role=type(approver.role)(row["role"]))
    if not approver.active:
        raise Refused(f"{approver.name} is deactivated and cannot approve a {action}.")

    if not may(actor_of(approver), Action.APPROVE):
        raise Refused(f"{approver.name} is {role_phrase(approver.role)}: only a manager or owner can approve a {action}.")
    asking = requester.id if requester is not None else store.memo.get("actor_id")
    if asking is not None and int(asking) == approver.id:
        raise Refused(f"{approver.name} cannot approve their own {action}: another manager or the owner approves it.")


def approve(store: "Store", approver: "StaffMember", action: str, amount_minor: int,
            requester: "StaffMember | None" = None) -> None:
    """Check that ``approver`` may approve ``action`` (:func:`check_approver`) and record the approval, naming
    both the approver and the person it is for (the limits of :mod:`pos.people.limits` too)."""
    check_approver(store, approver, action, requester)
    from pos.store import audit

    asking = requester.id if requester is not None else store.memo.get("actor_id")
    row = store.one("SELECT name FROM staff WHERE id = ?", (int(asking),)) if asking is not None else None
    audit.record(store, audit.Event.APPROVAL, {"action": action, "amount_minor": amount_minor, "by": approver.name,
                                               "for": row["name"] if row is not None else None},
                 staff_id=approver.id)
