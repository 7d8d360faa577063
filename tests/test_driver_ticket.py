"""The driver's ticket (issue 23, item 8): what a driver needs at the door, printed when the delivery goes out.

``pos delivery dispatch N --driver Dave --ticket`` (text, 58 or 80 mm) or ``--pdf FILE``, and again with
``pos receipt N --ticket``: the customer's name, address, phone and note, the time promised, the items
with their quantities, the total and what to collect, how the customer pays (cash at the door, paid
already, part paid) and the change to bring in the store's notes and coins.  A delivery paid before it
goes out (by link) goes out too, with nothing to collect.

A training store (cards and links go to the built-in training processor), in New York; PIZZA-M $12.50
and SODA $2.49 at 8.875%: 2 x PIZZA-M + SODA is 27.49 + 2.44 tax = $29.93.
"""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from conftest import Cli
from payments import cod, service, wallet
from payments.change import suggest_change
from pos.store import config
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.base.errors import Conflict, InvalidInput, NotAllowed
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, start_shift
from pos.store.store import Store
from receipts import ticket as tickets
from receipts import text as receipt_text
from tests.helpers import refused

NOON = "2026-11-23 17:00:00"  # 12:00 in New York


@pytest.fixture(autouse=True)
def _noon() -> Iterator[None]:
    with freeze_time(NOON):
        yield


@pytest.fixture
def crew(make_store: Any) -> Store:
    store = make_store("ticket.db", training=True, address="12 Main Street")
    add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
    add_item(store, "SODA", "Soda 20oz", "2.49")
    add_staff(store, "Alice", "cashier", "2580")
    add_staff(store, "Dave Jones", "driver", "2580")
    for name in ("Alice", "Dave Jones"):
        start_shift(store, name)
    open_drawer(store, 1, "100")
    return store


@pytest.fixture
def cli(crew: Store) -> Cli:
    return Cli(crew.path)


def sam(cli: Cli, *extra: str) -> None:
    """Order #1: Sam's delivery of 2 pizzas and a soda, $29.93, promised for 12:45."""
    cli.ok("order", "new", "--channel", "delivery", "--name", "Sam Lee", "--phone", "555-0100", "--address",
           "4 Elm Street, apt 2", "--note", "ring twice, dog in the yard", "--ready", "12:45", *extra)
    cli.ok("order", "add", "1", "PIZZA-M", "--qty", "2")
    cli.ok("order", "add", "1", "SODA")


def plain_sam(cli: Cli) -> None:
    """Sam's order #1 rung with the options there were before the ticket: no note, no promise."""
    cli.ok("order", "new", "--channel", "delivery", "--name", "Sam Lee", "--phone", "555-0100", "--address",
           "4 Elm Street")
    cli.ok("order", "add", "1", "PIZZA-M", "--qty", "2")
    cli.ok("order", "add", "1", "SODA")


def flat(text: str) -> str:
    """The ticket's words on one line, spaces squeezed (what wraps where is the goldens' business)."""
    return " ".join(text.split())


# -- the replay: the ticket printed at dispatch says everything the driver needs --------------------


def test_replay_a_delivery_goes_out_with_a_drivers_ticket_not_a_receipt(cli: Cli) -> None:
    """As the issue found it: a delivery rung with only the options of before, dispatched; the driver needs a
    ticket with the customer, the amount to collect and the change, printed at dispatch."""
    plain_sam(cli)
    out = flat(cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--ticket").stdout)
    for words in ("Sam Lee", "4 Elm Street", "Phone 555-0100", "2 x Margherita 12in", "1 x Soda 20oz",
                  "COLLECT CASH $29.93"):
        assert words in out, (words, out)


def test_the_ticket_printed_at_dispatch_has_everything_the_driver_needs(crew: Store, cli: Cli) -> None:
    sam(cli)
    out = cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "50", "--ticket").stdout
    said = flat(out)
    for words in ("Out for delivery with Dave Jones: collect $29.93.", "DRIVER'S TICKET", "Test Pizza",
                  "Order 2026-11-23/1", "Out with Dave at 12:00", "DELIVERY BY 12:45", "Sam Lee",
                  "4 Elm Street, apt 2", "Phone 555-0100", "Note: ring twice, dog in the yard",
                  "2 x Margherita 12in", "1 x Soda 20oz", "Order total $29.93", "COLLECT CASH $29.93",
                  "Customer pays with $50.00", "CHANGE TO BRING $20.07", "1 x $20.00, 1 x $0.05, 2 x $0.01"):
        assert words in said, (words, out)
    assert "PAID" not in said
    # The change is the project's one change computation, with the store's own notes and coins.
    assert suggest_change(2007, config.denominations(crew)) == [(2000, 1), (5, 1), (1, 2)]


def test_the_change_is_made_of_the_stores_own_notes_and_coins(cli: Cli) -> None:
    sam(cli)
    cli.ok("config", "set", "cash.denominations", "100,20,10,5,1,0.25,0.10,0.05,0.01")  # no $50 notes in this store
    out = flat(cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "100", "--ticket").stdout)
    assert "CHANGE TO BRING $70.07" in out and "3 x $20.00, 1 x $10.00, 1 x $0.05, 2 x $0.01" in out, out


def test_part_paid_by_card_collects_the_rest(cli: Cli) -> None:
    sam(cli)
    cli.ok("pay", "1", "card", "10")
    out = flat(cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--ticket").stdout)
    assert "Paid: Card (VISA ...4242) $10.00" in out and "PART PAID, COLLECT CASH $19.93" in out, out
    assert "CHANGE TO BRING" not in out  # the customer did not say what they pay with


def test_a_delivery_paid_by_link_goes_out_with_nothing_to_collect(crew: Store, cli: Cli) -> None:
    plain_sam(cli)
    wallet.send_link(crew, 1)
    wallet.check_link(crew, 1)  # the training processor: paid
    out = cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--ticket").stdout
    said = flat(out)
    assert said.startswith("Out for delivery with Dave Jones: paid already, collect nothing.")
    assert "PAID - COLLECT NOTHING" in said and "Paid by link" in said and "$29.93" in said, out
    assert "COLLECT CASH" not in said and "CHANGE" not in said
    listed = json.loads(cli.ok("order", "list", "--channel", "delivery", "--json").stdout)
    assert listed[0]["delivery"] == {"state": "out for delivery", "driver": "Dave Jones"}
    assert "paid, collect nothing" in cli.ok("driver", "cash", "Dave Jones").stdout
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", says="already out for delivery with Dave Jones")
    cli.fails("delivery", "collect", "1", "20", says="nothing to collect")
    entries = crew.scalar("SELECT count(*) FROM journal_entries")
    assert cli.ok("delivery", "collect", "1").stdout == "Delivered order #1: it was paid already, nothing collected.\n"
    assert crew.scalar("SELECT count(*) FROM journal_entries") == entries  # no money moved at the door
    assert json.loads(cli.ok("order", "list", "--channel", "delivery", "--json").stdout)[0]["delivery"] == {
        "state": "delivered", "driver": "Dave Jones"}
    assert "Delivered by Dave (out at 12:00)" in cli.ok("receipt", "1", "--ticket", "--reprint").stdout


def test_a_paid_delivery_that_fails_stays_paid_and_goes_out_again(crew: Store, cli: Cli) -> None:
    plain_sam(cli)
    wallet.send_link(crew, 1)
    wallet.check_link(crew, 1)
    cod.send_out(crew, 1, "Dave Jones")
    assert cli.ok("delivery", "fail", "1", "--reason", "nobody home").stdout == (
        "Delivery failed (nobody home): order #1 stays paid; send it out again, or refund it.\n")
    assert "Failed with Dave: nobody home" in flat(cli.ok("receipt", "1", "--ticket").stdout)
    assert cod.delivery_status(crew, crew.one("SELECT id FROM orders")[0]).state is cod.DeliveryState.FAILED
    refused(crew, InvalidInput, "nothing to collect and no change to bring", cod.send_out, crew, 1, "Dave Jones",
            pays_with="50")
    assert cod.send_out(crew, 1, "Dave Jones").collect_minor == 0


def test_a_cash_delivery_collected_without_an_amount_is_exactly_what_is_due(cli: Cli) -> None:
    plain_sam(cli)
    cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones")
    assert cli.ok("delivery", "collect", "1").stdout == "Collected $29.93: change $0.00.\n"


# -- reprints, widths, PDF, JSON ---------------------------------------------------------------


@pytest.mark.parametrize("width_mm", [58, 80])
def test_the_ticket_fits_the_paper_and_wraps_between_words(crew: Store, cli: Cli, width_mm: int) -> None:
    sam(cli, "--pays-with", "100")
    cli.ok("order", "set", "1", "--address", "Apartment 12B, The Very Long Name Building, 1200 North Eastern "
           "Boulevard, Springfield")
    cod.dispatch(crew, 1, "Dave Jones")
    out = cli.ok("receipt", "1", "--ticket", "--width", str(width_mm)).stdout
    width = receipt_text.columns(width_mm)
    assert max(len(line) for line in out.splitlines()) <= width
    assert "Boulevard," in out.split() and "Springfield" in out.split()  # whole words
    assert any(line.startswith("COLLECT CASH") and line.endswith("$29.93") and len(line) == width
               for line in out.splitlines())


def test_the_pdf_ticket_shows_the_same_lines_on_the_roll(cli: Cli, tmp_path: Path) -> None:
    from pypdf import PdfReader

    sam(cli, "--pays-with", "50")
    target = tmp_path / "ticket.pdf"
    out = cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pdf", str(target), "--width", "58").stdout
    assert out == f"Out for delivery with Dave Jones: collect $29.93.\nWrote {target}.\n"
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    shown = flat(reader.pages[0].extract_text())
    assert "Sam Lee" in shown and "COLLECT CASH $29.93" in shown and "CHANGE TO BRING $20.07" in shown
    assert round(float(reader.pages[0].mediabox.width) * 25.4 / 72) == 58
    assert target.stat().st_mode & 0o777 == 0o600
    again = tmp_path / "again.pdf"
    cli.ok("receipt", "1", "--ticket", "--pdf", str(again), "--width", "58")
    assert again.read_bytes() == target.read_bytes()  # the same ticket, the same bytes


def test_dispatch_ticket_as_json_has_the_figures(cli: Cli) -> None:
    sam(cli, "--pays-with", "50")
    data = json.loads(cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--ticket", "--json").stdout)
    ticket = data["ticket"]
    assert (data["state"], data["amount_minor"], data["collect_minor"]) == ("authorized", 2993, 2993)
    assert (ticket["collect_minor"], ticket["change_minor"], ticket["collect_label"]) == (2993, 2007, "COLLECT CASH")
    assert ticket["items"] == [{"quantity": 2, "name": "Margherita 12in"}, {"quantity": 1, "name": "Soda 20oz"}]
    assert (ticket["customer"], ticket["phone"], ticket["promise"]) == ("Sam Lee", "555-0100", "DELIVERY BY 12:45")


# -- bad input: one line, nothing written ---------------------------------------------------------


def test_bad_dispatch_input_is_refused_before_anything_goes_out(cli: Cli, tmp_path: Path) -> None:
    sam(cli)
    (tmp_path / "taken.pdf").write_bytes(b"someone else's")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--ticket", "--width", "70", says="58 mm or 80 mm")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pdf", str(tmp_path / "taken.pdf"),
              says="already exists")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pdf", str(tmp_path / "no" / "t.pdf"),
              says="No folder")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "20",
              says="The customer's $20.00 does not cover the $29.93 due")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "abc", says="is not an amount")
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "-50", "--json", says="negative")
    cli.fails("delivery", "dispatch", "1", "--driver", "Alice", "--ticket", says="not a driver")
    assert (tmp_path / "taken.pdf").read_bytes() == b"someone else's"


def test_an_amount_the_customer_said_before_items_were_added_is_checked_at_dispatch(crew: Store, cli: Cli) -> None:
    sam(cli, "--pays-with", "30")
    cli.ok("order", "add", "1", "SODA")  # $32.64 now
    cli.fails("delivery", "dispatch", "1", "--driver", "Dave Jones", says="The customer's $30.00 does not cover the "
              "$32.64 due")
    cli.ok("delivery", "dispatch", "1", "--driver", "Dave Jones", "--pays-with", "40")  # asked again: $40


def test_a_ticket_is_only_a_deliverys_and_only_printed(crew: Store, cli: Cli, tmp_path: Path) -> None:
    counter = new_order(crew, "counter")
    add_line(crew, counter.id, "SODA")
    cli.fails("receipt", str(counter.number), "--ticket", says="only a delivery has a driver's ticket")
    sam(cli)
    cli.fails("receipt", "2", "--ticket", "--refund", says="no refund and is not emailed")
    cli.fails("receipt", "2", "--ticket", "--eml", str(tmp_path / "t.eml"), says="not emailed")
    assert not (tmp_path / "t.eml").exists()
    assert "Not sent out yet" in cli.ok("receipt", "2", "--ticket").stdout
    refused(crew, NotAllowed, "only a delivery", tickets.build, crew, counter.id)
    void = new_order(crew, "delivery", address="1 Oak")
    cli.ok("order", "void", str(void.number), "--reason", "called back")
    refused(crew, Conflict, "was voided", tickets.build, crew, void.id)


# -- text from people is escaped --------------------------------------------------------------


def test_a_name_address_or_note_with_a_control_or_bidi_character_is_printed_escaped(crew: Store, cli: Cli,
                                                                                    tmp_path: Path) -> None:
    from pypdf import PdfReader

    from pos.base.text import first_hidden

    sam(cli)
    cod.dispatch(crew, 1, "Dave Jones")
    conn = sqlite3.connect(crew.path)  # as a store from before the checks, or edited by hand, may hold
    with conn:
        conn.execute("UPDATE orders SET customer_name = ?, address = ?, note = ?",
                     ("Eve\x1b[2J", "9 Elm \u202e00.21\u202c St", "TOTAL\n$0.00"))
    conn.close()
    text = cli.ok("receipt", "1", "--ticket").stdout
    assert first_hidden(text.replace("\n", " ")) is None
    assert "Eve\\x1b[2J" in text and "<U+202E>00.21<U+202C>" in text and "TOTAL\\n$0.00" in text
    cli.ok("receipt", "1", "--ticket", "--pdf", str(tmp_path / "t.pdf"))
    shown = PdfReader(tmp_path / "t.pdf").pages[0].extract_text()
    assert "\x1b" not in shown and "\u202e" not in shown and "<U+202E>" in shown
    data = json.loads(cli.ok("order", "show", "1", "--json").stdout)
    assert data["note"] == "TOTAL\n$0.00" and data["customer_name"] == "Eve\x1b[2J"  # JSON keeps the very strings


def test_a_delivery_receipt_names_the_customer_and_a_counter_receipt_does_not(crew: Store, cli: Cli) -> None:
    order = new_order(crew, "delivery", customer_name="Sam Lee", address="4 Elm Street")
    add_line(crew, order.id, "SODA")
    cod.dispatch(crew, order.id, "Dave Jones")
    cod.collect(crew, order.id, "5")
    receipt = flat(cli.ok("receipt", "1").stdout)
    assert "Customer: Sam Lee" in receipt and "Delivered by Dave" in receipt, receipt
    from receipts import mail, model, pdf

    built = model.build(crew, order.id)
    body = mail.message(built).get_body(("plain",))
    assert body is not None and "Customer: Sam Lee" in body.get_content()  # the email's body, and its PDF
    from pypdf import PdfReader

    assert "Customer: Sam Lee" in PdfReader(io.BytesIO(pdf.render(built, 80))).pages[0].extract_text()
    phone = new_order(crew, "phone", customer_name="Lee")
    add_line(crew, phone.id, "SODA")
    service.pay(crew, phone.id, "cash", "5")
    assert "Customer: Lee" in cli.ok("receipt", str(phone.number)).stdout
    counter = new_order(crew, "counter", customer_name="Walk-in Wanda")
    add_line(crew, counter.id, "SODA")
    service.pay(crew, counter.id, "cash", "5")
    assert "Wanda" not in cli.ok("receipt", str(counter.number)).stdout
