"""Cash on delivery: dispatch to a driver, collect at the door, hand the cash in.

Dispatching authorizes a payment for the amount due as cash owed by the
named driver (who must be an active driver on shift, and the order must
have an address).  Collecting captures it: the driver's cash account
(``assets:cash:driver:<key>``) receives what the customer handed over,
gives back the change, and a tip goes to the driver, who keeps it from the
bag at once (posted as a tip paid out).  A failed delivery voids the
payment and the order comes back, open.  A hand-in moves cash from the
driver's account into a drawer; whatever is not handed in stays on the
driver's account, visible, until it is.
"""

from __future__ import annotations

import enum
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
from pos import accounts, faults, ledger, posting_rules
from pos.days import money_day
from pos.errors import Conflict, InvalidInput, NotAllowed, NotFound, Refused
from pos.money_format import store_money
from pos.orders import check_dispatchable, resolve

if TYPE_CHECKING:  # pragma: no cover
    from pos.staff import StaffMember
    from pos.store import Store


class CodTender(LocalTender):
    """Cash handed to a driver at the customer's door."""

    kind = TenderKind.COD
    capabilities = Capabilities(
        refunds=True, adjusts_tip=False, works_offline=True, gives_change=True, captures_at_once=False,
        calls_processor=False,
    )

    def account(self, store: "Store", payment: Payment) -> str:
        from pos.staff import get_staff

        return accounts.driver_cash(get_staff(store, int(payment.driver_id or 0)).key)

    def refund_account(self, store: "Store", payment: Payment, register: int) -> str:
        return accounts.drawer(register)  # the driver's cash was handed in; refunds come from a drawer


def _driver(store: "Store", name: str) -> "StaffMember":
    from pos.staff import Role, get_staff, on_shift_at

    member = get_staff(store, name)
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated and cannot take deliveries.")
    if member.role is not Role.DRIVER:
        from pos.permissions import role_phrase

        raise NotAllowed(f"{member.name} is {role_phrase(member.role)}, not a driver: dispatch to a driver.")
    if not on_shift_at(store, member):
        raise NotAllowed(f"{member.name} is not on shift: start the shift with 'pos shift start {member.name}'.")
    return member


def _out_for_delivery(store: "Store", order_id: str) -> Payment | None:
    for p in order_payments(store, order_id):
        if p.tender is TenderKind.COD and p.state is PaymentState.AUTHORIZED:
            return p
    return None


def only_own(store: "Store", actor: "StaffMember | None", doing: str, *, order_ref: str | int | None = None,
             driver_name: str | None = None) -> None:
    """A driver acts only on their own deliveries and their own cash (the permission table's 'own').

    ``doing`` is what they asked, in words that go before "order #12" or "Olga's cash" ("collect",
    "hand in"); a refusal names it, why not, and who may.
    """
    from pos.staff import Role, get_staff

    if actor is None or actor.role is not Role.DRIVER:
        return
    if driver_name is not None:
        other = get_staff(store, driver_name)
        if other.id != actor.id:
            raise Refused(f"{actor.name} may not {doing} {other.name}'s cash: a driver may {doing} only their own "
                          f"cash; {other.name}, a manager or an owner may.")
    if order_ref is not None:
        order = resolve(store, order_ref)
        out = _out_for_delivery(store, order.id)
        if out is not None and out.driver_id != actor.id:
            holder = get_staff(store, int(out.driver_id or 0)).name
            raise Refused(f"{actor.name} may not {doing} order {order.label}: it is out with {holder}, and a driver "
                          f"records only their own deliveries; {holder}, a manager or an owner may.")


FAILED_NOTE = "delivery failed"
"""How a failed delivery's payment note begins (:func:`fail`)."""


def may_dispatch(store: "Store", actor: "StaffMember | None", order_ref: str | int) -> None:
    """Who may send ``order_ref`` out: whoever the table lets dispatch, and a driver taking back their own failed delivery.

    A driver whose delivery failed (nobody home, a wrong address) takes it out again without a
    cashier signing in for them; any other order is refused, saying why and who may.
    """
    from pos.permissions import Action, require, who_may
    from pos.staff import Role

    if actor is None:
        return
    if actor.role is not Role.DRIVER:
        try:
            require(actor, Action.DISPATCH)
        except NotAllowed as exc:
            raise Refused(exc.message) from None
        return
    order = resolve(store, order_ref)
    deliveries = [p for p in order_payments(store, order.id) if p.tender is TenderKind.COD]
    last = max(deliveries, key=lambda p: p.created_at) if deliveries else None
    if last is not None and last.state is PaymentState.VOIDED and (last.note or "").startswith(FAILED_NOTE) \
            and last.driver_id == actor.id:
        return
    if last is None or last.state is not PaymentState.VOIDED:
        why = "it is not a delivery of theirs that failed"
    else:
        from pos.staff import get_staff

        why = f"its last delivery failed with {get_staff(store, int(last.driver_id or 0)).name}"
    raise Refused(f"{actor.name} may not send order {order.label} out: a driver takes back only their own failed "
                  f"delivery, and {why}; that needs {who_may(Action.DISPATCH)}.")


def dispatch(store: "Store", order_ref: str | int, driver_name: str) -> Payment:
    """Send a delivery order out with a driver, who will collect what is due."""
    order = resolve(store, order_ref)
    check_dispatchable(order)
    driver = _driver(store, driver_name)
    with store.write():
        current = _out_for_delivery(store, order.id)
        if current is not None:
            from pos.staff import get_staff

            holder = get_staff(store, int(current.driver_id or 0)).name
            raise Conflict(f"Order {order.label} is already out for delivery with {holder}.")
        due = payable_minor(store, order)
        payment = insert_payment(store, order, TenderKind.COD, due, state=PaymentState.AUTHORIZED, driver_id=driver.id)
        from pos import audit

        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}", {"status": "waiting"},
                      {"status": "out for delivery", "driver": driver.name}, due_minor=due)
        return payment


def collect(store: "Store", order_ref: str | int, handed_over: str | int, tip: str | int | None = None,
            *, keep_change: bool = False) -> Payment:
    """Record what the driver took at the door, the change given, and any tip.

    ``keep_change``: the customer told the driver to keep the change; all of it is the driver's tip.
    """
    from pos.staff import get_staff

    order = resolve(store, order_ref)
    payment = _out_for_delivery(store, order.id)
    if payment is None:
        collected = [p for p in order_payments(store, order.id) if p.tender is TenderKind.COD and p.state is PaymentState.CAPTURED]
        if collected:
            raise Conflict(f"Order {order.label} was already collected: nothing more to collect.")
        raise NotFound(f"Order {order.label} is not out for delivery: dispatch it first with 'pos delivery dispatch'.")
    given = amount_minor(store, handed_over, "amount collected")
    tip_minor = 0
    if keep_change and tip is not None:
        raise InvalidInput("Give a tip or say the driver keeps the change, not both.")
    if keep_change:
        assert given is not None
        tip_minor = given - payment.amount_minor
        if tip_minor <= 0:
            raise InvalidInput(f"{store_money(store, given)} leaves no change to keep on {store_money(store, payment.amount_minor)}.")
    elif tip is not None:
        from pos.money import parse_amount

        s = store.settings
        tip_minor = parse_amount(str(tip), s.currency, s.locale).amount_minor  # zero means no tip
    assert given is not None
    if given < payment.amount_minor + tip_minor:
        raise InvalidInput(
            f"{store_money(store, given)} does not cover {store_money(store, payment.amount_minor)}"
            + (f" plus the {store_money(store, tip_minor)} tip" if tip_minor else "")
            + ": record what the customer really handed over."
        )
    driver = get_staff(store, int(payment.driver_id or 0))
    if tip_minor:
        from pos.tips import tip_account

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
        from pos import audit

        audit.changed(store, audit.Event.DELIVERY, f"order {order.label}",
                      {"status": "out for delivery", "driver": driver.name},
                      {"status": "collected", "driver": driver.name}, amount_minor=payment.amount_minor,
                      handed_over_minor=given, change_minor=change, tip_minor=tip_minor)
    return captured


def fail(store: "Store", order_ref: str | int, reason: str) -> Payment:
    """A refused or failed delivery: nothing collected, the order is open again."""
    from pos.text import clean_line

    why = clean_line(reason, "delivery failure reason")
    if not why:
        raise InvalidInput("Say why the delivery failed (like 'nobody home'): give --reason.")
    order = resolve(store, order_ref)
    payment = _out_for_delivery(store, order.id)
    if payment is None:
        raise NotFound(f"Order {order.label} is not out for delivery.")
    with store.write():
        failed = void_payment(store, CodTender(), payment, f"{FAILED_NOTE}: {why}")
        from pos import audit
        from pos.staff import get_staff

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


def delivery_status(store: "Store", order_id: str) -> DeliveryStatus:
    """The state of a delivery order and its driver, from its latest cash-on-delivery payment."""
    from pos.staff import get_staff

    latest = None
    for p in order_payments(store, order_id):
        if p.tender is TenderKind.COD and (latest is None or p.created_at >= latest.created_at):
            latest = p
    if latest is None:
        return DeliveryStatus(DeliveryState.WAITING, None)
    driver = get_staff(store, int(latest.driver_id)).name if latest.driver_id else None
    if latest.state is PaymentState.AUTHORIZED:
        return DeliveryStatus(DeliveryState.OUT, driver)
    if latest.state is PaymentState.VOIDED:
        failed = (latest.note or "").startswith("delivery failed")
        return DeliveryStatus(DeliveryState.FAILED if failed else DeliveryState.WAITING, driver)
    if latest.state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED):
        return DeliveryStatus(DeliveryState.DELIVERED, driver)
    return DeliveryStatus(DeliveryState.WAITING, driver)


class DriverOrder(NamedTuple):
    """One of a driver's orders, as they find it: where it goes and the cash it is about."""

    label: str
    address: str
    amount_minor: int
    """Out for delivery: what to collect; collected: the cash kept for the store (what was due)."""


class DriverCash(NamedTuple):
    driver: str
    held_minor: int
    """Cash collected and not yet handed in: what the driver owes the store."""
    out_for_delivery: list[DriverOrder]
    """Deliveries still out, oldest first."""
    collected: list[DriverOrder] = []
    """Deliveries collected since the driver's last hand-in, oldest first: where the cash held came from."""


def driver_cash(store: "Store", name: str) -> DriverCash:
    from pos.staff import get_staff

    member = get_staff(store, name)
    account = accounts.driver_cash(member.key)
    held = ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)

    def listed(row: Any) -> DriverOrder:
        order = resolve(store, row["order_id"])
        return DriverOrder(order.label, order.address or "", int(row["amount_minor"]))

    out = [listed(row) for row in store.all(
        "SELECT order_id, amount_minor FROM payments WHERE driver_id = ? AND tender = 'cod' AND state = 'authorized' "
        "ORDER BY created_at",
        (member.id,),
    )]
    last_handin = store.scalar("SELECT coalesce(max(id), 0) FROM journal_entries WHERE key LIKE ?",
                               (f"driver:{member.key}:handin:%",))
    collected = [listed(row) for row in store.all(
        "SELECT p.order_id, p.amount_minor FROM payments p JOIN journal_entries j ON j.key = 'payment:' || p.id || "
        "':capture' WHERE p.driver_id = ? AND p.tender = 'cod' AND j.id > ? ORDER BY j.id",
        (member.id, last_handin),
    )] if held else []
    return DriverCash(member.name, held, out, collected)


def handin(store: "Store", name: str, amount: str | int, register: int = 1) -> tuple[ledger.Entry, DriverCash]:
    """Move cash a driver hands in into a drawer; any shortfall stays on the driver's account."""
    from pos import drawer
    from pos.staff import get_staff
    from pos.store import new_id

    member = get_staff(store, name)
    minor = amount_minor(store, amount, "amount handed in")
    assert minor is not None
    drawer.require_open(store, register)
    with store.write():
        held = driver_cash(store, member.name).held_minor
        if minor > held:
            raise InvalidInput(
                f"{member.name} holds {store_money(store, held)}: a hand-in of {store_money(store, minor)} is more than that."
            )
        entry = ledger.post(
            store, f"driver:{member.key}:handin:{new_id('hi')}", f"{member.name} hands in cash to drawer {register}",
            ledger.SourceKind.DRIVER, member.key,
            posting_rules.transfer(accounts.drawer(register), accounts.driver_cash(member.key), minor, store.settings.currency),
        )
        from pos import audit

        audit.changed(store, audit.Event.DRAWER_CASH, f"drawer {register}", None, None, kind="driver hand-in",
                      driver=member.name, amount_minor=minor, driver_held_before_minor=held,
                      driver_held_after_minor=held - minor, entry=entry.id, register=register)
        faults.hit("cod.handin.posted")
    return entry, driver_cash(store, member.name)
