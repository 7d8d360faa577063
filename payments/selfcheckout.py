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

This module is the tender and what belongs to it: setting kiosks up, who a
kiosk's tip goes to, and paying at a kiosk.  The kiosk's screen, which drives
them, is :mod:`screens.kiosk`, a layer above.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import Payment, TenderKind
from payments.card import CardTender, processor_for, stripe_gateway
from pos.base.errors import AnytenderError, InvalidInput, NotAllowed, NotFound
from pos.store.store import fits_sql, iso, utc_now
from payments.flow import take

if TYPE_CHECKING:  # pragma: no cover
    from datetime import datetime

    from payments.flow import PaymentResult
    from pos.sales.order_records import Order
    from pos.store.store import Store


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
    from pos.store.config import OPTIONS
    from pos.people.staff import get_staff

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
        from pos.store import audit

        def named(staff_id: int | None) -> str | None:
            return get_staff(store, staff_id).name if staff_id is not None else None

        audit.changed(store, audit.Event.SETTING, f"kiosk {number}",
                      {"reader": current["reader"], "attendant": named(current["attendant_id"])} if current else None,
                      {"reader": new_reader, "attendant": named(attendant_id)})
    return get_kiosk(store, number)


def tip_recipient(store: "Store", kiosk: Kiosk, tip_to: str | None = None, since: "datetime | None" = None) -> str:
    """The staff key a tip at this kiosk goes to; refused (before any money moves) when nobody may have it.

    ``since``: when the order was rung; the attendant must have been on shift since then.
    """
    from pos.people.staff import get_staff
    from pos.tips.tips import tip_account

    if kiosk.attendant is None:
        raise NotAllowed(f"Kiosk {kiosk.number} is unattended: no staff member would receive a tip, so none is taken.")
    if tip_to is not None and get_staff(store, tip_to).key != kiosk.attendant:
        raise NotAllowed(f"Tips at kiosk {kiosk.number} go to its attendant, "
                         f"{get_staff(store, kiosk.attendant).first_name}, or to nobody.")
    return tip_account(store, kiosk.attendant, since).rsplit(":", 1)[1]


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
        from pos.sales.order_records import resolve

        tip_to: str | None = tip_recipient(store, kiosk, since=resolve(store, order_ref).created_at)
    else:
        # Named even with no tip yet, so the reader may offer one; None keeps the reader's prompt off.
        tip_to = kiosk.attendant if offers_tip(store, kiosk) else None
    return take(store, SelfCheckoutTender(), order_ref, None, register=kiosk.number, tip_minor=tip_minor,
                tip_to=tip_to, tip_confirmed=tip_confirmed)


def send_to_counter(store: "Store", kiosk_number: int, order_ref: str | int) -> "Order":
    """The customer wants to pay cash: the order joins the counter queue."""
    from pos.sales.orders import hand_to_counter

    get_kiosk(store, kiosk_number)
    return hand_to_counter(store, order_ref, f"from kiosk {kiosk_number}: the customer pays cash at the counter")
