"""The ``pos`` command: a thin Typer layer over the ``pos`` core.

It parses arguments, calls the core, prints, and turns an
:class:`pos.errors.AnytenderError` into one line on stderr and exit code 1.
It holds no business rule: anything a command does, the library can do.

Start-up time matters (a cashier runs these all day), so the core, rich,
sqlite-utils and babel are imported inside the commands that need them.
"""

from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, Iterator, Optional

import typer
from typer.core import TyperGroup

from pos.errors import AnytenderError, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from pos.orders import Order, OrderView
    from pos.store import Store


class _PosGroup(TyperGroup):
    """Turns expected errors into one line and exit code 1, anywhere below it.

    Also the safety net for failures of the operating system that no command foresaw (a file
    that cannot be written, a full disk): one line that says what happened, never a traceback.
    Anything else is a bug, and is left to show its traceback.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            result = super().invoke(ctx)
            _record_command(ctx)
        except AnytenderError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            message = _system_failure(ctx, exc)
            if message is None:
                raise
            typer.echo(f"error: {message}", err=True)
            raise typer.Exit(1) from None
        return result


def _system_failure(ctx: Any, exc: Exception) -> str | None:
    """One line for a failure of the system under a command (OSError, the disk under SQLite), or None."""
    if isinstance(exc, OSError):
        if exc.errno == errno.EPIPE:
            return None  # the reader of our output went away (pos ledger export | head): click ends quietly
        return _os_message(exc)
    if "sqlite3" in sys.modules:
        import sqlite3

        state = ctx.obj if isinstance(ctx.obj, _State) else None
        if isinstance(exc, sqlite3.Error) and state is not None and state.store is not None:
            translated = state.store.disk_error(exc, "unknown")
            return translated.message if translated is not None else None
    return None


def _shown(path: Any) -> str:
    """A path as it may be shown on one line: control characters escaped, a very long one cut short."""
    text = str(path)
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= 120 else f"{text[:60]}...{text[-40:]} ({len(str(path))} characters)"


def _os_reason(exc: OSError) -> str:
    """What an OSError means, in a cashier's words."""
    reasons = {
        errno.ENOENT: "there is no such file or folder",
        errno.ENOTDIR: "a part of that path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENAMETOOLONG: "that path is too long",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EFBIG: "the file would be larger than this system allows",
        errno.EEXIST: "it already exists",
        errno.EIO: "the disk reported an error",
        errno.ELOOP: "too many symbolic links",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def _os_message(exc: OSError) -> str:
    """One line for an OSError nobody caught: what happened, to which file, and what to do."""
    where = _shown(exc.filename) if exc.filename is not None else None
    name = f" ({where})" if where is not None else ""
    code = exc.errno
    if code == errno.ENOENT:
        return f"No such file or folder: {where or '(not named)'}. Check the path."
    if code == errno.ENAMETOOLONG:
        return f"That path is too long{name}: choose a shorter one."
    if code in (errno.EACCES, errno.EPERM):
        return f"Cannot use {where or 'a file'}: permission denied. Check its permissions."
    if code == errno.EROFS:
        return f"Cannot write {where or 'a file'}: the disk is read-only."
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"The disk is full{name}: free some space and try again."
    return f"{_os_reason(exc).capitalize()}{name}: check the disk and the path, and try again."


# -- files the commands write ------------------------------------------------------


class _FileError(AnytenderError):
    """A file a command writes (an export, a PDF, the sign-in) cannot be written."""

    def __init__(self, message: str, cause: OSError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


def _check_new(path: Path, what: str, *, replace: bool = False, force_flag: str | None = None) -> None:
    """Refuse, before any work, a path that cannot become a new file: it exists (unless ``replace``),
    it is a folder, its folder is missing, or it is too long.  ``what`` names the option (``--out``)."""
    if "\0" in str(path):
        raise InvalidInput(f"A path cannot contain a NUL character: give another {what}.")
    try:
        if path.is_dir():
            raise InvalidInput(f"{_shown(path)} is a folder: give a file name for {what}.")
        if path.exists() and not replace:
            again = f"choose another file, or add {force_flag} to replace it" if force_flag else "choose another file"
            raise InvalidInput(f"{_shown(path)} already exists: {again} (nothing was overwritten).")
        folder = path.parent
        if not folder.exists():
            raise InvalidInput(f"No folder {_shown(folder)} for {what}: create it first, or choose another path "
                               "(nothing was written).")
        if not folder.is_dir():
            raise InvalidInput(f"{_shown(folder)} is a file, not a folder: choose another path for {what} "
                               "(nothing was written).")
    except OSError as exc:
        raise _file_error(path, what, exc) from None


def _file_error(path: Path, what: str, exc: OSError) -> _FileError:
    if exc.errno == errno.ENAMETOOLONG:
        return _FileError(f"That {what} path is too long ({len(str(path))} characters): choose a shorter one "
                          "(nothing was written).", exc)
    return _FileError(f"Cannot write {_shown(path)} ({what}): {_os_reason(exc)}; nothing was written. "
                      "Check the folder's permissions and the disk, or choose another path.", exc)


@contextmanager
def _new_file(path: Path, what: str, *, text: bool = False, replace: bool = False,
              force_flag: str | None = None) -> Iterator[Any]:
    """Write a file whole or not at all: the one way the CLI writes a file.

    The body writes to a hidden ``.part`` file in the same folder (owner-only); when it ends
    well the file is synced and renamed over ``path`` in one step, so a reader never sees half
    a file and a failure (a full disk, Ctrl-C, an error) leaves nothing behind.  An existing
    file is refused (nothing overwritten) unless ``replace``.
    """
    import tempfile

    _check_new(path, what, replace=replace, force_flag=force_flag)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".part")
    except OSError as exc:
        raise _file_error(path, what, exc) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if not replace and path.exists():
            raise InvalidInput(f"{_shown(path)} appeared while it was being written: it was left as it is.")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _file_error(path, what, exc) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_new(path: Path, data: bytes, what: str) -> None:
    """Write a file that must not exist yet, whole or not at all."""
    with _new_file(path, what) as handle:
        handle.write(data)


def _record_command(ctx: Any) -> None:
    """A state-changing command that ran for a signed-in person goes in the audit trail, with their name."""
    state = ctx.obj if isinstance(ctx.obj, _State) else None
    store = state.store if state is not None else None
    command = store.memo.get("command") if store is not None else None
    if store is None or command is None or store.memo.get("actor_id") is None:
        return
    from pos import audit

    audit.record(store, audit.Event.COMMAND, {"command": command})


def _typer(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False)


# Amounts typed as "-5" must reach our own "cannot be negative" message, not
# click's "no such option".
NUMBERS = {"ignore_unknown_options": True}


app = typer.Typer(
    cls=_PosGroup,
    help="Anytender: take orders any way, get paid any way, keep the books exact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
item_app = _typer("The catalog: items and their prices.")
tax_app = _typer("Tax categories and their rates.")
order_app = _typer("Orders on any channel: counter, phone, delivery, kiosk.")
staff_app = _typer("Staff and their PINs.")
shift_app = _typer("Clocking in and out.")
ledger_app = _typer("The books: double-entry journal, balances, checks and exports.")
payments_app = _typer("Payments of an order, and finishing payments a crash interrupted.")
delivery_app = _typer("Deliveries paid cash at the door.")
driver_app = _typer("A driver's cash: what they hold and hand in.")
drawer_app = _typer("Cash drawers: float, paid-ins, paid-outs, drops, expected cash.")
config_app = _typer("Store options: cash rounding, approvals, tips, payment links, receipts, the card reader.")
day_app = _typer("Closing the day: counts, settlement, tips, the lock; the Z report; reopening.")
tips_app = _typer("Tips: what is owed to whom, sharing the pool by hours, paying out.")
kiosk_app = _typer("Self-checkout kiosks: their readers and attendants, and the customer's screen.")

CASHIER, DRIVER, OWNER, START = "Cashier", "Driver", "Owner", "Getting started"
app.add_typer(order_app, name="order", rich_help_panel=CASHIER)
app.add_typer(payments_app, name="payments", rich_help_panel=CASHIER)
app.add_typer(drawer_app, name="drawer", rich_help_panel=CASHIER)
app.add_typer(delivery_app, name="delivery", rich_help_panel=DRIVER)
app.add_typer(driver_app, name="driver", rich_help_panel=DRIVER)
app.add_typer(config_app, name="config", rich_help_panel=OWNER)
app.add_typer(kiosk_app, name="kiosk", rich_help_panel=OWNER)
app.add_typer(tips_app, name="tips", rich_help_panel=OWNER)
app.add_typer(day_app, name="day", rich_help_panel=OWNER)
app.add_typer(shift_app, name="shift", rich_help_panel=CASHIER)
app.add_typer(item_app, name="item", rich_help_panel=OWNER)
app.add_typer(tax_app, name="tax", rich_help_panel=OWNER)
app.add_typer(staff_app, name="staff", rich_help_panel=OWNER)
app.add_typer(ledger_app, name="ledger", rich_help_panel=OWNER)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]


# -- shared plumbing ------------------------------------------------------------


class _State:
    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.store: Store | None = None


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str, typer.Option("--db", envvar="POS_DB", help="Store file to use (default ./pos.db, or $POS_DB).")
    ] = "pos.db",
) -> None:
    ctx.obj = _State(db)


def _state(ctx: typer.Context) -> _State:
    root = ctx.find_root()
    if not isinstance(root.obj, _State):  # pragma: no cover - only when called oddly
        root.obj = _State(os.environ.get("POS_DB", "pos.db"))
    return root.obj


def _store(ctx: typer.Context) -> "Store":
    state = _state(ctx)
    if state.store is None:
        from pos.store import Store

        state.store = Store.open(state.db_path)
        ctx.find_root().call_on_close(state.store.close)
        # Stripe's key is read from the environment only if a card payment needs it.
        state.store.memo["stripe_settings"] = _stripe_settings
        _check_permission(ctx, state.store)
    return state.store


# What each state-changing command needs, by the permission table (pos/permissions.py).  A command
# not listed changes nothing, or checks who is acting itself (pos register, pos login, a kiosk's screen).
COMMAND_ACTIONS: dict[str, str] = {
    "order new": "RING_SALE", "order add": "RING_SALE", "order remove": "RING_SALE", "order set": "RING_SALE",
    "order discount": "DISCOUNT", "order undiscount": "DISCOUNT", "order close": "RING_SALE",
    "order void": "VOID_UNPAID", "void": "VOID_UNPAID", "pay": "TAKE_PAYMENT", "refund": "REFUND_SMALL",
    "payments recover": "TAKE_PAYMENT", "delivery dispatch": "DISPATCH", "delivery collect": "OWN_DELIVERIES",
    "delivery fail": "OWN_DELIVERIES", "driver handin": "HAND_IN_OWN_CASH", "drawer open": "OPEN_DRAWER",
    "drawer paid-in": "PAID_IN_OUT", "drawer nosale": "NO_SALE", "drawer paid-out": "PAID_IN_OUT", "drawer drop": "PAID_IN_OUT",
    "config set": "CHANGE_SETTINGS", "kiosk setup": "CHANGE_SETTINGS", "item add": "MANAGE_CATALOG",
    "item edit": "MANAGE_CATALOG", "item deactivate": "MANAGE_CATALOG", "item import": "MANAGE_CATALOG",
    "tax add": "MANAGE_CATALOG", "staff add": "MANAGE_STAFF", "staff deactivate": "MANAGE_STAFF",
    "staff tips": "MANAGE_STAFF", "staff unlock": "MANAGE_STAFF", "ledger reverse": "CORRECT_BOOKS",
    "tips distribute": "DISTRIBUTE_TIPS", "tips payout": "TIP_PAYOUT", "day close": "CLOSE_DAY",
    "day reopen": "REOPEN_DAY",
}


def _session_file(db_path: str) -> Path:
    """Where this terminal keeps its sign-in for a store: owner-only, one per store file."""
    import hashlib

    chosen = os.environ.get("POS_SESSION_FILE")
    if chosen:
        return Path(chosen)
    key = hashlib.sha256(str(Path(db_path).resolve()).encode()).hexdigest()[:16]
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "anytender" / f"signin-{key}.json"


def _check_permission(ctx: typer.Context, store: "Store") -> None:
    """A state-changing command runs only for someone signed in whom the permission table allows."""
    from pos import config

    words = ctx.command_path.split()[1:]
    command = " ".join(w for w in words if not w.startswith("-"))
    action_name = COMMAND_ACTIONS.get(command)
    if action_name is None or config.get(store, "signin.required") != "yes":
        return
    if not store.scalar("SELECT count(*) FROM staff WHERE active = 1"):
        return  # a store with nobody on its staff yet is being set up: there is no one to sign in as
    from pos.permissions import Action, require

    member = _signed_in(store)
    if member is None:
        if not sys.stdin.isatty():
            raise InvalidInput(f"'pos {command}' changes the store: sign in first with 'pos login NAME'.")
        member = _login(store, typer.prompt("Sign in: name", err=True), None)
    require(member, Action[action_name])
    store.memo["actor_id"] = member.id
    store.memo["command"] = f"pos {command}"


def _actor(store: "Store") -> Any:
    """The person signed in for this command, if the command needed one."""
    from pos.staff import get_staff

    actor_id = store.memo.get("actor_id")
    return get_staff(store, int(actor_id)) if actor_id is not None else None


def _signed_in(store: "Store") -> Any:
    import json

    from pos.signin import who

    path = _session_file(str(store.path))
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return who(store, str(saved.get("token", "")))


def _login(store: "Store", name: str, register: Optional[int]) -> Any:
    """Sign someone in on this terminal: the token goes in an owner-only file, the store keeps its hash.

    The file is written whole inside the sign-in's transaction (see ``pos.signin.sign_in``), so
    a sign-in file that cannot be written (a read-only folder, a full disk) leaves no sign-in in
    the store, and the one already on this terminal stays as it was.
    """
    import json

    from pos.signin import sign_in, sign_out
    from pos.staff import get_staff

    store.check_writable()
    shown_name = get_staff(store, name).name
    path = _session_file(str(store.path))
    what = "the sign-in file"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:  # exist_ok forgives only a folder: the folder's name is taken by a file
        raise _signin_file_error(path, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise _signin_file_error(path, exc) from None

    def keep(token: str, member: Any, expires: str) -> None:
        handle.write(json.dumps({"token": token, "staff": member.name, "expires_at": expires}))
        handle.flush()
        os.fsync(handle.fileno())  # a full disk is found now, while the sign-in can still be undone
        kept.append(token)

    kept: list[str] = []
    try:
        with _new_file(path, what, text=True, replace=True) as handle:  # a .part file, owner-only
            pin = typer.prompt(f"PIN for {shown_name}", hide_input=True, err=True)
            _, member, _ = sign_in(store, name, pin, register, keep=keep)
    except _FileError as exc:
        if kept:  # recorded, but the file could not take its place: end the sign-in again
            sign_out(store, kept[0])
        if exc.cause is None:
            raise
        raise _signin_file_error(path, exc.cause) from None
    return member


def _signin_file_error(path: Path, exc: OSError) -> _FileError:
    return _FileError(f"Cannot keep the sign-in in {_shown(path)}: {_os_reason(exc)}; nobody was signed in. "
                      "Set POS_SESSION_FILE to a file in a folder you can write, or fix that folder.")


def _stripe_settings() -> Any:
    from payments.stripe_gateway import environ_settings

    return environ_settings(os.environ)


def _emit(as_json: bool, data: Any, human: Callable[[], None] | str) -> None:
    if as_json:
        import json

        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    elif callable(human):
        human()
    else:
        typer.echo(human)


def _money(store: "Store", amount_minor: int) -> str:
    from pos.money_format import store_money

    return store_money(store, amount_minor)


def _table(title: str | None, columns: list[str], rows: list[list[str]], right: set[int] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if right and index in right else "left")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def _day(text: str | None) -> Any:
    if text is None:
        return None
    from pos.clock import parse_day

    return parse_day(text)


# -- setup ---------------------------------------------------------------------


def _local_timezone() -> str:
    """The machine's IANA time zone name, for ``init``'s default (UTC if unknown)."""
    zone = os.environ.get("TZ", "").lstrip(":")
    if zone and "/" in zone:
        return zone
    try:
        text = Path("/etc/timezone").read_text().strip()
        if text:
            return text
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


@app.command(rich_help_panel=START)
def init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The store's name, as printed on receipts.")],
    currency: Annotated[str, typer.Option(help="ISO 4217 currency code.")] = "USD",
    locale: Annotated[str, typer.Option(help="Locale for amounts and dates, like en_US or de_DE.")] = "en_US",
    timezone: Annotated[Optional[str], typer.Option(help="IANA time zone (default: this machine's).")] = None,
    tax_included: Annotated[
        bool, typer.Option("--tax-included/--tax-excluded", help="Whether prices already include tax.")
    ] = False,
    tax_rate: Annotated[str, typer.Option(help="Rate of the 'standard' tax category, in percent.")] = "0",
    day_rollover: Annotated[str, typer.Option(help="Local time when one business day ends (HH:MM).")] = "04:00",
    address: Annotated[str, typer.Option(help="Street address for receipts.")] = "",
    training: Annotated[
        bool, typer.Option("--training", help="A practice store: cards go to a built-in training processor.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a new store file. Refuses if one exists: init never destroys data."""
    from pos.setup import init_store

    path = _state(ctx).db_path
    store = init_store(
        path,
        name=name,
        currency=currency,
        locale=locale,
        timezone=_local_timezone() if timezone is None else timezone,
        tax_included=tax_included,
        tax_rate=tax_rate,
        day_rollover=day_rollover,
        address=address,
        training=training,
    )
    s = store.settings
    store.close()
    _emit(
        as_json,
        {"db": str(Path(path).resolve()), **s.as_dict(), "training": s.training},
        ("TRAINING store: " if s.training else "") + f"Created {s.name} at {path} ({s.currency}, {s.locale}, {s.timezone}, "
        f"prices {s.tax_mode.value} of tax, day rolls over at {s.day_rollover}).",
    )


@app.command(rich_help_panel=START)
def demo(
    directory: Annotated[
        Optional[Path], typer.Option("--dir", help="Folder for the demo store (default ./anytender-demo).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a demo store in a fresh folder and ring a day of sales in it."""
    from demo import run_demo

    report = run_demo(directory)

    def human() -> None:
        typer.echo(f"Demo store: {report.db_path}")
        for line in report.story:
            typer.echo(f"  {line}")
        typer.echo("Files:")
        for label, path in report.files.items():
            typer.echo(f"  {label}: {path}")
        typer.echo(f"Try: pos --db {report.db_path} order list --day {report.business_day}")

    _emit(as_json, report.as_dict(), human)


# -- tax categories --------------------------------------------------------------


@tax_app.command("add")
def tax_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Short code, like food or alcohol.")],
    rate: Annotated[str, typer.Argument(help="Rate in percent, like 8.875.")],
    name: Annotated[Optional[str], typer.Option(help="Display name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a tax category."""
    from pos.catalog import add_tax_category

    category = add_tax_category(_store(ctx), code, rate, name)
    _emit(
        as_json,
        {"code": category.code, "name": category.name, "rate_percent": str(category.rate_percent)},
        f"Tax category {category.code} ({category.name}) at {category.rate_percent}%.",
    )


@tax_app.command("list")
def tax_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List tax categories."""
    from pos.catalog import tax_categories

    cats = tax_categories(_store(ctx))
    _emit(
        as_json,
        [{"code": c.code, "name": c.name, "rate_percent": str(c.rate_percent)} for c in cats],
        lambda: _table("Tax categories", ["Code", "Name", "Rate %"], [[c.code, c.name, str(c.rate_percent)] for c in cats], {2}),
    )


# -- items ---------------------------------------------------------------------


def _item_dict(store: "Store", item: Any) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "price_minor": item.price_minor,
        "currency": store.settings.currency,
        "tax_category": item.tax_category,
        "active": item.active,
    }


@item_app.command("add", context_settings=NUMBERS)
def item_add(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="Code or barcode, like PIZZA-M.")],
    name: Annotated[str, typer.Argument(help="Name shown on receipts.")],
    price: Annotated[str, typer.Argument(help="Price, like 12.50.")],
    tax: Annotated[str, typer.Option("--tax", help="Tax category.")] = "standard",
    as_json: JsonFlag = False,
) -> None:
    """Add an item to the catalog."""
    from pos.catalog import add_item

    store = _store(ctx)
    item = add_item(store, sku, name, price, tax)
    _emit(as_json, _item_dict(store, item), f"Added {item.sku} {item.name} at {_money(store, item.price_minor)} ({item.tax_category}).")


@item_app.command("list")
def item_list(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Include inactive items.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List the catalog."""
    from pos.catalog import list_items

    store = _store(ctx)
    items = list_items(store, include_inactive)
    _emit(
        as_json,
        [_item_dict(store, i) for i in items],
        lambda: _table(
            "Items",
            ["SKU", "Name", "Price", "Tax", "Active"],
            [[i.sku, i.name, _money(store, i.price_minor), i.tax_category, "yes" if i.active else "no"] for i in items],
            {2},
        ),
    )


@item_app.command("edit")
def item_edit(
    ctx: typer.Context,
    sku: Annotated[str, typer.Argument(help="SKU of the item to change.")],
    name: Annotated[Optional[str], typer.Option(help="New name.")] = None,
    price: Annotated[Optional[str], typer.Option(help="New price.")] = None,
    tax: Annotated[Optional[str], typer.Option("--tax", help="New tax category.")] = None,
    activate: Annotated[bool, typer.Option("--activate", help="Put an inactive item back on sale.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Change an item's name, price or tax category."""
    from pos.catalog import edit_item

    store = _store(ctx)
    item = edit_item(store, sku, name=name, price_text=price, tax_category=tax, active=True if activate else None)
    _emit(as_json, _item_dict(store, item), f"{item.sku} is now {item.name} at {_money(store, item.price_minor)} ({item.tax_category}).")


@item_app.command("deactivate")
def item_deactivate(
    ctx: typer.Context, sku: Annotated[str, typer.Argument(help="SKU to stop selling.")], as_json: JsonFlag = False
) -> None:
    """Stop selling an item (past orders keep it)."""
    from pos.catalog import deactivate_item

    store = _store(ctx)
    item = deactivate_item(store, sku)
    _emit(as_json, _item_dict(store, item), f"{item.sku} {item.name} is no longer on sale.")


@item_app.command("import")
def item_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV with columns sku,name,price[,tax_category][,active].")],
    as_json: JsonFlag = False,
) -> None:
    """Import items from CSV: every row is checked first; one bad row imports nothing."""
    from pos.catalog import import_items

    store = _store(ctx)
    if "\0" in str(file):
        raise InvalidInput("A path cannot contain a NUL character: give the CSV file's path.")
    try:
        with open(file, newline="", encoding="utf-8-sig") as handle:
            result = import_items(store, str(file), handle)
    except FileNotFoundError:
        raise InvalidInput(f"No file {_shown(file)}: check the path.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{_shown(file)} is a folder: give the CSV file inside it.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{_shown(file)} is not UTF-8 text: save it as CSV (UTF-8) and try again.") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InvalidInput(f"That path is too long ({len(str(file))} characters): give the CSV file's path.") from None
        raise InvalidInput(f"Cannot read {_shown(file)}: {_os_reason(exc)}. Check the path and its permissions.") from None
    _emit(
        as_json,
        {"added": result.added, "updated": result.updated},
        f"Imported {file}: {result.added} added, {result.updated} updated.",
    )


# -- orders ----------------------------------------------------------------------


def _order_dict(store: "Store", order: "Order") -> dict[str, Any]:
    return {
        "id": order.id,
        "number": order.number,
        "business_day": order.business_day.isoformat(),
        "channel": order.channel.value,
        "status": order.status.value,
        "customer_name": order.customer_name,
        "customer_phone": order.customer_phone,
        "address": order.address,
        "created_at": order.created_at.isoformat(),
        "void_reason": order.void_reason,
        "counter_note": order.counter_note,
    }


def _view_dict(store: "Store", v: "OrderView") -> dict[str, Any]:
    t = v.totals
    return {
        **_order_dict(store, v.order),
        "currency": store.settings.currency,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price_minor": line.unit_price_minor,
                "tax_category": line.tax_category,
                "net_minor": lt.net_minor,
            }
            for line, lt in zip(v.lines, t.lines)
        ],
        "discounts": [
            {"line_no": d.line_no, "kind": d.kind.value, "value": str(d.value), "reason": d.reason, "amount_minor": amount}
            for d, amount in zip(v.discounts, t.discount_amounts_minor)
        ],
        "subtotal_minor": t.subtotal_minor,
        "discount_minor": t.discount_minor,
        "tax_by_category_minor": t.tax_by_category,
        "tax_minor": t.tax_minor,
        "tax_included": t.tax_included,
        "total_minor": t.total_minor,
    }


def _emit_view(as_json: bool, store: "Store", v: "OrderView", what: str) -> None:
    """After a change to an order: the order as JSON, or what changed and the new total."""
    _emit(as_json, _view_dict(store, v), f"#{v.order.number}: {what}  total {_money(store, v.totals.total_minor)}")


def _print_view(store: "Store", v: "OrderView") -> None:
    o = v.order
    who = ", ".join(x for x in (o.customer_name, o.customer_phone, o.address) if x)
    if store.settings.training:
        typer.echo("TRAINING")
    typer.echo(f"Order #{o.number} ({o.channel.value}, {o.status.value}) {o.id}" + (f" - {who}" if who else ""))
    for line, lt in zip(v.lines, v.totals.lines):
        typer.echo(f"  {line.line_no:>3}  {line.quantity:>3} x {line.name:<28} {_money(store, lt.gross_minor):>12}")
    for d, amount in zip(v.discounts, v.totals.discount_amounts_minor):
        target = f"line {d.line_no}" if d.line_no is not None else "order"
        shown = f"{d.value}%" if d.kind.value == "percent" else "amount"
        typer.echo(f"       discount {shown} on {target} ({d.reason}) {_money(store, -amount):>12}")
    t = v.totals
    typer.echo(f"  Subtotal {_money(store, t.subtotal_minor)}")
    if t.discount_minor:
        typer.echo(f"  Discounts {_money(store, -t.discount_minor)}")
    for category, amount in t.tax_by_category.items():
        typer.echo(f"  Tax {category}{' (included)' if t.tax_included else ''} {_money(store, amount)}")
    typer.echo(f"  Total {_money(store, t.total_minor)}")
    if o.void_reason:
        typer.echo(f"  Voided: {o.void_reason}")


OrderArg = Annotated[str, typer.Argument(help="Today's order number (like 12) or the order id.")]


@order_app.command("new")
def order_new(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option(help="counter, phone, delivery or kiosk.")] = "counter",
    name: Annotated[Optional[str], typer.Option(help="Customer name (never required).")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Customer phone (never required).")] = None,
    address: Annotated[Optional[str], typer.Option(help="Delivery address.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Open a new order; prints its number for today and its id."""
    from pos.orders import new_order

    store = _store(ctx)
    order = new_order(store, channel, customer_name=name, customer_phone=phone, address=address,
                      created_by=store.memo.get("actor_id"))  # the signed-in cashier, named on the receipt
    _emit(as_json, _order_dict(store, order), f"Order #{order.number} ({order.channel.value}) {order.id}")


@order_app.command("add")
def order_add(
    ctx: typer.Context,
    order: OrderArg,
    sku: Annotated[str, typer.Argument(help="Item SKU or barcode.")],
    qty: Annotated[str, typer.Option("--qty", "-q", help="Quantity.")] = "1",
    as_json: JsonFlag = False,
) -> None:
    """Ring an item onto an order."""
    from pos.orders import add_line

    store = _store(ctx)
    line, v = add_line(store, order, sku, qty)
    _emit_view(as_json, store, v, f"line {line.line_no}, {line.quantity} x {line.name} "
               f"{_money(store, line.quantity * line.unit_price_minor)}")


@order_app.command("remove")
def order_remove(
    ctx: typer.Context,
    order: OrderArg,
    line: Annotated[Optional[int], typer.Argument(help="Line number (default: the last line).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a line off an order."""
    from pos.orders import remove_line

    store = _store(ctx)
    removed, v = remove_line(store, order, line)
    _emit_view(as_json, store, v, f"removed line {removed.line_no} ({removed.name})")


@order_app.command("discount", context_settings=NUMBERS)
def order_discount(
    ctx: typer.Context,
    order: OrderArg,
    value: Annotated[str, typer.Argument(help="10% or an amount like 2.00.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    line: Annotated[Optional[int], typer.Option("--line", help="Discount one line instead of the order.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Give a discount on an order or one line; a reason is required."""
    from pos.orders import add_discount

    store = _store(ctx)
    discount, v = add_discount(store, order, value, reason, line)
    _emit_view(as_json, store, v, f"discount {_money(store, v.totals.discount_amounts_minor[-1])} ({discount.reason})")


@order_app.command("undiscount")
def order_undiscount(
    ctx: typer.Context,
    order: OrderArg,
    number: Annotated[Optional[int], typer.Argument(help="Which discount, as listed by 'order show' (default: the last).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Take a discount off an order."""
    from pos.orders import remove_discount

    store = _store(ctx)
    discount, v = remove_discount(store, order, number)
    _emit_view(as_json, store, v, f"discount '{discount.reason}' taken off")


@order_app.command("set")
def order_set(
    ctx: typer.Context,
    order: OrderArg,
    name: Annotated[Optional[str], typer.Option(help="Customer name.")] = None,
    phone: Annotated[Optional[str], typer.Option(help="Customer phone.")] = None,
    address: Annotated[Optional[str], typer.Option(help="Delivery address.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add or change an order's optional customer details."""
    from pos.orders import set_customer

    store = _store(ctx)
    o = set_customer(store, order, customer_name=name, customer_phone=phone, address=address)
    _emit(as_json, _order_dict(store, o), f"Order #{o.number} updated.")


@order_app.command("show")
def order_show(ctx: typer.Context, order: OrderArg, as_json: JsonFlag = False) -> None:
    """Show an order with its lines, discounts, tax and total."""
    from pos.orders import view

    store = _store(ctx)
    v = view(store, order)
    _emit(as_json, _view_dict(store, v), lambda: _print_view(store, v))


@order_app.command("list")
def order_list(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default today).")] = None,
    status: Annotated[Optional[str], typer.Option(help="open, paid or voided.")] = None,
    channel: Annotated[Optional[str], typer.Option(help="counter, phone, delivery or kiosk.")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Only open orders waiting at the counter (kiosk cash).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List the orders of a business day."""
    from pos.orders import OrderStatus, list_orders, parse_channel, view

    store = _store(ctx)
    wanted_status = None
    if status is not None:
        try:
            wanted_status = OrderStatus(status.strip().lower())
        except ValueError:
            raise InvalidInput(f"Unknown status '{status}': use open, paid or voided.") from None
    orders = list_orders(
        store, _day(day), wanted_status, parse_channel(channel) if channel is not None else None, counter_queue=queue
    )
    views = [view(store, o.id) for o in orders]
    _emit(
        as_json,
        [_view_dict(store, v) for v in views],
        lambda: _table(
            f"Orders {views[0].order.business_day}" if views else "Orders (none)",
            ["#", "Channel", "Status", "Customer", "Lines", "Total"],
            [
                [str(v.order.number), v.order.channel.value,
                 v.order.status.value + (" (pays at counter)" if v.order.counter_note and v.order.status.value == "open" else ""),
                 v.order.customer_name or "", str(len(v.lines)), _money(store, v.totals.total_minor)]
                for v in views
            ],
            {0, 4, 5},
        ),
    )


@order_app.command("close")
def order_close(ctx: typer.Context, order: OrderArg, as_json: JsonFlag = False) -> None:
    """Close an order that totals nothing (a staff meal, a full comp)."""
    from pos.orders import close_free, resolve

    store = _store(ctx)
    close_free(store, order)
    o = resolve(store, order)
    _emit(as_json, _order_dict(store, o), f"Order #{o.number} closed at {_money(store, 0)}.")


@order_app.command("void")
def order_void(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Void an unpaid order (same as 'pos void'; a paid one is refunded instead)."""
    from payments.refunds import void

    store = _store(ctx)
    o = void(store, order, reason, approver=_approver(ctx, approve))
    _emit(as_json, _order_dict(store, o), f"Order #{o.number} voided ({o.void_reason}).")


# -- staff -----------------------------------------------------------------------


def _staff_dict(m: Any) -> dict[str, Any]:
    return {"id": m.id, "name": m.name, "role": m.role.value, "active": m.active, "tip_eligible": m.tip_eligible}


@staff_app.command("add")
def staff_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Name, unique in the store.")],
    role: Annotated[str, typer.Option("--role", help="owner, manager, cashier, server, driver or kitchen.")],
    pin: Annotated[
        Optional[str], typer.Option("--pin", help="4-8 digit PIN; leave out to type it hidden.")
    ] = None,
    tips: Annotated[
        Optional[bool], typer.Option("--tips/--no-tips", help="Override tip eligibility (default: from role).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a staff member. The PIN is stored only as a salted hash."""
    from pos.staff import add_staff, check_new_staff, check_pin_format

    store = _store(ctx)
    store.check_writable()
    check_new_staff(store, name, role)  # refuse a bad name or role before asking for a PIN
    if pin is None:
        pin = typer.prompt("PIN", hide_input=True, confirmation_prompt=True, value_proc=check_pin_format)
    member = add_staff(store, name, role, pin, tips)
    _emit(
        as_json,
        _staff_dict(member),
        f"Added {member.name} ({member.role.value}, {'tip-eligible' if member.tip_eligible else 'not tip-eligible'}).",
    )


@staff_app.command("list")
def staff_list(
    ctx: typer.Context,
    include_inactive: Annotated[bool, typer.Option("--all", help="Include deactivated staff.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List staff."""
    from pos.staff import list_staff, open_shift

    store = _store(ctx)
    members = list_staff(store, include_inactive)
    on = {m.id: open_shift(store, m) is not None for m in members}
    _emit(
        as_json,
        [{**_staff_dict(m), "on_shift": on[m.id]} for m in members],
        lambda: _table(
            "Staff",
            ["Name", "Role", "Tips", "Active", "On shift"],
            [[m.name, m.role.value, "yes" if m.tip_eligible else "no", "yes" if m.active else "no",
              "yes" if on[m.id] else ""] for m in members],
        ),
    )


@staff_app.command("deactivate")
def staff_deactivate(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Staff name.")], as_json: JsonFlag = False
) -> None:
    """Deactivate a staff member (ends an open shift; history is kept)."""
    from pos.staff import deactivate_staff

    member = deactivate_staff(_store(ctx), name)
    _emit(as_json, _staff_dict(member), f"{member.name} is deactivated.")


@staff_app.command("unlock")
def staff_unlock(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who unlocks (types their PIN).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Let someone locked out after five wrong PINs sign in again (a manager's PIN)."""
    from pos.staff import unlock

    approver = _approver(ctx, approve)
    if approver is None:
        raise InvalidInput("Unlocking needs a manager: add --approve NAME (they type their PIN).")
    member = unlock(_store(ctx), name, approver)
    _emit(as_json, _staff_dict(member), f"{member.name} is unlocked.")


@staff_app.command("tips")
def staff_tips(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    eligible: Annotated[str, typer.Argument(help="yes, no, or default (from the role).")],
    as_json: JsonFlag = False,
) -> None:
    """Override whether a staff member may receive tips."""
    from pos.staff import set_tip_eligibility

    choice = {"yes": True, "no": False, "default": None}
    key = eligible.strip().lower()
    if key not in choice:
        raise InvalidInput(f"'{eligible}' is not a choice: use yes, no or default.")
    member = set_tip_eligibility(_store(ctx), name, choice[key])
    _emit(as_json, _staff_dict(member), f"{member.name} {'may' if member.tip_eligible else 'may not'} receive tips.")


# -- shifts ----------------------------------------------------------------------


def _shift_dict(shift: Any) -> dict[str, Any]:
    return {
        "id": shift.id,
        "staff": shift.staff_name,
        "business_day": shift.business_day.isoformat(),
        "started_at": shift.started_at.isoformat(),
        "ended_at": shift.ended_at.isoformat() if shift.ended_at else None,
        "worked_seconds": shift.worked_seconds(),
    }


def _local(store: "Store", instant: Any) -> str:
    return instant.astimezone(store.settings.zone).strftime("%Y-%m-%d %H:%M")


@shift_app.command("start")
def shift_start(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    register: Annotated[Optional[int], typer.Option(help="Register number.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Clock in."""
    from pos.staff import start_shift

    store = _store(ctx)
    shift = start_shift(store, name, register)
    _emit(as_json, _shift_dict(shift), f"{shift.staff_name} on shift since {_local(store, shift.started_at)}.")


@shift_app.command("end", context_settings=NUMBERS)
def shift_end(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    cash_tips: Annotated[Optional[str], typer.Option("--cash-tips", help="Cash tips received in hand, declared.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Clock out (declaring cash tips received in hand, if any)."""
    from pos.staff import end_shift

    store = _store(ctx)
    declared = 0
    if cash_tips is not None:
        from payments.service import amount_minor
        from pos.tips import end_shift_declaring

        declared = amount_minor(store, cash_tips, "declared cash tips") or 0
        shift, _ = end_shift_declaring(store, name, declared)
    else:
        shift = end_shift(store, name)
    hours, rest = divmod(shift.worked_seconds(), 3600)
    said = f" Cash tips declared: {_money(store, declared)}." if declared else ""
    _emit(as_json, {**_shift_dict(shift), "cash_tips_declared_minor": declared},
          f"{shift.staff_name} off shift at {_local(store, shift.ended_at)} ({hours}h{rest // 60:02d}m).{said}")


@shift_app.command("list")
def shift_list(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default today).")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only shifts still running.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List shifts."""
    from pos.staff import list_shifts

    store = _store(ctx)
    shifts = list_shifts(store, _day(day), open_only)
    _emit(
        as_json,
        [_shift_dict(s) for s in shifts],
        lambda: _table(
            "Shifts",
            ["Staff", "Day", "Start", "End", "Hours"],
            [[s.staff_name, s.business_day.isoformat(), _local(store, s.started_at),
              _local(store, s.ended_at) if s.ended_at else "on shift",
              f"{s.worked_seconds() // 3600}h{s.worked_seconds() % 3600 // 60:02d}m"] for s in shifts],
        ),
    )


# -- ledger ----------------------------------------------------------------------


def _entry_dict(store: "Store", e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "key": e.key,
        "posted_at": e.posted_at,
        "business_day": e.business_day,
        "memo": e.memo,
        "source_kind": e.source_kind,
        "source_id": e.source_id,
        "reverses": e.reverses,
        "postings": [{"account": p.account, "amount_minor": p.amount_minor, "currency": p.currency} for p in e.postings],
        "hash": e.hash,
    }


def _money_in(store: "Store", amount_minor: int, currency: str) -> str:
    from pos.money import Money, format_money

    return format_money(Money(amount_minor, currency), store.settings.locale)


@ledger_app.command("show")
def ledger_show(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only entries caused by this order/payment id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show journal entries (by day or by source)."""
    from pos.ledger import iter_entries

    store = _store(ctx)
    entries = list(iter_entries(store, day=_day(day), source_id=source))

    def human() -> None:
        if not entries:
            typer.echo("No journal entries.")
        for e in entries:
            extra = f" (reverses entry {e.reverses})" if e.reverses else ""
            typer.echo(f"{e.id:>6}  {e.business_day}  {e.memo}{extra}  [{e.source_kind} {e.source_id}]")
            for p in e.postings:
                typer.echo(f"          {p.account:<36} {_money_in(store, p.amount_minor, p.currency):>14}")

    _emit(as_json, [_entry_dict(store, e) for e in entries], human)


@ledger_app.command("balances")
def ledger_balances(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Only this business day's movements.")] = None,
    account: Annotated[Optional[str], typer.Option(help="Only accounts under this prefix, like assets:cash.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Account balances (whole journal, or one day's movements)."""
    from pos.ledger import balances

    store = _store(ctx)
    result = balances(store, day=_day(day), prefix=account)
    _emit(
        as_json,
        [{"account": a, "currency": c, "amount_minor": v} for (a, c), v in result.items()],
        lambda: _table(
            f"Balances {day}" if day else "Balances",
            ["Account", "Balance"],
            [[a, _money_in(store, v, c)] for (a, c), v in result.items()],
            {1},
        ),
    )


@ledger_app.command("verify")
def ledger_verify(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Recompute the hash chain and the zero-sum rule; exit 1 on the first broken entry."""
    from pos.ledger import verify

    result = verify(_store(ctx))
    _emit(
        as_json,
        {"entries": result.entries, "ok": result.problem is None, "problem": result.problem},
        f"OK: {result.entries} entries, hash chain intact, every entry balances."
        if result.problem is None
        else f"BROKEN after {result.entries} good entries: {result.problem}.",
    )
    if result.problem is not None:
        raise typer.Exit(1)


@ledger_app.command("reverse")
def ledger_reverse(
    ctx: typer.Context,
    entry: Annotated[int, typer.Argument(help="Journal entry number to reverse.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Correct a mistake: post the exact opposite of an entry (once per entry)."""
    from pos.ledger import reverse

    store = _store(ctx)
    e = reverse(store, entry, reason)
    _emit(as_json, _entry_dict(store, e), f"Entry {e.id} reverses entry {entry}.")


@ledger_app.command("export")
def ledger_export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="beancount, hledger or csv.")] = "beancount",
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (YYYY-MM-DD).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (YYYY-MM-DD).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: standard output).")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: replace the file if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --out: report what was written as JSON.")] = False,
) -> None:
    """Export the journal for Beancount, hledger or a spreadsheet."""
    from pos.export import ExportFormat, export_ledger

    try:
        chosen = ExportFormat(fmt.strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown format '{fmt}': use beancount, hledger or csv.") from None
    store = _store(ctx)
    first, last = _day(start), _day(end)
    if out is None:
        if as_json or force:
            raise InvalidInput(f"{'--json' if as_json else '--force'} is for a file written with --out: give --out "
                               "FILE, or leave it out.")
        export_ledger(store, chosen, sys.stdout, start=first, end=last)
        return
    # Written whole or not at all: a failed export never leaves half a file, nor replaces a good one.
    with _new_file(out, "--out", text=True, replace=force, force_flag="--force") as handle:
        with _progress(f"Exporting {chosen.value}") as tick:
            count = export_ledger(store, chosen, handle, start=first, end=last, progress=tick)
    if as_json:
        _emit(True, {"entries": count, "out": str(out.resolve()), "format": chosen.value}, "")
    else:
        typer.echo(f"Wrote {count} entries to {_shown(out)} ({chosen.value}).", err=True)


class _progress:
    """A progress bar on stderr for long jobs in a terminal; silent otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        return self.tick

    def tick(self, done: int, total: int) -> None:
        if self.bar is None:
            if not sys.stderr.isatty() or total < 5000:
                return
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


# -- payments --------------------------------------------------------------------

RegisterOpt = Annotated[int, typer.Option("--register", "-r", help="Register (and drawer) number.")]


def _approver(ctx: typer.Context, name: Optional[str]) -> Any:
    """A manager's approval: their PIN, typed hidden now, never an argument."""
    if name is None:
        return None
    from pos.staff import verify_pin

    store = _store(ctx)
    store.check_writable()  # an approval is for a change: refused before anyone types a PIN
    pin = typer.prompt(f"PIN for {name}", hide_input=True, err=True)  # stderr: --json output stays pure
    return verify_pin(store, name, pin)


def _payment_dict(store: "Store", p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "order_id": p.order_id,
        "tender": p.tender.value,
        "state": p.state.value,
        "amount_minor": p.amount_minor,
        "tip_minor": p.tip_minor,
        "tip_to": p.tip_to,
        "tendered_minor": p.tendered_minor,
        "change_minor": p.change_minor,
        "rounding_minor": p.rounding_minor,
        "refunded_minor": p.refunded_minor,
        "currency": p.currency,
        "register": p.register,
        "decline_reason": p.decline_reason.value if p.decline_reason else None,
        "note": p.note,
    }


@app.command(rich_help_panel=CASHIER, context_settings=NUMBERS)
def pay(
    ctx: typer.Context,
    order: OrderArg,
    tender: Annotated[str, typer.Argument(help="cash, card, wallet or link.")],
    amount: Annotated[
        Optional[str], typer.Argument(help="Cash handed over (change is given), or the part to charge; default: what is due.")
    ] = None,
    register: RegisterOpt = 1,
    tip: Annotated[Optional[str], typer.Option("--tip", help="Tip (cash: kept from the change).")] = None,
    tip_to: Annotated[
        Optional[str], typer.Option("--tip-to", help="Staff member the tip goes to (default: the team's pool).")
    ] = None,
    confirm_tip: Annotated[
        bool, typer.Option("--confirm-tip", help="Accept a tip above the store's share of the sale (tips.confirm_over).")
    ] = False,
    check: Annotated[bool, typer.Option("--check", help="link: record the payment if the customer has paid.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="link: wait until the customer pays (Ctrl-C stops waiting).")] = False,
    cancel: Annotated[bool, typer.Option("--cancel", help="link: close the link so it can no longer be paid.")] = False,
    timeout_s: Annotated[int, typer.Option("--timeout", help="link --wait: give up waiting after this many seconds.")] = 600,
    as_json: JsonFlag = False,
) -> None:
    """Take a payment; several payments may share one order (split tender).

    With 'link', a payment link for the customer's phone: printed with a QR
    code, then recorded by --check or --wait once the customer has paid.
    """
    from payments.service import pay as take

    store = _store(ctx)
    tip_minor = 0
    if tip is not None:
        from pos.money import parse_amount

        tip_minor = parse_amount(tip, store.settings.currency, store.settings.locale).amount_minor
    if tender.strip().lower() == "link" or check or wait or cancel:
        _pay_link(store, order, tender, amount, register, tip_minor, tip_to, (check, wait, cancel), timeout_s, as_json,
                  confirm_tip)
        return
    with _card_wait(store):
        result = take(store, order, tender, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                      tip_confirmed=confirm_tip)
    p = result.payment

    def human() -> None:
        if not result.outcome.approved:
            typer.echo(f"DECLINED: {result.outcome.message} Still due: {_money(store, result.due_after_minor)}.")
            return
        if store.settings.training:
            typer.echo("TRAINING: no real money moved.")
        typer.echo(f"{p.tender.value.capitalize()} {_money(store, p.tendered_minor or p.amount_minor)} taken.")
        if p.change_minor:
            coins = ", ".join(f"{n} x {_money(store, d)}" for d, n in result.change_suggestion)
            typer.echo(f"Change: {_money(store, p.change_minor)}  ({coins})")
        if p.rounding_minor:
            typer.echo(f"Cash rounding: {_money(store, p.rounding_minor)}")
        if p.tip_minor:
            who = "the team on shift" if p.tip_to in (None, "pool") else _staff_name(store, p.tip_to)
            typer.echo(f"Tip {_money(store, p.tip_minor)} goes to {who}.")
        typer.echo("Order paid." if result.order_paid else f"Still due: {_money(store, result.due_after_minor)}.")
        if saved is not None:
            typer.echo(f"Receipt: {saved}")

    saved = _auto_receipt(store, p.order_id) if result.order_paid else None
    _emit(
        as_json,
        {**_payment_dict(store, p), "approved": result.outcome.approved, "order_paid": result.order_paid,
         "due_after_minor": result.due_after_minor,
         "change_suggestion": [{"denomination_minor": d, "count": n} for d, n in result.change_suggestion]},
        human,
    )
    if not result.outcome.approved:
        raise typer.Exit(1)


def _staff_name(store: "Store", key: str) -> str:
    from pos.staff import get_staff

    return get_staff(store, key).first_name


class _Spinner:
    """A spinner on stderr while waiting on a customer (only on a terminal)."""

    def __init__(self, waiting_for: str) -> None:
        self.waiting_for = waiting_for
        self.status: Any = None

    def tick(self, elapsed_s: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.status is None:
            from rich.console import Console

            self.status = Console(stderr=True).status(f"Waiting for {self.waiting_for}...")
            self.status.start()
        self.status.update(f"Waiting for {self.waiting_for}, {elapsed_s} s...")

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()


class _card_wait(_Spinner):
    """While a card reader waits for the customer's tap: a spinner on a terminal, Ctrl-C cancels."""

    def __init__(self, store: "Store") -> None:
        super().__init__("the card on the reader (Ctrl-C cancels)")
        self.store = store

    def __enter__(self) -> None:
        self.store.memo["on_card_wait"] = self.tick

    def __exit__(self, *exc: object) -> None:
        self.store.memo.pop("on_card_wait", None)
        self.stop()


def _pay_link(store: "Store", order: str, tender: str, amount: Optional[str], register: int, tip_minor: int,
              tip_to: Optional[str], flags: tuple[bool, bool, bool], timeout_s: int, as_json: bool,
              tip_confirmed: bool) -> None:
    """``pos pay ORDER link``: send a link, or --check, --wait for or --cancel the one sent."""
    from payments import wallet

    check, wait, cancel = flags
    if tender.strip().lower() != "link":
        raise InvalidInput(f"--check, --wait and --cancel are for payment links: 'pos pay {order} link --check'.")
    if sum(flags) > 1:
        raise InvalidInput("Choose one of --check, --wait and --cancel.")
    if (check or cancel) and (amount is not None or tip_minor or tip_to):
        raise InvalidInput("An amount or a tip belongs on a new link, not on --check or --cancel.")
    if timeout_s <= 0:
        raise InvalidInput("--timeout must be more than zero seconds.")
    if cancel:
        status = wallet.cancel_link(store, order)
    elif check:
        status = wallet.check_link(store, order)
    else:
        status = wallet.send_link(store, order, amount, register=register, tip_minor=tip_minor, tip_to=tip_to,
                                  tip_confirmed=tip_confirmed)
        if status.waiting and not as_json:
            _print_link(store, status)
        if wait and status.waiting:
            spinner = _Spinner("the customer to pay the link (Ctrl-C stops waiting; the link stays open)")
            try:
                status = wallet.wait_for_link(store, order, timeout_s, on_wait=spinner.tick)
            except KeyboardInterrupt:
                status = wallet.check_link(store, order)
            finally:
                spinner.stop()
    p = status.payment

    def human() -> None:
        if store.settings.training:
            typer.echo("TRAINING: no real money moved.")
        if status.action == "cancelled":
            typer.echo(f"The link is cancelled: it can no longer be paid. Still due: {_money(store, status.due_minor)}.")
        elif status.waiting and status.action in ("sent", "already sent"):
            pass  # printed above, before any waiting
        elif status.waiting:
            typer.echo(f"Not paid yet: the link stays open until {_link_expiry(store, p)}. "
                       f"Check again with 'pos pay {order} link --check'.")
        elif p.state.value == "captured":
            how = ", ".join(str(p.details[k]) for k in ("wallet", "brand") if p.details.get(k))
            card = f" ({how} ...{p.details['last4']})" if p.details.get("last4") else ""
            typer.echo(f"Paid by link: {_money(store, p.amount_minor + p.tip_minor)}{card}.")
            typer.echo("Order paid." if status.order_paid else f"Still due: {_money(store, status.due_minor)}.")
            if status.order_paid:
                saved = _auto_receipt(store, p.order_id)
                if saved is not None:
                    typer.echo(f"Receipt: {saved}")
        else:
            reason = p.decline_reason.cashier_message if p.decline_reason else "The link was not paid."
            typer.echo(f"NOT PAID: {reason} Still due: {_money(store, status.due_minor)}.")

    _emit(as_json, {**_payment_dict(store, p), "action": status.action, "link_url": status.url,
                    "expires_at": p.details.get("expires_at"), "order_paid": status.order_paid,
                    "due_minor": status.due_minor}, human)
    if p.state.value in ("declined", "failed"):
        raise typer.Exit(1)


def _link_expiry(store: "Store", payment: Any) -> str:
    from datetime import datetime, timezone

    return _local(store, datetime.fromtimestamp(int(payment.details["expires_at"]), timezone.utc))[11:]


def _print_link(store: "Store", status: Any) -> None:
    from receipts.terminal_qr import qr_text

    p = status.payment
    again = " (sent before)" if status.action == "already sent" else ""
    typer.echo(f"Payment link for {_money(store, p.amount_minor + p.tip_minor)}{again}, "
               f"open until {_link_expiry(store, p)}:")
    typer.echo(status.url)
    typer.echo(qr_text(status.url))
    typer.echo("Text it to the customer, or let them scan the code; no account is needed.")
    typer.echo(f"'pos pay {_order_number(store, p.order_id)} link --check' records the payment once they have paid.")


def _order_number(store: "Store", order_id: str) -> int:
    from pos.orders import resolve

    return resolve(store, order_id).number


@payments_app.command("list")
def payments_list(ctx: typer.Context, order: OrderArg, as_json: JsonFlag = False) -> None:
    """An order's payments and their states."""
    from payments.base import order_payments
    from payments.service import due_minor
    from pos.orders import resolve

    store = _store(ctx)
    o = resolve(store, order)
    payments = order_payments(store, o.id)
    due = due_minor(store, o.id) if o.status.value == "open" else 0
    _emit(
        as_json,
        {"order_id": o.id, "due_minor": due, "payments": [_payment_dict(store, p) for p in payments]},
        lambda: _table(
            f"Payments of #{o.number} (still due {_money(store, due)})",
            ["Tender", "State", "Amount", "Given", "Change", "Refunded"],
            [[p.tender.value, p.state.value, _money(store, p.amount_minor),
              _money(store, p.tendered_minor) if p.tendered_minor else "", _money(store, p.change_minor) if p.change_minor else "",
              _money(store, p.refunded_minor) if p.refunded_minor else ""] for p in payments],
            {2, 3, 4, 5},
        ),
    )


@payments_app.command("recover")
def payments_recover(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Finish payments a crash left half-way (asks each tender what happened). Safe to run twice."""
    from payments.service import recover

    done = recover(_store(ctx))

    def human() -> None:
        if not done:
            typer.echo("Nothing to recover: every payment is complete.")
        for r in done:
            typer.echo(f"{r.order_label}: payment {r.payment_id} {r.action}.")

    _emit(as_json, [r._asdict() for r in done], human)


@app.command(rich_help_panel=CASHIER, context_settings=NUMBERS)
def refund(
    ctx: typer.Context,
    order: OrderArg,
    amount: Annotated[Optional[str], typer.Option("--amount", help="Part to refund (default: everything left).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Refund to the original tender (cash from the drawer); partial refunds allowed."""
    from payments.refunds import refund as give_back

    store = _store(ctx)
    result = give_back(store, order, amount, reason, register=register, approver=_approver(ctx, approve))
    _emit(
        as_json,
        {"order": result.order_label, "total_minor": result.total_minor, "fully_refunded": result.fully_refunded,
         "parts": [part._asdict() for part in result.parts]},
        f"Refunded {_money(store, result.total_minor)} on {result.order_label} ("
        + ", ".join(f"{part.tender} {_money(store, part.amount_minor)}"
                    + (f" and its {_money(store, part.tip_minor)} tip" if part.tip_minor else "") for part in result.parts)
        + ("): fully refunded." if result.fully_refunded else ")."),
    )


@app.command("void", rich_help_panel=CASHIER)
def void_cmd(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Void an unpaid order (pending payments are released)."""
    from payments.refunds import void

    store = _store(ctx)
    o = void(store, order, reason, approver=_approver(ctx, approve))
    _emit(as_json, _order_dict(store, o), f"Order #{o.number} voided ({o.void_reason}).")


# -- deliveries and drivers ----------------------------------------------------------


@delivery_app.command("dispatch")
def delivery_dispatch(
    ctx: typer.Context,
    order: OrderArg,
    driver: Annotated[str, typer.Option("--driver", help="Driver on shift who takes it.")],
    as_json: JsonFlag = False,
) -> None:
    """Send a delivery order out; the driver will collect what is due."""
    from payments.cod import dispatch

    store = _store(ctx)
    p = dispatch(store, order, driver)
    _emit(as_json, _payment_dict(store, p), f"Out for delivery with {driver}: collect {_money(store, p.amount_minor)}.")


@delivery_app.command("collect", context_settings=NUMBERS)
def delivery_collect(
    ctx: typer.Context,
    order: OrderArg,
    amount: Annotated[str, typer.Argument(help="Cash the customer handed over.")],
    tip: Annotated[Optional[str], typer.Option("--tip", help="Tip the customer gave the driver (kept by the driver).")] = None,
    keep_change: Annotated[
        bool, typer.Option("--keep-change", help="The customer told the driver to keep the change: it is the tip.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Record the cash taken at the door and the change given."""
    from payments.cod import collect

    store = _store(ctx)
    from payments.cod import only_own

    only_own(store, _actor(store), order_ref=order)
    p = collect(store, order, amount, tip, keep_change=keep_change)
    _auto_receipt(store, p.order_id)
    _emit(
        as_json,
        _payment_dict(store, p),
        f"Collected {_money(store, p.tendered_minor or 0)}: change {_money(store, p.change_minor)}"
        + (f", tip {_money(store, p.tip_minor)} kept by the driver" if p.tip_minor else "") + ".",
    )


@delivery_app.command("fail")
def delivery_fail(
    ctx: typer.Context,
    order: OrderArg,
    reason: Annotated[str, typer.Option("--reason", help="What happened (required).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """A refused or failed delivery: nothing collected, the order is open again."""
    from payments.cod import fail

    store = _store(ctx)
    from payments.cod import only_own

    only_own(store, _actor(store), order_ref=order)
    p = fail(store, order, reason)
    _emit(as_json, _payment_dict(store, p), f"Delivery failed ({reason.strip()}): the order is open again.")


def _driver_dict(store: "Store", cash: Any) -> dict[str, Any]:
    return {"driver": cash.driver, "held_minor": cash.held_minor,
            "out_for_delivery": [{"order": o, "amount_minor": a} for o, a in cash.out_for_delivery]}


def _print_driver(store: "Store", cash: Any) -> None:
    typer.echo(f"{cash.driver} holds {_money(store, cash.held_minor)} of the store's cash (owed to the store).")
    for label, amount in cash.out_for_delivery:
        typer.echo(f"  out for delivery: {label}, collect {_money(store, amount)}")


@driver_app.command("cash")
def driver_cash_cmd(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Driver.")], as_json: JsonFlag = False
) -> None:
    """What a driver holds and owes, and deliveries still out."""
    from payments.cod import driver_cash

    store = _store(ctx)
    from payments.cod import only_own

    only_own(store, _signed_in(store), driver_name=name)  # a driver signed in here sees only their own
    cash = driver_cash(store, name)
    _emit(as_json, _driver_dict(store, cash), lambda: _print_driver(store, cash))


@driver_app.command("handin", context_settings=NUMBERS)
def driver_handin(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Driver.")],
    amount: Annotated[str, typer.Argument(help="Cash handed in.")],
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Record cash a driver hands in; any shortfall stays visible on the driver."""
    from payments.cod import handin

    store = _store(ctx)
    from payments.cod import only_own

    only_own(store, _actor(store), driver_name=name)
    entry, cash = handin(store, name, amount, register)
    handed = entry.postings[0].amount_minor  # the drawer's side of the transfer

    def human() -> None:
        typer.echo(f"{cash.driver} handed in {_money(store, handed)} to drawer {register}.")
        if cash.held_minor:
            typer.echo(f"Still owed by {cash.driver}: {_money(store, cash.held_minor)}.")

    _emit(as_json, {**_driver_dict(store, cash), "handed_in_minor": handed}, human)


# -- drawers -----------------------------------------------------------------------


def _drawer_dict(store: "Store", st: Any) -> dict[str, Any]:
    return {"register": st.register, "open": st.drawer is not None,
            "float_minor": st.drawer.float_minor if st.drawer else None,
            "expected_minor": st.expected_minor, "breakdown_minor": st.breakdown}


@drawer_app.command("open", context_settings=NUMBERS)
def drawer_open(
    ctx: typer.Context,
    float_amount: Annotated[str, typer.Option("--float", help="Cash put in to make change.")],
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Open a register's drawer with its float."""
    from pos import drawer

    store = _store(ctx)
    d = drawer.open_drawer(store, register, float_amount)
    _emit(as_json, _drawer_dict(store, drawer.status(store, register)),
          f"Drawer {d.register} open with a float of {_money(store, d.float_minor)}.")


def _move(ctx: typer.Context, kind: str, amount: str, reason: str, register: int, as_json: bool) -> None:
    from pos import drawer

    store = _store(ctx)
    drawer.move(store, register, drawer.Movement(kind), amount, reason)
    st = drawer.status(store, register)
    _emit(as_json, _drawer_dict(store, st), f"{kind.capitalize()} recorded. Drawer {register} should hold {_money(store, st.expected_minor)}.")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required).")]


@drawer_app.command("nosale")
def drawer_nosale(ctx: typer.Context, reason: ReasonOpt = "", register: RegisterOpt = 1) -> None:
    """Open the drawer without a sale (a manager's action; the audit trail records why)."""
    from pos.drawer import no_sale

    drawer = no_sale(_store(ctx), register, reason)
    typer.echo(f"Drawer {drawer.register} opened without a sale: {' '.join(reason.split())}.")


@drawer_app.command("paid-in", context_settings=NUMBERS)
def drawer_paid_in(ctx: typer.Context, amount: Annotated[str, typer.Argument()], reason: ReasonOpt = "",
                   register: RegisterOpt = 1, as_json: JsonFlag = False) -> None:
    """Cash put into the drawer (not a sale)."""
    _move(ctx, "paid-in", amount, reason, register, as_json)


@drawer_app.command("paid-out", context_settings=NUMBERS)
def drawer_paid_out(ctx: typer.Context, amount: Annotated[str, typer.Argument()], reason: ReasonOpt = "",
                    register: RegisterOpt = 1, as_json: JsonFlag = False) -> None:
    """Cash paid out of the drawer for an expense."""
    _move(ctx, "paid-out", amount, reason, register, as_json)


@drawer_app.command("drop", context_settings=NUMBERS)
def drawer_drop(ctx: typer.Context, amount: Annotated[str, typer.Argument()], reason: ReasonOpt = "",
                register: RegisterOpt = 1, as_json: JsonFlag = False) -> None:
    """Cash taken from the drawer to the safe."""
    _move(ctx, "drop", amount, reason, register, as_json)


@drawer_app.command("status")
def drawer_status(ctx: typer.Context, register: RegisterOpt = 1, as_json: JsonFlag = False) -> None:
    """Expected cash in the drawer now, and where it came from."""
    from pos import drawer

    store = _store(ctx)
    st = drawer.status(store, register)

    def human() -> None:
        state = "open" if st.drawer else "not open"
        typer.echo(f"Drawer {register} ({state}) should hold {_money(store, st.expected_minor)}.")
        for name, amount in st.breakdown.items():
            typer.echo(f"  {name:<20} {_money(store, amount):>12}")

    _emit(as_json, _drawer_dict(store, st), human)


# -- options -----------------------------------------------------------------------


@config_app.command("set", context_settings=NUMBERS)
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Option name (see 'pos config show').")],
    value: Annotated[str, typer.Argument(help="New value.")],
    as_json: JsonFlag = False,
) -> None:
    """Change a store option."""
    from pos import config

    name = key.strip().lower()
    stored = config.set_option(_store(ctx), name, value)
    _emit(as_json, {"key": name, "value": stored}, f"{name} = {stored}")


@config_app.command("show")
def config_show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List store options and their values (amounts in minor units)."""
    from pos import config

    options = config.all_options(_store(ctx))

    def human() -> None:
        for key, value in options.items():
            typer.echo(f"{key} = {value}   ({config.OPTIONS[key].description})")

    _emit(as_json, options, human)


# -- signing in for one-shot commands ----------------------------------------------------------


@app.command("login", rich_help_panel=CASHIER)
def login_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Who signs in.")],
    register: RegisterOpt = 1,
) -> None:
    """Sign in on this terminal (PIN typed hidden) for commands that change the store."""
    from pos import config

    store = _store(ctx)
    member = _login(store, name, register)
    minutes = config.get(store, "signin.minutes")
    typer.echo(f"{member.name} is signed in on this terminal for {minutes} minutes.")


@app.command("logout", rich_help_panel=CASHIER)
def logout_cmd(ctx: typer.Context) -> None:
    """Sign out of this terminal."""
    import json

    from pos.signin import sign_out

    store = _store(ctx)
    path = _session_file(str(store.path))
    try:
        token = str(json.loads(path.read_text()).get("token", ""))
    except (OSError, ValueError):
        typer.echo("Nobody is signed in on this terminal.")
        return
    store.check_writable()
    # Both or neither: the file is moved aside first (a read-only folder refuses here, nothing done),
    # then the sign-in is ended in the store; if that fails, the file is put back.
    ending = path.with_name(f".{path.name[:100]}.ending")
    try:
        os.replace(path, ending)
    except OSError as exc:
        raise _FileError(f"Cannot sign out: the sign-in file {_shown(path)} cannot be removed ({_os_reason(exc)}); "
                         "nobody was signed out. Fix that folder's permissions, or the disk, and try again.") from None
    try:
        sign_out(store, token)
    except BaseException:
        os.replace(ending, path)
        raise
    ending.unlink(missing_ok=True)
    typer.echo("Signed out.")


# -- the register session -------------------------------------------------------------------


@app.command("register", rich_help_panel=CASHIER)
def register_cmd(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Option("--name", help="Who signs in (asked if left out).")] = None,
    register: RegisterOpt = 1,
) -> None:
    """The counter register: sign in by PIN, then ring sales with short commands (help lists them)."""
    from pos.staff import get_staff, open_shift, start_shift, verify_pin
    from register import Session

    from pos.drawer import check_register

    store = _store(ctx)
    store.check_writable()  # a read-only store cannot ring a sale: said before anyone types a PIN
    check_register(register)  # before anyone types a PIN
    who = name or typer.prompt("Name", err=True)
    member = verify_pin(store, who, typer.prompt(f"PIN for {get_staff(store, who).name}", hide_input=True, err=True),
                        register=register)
    if open_shift(store, member) is None:
        if not typer.confirm(f"{member.first_name} is not on shift. Start the shift now?", default=True, err=True):
            raise InvalidInput("A cashier rings sales on shift: start one with 'pos shift start NAME'.")
        start_shift(store, member.name, register=register)
    from pos import audit

    audit.record(store, audit.Event.SIGN_IN, {"who": member.name}, staff_id=member.id, register=register)
    from pos import config

    session = Session(store, member, register, lock_after_s=config.get_minor(store, "register.lock_after") * 60)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    read = _prompt_reader(session) if interactive else (lambda: input())
    for line in session.screen():
        typer.echo(line)
    while not session.done:
        try:
            if session.locked:
                typed = typer.prompt("PIN", hide_input=True, err=True) if interactive else input()
                for message in session.unlock(typed):
                    typer.echo(message)
                continue
            typed = read()
        except EOFError:  # Ctrl-D, or the end of scripted input: sign out, keeping any open order
            for message in session.sign_out():
                typer.echo(message)
            break
        except KeyboardInterrupt:  # Ctrl-C at the prompt clears the line; the order stays
            continue
        paid_before = session.last_paid
        with _card_wait(store):
            messages = session.handle(typed)
        for message in messages:
            typer.echo(message)
        if session.last_paid is not None and session.last_paid != paid_before:
            saved = _auto_receipt(store, session.last_paid)
            if saved is not None:
                typer.echo(f"Receipt: {saved}")
        if not session.done and typed.strip():
            for line in session.screen():
                typer.echo(line)


def _prompt_reader(session: Any) -> Callable[[], str]:
    """A prompt with history (this session) and tab completion of commands, SKUs and item names."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion

    class _Complete(Completer):
        def get_completions(self, document: Any, complete_event: Any) -> Any:
            text = document.text_before_cursor
            word = text.split(" ")[-1].split("*")[-1]
            for choice in session.completions(text):
                yield Completion(choice, start_position=-len(word))

    prompt: Any = PromptSession(completer=_Complete(), complete_while_typing=False)
    return lambda: str(prompt.prompt("> "))


# -- the audit trail ------------------------------------------------------------------------


@app.command("audit", rich_help_panel=OWNER)
def audit_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the whole trail).")] = None,
    staff: Annotated[Optional[str], typer.Option(help="Only this person's events.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who did what and when: sign-ins, failed PINs, approvals, voids, refunds, discounts, settings."""
    from pos import audit

    store = _store(ctx)
    found = audit.records(store, _day(day), staff)
    _emit(as_json, [{**r._asdict(), "event": r.event.value} for r in found], lambda: _table(
        "Audit trail", ["When", "Who", "Register", "What", "Detail"],
        [[_local(store, _parse_at(r.at)), r.staff or "-", str(r.register or ""), r.event.value,
          ", ".join(f"{k}={v}" for k, v in r.detail.items())] for r in found]) if found
        else typer.echo("Nothing in the audit trail for that."))


def _parse_at(text: str) -> Any:
    from pos.store import parse_iso

    return parse_iso(text)


# -- receipts -----------------------------------------------------------------------------


@app.command("receipt", rich_help_panel=CASHIER)
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

    store = _store(ctx)
    columns(width)  # a bad width is refused before anything is written
    if pdf is not None and eml is not None and pdf.absolute() == eml.absolute():
        raise InvalidInput("--pdf and --eml name the same file: give each its own.")
    for target, what in ((pdf, "--pdf"), (eml, "--eml")):
        if target is not None:
            _check_new(target, what)
    receipt = model.build(store, order, reprint=reprint, refund=refund)
    if pdf is not None:
        from receipts import pdf as pdf_layout

        _write_new(pdf, pdf_layout.render(receipt, width), "--pdf")
        typer.echo(f"Wrote {_shown(pdf)}.")
    if eml is not None:
        from receipts.mail import message

        _write_new(eml, bytes(message(receipt)), "--eml")
        typer.echo(f"Wrote {_shown(eml)}.")
    if text or (pdf is None and eml is None):
        from receipts import text as text_layout

        typer.echo(text_layout.render(receipt, width), nl=False)


def _auto_receipt(store: "Store", order_id: str) -> Optional[Path]:
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
        if not target.exists():  # a receipt already there (a retried command) is kept as it was
            _write_new(target, pdf_layout.render(model.build(store, order_id), 80), "the receipt folder")
    except (AnytenderError, OSError) as exc:
        # The sale is recorded: a receipt that cannot be written must not read as a failed payment.
        reason = exc.message if isinstance(exc, AnytenderError) else _os_message(exc)
        typer.echo(f"warning: the receipt was not saved ({reason}) The payment is recorded; write it with "
                   f"'pos receipt {order.number} --pdf FILE'.", err=True)
        return None
    return target


# -- the day ----------------------------------------------------------------------------


def _today_or(store: "Store", day: Optional[str]) -> Any:
    """The day asked for, or the business day open now (after an early close, the next one)."""
    from pos.days import current_day

    return _day(day) or current_day(store)


def _counts(texts: list[str]) -> dict[int, str]:
    """``--count`` values: ``[REGISTER=]COUNT``; without a register, drawer 1."""
    counts: dict[int, str] = {}
    for text in texts:
        register, sep, spec = text.partition("=")
        if not sep:
            register, spec = "1", text
        if not (register.strip().isascii() and register.strip().isdigit()):
            raise InvalidInput(f"'{text}' is not a drawer count: write [REGISTER=]COUNT, like 100x2,20x5 or 2=245.41.")
        if int(register) in counts:
            raise InvalidInput(f"Drawer {int(register)} is counted twice: give one --count per drawer.")
        counts[int(register)] = spec
    return counts


@day_app.command("close", context_settings=NUMBERS)
def day_close(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    count: Annotated[
        Optional[list[str]], typer.Option("--count", help="A drawer's count: 100x2,20x5,0.25x4 or 245.41 (drawer 1), "
                                          "or 2=... for drawer 2.")
    ] = None,
    counted_by: Annotated[Optional[str], typer.Option("--counted-by", help="Who counted (named on over/short).")] = None,
    carry_over: Annotated[bool, typer.Option("--carry-over", help="Move orders still open to the next day (renumbered there).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Close a day still in progress (before its rollover).")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Close a business day: open orders, drawer counts, drivers, card settlement, tip pool, then lock it."""
    from payments.settlement import settlement_for
    from pos.close import close_day, summary_dict

    store = _store(ctx)
    when = _today_or(store, day)
    who = None
    if counted_by is not None:
        from pos.staff import get_staff

        who = get_staff(store, counted_by)
    summary = close_day(store, when, _counts(count or []), counted_by=who, carry_over=carry_over, force=force,
                        settlement=lambda d: settlement_for(store, d))

    def human() -> None:
        if store.settings.training:
            typer.echo("TRAINING")
        typer.echo(f"Closed {summary.day}{' (early, forced)' if summary.forced else ''}.")
        for moved in summary.carried_over:
            typer.echo(f"Carried over, still open: {moved.label}.")
        for d in summary.drawers:
            state = "exact" if d.over_short_minor == 0 else (
                f"over {_money(store, d.over_short_minor)}" if d.over_short_minor > 0
                else f"short {_money(store, -d.over_short_minor)}")
            typer.echo(f"Drawer {d.register}: expected {_money(store, d.expected_minor)}, counted "
                       f"{_money(store, d.counted_minor)}: {state}.")
        for name, held in summary.drivers_out:
            typer.echo(f"Driver {_staff_name(store, name)} still holds {_money(store, held)}: hand it in tomorrow.")
        if summary.card_problems:
            for c in summary.card_problems:
                typer.echo(f"Card payment {c.order_label} ({c.ref}): {c.problem}.")
        else:
            typer.echo("Card payments match the processor's settlement.")
        if summary.pool is not None:
            shares = ", ".join(f"{s.name} {_money(store, s.amount_minor)}" for s in summary.pool.shares)
            typer.echo(f"Tip pool {_money(store, summary.pool.pool_minor)} shared by hours: {shares}.")
        typer.echo(f"See the Z report: pos day report --day {summary.day}")

    _emit(as_json, summary_dict(summary), human)


@day_app.command("report")
def day_report_cmd(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    pdf: Annotated[Optional[Path], typer.Option("--pdf", help="Write it as a PDF with charts here.")] = None,
    paper: Annotated[str, typer.Option("--paper", help="a4 or letter (with --pdf).")] = "a4",
    as_json: JsonFlag = False,
) -> None:
    """The Z report: sales, tax, tenders, refunds, tips per person, drawers, drivers, card fees."""
    from pos.report import day_report, report_dict

    store = _store(ctx)
    if pdf is not None:
        if paper not in ("a4", "letter"):
            raise InvalidInput(f"Print the day report on a4 or letter paper, not '{paper}'.")
        _check_new(pdf, "--pdf")
    r = day_report(store, _today_or(store, day))
    if pdf is not None:
        from receipts.day_pdf import render

        _write_new(pdf, render(store, r, paper), "--pdf")
        typer.echo(f"Wrote {_shown(pdf)}.")
        return

    def human() -> None:
        m = lambda v: _money(store, v)  # noqa: E731
        if r.training:
            typer.echo("TRAINING")
        typer.echo(f"Z report {r.day}: {r.orders} orders, gross {m(r.gross_sales_minor)}, average ticket "
                   f"{m(r.average_ticket_minor)}")
        typer.echo(f"Net sales {m(r.net_sales_minor)} (discounts {m(r.discounts_minor)}, refunds "
                   f"{m(r.refunds_minor)} in {r.refunds_count}); voided orders {r.voids_count}")
        for title, figures in (("Sales by channel", r.sales_by_channel), ("Payments by tender", r.payments_by_tender),
                               ("Tax by category", r.tax_by_category)):
            typer.echo(f"{title}: " + (", ".join(f"{k} {m(v)}" for k, v in figures.items()) or "none"))
        for person, t in r.tips.items():
            typer.echo(f"Tips {_staff_name(store, person)}: direct {m(t.direct_minor)}, pooled {m(t.pooled_minor)}, "
                       f"declared {m(t.declared_minor)}, paid {m(t.paid_minor)}, refunded {m(t.refunded_minor)}, "
                       f"still owed {m(t.owed_minor)}")
        if r.pool_left_minor:
            typer.echo(f"Tip pool not yet shared: {m(r.pool_left_minor)}")
        for register, amount in r.over_short_by_drawer.items():
            typer.echo(f"Drawer {register}: {'over' if amount >= 0 else 'short'} {m(abs(amount))}")
        for driver, amount in r.hand_ins_by_driver.items():
            typer.echo(f"Driver {_staff_name(store, driver)} handed in {m(amount)}")
        for driver, amount in r.drivers_holding.items():
            typer.echo(f"Driver {_staff_name(store, driver)} still holds {m(amount)}")
        typer.echo(f"Card fees {m(r.card_fees_minor)}; card money due from the processor {m(r.card_net_minor)}")
        for moved in r.carried_out:
            typer.echo(f"Carried over, still open: {moved.label}")
        for moved in r.carried_in:
            typer.echo(f"Carried in, open: {moved.label}")

    _emit(as_json, report_dict(r), human)


@day_app.command("reopen")
def day_reopen(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default: the current one).")] = None,
    approve: Annotated[Optional[str], typer.Option("--approve", help="Manager who approves (asks for their PIN).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Lift a closed day's lock (a manager's PIN; refused once a later day is closed)."""
    from pos.close import reopen_day

    store = _store(ctx)
    when = _today_or(store, day)
    reopen_day(store, when, _approver(ctx, approve))
    _emit(as_json, {"day": when.isoformat(), "reopened": True}, f"Reopened {when}: entries may be posted to it again.")


# -- tips -------------------------------------------------------------------------------


@tips_app.command("owed")
def tips_owed(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Tips owed now, per person, and the pool not yet shared."""
    from pos.tips import owed_by_person

    store = _store(ctx)
    owed = owed_by_person(store)
    _emit(as_json, owed, lambda: _table(
        "Tips owed", ["Who", "Owed"],
        [["the pool (not yet shared)" if k == "pool" else _staff_name(store, k), _money(store, v)]
         for k, v in owed.items()], {1}) if owed else typer.echo("No tips are owed."))


@tips_app.command("distribute")
def tips_distribute(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD (default today).")] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Only show the shares; post nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Post without asking.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Share a day's tip pool among those who worked it, by hours: preview, then post."""
    from pos import tip_pool

    store = _store(ctx)
    when = _today_or(store, day)
    shown = tip_pool.plan(store, when)

    def show(plan: Any) -> None:
        _table(f"Tip pool of {plan.day}: {_money(store, plan.pool_minor)}", ["Who", "Hours", "Share", "Amount"],
               [[s.name, f"{s.worked_s / 3600:.2f}", f"{s.worked_s * 100 / max(1, sum(x.worked_s for x in plan.shares)):.1f}%",
                 _money(store, s.amount_minor)] for s in plan.shares], {1, 2, 3})
        for name, why in plan.excluded:
            typer.echo(f"  {name} worked but gets nothing: {why}.")

    def as_dict(plan: Any, posted: bool) -> dict[str, Any]:
        return {"day": plan.day.isoformat(), "pool_minor": plan.pool_minor, "posted": posted,
                "shares": [s._asdict() for s in plan.shares],
                "excluded": [{"name": n, "why": w} for n, w in plan.excluded]}

    if preview or shown.pool_minor == 0:
        def human() -> None:
            show(shown)
            typer.echo("Nothing in the pool to share." if shown.pool_minor == 0 else "Preview only: nothing posted.")

        _emit(as_json, as_dict(shown, False), human)
        return
    if not as_json:
        show(shown)
    store.check_writable()
    if not yes and not typer.confirm("Post these shares?", err=True):
        raise InvalidInput("Nothing posted: run again and answer yes, or add --yes.")
    posted, entry = tip_pool.distribute(store, when)
    _emit(as_json, as_dict(posted, entry is not None),
          f"Posted: {_money(store, posted.pool_minor)} shared among {len(posted.shares)} (entry {entry.id if entry else '-'}).")


@tips_app.command("payout", context_settings=NUMBERS)
def tips_payout(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Staff name.")],
    source: Annotated[str, typer.Option("--from", help="drawer (cash now) or payroll (with the next pay).")],
    amount: Annotated[Optional[str], typer.Option(help="How much (default: everything owed).")] = None,
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Pay a person the tips owed to them, from a drawer or through payroll."""
    from payments.service import amount_minor
    from pos.tips import parse_source, payout

    store = _store(ctx)
    done = payout(store, name, amount_minor(store, amount, "payout"), parse_source(source), register)
    _emit(as_json, {**done._asdict(), "source": done.source.value},
          f"Paid {_staff_name(store, done.staff_key)} {_money(store, done.amount_minor)} in tips "
          f"({'from drawer ' + str(register) if done.source.value == 'drawer' else 'through payroll'}); "
          f"still owed {_money(store, done.owed_after_minor)}.")


@tips_app.command("payroll")
def tips_payroll(
    ctx: typer.Context,
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (default today).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (default: the first).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the CSV here (default: print it).")] = None,
) -> None:
    """Tips paid through payroll, as CSV for the payroll system: day, staff, amount."""
    import csv
    import io

    from pos.money import Money, format_plain
    from pos.tips import payroll_lines

    store = _store(ctx)
    if out is not None:
        _check_new(out, "--out")
    first = _today_or(store, start)
    lines = payroll_lines(store, first, _day(end) or first)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["business_day", "staff", "amount", "currency"])
    for line in lines:
        writer.writerow([line.business_day, line.name, format_plain(Money(line.amount_minor, store.settings.currency)),
                         store.settings.currency])
    if out is None:
        typer.echo(buffer.getvalue(), nl=False)
        return
    with _new_file(out, "--out", text=True) as handle:
        handle.write(buffer.getvalue())
    typer.echo(f"Wrote {len(lines)} payroll line(s) to {_shown(out)}.")


# -- kiosks ------------------------------------------------------------------------------

KioskArg = Annotated[int, typer.Argument(help="Kiosk number.")]


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

    store = _store(ctx)
    kiosk = setup_kiosk(store, number, reader, attendant, unattended)
    who = f"attended by {_staff_name(store, kiosk.attendant)}" if kiosk.attendant else "unattended (no tip prompt)"
    _emit(as_json, _kiosk_dict(store, kiosk), f"Kiosk {kiosk.number}: reader {kiosk.reader or '(none)'}, {who}.")


@kiosk_app.command("list")
def kiosk_list(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The store's kiosks, and whether each may offer a tip right now."""
    from payments.selfcheckout import list_kiosks

    store = _store(ctx)
    kiosks = [_kiosk_dict(store, k) for k in list_kiosks(store)]
    _emit(as_json, kiosks, lambda: _table(
        "Kiosks", ["#", "Reader", "Attendant", "Tip prompt"],
        [[str(k["number"]), k["reader"] or "(none)", _staff_name(store, k["attendant"]) if k["attendant"] else "-",
          "yes" if k["offers_tip"] else "no"] for k in kiosks], {0}))


@kiosk_app.command("run")
def kiosk_run(ctx: typer.Context, number: KioskArg) -> None:
    """The customer's screen: scan items, pay on the reader, or choose cash to pay a cashier.

    Reads one line at a time (a barcode scanner types the code and Enter);
    'quit' or end of input stops it, keeping any unpaid order in the counter queue.
    """
    from payments.selfcheckout import HELP, KioskSession

    store = _store(ctx)
    store.check_writable()  # before a customer scans anything
    session = KioskSession(store, number)
    typer.echo(("TRAINING. " if store.settings.training else "") + f"Kiosk {number}. {HELP}")
    while True:
        try:
            line = input("> " if sys.stdin.isatty() else "")
        except (EOFError, KeyboardInterrupt):
            line = "quit"
        if line.strip().lower() in ("quit", "exit"):
            for message in session.close():
                typer.echo(message)
            return
        with _card_wait(store):
            for message in session.handle(line):
                typer.echo(message)
        if session.paid_order_id is not None:
            _auto_receipt(store, session.paid_order_id)


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
    """The app with only the command or group asked for registered.

    Typer turns every registered command into a click command before it
    parses anything (about 30 ms for the whole app); a cashier's command
    needs one group.  Anything else (``pos --help``, a typo) gets the whole
    app, so help and "no such command" stay complete.
    """
    word = _command_word(argv)
    groups = [g for g in app.registered_groups if g.name == word]
    commands = [c for c in app.registered_commands if (c.name or (c.callback.__name__ if c.callback else "")) == word]
    if not groups and not commands:
        return app
    lite = typer.Typer(cls=_PosGroup, add_completion=False, pretty_exceptions_enable=False)
    lite.registered_callback = app.registered_callback
    lite.registered_groups = groups
    lite.registered_commands = commands
    return lite


def main() -> None:
    """Console-script entry point."""
    _app_for(sys.argv[1:])(prog_name="pos")


if __name__ == "__main__":  # pragma: no cover
    main()
