"""The day's Z report as a PDF (A4 or Letter, by the store's country): its tables, and charts drawn with reportlab.

Charts: sales by hour (bars, in the store's time zone, across its opening
hours ``hours.open``-``hours.close`` and any hour with sales outside them),
payments by tender (a pie, its labels in a legend beside it, so none is ever
clipped by the pie or lies on a wedge), tips per person (bars, under their
table).  Every figure comes from :func:`pos.day.report.day_report` (the ledger);
the sales statement is :func:`pos.day.report.statement`, which the text report
prints too.  Made with ``invariant=1``, so the same day gives the same bytes.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from pos.day.report import DayReport
    from pos.store.store import Store

PAPERS = ("a4", "letter")
LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "BZ", "CL", "CO", "CR", "GT", "NI", "PA", "PH", "PR", "SV", "VE"})
"""Where Letter paper is the norm (CLDR's paper sizes); A4 everywhere else."""
PALETTE = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47", "#264478", "#9e480e")


def paper_for(store: "Store") -> str:
    """The paper of the store's country, from its locale (``en_US`` -> letter, ``de_DE`` -> a4)."""
    from babel import Locale

    try:
        territory = Locale.parse(store.settings.locale).territory
    except (ValueError, TypeError):  # pragma: no cover - a store's locale was checked when it was set
        territory = None
    return "letter" if territory in LETTER_COUNTRIES else "a4"


def opening_hours(store: "Store") -> list[int]:
    """The local hours the store is open (``hours.open`` to ``hours.close``; a close at or before the opening
    is the next morning's), in the order of the day."""
    from pos.store import config

    opens, closes = config.get(store, "hours.open"), config.get(store, "hours.close")
    first = int(opens[:2]) % 24
    end = int(closes[:2]) + (1 if closes[3:] != "00" else 0)  # the hour a close at 21:30 is still open in
    span = (end - first) % 24 or 24
    return [(first + i) % 24 for i in range(span)]


def chart_hours(store: "Store", sold: dict[int, int]) -> dict[int, int]:
    """Sales by hour for the chart: every opening hour, and any hour with sales outside them, in the day's order
    (the day starts at its rollover)."""
    start = store.settings.rollover_time.hour
    order = lambda h: (h - start) % 24  # noqa: E731
    wanted = set(opening_hours(store)) | set(sold)
    lo, hi = min(map(order, wanted)), max(map(order, wanted))
    return {(start + i) % 24: sold.get((start + i) % 24, 0) for i in range(lo, hi + 1)}


def sales_by_hour(store: "Store", day: date, report: "DayReport | None" = None) -> dict[int, int]:
    """What the day's booked sales came to (gross sales), per local hour (0-23) of the moment each was booked.

    From ``report`` (its sales per UTC hour, summed in the same pass as its sales by channel) when given,
    else from the day's sale entries.
    """
    from pos.day.report import SOLD

    hours: dict[int, int] = {}
    zone = store.settings.zone
    for utc_hour, total in report.sales_by_utc_hour if report is not None and report.day == day else store.tuples(
        f"SELECT substr(j.posted_at, 1, 13), sum({SOLD}) FROM journal_entries j WHERE j.business_day = ? "
        "AND j.source_kind = 'order' AND j.key LIKE 'order:%:sale' GROUP BY 1", (day.isoformat(),),
    ):
        local = datetime.fromisoformat(utc_hour + ":00:00").replace(tzinfo=timezone.utc).astimezone(zone).hour
        hours[local] = hours.get(local, 0) + int(total)
    return dict(sorted(hours.items()))


def _who(store: "Store", key: str) -> str:
    """A person's name for a staff key (the key itself if they are gone)."""
    from pos.base.errors import NotFound
    from pos.people.staff import get_staff

    from pos.base.text import shown

    try:
        return shown(get_staff(store, key).name)
    except NotFound:
        return shown(key)


def render(store: "Store", report: "DayReport", paper: str | None = None, closing: Any = None) -> bytes:
    """The Z report as PDF bytes (``paper``: a4 or letter; None for the store's country's); with the day's
    ``closing`` (:class:`pos.day.closings.Closing`), its anchor."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from xml.sax.saxutils import escape

    from payments.base import tender_label
    from pos.base.errors import InvalidInput
    from pos.base.shares import allocate
    from pos.base.money_format import store_money
    from pos.day.report import statement
    from pos.base.text import shown

    paper = paper or paper_for(store)
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

    def table(title: str, rows: list[list[str]], head: list[str], first: float = 0.55,
              shares: list[float] | None = None) -> None:
        story.append(Paragraph(title, styles["Heading3"]))
        if not rows:
            story.append(Paragraph("None.", styles["Normal"]))
            return
        rest = (1 - first) / (len(head) - 1)
        t = Table([head, *rows], hAlign="LEFT",
                  colWidths=[width * w for w in shares or [first] + [rest] * (len(head) - 1)])
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("ALIGN", (1, 0), (-1 if not shares else 1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
        ]))
        story.append(t)

    # The statement: each line with what it means, as owners and accountants read it.
    lines = statement(report)
    table("Sales", [[label, money(amount), meaning] for label, amount, meaning in lines], ["", "Amount", "Meaning"],
          shares=[0.2, 0.15, 0.65])
    table("Orders", [
        ["Orders", str(report.orders)], ["Average ticket (after discounts, with tax)", money(report.average_ticket_minor)],
        ["Refunds given", f"{report.refunds_count}: {money(report.refunds_paid_minor)} with tax"],
        *[[f"    to {tender_label(tender)}", money(amount)] for tender, amount in report.refunds_by_tender.items()],
        *([["Card refunds pending at Stripe", f"{report.refunds_pending_count}: {money(report.refunds_pending_minor)}"]]
          if report.refunds_pending_count else []),
        *([["Card refunds NOT paid back (refund again or give cash)",
            f"{len(report.refunds_not_paid_back)}: {money(sum(u.amount_minor for u in report.refunds_not_paid_back))}"]]
          if report.refunds_not_paid_back else []),
        ["Voided orders", str(report.voids_count)],
        *([["Card fees", money(report.card_fees_minor)], ["Card money due", money(report.card_net_minor)]]
          if report.card_fees_minor or report.card_net_minor else []),  # no card processor, no cards: nothing
    ], ["", ""])

    def bars(title: str | None, labels: list[str], values: list[int]) -> None:
        if title is not None:
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
        chart.bars[0].fillColor = colors.HexColor(PALETTE[0])
        drawing.add(chart)
        story.append(drawing)

    hours = chart_hours(store, sales_by_hour(store, report.day, report))
    bars("Sales by hour (gross sales)", [f"{h:02d}h" for h in hours], list(hours.values()))
    table("Sales by channel (gross sales)", [[shown(k).capitalize(), money(v)] for k, v in report.sales_by_channel.items()],
          ["Channel", "Sales"])
    table("Payments by tender", [[tender_label(k), money(v)] for k, v in report.payments_by_tender.items()],
          ["Tender", "Taken"])
    tenders = {k: v for k, v in report.payments_by_tender.items() if v > 0}
    if tenders:  # the pie's labels are a legend beside it: never clipped by it, never on a wedge's edge
        size = 40 * mm
        shares = allocate(100, list(tenders.values()))
        rows = len(tenders)
        height = max(size, rows * 5 * mm) + 10 * mm
        pie_drawing = Drawing(width, height)
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 0, height - 8 * mm - size, size, size
        pie.data = list(tenders.values())
        pie.labels = None
        pie.slices.strokeColor = colors.white
        for i, (tender, amount) in enumerate(tenders.items()):
            pie.slices[i].fillColor = colors.HexColor(PALETTE[i % len(PALETTE)])
            y = height - 8 * mm - (i + 1) * 5 * mm + 1.5 * mm
            pie_drawing.add(Rect(size + 10 * mm, y, 3 * mm, 3 * mm, fillColor=colors.HexColor(PALETTE[i % len(PALETTE)]),
                                 strokeColor=None))
            pie_drawing.add(String(size + 15 * mm, y + 0.4 * mm, f"{tender_label(tender)}  {money(amount)}  ({shares[i]}%)",
                                   fontSize=8))
        pie_drawing.add(pie)
        pie_drawing.add(String(0, height - 4 * mm, "Payments by tender, as shares", fontSize=9))
        story.append(pie_drawing)
    table("Tax by category", [[f"{shown(report.tax_names.get(k, k))} ({report.tax_rates.get(k, '?')}%)", money(v)]
                              for k, v in report.tax_by_category.items()], ["Category (rate)", "Tax"])
    table("Tax by rate", [[f"{rate}%", money(v)] for rate, v in report.tax_by_rate.items()], ["Rate", "Tax"])
    tip_rows = [[_who(store, person), money(t.direct_minor), money(t.pooled_minor), money(t.declared_minor), money(t.paid_minor),
                 money(t.owed_minor)] for person, t in report.tips.items()]
    tips_at = len(story)
    table("Tips per person (not sales)", tip_rows, ["Person", "Direct", "Pooled", "Declared", "Paid", "Owed"])
    if report.tips:  # the chart belongs to the table above: one heading for both, on one page
        bars(None, [_who(store, person) for person in report.tips],
             [t.direct_minor + t.pooled_minor + t.declared_minor for t in report.tips.values()])
        story[tips_at:] = [KeepTogether(story[tips_at:])]
    table("Drawers", [[f"Drawer {k}", money(d.expected_minor), money(d.counted_minor), money(d.over_short_minor)]
                      for k, d in report.drawers.items()], ["Drawer", "Expected", "Counted", "Over (+) / short (-)"],
          first=0.25)
    table("Cashiers", [[shown(c.name), str(c.orders), money(c.sales_minor), money(c.discounts_minor),
                        f"{c.refunds}: {money(c.refunds_minor)}", f"{c.voids}: {money(c.voided_minor)}", str(c.no_sales)]
                       for c in report.cashiers.values()],
          ["Cashier", "Orders", "Sales", "Discounts", "Refunds", "Voids", "No-sales"], first=0.22)
    table("Drivers", [[shown(d.name), str(d.deliveries), money(d.collected_minor), money(d.handed_in_minor),
                       money(d.holding_minor)] for d in report.drivers.values()],
          ["Driver", "Deliveries", "Collected", "Handed in", "Still holds"], first=0.3)
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
