"""Payment links: paid on the customer's own phone, by card or phone wallet.

A payment link serves phone and delivery orders: ``send_link`` makes a
hosted page for the amount due (Stripe Checkout; in a training store, a
pretend one), and the payment waits, ``requested``, holding its amount
against the order so no other tender takes it twice.  ``check_link`` asks
whether the customer has paid (recording the payment, or the expiry), and
``wait_for_link`` keeps asking.  ``cancel_link`` closes a link that will
not be paid, so the order can be paid another way.  The customer never
needs an account.

The tenders themselves (a wallet tapped on the reader, and the link) are
:class:`payments.card.WalletTender` and :class:`payments.card.LinkTender`;
this module sits on top of :mod:`payments.service`, which takes and settles
the link's payment like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from payments import registry
from payments.base import Payment, PaymentState, TenderKind, get_payment, order_payments
from pos.base.errors import NotFound
from payments.flow import due_minor, void_payment
from payments import service
from payments.service import pay
from payments.stripe.errors import RateLimited
from payments.stripe.pacing import Pacer

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class LinkStatus(NamedTuple):
    payment: Payment
    action: str
    """What happened: sent, still waiting for the customer, captured and recorded, expired unpaid..."""
    order_paid: bool
    due_minor: int

    @property
    def waiting(self) -> bool:
        return self.payment.state is PaymentState.REQUESTED

    @property
    def url(self) -> str | None:
        return self.payment.details.get("link_url")


def pending_link(store: "Store", order_ref: str | int) -> Payment | None:
    """The payment link an order is waiting on, if any."""
    from pos.sales.order_records import resolve

    order = resolve(store, order_ref)
    for payment in order_payments(store, order.id):
        if payment.tender is TenderKind.LINK and payment.state is PaymentState.REQUESTED:
            return payment
    return None


def _status(store: "Store", payment: Payment, action: str) -> LinkStatus:
    from pos.sales.order_records import OrderStatus, resolve

    current = get_payment(store, payment.id)
    order = resolve(store, current.order_id)
    return LinkStatus(current, action, order.status is OrderStatus.PAID,
                      due_minor(store, order.id) if order.status is OrderStatus.OPEN else 0)


def send_link(store: "Store", order_ref: str | int, amount: str | int | None = None, *,
              register: int = 1, tip_minor: int = 0, tip_to: str | None = None,
              tip_confirmed: bool = False) -> LinkStatus:
    """A payment link for what is due (or ``amount``); an order already waiting on one gets that one again."""
    waiting = pending_link(store, order_ref)
    if waiting is not None:
        return _status(store, waiting, "already sent")

    result = pay(store, order_ref, TenderKind.LINK, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                 tip_confirmed=tip_confirmed)
    return _status(store, result.payment, "sent" if result.outcome.pending else "declined")


def _waiting_link(store: "Store", order_ref: str | int) -> Payment:
    from pos.sales.order_records import resolve

    payment = pending_link(store, order_ref)
    if payment is None:
        number = resolve(store, order_ref).number
        raise NotFound(f"Order {number} is not waiting on a payment link: send one with 'pos pay {number} link'.")
    return payment


def check_link(store: "Store", order_ref: str | int) -> LinkStatus:
    """Ask whether the customer has paid the order's link; record the payment or the expiry."""
    payment = _waiting_link(store, order_ref)
    return _status(store, payment, service.settle(store, payment))


def wait_for_link(store: "Store", order_ref: str | int, timeout_s: int, poll_s: float = 2.0,
                  on_wait: Callable[[int], None] | None = None) -> LinkStatus:
    """Check the link every ``poll_s`` until it is paid or expired, or ``timeout_s`` passes.

    Stopping the wait (time out, Ctrl-C) leaves the link open: the customer
    may still pay it, and a later check records that.  Stripe saying "slow
    down" (HTTP 429) is not the link's answer: the check is tried again after a
    pause that doubles with each refusal in a row (:mod:`payments.stripe.pacing`,
    the register's clock and sleep), within the wait; refused to the end, the
    refusal is raised and the link stays open.
    """
    pacer: Pacer = store.memo.get("stripe_pacer") or Pacer()
    started = pacer.clock()
    deadline = started + timeout_s
    refusals = 0
    while True:
        try:
            status = check_link(store, order_ref)
        except RateLimited:
            if not pacer.backoff(refusals, deadline, at_least_s=min(poll_s, 1.0)):
                raise
            refusals += 1
            continue
        refusals = 0
        elapsed = pacer.clock() - started
        if not status.waiting or elapsed >= timeout_s:
            return status
        if on_wait is not None:
            on_wait(int(elapsed))
        pacer.sleep(min(poll_s, max(0.0, timeout_s - elapsed)))


def cancel_link(store: "Store", order_ref: str | int) -> LinkStatus:
    """Close the order's link so it can no longer be paid (refused if the customer has paid it)."""
    payment = _waiting_link(store, order_ref)
    released = void_payment(store, registry.tender_for(payment.tender), payment, "link cancelled at the register")
    return _status(store, released, "cancelled")

