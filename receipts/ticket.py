"""The driver's ticket: what a driver needs at the door, gathered once from the store and laid out as text (58 or
80 mm) and as a PDF on the same roll.

A ticket is printed when a delivery goes out (``pos delivery dispatch N --driver Dave --ticket``) and again on
asking (``pos receipt N --ticket``, marked REPRINT with ``--reprint``).  It says:

* the order's day and number, the driver and when it went out, and the time promised;
* who it is for and where: the customer's name, address and phone, and the order's note;
* what is in the bag: each item with its quantity (prices are the receipt's business);
* the money: the order's total, what was already paid and how (a card, a payment link...), and then
  one of *PAID - COLLECT NOTHING*, *COLLECT CASH $X* (nothing paid yet) or *PART PAID, COLLECT CASH $X*;
* the change to bring: when the customer said what they will pay with (``--pays-with 50``), the change
  and the notes and coins that make it up, from the store's own notes and coins
  (``cash.denominations``), as ``pos pay`` suggests change (:func:`payments.change.suggest_change`).

Like a receipt (:mod:`receipts.model`), every text on it passes :func:`pos.base.text.shown` here: a name,
an address or a note holding a control or bidi character reaches paper and PDF escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from receipts.model import NO_BREAK, Item, Row
from receipts.text import centred, columns, priced
from receipts.text import wrapped as wrap
from receipts.model import payment_label
from receipts.pdf import roll

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

TITLE = "DRIVER'S TICKET"
PAID = "PAID - COLLECT NOTHING"
COLLECT = "COLLECT CASH"
PART_PAID = "PART PAID, COLLECT CASH"


class Ticket(NamedTuple):
    store_name: str
    order: str
    """The order's day and number: ``Order 2026-11-23/3``."""
    driver: str | None
    """``Out with Dave at 19:05``, or ``Not sent out yet``."""
    promise: str | None
    """``DELIVERY BY 19:30``."""
    customer: str | None
    address: str | None
    phone: str | None
    note: str | None
    items: list[Item]
    total: str
    paid: list[Row]
    """What was paid already, by tender: ``Paid by Card (VISA ...4242)``."""
    collect_label: str
    """:data:`PAID`, :data:`COLLECT` or :data:`PART_PAID`."""
    collect: str | None
    """The cash to collect; None when there is nothing to collect."""
    pays_with: str | None
    """What the customer said they will pay with."""
    change: str | None
    """The change to bring (the customer's money less what is collected), when they said."""
    change_parts: list[str]
    """The notes and coins of the change: ``1 x $20.00``."""
    warning: str | None
    """Said when what the customer will pay with does not cover what is to collect."""
    marks: list[str]
    """REPRINT, TRAINING."""
    training: bool
    collect_minor: int
    """What the driver collects, in minor units (for JSON and tests)."""
    change_minor: int | None


def _shown(value: Any) -> Any:
    from pos.base.text import shown

    if isinstance(value, str):
        return shown(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, (Item, Row)):
        return type(value)(*(_shown(v) for v in value))
    return value


def build(store: "Store", order_ref: str | int, *, reprint: bool = False) -> Ticket:
    """The driver's ticket of a delivery order, from what the store recorded; every text in it escaped."""
    ticket = _build(store, order_ref, reprint=reprint)
    return Ticket(*(_shown(value) for value in ticket))


def _build(store: "Store", order_ref: str | int, *, reprint: bool) -> Ticket:
    from payments.base import SETTLED, PaymentState, TenderKind, order_payments
    from payments.cod import DeliveryState, last_time_out
    from payments.change import suggest_change
    from pos.store import config
    from pos.base.errors import Conflict, NotAllowed
    from pos.base.money_format import store_money
    from pos.sales.order_details import promise_of
    from pos.sales.orders import view
    from pos.sales.order_records import Channel, OrderStatus, resolve
    from pos.people.staff import get_staff

    order = resolve(store, order_ref)
    if order.channel is not Channel.DELIVERY:
        raise NotAllowed(f"Order {order.label} is a {order.channel.value} order: only a delivery has a driver's ticket.")
    if order.status is OrderStatus.VOIDED:
        raise Conflict(f"Order {order.label} was voided: it has no driver's ticket.")
    s = store.settings
    current = view(store, order.id)
    payments = order_payments(store, order.id)
    last = last_time_out(store, order.id)
    if last is None or last.state is DeliveryState.WAITING:
        out = "Not sent out yet"
    else:
        who, at = get_staff(store, int(last.driver_id or 0)).first_name, f"{last.sent_at.astimezone(s.zone):%H:%M}"
        out = {DeliveryState.FAILED: f"Failed with {who}: {last.why}",
               DeliveryState.DELIVERED: f"Delivered by {who} (out at {at})"}.get(last.state, f"Out with {who} at {at}")
    paid = [p for p in payments if p.tender is not TenderKind.COD and p.state in SETTLED and p.refundable_minor]
    paid_minor = sum(p.refundable_minor for p in paid)
    runs = [p for p in payments if p.tender is TenderKind.COD and p.state in (PaymentState.AUTHORIZED, *SETTLED)]
    if runs:
        collect_minor = runs[-1].amount_minor  # what the driver was sent to collect
    elif order.status is OrderStatus.OPEN:
        collect_minor = max(0, current.totals.total_minor - paid_minor)
    else:
        collect_minor = 0
    if collect_minor == 0:
        label = PAID
    else:
        label = PART_PAID if paid_minor else COLLECT
    pays_with = order.pays_with_minor if collect_minor else None
    change_minor = pays_with - collect_minor if pays_with is not None and pays_with >= collect_minor else None
    parts = suggest_change(change_minor, config.denominations(store)) if change_minor else []
    warning = None
    if pays_with is not None and change_minor is None:
        warning = (f"The customer said {store_money(store, pays_with)}: not enough for "
                   f"{store_money(store, collect_minor)}. Call before you go.")
    promise = promise_of(store, order)
    marks = (["REPRINT"] if reprint else []) + (["TRAINING"] if s.training else [])
    return Ticket(
        store_name=s.name,
        order=f"Order {order.business_day.isoformat()}/{order.number}",
        driver=out,
        promise=promise.words.upper() if promise is not None else None,
        customer=order.customer_name,
        address=order.address,
        phone=order.customer_phone,
        note=order.note,
        items=[Item(line.quantity, line.name, "", "") for line in current.lines],
        total=store_money(store, current.totals.total_minor),
        paid=[Row(_paid_by(payment_label(p)), store_money(store, p.refundable_minor)) for p in paid],
        collect_label=label,
        collect=store_money(store, collect_minor) if collect_minor else None,
        pays_with=store_money(store, pays_with) if pays_with is not None else None,
        change=store_money(store, change_minor) if change_minor is not None else None,
        change_parts=[f"{count} x {store_money(store, value)}" for value, count in parts],
        warning=warning,
        marks=marks,
        training=s.training,
        collect_minor=collect_minor,
        change_minor=change_minor,
    )


def as_dict(ticket: Ticket) -> dict[str, Any]:
    """The ticket for ``--json``: every line's text as the ticket prints it, and the figures in minor units."""
    out = ticket._asdict()
    out["items"] = [{"quantity": item.quantity, "name": item.name} for item in ticket.items]
    out["paid"] = [{"label": row.label, "amount": row.amount} for row in ticket.paid]
    return out


def _paid_by(label: str) -> str:
    """A tender that paid already, as the ticket says it: ``Paid: Card (VISA ...4242)``, ``Paid by link``."""
    return label if label.startswith("Paid") else f"Paid: {label}"


def lines(ticket: Ticket, width: int) -> list[str]:
    """The ticket's lines at ``width`` characters (32 on 58 mm paper, 48 on 80 mm)."""
    rule = "-" * width
    out: list[str] = [f"*** {mark} ***".center(width).rstrip() for mark in ticket.marks]
    out += centred(TITLE, width)
    out += centred(ticket.store_name, width)
    out.append(rule)
    out += wrap(ticket.order, width)
    if ticket.driver:
        out += wrap(ticket.driver, width, "  ")
    if ticket.promise:
        out += wrap(ticket.promise, width)
    out.append(rule)
    out += wrap(ticket.customer or "(no name given)", width, "  ")
    out += wrap(ticket.address or "(no address)", width, "  ")
    if ticket.phone:
        out += wrap(f"Phone {ticket.phone}", width, "  ")
    if ticket.note:
        out += wrap(f"Note: {ticket.note}", width, "  ")
    out.append(rule)
    for item in ticket.items:
        out += wrap(f"{item.quantity} x {item.name}", width, "    ")
    out.append(rule)
    out += priced("Order total", ticket.total, width)
    for row in ticket.paid:
        out += priced(row.label, row.amount, width)
    if ticket.collect is None:
        out += centred(ticket.collect_label, width)
    else:
        out += priced(ticket.collect_label, ticket.collect, width)
        if ticket.pays_with is not None:
            out += priced("Customer pays with", ticket.pays_with, width)
        if ticket.change is not None:
            out += priced("CHANGE TO BRING", ticket.change, width)
            if ticket.change_parts:
                # "3 x $0.25" stays on one line: its spaces do not break
                out += wrap(", ".join(part.replace(" ", NO_BREAK) for part in ticket.change_parts), width, "  ")
        if ticket.warning:
            out += wrap(ticket.warning, width, "  ")
    out.append(rule)
    out += [f"*** {mark} ***".center(width).rstrip() for mark in reversed(ticket.marks)]
    assert all(len(line) <= width for line in out), "a ticket line is wider than the paper"
    return out


def render(ticket: Ticket, width_mm: int = 80) -> str:
    """The ticket as text for a 58 or 80 mm printer."""
    return "\n".join(lines(ticket, columns(width_mm))) + "\n"


def render_pdf(ticket: Ticket, width_mm: int = 80) -> bytes:
    """The ticket as PDF bytes on a 58 or 80 mm roll (byte-identical for the same ticket); reportlab is loaded here."""
    def bold(line: str) -> bool:
        text = line.strip()
        return text.startswith("***") or text in (TITLE, ticket.promise, PAID) \
            or line.startswith((COLLECT, PART_PAID, "CHANGE TO BRING"))

    return roll(lines(ticket, columns(width_mm)), width_mm, title=f"{ticket.store_name} driver's ticket "
                f"{ticket.order.removeprefix('Order ')}", author=ticket.store_name, training=ticket.training, bold=bold)
