"""Card and wallet payments through Stripe Terminal: the real SDK against the fake Stripe API."""

from __future__ import annotations

import json
import sqlite3

import pytest

from payments import service
from payments.base import DeclineReason, PaymentState, order_payments
from payments.refunds import refund
from payments.stripe.card import ACCOUNT
from payments.stripe.gateway import StripeSettings
from pos.store import config
from pos.base import faults
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import NotAllowed, ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store
from tests.fake_stripe import FakeStripe

TEST_CARD = "4242424242424242"


def pizza(store: Store):
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def balance(store: Store, account: str) -> int:
    return ledger.balances(store, prefix=account).get((account, "USD"), 0)


def test_no_key_or_no_reader_is_refused_before_anything_is_written(store: Store) -> None:
    order = pizza(store)
    with pytest.raises(NotAllowed, match="STRIPE_API_KEY"):
        service.pay(store, order.id, "card")
    store.memo["stripe_settings"] = lambda: StripeSettings("sk_test_x", "http://127.0.0.1:9")
    with pytest.raises(NotAllowed, match="stripe.reader"):
        service.pay(store, order.id, "card")
    assert order_payments(store, order.id) == []


def test_tap_approve_capture_with_the_fee_as_an_expense(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    result = service.pay(shop, order.id, "card")
    assert result.order_paid and result.payment.state is PaymentState.CAPTURED
    (intent,) = fake.intents.values()
    assert (intent["amount_received"], intent["capture_method"]) == (1361, "manual")
    assert result.payment.processor_ref == intent["id"]
    assert result.payment.details["brand"] == "visa" and result.payment.details["last4"] == "4242"
    fee = (1361 * 27 + 500) // 1000 + 5  # the fake's card-present pricing: 42
    assert balance(shop, ACCOUNT) == 1361 - fee and balance(shop, "expenses:card-fees") == fee
    assert result.payment.details["net_minor"] == 1361 - fee
    # Every POST carried a key derived from the payment's own id.
    keys = [k for method, _, _, k in fake.requests if method == "POST"]
    assert all(k and k.startswith(result.payment.id + ":") for k in keys)
    assert journal_check.verify(shop).problem is None


def test_wallet_tap_is_recorded_with_its_wallet_type(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.wallet_next("apple_pay")
    result = service.pay(shop, order.id, "wallet")
    assert result.payment.tender.value == "wallet" and result.payment.details["wallet"] == "apple_pay"


def test_decline_keeps_the_order_open_and_the_cash_already_taken(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    service.pay(shop, order.id, "cash", "5")
    fake.decline_next("insufficient_funds")
    result = service.pay(shop, order.id, "card")
    assert not result.outcome.approved and result.outcome.reason is DeclineReason.INSUFFICIENT_FUNDS
    assert [p.state for p in order_payments(shop, order.id)] == [PaymentState.CAPTURED, PaymentState.DECLINED]
    assert result.due_after_minor == 861 and resolve(shop, order.id).status is OrderStatus.OPEN
    second = service.pay(shop, order.id, "card")  # another card for the rest: split card + cash
    assert second.order_paid and balance(shop, "assets:receivable:orders") == 0


def test_stripe_unreachable_means_card_payments_unavailable(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    shop.memo["stripe_gateway"] = None
    shop.memo["stripe_settings"] = lambda: StripeSettings("sk_test_fake", "http://127.0.0.1:9", 1, 1, 0)
    with pytest.raises(ProcessorUnavailable, match="unavailable right now"):
        service.pay(shop, order.id, "card")
    assert [p.state for p in order_payments(shop, order.id)] == [PaymentState.FAILED]
    assert service.pay(shop, order.id, "cash", "20").order_paid  # cash still works


def test_crash_after_the_charge_is_recovered_without_charging_twice(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)

    class Crash(BaseException):
        pass

    def crash() -> None:
        raise Crash

    faults.on("payment.authorized", crash)
    with pytest.raises(Crash):
        service.pay(shop, order.id, "card")
    faults.clear()
    (payment,) = order_payments(shop, order.id)
    assert payment.state is PaymentState.REQUESTED and payment.processor_ref  # saved right after creating it
    done = service.recover(shop)
    assert [d.action for d in done] == ["captured and recorded"]
    assert service.recover(shop) == []
    assert len(fake.intents) == 1 and next(iter(fake.intents.values()))["amount_received"] == 1361
    assert resolve(shop, order.id).status is OrderStatus.PAID
    assert journal_check.verify(shop).problem is None


def test_crash_before_the_id_was_saved_is_found_by_metadata(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    faults.on("payment.authorized", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        service.pay(shop, order.id, "card")
    faults.clear()
    shop.conn.execute("UPDATE payments SET processor_ref = NULL")  # as if the crash came before the save
    assert [d.action for d in service.recover(shop)] == ["captured and recorded"]
    (payment,) = order_payments(shop, order.id)
    assert payment.processor_ref == next(iter(fake.intents))


def test_refunds_full_and_partial_through_stripe(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    service.pay(shop, order.id, "card")
    refund(shop, order.id, "5.00", "cold")
    refund(shop, order.id, None, "still cold")
    assert sorted(r["amount"] for r in fake.refunds.values()) == [500, 861]
    assert resolve(shop, order.id).status is OrderStatus.REFUNDED
    fee = (1361 * 27 + 500) // 1000 + 5
    assert balance(shop, ACCOUNT) == 1361 - fee - 1361  # the fee stays an expense
    assert balance(shop, "income:sales") == 0
    assert journal_check.verify(shop).problem is None


def test_no_card_number_or_expiry_is_kept(shop: Store, fake: FakeStripe) -> None:
    for _ in range(2):
        service.pay(shop, pizza(shop).id, "card")
    dump = "\n".join(sqlite3.connect(shop.path).iterdump())
    assert TEST_CARD not in dump
    details = [json.loads(r[0]) for r in shop.all("SELECT details FROM payments")]
    assert all(not any(k.startswith("exp") for k in d) for d in details)
    assert all(set(d) <= {"brand", "last4", "wallet", "authorization_code", "read_method", "fee_minor", "net_minor",
                          "available_on", "balance_transaction"} for d in details)


@pytest.fixture
def slow_reader(shop: Store, fake: FakeStripe) -> Store:
    settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 1, simulate_tap=False, card_wait_s=2)
    shop.memo["stripe_settings"] = lambda: settings
    shop.memo.pop("stripe_gateway", None)
    return shop


def test_ctrl_c_while_waiting_cancels_the_payment(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    ticks: list[int] = []

    def cashier_presses_ctrl_c(elapsed_s: int) -> None:
        ticks.append(elapsed_s)
        raise KeyboardInterrupt

    slow_reader.memo["on_card_wait"] = cashier_presses_ctrl_c
    result = service.pay(slow_reader, order.id, "card")
    assert ticks == [0]
    assert not result.outcome.approved and result.outcome.reason is DeclineReason.CANCELLED
    assert next(iter(fake.intents.values()))["status"] == "canceled"  # no money can move later
    assert [p.state for p in order_payments(slow_reader, order.id)] == [PaymentState.DECLINED]
    assert service.recover(slow_reader) == []


def test_no_tap_in_time_releases_the_payment(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    result = service.pay(slow_reader, order.id, "card")
    assert result.outcome.reason is DeclineReason.EXPIRED
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert resolve(slow_reader, order.id).status is OrderStatus.OPEN


def test_interrupted_before_the_wait_is_released_at_stripe_by_recover(
    slow_reader: Store, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payments.stripe import gateway as stripe_gateway

    class PowerCut(BaseException):
        pass

    def cut_while_handing_to_the_reader(*args: object, **kwargs: object) -> None:
        raise PowerCut

    order = pizza(slow_reader)
    monkeypatch.setattr(stripe_gateway.StripeGateway, "process_on_reader", cut_while_handing_to_the_reader)
    with pytest.raises(PowerCut):
        service.pay(slow_reader, order.id, "card")
    monkeypatch.undo()
    (payment,) = order_payments(slow_reader, order.id)
    assert payment.state is PaymentState.REQUESTED and payment.processor_ref
    assert [d.action for d in service.recover(slow_reader)] == ["voided (never charged)"]
    assert fake.intents[payment.processor_ref]["status"] == "canceled"
    assert service.recover(slow_reader) == []


def test_ctrl_c_while_handing_to_the_reader_releases_at_once(
    slow_reader: Store, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payments.stripe import gateway as stripe_gateway

    def ctrl_c_while_handing_to_the_reader(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    order = pizza(slow_reader)
    monkeypatch.setattr(stripe_gateway.StripeGateway, "process_on_reader", ctrl_c_while_handing_to_the_reader)
    result = service.pay(slow_reader, order.id, "card")
    (payment,) = order_payments(slow_reader, order.id)
    assert result.outcome.reason is DeclineReason.CANCELLED and payment.state is PaymentState.DECLINED
    assert fake.intents[payment.processor_ref]["status"] == "canceled"
    assert service.recover(slow_reader) == []


def test_the_reader_offers_a_tip_only_when_someone_real_would_get_it(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    order = pizza(shop)
    fake.tip_next(300)
    first = service.pay(shop, order.id, "card")  # nobody eligible on shift: the reader skips tipping
    assert fake.reader_config["tmr_FAKE01"]["skip_tipping"] == "true"
    assert first.payment.tip_minor == 0
    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    second_order = pizza(shop)
    fake.tip_next(300)
    second = service.pay(shop, second_order.id, "card")
    assert fake.reader_config["tmr_FAKE01"]["skip_tipping"] == "false"
    assert (second.payment.tip_minor, second.payment.tip_to) == (300, "pool")
    assert ledger.balances(shop, prefix="liabilities:tips") == {("liabilities:tips:pool", "USD"): -300}
    assert balance(shop, "assets:receivable:orders") == 0
    assert journal_check.verify(shop).problem is None
    # Refunded in full, the tip goes back to the card with the sale, out of the pool.
    back = refund(shop, second_order.id, None, "wrong pizza")
    assert back.parts[0].tip_minor == 300
    assert [r["amount"] for r in fake.refunds.values()] == [1361 + 300]
    assert ledger.balances(shop, prefix="liabilities:tips") == {("liabilities:tips:pool", "USD"): 0}
    assert journal_check.verify(shop).problem is None


def test_direct_tips_with_nobody_named_mean_no_tip_prompt(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    config.set_option(shop, "tips.counter", "direct")
    service.pay(shop, pizza(shop).id, "card")
    assert fake.reader_config["tmr_FAKE01"]["skip_tipping"] == "true"
    service.pay(shop, pizza(shop).id, "card", tip_to="Alice")
    assert fake.reader_config["tmr_FAKE01"]["skip_tipping"] == "false"


def test_tip_typed_at_the_register_for_a_named_person(shop: Store, fake: FakeStripe, cli_for) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    add_staff(shop, "Maria", "manager", "258036")
    start_shift(shop, "Alice")
    start_shift(shop, "Maria")
    pizza(shop)
    cli = cli_for(shop)
    cli.fails("pay", "1", "cash", "20", "--tip", "2", "--tip-to", "Maria", says="may not share")
    cli.fails("pay", "1", "cash", "20", "--tip", "-2", says="cannot be negative")
    out = cli.ok("pay", "1", "cash", "20", "--tip", "2", "--tip-to", "Alice").stdout
    assert "Tip $2.00 goes to Alice." in out and "Change: $4.39" in out  # 20.00 - 13.61 - 2.00


# -- one tip per payment (issue 15, item 1) ------------------------------------------------------


def test_a_tip_typed_at_the_register_is_the_one_tip(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    order = pizza(shop)
    fake.tip_next(300)  # the customer would choose $3.00 if the reader asked
    result = service.pay(shop, order.id, "card", tip_minor=200, tip_to="Alice")
    assert fake.reader_config["tmr_FAKE01"] == {"skip_tipping": "true"}  # the reader is told not to ask
    assert (result.payment.tip_minor, result.payment.tip_to) == (200, "alice")
    (intent,) = fake.intents.values()
    assert intent["amount_received"] == 1361 + 200
    assert ledger.balances(shop, prefix="liabilities:tips") == {("liabilities:tips:alice", "USD"): -200}
    assert journal_check.verify(shop).problem is None


def test_the_reader_reckons_its_tips_on_the_sale_before_tax(shop: Store, fake: FakeStripe) -> None:
    from pos.people.staff import add_staff, start_shift

    add_staff(shop, "Alice", "cashier", "2580")
    start_shift(shop, "Alice")
    service.pay(shop, pizza(shop).id, "card")  # 12.50 + 1.11 tax
    assert fake.reader_config["tmr_FAKE01"] == {"skip_tipping": "false", "tipping": {"amount_eligible": "1250"}}
    split = pizza(shop)
    service.pay(shop, split.id, "card", "10.00")  # its share of the sale before tax: 10.00 x 12.50 / 13.61
    assert fake.reader_config["tmr_FAKE01"]["tipping"] == {"amount_eligible": "918"}
    config.set_option(shop, "tips.counter", "direct")
    service.pay(shop, pizza(shop).id, "card")  # nobody would receive it: no tip screen, no base
    assert fake.reader_config["tmr_FAKE01"] == {"skip_tipping": "true"}


def test_a_wallet_tapped_when_the_cashier_chose_card_is_recorded_as_a_wallet(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.wallet_next("google_pay")  # the reader's card_present.wallet.type
    result = service.pay(shop, order.id, "card")
    assert result.order_paid
    assert (result.payment.tender.value, result.payment.details["wallet"]) == ("wallet", "google_pay")
    (stored,) = order_payments(shop, order.id)
    assert stored.tender.value == "wallet"
    memos = [r["memo"] for r in shop.all("SELECT memo FROM journal_entries WHERE memo LIKE '%payment for%'")]
    assert memos == ["wallet payment for " + resolve(shop, order.id).label]
    assert balance(shop, ACCOUNT) > 0 and journal_check.verify(shop).problem is None
    plain_card = service.pay(shop, pizza(shop).id, "card")  # no wallet: stays a card
    assert plain_card.payment.tender.value == "card" and "wallet" not in plain_card.payment.details


def test_a_plastic_card_tapped_when_the_cashier_chose_wallet_is_recorded_as_a_card(
        shop: Store, fake: FakeStripe, cli_for) -> None:
    # What was seen (issue 25, item 11): the cashier chose "wallet", the customer tapped a plastic card (no
    # card_present.wallet), and it was recorded as a wallet with no wallet type.
    from receipts import model, text

    order = pizza(shop)
    result = service.pay(shop, order.id, "wallet")  # the fake's tap: a plastic Visa, no wallet
    assert result.order_paid
    (stored,) = order_payments(shop, order.id)
    assert (stored.tender.value, stored.details.get("wallet")) == ("card", None)
    assert stored.details["brand"] == "visa" and stored.details["last4"] == "4242"
    memos = [r["memo"] for r in shop.all("SELECT memo FROM journal_entries WHERE memo LIKE '%payment for%'")]
    assert memos == ["card payment for " + resolve(shop, order.id).label]
    shown = " ".join(text.render(model.build(shop, order.id), 80).split())
    assert "Card (VISA ...4242): Contactless" in shown and "Phone wallet" not in shown
    listed = json.loads(cli_for(shop).ok("payments", "list", "1", "--json").stdout)
    assert [(p["tender"], p["wallet"]) for p in listed["payments"]] == [("card", None)]
    # A wallet really tapped under "wallet" stays a wallet, with its type, and says so everywhere.
    second = pizza(shop)
    fake.wallet_next("apple_pay")
    service.pay(shop, second.id, "wallet")
    (wallet,) = order_payments(shop, second.id)
    assert (wallet.tender.value, wallet.details["wallet"]) == ("wallet", "apple_pay")
    human = cli_for(shop).ok("payments", "list", "2").stdout
    assert "wallet (apple pay)" in human.lower()
    assert journal_check.verify(shop).problem is None


# -- the reader's own state (issue 15, item 5) ---------------------------------------------------


def _posted(fake: FakeStripe, suffix: str) -> list[str]:
    return [path for method, path, _, _ in fake.requests if method == "POST" and path.endswith(suffix)]


def test_the_customer_cancelling_on_the_reader_is_said_at_once(slow_reader: Store, fake: FakeStripe) -> None:
    import time

    order = pizza(slow_reader)
    slow_reader.memo["on_card_wait"] = lambda elapsed_s: fake.fail_reader_action("tmr_FAKE01")
    started = time.monotonic()
    result = service.pay(slow_reader, order.id, "card")
    assert time.monotonic() - started < 2  # well before card_wait_s ran out
    assert result.outcome.reason is DeclineReason.CANCELLED
    assert result.outcome.message == ("The customer cancelled the payment on the card reader: offer it again "
                                      "or another tender.")
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert _posted(fake, "/cancel_action") == []  # the reader's action had already ended
    assert service.recover(slow_reader) == []


def test_a_reader_failure_we_do_not_know_is_told_with_the_readers_words(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    slow_reader.memo["on_card_wait"] = lambda elapsed_s: fake.fail_reader_action(
        "tmr_FAKE01", "card_read_timed_out", "The card was not read in time (key sk_test_abc123).")
    result = service.pay(slow_reader, order.id, "card")
    assert result.outcome.reason is DeclineReason.PROCESSING_ERROR  # the reader's trouble, not the bank's refusal
    assert result.outcome.message == ("The card reader stopped the payment (The card was not read in time "
                                      "(key [key])): try again, or offer another tender.")
    assert [p.state for p in order_payments(slow_reader, order.id)] == [PaymentState.DECLINED]


def test_a_timeout_cancels_the_readers_action_so_its_screen_clears(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)
    result = service.pay(slow_reader, order.id, "card")
    assert result.outcome.reason is DeclineReason.EXPIRED
    assert _posted(fake, "/cancel_action") == ["/v1/terminal/readers/tmr_FAKE01/cancel_action"]
    assert fake.readers["tmr_FAKE01"]["status"] == "failed"
    assert fake.readers["tmr_FAKE01"]["failure_code"] == "merchant_canceled"
    assert next(iter(fake.intents.values()))["status"] == "canceled"


def test_ctrl_c_cancels_the_readers_action_so_its_screen_clears(slow_reader: Store, fake: FakeStripe) -> None:
    order = pizza(slow_reader)

    def cashier_presses_ctrl_c(elapsed_s: int) -> None:
        raise KeyboardInterrupt

    slow_reader.memo["on_card_wait"] = cashier_presses_ctrl_c
    result = service.pay(slow_reader, order.id, "card")
    assert result.outcome.reason is DeclineReason.CANCELLED
    assert _posted(fake, "/cancel_action") == ["/v1/terminal/readers/tmr_FAKE01/cancel_action"]
    assert fake.readers["tmr_FAKE01"]["failure_code"] == "merchant_canceled"
    # The cancel went after the reader's action, and under a key of its own.
    (key,) = [k for m, path, _, k in fake.requests if path.endswith("/cancel_action")]
    assert key == f"{result.payment.id}:cancel_action:1"


def test_a_busy_reader_is_said_and_the_other_payment_left_alone(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.reader_busy("tmr_FAKE01")
    with pytest.raises(ProcessorUnavailable, match="The card reader is busy with another payment: wait for it"):
        service.pay(shop, order.id, "card")
    assert _posted(fake, "/cancel_action") == []  # never someone else's action
    assert fake.readers["tmr_FAKE01"]["status"] == "in_progress"
    assert [p.state for p in order_payments(shop, order.id)] == [PaymentState.FAILED]
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert service.recover(shop) == []


def test_an_offline_reader_is_said(shop: Store, fake: FakeStripe) -> None:
    order = pizza(shop)
    fake.reader_offline("tmr_FAKE01")
    with pytest.raises(ProcessorUnavailable, match="The card reader is offline: check that it is on and connected"):
        service.pay(shop, order.id, "card")
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert service.pay(shop, order.id, "cash", "20").order_paid


def test_a_reader_going_offline_while_waiting_is_said_at_once(slow_reader: Store, fake: FakeStripe) -> None:
    import time

    order = pizza(slow_reader)
    slow_reader.memo["on_card_wait"] = lambda elapsed_s: fake.reader_offline("tmr_FAKE01")
    started = time.monotonic()
    with pytest.raises(ProcessorUnavailable, match="The card reader is offline"):
        service.pay(slow_reader, order.id, "card")
    assert time.monotonic() - started < 2  # not after card_wait_s
    assert next(iter(fake.intents.values()))["status"] == "canceled"
    assert [p.state for p in order_payments(slow_reader, order.id)] == [PaymentState.FAILED]
    assert service.recover(slow_reader) == []


# -- a physical reader in test mode (issue 15, item 10) ----------------------------------------------


def _helper_taps(fake: FakeStripe) -> list[str]:
    return _posted(fake, "/present_payment_method")


def _reader_reads(fake: FakeStripe) -> int:
    return sum(1 for method, path, _, _ in fake.requests if method == "GET" and path.startswith("/v1/terminal/readers/"))


def test_a_physical_reader_with_a_test_key_waits_for_a_real_tap(shop: Store, fake: FakeStripe) -> None:
    fake.physical_reader("tmr_FAKE01")  # stripe.simulate is auto: the reader is read, and it is a real device
    order = pizza(shop)
    shop.memo["on_card_wait"] = lambda elapsed_s: fake.card_tapped("tmr_FAKE01", "5555555555554444")
    result = service.pay(shop, order.id, "card")  # the shop taps one of Stripe's physical test cards
    assert result.order_paid and result.payment.details["brand"] == "mastercard"
    assert _helper_taps(fake) == []  # the test helper was never asked to tap
    assert next(iter(fake.intents.values()))["amount_received"] == 1361


def test_a_simulated_reader_is_tapped_by_the_test_helper_and_read_once(shop: Store, fake: FakeStripe) -> None:
    assert config.get(shop, "stripe.simulate") == "auto"
    assert service.pay(shop, pizza(shop).id, "card").order_paid
    assert service.pay(shop, pizza(shop).id, "card").order_paid
    assert len(_helper_taps(fake)) == 2
    assert _reader_reads(fake) == 1  # its device type, once for the register's gateway


def test_stripe_simulate_yes_and_no_say_so_and_a_live_key_never_simulates(shop: Store, fake: FakeStripe) -> None:
    config.set_option(shop, "stripe.simulate", "no")
    order = pizza(shop)
    shop.memo["on_card_wait"] = lambda elapsed_s: fake.card_tapped("tmr_FAKE01")
    assert service.pay(shop, order.id, "card").order_paid  # a simulated reader, tapped by hand
    assert _helper_taps(fake) == []
    shop.memo.pop("on_card_wait")
    config.set_option(shop, "stripe.simulate", "YES")
    fake.physical_reader("tmr_FAKE01")
    with pytest.raises(ProcessorUnavailable, match="simulated readers"):  # Stripe refuses: said so, released
        service.pay(shop, pizza(shop).id, "card")
    assert len(_helper_taps(fake)) == 1
    fake.reset()
    settings = StripeSettings("sk_live_fake", fake.base, 1, 2, 0, card_wait_s=1)
    shop.memo["stripe_settings"] = lambda: settings
    shop.memo.pop("stripe_gateway", None)
    for option in ("yes", "auto"):
        config.set_option(shop, "stripe.simulate", option)
        result = service.pay(shop, pizza(shop).id, "card")
        assert result.outcome.reason is DeclineReason.EXPIRED  # nobody tapped; nothing simulated
    assert _helper_taps(fake) == []


def test_stripe_simulate_takes_auto_yes_or_no(shop: Store) -> None:
    from pos.base.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not auto, yes or no"):
        config.set_option(shop, "stripe.simulate", "maybe")
    assert config.get(shop, "stripe.simulate") == "auto"
