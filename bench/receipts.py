"""Receipts at speed: 1,000 PDF receipts beside 1,000 bare reportlab canvases of the same lines.

In the same rounds: build a receipt model once per order from a small
training store, render it to PDF through ``receipts.pdf.render``, and draw
the same text lines on bare one-page reportlab canvases (same page size,
font and invariant flag, no QR or marks); also render it with the model
read from the store each time.  N of each (default 1,000) in ROUNDS rounds
(default 20: 50 of each a round, which goes first rotating; see
bench/_timing.py), the ratio taken per round.  The ratio is what our layout
costs over reportlab's floor.  Then the day report PDF of a 100,000-order day
(generated as in ``bench/close.py``, in a child process), DAY_ROUNDS times
(default 3).

Targets: receipts at most 2x the bare canvases (median round); the day report
PDF < 1 s (median round).

    python bench/receipts.py [N] [ROUNDS] [DAY_ROUNDS]
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from payments import service  # noqa: E402
from pos.store import config  # noqa: E402
from pos.store.catalog import add_item  # noqa: E402
from pos.cash.drawer import open_drawer  # noqa: E402
from pos.sales.discounts import add_discount  # noqa: E402
from pos.sales.orders import add_line, new_order  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402
from pos.people.staff import add_staff, start_shift  # noqa: E402
from pos.store.store import Store  # noqa: E402
from receipts import model, pdf, text  # noqa: E402


def bare(lines: list[str], width_mm: int) -> bytes:
    """The floor: the same lines on a reportlab canvas, nothing else."""
    from reportlab.pdfgen.canvas import Canvas

    mm = 72 / 25.4
    size = (width_mm - 6) * mm / (len(max(lines, key=len)) * 0.6 or 1)
    height = 6 * mm + size * 1.25 * len(lines)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width_mm * mm, height), invariant=1, pageCompression=1)
    y = height - 3 * mm - size
    canvas.setFont("Courier", size)
    for line in lines:
        canvas.drawString(3 * mm, y, line)
        y -= size * 1.25
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def measure(n: int = 1000, rounds: int = 20, day_rounds: int = 3) -> list[_timing.Result]:
    size = max(1, n // rounds)
    with tempfile.TemporaryDirectory() as tmp:
        store = init_store(Path(tmp) / "r.db", name="Bench Pizza", address="12 Main Street", training=True,
                           timezone="America/New_York", tax_rate="8.875")
        add_item(store, "PIZZA-M", "Margherita 12in", "12.50")
        add_item(store, "SODA", "Soda 20oz", "2.49")
        add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        open_drawer(store, 1, "100")
        config.set_option(store, "receipt.feedback", "owner@bench.example")
        order = new_order(store, "counter")
        add_line(store, order.id, "PIZZA-M", 2)
        add_line(store, order.id, "SODA", 3)
        add_discount(store, order.id, "10%", "regular")
        service.pay(store, order.id, "card", "10")
        service.pay(store, order.id, "cash", "50", tip_minor=200, tip_to="Alice")
        receipt = model.build(store, order.number)
        lines = text.lines(receipt, 48)

        # The warm-up round: imports, font metrics.
        measured = _timing.interleave({
            "ours": lambda: _timing.times(size, lambda: pdf.render(receipt, 80)),
            "bare": lambda: _timing.times(size, lambda: bare(lines, 80)),
            "with_model": lambda: _timing.times(size, lambda: pdf.render(model.build(store, order.number), 80)),
        }, rounds, warmup=1)
        store.close()
        print(f"receipts: {size * rounds:,} of each kind, {size:,} a round")

        path = Path(tmp) / "day.db"
        built = subprocess.run([sys.executable, str(ROOT / "bench" / "close.py"), "--build", str(path), "100000"],
                               check=True, capture_output=True, text=True).stdout.split()
        day = date.fromisoformat(built[0])
        from pos.day.report import day_report
        from receipts import day_pdf

        big = Store.open(path)
        sizes = []
        day_pdfs = _timing.interleave({"day": lambda: sizes.append(len(day_pdf.render(big, day_report(big, day))))},
                                      day_rounds)
        print(f"day report PDF, 100,000 orders: {sizes[-1] // 1024} KB")
        big.close()
    return [
        measured.compare("receipt PDF / bare canvas, same lines", "ours", "bare", "ms", _timing.at_most(2)),
        measured.compare("receipt PDF, model read each time / bare canvas", "with_model", "bare", "ms"),
        day_pdfs.absolute("day report PDF, 100,000 orders", "day", "ms", _timing.below(1000)),
    ]


if __name__ == "__main__":
    _timing.main(measure)
