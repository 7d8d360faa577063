"""Webhooks as Stripe delivers them: at least once, out of order, several at once; and the work they queue
(issue 25, items 9, 10 and 12).

Each event is applied in the write that checks and records its id, so two deliveries handled at once (a
barrier makes both read Stripe before either writes) book once; what needs Stripe to act is a job queued in
that write, answered 2xx only once it is in the store, and run by ``pos serve``'s worker when it could not
run at once.  The last tests send shuffled, repeated, simultaneous deliveries to ``pos serve`` as a real
process on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from payments import service
from payments.stripe import jobs as stripe_jobs
from payments.base import PaymentState, get_payment, order_payments
from payments.refunds import refund
from payments.stripe.gateway import StripeSettings
from payments.stripe.webhooks import Handled, handle_event
from pos.store import audit
from pos.base import faults
from pos.books import journal_check, ledger
from pos.store.store import Store, iso, utc_now
from tests.fake_stripe import FakeStripe
from tests.test_webhooks import held_by_a_crashed_register as crashed_before_capturing
from tests.test_stripe_refund_outcomes import books_refunded_minor, paid_by_card, stripe_gave_back_minor

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_test_0123456789abcdef"


def _store_for_thread(path: Path, fake: FakeStripe) -> Store:
    """A store handle of its own (a SQLite connection belongs to one thread), talking to the double."""
    fresh = Store.open(path)
    settings = StripeSettings("sk_test_fake", fake.base, connect_timeout_s=1, read_timeout_s=5, max_retries=1)
    fresh.memo["stripe_settings"] = lambda: settings
    return fresh


def at_once(shop: Store, fake: FakeStripe, events: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
            reads: tuple[str, ...] = ("refunded_at_stripe",)) -> list[Handled]:
    """Handle ``events`` in threads, each on its own store handle, with a barrier after each one's read of
    Stripe: every delivery has read before any writes (the interleaving that booked a refund twice)."""
    barrier = threading.Barrier(len(events))
    for name in reads:
        real = getattr(stripe_jobs, name)

        def read_then_wait(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            found = _real(*args, **kwargs)
            barrier.wait(timeout=30)
            return found

        monkeypatch.setattr(stripe_jobs, name, read_then_wait)
    answers: list[Handled | BaseException] = [RuntimeError("not run")] * len(events)

    def handle(n: int, event: dict[str, Any]) -> None:
        store = _store_for_thread(shop.path, fake)
        try:
            answers[n] = handle_event(store, event)
        except BaseException as exc:  # noqa: BLE001 - reported below
            answers[n] = exc
        finally:
            store.close()

    threads = [threading.Thread(target=handle, args=(n, e)) for n, e in enumerate(events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(a, Handled) for a in answers), answers
    return [a for a in answers if isinstance(a, Handled)]


def outside_refunds_audited(store: Store) -> list[int]:
    return [r.detail["amount_minor"] for r in audit.records(store) if r.event is audit.Event.OUTSIDE_REFUND]


# -- item 9: the same and related events at once ---------------------------------------------------------------


def test_the_same_dashboard_refund_event_handled_twice_at_once_books_it_once(
        shop: Store, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    fake.dashboard_refund(payment.processor_ref, 500)
    event = fake.event("charge.refunded", fake.intents[payment.processor_ref]["latest_charge"])
    answers = at_once(shop, fake, [event, event], monkeypatch)
    assert sorted(a.replayed for a in answers) == [False, True]
    assert {a.action for a in answers} == {answers[0].action}  # the replay says what the first did
    assert answers[0].action.startswith("$5.00 refunded in Stripe outside the register: booked as refund ")
    assert outside_refunds_audited(shop) == [500]
    assert get_payment(shop, payment.id).refunded_minor == 500 == books_refunded_minor(shop, order_id)
    assert journal_check.verify(shop).problem is None


def test_related_events_of_one_dashboard_refund_at_once_book_it_once(
        shop: Store, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    """``charge.refunded`` and ``refund.created`` (two ids, one refund), each read before either writes."""
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    made = fake.dashboard_refund(payment.processor_ref, 500)
    events = [fake.event("charge.refunded", fake.intents[payment.processor_ref]["latest_charge"]),
              fake.event("refund.created", made)]
    answers = at_once(shop, fake, events, monkeypatch)
    assert [a.replayed for a in answers] == [False, False]  # two events, each recorded once
    booked = [a.action for a in answers if a.action.startswith("$5.00 refunded in Stripe outside the register")]
    assert len(booked) == 1, [a.action for a in answers]
    assert outside_refunds_audited(shop) == [500]
    assert shop.scalar("SELECT count(*) FROM stripe_events") == 2
    assert get_payment(shop, payment.id).refunded_minor == 500 == books_refunded_minor(shop, order_id)
    assert journal_check.verify(shop).problem is None


def test_a_refund_event_without_a_dashboard_refund_reads_only_and_books_nothing(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    refund(shop, order_id, "5.00", "cold")  # the register's own refund, booked
    made = next(iter(fake.refunds.values()))
    handled = handle_event(shop, fake.event("refund.created", made))
    assert handled.action == "nothing to do (the books hold every refund)"
    assert books_refunded_minor(shop, order_id) == 500 == stripe_gave_back_minor(fake)


# -- item 9: out of order ------------------------------------------------------------------------------------


def test_a_pending_refunds_events_out_of_order_cannot_move_it_back(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    created = fake.event("refund.created", made)  # its snapshot says pending
    succeeded = fake.event("refund.updated", fake.settle_refund(made["id"], "succeeded"))
    assert "succeeded: paid back" in handle_event(shop, succeeded).action  # the later event first
    assert handle_event(shop, created).action == "nothing to do (the books hold every refund)"
    assert shop.one("SELECT state, processor_status FROM refunds")[:] == ("completed", "succeeded")
    assert books_refunded_minor(shop, order_id) == 500 == stripe_gave_back_minor(fake)


def test_a_failed_refunds_events_in_any_order_reverse_it_once(shop: Store, fake: FakeStripe) -> None:
    order_id = paid_by_card(shop)
    fake.refund_status_next("pending")
    refund(shop, order_id, "5.00", "cold")
    (made,) = fake.refunds.values()
    pending = fake.event("refund.updated", made)
    failed_refund = fake.settle_refund(made["id"], "failed")
    charge_said = fake.event("charge.refund.updated", failed_refund)
    failed = fake.event("refund.failed", failed_refund)
    for event in (failed, pending, charge_said, failed):  # the failure first, a stale one, a related one, a replay
        handle_event(shop, event)
    assert shop.one("SELECT state FROM refunds")[0] == "reversed"
    assert shop.scalar("SELECT count(*) FROM journal_entries WHERE key LIKE 'refund:%:failed'") == 1
    assert books_refunded_minor(shop, order_id) == 0 == stripe_gave_back_minor(fake)
    assert get_payment(shop, order_payments(shop, order_id)[0].id).state is PaymentState.CAPTURED
    assert journal_check.verify(shop).problem is None


# -- item 10: answered 2xx only once the work is in the store ----------------------------------------------------


START = "2026-03-02 15:00:00"


def held_by_a_crashed_register(store: Store) -> str:
    """The payment a register left held when it died before capturing (:func:`tests.test_webhooks.held_by_a_crashed_register`)."""
    (payment,) = order_payments(store, crashed_before_capturing(store))
    return payment.id


def job_row(store: Store) -> sqlite3.Row:
    (row,) = store.all("SELECT * FROM stripe_jobs")
    return row


def test_a_hold_left_to_a_register_that_died_is_finished_by_the_worker_once_its_wait_is_over(
        shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START) as clock:
        payment_id = held_by_a_crashed_register(shop)
        ref = get_payment(shop, payment_id).processor_ref
        handled = handle_event(shop, fake.event("payment_intent.amount_capturable_updated", fake.intents[ref]))
        assert handled.action.startswith("left to the register taking it")
        assert job_row(shop)["state"] == "queued"  # the reason Stripe may stop sending it is in the store
        assert stripe_jobs.run_due(shop) == []  # the register may still be waiting: not before its time
        assert get_payment(shop, payment_id).state is PaymentState.REQUESTED
        clock.tick(timedelta(minutes=10))
        (ran,) = stripe_jobs.run_due(shop)
    assert ran.action == "captured and recorded"
    assert get_payment(shop, payment_id).state is PaymentState.CAPTURED
    assert fake.intents[ref]["status"] == "succeeded"
    assert (job_row(shop)["state"], job_row(shop)["attempts"]) == ("done", 1)
    # The event now says what its job did, so a redelivery answers it.
    assert shop.scalar("SELECT action FROM stripe_events") == "captured and recorded"
    assert journal_check.verify(shop).problem is None


def test_work_stripe_cannot_do_now_is_answered_as_queued_and_retried_with_backoff(
        shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START) as clock:
        payment_id = held_by_a_crashed_register(shop)
        ref = get_payment(shop, payment_id).processor_ref
        clock.tick(timedelta(minutes=10))
        fake.error_next(str(ref), 500, times=100)  # Stripe down: reading the intent fails (nothing is saved)
        handled = handle_event(shop, fake.event("payment_intent.amount_capturable_updated", fake.intents[ref]))
        assert handled.action == "queued: finish the payment"  # recorded, with its job: a 2xx is true
        job = job_row(shop)
        assert (job["state"], job["attempts"]) == ("queued", 1) and job["last_error"]
        assert stripe_jobs.run_due(shop) == []  # not again before its backoff
        clock.tick(timedelta(seconds=stripe_jobs.FIRST_BACKOFF_S))
        (second,) = stripe_jobs.run_due(shop)
        assert second.action is None and job_row(shop)["attempts"] == 2
        waited = stripe_jobs.FIRST_BACKOFF_S * 2
        clock.tick(timedelta(seconds=waited - 1))
        assert stripe_jobs.run_due(shop) == []  # the wait doubled
        clock.tick(timedelta(seconds=1))
        fake.errors_next.clear()  # Stripe is back
        (third,) = stripe_jobs.run_due(shop)
    assert third.action == "captured and recorded"
    assert get_payment(shop, payment_id).state is PaymentState.CAPTURED
    assert sum(1 for method, path, *_ in fake.requests if method == "POST" and path.endswith("/capture")) >= 1
    assert fake.intents[ref]["amount_received"] == get_payment(shop, payment_id).amount_minor


def test_a_job_whose_worker_died_is_taken_over_after_its_lease_and_done_once(shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START) as clock:
        payment_id = held_by_a_crashed_register(shop)
        ref = get_payment(shop, payment_id).processor_ref
        clock.tick(timedelta(minutes=10))
        faults.on("payment.captured_before_journal", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):  # the worker dies after Stripe captured, before the books
            handle_event(shop, fake.event("payment_intent.amount_capturable_updated", fake.intents[ref]))
        faults.clear()
        assert job_row(shop)["state"] == "running"
        assert stripe_jobs.run_due(shop) == []  # another worker leaves it while the lease lasts
        clock.tick(timedelta(seconds=stripe_jobs.LEASE_S))
        (ran,) = stripe_jobs.run_due(shop)
    assert ran.action == "captured and recorded"
    assert fake.intents[ref]["amount_received"] == get_payment(shop, payment_id).amount_minor
    assert shop.scalar("SELECT count(*) FROM journal_entries WHERE key = ?", (f"payment:{payment_id}:capture",)) == 1
    assert journal_check.verify(shop).problem is None


def test_a_job_that_never_succeeds_is_stopped_and_left_to_recover(shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START) as clock:
        payment_id = held_by_a_crashed_register(shop)
        clock.tick(timedelta(minutes=10))
        job_id = stripe_jobs.queue(shop, payment_id, stripe_jobs.Work.SETTLE, utc_now())
        fake.error_next(str(get_payment(shop, payment_id).processor_ref), 500, times=1000)
        for _ in range(stripe_jobs.MAX_ATTEMPTS):
            ran = stripe_jobs.run(shop, job_id)
            assert ran is not None and ran.action is None
            clock.tick(timedelta(seconds=stripe_jobs.MAX_BACKOFF_S))
        assert job_row(shop)["state"] == "stopped"
        assert stripe_jobs.run_due(shop) == []
        fake.errors_next.clear()
        (recovered,) = service.recover(shop)
    assert recovered.action == "captured and recorded"


def test_a_second_event_about_the_same_payment_joins_its_open_job(shop: Store, fake: FakeStripe) -> None:
    with freeze_time(START):
        payment_id = held_by_a_crashed_register(shop)
        ref = get_payment(shop, payment_id).processor_ref
        for kind in ("payment_intent.amount_capturable_updated", "payment_intent.amount_capturable_updated"):
            handle_event(shop, fake.event(kind, fake.intents[ref]))  # two events, both within the register's wait
        assert shop.scalar("SELECT count(*) FROM stripe_jobs") == 1
        assert shop.scalar("SELECT count(DISTINCT job_id) FROM stripe_events") == 1


# -- item 12: the double delivers as Stripe does, to pos serve as a real process ---------------------------------


def serve(db: Path, fake: FakeStripe) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "STRIPE_API_KEY": "sk_test_fake", "POS_STRIPE_API_BASE": fake.base,
           "STRIPE_WEBHOOK_SECRET": SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "--db", str(db), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/stripe/webhook", line)
    if not found:
        proc.kill()
        raise AssertionError(f"pos serve did not start: {line!r} {proc.communicate()[1]!r}")
    return proc, f"http://127.0.0.1:{found.group(1)}/stripe/webhook"


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=15)


@pytest.mark.parametrize("seed", [1, 2])
def test_events_delivered_repeated_shuffled_and_at_once_leave_the_books_equal_to_stripe(
        shop: Store, fake: FakeStripe, seed: int) -> None:
    order_id = paid_by_card(shop)
    (payment,) = order_payments(shop, order_id)
    ref = str(payment.processor_ref)
    fake.refund_status_next("pending")
    refund(shop, order_id, "3.00", "cold")  # the register's refund, pending at Stripe
    (ours,) = fake.refunds.values()
    events = [fake.event("refund.created", ours)]
    outside = fake.dashboard_refund(ref, 200)  # and one made in the Dashboard
    events += [fake.event("refund.created", outside),
               fake.event("charge.refunded", fake.intents[ref]["latest_charge"])]
    failed = fake.settle_refund(ours["id"], "failed")  # the register's refund fails days later
    events += [fake.event("refund.failed", failed), fake.event("charge.refund.updated", failed)]
    proc, url = serve(shop.path, fake)
    try:
        results = fake.deliver(url, SECRET, events, copies=2, seed=seed)
    finally:
        stop(proc)
    assert all(status == 200 for _, status, _ in results), results
    assert shop.scalar("SELECT count(*) FROM stripe_events") == len(events)  # each recorded once
    assert outside_refunds_audited(shop) == [200]
    assert books_refunded_minor(shop, order_id) == 200 == stripe_gave_back_minor(fake)
    assert get_payment(shop, payment.id).refunded_minor == 200
    assert shop.scalar("SELECT count(*) FROM journal_entries WHERE key LIKE 'refund:%:failed'") == 1
    assert journal_check.verify(shop).problem is None


def test_a_job_queued_by_a_server_killed_before_running_it_is_run_by_the_next_server(
        shop: Store, fake: FakeStripe) -> None:
    payment_id = held_by_a_crashed_register(shop)
    ref = get_payment(shop, payment_id).processor_ref
    proc, url = serve(shop.path, fake)
    try:
        ((_, status, answer),) = fake.deliver(url, SECRET, [fake.event("payment_intent.amount_capturable_updated",
                                                                        fake.intents[ref])], copies=1)
    finally:
        proc.kill()  # no clean shutdown: whatever it held in memory is gone
        proc.wait(timeout=15)
    assert status == 200 and answer["action"].startswith("left to the register taking it"), answer
    assert get_payment(shop, payment_id).state is PaymentState.REQUESTED
    with shop.write() as conn:  # the register's wait is over (the job's time has come)
        conn.execute("UPDATE stripe_jobs SET due_at = ?", (iso(utc_now() - timedelta(seconds=1)),))
    proc, _ = serve(shop.path, fake)
    try:
        deadline = 200  # its worker runs due jobs on start: well within 20 s
        while get_payment(shop, payment_id).state is not PaymentState.CAPTURED and deadline:
            threading.Event().wait(0.1)
            deadline -= 1
    finally:
        stop(proc)
    assert get_payment(shop, payment_id).state is PaymentState.CAPTURED
    assert fake.intents[ref]["status"] == "succeeded"
    assert job_row(shop)["state"] == "done"
