"""A receipt as a PDF on a 58 or 80 mm roll: the text layout's lines, a QR code for feedback, and marks.

The page is as tall as its content.  It draws the lines of
:mod:`receipts.text` in a monospaced face sized so the line fills the roll,
so the PDF and the thermal printout always agree.  The store's feedback
contact becomes a QR code (reportlab's own QR widget) at the foot, and a
training store's receipt carries TRAINING across the page.  PDFs are made
with ``invariant=1``: the same receipt gives the same bytes, every time
(the golden files in ``tests/golden`` rely on it).

reportlab is imported here only, when a PDF is made: it costs over 100 ms.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from receipts.text import columns, lines

if TYPE_CHECKING:  # pragma: no cover
    from receipts.model import Receipt

_MM = 72 / 25.4
_MARGIN_MM = 3
_QR_MM = 22


def feedback_target(contact: str) -> str:
    """What the feedback QR code opens: the web address, a mail to the address, or a call to the number."""
    text = contact.strip()
    if "@" in text and " " not in text and not text.startswith(("http://", "https://")):
        return f"mailto:{text}"
    digits = text.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if digits.lstrip("+").isdigit():
        return f"tel:{digits}"
    return text if "://" in text else f"https://{text}"


def render(receipt: "Receipt", width_mm: int = 80) -> bytes:
    """The receipt as PDF bytes (byte-identical for the same receipt)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

    width = columns(width_mm)
    text_lines = lines(receipt, width)
    page_w = width_mm * _MM
    usable = page_w - 2 * _MARGIN_MM * _MM
    size = usable / (width * 0.6)  # Courier's advance is 0.6 em: the line exactly fills the roll
    leading = size * 1.25
    qr = _QR_MM * _MM if receipt.feedback else 0
    page_h = 2 * _MARGIN_MM * _MM + leading * len(text_lines) + (qr + leading if qr else 0)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(page_w, page_h), invariant=1, pageCompression=1)
    canvas.setTitle(f"{receipt.store_name} {receipt.title.lower()} #{receipt.order_number}")
    canvas.setAuthor(receipt.store_name)
    if receipt.training:
        canvas.saveState()
        canvas.setFillGray(0.85)
        canvas.setFont("Helvetica-Bold", page_w / 5)
        canvas.translate(page_w / 2, page_h / 2)
        canvas.rotate(60 if page_h > page_w * 1.5 else 30)
        canvas.drawCentredString(0, -page_w / 14, "TRAINING")
        canvas.restoreState()
    y = page_h - _MARGIN_MM * _MM - size
    for line in text_lines:
        bold = line.strip().startswith("***") or line.strip() in (receipt.title, receipt.store_name) \
            or line.startswith("TOTAL")
        canvas.setFont("Courier-Bold" if bold else "Courier", size)
        canvas.drawString(_MARGIN_MM * _MM, y, line)
        y -= leading
    if receipt.feedback:
        widget = QrCodeWidget(feedback_target(receipt.feedback), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(qr, qr, transform=[qr / (x1 - x0), 0, 0, qr / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, canvas, (page_w - qr) / 2, _MARGIN_MM * _MM)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
