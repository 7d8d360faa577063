"""What every command takes from its invocation: the store it runs on, who is acting, and the options' types.

The root of ``pos`` (``cli.py``) puts a :class:`State` on the click context: the store path
from ``--db`` and the sign-in check to run when a command first opens the store.  A command
asks :func:`open_store` for the store; the check then decides, from the permission table,
whether the person signed in on this terminal may run it.  Shared argument and option
types (``--json``, an order reference and its ``--day``, ``--register``) are declared here once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer

from pos.base.private_folders import make_private_folder
from commands.output import say
from commands.witnessing import at_start

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

CASHIER, DRIVER, OWNER, START = "Cashier", "Driver", "Owner", "Getting started"
"""The panels ``pos --help`` lists commands under, by who uses them."""

# Amounts typed as "-5" must reach our own "cannot be negative" message, not
# click's "no such option".
NUMBERS = {"ignore_unknown_options": True}

JSON_ASKED = "pos.json"
"""Where the root context's ``meta`` keeps that --json was given: the error boundary (cli.py) then answers in JSON."""


def json_asked(ctx: typer.Context, value: bool) -> bool:
    """The --json option's callback: remember it for the error boundary, which answers an error in JSON too."""
    if value:
        ctx.meta[JSON_ASKED] = True  # meta is shared by every context of the invocation
    return value


def whole_number(text: str | int) -> int:
    """A whole-number option or argument as typed (``--register 2``): ``abc`` is refused quoting it, as a usage error
    (click's own message for an integer does not say what was typed)."""
    if isinstance(text, int):
        return text
    value = text.strip(" ")
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits.isascii() and digits.isdigit()):
        raise typer.BadParameter(f"'{text[:40]}' is not a whole number (like 2)")
    if len(digits) > 100:
        raise typer.BadParameter(f"'{text[:40]}...' is too large a number")
    return int(value)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text (errors too, "
                                        "on stderr).", callback=json_asked)]
OrderArg = Annotated[str, typer.Argument(
    help="The order: its number on the business day open now (12), another day's (2026-12-06/12, as its receipt "
         "prints it), or its id.")]
OrderDayOpt = Annotated[Optional[str], typer.Option(
    "--day", help="The business day of the order's number, YYYY-MM-DD (default: the day open now).")]
RegisterOpt = Annotated[int, typer.Option("--register", "-r", parser=whole_number, metavar="N",
                                          help="Register (and drawer) number.")]


def group(help_text: str) -> typer.Typer:
    """A command group (``pos order ...``): its help, and its usage when called bare."""
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False)


class State:
    """One invocation's store path, the store once opened, and the sign-in check to run on it."""

    def __init__(self, db_path: str, check: Callable[[typer.Context, "Store"], None]) -> None:
        self.db_path = db_path
        self.store: Store | None = None
        self.check = check


def state_of(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if not isinstance(root.obj, State):  # pragma: no cover - a command called without the root of pos
        raise RuntimeError("pos commands run under cli.app, whose root sets up the store and the sign-in check")
    return root.obj


def open_store(ctx: typer.Context) -> "Store":
    """The store this invocation runs on, opened once; the sign-in check runs when it is first opened."""
    state = state_of(ctx)
    if state.store is None:
        from pos.store.store import Store

        state.store = Store.open(state.db_path)
        ctx.find_root().call_on_close(state.store.close)
        # Stripe's key is read from the environment only if a card payment needs it.
        state.store.memo["stripe_settings"] = stripe_settings
        state.store.memo["terminal"] = terminal_id()[:12]  # the audit trail names the terminal of every event
        state.store.keys = key_location()  # where a close finds the key that signs it
        from pos.opening.upgrades import finish_upgrade

        finish_upgrade(state.store)  # what an older version left to correct, before anyone acts on it
        state.check(ctx, state.store)
        warn_if_exposed(state.store)

        # Closings still waiting for a witness go now (a close sends them after its own commit instead: it never
        # waits on a witness); a witness more than a day behind is said.
        at_start(state.store, deliver_now=ctx.command_path.split()[1:3] not in (["day", "close"], ["day", "reopen"]))
    return state.store


KeyFileOpt = Annotated[Optional[Path], typer.Option(
    "--key-file", envvar="POS_KEY_FILE", show_envvar=False,
    help="The store's closing key (default: $XDG_DATA_HOME/anytender/keys/<store-id>.ed25519; or $POS_KEY_FILE).")]


def key_location(key_file: Optional[Path] = None) -> Any:
    """Where the private key that signs closings is: ``--key-file`` / ``POS_KEY_FILE``, else this user's data folder,
    ``$XDG_DATA_HOME/anytender/keys`` (by default ``~/.local/share/anytender/keys``), a file per store id."""
    from pos.base.secret_files import KeyLocation

    if key_file is not None:
        return KeyLocation(file=key_file)
    env = os.environ.get("POS_KEY_FILE")
    if env:
        return KeyLocation(file=Path(env))
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return KeyLocation(folder=data / "anytender" / "keys")


def state_folder() -> Path:
    """This user's own folder for what ``pos`` keeps between commands (sign-ins, warnings given):
    ``$XDG_STATE_HOME/anytender``, by default ``~/.local/state/anytender``."""
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "anytender"


def warn_if_exposed(store: "Store") -> None:
    """Say once per store file (one line on stderr) when other users of this machine can read it.

    Remembered by an owner-only marker file in :func:`state_folder`; when that cannot be written,
    the warning is given again next time, which is better than never.
    """
    import hashlib
    import shlex

    from pos.store.store_file import exposed_files

    exposed = exposed_files(store.path)
    if not exposed:
        return
    try:
        inode = store.path.stat().st_ino
    except OSError:
        return
    key = hashlib.sha256(f"{store.path.resolve()}|{inode}".encode()).hexdigest()[:16]
    marker = state_folder() / f"warned-open-{key}"
    if marker.exists():
        return

    names = " ".join(shlex.quote(str(p)) for p, _ in exposed)
    say(f"warning: {exposed[0][0].name} can be read by other users of this machine (mode {exposed[0][1]:o}): "
        f"make it owner-only with 'chmod 600 {names}' (it holds sales and PIN hashes). Said once.", err=True)
    try:
        make_private_folder(marker.parent)  # 0700, the parents it makes too
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    except OSError:
        pass


def terminal_id() -> str:
    """Which terminal this is, as a hash: its controlling terminal's device, and its session (id and start).

    Two windows on one OS account are two sessions, each with its own terminal: a sign-in made in
    one (or its file, copied) is refused in the other.  Gathered here, from the operating system;
    ``pos.people.signin`` checks it.  A process with no controlling terminal (a script under cron) is
    known by its session alone.
    """
    import hashlib
    from pathlib import Path

    parts = []
    try:
        fd = os.open("/dev/tty", os.O_RDONLY | getattr(os, "O_NOCTTY", 0))
    except OSError:
        parts.append("tty:none")
    else:
        try:
            parts.append(f"tty:{os.fstat(fd).st_rdev}")
        finally:
            os.close(fd)
    getsid = getattr(os, "getsid", None)
    sid = getsid(0) if getsid is not None else os.getppid()
    parts.append(f"session:{sid}")
    try:  # the session leader's start time (field 22 of /proc/PID/stat): a reused session id is another terminal
        parts.append("since:" + Path(f"/proc/{sid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError):
        pass
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def stripe_settings() -> Any:
    from payments.stripe.gateway import environ_settings

    return environ_settings(os.environ)


def signed_in_actor(store: "Store") -> Any:
    """The person signed in for this command, if the command needed one."""
    from pos.people.staff import get_staff

    actor_id = store.memo.get("actor_id")
    return get_staff(store, int(actor_id)) if actor_id is not None else None


def hidden_prompt(label: str) -> str:
    """What is typed at a terminal with echo off (a PIN).

    The prompt is shown only once echo is off (getpass), so nothing typed as soon as it appears is
    lost to the switch; Ctrl-C raises KeyboardInterrupt and Ctrl-D EOFError, as at any prompt.
    """
    import getpass
    import sys

    return getpass.getpass(f"{label}: ", stream=sys.stderr)


def at_terminal() -> bool:
    """Whether a person types the input here (a PIN is then read hidden), rather than a script or a pipe."""
    import sys

    return sys.stdin.isatty()


def read_pin(label: str) -> str:
    """A PIN typed now: hidden at a terminal; when input is not a terminal, the next line of it (never an argument)."""
    import sys

    if at_terminal():
        return hidden_prompt(label)
    line = sys.stdin.readline()  # no prompt: nobody reads one off a pipe
    if not line:
        from pos.base.errors import InvalidInput

        raise InvalidInput(f"No PIN was given ({label}): type it, or send it on the input.")
    return line.rstrip("\r\n")


def read_new_pin(label: str, check: Callable[[str], str]) -> str:
    """A new PIN, typed twice: hidden at a terminal (asked again when the two differ); when input is not a
    terminal, its next two lines, which must be the same.  ``check`` refuses a PIN that breaks the rules
    (before it is typed again) and returns it normalised."""
    from pos.base.errors import InvalidInput
    from pos.people.pins import normalise_pin

    tries = 3 if at_terminal() else 1
    for _ in range(tries):
        pin = check(read_pin(label))
        try:
            again = read_pin(f"{label} again")
        except InvalidInput:
            raise InvalidInput("A new PIN is typed twice: send it on two lines (nothing was changed).") from None
        if normalise_pin(again) == pin:
            return pin
        if at_terminal():
            typer.echo("The two PINs typed differ: type the new PIN again.", err=True)
    raise InvalidInput("The two PINs typed differ: type the same new PIN twice (nothing was changed).")


def ask_approver(ctx: typer.Context, name: Optional[str]) -> Any:
    """A manager's approval: their PIN, typed hidden now, never an argument."""
    if name is None:
        return None
    from pos.base.errors import Refused
    from pos.people.staff import get_staff
    from pos.people.pin_tries import check_pin_wait, verify_pin

    store = open_store(ctx)
    store.check_writable()  # an approval is for a change: refused before anyone types a PIN
    from pos.base.text import shown

    approver = get_staff(store, name)
    if approver.id == store.memo.get("actor_id"):  # an approver is never the person asking (pos.people.approvals)
        raise Refused(f"{approver.name} cannot approve their own request: another manager or the owner approves it.")
    check_pin_wait(store, approver)
    return verify_pin(store, approver.name, read_pin(f"PIN for {shown(approver.name)}"))  # on stderr: --json stays pure


def ask_pin_of(ctx: typer.Context, name: str, doing: str) -> Any:
    """The PIN of the person ``name`` who does ``doing`` now (counts cash, receives it), typed hidden as an approval
    is (:func:`ask_approver`), never an argument; their verified staff member."""
    from pos.people.staff import get_staff
    from pos.people.pin_tries import check_pin_wait, verify_pin
    from pos.base.text import shown

    store = open_store(ctx)
    store.check_writable()  # refused before anyone types a PIN
    member = get_staff(store, name)
    if not member.active:
        from pos.base.errors import NotAllowed

        raise NotAllowed(f"{member.name} is deactivated and cannot {doing}.")
    check_pin_wait(store, member)
    return verify_pin(store, member.name, read_pin(f"PIN for {shown(member.name)} ({doing})"))


def parse_day_option(text: str | None) -> Any:
    """A ``--day`` as typed (YYYY-MM-DD), or None when it was not given."""
    if text is None:
        return None
    from pos.store.clock import parse_day

    return parse_day(text)


def order_named(store: "Store", order: str, day: Optional[str] = None) -> str:
    """The id of the order a command names (``12``, ``2026-12-06/12`` or an id, with its ``--day``), found by the
    one reader of references (:func:`pos.sales.order_records.locate`).  An old number of an order carried over to another day
    finds it, and says on stderr where it is now (stdout stays the command's, --json too)."""
    from pos.sales.order_records import locate

    found = locate(store, order, parse_day_option(day))
    if found.moved_from is not None:
        say(f"Order {found.moved_from} was carried over to {found.order.business_day.isoformat()}: it is "
            f"{found.order.ref} now.", err=True)
    return found.order.id


def day_or_today(store: "Store", day: Optional[str]) -> Any:
    """The day asked for, or the business day open now (after an early close, the next one)."""
    from pos.store.days import current_day

    return parse_day_option(day) or current_day(store)
