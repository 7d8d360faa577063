"""``pos receipt``, and the PDF every paid order gets in the store's receipt folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional, TYPE_CHECKING

import typer

from commands.context import CASHIER, OrderArg, open_store
from commands.files import check_new, os_message, show_path, write_new
from commands.output import say, say_block
from pos.errors import AnytenderError, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

@top_level.command("receipt", rich_help_panel=CASHIER)
def receipt_cmd(
    ctx: typer.Context,
    order: OrderArg,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write the receipt as a PDF here.")] = None,
    eml: Annotated[Optional[Path], typer.Option("--eml", help="Write an email (text body, PDF attached) here.")] = None,
    text: Annotated[bool, typer.Option("--text", help="Print the receipt as text (the default).")] = False,
    width: Annotated[int, typer.Option("--width", help="Paper width in mm: 58 or 80.")] = 80,
    refund: Annotated[bool, typer.Option("--refund", help="The refund receipt of the order.")] = False,
    reprint: Annotated[bool, typer.Option("--reprint", help="Mark it as a reprint.")] = False,
) -> None:
    """Print an order's receipt, or write it as a PDF or an email."""
    from receipts import model
    from receipts.text import columns

    store = open_store(ctx)
    columns(width)  # a bad width is refused before anything is written
    if pdf is not None and eml is not None and pdf.absolute() == eml.absolute():
        raise InvalidInput("--pdf and --eml name the same file: give each its own.")
    for target, what in ((pdf, "--pdf"), (eml, "--eml")):
        if target is not None:
            check_new(target, what)
    receipt = model.build(store, order, reprint=reprint, refund=refund)
    if pdf is not None:
        from receipts import pdf as pdf_layout

        write_new(pdf, pdf_layout.render(receipt, width), "--pdf")
        say(f"Wrote {show_path(pdf)}.")
    if eml is not None:
        from receipts.mail import message

        write_new(eml, bytes(message(receipt)), "--eml")
        say(f"Wrote {show_path(eml)}.")
    if text or (pdf is None and eml is None):
        from receipts import text as text_layout

        say_block(text_layout.render(receipt, width), nl=False)


def auto_receipt(store: "Store", order_id: str) -> Optional[Path]:
    """With a receipt folder set, a paid order's PDF receipt is written there."""
    from pos import config

    folder = config.get(store, "receipt.folder")
    if not folder:
        return None
    from pos.orders import resolve
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
            f"'pos receipt {order.number} --pdf FILE'.", err=True)
        return None
    return target
