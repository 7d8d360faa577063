"""Who may see customers' addresses and phones at this terminal, and how they read when hidden.

A delivery's address and a customer's phone are the customer's, not the till's: they are shown to the
person signed in on this terminal when the permission table lets their role see them
(``SEE_CONTACTS``: owners, managers and cashiers; a driver for the deliveries out with them), and
hidden from anyone else, signed in or not.  Hidden, a listing shows ``hidden`` in their place, JSON
gives ``null`` with ``"contacts_hidden": true``, and the driver's ticket (which is nothing but where
to go) is refused.  A store that asks for no sign-ins (``signin.required no``), or one with no staff
yet, shows them, as every command there is open to whoever is at the till.

Which commands show them: ``pos order show``, ``list`` (``--channel delivery`` above all), ``find``,
``new`` and ``set`` (``--json``), and ``pos receipt N --ticket``.  ``pos driver cash`` shows the
addresses of one driver's deliveries to that driver or to those who may read the books (its own rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from commands.signin import signed_in_member

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

HIDDEN = "hidden"
"""What a listing shows in place of an address or a phone the person at the terminal may not see."""

_EVERYONE = "everyone"


def _viewer(store: "Store") -> "StaffMember | str | None":
    """Who is looking: the person signed in here (read afresh), ``_EVERYONE`` when the store asks for no sign-ins,
    or None when nobody is signed in here (or their sign-in is not this terminal's)."""
    if "contacts_viewer" in store.memo:
        return store.memo["contacts_viewer"]
    from pos.store import config
    from pos.base.errors import AnytenderError

    viewer: Any
    if config.get(store, "signin.required") != "yes" or not store.scalar("SELECT count(*) FROM staff WHERE active = 1"):
        viewer = _EVERYONE
    elif store.memo.get("actor_id") is not None:  # the sign-in check of the command found them already
        from pos.people.staff import get_staff

        viewer = get_staff(store, int(store.memo["actor_id"]))
    else:
        try:
            viewer = signed_in_member(store, None)
        except AnytenderError:  # a sign-in made on another terminal is nobody's here
            viewer = None
    store.memo["contacts_viewer"] = viewer
    return viewer


def contacts_shown(store: "Store", order_id: str | None = None) -> bool:
    """Whether the person at this terminal may see the address and phone of ``order_id`` (of any order: None)."""
    from pos.people.permissions import Action, actor_of, may
    from pos.store.roster import Role

    viewer = _viewer(store)
    if viewer == _EVERYONE:
        return True
    if viewer is None or isinstance(viewer, str) or not viewer.active:
        return False
    if not may(actor_of(viewer), Action.SEE_CONTACTS):
        return False
    if viewer.role is not Role.DRIVER:
        return True
    if order_id is None:
        return False
    from payments.cod import out_with

    return out_with(store, order_id) == viewer.id  # a driver: the deliveries out with them, no others


def require_contacts(store: "Store", order_id: str, what: str) -> None:
    """Refuse ``what`` (the driver's ticket) unless the person here may see the order's address and phone.

    Nobody signed in: say to sign in (nothing recorded, as for every command that needs a sign-in); someone
    whose role may not: a refusal of the permission table, recorded in the audit trail.
    """
    if contacts_shown(store, order_id):
        return
    from pos.base.errors import InvalidInput, Refused
    from pos.people.permissions import Action, role_phrase, actor_of, who_may

    viewer = _viewer(store)
    if viewer is None or isinstance(viewer, str):
        raise InvalidInput(f"{what} shows the customer's address and phone: sign in first with 'pos login NAME' as "
                           f"{who_may(Action.SEE_CONTACTS)}.")
    store.memo["actor_id"] = viewer.id  # who asked, for the refusal's record
    raise Refused(f"{viewer.name} is {role_phrase(actor_of(viewer))} and may not {Action.SEE_CONTACTS.value} "
                  f"({what}): that needs {who_may(Action.SEE_CONTACTS)}.")


def hide(store: "Store", order: Any, data: dict[str, Any]) -> dict[str, Any]:
    """An order's JSON (``customer_phone``, ``address``) with them hidden when the person here may not see them."""
    if contacts_shown(store, order.id):
        return data
    return {**data, "customer_phone": None, "address": None, "contacts_hidden": True}


def phone_of(store: "Store", order: Any) -> str:
    """The order's phone for a listing: the phone, '' when none, ``hidden`` when the person here may not see it."""
    if not order.customer_phone:
        return ""
    return order.customer_phone if contacts_shown(store, order.id) else HIDDEN


def address_of(store: "Store", order: Any) -> str:
    """The order's address for a listing: the address, '' when none, ``hidden`` when the person here may not see it."""
    if not order.address:
        return ""
    return order.address if contacts_shown(store, order.id) else HIDDEN
