"""The tip records (:mod:`pos.tips.tip_records`) as a PDF an inspector can read: one table row per person and week.

Landscape, on the paper of the store's country (:func:`receipts.day_pdf.paper_for`); names are
text from people, escaped before a Paragraph reads them as markup.  reportlab is imported here
only, when a PDF is asked for.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING, Any, Sequence
from receipts.day_pdf import paper_for

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store
    from pos.tips.tip_records import WeekRecord


def render(store: "Store", start: date, end: date, found: "Sequence[WeekRecord]") -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from pos.base.money_format import store_money
    from pos.base.text import shown

    def money(minor: int) -> str:
        return store_money(store, minor)

    def hours(seconds: int) -> str:
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"

    styles = getSampleStyleSheet()
    out = io.BytesIO()
    span = str(start) if start == end else f"{start} to {end}"
    doc = SimpleDocTemplate(out, pagesize=landscape(A4 if paper_for(store) == "a4" else LETTER), invariant=1,
                            title=f"Tip records {span}", author=shown(store.settings.name),
                            leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm)
    story: list[Any] = [
        Paragraph(escape(f"{shown(store.settings.name)}: tip records, {span}"), styles["Title"]),
        Paragraph("Per person and week (from Monday), as 29 CFR 516.28 asks: tips received (direct, pooled, "
                  "declared cash), given back by refunds, paid out (when and how), hours in tipped and untipped "
                  "work, and the tip credit claimed.", styles["Normal"]),
        Spacer(1, 4 * mm),
    ]
    head = ["Person", "Week of", "Direct", "Pooled", "Declared", "Given back", "Paid out", "How paid",
            "Tipped h", "Untipped h", "Tip credit"]
    small = styles["Normal"].clone("small", fontSize=7, leading=8)
    rows: list[list[Any]] = [head]
    for r in found:
        how = "; ".join(f"{p.day} {p.how} {money(p.amount_minor)}" for p in r.payouts)
        rows.append([Paragraph(escape(shown(r.name)), small), r.week.isoformat(), money(r.direct_minor),
                     money(r.pooled_minor), money(r.declared_minor), money(r.refunded_minor), money(r.paid_minor),
                     Paragraph(escape(how), small), hours(r.tipped_s), hours(r.untipped_s),
                     money(r.tip_credit_minor)])
    if len(rows) == 1:
        story.append(Paragraph("Nobody received tips or worked a shift.", styles["Normal"]))
    else:
        width = doc.width
        shares = [0.12, 0.08, 0.07, 0.07, 0.07, 0.07, 0.07, 0.24, 0.07, 0.07, 0.07]
        table = Table(rows, colWidths=[width * s for s in shares], repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("FONTSIZE", (0, 0), (-1, -1), 7),
            ("ALIGN", (2, 0), (6, -1), "RIGHT"), ("ALIGN", (8, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
        totals = (sum(r.received_minor for r in found), sum(r.paid_minor for r in found),
                  sum(r.tip_credit_minor for r in found))
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph(f"Received {money(totals[0])}; paid out {money(totals[1])}; tip credit claimed "
                               f"{money(totals[2])}.", styles["Normal"]))
    story.append(Paragraph("Every figure comes from the ledger and the shifts (pos ledger verify checks the ledger).",
                           styles["Italic"]))
    doc.build(story)
    return out.getvalue()
