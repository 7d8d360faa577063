"""The version-independent form of a golden PDF sees what a reader would: text, fonts, page size, where each line is."""

from __future__ import annotations

import copy
import io
import json

from tests import golden_pdf


def _pdf(y: float = 100.0, word: str = "TOTAL", font: str = "Courier", width: float = 200.0) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, 300), invariant=1)
    canvas.setFont(font, 9)
    canvas.drawString(10, y, word)
    canvas.drawString(10, y - 12, "$45.07")
    canvas.saveState()
    canvas.translate(100, 150)
    canvas.rotate(60)
    canvas.setFont("Helvetica-Bold", 30)
    canvas.drawString(0, 0, "TRAINING")
    canvas.restoreState()
    text = canvas.beginText(10, 20)
    text.setFont("Courier", 8)
    text.textLines("first\nsecond")
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_layout_reads_text_fonts_places_and_angles() -> None:
    shown = golden_pdf.layout(_pdf())
    assert shown == {"pages": [{"size": [200.0, 300.0], "lines": [
        ["TOTAL", "Courier", 9.0, 10.0, 100.0, 0.0],
        ["$45.07", "Courier", 9.0, 10.0, 88.0, 0.0],
        ["TRAINING", "Helvetica-Bold", 30.0, 100.0, 150.0, 60.0],
        ["first", "Courier", 8.0, 10.0, 20.0, 0.0],
        ["second", "Courier", 8.0, 10.0, 10.4, 0.0],
    ]}]}
    assert json.loads(golden_pdf.dump(shown)) == shown


def test_differences_catch_what_a_reader_would_see_and_only_that() -> None:
    golden = golden_pdf.layout(_pdf())
    assert golden_pdf.differences(golden, golden_pdf.layout(_pdf())) == []
    nudged = copy.deepcopy(golden)
    nudged["pages"][0]["lines"][0][4] += 0.01  # another release rounding otherwise
    assert golden_pdf.differences(golden, nudged) == []
    for changed in (_pdf(y=101), _pdf(word="TOTAL:"), _pdf(font="Courier-Bold"), _pdf(width=210)):
        assert golden_pdf.differences(golden, golden_pdf.layout(changed)), changed
    fewer = copy.deepcopy(golden)
    del fewer["pages"][0]["lines"][-1]
    assert golden_pdf.differences(golden, fewer) == ["page 1: 4 text lines, golden 5"]
