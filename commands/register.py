"""``pos register``: the counter session in a terminal (the session itself is a screen)."""

from __future__ import annotations

import sys
from typing import Annotated, Any, Callable, Optional

import click
import typer

from commands.context import CASHIER, RegisterOpt, hidden_prompt, open_store, read_pin
from commands.output import CardWait, say
from commands.receipt import auto_receipt
from pos.errors import InvalidInput

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

@top_level.command("register", rich_help_panel=CASHIER)
def register_cmd(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Option("--name", help="Who signs in (asked if left out).")] = None,
    register: RegisterOpt = 1,
) -> None:
    """The counter register: sign in by PIN, then ring sales with short commands (help lists them)."""
    from pos.shifts import clock_in
    from pos.staff import get_staff, open_shift, verify_pin
    from screens.register import Session

    from pos.drawer import check_register

    store = open_store(ctx)
    store.check_writable()  # a read-only store cannot ring a sale: said before anyone types a PIN
    check_register(register)  # before anyone types a PIN
    who = name or typer.prompt("Name", err=True)
    from pos.text import shown

    member = verify_pin(store, who, read_pin(f"PIN for {shown(get_staff(store, who).name)}"), register=register)
    if open_shift(store, member) is None:
        if not typer.confirm(f"{shown(member.first_name)} is not on shift. Start the shift now?", default=True,
                             err=True):
            raise InvalidInput("A cashier rings sales on shift: start one with 'pos shift start NAME'.")
        clock_in(store, member.name, member, register=register)  # by the PIN they just typed
    from pos import audit

    audit.record(store, audit.Event.SIGN_IN, {"who": member.name}, staff_id=member.id, register=register)
    from pos import config

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
    prompt: Any = PromptSession(completer=_Complete(), complete_while_typing=False, key_bindings=keys)
    return lambda: str(prompt.prompt("> "))
