"""Who may give whom which role: the one rule for adding, changing, deactivating, reactivating and unlocking staff.

Roles rank owner > manager > everyone else (cashier, server, driver and kitchen are one level).

- Nobody grants a role above their own, or changes someone to one.
- Only an owner creates, changes, deactivates, reactivates or unlocks an owner or a manager: a
  manager manages only the people below managers.
- Nobody changes their own role.
- The last active owner is never deactivated or demoted (:mod:`pos.people.staff` checks it again inside
  the write, where two terminals cannot race past it).

``actor`` is the person doing it.  None means a trusted caller with no sign-in in force (a store
being set up before anyone is on its staff, or one whose ``signin.required`` is off): the table of
:mod:`pos.people.permissions` has then not been applied either, and the rule has no one to hold to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.base.errors import Refused
from pos.people.permissions import role_phrase

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import Role, StaffMember


def rank(role: "Role") -> int:
    """2 for an owner, 1 for a manager, 0 for everyone else."""
    return {"owner": 2, "manager": 1}.get(role.value, 0)  # by value: pos.people.staff imports this module


def _a(role: "Role") -> str:
    return role_phrase(role)


def check_role_change(actor: "StaffMember | None", target: "StaffMember | None", new_role: "Role | None",
                      doing: str) -> None:
    """Refuse ``actor`` doing ``doing`` to ``target`` (None: someone new) that leaves them ``new_role``.

    ``new_role`` is None when the role stays as it is (a deactivation, a reactivation, an unlock).
    ``doing`` is said in the refusal: 'add Evil as an owner', 'deactivate Tony', 'unlock Maria'.
    """
    if actor is None:
        return
    if target is not None and new_role is not None and target.id == actor.id:
        raise Refused(f"{actor.name} cannot change their own role: the owner does it.")
    if new_role is not None and rank(new_role) > rank(actor.role):
        raise Refused(f"{actor.name} is {_a(actor.role)} and may not {doing}: nobody grants a role above their own.")
    touched = [r for r in (new_role, target.role if target is not None else None) if r is not None]
    if any(rank(r) >= 1 for r in touched) and rank(actor.role) < 2:
        raise Refused(f"{actor.name} is {_a(actor.role)} and may not {doing}: only an owner adds, changes, "
                      "deactivates, reactivates or unlocks owners and managers.")
