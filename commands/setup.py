"""``pos init``: create a store file, refusing to touch one that exists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from commands.context import JsonFlag, KeyFileOpt, START, key_location, state_of
from commands.output import emit

top_level = typer.Typer()
"""This module's commands that sit at the top, beside the groups (``pos pay``...)."""

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


@top_level.command(rich_help_panel=START)
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
    key_file: KeyFileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a new store file. Refuses if one exists: init never destroys data."""
    from pos.day import signing
    from pos.opening.setup import create_store

    path = state_of(ctx).db_path
    keys = key_location(key_file)
    store, code = create_store(
        path,
        keys,
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
    key_path = signing.key_path(store, keys)
    fingerprint = signing.fingerprint_of_store(store)
    store.close()
    lines = [("TRAINING store: " if s.training else "") + f"Created {s.name} at {path} ({s.currency}, {s.locale}, "
             f"{s.timezone}, prices {s.tax_mode.value} of tax, day rolls over at {s.day_rollover}).",
             *recovery_note(code), f"Closing key {fingerprint}: {key_path}",
             "It signs every day close. Back it up apart from the store: without it no day can be closed; with it "
             "anyone can sign closings."]
    emit(
        as_json,
        {"db": str(Path(path).resolve()), **s.as_dict(), "training": s.training, "recovery_code": code,
         "key_file": str(key_path.resolve()), "key_fingerprint": fingerprint},
        lines,
    )


def recovery_note(code: str) -> list[str]:
    """The lines that show a recovery code, the one time it is shown."""
    return [f"Owner's recovery code: {code}",
            "It is shown only this once: write it down and keep it away from the register. With it an owner "
            "locked out or without their PIN gets back in ('pos staff recover NAME')."]
