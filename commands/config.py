"""``pos config ...``: the store's options."""

from __future__ import annotations

from typing import Annotated

import typer

from commands.context import JsonFlag, NUMBERS, group, open_store
from commands.output import emit, say, say_wrapped
from commands.witnessing import named

config_app = group("Store options: cash rounding, approvals, tips, payment links, receipts, the card reader.")

# What each command here that changes the store needs, by the permission table (pos/people/permissions.py);
# the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {"config set": "CHANGE_SETTINGS"}

@config_app.command("set", context_settings=NUMBERS)
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Option name (see 'pos config show').")],
    value: Annotated[str, typer.Argument(help="New value.")],
    as_json: JsonFlag = False,
) -> None:
    """Change a store option."""
    from pos.store import config

    name = key.strip().lower()
    store = open_store(ctx)
    stored = config.set_option(store, name, value)
    shown = config.shown(store, name, stored)
    if name == "closing.witness":
        lines = named(store)  # every closing made before goes to a witness named now
        emit(as_json, {"key": name, "value": stored, "shown": shown, "witnessed": lines}, [f"{name} = {shown}", *lines])
        return
    emit(as_json, {"key": name, "value": stored, "shown": shown}, f"{name} = {shown}")


@config_app.command("show")
def config_show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List store options and their values (amounts in the store's money; with --json, in minor units).

    The approval.* options are limits that add up: what one person may
    refund, void and discount without a manager's PIN. On one order,
    together: refund_over, void_over (lines taken off it, then its void),
    discount_over and discount_percent_over (a % of its subtotal). In the
    business day, together, whatever their shifts: refunds_per_shift_over,
    voids_per_shift_over and discounts_per_shift_over. Only what no manager
    approved counts.
    """
    from pos.store import config

    store = open_store(ctx)
    options = config.all_options(store)

    def human() -> None:
        for key, value in options.items():
            say_wrapped(f"{key} = {config.shown(store, key, value)}   ({config.OPTIONS[key].description})", hang=4)

    emit(as_json, options, human)
