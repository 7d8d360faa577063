"""Work a webhook leaves for later, queued in the store: capture or release a hold, finish a refund.

A webhook is answered 2xx only once what it asks for is recorded (:mod:`payments.stripe.webhooks`).  What can be
done from the books alone is done in the write that records the event; what needs Stripe to act (a
capture, a release, a refund a register died sending) is a job queued in that same write, so Stripe's
"delivered" never rests on a process that may die next:

* a job due now is run at once by the request that queued it;
* one due later (a register may still be taking the payment: :data:`payments.stripe.webhooks.REGISTER_MARGIN_S`),
  or one Stripe could not be asked about, is run by ``pos serve``'s worker (:func:`run_due`), with
  exponential backoff up to :data:`MAX_BACKOFF_S` (``pos payments recover`` does the same work, whatever
  the jobs say: a job run after it finds nothing to do);
* a job is claimed in a write (state ``running`` with a lease), so two workers never run it at once; one
  whose worker died is taken over when its lease ends; what it does follows Stripe's state now
  (:func:`payments.service.settle` and friends are idempotent), so running it again does nothing twice;
* one payment has at most one open job per kind of work: a second event about it joins the first.

After :data:`MAX_ATTEMPTS` failed tries a job is ``stopped``, its last error kept, and the payment left
to ``pos payments recover`` (which finishes every unfinished payment whatever its jobs say).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from payments.base import RELEASED, TAKEN_AS, Payment, PaymentState, get_payment
from pos.store.store import iso, parse_iso, utc_now
from payments import service
from payments.stripe.refund_outcomes import read_outcomes
from payments.card import stripe_gateway
from payments.stripe.late_fees import intent_of
from payments.stripe.card import plain
from payments import refunds

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store

#: How long a claimed job is its worker's: longer than any run (a capture and its booking, with retries).
LEASE_S = 300
#: The first retry's wait; each later one doubles, up to MAX_BACKOFF_S.
FIRST_BACKOFF_S = 15
MAX_BACKOFF_S = 3600
#: Tries before a job is stopped and left to ``pos payments recover`` (about a day of hourly tries).
MAX_ATTEMPTS = 30


class Work(str, enum.Enum):
    """What a job does to its payment."""

    SETTLE = "settle"
    """An unfinished payment (requested or held): captured, or released, as Stripe's state says."""
    RELEASE = "release"
    """A payment marked failed whose intent Stripe may still hold: released (or taken over)."""
    REFUNDS = "refunds"
    """Refunds a register died sending: adopted or sent, then any refund made outside the register booked."""


class Ran(NamedTuple):
    job_id: int
    payment_id: str
    action: str | None
    """What was done, in words; None when it was left for a later try."""


def queue(store: "Store", payment_id: str, work: Work, due_at: datetime) -> int:
    """Queue ``work`` for the payment (inside the caller's write), or join the open job already queued for it;
    the job's id."""
    with store.write() as conn:
        row = conn.execute("SELECT id, due_at FROM stripe_jobs WHERE payment_id = ? AND work = ? "
                           "AND state IN ('queued', 'running')", (payment_id, work.value)).fetchone()
        if row is not None:
            if parse_iso(row["due_at"]) > due_at:
                conn.execute("UPDATE stripe_jobs SET due_at = ? WHERE id = ? AND state = 'queued'",
                             (iso(due_at), row["id"]))
            return int(row["id"])
        cursor = conn.execute("INSERT INTO stripe_jobs(payment_id, work, state, due_at, created_at) "
                              "VALUES (?, ?, 'queued', ?, ?)", (payment_id, work.value, iso(due_at), iso(utc_now())))
        return int(cursor.lastrowid or 0)


def run(store: "Store", job_id: int) -> Ran | None:
    """Run one job if it is due and nobody else is running it (None: not run now)."""
    from pos.base.errors import AnytenderError

    now = utc_now()
    with store.write() as conn:
        row = conn.execute("SELECT * FROM stripe_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None or not _runnable(row, now):
            return None
        conn.execute("UPDATE stripe_jobs SET state = 'running', lease_until = ?, attempts = attempts + 1 "
                     "WHERE id = ?", (iso(now + timedelta(seconds=LEASE_S)), job_id))
    attempts = int(row["attempts"]) + 1
    try:
        action = _act(store, Work(row["work"]), get_payment(store, row["payment_id"]))
    except AnytenderError as exc:  # Stripe unreachable, or the payment changed under it: tried again later
        _later(store, job_id, attempts, exc.message)
        return Ran(job_id, row["payment_id"], None)
    except Exception as exc:  # noqa: BLE001 - a worker must outlive one job the code cannot finish
        _later(store, job_id, attempts, f"{type(exc).__name__}: {str(exc)[:200]}")
        return Ran(job_id, row["payment_id"], None)
    action = " ".join(action.split())
    with store.write() as conn:
        conn.execute("UPDATE stripe_jobs SET state = 'done', lease_until = NULL, action = ?, done_at = ? "
                     "WHERE id = ?", (action, iso(utc_now()), job_id))
        conn.execute("UPDATE stripe_events SET action = ? WHERE job_id = ?", (action, job_id))
    return Ran(job_id, row["payment_id"], action)


def run_due(store: "Store", limit: int = 50) -> list[Ran]:
    """Run every job due now (and any whose worker's lease ended), oldest first: ``pos serve``'s worker."""
    now = iso(utc_now())
    rows = store.all("SELECT id FROM stripe_jobs WHERE (state = 'queued' AND due_at <= ?) "
                     "OR (state = 'running' AND lease_until <= ?) ORDER BY due_at, id LIMIT ?", (now, now, limit))
    return [ran for ran in (run(store, int(row["id"])) for row in rows) if ran is not None]


def _runnable(row: "sqlite3.Row", now: datetime) -> bool:
    state, due_at, lease = row["state"], row["due_at"], row["lease_until"]
    if state == "queued":
        return parse_iso(str(due_at)) <= now
    return state == "running" and lease is not None and parse_iso(str(lease)) <= now


def _later(store: "Store", job_id: int, attempts: int, error: str) -> None:
    wait_s = min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** min(attempts - 1, 16))
    state = "stopped" if attempts >= MAX_ATTEMPTS else "queued"
    with store.write() as conn:
        conn.execute("UPDATE stripe_jobs SET state = ?, lease_until = NULL, due_at = ?, last_error = ? WHERE id = ?",
                     (state, iso(utc_now() + timedelta(seconds=wait_s)), error[:500], job_id))


def _act(store: "Store", work: Work, payment: Payment) -> str:
    """The work, done as Stripe's state says now."""
    if work is Work.SETTLE:
        if payment.state in (PaymentState.REQUESTED, PaymentState.AUTHORIZED):
            return service.settle(store, payment)
    elif work is Work.RELEASE:
        if payment.state is PaymentState.FAILED and payment.processor_ref and \
                RELEASED not in payment.details and TAKEN_AS not in payment.details:
            return service.reconcile_failed(store, payment)
    elif payment.state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED):
        return finish_refunds(store, payment)
    return f"nothing to do (the payment is {payment.state.value.replace('_', ' ')})"


def finish_refunds(store: "Store", payment: Payment) -> str:
    """Finish our own refunds of the payment a crash interrupted (adopted if Stripe made them, never resent),
    read what became of each, then book any Stripe made on its own."""
    from pos.base.errors import Conflict

    pending = [row["id"] for row in store.all(
        "SELECT id FROM refunds WHERE payment_id = ? AND state = 'requested' ORDER BY created_at", (payment.id,))]
    for refund_id in pending:
        try:
            refunds.finish_refund(store, refund_id, look_first=True)
        except Conflict:  # refused by Stripe for good (marked refused), or no longer fitting the payment (failed)
            pass

    # What became of our refunds first: one that failed no longer counts against a refund made in the Dashboard.
    read_outcomes(store, payment.id)
    outside = book_outside(store, payment.id, refunded_at_stripe(store, payment))
    if outside is not None:
        return outside
    return "refund completed and recorded" if pending else "nothing to do (the books hold every refund)"


def refunded_at_stripe(store: "Store", payment: Payment) -> int | None:
    """All Stripe has given back on the payment now (None: not a payment Stripe took); nothing is written."""
    intent_id = intent_of(payment)
    if intent_id is None:
        return None
    intent = plain(stripe_gateway(store).retrieve_intent(intent_id))
    charge = intent.get("latest_charge")
    return int(charge.get("amount_refunded") or 0) if isinstance(charge, dict) else 0


def book_outside(store: "Store", payment_id: str, at_stripe_minor: int | None) -> str | None:
    """Book what Stripe gave back beyond every refund the books hold (a refund made in the Dashboard), deciding
    what is new inside the write (the caller's, if any); what was done in words, None if nothing was new."""
    from pos.base.money_format import store_money

    if at_stripe_minor is None:
        return None
    payment = get_payment(store, payment_id)
    outside = refunds.book_outside_refund(store, payment.id, at_stripe_minor, str(intent_of(payment)))
    if outside.outside_minor <= 0:
        return None
    if outside.refund_id is None:
        return (f"{store_money(store, outside.outside_minor)} was refunded in Stripe outside the register, more "
                "than this payment can give back: see it in Stripe's Dashboard (recorded in the audit trail)")
    return (f"{store_money(store, outside.outside_minor)} refunded in Stripe outside the register: booked as "
            f"refund {outside.refund_id}")
