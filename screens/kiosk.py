"""A self-checkout kiosk's screen: the customer scans items, adds a tip, pays or goes to a cashier.

:class:`KioskSession` is the kiosk's screen as a plain state machine: one
line in (a scanned code, or a word such as ``pay``), messages out.  It
never prints; ``pos kiosk run`` does the input and output.  It reads a line
the way the register does (:mod:`screens.lines`); the kiosk itself, its tip
rules and its payments are the tender's (:mod:`payments.selfcheckout`).

The customer can never end the screen: no word of theirs leaves it, and the
terminal ignores Ctrl-C and Ctrl-D.  Staff end it with a command help does
not list (``staff``), then their name and PIN (:attr:`KioskSession.asking`):
a manager, or the kiosk's attendant.  Anyone else is refused, and the
refusal recorded; a wrong PIN counts against the kiosk (its own growing
wait), never against the person named, and a wrong PIN, a right PIN of
someone who may not close the kiosk and a locked-out person all get the
same answer (:mod:`pos.people.place_tries`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payments.selfcheckout import get_kiosk, offers_tip, pay_at_kiosk, send_to_counter, tip_recipient
from pos.base.errors import AnytenderError, InvalidInput, ProcessorUnavailable, Refused
from screens.lines import Asking, check_item, read_scan, words

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


HELP = ("Scan an item (or type its code; 3*CODE for three), 'remove' the last item, 'total', "
        "'pay' by card or phone, 'cash' to pay a cashier, 'cancel' to start over.")


class KioskSession:
    """One kiosk's screen: feed it lines with :meth:`handle`, show the messages it returns."""

    def __init__(self, store: "Store", kiosk_number: int) -> None:
        self.store = store
        self.kiosk = get_kiosk(store, kiosk_number)
        self.order_id: str | None = None
        self.tip_minor = 0
        self.paid_order_id: str | None = None
        """The order the last line paid, if it did (for its receipt)."""
        self.asking: Asking | None = None
        """A member of staff ending the screen: their name, then their PIN."""
        self.done = False
        """Staff ended the screen."""

    def screen(self) -> list[str]:
        """What the customer sees, redrawn (after a Ctrl-C or Ctrl-D, which end nothing)."""
        return [f"Kiosk {self.kiosk.number}. {HELP}", self._total_line()]

    def handle(self, line: str) -> list[str]:
        """One line from the customer; every problem becomes a message, and the session carries on."""
        self.paid_order_id = None
        if self.asking is not None:
            return self.answer(line)
        text, word, rest = words(line)
        if not text:
            return []
        if text.lower() == "staff":  # not in the help: staff only, and they need their PIN
            self.asking = Asking("Staff name", False, self._staff_pin)
            return ["Staff: type your name, then your PIN (Enter alone goes back)."]
        # Words are commands before item codes: a scanner sends digits, and a customer must always reach 'cash'.
        command = getattr(self, f"_do_{word.lower()}", None) if word.isalpha() else None
        try:
            if word == "-":
                return self._do_remove(rest)
            if command is not None:
                return list(command(rest))
            return self._scan(text)
        except ProcessorUnavailable:
            return ["Card payments are not working right now: please pay a cashier ('cash')."]
        except AnytenderError as exc:
            return [exc.message]

    def answer(self, text: str) -> list[str]:
        """What was typed at :attr:`asking`; empty goes back to the customer's screen."""
        asking, self.asking = self.asking, None
        if asking is None:
            return self.handle(text)
        if not text.strip():
            return []
        try:
            return asking.then(text.strip())
        except Refused as exc:
            from pos.store import audit

            audit.refused(self.store, f"kiosk {self.kiosk.number}: staff", exc.message)
            return [exc.message]
        except AnytenderError as exc:
            return [exc.message]

    def _staff_pin(self, name: str) -> list[str]:
        # Nothing is looked up yet: whether the name is anyone's is not said before the PIN, nor after it.
        self.asking = Asking("PIN", True, lambda pin: self._staff_exit(name, pin))
        return []

    def _staff_exit(self, name: str, pin: str) -> list[str]:
        """End the screen, for a manager or this kiosk's attendant whose PIN this is.

        Checked at the kiosk's own count (:func:`pos.people.place_tries.staff_at`): a wrong PIN, a name nobody has, a
        right PIN of someone who may not close it, or someone locked out all get the same answer and count
        against this kiosk (its own growing wait), never against the person named.
        """
        from pos.store import audit
        from pos.people.permissions import Action, actor_of, may
        from pos.people.place_tries import kiosk_place, staff_at

        number = self.kiosk.number
        member = staff_at(self.store, kiosk_place(number), name, pin,
                          lambda m: may(actor_of(m), Action.APPROVE) or m.key == self.kiosk.attendant,
                          f"Kiosk {number} stays open: a manager or its attendant closes it with their name and PIN.")
        said = self.close()
        audit.record(self.store, audit.Event.COMMAND, {"command": f"kiosk {number} closed"}, staff_id=member.id)
        self.done = True
        return [*said, f"Kiosk {number} closed by {member.name}."]

    def _money(self, amount_minor: int) -> str:
        from pos.base.money_format import store_money

        return store_money(self.store, amount_minor)

    def _total_line(self) -> str:
        from pos.sales.orders import view

        if self.order_id is None:
            return "Nothing scanned yet."
        v = view(self.store, self.order_id)
        count = sum(line.quantity for line in v.lines)
        return f"{count} item{'s' if count != 1 else ''}, total {self._money(v.totals.total_minor)}."

    def _scan(self, text: str) -> list[str]:
        from pos.sales.orders import add_line, new_order
        from pos.sales.order_records import Channel

        quantity, code = read_scan(text, "an item code", f". {HELP}")
        if not code or "*" in code:
            raise InvalidInput("Say how many, then the code, like 3*SODA.")
        # Checked first: an unknown code opens no order.
        quantity = check_item(self.store, code, quantity, "The code '{code}' is not on the menu: scan it again, "
                              "or ask for help.")
        if self.order_id is None:
            self.order_id = new_order(self.store, Channel.KIOSK).id
        line, _ = add_line(self.store, self.order_id, code, quantity)
        return [f"{line.quantity} x {line.name}  {self._money(line.quantity * line.unit_price_minor)}", self._total_line()]

    def _do_help(self, rest: str) -> list[str]:
        hint = " You may add a tip with 'tip AMOUNT'." if offers_tip(self.store, self.kiosk) else ""
        return [HELP + hint]

    def _do_total(self, rest: str) -> list[str]:
        return [self._total_line()]

    def _do_remove(self, rest: str) -> list[str]:
        from pos.sales.orders import remove_line

        if self.order_id is None:
            return ["Nothing to remove."]
        line, _ = remove_line(self.store, self.order_id, by_customer=True)  # their own item: no void
        return [f"Removed {line.name}.", self._total_line()]

    def _do_tip(self, rest: str) -> list[str]:
        from payments.service import amount_minor

        if rest.strip().lower() in ("0", "none", "no"):
            self.tip_minor = 0
            return ["No tip."]
        tip = amount_minor(self.store, rest.strip(), "tip") if rest.strip() else None
        if tip is None:
            raise InvalidInput("Say how much, like 'tip 2.00'.")
        who = tip_recipient(self.store, self.kiosk)  # refused at an unattended kiosk
        from pos.people.staff import get_staff

        if self.order_id is not None:
            self._check_tip(tip)

        self.tip_minor = tip
        return [f"Tip {self._money(tip)} for {get_staff(self.store, who).first_name}, added when you pay."]

    def _check_tip(self, tip_minor: int) -> None:
        """The store's typo guard on tips, in the customer's words (checked again at pay: the total may change)."""
        from payments.service import check_tip_share, due_minor

        try:
            check_tip_share(self.store, tip_minor, due_minor(self.store, self.order_id or ""))
        except InvalidInput:
            self.tip_minor = 0
            raise InvalidInput(f"A tip of {self._money(tip_minor)} is more than we accept here for this total: "
                               "add a smaller one, or none.") from None

    def _do_pay(self, rest: str) -> list[str]:
        from pos.sales.orders import view

        if self.order_id is None or not view(self.store, self.order_id).lines:
            return ["Scan your items first."]
        if self.tip_minor:
            self._check_tip(self.tip_minor)
        result = pay_at_kiosk(self.store, self.kiosk.number, self.order_id, self.tip_minor, tip_confirmed=True)
        if not result.outcome.approved:
            return [f"Payment not completed: {result.outcome.message.split(':')[0]}. "
                    "Try another card or phone, or choose 'cash' to pay a cashier."]
        from pos.sales.order_records import resolve

        number = resolve(self.store, self.order_id).number
        paid = result.payment.amount_minor + result.payment.tip_minor
        self.paid_order_id, self.order_id, self.tip_minor = self.order_id, None, 0
        return [f"Paid {self._money(paid)}. Thank you! Your order number is {number}."]

    def _do_cash(self, rest: str) -> list[str]:
        if self.order_id is None:
            return ["Scan your items first, then choose cash to pay a cashier."]
        order = send_to_counter(self.store, self.kiosk.number, self.order_id)
        self.order_id, self.tip_minor = None, 0
        return [f"Please see a cashier to pay cash: your order number is {order.number}."]

    def _do_cancel(self, rest: str) -> list[str]:
        from pos.sales.orders import covered_minor, void_order

        if self.order_id is None:
            return ["Nothing to cancel."]
        if covered_minor(self.store, self.order_id):
            return ["Part of this order is paid: please see a cashier."]
        void_order(self.store, self.order_id, f"cancelled by the customer at kiosk {self.kiosk.number}")
        self.order_id, self.tip_minor = None, 0
        return ["Cancelled. Scan an item to start again."]

    def close(self) -> list[str]:
        """The kiosk shuts down: an unpaid order goes to the counter queue, never lost."""
        from pos.sales.orders import hand_to_counter, view, void_order

        if self.order_id is None:
            return []
        order_id, self.order_id, self.tip_minor = self.order_id, None, 0
        if not view(self.store, order_id).lines:
            void_order(self.store, order_id, f"left empty at kiosk {self.kiosk.number}")
            return []
        order = hand_to_counter(self.store, order_id, f"from kiosk {self.kiosk.number}: left unpaid when it closed")
        return [f"Order {order.number} was not paid: it is in the counter queue."]
