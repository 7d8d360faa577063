"""Manager approvals: which amounts need one, and who may give it.

An approval is someone the permission table lets approve (a manager or the
owner) typing their own PIN at that moment; the CLI prompts for it hidden
and passes the verified staff member here.  It is never an argument, so it
never lands in shell history or logs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.errors import NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.staff import StaffMember
    from pos.store import Store



def require(store: "Store", option: str, amount_minor: int, approver: "StaffMember | None", action: str) -> None:
    """Refuse ``action`` of ``amount_minor`` above the store's threshold without a manager's approval."""
    from pos import config
    from pos.money_format import store_money

    threshold = config.get_minor(store, option)
    if amount_minor <= threshold:
        return
    if approver is None:
        shown = store_money(store, threshold)
        raise NotAllowed(f"A {action} over {shown} needs a manager's approval: add --approve MANAGER_NAME.")
    approve(store, approver, action, amount_minor)


def approve(store: "Store", approver: "StaffMember", action: str, amount_minor: int) -> None:
    """Check that ``approver`` may approve ``action`` and record the approval (the limits of :mod:`pos.limits` too)."""
    if not approver.active:
        raise NotAllowed(f"{approver.name} is deactivated and cannot approve a {action}.")
    from pos.permissions import Action, actor_of, may

    if not may(actor_of(approver), Action.APPROVE):
        raise NotAllowed(f"{approver.name} is a {approver.role.value}: only a manager or owner can approve a {action}.")
    from pos import audit

    audit.record(store, audit.Event.APPROVAL, {"action": action, "amount_minor": amount_minor, "by": approver.name},
                 staff_id=approver.id)
