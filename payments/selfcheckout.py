"""Self-checkout kiosks: the customer scans items and pays on the kiosk's reader, with nobody at the till.

A kiosk is set up once (``pos kiosk setup N --reader tmr_... [--attendant NAME]``).
Its payments are the ``self_checkout`` tender: a card or phone-wallet tap
on the kiosk's own reader, through the same processor as the counter's
cards, with the kiosk's number kept in the payment's ``register``.

Tips follow the tip rules, with one more: a kiosk's tip can only go to the
attendant the store named for it, and only while that person passes the
rules (active, tip-eligible, on shift).  Otherwise the kiosk never offers a
tip, neither on its screen nor on the reader, and a tip the customer tries
to add is refused, saying that no staff member would receive it.

A customer who wants to pay cash is sent to a cashier, and the order is put
in the counter queue (``pos order list --queue``) rather than lost.

:class:`KioskSession` is the kiosk's screen as a plain state machine: one
line in (a scanned code, or a word such as ``pay``), messages out.  It
never prints; ``pos kiosk run`` does the input and output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import Payment, TenderKind
from payments.card import CardTender, processor_for, stripe_gateway
from payments.flow import take
from pos.errors import AnytenderError, InvalidInput, NotAllowed, NotFound, ProcessorUnavailable
from pos.store import fits_sql, iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from payments.flow import PaymentResult
    from pos.orders import Order
    from pos.store import Store


class Kiosk(NamedTuple):
    number: int
    reader: str
    attendant: str | None
    """The staff key of the person the store named to look after this kiosk, if any."""


def _kiosk(row: Any) -> Kiosk:
    return Kiosk(row["number"], row["reader"], row["attendant"])


_SELECT = "SELECT k.number, k.reader, s.key AS attendant FROM kiosks k LEFT JOIN staff s ON s.id = k.attendant_id"


def get_kiosk(store: "Store", number: int) -> Kiosk:
    row = store.one(_SELECT + " WHERE k.number = ?", (number,)) if fits_sql(number) else None
    if row is None:
        raise NotFound(f"No kiosk {number}: set it up with 'pos kiosk setup {number} --reader tmr_...'.")
    return _kiosk(row)


def list_kiosks(store: "Store") -> list[Kiosk]:
    return [_kiosk(r) for r in store.all(_SELECT + " ORDER BY k.number")]


def setup_kiosk(store: "Store", number: int, reader: str | None = None, attendant: str | None = None,
                unattended: bool = False) -> Kiosk:
    """Add a kiosk or change it: its card reader, and the attendant its tips would go to."""
    from pos.config import OPTIONS
    from pos.staff import get_staff

    if number <= 0:
        raise InvalidInput(f"Kiosk numbers start at 1, not {number}.")
    if not fits_sql(number):
        raise InvalidInput(f"Kiosk {number} is too large a number: number kiosks 1, 2, 3...")
    if attendant is not None and unattended:
        raise InvalidInput("Name an attendant or say the kiosk is unattended, not both.")
    current = store.one("SELECT reader, attendant_id FROM kiosks WHERE number = ?", (number,))
    new_reader = OPTIONS["stripe.reader"].parse(store, reader) if reader is not None else (
        current["reader"] if current else "")
    attendant_id = current["attendant_id"] if current and not unattended else None
    if attendant is not None:
        member = get_staff(store, attendant)
        if not member.active:
            raise NotAllowed(f"{member.name} is deactivated: name someone who works here.")
        attendant_id = member.id
    with store.write() as conn:
        conn.execute(
            "INSERT INTO kiosks(number, reader, attendant_id, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(number) "
            "DO UPDATE SET reader = excluded.reader, attendant_id = excluded.attendant_id, updated_at = excluded.updated_at",
            (number, new_reader, attendant_id, iso(utc_now())),
        )
    return get_kiosk(store, number)


def tip_recipient(store: "Store", kiosk: Kiosk, tip_to: str | None = None) -> str:
    """The staff key a tip at this kiosk goes to; refused (before any money moves) when nobody may have it."""
    from pos.staff import get_staff
    from pos.tips import tip_account

    if kiosk.attendant is None:
        raise NotAllowed(f"Kiosk {kiosk.number} is unattended: no staff member would receive a tip, so none is taken.")
    if tip_to is not None and get_staff(store, tip_to).key != kiosk.attendant:
        raise NotAllowed(f"Tips at kiosk {kiosk.number} go to its attendant, "
                         f"{get_staff(store, kiosk.attendant).first_name}, or to nobody.")
    return tip_account(store, kiosk.attendant).rsplit(":", 1)[1]


def offers_tip(store: "Store", kiosk: Kiosk) -> bool:
    """Whether the kiosk may show a tip prompt now: only for a named attendant who passes the tip rules."""
    try:
        tip_recipient(store, kiosk)
    except AnytenderError:
        return False
    return True


class SelfCheckoutTender(CardTender):
    """A card or wallet tap on a kiosk's reader; the payment's ``register`` is the kiosk's number."""

    kind = TenderKind.SELF_CHECKOUT

    def ready(self, store: "Store") -> None:
        if not store.settings.training:
            stripe_gateway(store)

    def processor(self, store: "Store", payment: Payment | None) -> tuple[str, Any]:
        if store.settings.training:
            return processor_for(store)
        kiosk = get_kiosk(store, payment.register if payment is not None and payment.register else 0)
        if not kiosk.reader:
            raise NotAllowed(f"Kiosk {kiosk.number} has no card reader: "
                             f"pos kiosk setup {kiosk.number} --reader tmr_...")
        return processor_for(store, reader=kiosk.reader)


def pay_at_kiosk(store: "Store", kiosk_number: int, order_ref: str | int, tip_minor: int = 0,
                 tip_confirmed: bool = False) -> "PaymentResult":
    """Pay what is due on the kiosk's reader; a tip goes to the kiosk's attendant or is refused."""
    kiosk = get_kiosk(store, kiosk_number)
    if tip_minor < 0:
        raise InvalidInput("A tip cannot be negative.")
    if tip_minor:
        tip_to: str | None = tip_recipient(store, kiosk)
    else:
        # Named even with no tip yet, so the reader may offer one; None keeps the reader's prompt off.
        tip_to = kiosk.attendant if offers_tip(store, kiosk) else None
    return take(store, SelfCheckoutTender(), order_ref, None, register=kiosk.number, tip_minor=tip_minor,
                tip_to=tip_to, tip_confirmed=tip_confirmed)


def send_to_counter(store: "Store", kiosk_number: int, order_ref: str | int) -> "Order":
    """The customer wants to pay cash: the order joins the counter queue."""
    from pos.orders import hand_to_counter

    get_kiosk(store, kiosk_number)
    return hand_to_counter(store, order_ref, f"from kiosk {kiosk_number}: the customer pays cash at the counter")


# -- the kiosk's screen -------------------------------------------------------------

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

    def handle(self, line: str) -> list[str]:
        """One line from the customer; every problem becomes a message, and the session carries on."""
        self.paid_order_id = None
        text = " ".join(line.split())
        if not text:
            return []
        word, _, rest = text.partition(" ")
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

    def _money(self, amount_minor: int) -> str:
        from pos.money_format import store_money

        return store_money(self.store, amount_minor)

    def _total_line(self) -> str:
        from pos.orders import view

        if self.order_id is None:
            return "Nothing scanned yet."
        v = view(self.store, self.order_id)
        count = sum(line.quantity for line in v.lines)
        return f"{count} item{'s' if count != 1 else ''}, total {self._money(v.totals.total_minor)}."

    def _scan(self, text: str) -> list[str]:
        from pos.catalog import get_item
        from pos.orders import Channel, add_line, new_order, parse_quantity, parse_scan

        try:
            quantity, code = parse_scan(text)
        except InvalidInput as exc:
            if " " in text.strip():  # words that are no command, not a scan
                return [f"'{text}' is not an item code or a command. {HELP}"]
            return [exc.message]
        if not code or "*" in code:
            return ["Say how many, then the code, like 3*SODA."]
        try:
            get_item(self.store, code)  # checked first: an unknown code opens no order
        except NotFound:
            return [f"The code '{code}' is not on the menu: scan it again, or ask for help."]
        parse_quantity(quantity)
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
        from pos.orders import remove_line

        if self.order_id is None:
            return ["Nothing to remove."]
        line, _ = remove_line(self.store, self.order_id)
        return [f"Removed {line.name}.", self._total_line()]

    def _do_tip(self, rest: str) -> list[str]:
        from payments.flow import amount_minor

        if rest.strip().lower() in ("0", "none", "no"):
            self.tip_minor = 0
            return ["No tip."]
        tip = amount_minor(self.store, rest.strip(), "tip") if rest.strip() else None
        if tip is None:
            raise InvalidInput("Say how much, like 'tip 2.00'.")
        who = tip_recipient(self.store, self.kiosk)  # refused at an unattended kiosk
        from pos.staff import get_staff

        if self.order_id is not None:
            self._check_tip(tip)

        self.tip_minor = tip
        return [f"Tip {self._money(tip)} for {get_staff(self.store, who).first_name}, added when you pay."]

    def _check_tip(self, tip_minor: int) -> None:
        """The store's typo guard on tips, in the customer's words (checked again at pay: the total may change)."""
        from payments.flow import check_tip_share, due_minor

        try:
            check_tip_share(self.store, tip_minor, due_minor(self.store, self.order_id or ""))
        except InvalidInput:
            self.tip_minor = 0
            raise InvalidInput(f"A tip of {self._money(tip_minor)} is more than we accept here for this total: "
                               "add a smaller one, or none.") from None

    def _do_pay(self, rest: str) -> list[str]:
        from pos.orders import view

        if self.order_id is None or not view(self.store, self.order_id).lines:
            return ["Scan your items first."]
        if self.tip_minor:
            self._check_tip(self.tip_minor)
        result = pay_at_kiosk(self.store, self.kiosk.number, self.order_id, self.tip_minor, tip_confirmed=True)
        if not result.outcome.approved:
            return [f"Payment not completed: {result.outcome.message.split(':')[0]}. "
                    "Try another card or phone, or choose 'cash' to pay a cashier."]
        from pos.orders import resolve

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
        from pos.orders import covered_minor, void_order

        if self.order_id is None:
            return ["Nothing to cancel."]
        if covered_minor(self.store, self.order_id):
            return ["Part of this order is paid: please see a cashier."]
        void_order(self.store, self.order_id, f"cancelled by the customer at kiosk {self.kiosk.number}")
        self.order_id, self.tip_minor = None, 0
        return ["Cancelled. Scan an item to start again."]

    def close(self) -> list[str]:
        """The kiosk shuts down: an unpaid order goes to the counter queue, never lost."""
        from pos.orders import hand_to_counter, view, void_order

        if self.order_id is None:
            return []
        order_id, self.order_id, self.tip_minor = self.order_id, None, 0
        if not view(self.store, order_id).lines:
            void_order(self.store, order_id, f"left empty at kiosk {self.kiosk.number}")
            return []
        order = hand_to_counter(self.store, order_id, f"from kiosk {self.kiosk.number}: left unpaid when it closed")
        return [f"Order {order.number} was not paid: it is in the counter queue."]
