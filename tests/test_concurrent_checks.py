"""Checks decided inside their write: several processes at once, with the store's write lock held meanwhile.

Issue 24, "what was seen" 4, replayed as written: with another connection holding the store's write
lock, four ``pos refund 2 --amount 40`` at once as one cashier (real processes, one store file).
Each check (the limits, what is still refundable, the drawer's cash) is read and decided inside the
``BEGIN IMMEDIATE`` transaction that writes the refund, so the limit holds to the cent, the others
are refused in one line, and no refund is left ``requested`` for ``pos payments recover`` to choke on.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest
from freezegun import freeze_time

from payments import service
from payments.base import Payment
from pos.store import config
from pos.cash.drawer import open_drawer
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from tests.conftest import Cli, refused_events
from tests.helpers import bal, verified

ROOT = Path(__file__).resolve().parent.parent
NOON = "2026-11-23 17:00:00"  # noon in New York
LATER = "2026-11-23 17:01:00"  # the racing commands run a minute later, on the clock ticking from there

#: One command of the CLI in a process of its own: imports first, says it is ready (a file), then runs
#: ``pos ARGS...`` as the console script does, on a clock frozen at ``when`` and ticking.
CHILD = """
import sys
from pathlib import Path
from freezegun import freeze_time
when, ready, *args = sys.argv[1:]
with freeze_time(when, tick=True):
    import cli
    sys.argv = ["pos", *args]
    Path(ready).touch()
    cli.main()
"""


def race(tmp_path: Path, db: Path, args: list[str], copies: int) -> list[tuple[int, str]]:
    """Run ``pos ARGS`` ``copies`` times at once, each in its own process, with the write lock held meanwhile
    (:func:`held_while`); each one's exit code and output."""
    return held_while(db, tmp_path, lambda: [subprocess.Popen(
        [sys.executable, "-c", CHILD, LATER, str(tmp_path / f"ready-{n}"), "--db", str(db), *args], cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in range(copies)])


def held_while(db: Path, tmp_path: Path, spawn: "Callable[[], list[subprocess.Popen]]",
               hold_s: float = 1.0) -> list[tuple[int, str]]:
    """Hold the store's write lock (another connection's ``BEGIN IMMEDIATE``), start the children (``spawn``),
    and let them go once every one is ready (its ``ready-N`` file in ``tmp_path``) and ``hold_s`` more; each
    one's exit code and output."""
    holder = sqlite3.connect(db, isolation_level=None, timeout=10)
    holder.execute("BEGIN IMMEDIATE")
    try:
        children = spawn()
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < len(children) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(hold_s)  # each has read what it reads before its first write, and waits on the lock
    finally:
        holder.execute("COMMIT")
        holder.close()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        results.append((child.returncode, out))
    return results


@pytest.fixture
def till(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Sign-in on; Alice (cashier) and Maria (manager) on shift; drawer 1 open with $200; two orders paid in cash."""
    config.set_option(store, "signin.required", "yes")
    monkeypatch.setenv("POS_SESSION_FILE", str(tmp_path / "session.json"))
    with freeze_time(NOON):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Maria", "manager", "258036")
        for name in ("Alice", "Maria"):
            start_shift(store, name)
        open_drawer(store, 1, "200")
        for pizzas in (1, 8):  # #1 $13.61, #2 $108.88
            order = new_order(store, "counter")
            add_line(store, order.id, "PIZZA-M", pizzas)
            service.pay(store, order.id, "cash", "200")
    return store


def test_four_refunds_at_once_hold_the_limit_to_the_cent(till: Store, cli: Cli, tmp_path: Path) -> None:
    with freeze_time(NOON):
        cli.ok("login", "Alice", input="2580\n")
    drawer_before = bal(till, "assets:cash:drawer:1")
    results = race(tmp_path, till.path, ["refund", "2", "--amount", "40", "--reason", "cold"], 4)
    done = [out for code, out in results if code == 0]
    refused = [out for code, out in results if code != 0]
    assert len(done) == 1, results  # $40.00 of a $50.00 limit per order: the second would make $80.00
    assert len(refused) == 3, results
    for out in refused:
        assert "Traceback" not in out and out.count("\n") == 1, out
        assert out.startswith("error: A refund of $40.00 on order #2 needs a manager's approval: with $40.00 "
                              "already refunded on it, that makes $80.00, over the $50.00 limit per order"), out
    rows = till.all("SELECT amount_minor, state FROM refunds")
    assert [tuple(r) for r in rows] == [(4000, "completed")]  # nothing left requested
    refusals = refused_events(till.path)  # each refusal is in the audit trail, and nothing else of it
    assert [r["asked"] for r in refusals] == ["pos refund"] * 3 and all("$80.00" in r["why"] for r in refusals)
    assert till.scalar("SELECT count(*) FROM audit_log WHERE action = 'refund'") == 1
    assert bal(till, "assets:cash:drawer:1") == drawer_before - 4000
    with freeze_time(LATER):
        assert cli.ok("payments", "recover").stdout == "Nothing to recover: every payment is complete.\n"
    verified(till)


def test_refunds_on_several_orders_at_once_hold_a_persons_daily_limit(till: Store, cli: Cli, tmp_path: Path) -> None:
    """Each refund under the order's limit, three at once on three orders: the person's $100.00 a day holds."""
    with freeze_time(NOON):
        config.set_option(till, "approval.refunds_per_shift_over", "100")
        for _ in range(2):  # #3 and #4, $108.88 each, as #2
            order = new_order(till, "counter")
            add_line(till, order.id, "PIZZA-M", 8)
            service.pay(till, order.id, "cash", "200")
        cli.ok("login", "Alice", input="2580\n")
    results = held_while(till.path, tmp_path, lambda: [subprocess.Popen(
        [sys.executable, "-c", CHILD, LATER, str(tmp_path / f"ready-{n}"), "--db", str(till.path), "refund", str(n),
         "--amount", "45", "--reason", "cold"], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True) for n in (2, 3, 4)])
    assert sorted(code for code, _ in results) == [0, 0, 1], results
    (refusal,) = [out for code, out in results if code]
    assert "with $90.00 already refunded by Alice today, that makes $135.00, over the $100.00 limit per person " \
           "per day" in refusal and refusal.count("\n") == 1, refusal
    assert till.scalar("SELECT sum(amount_minor) FROM refunds WHERE state = 'completed'") == 9000
    assert not till.scalar("SELECT count(*) FROM refunds WHERE state != 'completed'")


def test_discounts_at_once_hold_the_orders_limit(till: Store, cli: Cli, tmp_path: Path) -> None:
    """Three $15.00 discounts given at once on one order with a $20.00 limit: one is given, two refused."""
    with freeze_time(NOON):
        config.set_option(till, "approval.discount_percent_over", "100")  # the amount's limit is the one raced
        order = new_order(till, "counter")  # #3
        add_line(till, order.id, "PIZZA-M", 4)  # 50.00 before tax
        cli.ok("login", "Alice", input="2580\n")
    results = race(tmp_path, till.path, ["order", "discount", "3", "15.00", "--reason", "regular"], 3)
    assert sorted(code for code, _ in results) == [0, 1, 1], results
    for out in (out for code, out in results if code):
        assert "with $15.00 already discounted on it, that makes $30.00, over the $20.00 limit per order" in out \
            and out.count("\n") == 1, out
    assert till.scalar("SELECT sum(amount_minor) FROM discounts WHERE removed_at IS NULL") == 1500


# -- the webhook's "already handled", and what it books, decided in the write ----------------------------------

#: One delivery of a signed event handled in a process of its own (as two ``pos serve`` workers would), on the
#: fake Stripe: imports first, says it is ready, then handles it and prints what it did.
WEBHOOK = """
import json, sys
from pathlib import Path
db, base, ready, body, header, secret = sys.argv[1:]
from payments.stripe.gateway import StripeSettings
from payments.stripe.webhooks import handle_event, verify_event
from pos.store.store import Store
store = Store.open(db)
settings = StripeSettings("sk_test_fake", base, connect_timeout_s=1, read_timeout_s=5, max_retries=1)
store.memo["stripe_settings"] = lambda: settings
event = verify_event(body.encode(), header, secret)
Path(ready).touch()
handled = handle_event(store, event)
print(json.dumps({"action": handled.action, "replayed": handled.replayed}))
"""


def test_one_dashboard_refund_delivered_twice_at_once_is_booked_once(store: Store, tmp_path: Path) -> None:
    """Stripe's retry arriving while the first delivery is handled: both read the books before either booked."""
    import json

    from payments import wallet
    from payments.base import PaymentState, get_payment
    from payments.stripe.gateway import StripeSettings
    from pos.store import audit
    from tests.fake_stripe import FakeStripe, signed

    secret = "whsec_test_0123456789abcdef"
    fake = FakeStripe().start()
    try:
        settings = StripeSettings("sk_test_fake", fake.base, connect_timeout_s=1, read_timeout_s=2, max_retries=1)
        store.memo["stripe_settings"] = lambda: settings
        order = new_order(store, "phone", customer_name="Dana", customer_phone="555-0100")
        add_line(store, order.id, "PIZZA-M")  # 13.61
        sent = wallet.send_link(store, order.id)
        assert sent.payment.processor_ref is not None
        fake.pay_session(sent.payment.processor_ref)
        wallet.check_link(store, order.id)
        payment = get_payment(store, sent.payment.id)
        intent_id = payment.details["payment_intent"]
        fake.dashboard_refund(intent_id, 500)
        body, header = signed(fake.event("charge.refunded", fake.intents[intent_id]["latest_charge"]), secret)
        results = held_while(store.path, tmp_path, lambda: [subprocess.Popen(
            [sys.executable, "-c", WEBHOOK, str(store.path), fake.base, str(tmp_path / f"ready-{n}"), body.decode(),
             header, secret], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for n in range(2)])  # each asks Stripe and (before the fix) reads the books, then waits on the lock
        assert [code for code, _ in results] == [0, 0], results
        answers = [json.loads(out.strip().splitlines()[-1]) for _, out in results]
    finally:
        fake.stop()
    assert sorted(a["replayed"] for a in answers) == [False, True], answers  # handled once, the other a replay
    assert all(a["action"].startswith("$5.00 refunded in Stripe outside the register") for a in answers), answers
    refunded = get_payment(store, payment.id)
    assert refunded.state is PaymentState.PARTIALLY_REFUNDED and refunded.refunded_minor == 500
    assert [r.detail["amount_minor"] for r in audit.records(store) if r.event is audit.Event.OUTSIDE_REFUND] == [500]
    verified(store)


# -- a refund left requested by an older version: recover reports it and goes on -------------------------------


class Crash(Exception):
    """The process dying at a point of a flow (pos.base.faults), in-process."""


def test_recover_reports_a_refund_it_cannot_finish_and_goes_on(till: Store, cli: Cli) -> None:
    from pos.base import faults
    from pos.people.staff import get_staff

    alice = get_staff(till, "Alice")
    with freeze_time(NOON):
        config.set_option(till, "approval.refund_over", "100")
        cli.ok("login", "Alice", input="2580\n")
        cli.ok("refund", "2", "--amount", "40", "--reason", "cold")
        cli.ok("refund", "2", "--amount", "40", "--reason", "cold")  # 28.88 left of #2
        # What the race left before the fix: a third $40.00 asked, never booked (more than is left).
        with till.write() as conn:
            conn.execute(
                "INSERT INTO refunds(id, order_id, payment_id, amount_minor, tip_minor, reason, register, created_at, "
                "state, against_sale, created_by) SELECT 'ref_stuck', order_id, id, 4000, 0, 'cold', 1, ?, "
                "'requested', 1, ? FROM payments WHERE order_id = (SELECT id FROM orders WHERE number = 2)",
                ("2026-11-23T17:00:00Z", alice.id))
        assert cli.ok("drawer", "status").stdout  # readable as it is
        # Another payment a crash left half-way, to be finished by the same recover.
        third = new_order(till, "counter")
        add_line(till, third.id, "PIZZA-M")

        def crash() -> None:
            raise Crash

        faults.on("payment.requested", crash)
        try:
            with pytest.raises(Crash):
                service.pay(till, third.id, "cash", "20")
        finally:
            faults.clear()
        out = cli.ok("payments", "recover").stdout.splitlines()
    assert len(out) == 2, out
    assert out[0].startswith("#3: payment pay_") and out[0].endswith(" captured and recorded."), out
    assert out[1] == ("#2: payment ref_stuck not finished: The refund of $40.00 was not given: its payment has only "
                      "$28.88 left to give back (another refund took the rest), so it was marked failed and is not "
                      "booked; refund again what is still owed."), out
    assert till.scalar("SELECT state FROM refunds WHERE id = 'ref_stuck'") == "failed"
    with freeze_time(NOON):
        assert cli.ok("payments", "recover").stdout == "Nothing to recover: every payment is complete.\n"
    verified(till)


def test_a_requested_cash_refund_holds_its_cash_in_the_drawer(till: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refund asked and not yet booked (another register's now) holds the drawer's cash it will take."""
    from payments import refunds
    from pos.cash import drawer
    from pos.base.errors import NotAllowed
    from pos.people.staff import get_staff

    maria = get_staff(till, "Maria")
    with freeze_time(NOON):
        order = new_order(till, "counter")
        add_line(till, order.id, "PIZZA-M", 8)
        service.pay(till, order.id, "cash", "200")  # 108.88 more
        held = drawer.expected_cash(till, 1)
        finished: list[str] = []
        real_finish = refunds.finish_refund

        def pay_out_meanwhile(store: Store, refund_id: str) -> None:
            """While the refund is asked and not booked, another register pays out everything the books show."""
            with pytest.raises(NotAllowed, match="promised to refunds or change not yet booked"):
                drawer.move(till, 1, drawer.Movement.PAID_OUT, f"{held // 100}.{held % 100:02d}", "ice")
            finished.append(refund_id)
            real_finish(store, refund_id)

        monkeypatch.setattr(refunds, "finish_refund", pay_out_meanwhile)
        refunds.refund(till, str(order.number), None, "cold", by=maria)
        assert finished and drawer.expected_cash(till, 1) == held - 10888


def test_recover_goes_on_past_a_payment_it_cannot_finish(till: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever stops one half-done payment (here a fault of the code itself) is said for it, and the rest go on."""
    from pos.base import faults

    with freeze_time(NOON):
        stuck, fine = (new_order(till, "counter") for _ in range(2))
        for order in (stuck, fine):
            add_line(till, order.id, "PIZZA-M")

            def crash() -> None:
                raise Crash

            faults.on("payment.requested", crash)
            try:
                with pytest.raises(Crash):
                    service.pay(till, order.id, "cash", "20")
            finally:
                faults.clear()
        real_settle = service.settle

        def settle(store: Store, payment: Payment) -> str:
            if payment.order_id == stuck.id:
                raise ValueError("a fault of the code")
            return real_settle(store, payment)

        monkeypatch.setattr(service, "settle", settle)
        done = service.recover(till)
    assert [(r.order_label, r.action) for r in done] == [
        ("#3", "left for later: it could not be finished (ValueError: a fault of the code); tell whoever looks "
               "after the till"),
        ("#4", "captured and recorded")]
