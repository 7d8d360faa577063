"""The day's Z report as a PDF (A4 or Letter): its tables, and charts drawn with reportlab's graphics.

Charts: sales by hour (bars, in the store's time zone), sales by tender (a
pie), tips per person (bars).  Every figure comes from
:func:`pos.report.day_report` (the ledger) and :func:`sales_by_hour`.  Made
with ``invariant=1``, so the same day gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from pos.report import DayReport
    from pos.store import Store

PAPERS = ("a4", "letter")


def sales_by_hour(store: "Store", day: date, report: "DayReport | None" = None) -> dict[int, int]:
    """What the day's booked sales came to, per local hour (0-23) of the moment each was booked.

    From ``report`` (its sales per UTC hour, summed in the same pass as its sales by channel) when given,
    else from the day's sale entries.
    """
    owed = "CAST(substr(postings, instr(postings, 'assets:receivable:orders ') + 25) AS INTEGER)"
    hours: dict[int, int] = {}
    zone = store.settings.zone
    for utc_hour, total in report.sales_by_utc_hour if report is not None and report.day == day else store.tuples(
        f"SELECT substr(posted_at, 1, 13), sum({owed}) FROM journal_entries WHERE business_day = ? "
        "AND source_kind = 'order' AND key LIKE 'order:%:sale' GROUP BY 1", (day.isoformat(),),
    ):
        local = datetime.fromisoformat(utc_hour + ":00:00").replace(tzinfo=timezone.utc).astimezone(zone).hour
        hours[local] = hours.get(local, 0) + int(total)
    return dict(sorted(hours.items()))


def _who(store: "Store", key: str) -> str:
    """A person's name for a staff key (the key itself if they are gone)."""
    from pos.errors import NotFound
    from pos.staff import get_staff

    from pos.text import shown

    try:
        return shown(get_staff(store, key).name)
    except NotFound:
        return shown(key)


def render(store: "Store", report: "DayReport", paper: str = "a4", closing: Any = None) -> bytes:
    """The Z report as PDF bytes; with the day's ``closing`` (:class:`pos.closings.Closing`), its anchor."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from xml.sax.saxutils import escape

    from pos.errors import InvalidInput
    from pos.money_format import store_money
    from pos.text import shown

    if paper not in PAPERS:
        raise InvalidInput(f"Print the day report on a4 or letter paper, not '{paper}'.")
    money: Callable[[int], str] = lambda minor: store_money(store, minor)  # noqa: E731
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4 if paper == "a4" else LETTER, invariant=1,
                            title=f"Z report {report.day}", author=shown(store.settings.name),
                            leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    width = doc.width
    story: list[Any] = []
    heading = f"{shown(store.settings.name)}: Z report, {report.day}" + ("  (TRAINING)" if report.training else "")
    story.append(Paragraph(escape(heading), styles["Title"]))  # a Paragraph reads markup: '<' in a name is text

    def table(title: str, rows: list[list[str]], head: list[str]) -> None:
        story.append(Paragraph(title, styles["Heading3"]))
        if not rows:
            story.append(Paragraph("None.", styles["Normal"]))
            return
        t = Table([head, *rows], hAlign="LEFT", colWidths=[width * 0.55] + [width * 0.45 / (len(head) - 1)] * (len(head) - 1))
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
        ]))
        story.append(t)

    table("Summary", [
        ["Orders", str(report.orders)], ["Gross sales", money(report.gross_sales_minor)],
        ["Average ticket", money(report.average_ticket_minor)], ["Discounts", money(report.discounts_minor)],
        ["Refunds", f"{money(report.refunds_minor)} ({report.refunds_count})"],
        ["Net sales", money(report.net_sales_minor)], ["Voided orders", str(report.voids_count)],
        ["Card fees", money(report.card_fees_minor)], ["Card money due", money(report.card_net_minor)],
    ], ["", "Amount"])

    def bars(title: str, labels: list[str], values: list[int]) -> None:
        story.append(Paragraph(title, styles["Heading3"]))
        if not values:
            story.append(Paragraph("None.", styles["Normal"]))
            return
        drawing = Drawing(width, 60 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 15 * mm, 10 * mm, width - 20 * mm, 45 * mm
        chart.data = [values]  # minor units, never a float: the axis labels format them as money
        chart.valueAxis.labelTextFormat = lambda tick: money(int(tick))
        chart.categoryAxis.categoryNames = labels
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.valueMin = 0
        chart.valueAxis.labels.fontSize = 7
        chart.bars[0].fillColor = colors.HexColor("#4472c4")
        drawing.add(chart)
        story.append(drawing)

    hours = sales_by_hour(store, report.day, report)
    bars("Sales by hour", [f"{h:02d}h" for h in hours], list(hours.values()))
    table("Sales by channel", [[shown(k), money(v)] for k, v in report.sales_by_channel.items()], ["Channel", "Sales"])
    table("Payments by tender", [[shown(k), money(v)] for k, v in report.payments_by_tender.items()],
          ["Tender", "Taken"])
    tenders = {k: v for k, v in report.payments_by_tender.items() if v > 0}
    if tenders:
        pie_drawing = Drawing(width, 55 * mm)
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = width / 2 - 22 * mm, 5 * mm, 44 * mm, 44 * mm
        pie.data = list(tenders.values())
        pie.labels = [f"{shown(k)} {money(v)}" for k, v in tenders.items()]
        pie.slices.fontSize = 7
        pie_drawing.add(pie)
        pie_drawing.add(String(0, 50 * mm, "Sales by tender", fontSize=9))
        story.append(pie_drawing)
    table("Tax by category", [[shown(k), money(v)] for k, v in report.tax_by_category.items()], ["Category", "Tax"])
    tip_rows = [[_who(store, person), money(t.direct_minor), money(t.pooled_minor), money(t.declared_minor), money(t.paid_minor),
                 money(t.owed_minor)] for person, t in report.tips.items()]
    table("Tips per person", tip_rows, ["Person", "Direct", "Pooled", "Declared", "Paid", "Owed"])
    bars("Tips per person", [_who(store, person) for person in report.tips],
         [t.direct_minor + t.pooled_minor + t.declared_minor for t in report.tips.values()])
    table("Drawers: over (+) and short (-)", [[f"Drawer {k}", money(v)] for k, v in report.over_short_by_drawer.items()],
          ["Drawer", "Over/short"])
    drivers = [[_who(store, k), money(report.hand_ins_by_driver.get(k, 0)), money(report.drivers_holding.get(k, 0))]
               for k in sorted(set(report.hand_ins_by_driver) | set(report.drivers_holding))]
    table("Drivers", drivers, ["Driver", "Handed in", "Still holds"])
    if report.carried_out or report.carried_in:
        table("Orders carried over",
              [[f"#{m.from_number} of {m.from_day}", f"#{m.to_number} of {m.to_day}"]
               for m in (*report.carried_out, *report.carried_in)], ["Open at the close", "Carried to"])
    story.append(Spacer(1, 4 * mm))
    if closing is not None and closing.kind == "close":
        table("Closing (keep this page: it is an anchor of the books)", [
            ["Closing number", str(closing.number)], ["Journal entries", str(closing.head_id)],
            ["Head hash", closing.head_hash[:32]], ["", closing.head_hash[32:]],
            ["Key fingerprint", str(closing.record["key"])],
        ], ["", ""])
        story.append(Paragraph(escape(f"Check it: pos ledger verify --anchor {closing.anchor}"), styles["Normal"]))
    elif closing is not None:
        story.append(Paragraph(f"Reopened (closing #{closing.number}): not closed now.", styles["Normal"]))
    story.append(Paragraph("Every figure comes from the ledger (pos ledger verify checks it).", styles["Italic"]))
    doc.build(story)
    return out.getvalue()
