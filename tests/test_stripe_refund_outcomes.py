"""What became of a card refund at Stripe: pending until it succeeds, reversed once if it fails or is cancelled
(issue 25, item 2).

Against the double, which creates refunds ``pending`` (or ``failed``/``canceled`` at once) on cue, settles them
later on cue (a failed one's money back in the balance), and whose events are handled as Stripe sends them.
"""

from __future__ import annotations

import json

import pytest

from payments import service
from payments.base import PaymentState, order_payments
from payments.refunds import refund
from payments.stripe.webhooks import handle_event
from pos.base import faults
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import Conflict
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe


def paid_by_card(store: Store) -> str:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    service.pay(store, order.id, "card")
    return str(order.id)


def books_refunded_minor(store: Store, order_id: str) -> int:
    """What the books say left the Stripe account for the order's refunds (reversals included)."""
    from payments.stripe.card import ACCOUNT

    return -sum(p.amount_minor for (key, text) in store.tuples(
        "SELECT key, postings FROM journal_entries WHERE source_kind = 'refund' AND source_id = ?", (order_id,))
        for p in [ledger.Posting(*_split(line)) for line in text.split("\n")] if p.account == ACCOUNT)


def _split(line: str) -> tuple[str, int, str]:
    account, amount, currency = line.split(" ")
    return account, int(amount), currency


def stripe_gave_back_minor(fake: FakeStripe) -> int:
    return sum(r["amount"] for r in fake.refunds.values() if r["status"] in ("pending", "succeeded"))


def refund_state(store: Store) -> tuple[str, str | None]:
    row = store.one("SELECT state, processor_status FROM refunds ORDER BY created_at, rowid LIMIT 1")
    assert row is not None
    return row["state"], row["processor_status"]


def reversals(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM journal_entries WHERE key LIKE 'refund:%:failed'"))


# -- the finding, replayed: Stripe answers 'failed' and the books said paid back -------------------------------


def test_a_refund_stripe_answers_failed_is_not_booked_as_paid_back(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("failed")
    with pytest.raises(Conflict, match="Stripe says the refund failed: the customer was NOT paid back"):
        refund(shop, order_id, "5.00", "cold")
    assert stripe_gave_back_minor(fake) == 0
    assert books_refunded_minor(shop, order_id) == 0  # the books agree: nothing went back
    assert refund_state(shop) == ("failed", "failed")
    (payment,) = order_payments(shop, order_id)
    assert (payment.state, payment.refunded_minor) == (PaymentState.CAPTURED, 0)
    refund(shop, order_id, "5.00", "cold", to="card")  # owed still: it can be refunded again
    assert books_refunded_minor(shop, order_id) == 500 == stripe_gave_back_minor(fake)
    assert journal_check.verify(shop).problem is None


def test_a_refund_cancelled_at_once_is_not_booked(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("canceled")
    with pytest.raises(Conflict, match="Stripe says the refund was cancelled"):
        refund(shop, order_id, "5.00", "cold")
    assert books_refunded_minor(shop, order_id) == 0
    assert refund_state(shop) == ("failed", "canceled")


# -- pending, then succeeded or failed ---------------------------------------------------------------------


def test_a_pending_refund_is_booked_pending_then_paid_back_when_it_succeeds(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    assert refund_state(shop) == ("pending", "pending")
    assert books_refunded_minor(shop, order_id) == 500  # the money left Stripe's balance
    (made,) = fake.refunds.values()
    now = fake.settle_refund(made["id"], "succeeded")
    handled = handle_event(shop, fake.event("refund.updated", now))
    assert "succeeded: paid back" in handled.action
    assert refund_state(shop) == ("completed", "succeeded")
    assert books_refunded_minor(shop, order_id) == 500 and reversals(shop) == 0
    assert journal_check.verify(shop).problem is None


def test_a_pending_refund_that_fails_is_reversed_once_even_delivered_twice(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "13.61", "cold")
    assert resolve(shop, order_id).status.value == "refunded"
    (made,) = fake.refunds.values()
    now = fake.settle_refund(made["id"], "failed")
    first = handle_event(shop, fake.event("refund.failed", now))
    assert "failed, its entry reversed: the customer was NOT paid back $13.61" in first.action
    again = fake.event("refund.failed", now)
    assert handle_event(shop, again).action.startswith("nothing to do")  # the same news in another event
    assert handle_event(shop, again).replayed  # and the same event delivered twice
    handle_event(shop, fake.event("charge.refund.updated", now))
    assert reversals(shop) == 1
    assert books_refunded_minor(shop, order_id) == 0 == stripe_gave_back_minor(fake)
    assert refund_state(shop) == ("reversed", "failed")
    (payment,) = order_payments(shop, order_id)
    assert (payment.state, payment.refunded_minor) == (PaymentState.CAPTURED, 0)
    assert resolve(shop, order_id).status.value == "paid"  # owed to the customer again
    refund(shop, order_id, None, "cold")  # refunded again, in full
    assert books_refunded_minor(shop, order_id) == 1361 == stripe_gave_back_minor(fake)
    assert journal_check.verify(shop).problem is None


def test_a_refund_cancelled_while_pending_is_reversed(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.updated", fake.settle_refund(made["id"], "canceled")))
    assert refund_state(shop) == ("reversed", "canceled") and reversals(shop) == 1
    assert books_refunded_minor(shop, order_id) == 0


def test_a_refund_that_fails_after_it_succeeded_is_reversed(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    refund(shop, order_id, "5.00", "cold")
    assert refund_state(shop) == ("completed", "succeeded")
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.failed", fake.settle_refund(made["id"], "failed")))
    assert refund_state(shop) == ("reversed", "failed") and reversals(shop) == 1
    assert books_refunded_minor(shop, order_id) == 0


def test_an_events_payload_is_not_trusted(shop: Store, fake: FakeStripe) -> None:
    """An event saying 'failed' about a refund Stripe still holds pending changes nothing: Stripe is asked."""
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.failed", {**made, "status": "failed"}))
    assert refund_state(shop) == ("pending", "pending") and reversals(shop) == 0


# -- recover reads the refund --------------------------------------------------------------------------------


def test_recover_reads_a_pending_refund_that_failed(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    assert [d.action for d in service.recover(shop)] == [
        "refund still pending at Stripe (the customer's bank has not confirmed it): booked, "
        "run 'pos payments recover' again later"]
    (made,) = fake.refunds.values()
    fake.settle_refund(made["id"], "failed")
    (done,) = service.recover(shop)
    assert done.action.startswith("refund failed at Stripe, its entry reversed: the customer was NOT paid back $5.00: "
                                  "refund again")
    assert "or give it in cash" in done.action
    assert reversals(shop) == 1 and books_refunded_minor(shop, order_id) == 0
    assert service.recover(shop) == []  # read once: nothing left pending


def test_recover_reads_a_pending_refund_that_succeeded(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    fake.settle_refund(made["id"], "succeeded")
    assert [d.action for d in service.recover(shop)] == ["refund succeeded at Stripe: the customer is paid back"]
    assert refund_state(shop) == ("completed", "succeeded")


def test_recover_after_an_interruption_finds_the_refund_failed_and_does_not_send_it_again(
        shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    faults.on("refund.before_journal", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(shop, order_id, "5.00", "cold")
    faults.clear()
    (made,) = fake.refunds.values()
    fake.settle_refund(made["id"], "failed")
    (done,) = service.recover(shop)
    assert "Stripe says the refund failed: the customer was NOT paid back $5.00" in done.action
    assert len(fake.refunds) == 1  # not sent again
    assert refund_state(shop) == ("failed", "failed")
    assert books_refunded_minor(shop, order_id) == 0


# -- shown on the order, its payments and the Z report ---------------------------------------------------------


def refund_day(store: Store) -> str:
    return str(store.scalar("SELECT business_day FROM journal_entries WHERE source_kind = 'refund' ORDER BY id LIMIT 1"))


def test_a_pending_refund_is_shown_on_the_order_its_payments_and_the_z_report(shop: Store, fake: FakeStripe,
                                                                               cli) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    assert "Refund of $5.00 pending at Stripe: booked, not yet confirmed" in cli.ok("order", "show", order_id).stdout
    assert "Refund of $5.00 pending at Stripe" in cli.ok("payments", "list", order_id).stdout
    report = cli.ok("day", "report", "--day", refund_day(shop)).stdout
    assert "Card refunds pending at Stripe: 1 refund, $5.00" in report
    data = json.loads(cli.ok("day", "report", "--day", refund_day(shop), "--json").stdout)
    assert (data["refunds_pending_count"], data["refunds_pending_minor"]) == (1, 500)


def test_a_failed_refund_is_shown_as_not_paid_back_with_what_to_do(shop: Store, fake: FakeStripe, cli,
                                                                    tmp_path) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.failed", fake.settle_refund(made["id"], "failed")))
    shown = " ".join(cli.ok("order", "show", order_id).stdout.split())
    assert ("Refund of $5.00 not paid back (Stripe says the refund failed (expired_or_canceled_card)): the customer "
            "was NOT paid back $5.00: refund again") in shown
    assert "give it in cash from the drawer" in shown
    data = json.loads(cli.ok("payments", "list", order_id, "--json").stdout)
    assert [(r["state"], r["processor_status"]) for r in data["refunds_not_paid_back"]] == [("reversed", "failed")]
    report = " ".join(cli.ok("day", "report", "--day", refund_day(shop)).stdout.split())
    assert "Card refunds that did NOT pay the customer back: 1 refund, $5.00; refund again or give it in cash" in report
    assert "Refunds given: 1 refund, $0.00 back with tax" in report  # the refund and its reversal, netted
    assert "Card refunds pending" not in report
    from pypdf import PdfReader

    cli.ok("day", "report", "--day", refund_day(shop), "--pdf", str(tmp_path / "z.pdf"))
    text = " ".join(page.extract_text() for page in PdfReader(str(tmp_path / "z.pdf")).pages)
    assert "Card refunds NOT paid back" in " ".join(text.split())


def test_a_refused_refund_is_shown_as_not_paid_back(shop: Store, fake: FakeStripe, cli) -> None:
    from payments.base import RefundRefused

    order_id = paid_by_card(shop)
    fake.refuse_refund_next("charge_disputed")
    with pytest.raises(RefundRefused):
        refund(shop, order_id, "5.00", "cold")
    assert "Refund of $5.00 not paid back (Stripe refused the refund (charge_disputed" in " ".join(
        cli.ok("order", "show", order_id).stdout.split())
    day = resolve(shop, order_id).business_day.isoformat()
    data = json.loads(cli.ok("day", "report", "--day", day, "--json").stdout)
    assert [(u["amount_minor"], u["state"]) for u in data["refunds_not_paid_back"]] == [(500, "refused")]


def test_items_of_a_refund_that_failed_can_be_returned_again(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, None, "", lines=[(1, None)])
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.failed", fake.settle_refund(made["id"], "failed")))
    refund(shop, order_id, None, "", lines=[(1, None)])  # the line is the customer's to give back again
    assert books_refunded_minor(shop, order_id) == 1361 == stripe_gave_back_minor(fake)
    assert journal_check.verify(shop).problem is None


def test_a_refund_that_failed_does_not_count_toward_the_approval_limits(shop: Store, fake: FakeStripe) -> None:
    """The money never left: giving it back again (in cash, say) needs no approval it would not need anyway."""
    from pos.store import config
    from pos.people.limits import OverLimit

    config.set_option(shop, "approval.refund_over", "10")
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "8.00", "cold")
    (made,) = fake.refunds.values()
    handle_event(shop, fake.event("refund.failed", fake.settle_refund(made["id"], "failed")))
    refund(shop, order_id, "8.00", "cold", to="card")  # $8.00 refunded in all, within the $10.00 limit
    with pytest.raises(OverLimit):
        refund(shop, order_id, "3.00", "cold", to="card")  # $11.00 would be over it
    assert books_refunded_minor(shop, order_id) == 800 == stripe_gave_back_minor(fake)


def test_two_deliveries_at_once_reverse_a_failed_refund_once(shop: Store, fake: FakeStripe) -> None:
    """refund.failed and charge.refund.updated about one refund, handled at the same moment by two processes
    (two connections to the store): each reads Stripe and applies inside its own write; one entry is reversed once."""
    import threading

    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    now = fake.settle_refund(made["id"], "failed")
    events = [fake.event("refund.failed", now), fake.event("charge.refund.updated", now)]
    settings = shop.memo["stripe_settings"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def deliver(event: dict) -> None:
        store = Store.open(shop.path)  # a connection of its own, as another process has
        store.memo["stripe_settings"] = settings
        try:
            barrier.wait(5)
            handle_event(store, event)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert reversals(shop) == 1 and books_refunded_minor(shop, order_id) == 0
    assert journal_check.verify(shop).problem is None


def test_pos_payments_recover_says_the_customer_was_not_paid_back(shop: Store, fake: FakeStripe, cli,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fake")
    monkeypatch.setenv("POS_STRIPE_API_BASE", fake.base)
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    fake.settle_refund(made["id"], "canceled")
    said = " ".join(cli.ok("payments", "recover").stdout.split())
    assert "refund was cancelled at Stripe, its entry reversed: the customer was NOT paid back $5.00: refund again" \
        in said
    assert "Nothing to recover" in cli.ok("payments", "recover").stdout


def test_recover_finds_a_refund_that_failed_after_it_succeeded_with_no_webhook(shop: Store, fake: FakeStripe) -> None:
    """The close's unmatched refund_failure line says to run recover: recover must then see it."""
    order_id = paid_by_card(shop)
    refund(shop, order_id, "5.00", "cold")
    assert refund_state(shop) == ("completed", "succeeded")
    (made,) = fake.refunds.values()
    fake.settle_refund(made["id"], "failed")  # days later; no webhook reaches this store
    (line,) = service.recover(shop)
    assert line.action.startswith("refund failed at Stripe, its entry reversed"), line
    assert refund_state(shop) == ("reversed", "failed") and reversals(shop) == 1
    assert books_refunded_minor(shop, order_id) == 0 == stripe_gave_back_minor(fake)
    assert service.recover(shop) == []  # once
    assert journal_check.verify(shop).problem is None


def test_recover_asks_stripe_nothing_about_refunds_when_none_was_booked_lately(shop: Store, fake: FakeStripe) -> None:
    from datetime import timedelta

    from freezegun import freeze_time

    from payments.stripe.refund_outcomes import FAILURE_WATCH_DAYS

    with freeze_time("2026-03-02 15:00:00") as clock:
        order_id = paid_by_card(shop)
        refund(shop, order_id, "5.00", "cold")
        clock.tick(timedelta(days=FAILURE_WATCH_DAYS, seconds=1))
        asked = len(fake.requests)
        assert service.recover(shop) == []
    assert len(fake.requests) == asked
