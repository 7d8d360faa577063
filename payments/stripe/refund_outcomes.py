"""What became of a card refund after Stripe accepted it: pending, succeeded, failed or cancelled.

Stripe answers a refund ``pending`` (or ``requires_action``) until the customer's bank confirms it,
then ``succeeded``; a refund can also end ``failed`` or ``canceled`` (even after ``succeeded``), and
the money of a failed refund comes back to the balance.  So a card refund is booked when Stripe
accepts it (the money leaves the balance then: the refund's entry, state ``pending``), counted as
paid back once Stripe says it ``succeeded`` (state ``completed``), and one that fails or is
cancelled is ``reversed``: a new entry, the exact opposite of the refund's, posted once (keyed by
the refund, naming the entry it reverses), the payment's refunded amount and the order's status put
back, so the money is owed to the customer again, to refund again or give in cash.

Outcomes are read from Stripe, never from an event's payload as it stands: a webhook
(``refund.updated``, ``refund.failed``, ``charge.refund.updated``) or ``pos payments recover``
makes :func:`read_outcomes` ask the tender (:meth:`~payments.base.Tender.find_refund`), and
:func:`apply_status` decides what is new inside the one write that books it, so two deliveries of
the same event reverse a refund once.

This module sits beside :mod:`payments.refunds` (which calls :func:`status_of` and
:func:`mark_failed_at_once`), below :mod:`payments.stripe.webhooks` and :mod:`payments.service`.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.books import ledger
from pos.base.money_format import store_money
from payments.base import PaymentState, get_payment
from payments import registry
from payments.card import stripe_gateway

if TYPE_CHECKING:  # pragma: no cover
    from payments.base import Outcome
    from pos.store.store import Store


class RefundStatus(str, enum.Enum):
    """A processor refund's status, as Stripe names it (the refund object's ``status``)."""

    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def ended_unpaid(self) -> bool:
        """Failed or cancelled: the customer was not paid back (the money is back in the balance)."""
        return self in (RefundStatus.FAILED, RefundStatus.CANCELED)

    @property
    def words(self) -> str:
        return "was cancelled" if self is RefundStatus.CANCELED else "failed"


#: The key of the entry that reverses a refund's entry once Stripe says the refund failed or was cancelled.
REVERSED_SUFFIX = ":failed"

#: Refund states (``refunds.state``) of a refund booked but not yet confirmed, and of one reversed.
PENDING_STATE = "pending"
REVERSED_STATE = "reversed"


def status_of(outcome: "Outcome") -> RefundStatus:
    """The status a tender's approved refund outcome carries (``refund_status``); a local tender's is succeeded."""
    raw = str(outcome.details.get("refund_status") or RefundStatus.SUCCEEDED.value)
    try:
        return RefundStatus(raw)
    except ValueError:  # a status Stripe adds later: still in between, looked at again by recover
        return RefundStatus.PENDING


def reversed_key(refund_id: str) -> str:
    return f"refund:{refund_id}{REVERSED_SUFFIX}"


def what_to_do(store: "Store", order_ref: str, amount_minor: int) -> str:
    """The one sentence that says the customer was not paid back, and what to do."""
    return (f"the customer was NOT paid back {store_money(store, amount_minor)}: refund again "
            f"('pos refund {order_ref} --amount ... --reason ...'), "
            f"or give it in cash from the drawer ('pos drawer paid-out AMOUNT --reason \"refund of {order_ref}\"')")


def mark_failed_at_once(store: "Store", refund_id: str, processor_ref: str | None, status: RefundStatus,
                        reason: str | None) -> None:
    """A requested refund Stripe answered ``failed`` or ``canceled`` straight away: nothing was booked for it,
    nothing is; it is marked failed with what Stripe said, and holds nothing."""
    with store.write() as conn:
        conn.execute("UPDATE refunds SET state = 'failed', processor_ref = ?, processor_status = ?, "
                     "refusal_message = ? WHERE id = ? AND state = 'requested'",
                     (processor_ref, status.value, _said(status, reason), refund_id))


def _said(status: RefundStatus, reason: str | None) -> str:
    return f"Stripe says the refund {status.words}" + (f" ({reason[:80]})" if reason else "")


class Applied(NamedTuple):
    refund_id: str
    status: RefundStatus
    changed: bool
    """Whether this call changed the books (confirmed or reversed the refund); False: nothing new."""


def apply_status(store: "Store", refund_id: str, status: RefundStatus, reason: str | None = None) -> Applied:
    """What Stripe now says of a booked refund, applied once, inside one write.

    ``succeeded``: a pending refund is paid back (``completed``).  ``failed``/``canceled``: a pending or
    completed refund's entry is reversed by a new entry, the payment's refunded amount and the order's
    status put back (state ``reversed``).  Anything else (still pending, or a refund already reversed)
    changes nothing.
    """
    with store.write() as conn:
        row = conn.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        if row is None or row["state"] not in (PENDING_STATE, "completed"):
            return Applied(refund_id, status, False)
        if status is RefundStatus.SUCCEEDED:
            changed = row["state"] == PENDING_STATE
            conn.execute("UPDATE refunds SET state = 'completed', processor_status = ? WHERE id = ?",
                         (status.value, refund_id))
            return Applied(refund_id, status, changed)
        if not status.ended_unpaid:
            conn.execute("UPDATE refunds SET processor_status = ? WHERE id = ?", (status.value, refund_id))
            return Applied(refund_id, status, False)
        entry = ledger.find_by_key(store, f"refund:{refund_id}")
        if entry is not None:
            ledger.post(store, reversed_key(refund_id), f"Refund {status.words} at Stripe: customer not paid back",
                        ledger.SourceKind.REFUND, row["order_id"],
                        [ledger.Posting(p.account, -p.amount_minor, p.currency) for p in entry.postings],
                        reverses=entry.id)
        payment = get_payment(store, row["payment_id"])
        refunded = max(0, payment.refunded_minor - row["amount_minor"])
        state = PaymentState.CAPTURED if refunded == 0 else PaymentState.PARTIALLY_REFUNDED
        # Not a move of the state machine (a refund's money coming back): written here, with its event.
        from pos.store.store import iso, utc_now

        conn.execute("UPDATE payments SET state = ?, refunded_minor = ?, updated_at = ? WHERE id = ?",
                     (state.value, refunded, iso(utc_now()), payment.id))
        conn.execute("INSERT INTO payment_events(payment_id, from_state, to_state, at, note) VALUES (?, ?, ?, ?, ?)",
                     (payment.id, payment.state.value, state.value, iso(utc_now()),
                      f"refund {refund_id} {status.words} at Stripe"))
        conn.execute("UPDATE refunds SET state = 'reversed', processor_status = ?, refusal_message = ? WHERE id = ?",
                     (status.value, _said(status, reason), refund_id))
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ? AND status = 'refunded'", (row["order_id"],))
    return Applied(refund_id, status, True)


class Found(NamedTuple):
    """What the processor says now of one booked refund."""

    refund_id: str
    status: RefundStatus
    reason: str | None


def look_outcomes(store: "Store", payment_id: str, states: tuple[str, ...] = (PENDING_STATE, "completed"),
                  only: str | None = None) -> list[Found]:
    """Ask the payment's tender what became of each of its refunds in ``states`` (``only``: that refund);
    nothing is written (:func:`apply_status` applies each)."""
    payment = get_payment(store, payment_id)
    tender = registry.tender_for(payment.tender)
    marks = ", ".join("?" * len(states))
    found: list[Found] = []
    for row in store.all(f"SELECT id FROM refunds WHERE payment_id = ? AND state IN ({marks}) "
                         "ORDER BY created_at, rowid", (payment_id, *states)):
        if only is not None and row["id"] != only:
            continue
        made = tender.find_refund(store, payment, row["id"])
        if made is None:  # not one of ours at the processor (a local tender's, one booked from outside)
            continue
        found.append(Found(row["id"], status_of(made), made.details.get("failure_reason")))
    return found


def read_outcomes(store: "Store", payment_id: str, states: tuple[str, ...] = (PENDING_STATE, "completed"),
                  only: str | None = None) -> list[Applied]:
    """:func:`look_outcomes`, then each applied (idempotent)."""
    return [apply_status(store, *found) for found in look_outcomes(store, payment_id, states, only)]


#: How long after a card refund is booked ``pos payments recover`` still looks for its failure (Stripe: a refund
#: that succeeded can still fail, and its money come back, while the customer's bank returns it).
FAILURE_WATCH_DAYS = 30


def failed_after_succeeding(store: "Store") -> list[tuple[str, Applied]]:
    """Card refunds the books hold as paid back whose money Stripe has since taken back (a refund that failed after
    it succeeded, with no webhook to say so), each reversed once: (payment id, what was applied).  One request to
    Stripe (the ``refund_failure`` balance transactions since the oldest watched refund), and none when no card
    refund was booked in the last :data:`FAILURE_WATCH_DAYS` days."""
    from datetime import timedelta

    from pos.store.store import iso, parse_iso, utc_now

    since = iso(utc_now() - timedelta(days=FAILURE_WATCH_DAYS))
    rows = store.all(
        "SELECT r.id, r.payment_id, r.processor_ref, r.created_at FROM refunds r JOIN payments p ON p.id = r.payment_id "
        "WHERE r.state = 'completed' AND r.processor_ref LIKE 're\\_%' ESCAPE '\\' AND r.created_at >= ? "
        "AND p.tender IN ('card', 'wallet', 'link', 'self_checkout')", (since,))
    if not rows or store.settings.training:
        return []

    watched = {str(row["processor_ref"]): (str(row["id"]), str(row["payment_id"])) for row in rows}
    oldest = min(str(row["created_at"]) for row in rows)
    found: list[tuple[str, Applied]] = []
    for ref in stripe_gateway(store).failed_refund_ids(int(parse_iso(oldest).timestamp()) - 60):
        if ref in watched:
            refund_id, payment_id = watched[ref]
            found += [(payment_id, applied) for applied in read_outcomes(store, payment_id, ("completed",), only=refund_id)
                      if applied.changed]
    return found


def recovered_action(store: "Store", applied: Applied, order_ref: str, amount_minor: int) -> str:
    """How ``pos payments recover`` says what became of a pending refund."""
    if applied.status is RefundStatus.SUCCEEDED:
        return "refund succeeded at Stripe: the customer is paid back"
    if applied.status.ended_unpaid:
        return f"refund {applied.status.words} at Stripe, its entry reversed: {what_to_do(store, order_ref, amount_minor)}"
    return ("refund still pending at Stripe (the customer's bank has not confirmed it): booked, "
            "run 'pos payments recover' again later")


def not_paid_back(store: "Store", order_id: str) -> list[dict[str, Any]]:
    """The order's card refunds that did not pay the customer back (failed, cancelled, refused) and those still
    pending: what ``pos order show`` and the Z report say of them."""
    return [dict(r) for r in store.all(
        "SELECT id, state, amount_minor + tip_minor AS amount_minor, processor_status, refusal, refusal_message "
        "FROM refunds WHERE order_id = ? AND (state IN ('pending', 'reversed', 'refused') OR "
        "(state = 'failed' AND processor_status IS NOT NULL)) ORDER BY created_at, rowid", (order_id,))]


def refund_line(store: "Store", row: dict[str, Any], order_ref: str) -> str:
    """One line for a pending or unpaid refund of an order."""
    amount = int(row["amount_minor"])
    if row["state"] == PENDING_STATE:
        return (f"Refund of {store_money(store, amount)} pending at Stripe: booked, not yet confirmed by the "
                "customer's bank.")
    why = row["refusal_message"] or "Stripe did not give it back"
    return f"Refund of {store_money(store, amount)} not paid back ({why}): {what_to_do(store, order_ref, amount)}."


def refund_notes(store: "Store", order_id: str) -> list[str]:
    """What ``pos order show`` and ``pos payments list`` say of the order's pending and unpaid refunds."""
    from pos.sales.order_records import resolve, typed

    rows = not_paid_back(store, order_id)
    if not rows:
        return []
    ref = typed(store, resolve(store, order_id))
    return [refund_line(store, row, ref) for row in rows]


def refund_notes_json(store: "Store", order_id: str) -> list[dict[str, Any]]:
    """The same, for ``--json``: each pending or unpaid refund with its state, Stripe's status and reason."""
    return [{"refund_id": r["id"], "state": r["state"], "amount_minor": r["amount_minor"],
             "processor_status": r["processor_status"], "refusal": r["refusal"],
             "paid_back": False, "message": r["refusal_message"]} for r in not_paid_back(store, order_id)]
