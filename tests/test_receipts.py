"""Receipts: every figure present and right in text and PDF, layouts that fit the paper, golden files, email."""

from __future__ import annotations

import email
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from freezegun import freeze_time

from payments import service
from payments.refunds import refund
from pos.store import config
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.sales.discounts import add_discount
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from receipts import mail, model, pdf, text
from receipts import ticket as tickets
from tests import golden_pdf

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_REPORTLAB = GOLDEN / "reportlab-version.txt"  # the release whose bytes the golden PDFs are
NOON = "2026-11-23 17:00:00"  # 12:00 in New York
AFTERNOON = "2026-11-23 20:00:00"  # 15:00 in New York: the same business day, when the receipts are read
LONG = "Extra large hand stretched Neapolitan pizza, buffalo mozzarella and basil"


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_size_mm(data: bytes) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width) * 25.4 / 72, 1), round(float(box.height) * 25.4 / 72, 1)


@pytest.fixture(autouse=True)
def _afternoon_of_the_sales():
    """Every test here reads "order #1 of today": today is the day the fixture rang its orders, never the real one."""
    with freeze_time(AFTERNOON):
        yield


@pytest.fixture
def shop(make_store) -> Store:
    """A training store (cards need no network) with a paid, tipped, discounted, split counter order #1."""
    store = make_store("shop.db", training=True, address="12 Main Street, Springfield")
    with freeze_time(NOON):
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        add_item(store, "LONG", LONG, "21.00")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        add_staff(store, "Alice Smith", "cashier", "2580")
        start_shift(store, "Alice Smith")
        open_drawer(store, 1, "100")
        config.set_option(store, "receipt.feedback", "owner@tonys.example")
        order = new_order(store, "counter", created_by=get_staff(store, "Alice Smith").id)
        add_line(store, order.id, "PIZZA-M", 2)
        add_line(store, order.id, "LONG")
        add_discount(store, order.id, "10%", "first visit")
        service.pay(store, order.id, "card", "20.00")
        service.pay(store, order.id, "cash", "50", tip_minor=300, tip_to="Alice Smith")
    return store


def test_the_receipt_says_everything_a_customer_needs(shop: Store) -> None:
    r = model.build(shop, 1)
    body = text.render(r, 80)
    for figure in (
        "Test Pizza", "12 Main Street, Springfield", "Order 2026-11-23/1 (counter)", "2026-11-23 12:00", "Served by Alice",
        "2 x Margherita 12in", "$25.00", "at $12.50 each", "$21.00", "Discount: first visit", "-$4.60",
        "Subtotal", "$46.00", "Tax Standard", "$3.67", "TOTAL", "$45.07", "Card (VISA ...4242)", "$20.00",
        "Cash", "$25.07", "tendered $50.00, change $21.93", "Your tip of $3.00 goes to Alice.",
        "Tell the owner how we did: owner@tonys.example", "*** TRAINING ***",
    ):
        assert figure in body, figure


@pytest.mark.parametrize("width_mm", [58, 80])
def test_text_fits_the_paper_wraps_between_words_and_aligns_prices(shop: Store, width_mm: int) -> None:
    width = text.columns(width_mm)
    lines = text.render(model.build(shop, 1), width_mm).splitlines()
    assert max(len(line) for line in lines) <= width
    tokens = " ".join(lines).split()
    assert all(word in tokens for word in LONG.split())  # wrapped between words: every word whole
    long_lines = [line for line in lines if any(w in line.split() for w in ("Extra", "Neapolitan", "basil"))]
    assert len(long_lines) >= 2 and long_lines[0].endswith("$21.00") and len(long_lines[0]) == width
    for line in lines:
        if line.rstrip().endswith(("$25.00", "$45.07", "-$4.60")):
            assert len(line) == width  # right-aligned to the edge


def test_a_tip_to_the_pool_goes_to_the_team(shop: Store) -> None:
    with freeze_time(NOON):
        order = new_order(shop, "counter")
        add_line(shop, order.id, "PIZZA-M")
        service.pay(shop, order.id, "cash", "20", tip_minor=200)
    assert "Your tip of $2.00 goes to the team on shift." in text.render(model.build(shop, 2))


def test_refunds_and_reprints_are_marked(shop: Store) -> None:
    with freeze_time(NOON):
        refund(shop, 1, "5.00", "cold pizza")
    body = text.render(model.build(shop, 1, refund=True, reprint=True), 58)
    assert "REFUND RECEIPT" in body and "*** REPRINT ***" in body and "cold pizza" in body
    assert "Refunded" in body and "$5.00" in body
    sale = text.render(model.build(shop, 1))
    assert "$5.00 refunded" in sale and "REPRINT" not in sale


@pytest.mark.parametrize(("currency", "locale", "price", "shown"), [
    ("KRW", "ko_KR", "15000", "₩15,000"), ("BHD", "ar_BH", "2.500", "د.ب."),
])
def test_zero_and_three_decimal_currencies(make_store, currency: str, locale: str, price: str, shown: str) -> None:
    store = make_store(f"{currency}.db", currency=currency, locale=locale, tax_rate="10")
    add_item(store, "X", "Bulgogi bowl", price)
    open_drawer(store, 1, "0")
    order = new_order(store, "counter")
    add_line(store, order.id, "X")
    service.pay(store, order.id, "cash")
    body = text.render(model.build(store, 1), 58)
    assert shown in body
    if currency == "BHD":
        assert "2.750" in body  # 2.500 + 10% tax, three decimals
    else:
        assert "₩16,500" in body and "16,500.00" not in body


def test_pdf_holds_the_same_figures_and_is_byte_identical(shop: Store) -> None:
    r = model.build(shop, 1)
    first, second = pdf.render(r, 80), pdf.render(r, 80)
    assert first == second
    extracted = " ".join(pdf_text(first).split())
    for figure in ("Order 2026-11-23/1 (counter)", "Served by Alice", "Discount: first visit", "$45.07",
                   "Card (VISA ...4242)", "tendered $50.00, change $21.93", "Your tip of $3.00 goes to Alice",
                   "TRAINING"):
        assert figure in extracted, figure
    width_80, height_80 = pdf_size_mm(first)
    width_58, height_58 = pdf_size_mm(pdf.render(r, 58))
    assert (width_80, width_58) == (80.0, 58.0)
    assert height_58 > height_80  # narrower paper, more wrapped lines


def test_a_200_line_order_gets_a_page_as_long_as_it_needs(shop: Store) -> None:
    with freeze_time(NOON):
        order = new_order(shop, "phone")
        for n in range(200):
            add_line(shop, order.id, "SODA" if n % 2 else "PIZZA-M")
        service.pay(shop, order.id, "cash")
    data = pdf.render(model.build(shop, order.number), 80)
    _, height = pdf_size_mm(data)
    assert height > 700  # 200 lines: about three quarters of a metre of paper
    assert pdf_text(data).count("Soda 20oz") == 100


def test_feedback_qr_targets() -> None:
    assert pdf.feedback_target("owner@tonys.example") == "mailto:owner@tonys.example"
    assert pdf.feedback_target("+1 (555) 010-0199") == "tel:+15550100199"
    assert pdf.feedback_target("tonys.example/feedback") == "https://tonys.example/feedback"


def _plain_store_receipt() -> bytes:
    """A store that is not a training store, no feedback contact, a cash sale: the plainest receipt."""
    import tempfile

    from pos.opening.setup import init_store

    with tempfile.TemporaryDirectory() as tmp, freeze_time(NOON):
        store = init_store(Path(tmp) / "plain.db", name="Plain Pizza", currency="USD", locale="en_US",
                           timezone="America/New_York", tax_rate="8.875")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        open_drawer(store, 1, "20")
        order = new_order(store, "counter")
        add_line(store, order.id, "SODA", 3)
        service.pay(store, order.id, "cash", "10")
        data = text.render(_pinned(model.build(store, 1)), 80).encode()
        store.close()
    return data


def _delivery(shop: Store) -> tuple[tickets.Ticket, tickets.Ticket, model.Receipt]:
    """Order #2, a delivery for Sam with a note, promised for 12:45, part paid by card, the customer paying the rest
    with a $50 note: its driver's ticket as it went out (at 80 mm, and a reprint at 58 mm), and its receipt once
    collected."""
    from payments import cod

    add_staff(shop, "Dave", "driver", "2580")
    start_shift(shop, "Dave")
    order = new_order(shop, "delivery", customer_name="Sam Lee", customer_phone="555-0100",
                      address="4 Elm Street, apt 2", note="ring twice, dog in the yard", ready="12:45", pays_with="50")
    add_line(shop, order.id, "PIZZA-M", 2)
    add_line(shop, order.id, "SODA")
    service.pay(shop, order.id, "card", "10.00")
    cod.dispatch(shop, order.id, "Dave")
    out = tickets.build(shop, order.id), tickets.build(shop, order.id, reprint=True)
    cod.collect(shop, order.id, "50")
    return (*out, model.build(shop, order.id))


def _pinned(receipt: model.Receipt) -> model.Receipt:
    """The receipt with its check value (of a sale entry whose key holds a random order id) as one fixed value of
    the same shape: the goldens pin the layout; test_closings.py checks the value itself."""
    assert receipt.check is None or re.fullmatch(r"Check [0-9a-f]{12} #[0-9]+", receipt.check), receipt.check
    return receipt._replace(check="Check 3fa2c1d9e0b7 #12") if receipt.check else receipt


@pytest.fixture
def made_goldens(shop: Store) -> dict[str, bytes]:
    """Every golden file as this checkout makes it; ANYTENDER_UPDATE_GOLDEN=1 rewrites them all.

    The update also writes each PDF's layout (``NAME.pdf.json``) and the
    reportlab version that made the PDFs (``reportlab-version.txt``).
    """
    with freeze_time(NOON):
        refund(shop, 1, "5.00", "cold pizza", to="cash")  # in cash, as the golden receipts show
        ticket_80, ticket_58, delivered = _delivery(shop)
    made = {
        "receipt-sale-80.txt": text.render(_pinned(model.build(shop, 1)), 80).encode(),
        "receipt-sale-58.txt": text.render(_pinned(model.build(shop, 1)), 58).encode(),
        "receipt-refund-58.txt": text.render(_pinned(model.build(shop, 1, refund=True)), 58).encode(),
        "receipt-sale-80.pdf": pdf.render(_pinned(model.build(shop, 1)), 80),
        "receipt-reprint-58.pdf": pdf.render(_pinned(model.build(shop, 1, reprint=True)), 58),
        "receipt-plain-48.txt": _plain_store_receipt(),
        "ticket-delivery-80.txt": tickets.render(ticket_80, 80).encode(),
        "ticket-delivery-58.txt": tickets.render(ticket_58, 58).encode(),
        "ticket-delivery-58.pdf": tickets.render_pdf(ticket_58, 58),
        "receipt-delivery-58.txt": text.render(_pinned(delivered), 58).encode(),
    }
    if os.environ.get("ANYTENDER_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        for name, data in made.items():
            (GOLDEN / name).write_bytes(data)
            if name.endswith(".pdf"):
                (GOLDEN / f"{name}.json").write_text(golden_pdf.dump(golden_pdf.layout(data)), encoding="utf-8")
        GOLDEN_REPORTLAB.write_text(_reportlab_version() + "\n", encoding="utf-8")
    return made


def _reportlab_version() -> str:
    import reportlab

    return str(reportlab.Version)


def test_golden_files_pin_the_layouts(made_goldens: dict[str, bytes]) -> None:
    """Text receipts byte for byte (our own layout); PDFs by what they show, with any reportlab: text, page, places."""
    for name, data in made_goldens.items():
        if name.endswith(".pdf"):
            golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
            changed = golden_pdf.differences(golden, golden_pdf.layout(data))
            assert not changed, f"{name} shows something else: {'; '.join(changed[:5])}. " \
                "Look at it, then ANYTENDER_UPDATE_GOLDEN=1"
        else:
            assert (GOLDEN / name).read_bytes() == data, f"{name} changed: look at it, then ANYTENDER_UPDATE_GOLDEN=1"


def test_golden_pdfs_are_byte_identical_with_the_reportlab_that_made_them(made_goldens: dict[str, bytes]) -> None:
    made_with, this = GOLDEN_REPORTLAB.read_text(encoding="utf-8").strip(), _reportlab_version()
    if this != made_with:
        pytest.skip(f"golden PDFs were made with reportlab {made_with}; this is {this}: "
                    "compared text and geometry instead")
    for name, data in made_goldens.items():
        if name.endswith(".pdf"):
            assert (GOLDEN / name).read_bytes() == data, f"{name} changed: look at it, then ANYTENDER_UPDATE_GOLDEN=1"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_each_receipt_renders_to_an_image(shop: Store, tmp_path: Path) -> None:
    for name, data in (("sale", pdf.render(model.build(shop, 1), 80)),
                       ("narrow", pdf.render(model.build(shop, 1), 58))):
        source = tmp_path / f"{name}.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "72", "-png", str(source), str(tmp_path / name)], check=True)
        image = next(tmp_path.glob(f"{name}*.png"))
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 1000


def test_email_has_the_text_body_and_the_pdf_attached(shop: Store) -> None:
    msg = mail.message(model.build(shop, 1), to="dana@example.com")
    parsed = email.message_from_bytes(bytes(msg))
    assert parsed["Subject"] == "Receipt for order 2026-11-23/1 at Test Pizza [TRAINING]" and parsed["To"] == "dana@example.com"
    body, attachment = [part for part in parsed.walk() if not part.is_multipart()]
    assert "Your tip of $3.00 goes to Alice." in body.get_payload(decode=True).decode()
    assert attachment.get_filename() == "receipt-2026-11-23-1.pdf"
    assert "$45.07" in pdf_text(attachment.get_payload(decode=True))
    # The moment of the sale with New York's true offset, whatever this machine's zone.
    assert parsed["Date"] == "Mon, 23 Nov 2026 12:00:00 -0500"


def test_an_email_in_summer_carries_the_summer_offset(make_store, monkeypatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # the machine's zone must not leak into the header
    time.tzset()
    try:
        store = make_store("summer.db")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        with freeze_time("2026-07-04 16:30:00"):  # 12:30 EDT
            open_drawer(store, 1, "0")
            order = new_order(store, "counter")
            add_line(store, order.id, "SODA")
            service.pay(store, order.id, "cash")
            parsed = email.message_from_bytes(bytes(mail.message(model.build(store, order.id))))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert parsed["Date"] == "Sat, 04 Jul 2026 12:30:00 -0400"


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_receipt(shop: Store, cli_for, tmp_path: Path) -> None:
    cli = cli_for(shop)
    assert "TOTAL" in cli.ok("receipt", "1").stdout
    assert max(len(line) for line in cli.ok("receipt", "1", "--width", "58").stdout.splitlines()) <= 32
    target, letter = tmp_path / "r.pdf", tmp_path / "r.eml"
    cli.ok("receipt", "1", "--pdf", str(target), "--eml", str(letter))
    assert target.read_bytes().startswith(b"%PDF") and b"Content-Type: application/pdf" in letter.read_bytes()
    cli.fails("receipt", "1", "--pdf", str(target), says="already exists")
    cli.fails("receipt", "1", "--width", "70", says="58 mm or 80 mm")
    cli.fails("receipt", "1", "--refund", says="has no refund")
    cli.fails("receipt", "9", says="No order")
    with freeze_time(NOON):
        void = new_order(shop, "counter")
        add_line(shop, void.id, "SODA")
        from pos.sales.orders import void_order

        void_order(shop, void.id, "left")
    cli.fails("receipt", str(void.number), "--pdf", str(tmp_path / "v.pdf"), says="was voided")
    assert not (tmp_path / "v.pdf").exists() and not list(tmp_path.glob("*.part"))


def test_a_receipt_folder_gets_a_pdf_for_every_paid_order(shop: Store, cli_for, tmp_path: Path) -> None:
    cli = cli_for(shop)
    cli.fails("config", "set", "receipt.folder", str(tmp_path / "missing"), says="not a folder")
    cli.ok("config", "set", "receipt.folder", str(tmp_path))
    with freeze_time(NOON):
        order = new_order(shop, "counter")
        add_line(shop, order.id, "SODA")
    out = cli.ok("pay", str(order.number), "cash", "5").stdout
    saved = tmp_path / f"2026-11-23-order-{order.number}.pdf"
    assert f"Receipt: {saved}" in out and "$2.71" in pdf_text(saved.read_bytes())
    # A kiosk sale gets one too.
    from payments.selfcheckout import setup_kiosk

    setup_kiosk(shop, 1, unattended=True)
    cli.ok("kiosk", "run", "1", input="SODA\npay\n")
    assert (tmp_path / f"2026-11-23-order-{order.number + 1}.pdf").exists()


# -- the day report PDF ---------------------------------------------------------------------


def test_day_report_pdf_has_its_tables_and_charts(shop: Store, cli_for, tmp_path: Path) -> None:
    from pos.day.report import day_report
    from receipts import day_pdf

    with freeze_time("2026-11-23 23:30:00"):  # 18:30 in New York: a second hour of sales
        order = new_order(shop, "phone")
        add_line(shop, order.id, "SODA")
        service.pay(shop, order.id, "cash", "3")
    from datetime import date

    assert day_pdf.sales_by_hour(shop, date(2026, 11, 23)) == {12: 4600, 18: 249}
    report = day_report(shop, date(2026, 11, 23))
    assert day_pdf.sales_by_hour(shop, date(2026, 11, 23), report) == {12: 4600, 18: 249}  # from the report's pass
    data = day_pdf.render(shop, report, "letter")
    assert data == day_pdf.render(shop, report, "letter")  # invariant
    words = " ".join(pdf_text(data).split())
    for figure in ("Test Pizza: Z report, 2026-11-23 (TRAINING)", "Gross sales", "$48.49", "Sales by hour", "12h",
                   "18h", "Payments by tender", "Tips per person", "Alice Smith", "Tax by category", "Drivers"):
        assert figure in words, figure
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter
    cli = cli_for(shop)
    target = tmp_path / "z.pdf"
    with freeze_time("2026-11-24 12:00:00"):
        cli.ok("day", "report", "--day", "2026-11-23", "--pdf", str(target))
        assert "Sales by hour" in pdf_text(target.read_bytes())
        cli.fails("day", "report", "--day", "2026-11-23", "--pdf", str(target), says="already exists")
        cli.fails("day", "report", "--day", "2026-11-23", "--pdf", str(tmp_path / "x.pdf"), "--paper", "a3",
                  says="a4 or letter")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_the_qr_codes_print_exactly_the_widgets_modules(shop: Store, tmp_path: Path) -> None:
    """Rasterise the receipt and read every module of both codes back: what prints is what reportlab's QR widget
    encoded, the order's day and number on the left (what the register takes to recall it), feedback on the right."""
    from pypdf import PdfReader

    data = pdf.render(model.build(shop, 1), 80)
    source = tmp_path / "r.pdf"
    source.write_bytes(data)
    dpi = 600
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", str(source), str(tmp_path / "r")], check=True)
    raw = (tmp_path / "r.pgm").read_bytes()
    magic, width_px, height_px, _, pixels = raw.split(maxsplit=4)
    assert magic == b"P5"
    width_px, height_px = int(width_px), int(height_px)
    page_w = float(PdfReader(io.BytesIO(data)).pages[0].mediabox.width)
    page_h = float(PdfReader(io.BytesIO(data)).pages[0].mediabox.height)
    mm = 72 / 25.4
    qr, gap = 22 * mm, 4 * mm
    leading = (page_w - 6 * mm) / (48 * 0.6) * 1.25  # the text's line: a caption sits under each code
    assert "2026-11-23/1 Feedback" in " ".join(pdf_text(data).split())
    for index, carried in enumerate(("2026-11-23/1", pdf.feedback_target("owner@tonys.example"))):
        count, runs = pdf.qr_runs(carried)
        dark = {(r, c + i) for r, c, n in runs for i in range(n)}
        box = qr / (count + 4)
        left = (page_w - 2 * qr - gap) / 2 + index * (qr + gap) + 2 * box
        bottom = 3 * mm + leading + 2 * box
        for row in range(count):
            for col in range(count):
                x = (left + (col + 0.5) * box) * dpi / 72
                y = (page_h - (bottom + (count - row - 0.5) * box)) * dpi / 72
                shade = pixels[int(y) * width_px + int(x)]
                assert (shade < 128) == ((row, col) in dark), (carried, row, col, shade)
