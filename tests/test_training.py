"""The training processor: card and wallet payments with no network, every outcome on purpose."""

from __future__ import annotations

import pytest

from payments import service
from payments.base import DeclineReason, PaymentState, order_payments
from payments.refunds import refund
from payments.training import ACCOUNT, fee_minor
from pos.books import ledger
from pos.books import journal_check
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.base.errors import NotAllowed, ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import OrderStatus, resolve
from pos.store.store import Store


@pytest.fixture
def training(make_store) -> Store:
    store = make_store(training=True)
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")  # 12.50 + 1.11 tax = 13.61
    open_drawer(store, 1, "100")
    return store


def order(store: Store):
    o = new_order(store, "counter")
    add_line(store, o.id, "PIZZA-M")
    return o


def balance(store: Store, account: str) -> int:
    return ledger.balances(store, prefix=account).get((account, "USD"), 0)


def test_only_a_training_store_uses_it(store: Store) -> None:
    o = order(store)
    with pytest.raises(NotAllowed, match="Stripe is not set up"):
        service.pay(store, o.id, "card")
    assert order_payments(store, o.id) == []


@pytest.mark.parametrize("kind", ["card", "wallet"])
def test_approved_card_books_the_money_and_the_fee(training: Store, kind: str) -> None:
    o = order(training)
    result = service.pay(training, o.id, kind)
    assert result.outcome.approved and result.order_paid
    assert result.payment.tender.value == kind and result.payment.state is PaymentState.CAPTURED
    assert result.payment.details["last4"] == "4242"
    fee = fee_minor(1361)  # 1361 x 2.9% = 39.469 -> 39, + 30 = 69
    assert fee == 69
    assert balance(training, ACCOUNT) == 1361 - 69
    assert balance(training, "expenses:card-fees") == 69
    assert journal_check.verify(training).problem is None


@pytest.mark.parametrize(("amount", "reason"), [("10.51", DeclineReason.INSUFFICIENT_FUNDS),
                                                ("10.52", DeclineReason.CARD_DECLINED),
                                                ("10.53", DeclineReason.EXPIRED_CARD),
                                                ("10.54", DeclineReason.FRAUD_SUSPECTED)])
def test_declines_keep_the_order_open_and_earlier_payments(training: Store, amount: str, reason: DeclineReason) -> None:
    o = order(training)
    service.pay(training, o.id, "cash", "1")
    result = service.pay(training, o.id, "card", amount)
    assert not result.outcome.approved and result.outcome.reason is reason
    assert [p.state for p in order_payments(training, o.id)] == [PaymentState.CAPTURED, PaymentState.DECLINED]
    assert result.due_after_minor == 1261
    assert resolve(training, o.id).status is OrderStatus.OPEN
    assert balance(training, ACCOUNT) == 0


def test_outage_when_authorizing_is_recorded_and_raised(training: Store) -> None:
    o = order(training)
    with pytest.raises(ProcessorUnavailable, match="unavailable"):
        service.pay(training, o.id, "card", "5.91")
    assert [p.state for p in order_payments(training, o.id)] == [PaymentState.FAILED]
    assert service.recover(training) == []
    assert balance(training, ACCOUNT) == 0


def test_outage_when_capturing_is_recovered_once(training: Store) -> None:
    o = order(training)
    with pytest.raises(ProcessorUnavailable, match="kept as authorized"):
        service.pay(training, o.id, "card", "5.92")
    assert [p.state for p in order_payments(training, o.id)] == [PaymentState.AUTHORIZED]
    assert [r.action for r in service.recover(training)] == ["captured and recorded"]
    assert service.recover(training) == []
    assert balance(training, ACCOUNT) == 592 - fee_minor(592)
    assert balance(training, "expenses:card-fees") == fee_minor(592)
    assert journal_check.verify(training).problem is None


def test_split_card_and_cash_then_refund_to_each(training: Store) -> None:
    o = order(training)
    service.pay(training, o.id, "card", "10.00")
    last = service.pay(training, o.id, "cash", "5")
    assert last.order_paid and last.payment.change_minor == 500 - 361
    result = refund(training, o.id, None, "wrong pizza")  # back to the card first (issue 23), then the cash
    assert [(part.tender, part.amount_minor) for part in result.parts] == [("card", 1000), ("cash", 361)]
    assert resolve(training, o.id).status is OrderStatus.REFUNDED
    # The card money left the clearing account; the fee stays an expense.
    assert balance(training, ACCOUNT) == 1000 - fee_minor(1000) - 1000
    assert balance(training, "expenses:card-fees") == fee_minor(1000)
    assert balance(training, "income:sales") == 0
    assert journal_check.verify(training).problem is None


def test_cli_says_training(make_store, tmp_path) -> None:
    from tests.conftest import Cli

    cli = Cli(tmp_path / "t.db")
    cli.ok("init", "--name", "Practice", "--timezone", "UTC", "--training")
    cli.ok("item", "add", "A", "Thing", "5.00")
    cli.ok("order", "new")
    cli.ok("order", "add", "1", "A")
    assert cli.ok("order", "show", "1").stdout.startswith("TRAINING\n")
    assert "TRAINING: no real money moved." in cli.ok("pay", "1", "card").stdout
    assert "training" not in cli.ok("config", "show").stdout  # no option can turn a real store into one
