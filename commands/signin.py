"""``pos login`` and ``pos logout``, and the sign-in a terminal keeps for one-shot commands."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from commands.context import CASHIER, RegisterOpt, open_store, read_pin, state_folder, terminal_id
from commands.files import FileWriteError, new_file, os_reason, show_path
from commands.output import say
from pos.private_folders import make_private_folder

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

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


def signed_in_member(store: "Store", register: Optional[int] = None) -> Any:
    """Who is signed in on this terminal for this store (and ``register``, when the command uses one), if anyone.

    None when nobody is, or their sign-in has ended; refused (``pos.errors.Refused``) when the sign-in
    kept here was made on another terminal, or for another register.
    """
    import json

    from pos.signin import who

    path = session_file(str(store.path))
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict):
        return None
    return who(store, str(saved.get("token", "")), terminal=terminal_id(), register=register)


def sign_in_here(store: "Store", name: str, register: Optional[int]) -> Any:
    """Sign someone in on this terminal: the token goes in an owner-only file, the store keeps its hash.

    The file is written whole inside the sign-in's transaction (see ``pos.signin.sign_in``), so
    a sign-in file that cannot be written (a read-only folder, a full disk) leaves no sign-in in
    the store, and the one already on this terminal stays as it was.
    """
    import json

    from pos.signin import sign_in, sign_out
    from pos.staff import get_staff

    store.check_writable()
    from pos.text import shown

    from pos.staff import check_pin_wait

    member = get_staff(store, name)
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
            _, member, _ = sign_in(store, name, pin, register, terminal=terminal_id(), keep=keep)
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
) -> None:
    """Sign in on this terminal (PIN typed hidden) for commands that change the store."""
    from pos import config

    store = open_store(ctx)
    member = sign_in_here(store, name, register)
    minutes = config.get(store, "signin.minutes")
    from commands.output import say

    from pos.words import counted

    say(f"{member.name} is signed in on this terminal for {counted(int(minutes), 'minute')}.")


@top_level.command("logout", rich_help_panel=CASHIER)
def logout_cmd(ctx: typer.Context) -> None:
    """Sign out of this terminal."""
    import json

    from pos.signin import sign_out

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
