"""``pos receipt``: print it, write it as a PDF or an email, or email it to the customer (``--email``, through the
store's mail server, :mod:`pos.store.mail_server`); and the PDF every paid order gets in the store's receipt folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional, TYPE_CHECKING

import typer

from commands.context import CASHIER, OrderArg, OrderDayOpt, open_store, order_named, whole_number
from commands.files import check_new, os_message, show_path, write_new
from commands.output import say, say_block
from commands.smtp import smtp_password
from pos.base.errors import AnytenderError, InvalidInput
from commands.contacts import require_contacts

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

# Printing a receipt is anyone's at the till (no entry in the table); sending one away with --email needs a sign-in
# whose role may (cli.py reads it), and is audited with the address masked.
OPTION_ACTIONS: dict[str, dict[str, str]] = {"receipt": {"email": "EMAIL_RECEIPT"}}

@top_level.command("receipt", rich_help_panel=CASHIER)
def receipt_cmd(
    ctx: typer.Context,
    order: OrderArg,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write the receipt as a PDF here.")] = None,
    eml: Annotated[Optional[Path], typer.Option("--eml", help="Write an email (text body, PDF attached) here.")] = None,
    text: Annotated[bool, typer.Option("--text", help="Print the receipt as text (the default).")] = False,
    width: Annotated[int, typer.Option("--width", parser=whole_number, metavar="MM", help="Paper width in mm: 58 or 80.")] = 80,
    refund: Annotated[bool, typer.Option("--refund", help="The refund receipt of the order.")] = False,
    reprint: Annotated[bool, typer.Option("--reprint", help="Mark it as a reprint.")] = False,
    ticket: Annotated[bool, typer.Option("--ticket", help="A delivery's driver's ticket instead (text, or --pdf).")] = False,
    email: Annotated[Optional[str], typer.Option(
        "--email", metavar="ADDRESS", help="The customer's email address: the email's To:, and, with a mail server "
        "set (receipt.smtp), where it is sent.")] = None,
    day: OrderDayOpt = None,
) -> None:
    """Print an order's receipt (of any day: 2026-12-06/12), write it as a PDF or an email, or email it to the
    customer; or a delivery's driver's ticket (--ticket)."""
    from pos.store.mail_server import check_address
    from receipts.mail import mail_server
    from receipts import model
    from receipts.text import columns

    store = open_store(ctx)
    order = order_named(store, order, day)  # a bad reference is refused before anything is written
    columns(width)  # a bad width is refused before anything is written
    if ticket:
        _ticket(store, order, pdf, width, reprint, refund=refund, mailed=eml is not None or email is not None)
        return
    address = check_address(email) if email is not None else None  # a bad address: nothing written or sent
    if address is not None:
        store.check_writable()  # an emailed receipt is audited: a store that cannot record it sends nothing
    if pdf is not None and eml is not None and pdf.absolute() == eml.absolute():
        raise InvalidInput("--pdf and --eml name the same file: give each its own.")
    for target, what in ((pdf, "--pdf"), (eml, "--eml")):
        if target is not None:
            check_new(target, what)
    server = mail_server(store) if address is not None else None
    if address is not None and server is None and eml is None:
        raise InvalidInput("No mail server is set up to send it: write the email with --eml FILE for your mail "
                           "program, or set one with 'pos config set receipt.smtp HOST:PORT'.")
    password = smtp_password(server) if server is not None else None
    receipt = model.build(store, order, reprint=reprint, refund=refund)
    if pdf is not None:
        from receipts import pdf as pdf_layout

        write_new(pdf, pdf_layout.render(receipt, width), "--pdf")
        say(f"Wrote {show_path(pdf)}.")
    if eml is not None or server is not None:
        from receipts.mail import message, send

        letter = message(receipt, to=address, sender=server.sender if server else None)
        if eml is not None:
            write_new(eml, bytes(letter), "--eml")
            say(f"Wrote {show_path(eml)}.")
        if server is not None:
            send(letter, server, password)
            say(f"Sent the receipt for order {receipt.order_ref} to {address}.")
        if address is not None:
            _audited(store, receipt.order_ref, address, sent=server is not None)
    if text or (pdf is None and eml is None and address is None):
        from receipts import text as text_layout

        say_block(text_layout.render(receipt, width), nl=False)


def _ticket(store: "Store", order: str, pdf: Optional[Path], width: int, reprint: bool, *, refund: bool,
            mailed: bool) -> None:
    """``pos receipt N --ticket``: the driver's ticket again, as text or a PDF."""
    from receipts import ticket as tickets

    if refund or mailed:
        raise InvalidInput("A driver's ticket is for the driver: it has no refund and is not emailed. Leave out "
                           "--refund, --eml and --email.")

    require_contacts(store, order, "the driver's ticket")  # it is the customer's address and phone, and little else
    if pdf is not None:
        check_new(pdf, "--pdf")
    made = tickets.build(store, order, reprint=reprint)
    if pdf is not None:
        write_new(pdf, tickets.render_pdf(made, width), "--pdf")
        say(f"Wrote {show_path(pdf)}.")
        return
    say_block(tickets.render(made, width), nl=False)


def _audited(store: "Store", order_ref: str, address: str, *, sent: bool) -> None:
    """An emailed receipt in the audit trail: which order, to whom (masked), sent or only written as a file."""
    from pos.store import audit
    from pos.store.mail_server import masked

    audit.record(store, audit.Event.RECEIPT_EMAILED, {"target": f"order {order_ref}", "to": masked(address),
                                                      "sent": sent})


def auto_receipt(store: "Store", order_id: str) -> Optional[Path]:
    """With a receipt folder set, a paid order's PDF receipt is written there."""
    from pos.store import config

    folder = config.get(store, "receipt.folder")
    if not folder:
        return None
    from pos.sales.order_records import resolve, typed
    from receipts import model, pdf as pdf_layout

    order = resolve(store, order_id)
    target = Path(folder) / f"{order.business_day}-order-{order.number}.pdf"
    try:
        # A receipt already there (a retried command) is kept as it was; a symbolic link planted in its
        # place is refused by write_new (with a warning), never followed.
        if target.is_symlink() or not target.exists():
            write_new(target, pdf_layout.render(model.build(store, order_id), 80), "the receipt folder")
    except (AnytenderError, OSError) as exc:
        # The sale is recorded: a receipt that cannot be written must not read as a failed payment.
        reason = exc.message if isinstance(exc, AnytenderError) else os_message(exc)
        say(f"warning: the receipt was not saved ({reason}) The payment is recorded; write it with "
            f"'pos receipt {typed(store, order)} --pdf FILE'.", err=True)
        return None
    return target
