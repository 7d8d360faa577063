"""Cash on delivery: dispatch to a driver, collect at the door, hand the cash in.

Dispatching authorizes a payment for the amount due as cash owed by the
named driver (who must be an active driver on shift, and the order must
have an address).  Collecting captures it: the driver's cash account
(``assets:cash:driver:<key>``) receives what the customer handed over,
gives back the change, and a tip goes to the driver, who keeps it from the
bag at once (posted as a tip paid out).  A failed delivery voids the
payment and the order comes back, open.  A hand-in moves cash from the
driver's account into a drawer with both hands: the driver starts it (what
they say they hand in, :func:`start_handin`), and the person receiving it
counts it and types their PIN (:func:`confirm_handin`); only the count is
posted, and until then the cash stays on the driver's account.  Whatever is
not handed in stays on the driver's account, visible, until it is.

An order paid before it goes out (by link, by card on the phone) goes out too, with nothing to
collect (:func:`send_out`): its time out is a run of :mod:`pos.store.prepaid_runs`, delivered or failed
like the others, and it books nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from payments.base import (
    Capabilities,
    LocalTender,
    Payment,
    PaymentState,
    TenderKind,
    order_payments,
)
from payments.flow import amount_minor, insert_payment, payable_minor, record_capture, void_payment
from pos.books import accounts, ledger
from pos.base import faults
from pos.sales import posting_rules
from pos.store import prepaid_runs
from pos.store.days import money_day
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound, Refused
from pos.base.money_format import store_money
from pos.sales.orders import check_dispatchable
from pos.sales.order_records import resolve
from pos.store.store import iso

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store


class CodTender(LocalTender):
    """Cash handed to a driver at the customer's door."""

    kind = TenderKind.COD
    capabilities = Capabilities(
        refunds=True, adjusts_tip=False, works_offline=True, gives_change=True, captures_at_once=False,
        calls_processor=False,
    )

    def account(self, store: "Store", payment: Payment) -> str:
        from pos.people.staff import get_staff

        return accounts.driver_cash(get_staff(store, int(payment.driver_id or 0)).key)

    def refund_account(self, store: "Store", payment: Payment, register: int) -> str:
        return accounts.drawer(register)  # the driver's cash was handed in; refunds come from a drawer


def _driver(store: "Store", name: str) -> "StaffMember":
    from pos.store.roster import Role
    from pos.people.staff import get_staff, on_shift_at

    member = get_staff(store, name)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot take deliveries.")
    if member.role is not Role.DRIVER:
        from pos.people.permissions import role_phrase

        raise NotAllowed(f"{member.name} is {role_phrase(member.role)}, not a driver: dispatch to a driver.")
    if not on_shift_at(store, member):
        raise NotAllowed(f"{member.name} is not on shift: start the shift with 'pos shift start {member.name}'.")
    return member


def _out_for_delivery(store: "Store", order_id: str) -> Payment | None:
    for p in order_payments(store, order_id):
        if p.tender is TenderKind.COD and p.state is PaymentState.AUTHORIZED:
            return p
    return None


def _out_with(store: "Store", order_id: str) -> int | None:
    """The id of the driver the order is out with (collecting, or paid before it went out); None when it is not out."""
    payment = _out_for_delivery(store, order_id)
    if payment is not None:
        return int(payment.driver_id or 0)
    run = prepaid_runs.latest(store, order_id)
    return run.driver_id if run is not None and run.out else None


def out_with(store: "Store", order_id: str) -> int | None:
    """The id of the driver the order is out with now, if it is out (whose ticket and address it is)."""
    return _out_with(store, order_id)


def only_own(store: "Store", actor: "StaffMember | None", doing: str, *, order_ref: str | int | None = None,
             driver_name: str | None = None) -> None:
    """A driver acts only on their own deliveries and their own cash (the permission table's 'own').

    ``doing`` is what they asked, in words that go before "order #12" or "Olga's cash" ("collect",
    "hand in"); a refusal names it, why not, and who may.
    """
    from pos.store.roster import Role
    from pos.people.staff import get_staff

    if actor is None or actor.role is not Role.DRIVER:
        return
    if driver_name is not None:
        other = get_staff(store, driver_name)
        if other.id != actor.id:
            raise Refused(f"{actor.name} may not {doing} {other.name}'s cash: a driver may {doing} only their own "
                          f"cash; {other.name}, a manager or an owner may.")
    if order_ref is not None:
        order = resolve(store, order_ref)
        out = _out_with(store, order.id)
        if out is not None and out != actor.id:
            holder = get_staff(store, out).name
            raise Refused(f"{actor.name} may not {doing} order {order.label}: it is out with {holder}, and a driver "
                          f"records only their own deliveries; {holder}, a manager or an owner may.")


FAILED_NOTE = "delivery failed"
"""How a failed delivery's payment note begins (:func:`fail`)."""


def may_dispatch(store: "Store", actor: "StaffMember | None", order_ref: str | int) -> None:
    """Who may send ``order_ref`` out: whoever the table lets dispatch, and a driver taking back their own failed delivery.

    A driver whose delivery failed (nobody home, a wrong address) takes it out again without a
    cashier signing in for them; any other order is refused, saying why and who may.
    """
    from pos.people.permissions import Action, require, who_may
    from pos.store.roster import Role

    if actor is None:
        return
    if actor.role is not Role.DRIVER:
        try:
            require(actor, Action.DISPATCH)
        except NotAllowed as exc:
            raise Refused(exc.message) from None
        return
    order = resolve(store, order_ref)
    if _out_with(store, order.id) == actor.id:
        return  # out with them already: the dispatch itself refuses, saying so
    last = last_time_out(store, order.id)
    if last is not None and last.state is DeliveryState.FAILED and last.driver_id == actor.id:
        return
    if last is None or last.state is not DeliveryState.FAILED:
        why = "it is not a delivery of theirs that failed"
    else:
        from pos.people.staff import get_staff

        why = f"its last delivery failed with {get_staff(store, int(last.driver_id or 0)).name}"
    raise Refused(f"{actor.name} may not send order {order.label} out: a driver takes back only their own failed "
                  f"delivery, and {why}; that needs {who_may(Action.DISPATCH)}.")


def dispatch(store: "Store", order_ref: str | int, driver_name: str, *, pays_with: str | None = None) -> Payment:
    """Send a delivery order out with a driver, who will collect what is due.

    ``pays_with``: what the customer said they will pay the driver with, kept on the order
    (:func:`pos.sales.order_details.set_details`) in the same transaction; what the order says the customer
    pays with must cover what is due, or the dispatch is refused (the driver's ticket says the change to bring).
    """
    from pos.sales.order_details import check_pays_with, set_details

    order = resolve(store, order_ref)
    check_dispatchable(order)
    driver = _driver(store, driver_name)
    with store.write():
        current = _out_for_delivery(store, order.id)
        if current is not None:
            from pos.people.staff import get_staff

            holder = get_staff(store, int(current.driver_id or 0)).name
            raise Conflict(f"Order {order.label} is already out for delivery with {holder}.")
        if pays_with is not None:
            order = set_details(store, order.id, pays_with=pays_with)
        due = payable_minor(store, order)
        check_pays_with(store, order, order.pays_with_minor, due)
        payment = insert_payment(store, order, TenderKind.COD, due, state=PaymentState.AUTHORIZED, driver_id=driver.id)
        from pos.store import audit

        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "waiting"},
                      {"status": "out for delivery", "driver": driver.name}, due_minor=due)
        return payment


class SentOut(NamedTuple):
    """A delivery sent out (:func:`send_out`): with whom, and what the driver collects at the door."""

    order_id: str
    driver: str
    collect_minor: int
    payment: Payment | None
    """The cash-on-delivery payment the driver collects; None for an order paid before it went out."""


def send_out(store: "Store", order_ref: str | int, driver_name: str, *, pays_with: str | None = None) -> SentOut:
    """Send a delivery out with a driver: to collect what is due (:func:`dispatch`), or, paid already, to take it
    to the door with nothing to collect (a run of :mod:`pos.store.prepaid_runs`)."""
    from pos.sales.order_records import OrderStatus

    order = resolve(store, order_ref)
    if order.status is not OrderStatus.PAID:
        payment = dispatch(store, order.id, driver_name, pays_with=pays_with)
        return SentOut(order.id, _driver_name(store, payment), payment.amount_minor, payment)
    if pays_with:
        raise InvalidInput(f"Order {order.label} is paid: there is nothing to collect and no change to bring. Leave "
                           "out --pays-with.")
    check_dispatchable(order)
    driver = _driver(store, driver_name)
    with store.write():
        fresh = resolve(store, order.id)
        if fresh.status is not OrderStatus.PAID:
            raise Conflict(f"Order {order.label} changed meanwhile: look at it again with 'pos order show'.")
        holder = _out_with(store, order.id)
        if holder is not None:
            from pos.people.staff import get_staff

            raise Conflict(f"Order {order.label} is already out for delivery with {get_staff(store, holder).name}.")
        prepaid_runs.send_out(store, order.id, driver.id)
        from pos.store import audit

        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "waiting"},
                      {"status": "out for delivery", "driver": driver.name}, due_minor=0, paid=True)
    return SentOut(order.id, driver.name, 0, None)


def _driver_name(store: "Store", payment: Payment) -> str:
    from pos.people.staff import get_staff

    return get_staff(store, int(payment.driver_id or 0)).name


def collect(store: "Store", order_ref: str | int, handed_over: str | int | None = None, tip: str | int | None = None,
            *, keep_change: bool = False) -> Payment | None:
    """Record what the driver took at the door, the change given, and any tip; None for an order paid before it
    went out, which is recorded as delivered with nothing collected.

    ``handed_over``: the cash the customer gave (None: exactly what is due, and the tip);
    ``keep_change``: the customer told the driver to keep the change; all of it is the driver's tip.
    """
    from pos.people.staff import get_staff

    order = resolve(store, order_ref)
    payment = _out_for_delivery(store, order.id)
    if payment is None:
        run = prepaid_runs.latest(store, order.id)
        if run is not None and run.out:
            _delivered_paid(store, order, run, handed_over is not None or tip is not None or keep_change)
            return None
        collected = [p for p in order_payments(store, order.id) if p.tender is TenderKind.COD and p.state is PaymentState.CAPTURED]
        if collected:
            raise Conflict(f"Order {order.label} was already collected: nothing more to collect.")
        raise NotFound(f"Order {order.label} is not out for delivery: dispatch it first with 'pos delivery dispatch'.")
    given = amount_minor(store, handed_over, "amount collected")
    tip_minor = 0
    if keep_change and tip is not None:
        raise InvalidInput("Give a tip or say the driver keeps the change, not both.")
    if keep_change:
        if given is None:
            raise InvalidInput("Say what the customer handed over: the change kept is what is above "
                               f"{store_money(store, payment.amount_minor)}.")
        tip_minor = given - payment.amount_minor
        if tip_minor <= 0:
            raise InvalidInput(f"{store_money(store, given)} leaves no change to keep on {store_money(store, payment.amount_minor)}.")
    elif tip is not None:
        from pos.base.money_input import parse_amount

        s = store.settings
        tip_minor = parse_amount(str(tip), s.currency, s.locale).amount_minor  # zero means no tip
    if given is None:  # exactly what is due, and the tip
        given = payment.amount_minor + tip_minor
    if given < payment.amount_minor + tip_minor:
        raise InvalidInput(
            f"{store_money(store, given)} does not cover {store_money(store, payment.amount_minor)}"
            + (f" plus the {store_money(store, tip_minor)} tip" if tip_minor else "")
            + ": record what the customer really handed over."
        )
    driver = get_staff(store, int(payment.driver_id or 0))
    if tip_minor:
        from pos.tips.tips import tip_account

        tip_account(store, driver.key, since=payment.created_at)  # may receive it, on shift since dispatch
    change = given - payment.amount_minor - tip_minor
    with store.write() as conn:
        conn.execute(
            "UPDATE payments SET tendered_minor = ?, change_minor = ?, tip_minor = ?, tip_to = ? WHERE id = ?",
            (given, change, tip_minor, driver.key if tip_minor else None, payment.id),
        )
        fresh = payment._replace(tendered_minor=given, change_minor=change, tip_minor=tip_minor,
                                 tip_to=driver.key if tip_minor else None)
        faults.hit("cod.collect.before_capture")
        captured = record_capture(store, CodTender(), fresh)
        if tip_minor:
            # The driver keeps the tip from the bag at the door: paid out at once.
            ledger.post(
                store, f"payment:{payment.id}:tip-kept", f"{driver.name} kept the tip on {order.label}",
                ledger.SourceKind.TIPS, order.id,
                posting_rules.transfer(accounts.tips_owed(driver.key), accounts.driver_cash(driver.key), tip_minor,
                                       store.settings.currency),
                business_day=money_day(store, order),
            )
        from pos.store import audit

        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}",
                      {"status": "out for delivery", "driver": driver.name},
                      {"status": "collected", "driver": driver.name}, amount_minor=payment.amount_minor,
                      handed_over_minor=given, change_minor=change, tip_minor=tip_minor)
    return captured


def _delivered_paid(store: "Store", order: Any, run: prepaid_runs.Run, money_said: bool) -> None:
    """An order paid before it went out, at the customer's door: delivered, nothing collected."""
    from pos.store import audit
    from pos.people.staff import get_staff

    driver = get_staff(store, run.driver_id).name
    if money_said:
        raise InvalidInput(f"Order {order.label} was paid before it went out: there is nothing to collect (record "
                           f"it with 'pos delivery collect {order.number}'). A cash tip the customer gave is "
                           f"{driver}'s, declared at the end of the shift ('pos shift end {driver} --cash-tips ...').")
    with store.write():
        prepaid_runs.end(store, run, prepaid_runs.Outcome.DELIVERED)
        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "out for delivery",
                      "driver": driver}, {"status": "delivered", "driver": driver}, amount_minor=0, paid=True)


def fail(store: "Store", order_ref: str | int, reason: str) -> Payment | None:
    """A refused or failed delivery: nothing collected, the order is open again (None: an order paid before it went
    out, which stays paid, to send out again or refund)."""
    from pos.base.text import clean_line

    why = clean_line(reason, "delivery failure reason")
    if not why:
        raise InvalidInput("Say why the delivery failed (like 'nobody home'): give --reason.")
    order = resolve(store, order_ref)
    payment = _out_for_delivery(store, order.id)
    run = prepaid_runs.latest(store, order.id) if payment is None else None
    if run is not None and run.out:
        from pos.store import audit
        from pos.people.staff import get_staff

        with store.write():
            prepaid_runs.end(store, run, prepaid_runs.Outcome.FAILED, why)
            driver = get_staff(store, run.driver_id).name
            audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "out for delivery",
                          "driver": driver}, {"status": "failed"}, reason=why, amount_minor=0, paid=True)
        return None
    if payment is None:
        raise NotFound(f"Order {order.label} is not out for delivery.")
    with store.write():
        failed = void_payment(store, CodTender(), payment, f"{FAILED_NOTE}: {why}")
        from pos.store import audit
        from pos.people.staff import get_staff

        driver = get_staff(store, int(payment.driver_id or 0)).name
        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "out for delivery",
                      "driver": driver}, {"status": "failed"}, reason=why, amount_minor=payment.amount_minor)
    return failed


class DeliveryState(str, enum.Enum):
    """Where a delivery order is, from its cash-on-delivery payments."""

    WAITING = "waiting"
    """Not sent out yet (or back after a delivery that failed and was not sent again)."""
    OUT = "out for delivery"
    DELIVERED = "delivered"
    FAILED = "failed"
    """The last attempt failed (nobody home, refused): the order is open again."""


class DeliveryStatus(NamedTuple):
    state: DeliveryState
    driver: str | None
    """Who has it out, delivered it, or failed to."""


class TimeOut(NamedTuple):
    """An order's last time out: where it is, with whom, since when, and why it failed."""

    state: "DeliveryState"
    driver_id: int | None
    sent_at: datetime
    why: str | None
    """Why a delivery that failed did (``nobody home``)."""


def last_time_out(store: "Store", order_id: str) -> TimeOut | None:
    """An order's last time out, from its latest cash-on-delivery payment or run with nothing to collect (whichever
    is later); None when it never went out."""
    latest = None
    for p in order_payments(store, order_id):
        if p.tender is TenderKind.COD and (latest is None or p.created_at >= latest.created_at):
            latest = p
    run = prepaid_runs.latest(store, order_id)
    if run is not None and (latest is None or run.sent_at >= latest.created_at):
        ended = {None: DeliveryState.OUT, prepaid_runs.Outcome.DELIVERED: DeliveryState.DELIVERED,
                 prepaid_runs.Outcome.FAILED: DeliveryState.FAILED}
        return TimeOut(ended[run.outcome], run.driver_id, run.sent_at, run.reason)
    if latest is None:
        return None
    driver = int(latest.driver_id) if latest.driver_id else None
    if latest.state is PaymentState.AUTHORIZED:
        return TimeOut(DeliveryState.OUT, driver, latest.created_at, None)
    if latest.state is PaymentState.VOIDED:
        failed = (latest.note or "").startswith(FAILED_NOTE)
        return TimeOut(DeliveryState.FAILED if failed else DeliveryState.WAITING, driver, latest.created_at,
                       (latest.note or "")[len(FAILED_NOTE):].lstrip(": ") or None if failed else None)
    if latest.state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED):
        return TimeOut(DeliveryState.DELIVERED, driver, latest.created_at, None)
    return TimeOut(DeliveryState.WAITING, driver, latest.created_at, None)


def delivery_status(store: "Store", order_id: str) -> DeliveryStatus:
    """The state of a delivery order and its driver, from its last time out (:func:`last_time_out`)."""
    from pos.people.staff import get_staff

    last = last_time_out(store, order_id)
    if last is None:
        return DeliveryStatus(DeliveryState.WAITING, None)
    return DeliveryStatus(last.state, get_staff(store, last.driver_id).name if last.driver_id else None)


class DriverOrder(NamedTuple):
    """One of a driver's orders, as they find it: where it goes and the cash it is about."""

    label: str
    address: str
    amount_minor: int
    """Out for delivery: what to collect (0: paid before it went out); collected: the cash kept for the store (what
    was due)."""


class HandIn(NamedTuple):
    """A driver's hand-in as the driver started it: nothing is posted until the person receiving it counts it."""

    id: str
    driver: str
    register: int
    declared_minor: int
    """What the driver said they hand in."""
    started_at: datetime


class DriverCash(NamedTuple):
    driver: str
    held_minor: int
    """Cash collected and not yet handed in (a hand-in waiting for its count included): what the driver owes the
    store."""
    out_for_delivery: list[DriverOrder]
    """Deliveries still out, oldest first."""
    collected: list[DriverOrder] = []
    """Deliveries collected since the driver's last hand-in, oldest first: where the cash held came from."""
    waiting: HandIn | None = None
    """A hand-in the driver started that nobody has counted yet: the cash is still the driver's in the books."""


def driver_cash(store: "Store", name: str) -> DriverCash:
    from pos.people.staff import get_staff

    member = get_staff(store, name)
    account = accounts.driver_cash(member.key)
    held = ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)

    def listed(row: Any) -> DriverOrder:
        order = resolve(store, row["order_id"])
        return DriverOrder(order.label, order.address or "", int(row["amount_minor"]))

    out_at = [(row["created_at"], listed(row)) for row in store.all(
        "SELECT order_id, amount_minor, created_at FROM payments WHERE driver_id = ? AND tender = 'cod' "
        "AND state = 'authorized' ORDER BY created_at",
        (member.id,),
    )]
    out_at += [(iso(run.sent_at), listed({"order_id": run.order_id, "amount_minor": 0}))
               for run in prepaid_runs.out_with(store, member.id)]
    out = [order for _, order in sorted(out_at, key=lambda pair: pair[0])]
    last_handin = store.scalar("SELECT coalesce(max(id), 0) FROM journal_entries WHERE key LIKE ?",
                               (f"driver:{member.key}:handin:%",))
    collected = [listed(row) for row in store.all(
        "SELECT p.order_id, p.amount_minor FROM payments p JOIN journal_entries j ON j.key = 'payment:' || p.id || "
        "':capture' WHERE p.driver_id = ? AND p.tender = 'cod' AND j.id > ? ORDER BY j.id",
        (member.id, last_handin),
    )] if held else []
    return DriverCash(member.name, held, out, collected, waiting_handin(store, member.id))


def _handin(row: Any) -> HandIn:
    from pos.store.store import parse_iso

    return HandIn(row["id"], row["name"], int(row["register"]), int(row["declared_minor"]), parse_iso(row["started_at"]))


def waiting_handin(store: "Store", driver_id: int) -> HandIn | None:
    """The hand-in ``driver_id`` started that nobody has counted yet (at most one)."""
    row = store.one("SELECT h.*, s.name FROM handins h JOIN staff s ON s.id = h.driver_id LEFT JOIN handin_counts c "
                    "ON c.handin_id = h.id WHERE h.driver_id = ? AND c.handin_id IS NULL ORDER BY h.started_at DESC "
                    "LIMIT 1", (driver_id,))
    return _handin(row) if row is not None else None


def waiting_handins(store: "Store") -> list[HandIn]:
    """Every hand-in started and not yet counted, oldest first (the close says each)."""
    return [_handin(row) for row in store.all(
        "SELECT h.*, s.name FROM handins h JOIN staff s ON s.id = h.driver_id LEFT JOIN handin_counts c "
        "ON c.handin_id = h.id WHERE c.handin_id IS NULL ORDER BY h.started_at, h.id")]


def start_handin(store: "Store", name: str, amount: str | int, register: int = 1) -> HandIn:
    """The driver's half of a hand-in: what they say they hand in, to which drawer.  Nothing is posted: the cash
    stays on the driver's account until the person receiving it counts it (:func:`confirm_handin`)."""
    from pos.store import audit
    from pos.cash import drawer
    from pos.people.staff import get_staff
    from pos.store.store import new_id, utc_now

    member = get_staff(store, name)
    minor = amount_minor(store, amount, "amount handed in")
    assert minor is not None
    drawer.require_open(store, register)
    with store.write() as conn:
        waiting = waiting_handin(store, member.id)
        if waiting is not None:
            raise Conflict(f"{member.name}'s hand-in of {store_money(store, waiting.declared_minor)} to drawer "
                           f"{waiting.register} is waiting to be counted: the person receiving it confirms it first "
                           f"('pos driver receive {member.name} COUNTED --counted-by NAME').")
        held = driver_cash(store, member.name).held_minor
        if minor > held:
            raise InvalidInput(
                f"{member.name} holds {store_money(store, held)}: a hand-in of {store_money(store, minor)} is more than that."
            )
        handin_id = new_id("hi")
        asking = store.memo.get("actor_id")
        conn.execute("INSERT INTO handins(id, driver_id, register, declared_minor, started_at, started_by) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (handin_id, member.id, register, minor, iso(utc_now()),
                                                   int(asking) if asking is not None else None))
        audit.changed(store, audit.Event.HAND_IN_STARTED, f"drawer {register}", None, None, kind="driver hand-in",
                      driver=member.name, declared_minor=minor, driver_held_minor=held, handin=handin_id,
                      register=register)
    found = waiting_handin(store, member.id)
    assert found is not None
    return found


def counted_minor(store: "Store", counted: str | int) -> int:
    """A hand-in's count as typed (0 and up: nothing handed over ends it)."""
    if isinstance(counted, int):
        if counted < 0:
            raise InvalidInput("The amount counted cannot be negative.")
        return counted
    from pos.base.money_input import parse_amount

    return parse_amount(counted, store.settings.currency, store.settings.locale).amount_minor


def confirm_handin(store: "Store", name: str, counted: str | int, received_by: "StaffMember"
                   ) -> tuple[ledger.Entry | None, HandIn, int, DriverCash]:
    """The receiving half: ``received_by`` (who typed their PIN: the caller checked it) counted ``counted`` of the
    driver's waiting hand-in; that much moves from the driver's account into the drawer, the rest stays on the
    driver.  A count of nothing ends the hand-in with nothing moved.  The receiver is never the driver, and is
    someone who takes cash at the counter."""
    from pos.store import audit
    from pos.cash import drawer
    from pos.people.permissions import Action, actor_of, may, role_phrase
    from pos.people.staff import get_staff
    from pos.store.store import new_id, utc_now

    member = get_staff(store, name)
    minor = counted_minor(store, counted)
    if received_by.id == member.id:
        raise Refused(f"{member.name} cannot count their own hand-in: the person receiving the cash counts it and "
                      "types their PIN.")
    if not received_by.active:
        raise Refused(f"{received_by.name} is deactivated and cannot receive a hand-in.")
    if not may(actor_of(received_by), Action.TAKE_PAYMENT):
        raise Refused(f"{received_by.name} is {role_phrase(received_by.role)} and may not receive a driver's cash: "
                      "a cashier, manager or owner counts it.")
    with store.write() as conn:
        waiting = waiting_handin(store, member.id)
        if waiting is None:
            raise NotFound(f"{member.name} has no hand-in waiting to be counted: the driver starts one "
                           f"('pos driver handin {member.name} AMOUNT').")
        drawer.require_open(store, waiting.register)
        held = driver_cash(store, member.name).held_minor
        if minor > held:
            raise InvalidInput(f"{member.name} holds {store_money(store, held)}: a count of {store_money(store, minor)} "
                               "is more than that: count again.")
        entry = None
        key = f"driver:{member.key}:handin:{new_id('hc')}"
        if minor:
            entry = ledger.post(
                store, key, f"{member.name} hands in cash to drawer {waiting.register}, counted by {received_by.name}",
                ledger.SourceKind.DRIVER, member.key,
                posting_rules.transfer(accounts.drawer(waiting.register), accounts.driver_cash(member.key), minor,
                                       store.settings.currency),
            )
        conn.execute("INSERT INTO handin_counts(handin_id, counted_minor, counted_by, counted_at, entry_key) "
                     "VALUES (?, ?, ?, ?, ?)", (waiting.id, minor, received_by.id, iso(utc_now()),
                                               key if entry is not None else None))
        audit.changed(store, audit.Event.DRAWER_CASH, f"drawer {waiting.register}", None, None, kind="driver hand-in",
                      driver=member.name, amount_minor=minor, declared_minor=waiting.declared_minor,
                      counted_by=received_by.name, driver_held_before_minor=held, driver_held_after_minor=held - minor,
                      entry=entry.id if entry is not None else None, handin=waiting.id, register=waiting.register)
        faults.hit("cod.handin.posted")
    return entry, waiting, minor, driver_cash(store, member.name)


def handin(store: "Store", name: str, amount: str | int, register: int = 1, *,
           received_by: "StaffMember") -> tuple[ledger.Entry | None, DriverCash]:
    """Both halves at once, for a driver handing ``amount`` to ``received_by`` who counts the same (the demo):
    :func:`start_handin`, then :func:`confirm_handin`."""
    start_handin(store, name, amount, register)
    entry, _, _, cash = confirm_handin(store, name, amount, received_by)
    return entry, cash
