"""Refunds and voids of orders that have payments.

A refund gives back returned items (their share of the sale to the cent, :mod:`pos.sales.returns`),
an amount (a goodwill gesture, with a reason), or all that is left of an order.  The money goes
back to the tenders that paid, within what each took and has not given back: the cashier may
choose cash or card (:class:`RefundTo`); by default a customer who paid by card (a phone wallet,
a payment link, a kiosk's reader) gets it back on the card first, then in cash, newest payment
first within each.  Cash (and cash on delivery, handed in by then) comes out of the register's
drawer.  Every part (one per tender) and the items returned
are written first, state ``requested``, in one transaction; then each part is one transaction:
the payment's new state and the journal entry that reverses the sale (the returned lines' own
revenue, discounts and tax, or an amount's share of the sale, :func:`_reversing`).  Refunding
more than was captured, a line more than its quantity, or a fully refunded order, is refused; a
refund asked and not yet booked (another register's, or one a crash interrupted) holds its money
and its items meanwhile.  Every refund sent to a processor carries its own id (Stripe: in its metadata),
and recover looks for the processor's refund of that id before sending one, so a refund is never made
twice, even once the processor has forgotten its idempotency key; one the processor refuses for good
(:class:`~payments.base.RefundRefused`) is marked ``refused`` with its reason and holds nothing.
A card refund the processor holds pending is booked ``pending`` until it says it succeeded; one it answers
failed or cancelled at once is marked failed, nothing booked; one that fails later is reversed
(:mod:`payments.stripe.refund_outcomes`).
Above the store's limits, which add up per order and per person per day (:mod:`pos.people.limits`), a
manager's approval is required, for items exactly as for amounts.

Each payment's tender is found through :mod:`payments.registry`, so this
module sits above the tenders, and below :mod:`payments.service`, whose
``recover`` finishes the refunds a crash interrupted.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

from payments import registry
from payments.base import SETTLED, Payment, PaymentState, RefundRefused, TenderKind, order_payments, transition
from payments.flow import Recovery, amount_minor, tip_account, void_payment
from pos.books import accounts, ledger
from pos.base import faults
from pos.sales import posting_rules
from pos.base.errors import Conflict, InvalidInput, NotAllowed
from pos.base.money_format import store_money
from pos.sales.orders import forget_order, sale_key
from pos.sales.order_records import OrderStatus, resolve, spoken, typed
from pos.store.store import iso, new_id, utc_now
from payments.base import UNFINISHED, get_payment
from payments.stripe import refund_outcomes as outcomes, tip_fees
from payments.stripe.refund_outcomes import PENDING_STATE, RefundStatus

if TYPE_CHECKING:  # pragma: no cover
    from pos.sales.returns import Asked
    from pos.store.roster import StaffMember
    from pos.store.store import Store


class RefundTo(str, enum.Enum):
    """Where a refund's money goes: back in cash (from the drawer), or back to the card that paid."""

    CASH = "cash"
    """Cash and cash on delivery: paid from the register's drawer."""
    CARD = "card"
    """A card, a phone wallet, a payment link or a kiosk's reader: back through the processor, to what paid."""

    @property
    def words(self) -> str:
        return "in cash" if self is RefundTo.CASH else "to the card"


CARD_TENDERS = frozenset({TenderKind.CARD, TenderKind.WALLET, TenderKind.LINK, TenderKind.SELF_CHECKOUT})
"""Tenders whose money a refund gives back through the processor, to the card (or wallet) that paid."""


def refund_to(text: "str | RefundTo | None") -> RefundTo | None:
    """``--to`` as typed: ``cash`` or ``card`` (None: the default, the card that paid if any, else cash)."""
    if text is None or isinstance(text, RefundTo):
        return text
    try:
        return RefundTo(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"Refund to cash or card, not '{text[:40]}': a refund goes back to a tender the order "
                           "was paid with.") from None


def tender_of(payment: Payment) -> RefundTo:
    return RefundTo.CARD if payment.tender in CARD_TENDERS else RefundTo.CASH


class RefundPart(NamedTuple):
    refund_id: str
    payment_id: str
    tender: str
    amount_minor: int
    tip_minor: int = 0
    """The payment's tip, given back with the part that completes its refund."""


class RefundedItem(NamedTuple):
    line_no: int
    name: str
    quantity: int
    amount_minor: int


class RefundResult(NamedTuple):
    order_label: str
    parts: list[RefundPart]
    total_minor: int
    fully_refunded: bool
    items: tuple[RefundedItem, ...] = ()
    """The lines (and how many of each) a refund by item gave back; empty for an amount."""
    order_ref: str = ""
    """The order on any day, as its receipt names it: ``2026-12-05/3``."""
    sale_day: date | None = None
    """The business day the order belongs to (its sale's)."""
    booked_day: date | None = None
    """The business day the refund is booked on: the day open now, which for a sale of an earlier day is another."""
    sale_day_closed: bool = False
    """Whether the sale's day is closed (its books are, so the refund could not go there)."""

    @property
    def named(self) -> str:
        """The order as the answer names it: ``#3`` when sold on the day the refund is booked, else ``2026-12-05/3``."""
        return self.order_label if self.sale_day == self.booked_day or not self.order_ref else self.order_ref

    @property
    def booked_note(self) -> str | None:
        """One line when the refund is booked on another day than the sale's (an earlier day's sale); else None."""
        if self.booked_day is None or self.sale_day is None or self.booked_day == self.sale_day:
            return None
        closed = " (closed)" if self.sale_day_closed else ""
        return (f"Booked on {self.booked_day.isoformat()}, the business day open now, not on the sale's day "
                f"{self.sale_day.isoformat()}{closed}.")


def refund(
    store: "Store",
    order_ref: str | int,
    amount: str | int | None,
    reason: str,
    *,
    lines: "Sequence[Asked] | None" = None,
    register: int = 1,
    approver: "StaffMember | None" = None,
    by: "StaffMember | None" = None,
    to: "str | RefundTo | None" = None,
) -> RefundResult:
    """Refund returned lines, an amount, or all that is left of an order (``pos refund``).

    ``to`` chooses the tender the money goes back to (:class:`RefundTo`), within what the order's
    payments of that tender took and have not given back; by default the card that paid, where one
    did, then cash.  A tender the order was not paid with, or more than it has left, is refused.

    ``lines`` (line number, quantity or None for all of it) refunds items with their share of the
    sale (:mod:`pos.sales.returns`); ``amount`` is a goodwill gesture and needs a reason; neither
    refunds the rest of the order (by item, when the lines not yet returned are what is left).
    ``by`` is who asks (default: whoever is signed in for the command); the order's refunds and
    theirs in the business day are held to the store's limits (:func:`pos.people.limits.check_refund`),
    item refunds exactly as amounts.
    """
    from pos.cash import drawer
    from pos.people import limits
    from pos.sales import returns
    from pos.sales.orders import view
    from pos.base.text import clean_line

    back_to = refund_to(to)
    if lines is not None and amount is not None:
        raise InvalidInput("Refund either items (--line) or an amount (--amount), not both: the items' amount "
                           "is worked out from the sale.")
    if lines is not None and not lines:
        raise InvalidInput("Name a line to refund with --line N (see 'pos order show').")
    why = clean_line(reason, "refund reason")
    if not why and lines is None:
        raise InvalidInput("A refund needs a reason (like 'cold pizza') when it is an amount or the whole order: "
                           "give --reason, or refund the items returned with --line N.")
    # Every check (what is left to refund, the limits and any approval, the drawer's cash) is read and
    # decided inside the one transaction that writes the refund: two registers (or four commands at once)
    # can never both pass a check the first one's refund uses up.
    with store.write() as conn:
        order = resolve(store, order_ref)
        named = spoken(store, order)  # '#3' today; '2026-12-05/3' for an earlier day's sale
        if order.status is OrderStatus.VOIDED:
            raise Conflict(f"Order {named} was voided: there is nothing to refund.")
        payments = [p for p in order_payments(store, order.id) if p.state in SETTLED]
        # Refunds asked of a tender and not booked yet (another register's now, or one a crash interrupted) hold
        # their money: what is left of each payment is what neither booked nor pending refunds took.
        pending = {str(pid): int(held) for pid, held in store.tuples(
            "SELECT payment_id, sum(amount_minor) FROM refunds WHERE order_id = ? AND state = 'requested' "
            "GROUP BY payment_id", (order.id,))}
        left_of = {p.id: max(0, p.refundable_minor - pending.get(p.id, 0)) for p in payments}
        refundable = sum(left_of.values())
        if refundable <= 0:
            if pending:
                raise Conflict(f"The rest of order {named} is being refunded already; if that refund was "
                               "interrupted, run 'pos payments recover' to finish it.")
            if payments:
                raise Conflict(f"Order {named} is already fully refunded.")
            raise Conflict(f"Order {named} has no captured payment to refund.")
        sale = ledger.find_by_key(store, sale_key(order.id))
        items: list[returns.ReturnedLine] = []
        if lines is not None or amount is None:
            if sale is None and lines is not None:
                raise Conflict(f"Order {named} is not paid in full yet: take the line off it instead "
                               f"('pos order remove {typed(store, order)} LINE').")
            if sale is not None:
                planned = returns.plan(store, view(store, order.id), lines)
                if lines is not None or sum(i.amount_minor for i in planned) == refundable:
                    items = planned
        if items:
            wanted = sum(i.amount_minor for i in items)
            if wanted == 0:
                raise InvalidInput(f"What was asked of order {named} was free: there is no money to give back.")
            if not why:
                why = "returned"
        elif amount is not None:
            given = amount_minor(store, amount, "refund amount")
            assert given is not None
            wanted = given
        else:
            wanted = refundable
        if wanted > refundable:
            raise InvalidInput(
                f"Only {store_money(store, refundable)} of order {named} can still be refunded, not {store_money(store, wanted)}."
            )
        order_of_payments = _in_refund_order(payments, back_to)
        if back_to is not None:
            if not order_of_payments:
                paid = "by card" if back_to is RefundTo.CARD else "in cash"
                other = RefundTo.CASH if back_to is RefundTo.CARD else RefundTo.CARD
                raise InvalidInput(f"Order {named} was not paid {paid}: give it back {other.words} "
                                   f"(--to {other.value}), as it was paid.")
            available = sum(left_of[p.id] for p in order_of_payments)
            if wanted > available:
                rest = "" if available == refundable else f"; give the rest back with --to {'cash' if back_to is RefundTo.CARD else 'card'}"
                raise InvalidInput(f"Only {store_money(store, available)} of order {named} can go back "
                                   f"{back_to.words} (what it took and has not given back), not "
                                   f"{store_money(store, wanted)}{rest}.")
        who = limits.requester(store, by)
        limits.check_refund(store, order.id, named, wanted, by=who, approver=approver)
        # Plan every part and check every drawer before anything is written, so a
        # refund that cannot be paid in full is refused whole.
        plan: list[tuple[Payment, int, int, str]] = []
        left = wanted
        for payment in order_of_payments:
            part = min(left, left_of[payment.id])
            if part <= 0:
                continue
            if not registry.tender_for(payment.tender).capabilities.refunds:
                raise NotAllowed(f"{payment.tender.value} payments cannot be refunded here: refund in cash.")
            # The part that completes a payment's refund gives its tip back too: no tip stands on a refunded sale.
            tip_back = payment.tip_minor if part == left_of[payment.id] else 0
            plan.append((payment, part, tip_back,
                         registry.tender_for(payment.tender).refund_account(store, payment, register)))
            left -= part
            if left == 0:
                break
        from_drawer = sum(part + tip for _, part, tip, source in plan if source == accounts.drawer(register))
        if from_drawer:
            drawer.require_open(store, register)
            held = drawer.spendable_cash(store, register)  # less what other refunds and change not yet booked hold
            if from_drawer > held:
                promised = drawer.expected_cash(store, register) - held
                besides = f" besides {store_money(store, promised)} promised to refunds or change not yet booked" \
                    if promised else ""
                raise NotAllowed(f"Drawer {register} holds {store_money(store, held)}{besides}, not enough for a "
                                 f"{store_money(store, from_drawer)} cash refund.")
        from pos.store import audit

        batch_id = new_id("rfb")
        refund_ids: list[str] = []
        # The audit event, every part and the items returned, with the checks above: a crash leaves all of
        # the refund for 'pos payments recover' to finish, or none of it.
        audit.changed(store, audit.Event.REFUND, f"order {named}", {"refundable_minor": refundable},
                      {"refundable_minor": refundable - wanted}, order=order.number, amount_minor=wanted, reason=why,
                      tenders=[payment.tender.value for payment, *_ in plan], register=register,
                      to=back_to.value if back_to is not None else None,
                      approved_by=approver.name if approver else None,
                      items=[{"line": i.line_no, "name": i.name, "quantity": i.quantity, "amount_minor": i.amount_minor}
                             for i in items] or None)
        for payment, part, tip_back, source in plan:
            refund_ids.append(_request(store, order.id, payment, part, tip_back, why, register, approver,
                                       sale is not None, who, batch_id, source))
        conn.executemany(
            "INSERT INTO refund_items(batch_id, order_id, line_no, name, quantity, gross_minor, discount_minor, "
            "tax_category, tax_minor, amount_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(batch_id, order.id, i.line_no, i.name, i.quantity, i.gross_minor, i.discount_minor, i.tax_category,
              i.tax_minor, i.amount_minor) for i in items])
    faults.hit("refund.requested")
    parts: list[RefundPart] = []
    for index, ((payment, part, tip_back, _source), refund_id) in enumerate(zip(plan, refund_ids)):
        try:
            finish_refund(store, refund_id)
        except Conflict as refused:
            _drop_unsent(store, refund_ids[index + 1:])
            if parts:
                back = ", ".join(f"{p.tender} {store_money(store, p.amount_minor + p.tip_minor)}" for p in parts)
                raise Conflict(f"{refused} ({back} went back already; refund the rest with 'pos refund "
                               f"{typed(store, order)} --amount ... --reason ...').") from refused
            raise
        faults.hit("refund.part_done")
        parts.append(RefundPart(refund_id, payment.id, payment.tender.value, part, tip_back))
    remaining = sum(p.refundable_minor for p in order_payments(store, order.id) if p.state in SETTLED)
    booked = [entry.business_day for entry in (ledger.find_by_key(store, f"refund:{part.refund_id}") for part in parts)
              if entry is not None]
    from pos.store.days import closed_days

    return RefundResult(order.label, parts, wanted, remaining == 0,
                        tuple(RefundedItem(i.line_no, i.name, i.quantity, i.amount_minor) for i in items),
                        order.ref, order.business_day, date.fromisoformat(max(booked)) if booked else None,
                        order.business_day in closed_days(store))


def _in_refund_order(payments: "Sequence[Payment]", to: RefundTo | None) -> list[Payment]:
    """The payments a refund gives back through, in order: those of the tender asked for; by default the card
    payments first (a customer who paid by card gets it back on the card), then cash; newest first within each."""
    newest_first = list(reversed(payments))
    cards = [p for p in newest_first if tender_of(p) is RefundTo.CARD]
    cash = [p for p in newest_first if tender_of(p) is RefundTo.CASH]
    return cards if to is RefundTo.CARD else cash if to is RefundTo.CASH else cards + cash


def _drop_unsent(store: "Store", refund_ids: "Sequence[str]") -> None:
    """Parts of a refund never sent to a tender, after an earlier part was refused: they will not be sent."""
    with store.write() as conn:
        conn.executemany("UPDATE refunds SET state = 'failed' WHERE id = ? AND state = 'requested'",
                         [(refund_id,) for refund_id in refund_ids])


def _request(
    store: "Store", order_id: str, payment: Payment, part: int, tip_minor: int, reason: str, register: int,
    approver: "StaffMember | None", against_sale: bool, by: "StaffMember | None" = None, batch_id: str | None = None,
    from_account: str | None = None,
) -> str:
    """Write the refund row, state ``requested``, before the processor is asked.

    ``from_account`` is where its money will leave from: while it is requested, a drawer's cash it
    will take is held (:func:`pos.cash.drawer.spendable_cash`).
    """
    refund_id = new_id("ref")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO refunds(id, order_id, payment_id, amount_minor, tip_minor, reason, register, approved_by, "
            "created_at, state, against_sale, created_by, batch_id, from_account) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)",
            (refund_id, order_id, payment.id, part, tip_minor, reason, register, approver.id if approver else None,
             iso(utc_now()), int(against_sale), by.id if by else None, batch_id, from_account),
        )
    return refund_id


def finish_refund(store: "Store", refund_id: str, *, look_first: bool = False) -> None:
    """Ask the tender to give the money back (idempotently, by the refund's own key, our refund's id going with
    it), then book it.

    ``look_first`` (recover, and a webhook finishing what a register left): the refund may have been sent
    before an interruption, and Stripe forgets an idempotency key once it is 24 hours old, after which the
    same key would refund again; so the tender is asked first for a refund made for this id
    (:meth:`~payments.base.Tender.find_refund`), which is adopted and booked instead of being sent again.

    A refund no longer requested (booked, failed or refused, meanwhile) is left as it is.  One that no longer
    fits what its payment has left to give back (a row an older version left requested while
    another refund took the money) is never sent: it is marked failed and refused
    (:class:`Conflict`), saying so.  One the processor refuses for good (:class:`RefundRefused`) is marked
    ``refused`` with the reason, holds nothing from then on, and the refusal is raised.
    """
    with store.write():
        row = store.one("SELECT * FROM refunds WHERE id = ?", (refund_id,))
        assert row is not None
        if row["state"] != "requested":
            return
        payment = get_payment(store, row["payment_id"])
        if row["amount_minor"] > payment.refundable_minor:
            store.conn.execute("UPDATE refunds SET state = 'failed' WHERE id = ?", (refund_id,))
    if row["amount_minor"] > payment.refundable_minor:
        raise Conflict(
            f"The refund of {store_money(store, row['amount_minor'])} was not given: its payment has only "
            f"{store_money(store, payment.refundable_minor)} left to give back (another refund took the rest), so it "
            "was marked failed and is not booked; refund again what is still owed.")
    tender = registry.tender_for(payment.tender)
    if look_first:
        made = tender.find_refund(store, payment, refund_id)
        if made is not None:  # sent before the interruption: booked as made, never sent again
            _book_as_answered(store, refund_id, row, made)
            return
    try:
        outcome = tender.refund(store, payment, row["amount_minor"] + row["tip_minor"],
                                payment.key_for(f"refund:{refund_id}"), refund_id=refund_id)
    except RefundRefused as refused:
        _refuse(store, refund_id, refused)
        raise RefundRefused(refused.refusal, f"The refund of {store_money(store, row['amount_minor'])} was refused "
                            f"for good and nothing was given back: {refused.message}.") from refused
    if not outcome.approved:
        with store.write() as conn:
            conn.execute("UPDATE refunds SET state = 'failed' WHERE id = ?", (refund_id,))
        raise Conflict(f"The refund of {store_money(store, row['amount_minor'])} was refused: {outcome.message}")
    _book_as_answered(store, refund_id, row, outcome)


def _book_as_answered(store: "Store", refund_id: str, row: Any, outcome: "Any") -> None:
    """Book a refund as the processor answered it (:mod:`payments.stripe.refund_outcomes`): pending or succeeded, its
    entry; failed or cancelled straight away, nothing, the refund marked failed and the refusal raised."""
    status = outcomes.status_of(outcome)
    if status.ended_unpaid:
        outcomes.mark_failed_at_once(store, refund_id, outcome.processor_ref, status,
                                     outcome.details.get("failure_reason"))
        order = resolve(store, row["order_id"])
        raise Conflict(f"Stripe says the refund {status.words}: "
                       f"{outcomes.what_to_do(store, typed(store, order), row['amount_minor'] + row['tip_minor'])}.")
    _record(store, refund_id, outcome.processor_ref, status)


def _refuse(store: "Store", refund_id: str, refused: RefundRefused) -> None:
    """Mark a requested refund refused for good, with the processor's reason: it holds no money from now on."""
    with store.write() as conn:
        conn.execute("UPDATE refunds SET state = 'refused', refusal = ?, refusal_message = ? "
                     "WHERE id = ? AND state = 'requested'", (refused.refusal.value, refused.message[:500], refund_id))


def recover_refunds(store: "Store") -> list[Recovery]:
    """Finish refunds a crash left between asking the processor and booking it (idempotent).

    Each is looked for at the processor first (``look_first``): one it made before the interruption is
    adopted, never sent again.  A refund that cannot be finished is reported in one line, saying what to do,
    and the others go on: one stuck row never stops the rest from being recovered.  One refused for good is
    marked refused (it then holds nothing, and is not looked at again).
    """
    from pos.base.errors import AnytenderError, ProcessorUnavailable

    done: list[Recovery] = []
    for row in store.all("SELECT id, order_id FROM refunds WHERE state = 'requested' ORDER BY created_at, rowid"):
        label = resolve(store, row["order_id"]).label
        try:
            finish_refund(store, row["id"], look_first=True)
        except ProcessorUnavailable as exc:
            action = (f"left for later ({exc.message}): it still holds its amount; run 'pos payments recover' "
                      "again once Stripe answers")
        except RefundRefused as refused:
            action = (f"refused by Stripe ({refused.refusal.value}), marked refused: {refused.message} "
                      "The customer was not paid back this way: give it back another way if it is still owed")
        except AnytenderError as exc:
            action = f"not finished: {exc.message}"
        except Exception as exc:  # noqa: BLE001 - one row the code cannot book must not stop the others
            action = (f"left for later: it could not be booked ({type(exc).__name__}: {str(exc)[:120]}); "
                      "nothing was booked for it, tell whoever looks after the till")
        else:
            action = "refund completed and recorded"
            state = store.scalar("SELECT state FROM refunds WHERE id = ?", (row["id"],))
            if state == "pending":
                action = ("refund sent, pending at Stripe (the customer's bank has not confirmed it): booked, "
                          "run 'pos payments recover' again later")
        done.append(Recovery(row["id"], label, " ".join(action.split()).rstrip(".")))
    done.extend(_recover_pending(store, {d.payment_id for d in done}))
    return done + _recover_failed_later(store)


def _recover_failed_later(store: "Store") -> list[Recovery]:
    """Refunds booked as paid back that Stripe says failed since (no webhook told us): reversed, each said."""
    from pos.base.errors import AnytenderError

    try:
        found = outcomes.failed_after_succeeding(store)
    except AnytenderError as exc:
        return [Recovery("-", "-", f"refunds that may have failed since were not checked ({exc.message}): run "
                                   "'pos payments recover' again once Stripe answers")]
    done = []
    for _, applied in found:
        row = store.one("SELECT order_id, amount_minor + tip_minor AS amount_minor FROM refunds WHERE id = ?",
                        (applied.refund_id,))
        assert row is not None
        order = resolve(store, row["order_id"])
        action = outcomes.recovered_action(store, applied, typed(store, order), row["amount_minor"])
        done.append(Recovery(applied.refund_id, order.label, " ".join(action.split()).rstrip(".")))
    return done


def _recover_pending(store: "Store", seen: "set[str]") -> list[Recovery]:
    """Read what became of the refunds still pending at the processor (:mod:`payments.stripe.refund_outcomes`):
    succeeded ones are paid back, failed or cancelled ones reversed, each said in one line."""
    from pos.base.errors import AnytenderError

    done: list[Recovery] = []
    for row in store.all("SELECT id, order_id, payment_id, amount_minor + tip_minor AS amount_minor FROM refunds "
                         "WHERE state = 'pending' ORDER BY created_at, rowid"):
        if row["id"] in seen:  # sent just now by the loop above, and said so
            continue
        order = resolve(store, row["order_id"])
        try:
            applied = outcomes.read_outcomes(store, row["payment_id"], ("pending",), only=row["id"])
        except AnytenderError as exc:
            action = f"left for later ({exc.message}): run 'pos payments recover' again once Stripe answers"
        else:
            if not applied:
                continue
            action = outcomes.recovered_action(store, applied[0], typed(store, order), row["amount_minor"])
        done.append(Recovery(row["id"], order.label, " ".join(action.split()).rstrip(".")))
    return done


def stripe_booked_minor(store: "Store", payment_id: str) -> int:
    """What the books give back (or are giving back) to the card of one payment, tips included: every refund
    row but the failed, refused and reversed ones, since a row is written before the processor is asked."""
    return int(store.scalar("SELECT coalesce(sum(amount_minor + tip_minor), 0) FROM refunds "
                            "WHERE payment_id = ? AND state NOT IN ('failed', 'refused', 'reversed')", (payment_id,)))


class OutsideRefund(NamedTuple):
    """What :func:`book_outside_refund` found: how much the processor gave back on its own, and how it was booked."""

    outside_minor: int
    """What the processor gave back beyond every refund the books hold (0: nothing new)."""
    refund_id: str | None
    """The refund booked for it; None when there was nothing to book or it does not fit the payment."""


def book_outside_refund(store: "Store", payment_id: str, at_processor_minor: int, processor_ref: str) -> OutsideRefund:
    """Book money the processor gave back on its own (a refund made in Stripe's Dashboard), without asking it
    again, given ``at_processor_minor``, all the processor has given back on the payment.

    What is new is decided inside the write that books it (what the processor gave back, less every
    refund the books hold, read under the write lock), so two deliveries of the same news (a webhook
    and its retry, handled at once) book it once.  When it does not fit the payment it is left to the
    owner, audited.  The money has left: the books follow, and the audit trail says it came from
    outside the register (no limit or approval of ours applied to it).
    """
    from pos.store import audit

    # One transaction: a row left 'requested' would be sent to Stripe again by recover, refunding twice.
    with store.write():
        payment = get_payment(store, payment_id)
        outside_minor = at_processor_minor - stripe_booked_minor(store, payment.id)
        if outside_minor <= 0:
            return OutsideRefund(0, None)
        part = min(outside_minor, payment.refundable_minor)
        tip_back = outside_minor - part
        fits = part > 0 and (tip_back == 0 or (part == payment.refundable_minor and tip_back == payment.tip_minor))
        audit.record(store, audit.Event.OUTSIDE_REFUND, {
            "payment": payment.id, "order": payment.order_id, "amount_minor": outside_minor,
            "processor_ref": processor_ref, "booked": fits})
        if not fits:
            return OutsideRefund(outside_minor, None)
        sale = ledger.find_by_key(store, sale_key(payment.order_id))
        register = payment.register or 1
        refund_id = _request(store, payment.order_id, payment, part, tip_back,
                             "refunded in Stripe, outside the register", register, None, sale is not None,
                             from_account=registry.tender_for(payment.tender).refund_account(store, payment, register))
        _record(store, refund_id, processor_ref)
    return OutsideRefund(outside_minor, refund_id)


def _record(store: "Store", refund_id: str, processor_ref: str | None, status: "Any" = None) -> None:
    """Book a refund the tender approved: refund row, payment, journal and order, in one transaction.

    ``status`` (:class:`payments.stripe.refund_outcomes.RefundStatus`): what the processor said of it; a refund
    still pending there is booked (its money has left the balance) and marked ``pending`` until it succeeds.
    """
    with store.write() as conn:
        row = conn.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        if row["state"] != "requested":
            return  # already booked (a retried recover)
        order_id, part = row["order_id"], row["amount_minor"]
        payment = get_payment(store, row["payment_id"])  # fresh, under the lock: no lost update
        refunded = payment.refunded_minor + part
        state = PaymentState.REFUNDED if refunded >= payment.amount_minor else PaymentState.PARTIALLY_REFUNDED
        transition(store, payment, state, refunded_minor=refunded)
        conn.execute("UPDATE refunds SET state = ?, processor_ref = ?, processor_status = ? WHERE id = ?",
                     ("completed" if status in (None, RefundStatus.SUCCEEDED) else PENDING_STATE, processor_ref,
                      status.value if status is not None else None, refund_id))
        faults.hit("refund.before_journal")
        source = registry.tender_for(payment.tender).refund_account(store, payment, row["register"] or 1)
        sale = ledger.find_by_key(store, sale_key(order_id))
        if sale is not None and row["against_sale"]:
            postings = _reversing(store, row, source, sale.postings)
        else:  # refunded before the sale was booked: undo the payment against what is owed
            postings = posting_rules.transfer(accounts.RECEIVABLE_ORDERS, source, part, store.settings.currency)
        if row["tip_minor"]:
            account = tip_account(payment)
            assert account is not None

            back = tip_fees.give_back_postings(store, payment, account)  # a fee deducted from the tip comes back
            owed = -ledger.balances(store, prefix=account).get((account, payment.currency), 0) - sum(
                p.amount_minor for p in back if p.account == account)
            postings = [*postings, *back,
                        *posting_rules.tip_refund(account, source, row["tip_minor"], owed, payment.currency)]
        ledger.post(store, f"refund:{refund_id}", f"Refund: {row['reason']}", ledger.SourceKind.REFUND, order_id, postings)
        left = conn.execute(
            "SELECT coalesce(sum(amount_minor - refunded_minor), 0) FROM payments WHERE order_id = ? AND state IN (?, ?, ?)",
            (order_id, PaymentState.CAPTURED.value, PaymentState.PARTIALLY_REFUNDED.value, PaymentState.REFUNDED.value),
        ).fetchone()[0]
        if left == 0:
            conn.execute("UPDATE orders SET status = 'refunded' WHERE id = ? AND status = 'paid'", (order_id,))
            forget_order(store, order_id)


def _reversing(store: "Store", row: Any, source: str, sale_postings: "Sequence[ledger.Posting]") -> list[ledger.Posting]:
    """What a refund part reverses of the sale, and the money leaving ``source``.

    A part of a refund by item reverses its share of the returned lines' own revenue, discounts
    and tax (:func:`pos.sales.posting_rules.returned`).  An amount reverses the sale in proportion; once
    lines of the order came back, in proportion to what is left of it (:func:`pos.sales.posting_rules.unreturned`).
    """
    from pos.sales.returns import ReturnedLine

    order_id, part = row["order_id"], row["amount_minor"]
    earlier_sql = ("SELECT coalesce(sum(amount_minor), 0) FROM refunds WHERE {} AND against_sale = 1 "
                   "AND state IN ('completed', 'pending') AND id != ?")
    items = [ReturnedLine(*r) for r in store.tuples(
        "SELECT line_no, name, quantity, gross_minor, discount_minor, tax_category, tax_minor, amount_minor "
        "FROM refund_items WHERE batch_id = ? ORDER BY line_no", (row["batch_id"],))] if row["batch_id"] else []
    if items:
        earlier = store.scalar(earlier_sql.format("batch_id = ?"), (row["batch_id"], row["id"]))
        return posting_rules.refund(part, source, posting_rules.returned(items, sale_postings[0].currency), earlier)
    by_item = store.tuples(
        "SELECT r.id FROM refunds r WHERE r.order_id = ? AND r.state IN ('completed', 'pending') AND r.against_sale = 1 "
        "AND r.id != ? AND EXISTS (SELECT 1 FROM refund_items i WHERE i.batch_id = r.batch_id) LIMIT 1",
        (order_id, row["id"])).fetchone()
    if not by_item:  # amounts only: in proportion to the whole sale, as every refund was before items
        earlier = store.scalar(earlier_sql.format("order_id = ?"), (order_id, row["id"]))
        return posting_rules.refund(part, source, sale_postings, earlier)
    earlier_ids = [rid for (rid,) in store.tuples(
        "SELECT id FROM refunds WHERE order_id = ? AND state IN ('completed', 'pending') AND against_sale = 1 "
        "AND id != ?",
        (order_id, row["id"]))]
    reversed_so_far = [p for rid in earlier_ids for entry in [ledger.find_by_key(store, f"refund:{rid}")]
                       if entry is not None for p in entry.postings]
    return posting_rules.refund(part, source, posting_rules.unreturned(sale_postings, reversed_so_far))


def void(store: "Store", order_ref: str | int, reason: str, *, approver: "StaffMember | None" = None,
         by: "StaffMember | None" = None):
    """Void an unpaid order (``pos void``): pending payments are released; captured money must be refunded first.

    What is voided on the order (lines taken off it, then its total now), and by ``by`` in the
    business day, is held to the store's limits (:func:`pos.people.limits.check_void`).
    """
    from pos.people import limits
    from pos.sales.orders import view, void_order

    order = resolve(store, order_ref)
    if order.status is OrderStatus.OPEN:
        settled = [p for p in order_payments(store, order.id) if p.state in SETTLED and p.refundable_minor]
        if settled:
            taken = sum(p.refundable_minor for p in settled)
            raise Conflict(
                f"Order {order.label} has {store_money(store, taken)} paid already: refund it first "
                f"('pos refund {typed(store, order)} --reason ...'), then void."
            )
        from pos.base.text import clean_line

        reason = clean_line(reason, "void reason")  # checked before a pending payment is released with it
        if not reason:
            raise InvalidInput("A void needs a reason (like 'customer left'): give --reason.")
        who = limits.requester(store, by)
        pending = [p for p in order_payments(store, order.id) if p.state in UNFINISHED]
        if pending:  # refused before any is released: checked ahead, the approval recorded by the void itself
            with store.write():
                limits.check_void(store, order.id, view(store, order.id).totals.total_minor,
                                  f"voiding order {order.label}", by=who, approver=approver, record=False)
        # Release pending payments first, each on its own (a processor may be called,
        # never inside a transaction); a crash between leaves an open order, no money.
        for p in pending:
            void_payment(store, registry.tender_for(p.tender), p, f"order voided: {reason}")
        # The limits are decided again inside the write that voids the order (what is voided, what it counts).
        return void_order(store, order.id, reason, by=who, approver=approver, limited=True)
    return void_order(store, order.id, reason)  # refused with the right message
