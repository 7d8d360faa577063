"""Self-checkout kiosks: scanning, paying on the kiosk's reader, tips only for a real attendant, cash to the counter."""

from __future__ import annotations

import pytest

from payments import service
from payments.base import PaymentState, order_payments
from payments.selfcheckout import get_kiosk, offers_tip, pay_at_kiosk, setup_kiosk
from pos.books import ledger
from pos.books import journal_check
from pos.base.errors import InvalidInput, NotAllowed, NotFound
from pos.sales.orders import add_line, list_orders, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.people.staff import add_staff, end_shift, start_shift
from pos.store.store import Store
from screens.kiosk import KioskSession
from tests.fake_stripe import FakeStripe
from tests.helpers import refused


@pytest.fixture
def kiosk_shop(shop: Store) -> Store:
    add_staff(shop, "Alice", "cashier", "2580")
    add_staff(shop, "Maria", "manager", "258036")
    start_shift(shop, "Alice")
    start_shift(shop, "Maria")
    setup_kiosk(shop, 1, reader="tmr_KIOSK1")  # unattended
    setup_kiosk(shop, 2, reader="tmr_KIOSK2", attendant="Alice")
    return shop


def tips_owed(store: Store) -> dict[str, int]:
    return {a: -v for (a, _), v in ledger.balances(store, prefix="liabilities:tips").items() if v}


def test_setup_checks_reader_and_attendant_and_writes_nothing_when_refused(kiosk_shop: Store) -> None:
    refused(kiosk_shop, InvalidInput, "not a Stripe Terminal reader", setup_kiosk, kiosk_shop, 3, reader="reader-3")
    refused(kiosk_shop, NotFound, "No staff member called 'Zed'", setup_kiosk, kiosk_shop, 3, attendant="Zed")
    refused(kiosk_shop, InvalidInput, "not both", setup_kiosk, kiosk_shop, 2, attendant="Alice", unattended=True)
    refused(kiosk_shop, InvalidInput, "start at 1", setup_kiosk, kiosk_shop, 0)
    # Changing one thing keeps the other.
    assert setup_kiosk(kiosk_shop, 2, reader="tmr_KIOSK2B").attendant == "alice"
    assert setup_kiosk(kiosk_shop, 2, unattended=True) == get_kiosk(kiosk_shop, 2)._replace(attendant=None)
    assert get_kiosk(kiosk_shop, 2).reader == "tmr_KIOSK2B"


def test_unattended_kiosk_sale_offers_no_tip_anywhere(kiosk_shop: Store, fake: FakeStripe) -> None:
    screen = KioskSession(kiosk_shop, 1)
    assert screen.handle("PIZZA-M")[-1] == "1 item, total $13.61."
    assert screen.handle("tip 2") == [
        "Kiosk 1 is unattended: no staff member would receive a tip, so none is taken."]
    assert "tip" not in screen.handle("help")[0].split("'pay'")[1]
    fake.tip_next(300)  # the customer would tip on the reader, if it asked
    assert screen.handle("pay")[0].startswith("Paid $13.61. Thank you!")
    assert fake.reader_config["tmr_KIOSK1"] == {"skip_tipping": "true"}
    (p,) = kiosk_shop.all("SELECT tender, register, tip_minor, tip_to FROM payments")
    assert tuple(p) == ("self_checkout", 1, 0, None)
    assert tips_owed(kiosk_shop) == {}
    assert journal_check.verify(kiosk_shop).problem is None


def test_a_tip_at_an_unattended_kiosk_is_refused_before_anything_is_written(kiosk_shop: Store) -> None:
    order = new_order(kiosk_shop, "kiosk")
    add_line(kiosk_shop, order.id, "SODA")
    refused(kiosk_shop, NotAllowed, "no staff member would receive a tip", pay_at_kiosk, kiosk_shop, 1, order.id, 200)


def test_attended_kiosk_tips_go_to_its_attendant_only(kiosk_shop: Store, fake: FakeStripe) -> None:
    kiosk = get_kiosk(kiosk_shop, 2)
    assert offers_tip(kiosk_shop, kiosk)
    screen = KioskSession(kiosk_shop, 2)
    screen.handle("2*SODA")
    assert "You may add a tip" in screen.handle("help")[0]
    assert screen.handle("tip 1.50") == ["Tip $1.50 for Alice, added when you pay."]
    assert screen.handle("pay")[0].startswith("Paid $6.92.")  # 2 x 2.49 + tax 0.44 + tip 1.50
    assert fake.reader_config["tmr_KIOSK2"] == {"skip_tipping": "true"}  # the typed tip is the one tip
    assert tips_owed(kiosk_shop) == {"liabilities:tips:alice": 150}
    # A tip chosen on the reader also goes to Alice, never to the pool.
    screen.handle("SODA")
    fake.tip_next(100)
    screen.handle("pay")
    assert fake.reader_config["tmr_KIOSK2"] == {"skip_tipping": "false", "tipping": {"amount_eligible": "249"}}
    assert tips_owed(kiosk_shop) == {"liabilities:tips:alice": 250}
    from payments.selfcheckout import tip_recipient

    with pytest.raises(NotAllowed, match="go to its attendant, Alice"):
        tip_recipient(kiosk_shop, kiosk, "Maria")


def test_an_attendant_off_shift_or_not_eligible_means_no_tip_prompt(kiosk_shop: Store, fake: FakeStripe) -> None:
    end_shift(kiosk_shop, "Alice")
    kiosk = get_kiosk(kiosk_shop, 2)
    assert not offers_tip(kiosk_shop, kiosk)
    screen = KioskSession(kiosk_shop, 2)
    screen.handle("SODA")
    assert screen.handle("tip 1") == ["Alice is not on shift: a tip goes to someone working now."]
    screen.handle("pay")
    assert fake.reader_config["tmr_KIOSK2"] == {"skip_tipping": "true"}
    setup_kiosk(kiosk_shop, 2, attendant="Maria")  # on shift, but a manager
    assert not offers_tip(kiosk_shop, get_kiosk(kiosk_shop, 2))


def test_cash_at_a_kiosk_sends_the_customer_and_the_order_to_the_counter(kiosk_shop: Store) -> None:
    screen = KioskSession(kiosk_shop, 1)
    screen.handle("PIZZA-M")
    (message,) = screen.handle("cash")
    assert message == "Please see a cashier to pay cash: your order number is 1."
    (queued,) = list_orders(kiosk_shop, counter_queue=True)
    assert queued.status is OrderStatus.OPEN and queued.counter_note.startswith("from kiosk 1")
    assert screen.handle("total") == ["Nothing scanned yet."]  # the kiosk is ready for the next customer
    assert service.pay(kiosk_shop, queued.id, "cash", "20").order_paid
    assert list_orders(kiosk_shop, counter_queue=True) == []


def test_a_decline_at_the_kiosk_keeps_the_order_for_another_try(kiosk_shop: Store, fake: FakeStripe) -> None:
    screen = KioskSession(kiosk_shop, 1)
    screen.handle("PIZZA-M")
    fake.decline_next("insufficient_funds")
    (message,) = screen.handle("pay")
    assert message == ("Payment not completed: The card was declined for insufficient funds. "
                       "Try another card or phone, or choose 'cash' to pay a cashier.")
    assert screen.handle("pay")[0].startswith("Paid $13.61.")
    states = [p.state for p in order_payments(kiosk_shop, resolve(kiosk_shop, 1).id)]
    assert states == [PaymentState.DECLINED, PaymentState.CAPTURED]


def test_stripe_down_at_the_kiosk_sends_the_customer_to_a_cashier(kiosk_shop: Store, fake: FakeStripe) -> None:
    screen = KioskSession(kiosk_shop, 1)
    screen.handle("SODA")
    fake.stop()
    assert screen.handle("pay") == ["Card payments are not working right now: please pay a cashier ('cash')."]
    assert screen.handle("total") == ["1 item, total $2.71."]


def test_the_screen_survives_anything_typed(kiosk_shop: Store) -> None:
    screen = KioskSession(kiosk_shop, 1)
    assert screen.handle("pay") == ["Scan your items first."]
    assert screen.handle("cash") == ["Scan your items first, then choose cash to pay a cashier."]
    assert screen.handle("-") == ["Nothing to remove."]
    assert screen.handle("cancel") == ["Nothing to cancel."]
    assert screen.handle("") == []
    assert screen.handle("NOPE") == ["The code 'NOPE' is not on the menu: scan it again, or ask for help."]
    assert list_orders(kiosk_shop) == []  # an unknown code opens no order... once one exists:
    screen.handle("SODA")
    assert screen.handle("3*") == ["Say how many, then the code, like 3*SODA."]
    assert screen.handle("0*SODA")[0].startswith("Quantity must be at least 1")
    assert "not an item code" in screen.handle("two sodas please")[0]
    assert screen.handle("tip abc")[0].startswith("'abc'")
    assert screen.handle("tip") == ["Say how much, like 'tip 2.00'."]
    assert screen.handle("remove") == ["Removed Soda 20oz.", "0 items, total $0.00."]
    assert screen.handle("cancel") == ["Cancelled. Scan an item to start again."]
    assert list_orders(kiosk_shop)[0].status is OrderStatus.VOIDED


def test_self_checkout_is_only_taken_at_a_kiosk(kiosk_shop: Store) -> None:
    order = new_order(kiosk_shop, "kiosk")
    add_line(kiosk_shop, order.id, "SODA")
    refused(kiosk_shop, NotAllowed, "taken at a kiosk", service.pay, kiosk_shop, order.id, "self_checkout")
    refused(kiosk_shop, NotFound, "No kiosk 7", pay_at_kiosk, kiosk_shop, 7, order.id)


def test_a_kiosk_closed_mid_order_leaves_it_in_the_counter_queue(kiosk_shop: Store) -> None:
    screen = KioskSession(kiosk_shop, 1)
    screen.handle("SODA")
    assert screen.close() == ["Order 1 was not paid: it is in the counter queue."]
    assert [o.number for o in list_orders(kiosk_shop, counter_queue=True)] == [1]


# -- the CLI ------------------------------------------------------------------------------


def test_cli_kiosk_in_a_training_store(make_store, cli_for) -> None:
    from pos.store.catalog import add_item

    store = make_store("training.db", training=True)
    add_item(store, "SODA", "Soda 20oz", "2.49")
    cli = cli_for(store)
    cli.ok("kiosk", "setup", "1")
    assert '"offers_tip": false' in cli.ok("kiosk", "list", "--json").stdout
    out = cli.ok("kiosk", "run", "1", input="SODA\n2*SODA\ntip 1\npay\nSODA\ncash\nSODA\n").stdout
    assert out.startswith("TRAINING. Kiosk 1.")
    assert "3 items, total $8.13." in out and "Paid $8.13. Thank you! Your order number is 1." in out
    assert "no staff member would receive a tip" in out
    assert "Please see a cashier to pay cash: your order number is 2." in out
    assert "Order 3 was not paid: it is in the counter queue." in out  # end of input closes the kiosk
    out = cli.ok("order", "list", "--queue").stdout
    assert "pays at counter" in out and "2" in out and "3" in out


def test_cli_kiosk_bad_input_writes_nothing(cli) -> None:
    cli.fails("kiosk", "setup", "1", "--reader", "nope", says="not a Stripe Terminal reader")
    cli.fails("kiosk", "setup", "1", "--attendant", "Zed", says="No staff member")
    cli.fails("kiosk", "setup", "0", says="start at 1")
    cli.fails("kiosk", "run", "4", says="No kiosk 4")


def test_a_kiosk_tip_above_the_stores_share_is_refused_in_the_customers_words(kiosk_shop: Store) -> None:
    screen = KioskSession(kiosk_shop, 2)
    screen.handle("SODA")  # 2.71: 30% is 0.81
    assert screen.handle("tip 5") == [
        "A tip of $5.00 is more than we accept here for this total: add a smaller one, or none."]
    assert screen.handle("tip 0.50") == ["Tip $0.50 for Alice, added when you pay."]
    screen.handle("-")
    assert screen.handle("pay") == ["Scan your items first."]  # nothing left to pay for
    screen.handle("PIZZA-M")
    assert screen.handle("pay")[0] == "Paid $14.11. Thank you! Your order number is 1."
