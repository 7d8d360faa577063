"""A receipt (or a driver's ticket) as a PDF on a 58 or 80 mm roll: the text layout's lines, QR codes for the order
and feedback, and marks.

The page is as tall as its content.  It draws the lines of
:mod:`receipts.text` in a monospaced face sized so the line fills the roll,
so the PDF and the thermal printout always agree.  At the foot, QR codes (encoded by
reportlab's own QR widget), each captioned: the order's day and number
(``2026-12-06/14``, which a scanner at the register reads to recall the order, and
every command takes), and the store's feedback contact when it has one.  A
training store's receipt carries TRAINING across the page.  PDFs are made
with ``invariant=1``: the same receipt gives the same bytes, every time
(the golden files in ``tests/golden`` rely on it).

reportlab is imported here only, when a PDF is made: it costs over 100 ms.
"""

from __future__ import annotations

import io
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING, Callable, Sequence

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


_QR_BORDER = 2  # quiet zone, in modules
_QR_GAP_MM = 4  # between two codes side by side


def _codes(receipt: "Receipt") -> list[tuple[str, str]]:
    """The QR codes at the receipt's foot, each (what it carries, its caption): the order's day and number, as
    every command and the register take it (``2026-12-06/14``); then the feedback contact, when there is one."""
    codes = [(receipt.order_ref, receipt.order_ref)] if receipt.order_ref else []
    if receipt.feedback:
        codes.append((feedback_target(receipt.feedback), "Feedback"))
    return codes


@lru_cache(maxsize=32)
def qr_runs(data: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(modules a side, runs of dark modules as (row, column, length)) of ``data``'s QR code.

    Encoded by reportlab's own QR widget; cached, because a store prints the
    same feedback code on every receipt and encoding costs more than all the
    rest of a receipt.  The runs are written once as PDF operators
    (:func:`qr_operators`): the widget's own drawing makes one shape per run
    and costs 20 ms a receipt.
    """
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(data, barLevel="M")
    widget.qr.make()
    runs = []
    for row, modules in enumerate(widget.qr.modules):
        col = 0
        for dark, group in groupby(bool(m) for m in modules):
            length = len(list(group))
            if dark:
                runs.append((row, col, length))
            col += length
    return widget.qr.getModuleCount(), tuple(runs)


@lru_cache(maxsize=32)
def qr_operators(data: str) -> tuple[int, str]:
    """(modules a side, the PDF operators filling its dark runs in module units, row 0 at the top)."""
    count, runs = qr_runs(data)
    rects = " ".join(f"{col} {count - row - 1} {length} 1 re" for row, col, length in runs)
    return count, f"{rects} f"


def render(receipt: "Receipt", width_mm: int = 80) -> bytes:
    """The receipt as PDF bytes (byte-identical for the same receipt)."""
    text_lines = lines(receipt, columns(width_mm))

    def bold(line: str) -> bool:
        return line.strip().startswith("***") or line.strip() in (receipt.title, receipt.store_name) \
            or line.startswith("TOTAL")

    return roll(text_lines, width_mm,
                title=f"{receipt.store_name} {receipt.title.lower()} {receipt.order_ref or receipt.order_number}",
                author=receipt.store_name, training=receipt.training, bold=bold, codes=_codes(receipt))


def roll(text_lines: list[str], width_mm: int, *, title: str, author: str, training: bool,
         bold: Callable[[str], bool], codes: Sequence[tuple[str, str]] = ()) -> bytes:
    """Lines of a text layout as a PDF on a roll ``width_mm`` wide, as tall as they are (a receipt, a ticket).

    ``bold``: which lines are set in bold; ``codes``: QR codes side by side at the foot, each (what it carries,
    its caption); ``training``: TRAINING
    across the page.  Byte-identical for the same lines.
    """
    from reportlab.pdfgen.canvas import Canvas

    width = columns(width_mm)
    page_w = width_mm * _MM
    usable = page_w - 2 * _MARGIN_MM * _MM
    size = usable / (width * 0.6)  # Courier's advance is 0.6 em: the line exactly fills the roll
    leading = size * 1.25
    qr = _QR_MM * _MM if codes else 0
    page_h = 2 * _MARGIN_MM * _MM + leading * len(text_lines) + (qr + 2 * leading if qr else 0)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(page_w, page_h), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    if training:
        canvas.saveState()
        canvas.setFillGray(0.85)
        canvas.setFont("Helvetica-Bold", page_w / 5)
        canvas.translate(page_w / 2, page_h / 2)
        canvas.rotate(60 if page_h > page_w * 1.5 else 30)
        canvas.drawCentredString(0, -page_w / 14, "TRAINING")
        canvas.restoreState()
    y = page_h - _MARGIN_MM * _MM - size
    for line in text_lines:
        canvas.setFont("Courier-Bold" if bold(line) else "Courier", size)
        canvas.drawString(_MARGIN_MM * _MM, y, line)
        y -= leading
    gap = _QR_GAP_MM * _MM
    left = (page_w - len(codes) * qr - (len(codes) - 1) * gap) / 2
    for index, (data, caption) in enumerate(codes):
        x = left + index * (qr + gap)
        count, operators = qr_operators(data)
        box = qr / (count + 2 * _QR_BORDER)
        canvas.saveState()
        # One module is one unit: the cached operators are placed by a transform, not re-formatted.
        canvas.transform(box, 0, 0, box, x + _QR_BORDER * box, _MARGIN_MM * _MM + leading + _QR_BORDER * box)
        canvas.addLiteral(operators)
        canvas.restoreState()
        canvas.setFont("Courier", size)
        canvas.drawCentredString(x + qr / 2, _MARGIN_MM * _MM + leading / 4, caption)
    canvas.showPage()
    canvas.save()
    return out.getvalue()
