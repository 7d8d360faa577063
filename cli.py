"""The ``pos`` command: the entry point, thin over the ``pos`` library.

This module holds the root of the command line and nothing else: the ``--db`` option, the
error boundary (an :class:`pos.base.errors.AnytenderError`, or a failure of the system, becomes
one line on stderr and exit code 1), the sign-in check, and the lazy loading of commands.
The commands themselves live one group to a module in ``commands/`` (``pos day close`` is
in ``commands/day.py``); each names the permission its state-changing commands need.

Start-up time matters (a cashier runs these all day), so only the module of the command
asked for is imported, and the core, rich, sqlite-utils and babel are imported inside the
commands that need them.
"""

from __future__ import annotations

import errno
import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from commands.context import CASHIER, DRIVER, OWNER, State
from pos.base.errors import AnytenderError, InvalidInput, NotAllowed, Refused

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

# The command groups, in the order ``pos --help`` lists them: (name, module in commands/, attribute, panel).
GROUPS = (
    ("order", "orders", "order_app", CASHIER), ("payments", "pay", "payments_app", CASHIER),
    ("drawer", "drawer", "drawer_app", CASHIER), ("delivery", "delivery", "delivery_app", DRIVER),
    ("driver", "delivery", "driver_app", DRIVER), ("config", "config", "config_app", OWNER),
    ("kiosk", "kiosk", "kiosk_app", OWNER), ("tips", "tips", "tips_app", OWNER), ("day", "day", "day_app", OWNER),
    ("shift", "staff", "shift_app", CASHIER), ("item", "catalog", "item_app", OWNER),
    ("tax", "catalog", "tax_app", OWNER), ("staff", "staff", "staff_app", OWNER),
    ("ledger", "ledger", "ledger_app", OWNER), ("report", "report", "report_app", OWNER),
)
# The commands that sit at the top, beside the groups: name -> module in commands/ (its ``top_level`` app).
COMMANDS = {
    "init": "setup", "demo": "demo", "pay": "pay", "refund": "pay", "void": "pay", "login": "signin",
    "logout": "signin", "register": "register", "audit": "audit", "receipt": "receipt", "serve": "serve",
}
HELP = "Anytender: take orders any way, get paid any way, keep the books exact."


class _PosGroup(TyperGroup):
    """Turns expected errors into one line and exit code 1, anywhere below it (with --json, a line of JSON
    naming the error's code): a usage error too (a missing argument, an unknown option, a value of the wrong
    type), with the command's usage in the same line, wherever click finds it (:func:`_usage_error`).

    Also the safety net for failures of the operating system that no command foresaw (a file
    that cannot be written, a full disk): one line that says what happened, never a traceback.
    Anything else is a bug, and is left to show its traceback.
    """

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        words = list(args)  # as typed: the root's own options are parsed here, before any command runs
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except Exception as exc:
            if not _is_usage_error(exc):
                raise
            _usage_error(exc, words, None)

    def invoke(self, ctx: Any) -> Any:
        words = [*getattr(ctx, "_protected_args", ()), *ctx.args]  # as typed, for a usage error under --json
        try:
            result = super().invoke(ctx)
            _record_command(ctx)
        except AnytenderError as exc:
            _error(ctx, _refusal_recorded(ctx, exc) if isinstance(exc, Refused) else exc.message, exc.code)
        except Exception as exc:
            if _is_usage_error(exc):
                _usage_error(exc, words, ctx)
            if "Abort" in {kind.__name__ for kind in type(exc).__mro__}:  # a question left unanswered (end of input)
                typer.echo("", err=True)  # the question's line ends: the error is a line of its own
                _error(ctx, "Stopped: a question was left unanswered (the input ended, or Ctrl-C); nothing more "
                            "was done.", "invalid_input")
            message = _system_failure(ctx, exc)
            if message is None:
                raise
            _error(ctx, message, "system_failure")
        return result


def _is_usage_error(exc: BaseException) -> bool:
    """Whether ``exc`` is one of click's own errors about what was typed (a usage error, a bad parameter), other
    than a bare group or command asked with nothing (click shows its help then, as ``pos --help`` does)."""
    kinds = {kind.__name__ for kind in type(exc).__mro__}
    return "UsageError" in kinds and "NoArgsIsHelpError" not in kinds and hasattr(exc, "format_message")


def _usage_error(exc: Any, words: list[str], ctx: Any) -> NoReturn:
    """A usage error as one line, ``error: No such option: --nope (usage: pos order list [OPTIONS]; see 'pos order
    list --help')``, and exit code 1, like every other error; under --json, that line is JSON with code ``usage``."""
    from pos.base.text import shown

    said = " ".join(str(exc.format_message()).split())
    said = said if said.endswith((".", "?")) else f"{said}."
    where = getattr(exc, "ctx", None)
    if where is not None:
        usage = " ".join(where.get_usage().split())
        usage = usage[len("Usage:"):].strip() if usage.startswith("Usage:") else usage
        said = f"{said} Usage: {usage} (see '{where.command_path} --help')."
    else:
        said = f"{said} See 'pos --help'."
    asked = words[:words.index("--")] if "--" in words else words
    if "--json" in asked or (ctx is not None and _json_asked(ctx)):
        from commands.output import error_json

        error_json(said, "usage")
    else:
        typer.echo(f"error: {shown(said)}", err=True)
    raise typer.Exit(1)


def _json_asked(ctx: Any) -> bool:
    from commands.context import JSON_ASKED

    return bool(ctx.meta.get(JSON_ASKED))


def _error(ctx: Any, message: str, code: str) -> NoReturn:
    """The one line of an expected error, and exit code 1; under --json, that line is JSON with the error's code.

    A message may quote what was typed, or a name from the store: its control, format and bidi
    characters are escaped (``pos.base.text.shown``; in JSON, as ``\\uXXXX``), so an error can never clear a
    screen or forge a line.
    """
    from commands.context import JSON_ASKED

    if ctx.meta.get(JSON_ASKED):
        from commands.output import error_json

        error_json(message, code)
    else:
        from pos.base.text import shown

        typer.echo(f"error: {shown(message)}", err=True)
    raise typer.Exit(1) from None


def _system_failure(ctx: Any, exc: Exception) -> str | None:
    """One line for a failure of the system under a command (OSError, the disk under SQLite), or None."""
    if isinstance(exc, OSError):
        if exc.errno == errno.EPIPE:
            return None  # the reader of our output went away (pos ledger export | head): click ends quietly
        from commands.files import os_message

        return os_message(exc)
    if "sqlite3" in sys.modules:
        import sqlite3

        state = ctx.obj if isinstance(ctx.obj, State) else None
        if isinstance(exc, sqlite3.Error) and state is not None and state.store is not None:
            translated = state.store.disk_error(exc, "unknown")
            return translated.message if translated is not None else None
    return None


def _record_command(ctx: Any) -> None:
    """A command that ran for a signed-in person (a change, or a read of the books) goes in the audit trail.

    A read of the books on a store opened read-only cannot be recorded, and has been read: it is not.
    """
    state = ctx.obj if isinstance(ctx.obj, State) else None
    store = state.store if state is not None else None
    command = store.memo.get("command") if store is not None else None
    if store is None or command is None or store.memo.get("actor_id") is None or store.read_only is not None:
        return
    if store.memo.get("audited"):
        return  # what it did is in the trail already, in the words of what it did (an item's price before and after)
    from pos.store import audit

    audit.record(store, audit.Event.COMMAND, {"command": command, "arguments": store.memo.get("arguments", {})})


def _refusal_recorded(ctx: Any, exc: Refused) -> str:
    """Record an attempt a control refused in the audit trail; the refusal's line, saying so when it cannot be."""
    state = ctx.obj if isinstance(ctx.obj, State) else None
    store = state.store if state is not None else None
    if store is None:
        return exc.message
    from pos.store import audit

    asked = store.memo.get("asked") or "pos"
    if audit.refused(store, asked, exc.message, register=store.memo.get("register")):
        return exc.message
    why = "the store is read-only" if store.read_only is not None else "the store could not be written"
    return f"{exc.message} (This refusal could not be recorded: {why}.)"


# -- the root, and the sign-in check ------------------------------------------------------------


def _root(
    ctx: typer.Context,
    db: Annotated[
        str, typer.Option("--db", envvar="POS_DB", help="Store file to use (default ./pos.db, or $POS_DB).")
    ] = "pos.db",
) -> None:
    ctx.obj = State(db, _check_permission)


def _check_permission(ctx: typer.Context, store: "Store") -> None:
    """A command the table lists runs only for someone signed in on this terminal (and for its register)
    whom the permission table allows; a refusal is recorded (:func:`_refusal_recorded`).

    The table lists every command that changes the store, and the reads of the books (the audit
    trail, the ledger, the day report, payroll, other people's cash and tips) and of customers'
    orders across days (``pos order find``).  A command a person
    may run about themselves (a module's ``SELF_SERVICE``: ``pos driver cash Dave`` for Dave) needs
    no permission for that.
    """
    from pos.store import config

    words = ctx.command_path.split()[1:]
    command = " ".join(w for w in words if not w.startswith("-"))
    register = ctx.params.get("register")
    store.memo["asked"] = f"pos {command}"
    store.memo["register"] = register if isinstance(register, int) else None
    action_name = _action_of(command) or _option_action_of(command, ctx.params)
    if action_name is None or config.get(store, "signin.required") != "yes":
        return
    if not store.scalar("SELECT count(*) FROM staff WHERE active = 1"):
        return  # a store with nobody on its staff yet is being set up: there is no one to sign in as
    from commands.signin import sign_in_here, signed_in_member
    from pos.people.permissions import Action, require

    action = Action[action_name]
    member = signed_in_member(store, store.memo["register"])
    if member is None:
        if not sys.stdin.isatty():
            does = {Action.READ_BOOKS: "reads the books", Action.FIND_ORDERS: "searches customers' orders",
                    Action.EMAIL_RECEIPT: "with --email sends a receipt away"}.get(action, "changes the store")
            raise InvalidInput(f"'pos {command}' {does}: sign in first with 'pos login NAME'.")
        member = sign_in_here(store, typer.prompt("Sign in: name", err=True), store.memo["register"])
    store.memo["actor_id"] = member.id  # who is asking, refused or not
    if not _about_themselves(store, command, ctx.params, member):
        try:
            require(member, action, asked=f"'{_typed(ctx, command)}'")
        except NotAllowed as exc:
            raise Refused(exc.message) from None
    store.memo["command"] = f"pos {command}"
    store.memo["arguments"] = {k: v for k, v in ctx.params.items() if v not in (None, False, ()) and k != "as_json"}
    store.memo["audited"] = 0  # what the command records from here on


def _typed(ctx: typer.Context, command: str) -> str:
    """What was asked, for a refusal: the command and its arguments (``pos driver handin Dave 20``), no options."""
    arguments = [str(ctx.params[p.name]) for p in ctx.command.params
                 if p.param_type_name == "argument" and p.name and isinstance(ctx.params.get(p.name), (str, int))]
    return " ".join(["pos", command, *arguments])


def _about_themselves(store: "Store", command: str, params: dict[str, Any], member: Any) -> bool:
    """Whether the command is one a person may run about themselves, and names ``member`` (its SELF_SERVICE)."""
    param = next((getattr(module, "SELF_SERVICE", {}).get(command) for module in _loaded.values()
                  if command in getattr(module, "SELF_SERVICE", {})), None)
    named = params.get(param) if param else None
    if not isinstance(named, str):
        return False
    from pos.people.staff import get_staff

    return bool(get_staff(store, named).id == member.id)


# -- loading only what was asked for ------------------------------------------------------------

_loaded: dict[str, ModuleType] = {}


def _module(name: str) -> ModuleType:
    """A module of ``commands/``, imported the first time it is needed."""
    if name not in _loaded:
        _loaded[name] = importlib.import_module(f"commands.{name}")
    return _loaded[name]


def _action_of(command: str) -> str | None:
    """The permission a command needs, from the ACTIONS of its module (loaded, since it is running)."""
    for module in _loaded.values():
        action = getattr(module, "ACTIONS", {}).get(command)
        if action is not None:
            return action
    return None


def _option_action_of(command: str, params: dict[str, Any]) -> str | None:
    """The permission an option given to a command needs, from the OPTION_ACTIONS of its module
    (``pos receipt --email``: printing a receipt is anyone's, sending it away is not)."""
    for module in _loaded.values():
        for option, action in getattr(module, "OPTION_ACTIONS", {}).get(command, {}).items():
            if params.get(option) not in (None, False, ()):
                return str(action)
    return None


def _command_infos(name: str) -> list[Any]:
    """The top-level command ``name`` as its module registered it."""
    return [c for c in _module(COMMANDS[name]).top_level.registered_commands
            if (c.name or (c.callback.__name__ if c.callback else "")) == name]


def _add_group(target: typer.Typer, name: str, module: str, attribute: str, panel: str) -> None:
    target.add_typer(getattr(_module(module), attribute), name=name, rich_help_panel=panel)


def _whole_app() -> typer.Typer:
    """Every command and group: for ``pos --help``, a typo, and the tests."""
    whole = globals().get("app")
    if whole is None:
        whole = typer.Typer(cls=_PosGroup, help=HELP, no_args_is_help=True, add_completion=False,
                            pretty_exceptions_enable=False)
        whole.callback()(_root)
        for group in GROUPS:
            _add_group(whole, *group)
        for name in COMMANDS:
            whole.registered_commands.extend(_command_infos(name))
        globals()["app"] = whole
    return whole


def __getattr__(name: str) -> Any:
    """``cli.app`` (the whole app), ``cli.COMMAND_ACTIONS`` (every command's permission) and
    ``cli.COMMAND_SELF_SERVICE`` (the commands a person may run about themselves), built when asked for."""
    if name == "app":
        return _whole_app()
    if name == "COMMAND_ACTIONS":
        _whole_app()
        return {command: action for module in _loaded.values() for command, action in
                getattr(module, "ACTIONS", {}).items()}
    if name == "COMMAND_SELF_SERVICE":
        _whole_app()
        return {command: param for module in _loaded.values() for command, param in
                getattr(module, "SELF_SERVICE", {}).items()}
    raise AttributeError(f"module 'cli' has no attribute {name!r}")


def _command_word(argv: list[str]) -> str | None:
    """The first word after the root's own options (``--db PATH``): the command or group asked for."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
        elif not word.startswith("--db="):
            return None  # --help, --version...: the whole app answers
    return None


def _app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command or group asked for registered, its module alone imported.

    Typer turns every registered command into a click command before it parses anything
    (about 30 ms for the whole app), and importing every command module costs more; a
    cashier's command needs one group.  Anything else (``pos --help``, a typo) gets the whole
    app, so help and "no such command" stay complete.
    """
    word = _command_word(argv)
    groups = [group for group in GROUPS if group[0] == word]
    if not groups and word not in COMMANDS:
        return _whole_app()
    lite = typer.Typer(cls=_PosGroup, add_completion=False, pretty_exceptions_enable=False)
    lite.callback()(_root)
    for group in groups:
        _add_group(lite, *group)
    if word in COMMANDS:
        lite.registered_commands.extend(_command_infos(word))
    return lite


def main() -> None:
    """Console-script entry point."""
    _app_for(sys.argv[1:])(prog_name="pos")


if __name__ == "__main__":  # pragma: no cover
    main()
