"""What card brands and tax rules want on a receipt: how the card was read, its authorization code, and each
tax line's rate and taxable base, by the processor's own answer and the sale's own arithmetic."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from payments import service, wallet
from payments.base import order_payments
from pos.store.catalog import add_item, add_tax_category
from pos.store.taxes import edit_tax_category
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order, view
from pos.store.store import Store
from pos.sales.totals import LineInput, compute_totals
from receipts import model, pdf, text
from tests import stripe_schema
from tests.fake_stripe import FakeStripe

CARD_PRESENT = "Charge.PaymentMethodDetails.CardPresent"


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _charge_card(fake: FakeStripe, intent_id: str) -> dict:
    return fake.intents[intent_id]["latest_charge"]["payment_method_details"]["card_present"]


def _tapped_order(shop: Store, fake: FakeStripe, tender: str = "card") -> tuple[str, dict]:
    order = new_order(shop, "counter")
    add_line(shop, order.id, "PIZZA-M")
    result = service.pay(shop, order.id, tender)
    assert result.order_paid
    return order.id, _charge_card(fake, result.payment.processor_ref)


# -- the double answers as Stripe does ------------------------------------------------------


@pytest.mark.parametrize("read_method", sorted(stripe_schema.response_literals(CARD_PRESENT, "read_method")))
def test_the_fakes_card_present_is_what_stripe_sends(read_method: str) -> None:
    fake = FakeStripe()
    fake.intents["pi_x"] = {"id": "pi_x", "amount": 1361, "status": "requires_payment_method"}
    fake.read_next(read_method)
    fake.wallet_next("apple_pay")
    fake.authorize("pi_x")
    card = _charge_card(fake, "pi_x")
    assert stripe_schema.response_problems(card, CARD_PRESENT) == []
    assert card["read_method"] == read_method and len(card["receipt"]["authorization_code"]) == 6
    assert (card["receipt"]["application_cryptogram"] is None) == (not read_method.endswith("_emv"))


def test_the_fake_refuses_a_read_method_stripe_does_not_have() -> None:
    with pytest.raises(ValueError, match="no read_method 'tap'"):
        FakeStripe().read_next("tap")
    # The checker itself catches what the real API could not send.
    problems = stripe_schema.response_problems({"authorization_code": "1", "read_method": "tap", "receipt": {"pin": 1}},
                                               CARD_PRESENT)
    assert len(problems) == 3, problems


def test_an_online_cards_answer_is_what_stripe_sends(shop: Store, fake: FakeStripe) -> None:
    order = new_order(shop, "phone")
    add_line(shop, order.id, "PIZZA-M")
    sent = wallet.send_link(shop, order.id)
    fake.pay_session(sent.payment.processor_ref)
    paid = wallet.check_link(shop, order.id)
    intent = fake.intents[paid.payment.details["payment_intent"]]
    card = intent["latest_charge"]["payment_method_details"]["card"]
    assert stripe_schema.response_problems(card, "Charge.PaymentMethodDetails.Card") == []
    # An online card's code is on the card itself (no reader, no read method).
    assert paid.payment.details["authorization_code"] == card["authorization_code"]
    assert "read_method" not in paid.payment.details


# -- entry method and authorization code ------------------------------------------------------


def test_a_tapped_card_shows_its_entry_method_and_authorization_code(shop: Store, fake: FakeStripe) -> None:
    order_id, card = _tapped_order(shop, fake)
    code = card["receipt"]["authorization_code"]
    (payment,) = order_payments(shop, order_id)
    # Kept with the payment's other card details; never the chip's data, the expiry or the fingerprint.
    assert (payment.details["authorization_code"], payment.details["read_method"]) == (code, "contactless_emv")
    assert not {"exp_month", "exp_year", "fingerprint", "receipt", "application_cryptogram"} & set(payment.details)
    receipt = model.build(shop, order_id)
    wide = text.render(receipt, 80)
    assert f"Card (VISA ...4242): Contactless,\n  auth code {code}\n" in wide
    narrow = text.render(receipt, 58)
    assert "Contactless," in narrow and f"auth code {code}" in narrow
    assert f"Contactless,\n  auth code {code}" in pdf_text(pdf.render(receipt, 80))


@pytest.mark.parametrize(("read_method", "words"), [("contact_emv", "Chip"), ("magnetic_stripe_track2", "Swiped"),
                                                     ("magnetic_stripe_fallback", "Swiped (chip not read)"),
                                                     ("contactless_magstripe_mode", "Contactless")])
def test_chip_and_swipe_are_told_apart(shop: Store, fake: FakeStripe, read_method: str, words: str) -> None:
    fake.read_next(read_method)
    order_id, card = _tapped_order(shop, fake)
    shown = " ".join(text.render(model.build(shop, order_id), 80).split())
    assert f"Card (VISA ...4242): {words}, auth code {card['receipt']['authorization_code']}" in shown


def test_a_phone_wallet_is_named_as_the_entry_method(shop: Store, fake: FakeStripe) -> None:
    fake.wallet_next("apple_pay")
    order_id, card = _tapped_order(shop, fake, "wallet")
    shown = " ".join(pdf_text(pdf.render(model.build(shop, order_id), 80)).split())
    assert f"Contactless (Apple Pay), auth code {card['receipt']['authorization_code']}" in shown


def test_cash_has_no_card_note(shop: Store) -> None:
    order = new_order(shop, "counter")
    add_line(shop, order.id, "SODA")
    service.pay(shop, order.id, "cash", "5")
    assert "auth code" not in text.render(model.build(shop, order.id), 80)


# -- tax rate and taxable base ----------------------------------------------------------------


def test_a_tax_line_shows_its_rate_and_taxable_base(store: Store) -> None:
    add_tax_category(store, "food", "8.875", "Prepared food")
    add_tax_category(store, "grocery", "0", "Groceries")
    add_item(store, "TRAY", "Party tray", "40.00", tax_category="food")
    add_item(store, "MILK", "Milk", "3.20", tax_category="grocery")
    order = new_order(store, "counter")
    add_line(store, order.id, "TRAY")
    add_line(store, order.id, "MILK")
    add_line(store, order.id, "SODA")
    service_cash(store, order.id)
    shown = text.render(model.build(store, order.id), 80)
    assert "Tax Prepared food 8.875% on $40.00" in shown and "$3.55" in shown  # 40.00 x 8.875% = 3.55
    assert "Tax Groceries 0% on $3.20" in shown
    assert "Tax Standard 8.875% on $2.49" in shown
    assert "Tax Prepared food 8.875% on $40.00" in pdf_text(pdf.render(model.build(store, order.id), 80))


def service_cash(store: Store, order_id: str) -> None:
    from pos.cash.drawer import open_drawer

    open_drawer(store, 1, "100")
    service.pay(store, order_id, "cash", "100")


def test_the_base_is_after_discounts_and_a_changed_rate_keeps_its_own_line(store: Store) -> None:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M", 2)  # 25.00
    add_discount(store, order.id, "10%", "first visit")  # 22.50 left
    # The rate changes from today while the order is open: lines keep the rate they were rung at (pos.store.taxes).
    edit_tax_category(store, "standard", rate_text="9.25")
    add_line(store, order.id, "SODA")  # 2.49 at 9.25%
    service_cash(store, order.id)
    receipt = model.build(store, order.id)
    rows = [row for row in receipt.sums if row.label.startswith("Tax")]
    t = view(store, order.id).totals
    assert [r.label.replace(model.NO_BREAK, " ") for r in rows] == [
        "Tax Standard 8.875% on $22.50", "Tax Standard 9.25% on $2.24"]
    # The groups are the sale's own figures: they add up to its tax, and the bases to what was taxed.
    assert sum(int(r.amount.strip("$").replace(".", "")) for r in rows) == t.tax_minor
    assert 2250 + 224 == sum(lt.net_minor for lt in t.lines)


def test_a_tax_inclusive_store_shows_the_base_without_the_tax(make_store) -> None:
    store = make_store("vat.db", currency="EUR", locale="de_DE", tax_included=True, tax_rate="19",
                       timezone="Europe/Berlin")
    add_item(store, "KAFFEE", "Kaffee", "3,57")
    order = new_order(store, "counter")
    add_line(store, order.id, "KAFFEE", 5)  # 17,85 with 2,85 of tax in it
    service_cash(store, order.id)
    shown = text.render(model.build(store, order.id), 80)
    assert "Tax Standard 19 % on 15,00 € (included)" in shown.replace("\u00a0", " ") and "2,85" in shown


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5000), st.sampled_from(["a", "b"]),
                          st.sampled_from([Decimal("0"), Decimal("8.875"), Decimal("20")])), min_size=1, max_size=8),
       st.booleans())
def test_tax_groups_add_up_to_the_sales_tax(lines: list, included: bool) -> None:
    inputs = [LineInput(no, qty, price, cat, rate) for no, (qty, price, cat, rate) in enumerate(lines, 1)]
    totals = compute_totals(inputs, [], included)
    groups = model.tax_groups(inputs, totals)
    for category, tax in totals.tax_by_category.items():
        assert sum(g.tax_minor for g in groups if g.category == category) == tax
    net = sum(lt.net_minor for lt in totals.lines)
    assert sum(g.base_minor for g in groups) == (net - totals.tax_minor if included else net)


def test_a_store_with_no_tax_prints_no_tax_line(make_store, cli_for) -> None:
    """Issue 23: a store with no tax printed "Tax Standard 0% $0.00" on its receipts."""
    from freezegun import freeze_time

    from pos.cash.drawer import open_drawer

    untaxed = make_store("untaxed.db", tax_rate="0")
    add_item(untaxed, "SODA", "Soda 20oz", "2.49")
    add_tax_category(untaxed, "alcohol", "10", "Alcohol")
    add_item(untaxed, "BEER", "Lager", "5.00", "alcohol")
    with freeze_time("2026-11-23 17:00:00"):
        open_drawer(untaxed, 1, "100")
        plain = new_order(untaxed, "counter")
        add_line(untaxed, plain.id, "SODA", 2)
        service.pay(untaxed, plain.id, "cash", "10")
        mixed = new_order(untaxed, "counter")
        add_line(untaxed, mixed.id, "SODA")
        add_line(untaxed, mixed.id, "BEER")
        service.pay(untaxed, mixed.id, "cash", "10")
        shown = cli_for(untaxed).ok("order", "show", "1").stdout
        shown_mixed = cli_for(untaxed).ok("order", "show", "2").stdout
    for width in (80, 58):
        receipt = text.render(model.build(untaxed, plain.id), width)
        assert "Tax" not in receipt and "0%" not in receipt, receipt
        assert "Subtotal" in receipt and "TOTAL" in receipt
    assert "Tax" not in pdf_text(pdf.render(model.build(untaxed, plain.id), 80))
    assert "Tax" not in shown and "Total $4.98" in shown
    both = text.render(model.build(untaxed, mixed.id), 80)  # beside a taxed line, the 0% base is part of the breakdown
    assert "Tax Alcohol 10% on $5.00" in both and "Tax Standard 0% on $2.49" in both, both
    assert "Tax alcohol $0.50" in shown_mixed
