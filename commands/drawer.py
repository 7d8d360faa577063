"""``pos drawer ...``: floats, paid-ins and -outs, drops, no-sales and expected cash."""

from __future__ import annotations

from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import JsonFlag, NUMBERS, RegisterOpt, ask_pin_of, group, open_store
from commands.output import emit, money, say

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

drawer_app = group("Cash drawers: float, paid-ins, paid-outs, drops, expected cash.")

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "drawer open": "OPEN_DRAWER", "drawer paid-in": "PAID_IN_OUT", "drawer nosale": "NO_SALE",
    "drawer paid-out": "PAID_IN_OUT", "drawer drop": "PAID_IN_OUT",
}

def _drawer_dict(store: "Store", st: Any) -> dict[str, Any]:
    return {"register": st.register, "open": st.drawer is not None,
            "float_minor": st.drawer.float_minor if st.drawer else None,
            "expected_minor": st.expected_minor, "breakdown_minor": st.breakdown}


@drawer_app.command("open", context_settings=NUMBERS)
def drawer_open(
    ctx: typer.Context,
    float_amount: Annotated[Optional[str], typer.Option(
        "--float", help="Cash to make change with (default: the float the last close kept in the drawer).")] = None,
    counted_by: Annotated[Optional[str], typer.Option(
        "--counted-by", help="Manager who counts the float out of the safe (types their PIN).")] = None,
    register: RegisterOpt = 1,
    as_json: JsonFlag = False,
) -> None:
    """Open a register's drawer with its float: from the safe, counted by a manager (their PIN), or carried in the
    drawer from the last close (the store's first float: put in by the owner)."""
    from pos.cash import drawer, floats

    store = open_store(ctx)
    if float_amount is not None:
        from pos.base.money_input import parse_amount

        parse_amount(float_amount, store.settings.currency, store.settings.locale)  # refused before a PIN is typed
    counter = ask_pin_of(ctx, counted_by, "counting the float") if counted_by is not None else None
    d = drawer.open_drawer(store, register, float_amount, counted_by=counter)
    source = floats.source_of_drawer(store, d.id, d.register, d.float_minor)
    emit(as_json, {**_drawer_dict(store, drawer.status(store, register)), "float_from": source._asdict()},
         f"Drawer {d.register} open with a float of {money(store, d.float_minor)}"
         + (f": {source.said(store)}." if d.float_minor or source.to_safe_minor else "."))


def _move(ctx: typer.Context, kind: str, amount: str, reason: str, register: int, as_json: bool) -> None:
    from pos.cash import drawer

    store = open_store(ctx)
    drawer.move(store, register, drawer.Movement(kind), amount, reason)
    st = drawer.status(store, register)
    emit(as_json, _drawer_dict(store, st), f"{kind.capitalize()} recorded. Drawer {register} should hold {money(store, st.expected_minor)}.")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required).")]


@drawer_app.command("nosale")
def drawer_nosale(ctx: typer.Context, reason: ReasonOpt = "", register: RegisterOpt = 1) -> None:
    """Open the drawer without a sale (a manager's action; the audit trail records why)."""
    from pos.cash.drawer import no_sale

    drawer = no_sale(open_store(ctx), register, reason)
    say(f"Drawer {drawer.register} opened without a sale: {' '.join(reason.split())}.")


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
    from pos.cash import drawer

    store = open_store(ctx)
    st = drawer.status(store, register)

    def human() -> None:
        state = "open" if st.drawer else "not open"
        say(f"Drawer {register} ({state}) should hold {money(store, st.expected_minor)}.")
        for name, amount in st.breakdown.items():
            say(f"  {name:<20} {money(store, amount):>12}")

    emit(as_json, _drawer_dict(store, st), human)
