"""``pos login`` and ``pos logout``, and the sign-in a terminal keeps for one-shot commands.

A sign-in is bound to its terminal by two things: the terminal's identity, which the operating system
shows any process of the same user (:func:`commands.context.terminal_id`), and a secret only the
terminal's own shell holds, ``POS_TERMINAL_KEY`` in its environment (:func:`terminal_binding`).
``eval "$(pos login NAME --shell)"`` signs in and gives the shell its key (an ``export`` line is all it
prints on standard output); the file keeps the token, the environment the key, the store neither
(only a hash of both).  What remains: a process started from that shell inherits the key, and one of
the same user that reads the shell's own environment (``/proc/PID/environ``) or attaches a debugger to
it takes it; that is why a till's OS user gets ``pos register`` and never a shell (README, deployment).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from commands.context import CASHIER, RegisterOpt, open_store, read_pin, state_folder, terminal_id
from commands.files import FileWriteError, new_file, os_reason, show_path
from commands.output import say
from pos.base.private_folders import make_private_folder

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""


def session_file(db_path: str) -> Path:
    """Where this terminal keeps its sign-in for a store: owner-only, one per store file and terminal."""
    import hashlib

    chosen = os.environ.get("POS_SESSION_FILE")
    if chosen:
        return Path(chosen)
    key = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
    return state_folder() / f"signin-{key}-{terminal_id()[:16]}.json"


TERMINAL_KEY = "POS_TERMINAL_KEY"
"""The environment variable that holds this shell's own secret (see the module docstring)."""
_SHORTEST_KEY = 32
NO_KEY = ("This shell has no terminal key of its own, so a sign-in here could be used from any process that "
          "can see this terminal: sign in with 'eval \"$(pos login NAME --shell)\"', which gives the shell its key.")


def terminal_key() -> str | None:
    """This shell's own secret (hex, 128 bits or more), or None when it has none; refused when it is too weak."""
    from pos.base.errors import InvalidInput

    key = os.environ.get(TERMINAL_KEY, "").strip()
    if not key:
        return None
    if len(key) < _SHORTEST_KEY or any(c not in "0123456789abcdef" for c in key.lower()):
        raise InvalidInput(f"{TERMINAL_KEY} is not a key pos made (at least {_SHORTEST_KEY} hex digits): unset it "
                           "and sign in with 'eval \"$(pos login NAME --shell)\"'.")
    return key


def terminal_binding() -> str | None:
    """What a sign-in is bound to: this terminal's identity and this shell's own key; None without a key."""
    import hashlib

    key = terminal_key()
    if key is None:
        return None
    return hashlib.sha256(f"{terminal_id()}|key:{key.lower()}".encode()).hexdigest()


def signed_in_member(store: "Store", register: Optional[int] = None) -> Any:
    """Who is signed in on this terminal for this store (and ``register``, when the command uses one), if anyone.

    None when nobody is, or their sign-in has ended; refused (``pos.base.errors.Refused``) when the sign-in
    kept here was made on another terminal, or for another register.
    """
    import json

    from pos.people.signin import who

    path = session_file(str(store.path))
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict):
        return None
    return who(store, str(saved.get("token", "")), terminal=terminal_binding(), register=register)


def sign_in_here(store: "Store", name: str, register: Optional[int]) -> Any:
    """Sign someone in on this terminal: the token goes in an owner-only file, the store keeps its hash.

    The file is written whole inside the sign-in's transaction (see ``pos.people.signin.sign_in``), so
    a sign-in file that cannot be written (a read-only folder, a full disk) leaves no sign-in in
    the store, and the one already on this terminal stays as it was.
    """
    import json

    from pos.people.signin import sign_in, sign_out
    from pos.people.staff import get_staff

    store.check_writable()
    from pos.base.text import shown

    from pos.people.pin_tries import check_pin_wait

    member = get_staff(store, name)
    if terminal_binding() is None:  # before a PIN is typed: a sign-in without the shell's key is not made
        from pos.base.errors import InvalidInput

        raise InvalidInput(NO_KEY)
    check_pin_wait(store, member)  # waiting after wrong PINs: refused before a PIN is typed
    shown_name = shown(member.name)
    path = session_file(str(store.path))
    what = "the sign-in file"
    try:
        make_private_folder(path.parent)  # 0700, the parents it makes too
    except FileExistsError:  # exist_ok forgives only a folder: the folder's name is taken by a file
        raise signin_file_error(path, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise signin_file_error(path, exc) from None

    def keep(token: str, member: Any, expires: str) -> None:
        handle.write(json.dumps({"token": token, "staff": member.name, "expires_at": expires}))
        handle.flush()
        os.fsync(handle.fileno())  # a full disk is found now, while the sign-in can still be undone
        kept.append(token)

    kept: list[str] = []
    try:
        with new_file(path, what, text=True, replace=True) as handle:  # a .part file, owner-only
            pin = read_pin(f"PIN for {shown_name}")
            _, member, _ = sign_in(store, name, pin, register, terminal=terminal_binding(), keep=keep)
    except FileWriteError as exc:
        if kept:  # recorded, but the file could not take its place: end the sign-in again
            sign_out(store, kept[0])
        if exc.cause is None:
            raise
        raise signin_file_error(path, exc.cause) from None
    return member


def signin_file_error(path: Path, exc: OSError) -> FileWriteError:
    return FileWriteError(f"Cannot keep the sign-in in {show_path(path)}: {os_reason(exc)}; nobody was signed in. "
                      "Set POS_SESSION_FILE to a file in a folder you can write, or fix that folder.")


@top_level.command("login", rich_help_panel=CASHIER)
def login_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Who signs in.")],
    register: RegisterOpt = 1,
    shell: Annotated[bool, typer.Option("--shell", help="Print only the line that gives this shell its key: "
                                        "eval \"$(pos login NAME --shell)\".")] = False,
) -> None:
    """Sign in on this terminal (PIN typed hidden) for commands that change the store."""
    from pos.store import config

    store = open_store(ctx)
    if shell and terminal_key() is None:  # a new key, for this command and for the shell that evaluates the line
        import secrets

        os.environ[TERMINAL_KEY] = secrets.token_hex(24)
    member = sign_in_here(store, name, register)
    minutes = config.get(store, "signin.minutes")

    from pos.base.words import counted

    say(f"{member.name} is signed in on this terminal for {counted(int(minutes), 'minute')}.", err=shell)
    if shell:
        import sys

        sys.stdout.write(f"export {TERMINAL_KEY}={terminal_key()}\n")


@top_level.command("logout", rich_help_panel=CASHIER)
def logout_cmd(ctx: typer.Context) -> None:
    """Sign out of this terminal."""
    import json

    from pos.people.signin import sign_out

    store = open_store(ctx)
    path = session_file(str(store.path))
    try:
        token = str(json.loads(path.read_text()).get("token", ""))
    except (OSError, ValueError):
        say("Nobody is signed in on this terminal.")
        return
    store.check_writable()
    # Both or neither: the file is moved aside first (a read-only folder refuses here, nothing done),
    # then the sign-in is ended in the store; if that fails, the file is put back.
    ending = path.with_name(f".{path.name[:100]}.ending")
    try:
        os.replace(path, ending)
    except OSError as exc:
        raise FileWriteError(f"Cannot sign out: the sign-in file {show_path(path)} cannot be removed ({os_reason(exc)}); "
                         "nobody was signed out. Fix that folder's permissions, or the disk, and try again.") from None
    try:
        sign_out(store, token)
    except BaseException:
        os.replace(ending, path)
        raise
    ending.unlink(missing_ok=True)
    say("Signed out.")
