"""``pos kiosk ...``: self-checkout kiosks and the customer's screen."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Optional, TYPE_CHECKING

import click
import typer

from commands.context import JsonFlag, group, hidden_prompt, open_store, whole_number
from commands.output import CardWait, emit, print_table, say, staff_name
from commands.receipt import auto_receipt

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

kiosk_app = group("Self-checkout kiosks: their readers and attendants, and the customer's screen.")

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {"kiosk setup": "CHANGE_SETTINGS"}

KioskArg = Annotated[int, typer.Argument(parser=whole_number, help="Kiosk number.")]


def _kiosk_dict(store: "Store", kiosk: Any) -> dict[str, Any]:
    from payments.selfcheckout import offers_tip

    return {"number": kiosk.number, "reader": kiosk.reader, "attendant": kiosk.attendant,
            "offers_tip": offers_tip(store, kiosk)}


@kiosk_app.command("setup")
def kiosk_setup(
    ctx: typer.Context,
    number: KioskArg,
    reader: Annotated[Optional[str], typer.Option(help="The kiosk's Stripe Terminal reader (tmr_...).")] = None,
    attendant: Annotated[
        Optional[str], typer.Option(help="Staff member who looks after it (its tips go to them while on shift).")
    ] = None,
    unattended: Annotated[bool, typer.Option("--unattended", help="Nobody looks after it: it never asks for a tip.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a kiosk or change its reader or attendant."""
    from payments.selfcheckout import setup_kiosk

    store = open_store(ctx)
    kiosk = setup_kiosk(store, number, reader, attendant, unattended)
    who = f"attended by {staff_name(store, kiosk.attendant)}" if kiosk.attendant else "unattended (no tip prompt)"
    emit(as_json, _kiosk_dict(store, kiosk), f"Kiosk {kiosk.number}: reader {kiosk.reader or '(none)'}, {who}.")


@kiosk_app.command("list")
def kiosk_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The store's kiosks, and whether each may offer a tip right now."""
    from payments.selfcheckout import list_kiosks

    store = open_store(ctx)
    kiosks = [_kiosk_dict(store, k) for k in list_kiosks(store)]
    emit(as_json, kiosks, lambda: print_table(
        "Kiosks", ["#", "Reader", "Attendant", "Tip prompt"],
        [[str(k["number"]), k["reader"] or "(none)", staff_name(store, k["attendant"]) if k["attendant"] else "-",
          "yes" if k["offers_tip"] else "no"] for k in kiosks], {0}))


@kiosk_app.command("run")
def kiosk_run(ctx: typer.Context, number: KioskArg) -> None:
    """The customer's screen: scan items, pay on the reader, or choose cash to pay a cashier.

    Reads one line at a time (a barcode scanner types the code and Enter).
    The customer cannot leave it: at a terminal Ctrl-C and Ctrl-D redraw it,
    Ctrl-Z does nothing. Staff close it with their PIN; when its input is not
    a terminal, its end closes it too. An unpaid order goes to the counter
    queue.
    """
    from screens.kiosk import KioskSession

    store = open_store(ctx)
    store.check_writable()  # before a customer scans anything
    session = KioskSession(store, number)
    interactive = sys.stdin.isatty()
    say(("TRAINING. " if store.settings.training else "") + session.screen()[0])
    with _customer_proof(interactive):
        while not session.done:
            try:
                _kiosk_line(store, session, interactive)
            except EOFError:  # Ctrl-D: at a terminal, nothing; a script's input has ended: the kiosk closes
                if not interactive:
                    for message in session.close():
                        say(message)
                    return
                _redraw(session)
            except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C (at a prompt too): nothing ends
                session.asking = None  # a question asked of staff goes away
                _redraw(session)


def _kiosk_line(store: "Store", session: Any, interactive: bool) -> None:
    """Read and answer one line (a customer's, or staff's name or PIN)."""
    asking = session.asking
    if asking is not None:
        if interactive:
            typed = hidden_prompt(asking.label) if asking.hidden else str(
                typer.prompt(asking.label, default="", show_default=False, err=True))
        else:
            typed = input()
        for message in session.answer(typed):
            say(message)
        return
    line = input("> " if interactive else "")
    with CardWait(store):
        for message in session.handle(line):
            say(message)
    if session.paid_order_id is not None:
        auto_receipt(store, session.paid_order_id)


def _redraw(session: Any) -> None:
    say("")
    for line in session.screen():
        say(line)


class _customer_proof:
    """At a terminal, Ctrl-Z (suspend) and Ctrl-\\ (quit) do nothing while the kiosk runs: nothing drops to the shell."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.saved: list[tuple[int, Any]] = []

    def __enter__(self) -> None:
        import signal

        if not self.interactive:
            return
        for name in ("SIGTSTP", "SIGQUIT"):
            number = getattr(signal, name, None)
            if number is not None:
                self.saved.append((number, signal.signal(number, signal.SIG_IGN)))

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self.saved:
            signal.signal(number, handler)
