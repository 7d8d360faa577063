"""Property: ``pos payments recover`` after an interruption at any point of a capture or a refund, at any later time
up to 8 days, leaves the books equal to what Stripe holds (issue 25, "Done when").

A flow is drawn: an order paid by card (in one payment, or split in two; a tip chosen on the reader or typed at
the register; a card or a phone wallet), then maybe a refund of part or all of it (maybe after an earlier one),
which Stripe answers ``succeeded``, ``pending`` or ``requires_action`` then ``succeeded``, ``failed`` or
``canceled``, or ``failed`` or ``canceled`` at once.  The register dies at one point that flow passes: a named
fault point of :mod:`pos.base.faults` (its first or second hit, when a split passes it twice), an answer Stripe gave
that never arrived, or a capture that cannot reach Stripe (the payment kept authorized).  It "dies" in-process:
the fault's hook raises :class:`KeyboardInterrupt`, which rolls back the write it is in, as a crash would.

Then the clock moves on 0 to 8 days (freezegun, whose clock the double reads too: it forgets idempotency keys
after 24 hours and cancels an in-person hold after two days); a pending refund settles at Stripe before or
after the first recover; Stripe's webhooks may arrive (shuffled, some twice); the first recover may itself die
(or lose an answer) and the next run later; recover runs once or twice.  A refund the register never got to
make (it died taking the payment) is made after recover, uninterrupted.  Finally Stripe settles what is
pending, and recover runs until it has nothing left to do.

Then, for every payment, the books equal Stripe: what the payment row says was captured (tip included) is the
intent's ``amount_received``; what its refund rows and ``refunded_minor`` say went back is what Stripe's
refunds that stand (succeeded or pending) gave back, which is the charge's ``amount_refunded``; each refund row
stands as its Stripe refund does; no refund was made twice at Stripe (each carries one of our refund ids, none
twice); no hold, requested payment or requested refund is left; the order is paid, refunded or due again as
its payments stand; the ledger's Stripe clearing account equals the sum of the double's balance transactions
(charges less fees, refunds, failed refunds' money back); and the ledger verifies.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator, NamedTuple

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from payments import service
from payments.base import SETTLED, PaymentState, TenderKind, order_payments
from payments.refunds import refund
from payments.stripe.card import ACCOUNT
from payments.stripe.gateway import StripeSettings
from pos.books import accounts, journal_check, ledger
from pos.store import config
from pos.base import faults
from pos.cash.drawer import open_drawer
from pos.base.errors import AnytenderError, Conflict, ProcessorUnavailable
from pos.sales.orders import OrderStatus, add_line, new_order, resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe

START = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)
"""A fixed instant (10:00 in the store's New York): nothing depends on today's date."""
TOTAL_MINOR = 1361  # one Margherita, 12.50 + 8.875% tax
FIRST_OF_SPLIT_MINOR = 700
"""A split order's first card payment; the second takes the rest (6.61)."""
EARLIER_MINOR = 100
"""A refund made before the one interrupted (from the newest payment)."""
OUTCOMES = ("succeeded", "pending-succeeded", "pending-failed", "pending-canceled", "requires_action-succeeded",
            "requires_action-failed", "failed", "canceled")
"""How Stripe answers the refund, then (after a dash) how it settles it later."""

CAPTURE_POINTS = ("payment.requested", "payment.authorized", "capture.unreachable", "capture.answer_lost",
                  "payment.captured_before_journal")
"""Where a payment by card can be interrupted: before the intent is made; after the tap, before the books know
of it; the capture failing to reach Stripe (the payment kept authorized); Stripe capturing with its answer lost;
and after the capture, before its journal entry is written."""
REFUND_POINTS = ("refund.requested", "refund.answer_lost", "refund.part_done", "refund.before_journal")
"""Where a card refund can be interrupted: its rows written, nothing sent; Stripe refunding with its answer lost;
after one part is done (the next one of a split not sent); after Stripe refunded, before the books know."""

RECOVER_POINTS = ("payment.captured_before_journal", "capture.answer_lost", "refund.answer_lost",
                  "refund.before_journal")
"""Where recover itself can be interrupted: booking a capture it made or found, or a refund it sent or found."""

DAY_S = 24 * 3600
MAX_DELAY_S = 8 * DAY_S


class Flow(NamedTuple):
    split: bool
    """The order paid by two card payments (a refund of more than the newer one has two parts)."""
    refund_minor: int | None
    """What is refunded (None: no refund; TOTAL_MINOR: all of it)."""
    outcome: str
    """How Stripe answers the refund, and how it settles it later (one of :data:`OUTCOMES`)."""
    point: str
    hit: int
    """Which time the flow reaches ``point`` (1 or 2: a split passes each point once per payment or part)."""
    delay_s: int
    settle_first: bool
    """A pending refund settles at Stripe before the first recover (else after it)."""
    recovers: int
    reader_tip: int = 0
    """A tip the customer chooses on the reader (at the first tap), with someone on shift to receive it."""
    recover_dies_at: str | None = None
    """The first recover is interrupted too, where it would finish something (one of :data:`RECOVER_POINTS`)..."""
    later_s: int = 0
    """...and the next one runs this much later."""
    earlier_refund: bool = False
    """A refund of :data:`EARLIER_MINOR` was made (and succeeded) before the drawn one, which gives back at most
    what is left."""
    webhooks: int | None = None
    """Stripe's webhooks about what it did are delivered before each recover, in an order (and with repeats)
    shuffled by this seed; None: none arrive (the endpoint is down, or ``pos serve`` is not running)."""
    register_tip: int = 0
    """A tip typed at the register for Alice on the first payment (the reader then offers none)."""
    wallet: bool = False
    """The first tap is a phone wallet (recorded as the reader reports it)."""
    refund_again: bool = False
    """Once all is settled, what is left of the order is refunded (what a failed refund left owed, say)."""
    cash_second: bool = False
    """A split's second payment is cash (a $20 note, change given): a refund goes back to the card first, then
    from the drawer."""


def passes(flow_split: bool, refund_minor: int | None, outcome: str, earlier: bool = False,
           cash_second: bool = False) -> list[tuple[str, int]]:
    """The interruption points (and which hit of each) a flow passes."""
    points = [(p, 1) for p in CAPTURE_POINTS]
    if flow_split:  # a cash payment never reaches Stripe: no capture to lose
        points += [(p, 2) for p in CAPTURE_POINTS if not (cash_second and p.startswith("capture."))]
    if refund_minor is None:
        return points
    earlier_minor = EARLIER_MINOR if earlier else 0
    left = TOTAL_MINOR - earlier_minor
    # The first part: the card of a card and cash split, else the newest card.
    first_part = (FIRST_OF_SPLIT_MINOR if cash_second else TOTAL_MINOR - FIRST_OF_SPLIT_MINOR) - earlier_minor
    parts = 2 if flow_split and min(refund_minor, left) > first_part else 1
    points += [("refund.requested", 1)]
    first_fails = outcome in ("failed", "canceled")  # answered so at once: nothing is booked, the refund stops there
    points += [("refund.answer_lost", 1)]
    if not first_fails:
        points += [("refund.before_journal", n) for n in range(1, parts + 1)]
        points += [("refund.part_done", n) for n in range(1, parts + 1)]
        if parts == 2 and not cash_second:
            points += [("refund.answer_lost", 2)]
    return points


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    split = draw(st.booleans())
    refund_minor = draw(st.sampled_from((None, TOTAL_MINOR, TOTAL_MINOR)) | st.integers(1, TOTAL_MINOR - 1))
    outcome = draw(st.sampled_from(OUTCOMES))
    earlier = refund_minor is not None and draw(st.booleans())
    cash_second = split and draw(st.booleans())
    points = passes(split, refund_minor, outcome, earlier, cash_second)
    in_refund = [p for p in points if p[0] in REFUND_POINTS]
    in_capture = [p for p in points if p[0] in CAPTURE_POINTS]
    in_a_refund = bool(in_refund) and draw(st.booleans())
    point, hit = draw(st.sampled_from(in_refund if in_a_refund else in_capture))
    delay_s = draw(st.one_of(st.integers(0, MAX_DELAY_S),
                             st.sampled_from((0, DAY_S - 60, DAY_S + 3600, 2 * DAY_S + 60, MAX_DELAY_S))))
    return Flow(split, refund_minor, outcome, point, hit, delay_s, draw(st.booleans()), draw(st.integers(1, 2)),
                draw(st.sampled_from((0, 0, 300))), draw(st.none() | st.sampled_from(RECOVER_POINTS)),
                draw(st.sampled_from((0, 60, DAY_S + 60, 3 * DAY_S))), earlier,
                draw(st.none() | st.integers(0, 2 ** 16)),
                draw(st.sampled_from((0, 0, 200))), draw(st.booleans()), draw(st.booleans()), cash_second)


# -- the shop, the double and the interruption ------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeStripe]:
    shared = FakeStripe().start()
    yield shared
    shared.stop()
    faults.clear()


_STORES = itertools.count()


@pytest.fixture
def template(make_store: Callable[..., Store]) -> Store:
    """The shop every example starts from, set up once (at :data:`START`): cards through the double's reader
    tmr_FAKE01, drawer 1 open, and Alice on shift (so a tip chosen on the reader has someone to go to)."""
    from pos.store.catalog import add_item
    from pos.people.staff import add_staff, start_shift

    with freeze_time(START):
        shop = make_store("template.db")
        add_item(shop, "PIZZA-M", "Margherita 12in", "12.50")
        config.set_option(shop, "stripe.reader", "tmr_FAKE01")
        open_drawer(shop, 1, "100")
        add_staff(shop, "Alice", "cashier", "2580")
        start_shift(shop, "Alice")
    return shop


def new_shop(template: Store, fake: FakeStripe, flow: Flow) -> Store:
    """A copy of the template shop for one example, talking to the double (reset).

    The SDK does not retry (``max_retries`` 0), so an answer Stripe gave and the register lost stays lost."""
    import sqlite3

    from pos.day.signing import KeyLocation

    fake.reset()
    path = template.path.with_name(f"interrupted-{next(_STORES)}.db")
    copy = sqlite3.connect(path)
    try:
        template.conn.backup(copy)
    finally:
        copy.close()
    path.chmod(0o600)
    shop = Store.open(path)
    shop.keys = KeyLocation(folder=template.path.parent / "keys")
    stripe = StripeSettings("sk_test_fake", fake.base, connect_timeout_s=1, read_timeout_s=2, max_retries=0)
    shop.memo["stripe_settings"] = lambda: stripe
    if flow.reader_tip:
        fake.tip_next(flow.reader_tip)
    if flow.wallet:
        fake.wallet_next("apple_pay")
    return shop


def dies_at(point: str, hit: int) -> None:
    """The register dies the ``hit``-th time the flow reaches the fault point."""
    reached = itertools.count(1)

    def hook() -> None:
        if next(reached) == hit:
            raise KeyboardInterrupt

    faults.on(point, hook)


def lost_answer(fake: FakeStripe, endpoint: str, hit: int) -> None:
    """Stripe does the ``hit``-th request to ``endpoint`` and its answer never arrives."""
    if hit == 1:
        fake.drop_next_response(endpoint)
        return
    done = itertools.count(1)
    hook_point = "refund.part_done"

    def after_first_part() -> None:
        if next(done) == 1:
            fake.drop_next_response(endpoint)

    faults.on(hook_point, after_first_part)


def minor_text(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def pay_by_card(shop: Store, order_id: str, flow: Flow, fake: FakeStripe) -> bool:
    """Pay the order as the flow says; True when the register died (or lost sight of the payment) on the way."""
    interrupted = flow.point in CAPTURE_POINTS
    if interrupted:
        if flow.point == "capture.unreachable":
            nth = itertools.count(1)
            faults.on("payment.authorized", lambda: fake.error_next("/capture", 500) if next(nth) == flow.hit else None)
        elif flow.point == "capture.answer_lost":
            nth = itertools.count(1)
            faults.on("payment.authorized",
                      lambda: fake.drop_next_response("/capture") if next(nth) == flow.hit else None)
        else:
            dies_at(flow.point, flow.hit)
    amounts: list[str | None] = [minor_text(FIRST_OF_SPLIT_MINOR), None] if flow.split else [None]
    try:
        for n, amount in enumerate(amounts):
            if flow.register_tip and n == 0:
                service.pay(shop, order_id, "card", amount, tip_minor=flow.register_tip, tip_to="Alice")
            elif n == 1 and flow.cash_second:
                service.pay(shop, order_id, "cash", "20")
            else:
                service.pay(shop, order_id, "card", amount)
    except KeyboardInterrupt:
        assert interrupted and flow.point.startswith("payment.")
        return True
    except ProcessorUnavailable:
        assert flow.point in ("capture.unreachable", "capture.answer_lost")
        return True
    finally:
        faults.clear()
    assert not interrupted, "the flow never reached its interruption point"
    return False


def refund_by_card(shop: Store, order_id: str, flow: Flow, fake: FakeStripe, interrupt: bool) -> None:
    """Refund as the flow says (Stripe answering as it says), maybe interrupted at the flow's point: at most what
    the order's payments took (a payment interrupted may have been released, or its hold have expired)."""
    assert flow.refund_minor is not None

    def refundable_minor() -> int:
        return sum(p.refundable_minor for p in order_payments(shop, order_id) if p.state in SETTLED)

    if flow.earlier_refund and refundable_minor() > EARLIER_MINOR:
        refund(shop, order_id, minor_text(EARLIER_MINOR), "earlier")
    refundable = refundable_minor()
    if refundable == 0:
        return
    wanted = min(flow.refund_minor, refundable)
    status = flow.outcome.split("-")[0]
    if status != "succeeded":
        fake.refund_status_next(status)
    if interrupt and flow.point == "refund.answer_lost":
        lost_answer(fake, "/v1/refunds", flow.hit)
    elif interrupt:
        dies_at(flow.point, flow.hit)
    amount = None if wanted == refundable else minor_text(wanted)
    reached = False
    try:
        refund(shop, order_id, amount, "cold")
    except KeyboardInterrupt:
        assert interrupt  # died: recover and the checks below say the rest
        reached = True
    except ProcessorUnavailable:
        assert interrupt and flow.point == "refund.answer_lost"
        reached = True
    except Conflict as refused:
        assert status in ("failed", "canceled"), refused  # Stripe said at once that it did not pay back
    finally:
        faults.clear()
    assert reached or not interrupt, "the refund never reached its interruption point"


def recover_interrupted(shop: Store, fake: FakeStripe, point: str) -> None:
    """``pos payments recover`` dies (or loses Stripe's answer) at ``point``, if it gets there."""
    if point == "capture.answer_lost":
        fake.drop_next_response("/capture")
    elif point == "refund.answer_lost":
        fake.drop_next_response("/v1/refunds")
    else:
        dies_at(point, 1)
    try:
        service.recover(shop)
    except KeyboardInterrupt:
        event(f"recover died at {point}")
    finally:
        faults.clear()
        fake.cue.pop("drop", None)  # an answer it never asked for is not lost later


def deliver_webhooks(shop: Store, fake: FakeStripe, flow: Flow) -> None:
    """The events Stripe sends about every intent and refund as they stand now, shuffled, some twice, each
    handled as ``pos serve`` would (one Stripe retries later, if it is refused, is left to recover here)."""
    import random

    from payments.stripe.webhooks import handle_event

    if flow.webhooks is None:
        return
    events = []
    for intent in list(fake.intents.values()):
        if intent["status"] in ("succeeded", "canceled", "requires_capture"):
            kind = {"succeeded": "payment_intent.succeeded", "canceled": "payment_intent.canceled",
                    "requires_capture": "payment_intent.amount_capturable_updated"}[intent["status"]]
            events.append(fake.event(kind, intent))
    for made in list(fake.refunds.values()):
        charge = fake.intents[made["payment_intent"]]["latest_charge"]
        events.append(fake.event("charge.refunded", charge))
        kind = "refund.failed" if made["status"] == "failed" else "refund.updated"
        events += [fake.event(kind, made), fake.event("charge.refund.updated", made)]
    draw = random.Random(flow.webhooks)
    events += draw.sample(events, len(events) // 3)  # delivered at least once: some twice
    draw.shuffle(events)
    for sent in events:
        try:
            handled = handle_event(shop, sent)
            event(f"webhook {sent['type']}: {said(handled.action)}")
        except AnytenderError:
            event("a webhook refused (Stripe would retry it)")


def refund_the_rest(shop: Store, fake: FakeStripe, order_id: str) -> None:
    """Refund all the order's payments have left to give back, uninterrupted, Stripe paying it back at once."""
    fake.cue.pop("refund_status", None)
    left = sum(p.refundable_minor for p in order_payments(shop, order_id) if p.state in SETTLED)
    if left == 0:
        return
    assert refund(shop, order_id, None, "the rest").total_minor == left
    assert service.recover(shop) == []
    assert all(p.refundable_minor == 0 for p in order_payments(shop, order_id) if p.state in SETTLED)
    event("refunded the rest")


def said(action: str) -> str:
    """What recover or a webhook did, without its ids and amounts: a label for Hypothesis's statistics."""
    import re

    return re.sub(r"\w+_[0-9A-Za-z]{10,}|\$[0-9.,]+", "…", action).split(":")[0].split("(")[0].strip()


def settle_pending(fake: FakeStripe, flow: Flow) -> None:
    """Stripe settles every refund still pending, as the flow says."""
    if "-" not in flow.outcome:
        return
    for made in list(fake.refunds.values()):
        if made["status"] in ("pending", "requires_action"):
            fake.settle_refund(made["id"], flow.outcome.split("-")[1])


# -- the books and Stripe -----------------------------------------------------------------------------------------


def clearing_minor(shop: Store) -> int:
    return ledger.balances(shop, prefix=ACCOUNT).get((ACCOUNT, "USD"), 0)


def drawer_minor(shop: Store) -> int:
    return ledger.balances(shop, prefix=accounts.drawer(1)).get((accounts.drawer(1), "USD"), 0)


def assert_books_equal_stripe(shop: Store, fake: FakeStripe, order_id: str, drawer_before: int) -> None:
    everything = order_payments(shop, order_id)
    cash = [p for p in everything if p.tender is TenderKind.CASH]
    payments = [p for p in everything if p.tender is not TenderKind.CASH]
    by_ref = {p.processor_ref: p for p in payments if p.processor_ref}
    # Every intent at Stripe is one payment's, and none holds money or waits for a tap any more.
    for made in fake.intents.values():
        assert made["id"] in by_ref, (made, payments)
        assert by_ref[made["id"]].id == made["metadata"]["payment_id"]
        assert made["status"] in ("succeeded", "canceled"), made
    assert all(p.state not in (PaymentState.REQUESTED, PaymentState.AUTHORIZED) for p in everything), everything
    # Never a refund made twice: each of Stripe's refunds carries one of our refund ids, none twice.
    ours = [r["metadata"].get("refund_id") for r in fake.refunds.values()]
    rows = {row["id"]: row for row in shop.all("SELECT * FROM refunds WHERE order_id = ?", (order_id,))}
    assert len(ours) == len(set(ours)) and set(ours) <= set(rows), (ours, rows)
    assert not [r for r in rows.values() if r["state"] == "requested"], rows
    # The cash: what the drawer took, less what it gave back, as the cash payments and their refunds say.
    cash_back = sum(r["amount_minor"] + r["tip_minor"] for r in rows.values()
                    if r["payment_id"] in {p.id for p in cash} and r["state"] == "completed")
    assert drawer_minor(shop) - drawer_before == sum(p.amount_minor + p.tip_minor for p in cash
                                                     if p.state in SETTLED) - cash_back
    assert cash_back == sum(p.refunded_minor for p in cash), (cash, rows)
    for payment in payments:
        intent = fake.intents.get(str(payment.processor_ref))
        captured_at_stripe = intent["amount_received"] if intent else 0
        captured_in_books = payment.amount_minor + payment.tip_minor if payment.state in SETTLED else 0
        assert captured_in_books == captured_at_stripe, (payment, intent)
        standing = sum(r["amount"] for r in fake.refunds.values() if intent and r["payment_intent"] == intent["id"]
                       and r["status"] in ("pending", "succeeded"))
        charge = intent.get("latest_charge") if intent else None
        assert standing == (charge["amount_refunded"] if isinstance(charge, dict) else 0)
        booked_rows = sum(r["amount_minor"] + r["tip_minor"] for r in rows.values()
                          if r["payment_id"] == payment.id and r["state"] in ("completed", "pending"))
        assert booked_rows == standing == payment.refunded_minor + (payment.tip_minor if payment.state
                                                                    is PaymentState.REFUNDED else 0), \
            (payment, rows, fake.refunds)
        for row in rows.values():  # a refund row stands in the books as its Stripe refund stands
            if row["payment_id"] == payment.id and row["processor_ref"]:
                made = fake.refunds[row["processor_ref"]]
                assert (row["state"] in ("completed", "pending")) == (made["status"] in ("pending", "succeeded"))
                assert (row["state"] == "pending") == (made["status"] == "pending"), (row, made)
    # The money: what the books hold at Stripe is what Stripe's balance transactions add up to.
    assert clearing_minor(shop) == sum(t["net"] for t in fake.balance), (clearing_minor(shop), fake.balance)
    # The order: paid once its payments took all of it (refunded once all of that went back), else due again
    # what they did not take or gave back.
    captured = sum(p.amount_minor for p in everything if p.state in SETTLED)
    captured_net = sum(p.amount_minor - p.refunded_minor for p in everything if p.state in SETTLED)
    order = resolve(shop, order_id)
    if captured == TOTAL_MINOR:
        assert order.status is (OrderStatus.REFUNDED if captured_net == 0 else OrderStatus.PAID), (order, payments)
    else:
        assert order.status is OrderStatus.OPEN, (order, payments)
        assert service.due_minor(shop, order_id) == TOTAL_MINOR - captured_net
    assert journal_check.verify(shop).problem is None


# -- the property ---------------------------------------------------------------------------------------------------


def run(shop: Store, fake: FakeStripe, flow: Flow) -> None:
    with freeze_time(START, tick=True) as clock:
        order = new_order(shop, "counter")
        add_line(shop, order.id, "PIZZA-M")
        order_id = str(order.id)
        drawer_before = drawer_minor(shop)
        died_in_capture = pay_by_card(shop, order_id, flow, fake)
        if flow.refund_minor is not None and not died_in_capture:
            refund_by_card(shop, order_id, flow, fake, interrupt=True)
        clock.tick(timedelta(seconds=flow.delay_s))
        if flow.settle_first:
            settle_pending(fake, flow)
        deliver_webhooks(shop, fake, flow)
        if flow.recover_dies_at is not None:
            recover_interrupted(shop, fake, flow.recover_dies_at)
            clock.tick(timedelta(seconds=flow.later_s))
        for _ in range(flow.recovers):
            for done in service.recover(shop):
                event(f"recover: {said(done.action)}")
        if flow.refund_minor is not None and died_in_capture:
            refund_by_card(shop, order_id, flow, fake, interrupt=False)  # the refund the register never got to
        clock.tick(timedelta(minutes=5))
        settle_pending(fake, flow)
        deliver_webhooks(shop, fake, flow)
        service.recover(shop)  # reads what became of the refunds still pending
        assert service.recover(shop) == []  # nothing left: every payment and refund finished
        assert_books_equal_stripe(shop, fake, order_id, drawer_before)
        if flow.refund_again:
            refund_the_rest(shop, fake, order_id)
            assert_books_equal_stripe(shop, fake, order_id, drawer_before)
    event(f"interrupted at {flow.point} (hit {flow.hit})")
    event("refunds at Stripe: " + ", ".join(sorted(r["status"] for r in fake.refunds.values())))
    event("payments: " + ", ".join(sorted(p.state.value for p in order_payments(shop, order_id))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flow=flows())
# A refund interrupted after Stripe made it, recovered after its idempotency key was forgotten (25 hours).
@example(flow=Flow(False, 500, "succeeded", "refund.before_journal", 1, 25 * 3600, False, 1))
@example(flow=Flow(False, 500, "succeeded", "refund.answer_lost", 1, 25 * 3600, False, 2))
# A capture interrupted, recovered after 3 days, when the in-person hold has expired.
@example(flow=Flow(False, None, "succeeded", "capture.unreachable", 1, 3 * DAY_S, False, 1))
@example(flow=Flow(False, TOTAL_MINOR, "succeeded", "payment.authorized", 1, 3 * DAY_S, False, 2))
@example(flow=Flow(True, TOTAL_MINOR, "succeeded", "capture.answer_lost", 2, 3 * DAY_S, False, 1))
# A capture with a tip chosen on the reader, made before the interruption and found by recover.
@example(flow=Flow(False, None, "succeeded", "payment.captured_before_journal", 1, 0, False, 1, 300))
@example(flow=Flow(True, TOTAL_MINOR, "pending-failed", "capture.answer_lost", 1, DAY_S, False, 1, 300))
# Recover itself interrupted after Stripe refunded, and run again after the key was forgotten.
@example(flow=Flow(False, 500, "succeeded", "refund.requested", 1, 0, False, 1, 0, "refund.before_journal", DAY_S + 60))
@example(flow=Flow(False, 500, "succeeded", "refund.requested", 1, 0, False, 1, 0, "refund.answer_lost", DAY_S + 60))
# A pending refund that later fails, before and after recover, interrupted before its books.
@example(flow=Flow(False, TOTAL_MINOR, "pending-failed", "refund.before_journal", 1, 25 * 3600, True, 1))
@example(flow=Flow(True, 1000, "pending-failed", "refund.part_done", 1, 2 * DAY_S, False, 2))
@example(flow=Flow(True, 1000, "pending-failed", "refund.answer_lost", 2, 8 * DAY_S, True, 1))
def test_recover_after_any_interruption_and_delay_leaves_the_books_equal_to_stripe(
        template: Store, server: FakeStripe, flow: Flow) -> None:
    shop = new_shop(template, server, flow)
    try:
        run(shop, server, flow)
    finally:
        faults.clear()
        shop.close()


def test_the_points_drawn_are_the_ones_each_flow_passes() -> None:
    """Every named fault point of a card payment and a refund is drawn, the second hit only where there is one."""
    every = {p for split in (False, True) for amount in (None, 500, TOTAL_MINOR)
             for outcome in ("succeeded", "failed") for p, _ in passes(split, amount, outcome)}
    assert every == set(CAPTURE_POINTS) | set(REFUND_POINTS)
    assert ("refund.before_journal", 2) not in passes(True, 500, "succeeded")  # 5.00 fits in the newer payment
    assert ("refund.before_journal", 2) in passes(True, 1000, "succeeded")


@pytest.mark.parametrize("point", ["payment.captured_before_journal", "capture.answer_lost"])
def test_recover_books_the_tip_chosen_on_the_reader_of_a_capture_made_before_the_interruption(
        template: Store, server: FakeStripe, point: str) -> None:
    """What the property found: Stripe took the sale and the reader's tip, the register died (or lost the answer)
    before booking it, and recover booked the sale without the tip (Stripe $16.61, the books $13.61)."""
    shop = new_shop(template, server, Flow(False, None, "succeeded", point, 1, 0, False, 1, reader_tip=300))
    try:
        with freeze_time(START, tick=True):
            order = new_order(shop, "counter")
            add_line(shop, order.id, "PIZZA-M")
            assert pay_by_card(shop, str(order.id), Flow(False, None, "succeeded", point, 1, 0, False, 1), server)
            assert [d.action for d in service.recover(shop)] == ["captured and recorded"]
        (payment,) = order_payments(shop, str(order.id))
        assert server.intents[str(payment.processor_ref)]["amount_received"] == TOTAL_MINOR + 300
        assert (payment.amount_minor, payment.tip_minor, payment.tip_to) == (TOTAL_MINOR, 300, "pool")
        assert ledger.balances(shop, prefix="liabilities:tips") == {("liabilities:tips:pool", "USD"): -300}
        assert journal_check.verify(shop).problem is None
    finally:
        shop.close()


# -- found while probing beyond interruptions: every refund event reads our refunds' outcomes first --------------


def test_a_dashboard_refund_is_booked_when_our_pending_refund_failed_unread(shop: Store, fake: FakeStripe) -> None:
    """Our refund of $5.00 is pending in the books when Stripe fails it, and someone refunds $3.00 in Stripe's
    Dashboard; the Dashboard refund's ``charge.refunded`` arrives before our refund's ``refund.failed``.  Stripe's
    ``amount_refunded`` (3.00) is compared with the books' 5.00 still counted as given back: nothing is booked.
    Then our refund is reversed, and nothing else came to book the 3.00: Stripe gave back $3.00, the books
    $0.00.  Now each refund event reads what became of our refunds before comparing amounts."""
    from payments.stripe.webhooks import handle_event

    with freeze_time(START, tick=True):
        order = new_order(shop, "counter")
        add_line(shop, order.id, "PIZZA-M")
        service.pay(shop, order.id, "card")
        (payment,) = order_payments(shop, str(order.id))
        intent_id = str(payment.processor_ref)
        fake.refund_status_next("pending")
        refund(shop, order.id, "5.00", "cold")
        (ours,) = fake.refunds.values()
        failed = fake.settle_refund(ours["id"], "failed")
        fake.dashboard_refund(intent_id, 300)
        handle_event(shop, fake.event("charge.refunded", fake.intents[intent_id]["latest_charge"]))
        handle_event(shop, fake.event("refund.failed", failed))
        service.recover(shop)
        (payment,) = order_payments(shop, str(order.id))
    assert payment.refunded_minor == fake.intents[intent_id]["latest_charge"]["amount_refunded"] == 300
