"""Every Stripe SDK error class, raised at every gateway call: nothing escapes as a traceback, and no payment
row is left saying something Stripe contradicts (a row `authorized` after a card error at capture, a row
`failed` while Stripe holds the money...).

The classes are enumerated from ``stripe._error`` (and whatever else subclasses ``StripeError``) at test
time, so an SDK upgrade that adds one is covered without a change here.  Each error goes through the real
mapping (``StripeGateway.call``, ``payments.stripe.errors.translate``); the other calls of the flow go to
the stricter double on 127.0.0.1.  After the faulty run, ``pos payments recover`` (with Stripe answering
again) must leave every payment finished and agreeing with Stripe.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

import pytest

from payments import service, wallet
from payments.base import PaymentState, order_payments
from payments.stripe.errors import Declined, translate
from payments.stripe.gateway import StripeGateway, StripeSettings
from pos.base import faults
from pos.base.errors import AnytenderError, ProcessorUnavailable
from pos.sales.orders import add_line, new_order
from pos.store.store import Store
from tests.fake_stripe import FakeStripe


def stripe_error_classes() -> list[type]:
    import stripe
    import stripe._error as sdk_errors

    found: dict[str, type] = {}
    pending = [stripe.StripeError]
    while pending:
        cls = pending.pop()
        found.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
        pending.extend(cls.__subclasses__())
    for _, cls in inspect.getmembers(sdk_errors, inspect.isclass):
        if issubclass(cls, stripe.StripeError):
            found.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    return [found[name] for name in sorted(found)]


def make_error(cls: type) -> Exception:
    """An instance of any SDK error class, whatever its constructor asks for."""
    import stripe

    kwargs: dict[str, Any] = {}
    for name, param in list(inspect.signature(cls.__init__).parameters.items())[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.default is not param.empty:
            continue
        kwargs[name] = "Something went wrong at Stripe (sk_test_0123456789abcdef)" if name == "message" else None
    if issubclass(cls, stripe.CardError):
        kwargs.update(code="card_declined", json_body={"error": {
            "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
            "message": "Your card was declined."}})
    return cls(**kwargs)  # type: ignore[no-any-return]


ERRORS = stripe_error_classes()


def test_every_error_class_maps_onto_a_decline_or_processor_unavailable() -> None:
    import stripe

    assert stripe.CardError in ERRORS and stripe.SignatureVerificationError in ERRORS and len(ERRORS) > 20
    for cls in ERRORS:
        mapped = translate(make_error(cls))
        assert isinstance(mapped, (Declined, ProcessorUnavailable)), cls
        assert "sk_test_" not in str(mapped), cls  # Stripe's message may quote the key: ours never does
    assert isinstance(translate(make_error(stripe.CardError)), Declined)


# -- each gateway call, in the flow that makes it ------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeStripe]:
    shared = FakeStripe().start()
    yield shared
    shared.stop()


@pytest.fixture
def fake(server: FakeStripe) -> Iterator[FakeStripe]:
    server.reset()
    yield server
    faults.clear()


def pizza(store: Store, channel: str = "counter") -> Any:
    order = new_order(store, channel)
    add_line(store, order.id, "PIZZA-M")  # 13.61
    return order


def slow_reader(store: Store, fake: FakeStripe) -> None:
    """No simulated tap, and the cashier presses Ctrl-C while the register waits: the cancel path."""
    settings = StripeSettings("sk_test_fake", fake.base, 1, 2, 0, simulate_tap=False, card_wait_s=2)
    store.memo["stripe_settings"] = lambda: settings
    store.memo.pop("stripe_gateway", None)

    def ctrl_c(elapsed_s: int) -> None:
        raise KeyboardInterrupt

    store.memo["on_card_wait"] = ctrl_c


def pay_card(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    order = pizza(store)
    break_it()
    service.pay(store, order.id, "card")


def ctrl_c_on_the_reader(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    slow_reader(store, fake)
    order = pizza(store)
    break_it()
    service.pay(store, order.id, "card")


def refund_a_card(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    from payments.refunds import refund

    order = pizza(store)
    service.pay(store, order.id, "card")
    break_it()
    refund(store, order.id, "5.00", "cold")


def recover_an_interrupted_refund(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    """Stripe refunded, the register died before the books: recover looks for our refund before sending it."""
    from payments.refunds import refund

    order = pizza(store)
    service.pay(store, order.id, "card")
    faults.on("refund.before_journal", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        refund(store, order.id, "5.00", "cold")
    faults.clear()
    break_it()
    service.recover(store)


def recover_a_refund_failed_later(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    """A refund paid back, then failed at Stripe with no webhook: recover lists the failures to find it."""
    from payments.refunds import refund

    order = pizza(store)
    service.pay(store, order.id, "card")
    refund(store, order.id, "5.00", "cold")
    fake.settle_refund(next(iter(fake.refunds)), "failed")
    break_it()
    service.recover(store)


def recover_a_lost_intent(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    order = pizza(store)
    faults.on("payment.authorized", lambda: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        service.pay(store, order.id, "card")
    faults.clear()
    store.conn.execute("UPDATE payments SET processor_ref = NULL")  # as if the crash came before the save
    break_it()
    service.recover(store)


def links(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    order = pizza(store, "phone")
    break_it()
    try:
        wallet.send_link(store, order.id)
        wallet.check_link(store, order.id)
        wallet.cancel_link(store, order.id)
    finally:
        other = pizza(store, "phone")
        try:
            wallet.send_link(store, other.id)
        except AnytenderError:
            pass
        ids = [s["id"] for s in fake.sessions.values() if s["status"] == "open"]
        if ids:
            fake.pay_session(ids[-1])
        store.conn.execute("UPDATE payments SET processor_ref = NULL WHERE order_id = ?", (other.id,))
        service.recover(store)


def settle_the_day(store: Store, fake: FakeStripe, break_it: Callable[[], None]) -> None:
    from payments.stripe.settlement import settlement_for
    from pos.store.clock import business_day
    from pos.store.store import utc_now

    service.pay(store, pizza(store).id, "card")
    break_it()
    settlement_for(store, business_day(utc_now(), store.settings))


# Each gateway call that reaches Stripe, and a flow that makes it.
CALLS: dict[str, Callable[[Store, FakeStripe, Callable[[], None]], None]] = {
    "create_intent": pay_card,
    "process_on_reader": pay_card,
    "present_test_card": pay_card,
    "retrieve_intent": pay_card,
    "capture_intent": pay_card,
    "retrieve_reader": ctrl_c_on_the_reader,
    "cancel_reader_action": ctrl_c_on_the_reader,
    "cancel_intent": ctrl_c_on_the_reader,
    "refund": refund_a_card,
    "find_refund": recover_an_interrupted_refund,
    "failed_refund_ids": recover_a_refund_failed_later,
    "find_intent": recover_a_lost_intent,
    "create_checkout": links,
    "retrieve_checkout": links,
    "expire_checkout": links,
    "find_checkout": links,
    "balance_transactions": settle_the_day,
}


def test_every_gateway_call_is_covered() -> None:
    source = inspect.getsource(StripeGateway)
    calls = {name for name, fn in inspect.getmembers(StripeGateway, inspect.isfunction)
             if not name.startswith("_") and name not in ("call", "call_may_decline")
             and "self.call" in inspect.getsource(fn)}
    assert calls == set(CALLS), "a new gateway call needs a flow in CALLS"
    assert source.count("self.client.") >= len(CALLS)


def agrees_with_stripe(store: Store, fake: FakeStripe, finished: bool) -> None:
    """No card payment row says something Stripe contradicts; ``finished``: none is left half-way."""
    by_payment = {i["metadata"].get("payment_id"): i for i in fake.intents.values()}
    for row in store.all("SELECT id FROM payments WHERE tender != 'cash'"):
        (payment,) = [p for p in _all_payments(store) if p.id == row["id"]]
        intent = by_payment.get(payment.id)
        if payment.tender.value == "link":
            session = next((s for s in fake.sessions.values() if s["metadata"].get("payment_id") == payment.id), None)
            paid = session is not None and session["payment_status"] == "paid"
            if payment.state in (PaymentState.DECLINED, PaymentState.VOIDED, PaymentState.FAILED):
                assert not paid, (payment.state, session)
            if payment.state is PaymentState.CAPTURED:
                assert paid
            if finished and payment.state is PaymentState.REQUESTED:
                assert session is not None and not paid and session["status"] == "open"  # still waiting: fine
            continue
        status = intent["status"] if intent else None
        on_reader = any(a.get("status") == "in_progress" and a["process_payment_intent"]["payment_intent"] ==
                        (intent or {}).get("id") for a in fake.readers.values())
        if payment.state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED):
            assert status == "succeeded", (payment.state, status)
        elif payment.state in (PaymentState.DECLINED, PaymentState.VOIDED, PaymentState.FAILED):
            # Nothing taken, nothing held, nothing a customer could still tap.
            # (A reader still showing a canceled intent is harmless: a tap on it cannot be charged.)
            assert status == "canceled" or (status in (None, "requires_payment_method") and not on_reader), (
                payment.state, status, on_reader)
        else:
            assert not finished, (payment.state, status)
    booked = sum(r["amount_minor"] + r["tip_minor"] for r in store.all(
        "SELECT amount_minor, tip_minor FROM refunds WHERE state IN ('completed', 'pending')"))
    given_back = sum(r["amount"] for r in fake.refunds.values() if r["status"] in ("pending", "succeeded"))
    if finished:  # a refund that failed at Stripe is not one the books hold as given back
        assert booked == given_back
    else:  # a failure not learnt yet leaves the books holding more, never a refund they do not know of
        assert booked <= sum(r["amount"] for r in fake.refunds.values())


def _all_payments(store: Store) -> list[Any]:
    orders = [r["id"] for r in store.all("SELECT id FROM orders")]
    return [p for order in orders for p in order_payments(store, order)]


@pytest.mark.parametrize("error_class", ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_an_error_at_any_call_is_an_outcome_or_unavailable_and_leaves_no_row_wrong(
        shop: Store, fake: FakeStripe, monkeypatch: pytest.MonkeyPatch, call: str, error_class: type) -> None:
    error = make_error(error_class)
    original = getattr(StripeGateway, call)
    mapped_by = "call_may_decline" if "call_may_decline" in inspect.getsource(original) else "call"

    def failing(self: StripeGateway, *args: Any, **kwargs: Any) -> Any:
        def raise_it(*_: Any, **__: Any) -> Any:
            raise error

        return getattr(self, mapped_by)(raise_it)

    def break_it() -> None:
        monkeypatch.setattr(StripeGateway, call, failing)

    try:
        CALLS[call](shop, fake, break_it)
    except AnytenderError:
        pass  # said to the cashier in their words: what the CLI prints, exit 1
    monkeypatch.setattr(StripeGateway, call, original)
    faults.clear()
    shop.memo.pop("on_card_wait", None)
    agrees_with_stripe(shop, fake, finished=False)
    service.recover(shop)  # Stripe answers again
    agrees_with_stripe(shop, fake, finished=True)
