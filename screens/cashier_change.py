"""A cashier change at a register without quitting: ``switch [NAME]``, and Enter alone at a locked register.

The next person signs in the way ``pos register`` signs the first one in: their name, then their PIN
typed hidden (:func:`pos.people.pin_tries.verify_pin`: a wrong one counts toward their lockout and is in the audit
trail with the register it was typed at), then, if they are not on shift, the offer to start it by the
PIN they just typed.  Someone deactivated, locked out or made to wait after wrong PINs is refused before
typing a PIN, and the refusal is recorded.  Enter alone at any question cancels, and whoever was signed
in stays (a locked register stays locked).

Once in, the session is theirs: the open order stays on screen, with the held orders and a waiting tip,
and everything rung from then on is theirs (the audit trail names them; an order they open is theirs).
The order on screen keeps who rang it: its cashier is never moved, so nobody can take over another's
order and keep its tip as their own service.  The sign-in is recorded with whom they took over from and
the open order's number.

:class:`CashierChange` is mixed into :class:`screens.register.Session`, whose state it reads and sets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from pos.base.errors import NotAllowed
from pos.store.store import iso, utc_now
from screens.lines import Asking

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store


class CashierChange:
    """The register session's cashier change (see the module docstring)."""

    store: "Store"
    cashier: "StaffMember"
    signed_in_at: str
    register: int
    order_id: str | None
    locked: bool
    asking: Asking | None
    last_seen: float
    clock: Callable[[], float]

    def _refused(self, asked: str, why: str) -> None:  # pragma: no cover - the session's own
        raise NotImplementedError

    def _switch(self, rest: str) -> list[str]:
        """``switch [NAME]``: the next cashier signs in here by their PIN; the open order stays on screen."""
        if rest.strip():
            return self._switch_to(rest.strip())
        self.asking = Asking("Name", False, self._switch_to)
        return ["Who takes over? Type your name, then your PIN (Enter alone: nobody)."]

    def _switch_at_lock(self) -> list[str]:
        """Enter alone at a locked register's PIN: another cashier may sign in, the register locked till then."""
        self.asking = Asking("Name", False, self._switch_to)
        return ["Another cashier? Type your name, then your PIN (Enter alone: back to the lock)."]

    def _switch_to(self, name: str) -> list[str]:
        """The person named: refused before any PIN is typed when they may not sign in (audited); else ask it."""
        from pos.people.signin import current_member
        from pos.people.staff import get_staff
        from pos.people.pin_tries import check_pin_wait

        if not name:
            return [self._stays()]
        member = get_staff(self.store, name)
        if member.id == self.cashier.id:
            return [f"{member.name} is signed in here already" + (": type your PIN to unlock." if self.locked else ".")]
        try:
            current_member(self.store, member.id)  # deactivated, or locked out after wrong PINs
            check_pin_wait(self.store, member)  # or waiting after them
        except NotAllowed as exc:
            self._refused(f"switch to {member.name}", exc.message)
            return [exc.message, self._stays()]
        self.asking = Asking(f"PIN for {member.name}", True, lambda pin: self._switch_pin(member.name, pin))
        return []

    def _switch_pin(self, name: str, pin: str) -> list[str]:
        from pos.people.staff import open_shift
        from pos.people.pin_tries import verify_pin

        if not pin:
            return [self._stays()]
        member = verify_pin(self.store, name, pin, register=self.register)  # a wrong one counts, and is recorded
        if open_shift(self.store, member) is not None:
            return self._signed_in(member)

        def start(answer: str) -> list[str]:
            from pos.day.shifts import clock_in

            if answer.lower() not in ("y", "yes"):
                return [f"A cashier rings sales on shift: {self._stays()}"]
            clock_in(self.store, member.name, member, register=self.register)  # by the PIN they just typed
            return self._signed_in(member)

        self.asking = Asking(f"{member.first_name} is not on shift. Start the shift now? (y/n)", False, start)
        return []

    def _stays(self) -> str:
        return "The register stays locked." if self.locked else f"{self.cashier.name} stays signed in."

    def _signed_in(self, member: "StaffMember") -> list[str]:
        """``member`` signed in by their PIN: the session is theirs from now on, the open order kept."""
        from pos.store import audit
        from pos.sales.order_records import resolve

        before = self.cashier
        detail: dict[str, object] = {"who": member.name, "taking over from": before.name}
        number = resolve(self.store, self.order_id).number if self.order_id is not None else None
        if number is not None:
            detail["open order"] = number
        audit.record(self.store, audit.Event.SIGN_IN, detail, staff_id=member.id, register=self.register)
        self.cashier, self.locked, self.last_seen = member, False, self.clock()
        self.signed_in_at = iso(utc_now())
        self.store.memo["actor_id"] = member.id  # what is left of this line is theirs too
        said = [f"{member.first_name} signed in at register {self.register}; {before.first_name} signed out "
                "(their shift goes on)."]
        if number is not None:
            said.append(f"Order #{number} stays open: {member.first_name} carries on with it.")
        return said
