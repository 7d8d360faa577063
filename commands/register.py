"""``pos register``: the counter session in a terminal (the session itself is a screen)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import click
import typer

from commands.context import CASHIER, RegisterOpt, hidden_prompt, open_store, read_pin
from commands.output import CardWait, say
from commands.receipt import auto_receipt
from pos.base.errors import AnytenderError, InvalidInput
from commands.kiosk import _customer_proof

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

@top_level.command("register", rich_help_panel=CASHIER)
def register_cmd(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Option("--name", help="Who signs in (asked if left out).")] = None,
    register: RegisterOpt = 1,
    till: Annotated[bool, typer.Option("--till", help="The till's own session, for its login shell: signing out "
                                       "or quit goes back to the sign-in, never ends it.")] = False,
) -> None:
    """The counter register: sign in by PIN, then ring sales with short commands (help lists them).

    It never gives a shell: no command of it starts another program (no shell escape, no editor),
    Ctrl-Z and Ctrl-\\ do nothing at its terminal, and an error nobody foresaw (a bug) goes back to
    the sign-in, said in one line, rather than ending it.  With ``--till`` (the till's login shell,
    see the README's deployment section) signing out and ``quit`` go back to the sign-in too.
    """
    from pos.store.registers import check_register

    store = open_store(ctx)
    store.check_writable()  # a read-only store cannot ring a sale: said before anyone types a PIN
    check_register(register)  # before anyone types a PIN
    interactive = sys.stdin.isatty()
    with _customer_proof(interactive):  # Ctrl-Z (suspend) and Ctrl-\ (quit) do nothing: nothing drops to a shell
        while True:
            try:
                _session(store, name, register)
                if not till:
                    return
            except EOFError:  # Ctrl-D at the sign-in (the till asks again); a script's input has ended
                if not till:
                    raise
                if not interactive:
                    return
            except (KeyboardInterrupt, click.exceptions.Abort, typer.Abort):  # Ctrl-C at the sign-in: asked again
                if not till:
                    raise
                if not interactive:
                    return
                say("")
            except AnytenderError as exc:  # a wrong PIN, someone locked out: the till asks again
                if not till:
                    raise
                say(exc.message, err=True)
            except Exception as exc:  # a bug: back to the sign-in, never to a shell
                if not (till or interactive):
                    raise  # a script: the bug shows as it is
                _crashed(store, exc)
                if not interactive:
                    return
            name = None  # the next one to sign in is asked


def _crashed(store: "Store", exc: Exception) -> None:
    """Say in one line that the register met an error it did not foresee, and record it (when the store can)."""
    import time

    from pos.store import audit

    what = f"{type(exc).__name__}: {exc}"[:300]
    say(f"The register met an error it did not expect ({what}); it is back at the sign-in. "
        "Tell the owner what was typed last.", err=True)
    try:
        audit.refused(store, "pos register", f"an error nobody foresaw: {what}")
    except Exception:  # noqa: BLE001 - the store itself may be what failed: the sign-in comes back regardless
        pass
    time.sleep(1)  # an error that recurs at once cannot spin the till


def _session(store: "Store", name: Optional[str], register: int) -> None:
    """One cashier's session at the register: the sign-in (name and PIN), then their lines until they sign out."""
    from pos.day.shifts import clock_in
    from pos.people.staff import get_staff, open_shift
    from pos.people.pin_tries import verify_pin
    from screens.register import Session

    who = name or typer.prompt("Name", err=True)
    from pos.base.text import shown

    member = verify_pin(store, who, read_pin(f"PIN for {shown(get_staff(store, who).name)}"), register=register)
    if open_shift(store, member) is None:
        if not typer.confirm(f"{shown(member.first_name)} is not on shift. Start the shift now?", default=True,
                             err=True):
            raise InvalidInput("A cashier rings sales on shift: start one with 'pos shift start NAME'.")
        clock_in(store, member.name, member, register=register)  # by the PIN they just typed
    from pos.store import audit

    audit.record(store, audit.Event.SIGN_IN, {"who": member.name}, staff_id=member.id, register=register)
    from pos.store import config

    import shutil

    session = Session(store, member, register, lock_after_s=config.get_minor(store, "register.lock_after") * 60,
                      width=lambda: shutil.get_terminal_size().columns)  # read at each 'help': the window may resize
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    read = _prompt_reader(session) if interactive else (lambda: input())
    for line in session.screen():
        say(line)
    while not session.done:
        try:
            if session.asking is not None:  # a manager's approval, the cashier's PIN to end the shift, a switch
                asking = session.asking
                if interactive:
                    typed = hidden_prompt(asking.label) if asking.hidden else str(
                        typer.prompt(asking.label, default="", show_default=False, err=True))
                else:
                    typed = input()
                for message in session.answer(typed):
                    say(message)
                if not session.done and session.asking is None and not session.locked:
                    for line in session.screen():
                        say(line)
                continue
            if session.locked:  # the cashier's PIN; Enter alone lets another cashier sign in
                typed = hidden_prompt("PIN") if interactive else input()
                for message in session.unlock(typed):
                    say(message)
                if not session.locked and session.asking is None:
                    for line in session.screen():
                        say(line)
                continue
            typed = read()
        except EOFError:  # Ctrl-D, or the end of scripted input: sign out, keeping any open order
            for message in session.sign_out():
                say(message)
            break
        except (KeyboardInterrupt, click.exceptions.Abort):  # Ctrl-C clears the line (or cancels a question)
            if session.asking is not None:
                for message in session.answer(""):
                    say(message)
            continue
        paid_before = session.last_paid
        with CardWait(store):
            messages = session.handle(typed)
        for message in messages:
            say(message)
        if session.last_paid is not None and session.last_paid != paid_before:
            saved = auto_receipt(store, session.last_paid)
            if saved is not None:
                say(f"Receipt: {saved}")
        if not session.done and typed.strip():
            for line in session.screen():
                say(line)


def _prompt_reader(session: Any) -> Callable[[], str]:
    """A prompt with history (this session), tab completion of commands, SKUs and item names, and the quick keys
    on F1 to F9: one key stroke rings the item on key 1 to 9 (after ``3*``, three of it).

    A digit alone cannot be one key stroke: ``3*SODA`` typed by hand starts with one, and a scanner's
    numeric barcode too.  So a digit is a key only as a whole line (``1`` and Enter), and F1 to F9 are
    the keys that never start anything else.
    """
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.key_binding import KeyBindings

    class _Complete(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Any:
            text = document.text_before_cursor
            word = text.split(" ")[-1].split("*")[-1]
            for choice in session.completions(text):
                yield Completion(choice, start_position=-len(word))

    keys = KeyBindings()

    def quick_key(digit: str) -> Callable[[Any], None]:
        def press(event: Any) -> None:
            line = event.app.current_buffer
            if line.text and not line.text.endswith("*"):  # in the middle of a code: it means nothing there
                return
            line.insert_text(digit)
            line.validate_and_handle()

        return press

    for digit in "123456789":
        keys.add(f"f{digit}")(quick_key(digit))
    # No editor (Ctrl-X Ctrl-E), no system prompt (Meta-!), no suspend (Ctrl-Z): nothing here starts a program.
    prompt: Any = PromptSession(completer=_Complete(), complete_while_typing=False, key_bindings=keys,
                                enable_open_in_editor=False, enable_system_prompt=False, enable_suspend=False)
    return lambda: str(prompt.prompt("> "))
