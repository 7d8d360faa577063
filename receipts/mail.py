"""A receipt as a standard MIME email (stdlib ``email``): the text receipt as the body, the PDF attached.

The store sends it with its own mail system; Anytender never sends mail.
Its ``Date:`` is the moment of the sale with the store's true UTC offset
(``Mon, 23 Nov 2026 12:00:00 -0500`` in a New York winter), whatever the
machine's own time zone; its Message-ID is new each time, as a mail
client expects of a message sent again.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING

from receipts import pdf, text

if TYPE_CHECKING:  # pragma: no cover
    from receipts.model import Receipt


def message(receipt: "Receipt", *, to: str | None = None, sender: str | None = None) -> EmailMessage:
    """The email: text body, PDF attachment named after the order."""
    msg = EmailMessage()
    kind = "Refund receipt" if receipt.title.startswith("REFUND") else "Receipt"
    marks = "".join(f" [{m}]" for m in receipt.marks)
    msg["Subject"] = f"{kind} for order #{receipt.order_number} at {receipt.store_name}{marks}"
    # formataddr quotes the store's name: a '<', ',' or ';' in it stays part of the name, never another address.
    msg["From"] = sender or formataddr((receipt.store_name, "receipts@localhost"))
    if to:
        msg["To"] = to
    # The real moment with the store's true offset (-0500 in a New York winter), never local time labelled UTC.
    msg["Date"] = format_datetime(receipt.moment)
    msg["Message-ID"] = make_msgid(f"receipt-{receipt.order_number}", "anytender.invalid")
    msg.set_content(text.render(receipt, 80))
    msg.add_attachment(pdf.render(receipt, 80), maintype="application", subtype="pdf",
                       filename=f"receipt-{receipt.order_number}.pdf")
    return msg
