"""No card number, expiry or CVC is ever kept: a run with Stripe's test cards, then a grep of everything written.

The run goes through the CLI, as a cashier would, against the fake Stripe
API: taps with several test card numbers (approved, declined), a phone
wallet, a payment link paid online, a refund, and the listings a cashier
prints.  Then the database file (with its WAL), everything the commands
printed and every log record are searched for the numbers, the expiry the
API sent back, and anything that looks like a CVC.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from pos.store.store import Store
from tests.fake_stripe import TEST_CARDS, FakeStripe

FORBIDDEN = [re.compile(p) for p in (
    *(re.escape(number) for number in TEST_CARDS),
    # The fake's expiry years are far from any date a test runs on, so a timestamp never looks like one.
    r"exp_(month|year)\W+\d", r"\b20(89|97)\b", r"\b(12|08)/(89|97)\b", r"(?i)\bcvc\b", r"fpFAKE",
)]


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    """Midday in the store's New York: the run names its orders by number, and the business day must not
    roll over between ringing order 4 and paying it (CI runs the suite with the clock 30 s before 04:00)."""
    with freeze_time("2026-01-15 17:00:00", tick=True):
        yield


def test_a_run_with_test_cards_leaves_no_card_data_anywhere(
    shop: Store, fake: FakeStripe, cli_for, monkeypatch, caplog, tmp_path: Path
) -> None:
    from pos.sales.orders import add_line, new_order

    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_fake")
    monkeypatch.setenv("POS_STRIPE_API_BASE", fake.base)
    cli = cli_for(shop)
    for _ in range(5):
        add_line(shop, new_order(shop, "phone").id, "PIZZA-M")
    printed: list[str] = []

    def run(*args: str, card: str | None = None) -> None:
        if card:
            monkeypatch.setenv("POS_STRIPE_TEST_CARD", card)
        else:
            monkeypatch.delenv("POS_STRIPE_TEST_CARD", raising=False)
        result = cli(*args)
        printed.append(result.output)

    caplog.set_level(logging.DEBUG)
    run("pay", "1", "card", card="5555555555554444")
    run("pay", "2", "card", card="4000000000009995")  # declined: insufficient funds
    run("pay", "2", "card", "5.00", card="4000000000000069")  # declined: expired card
    run("pay", "2", "card", card="4242424242424242")
    fake.wallet_next("apple_pay")
    run("pay", "3", "wallet", card="4242424242424242")
    run("pay", "4", "link")
    fake.pay_session(next(iter(fake.sessions)))
    run("pay", "4", "link", "--check")
    run("refund", "1", "--amount", "2.00", "--reason", "cold")
    for order in ("1", "2", "3", "4"):
        run("order", "show", order)
        run("payments", "list", order, "--json")
    run("payments", "recover")
    joined = "\n".join(printed)
    # The run did what it says: approvals, declines in the cashier's words, a wallet, a link.
    assert "insufficient funds" in joined and "has expired" in joined
    assert "mastercard ...4444" in joined and '"state": "captured"' in joined
    places = {"printed": joined, "logs": "\n".join(r.getMessage() for r in caplog.records)}

    def files(when: str) -> None:
        for path in Path(shop.path).parent.glob(Path(shop.path).name + "*"):  # the file, its -wal and -shm
            places[f"{path.name} ({when})"] = path.read_bytes().decode("latin-1")

    files("open")
    shop.close()  # checkpoints the WAL into the file
    files("closed")
    assert {"pos.db (open)", "pos.db-wal (open)", "pos.db (closed)"} <= set(places)
    # The SDK's debug log did carry the test numbers and the expiry: our filter took them out.
    assert "[card number removed]" in places["logs"] and '"exp_year": "[removed]"' in places["logs"]
    for where, text in places.items():
        for pattern in FORBIDDEN:
            match = pattern.search(text)
            assert match is None, f"{pattern.pattern!r} found in {where}: ...{text[max(0, match.start() - 40):match.end() + 40]}..."


@pytest.mark.parametrize("number", sorted(TEST_CARDS))
def test_the_fake_really_sends_what_we_must_drop(number: str) -> None:
    """Guard against a grep that passes because nothing was there to find."""
    fake = FakeStripe()
    fake.intents["pi_x"] = {"id": "pi_x", "amount": 100, "status": "requires_payment_method"}
    fake.authorize("pi_x", number=number)
    charge = fake.intents["pi_x"].get("latest_charge")
    if charge is None:  # a declining test card
        assert fake.intents["pi_x"]["last_payment_error"]["decline_code"] == TEST_CARDS[number][1]
        return
    card = charge["payment_method_details"]["card_present"]
    assert card["exp_year"] == 2089 and card["fingerprint"] and card["last4"] == number[-4:]
