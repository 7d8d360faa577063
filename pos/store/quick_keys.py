"""The register's numbered quick keys: the store's top items on keys 1 to 9, chosen by the owner.

They are the store option ``register.quick_keys`` (:mod:`pos.store.config`), stored as ``1=PIZZA-M,2=SODA``, so
setting them is a settings change like any other: the owner's alone, audited with before and after.
:func:`parse` checks what the owner typed: keys 1 to 9, each once, each on an item that is on sale, and
no key that is already an item's own code (typing ``3`` would ring SKU ``3`` or key 3: the key may only
be given to that item).  :func:`read` gives them back with each item as the menu has it now; an item taken
off sale since stays on its key, said so, and the catalog refuses to ring it.

A key is one digit: a scanned barcode is 8 digits or more (EAN-8, UPC-A, EAN-13), so a line of one digit
is never a scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import InvalidInput, NotFound
from pos.store.catalog import get_item

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

KEYS = tuple(str(n) for n in range(1, 10))
"""The keys, as typed."""

EXAMPLE = "1=PIZZA-M,2=SODA"


class QuickKey(NamedTuple):
    key: str
    """``"1"`` to ``"9"``."""
    sku: str
    name: str
    """The item's name as the menu has it now (as stored: escape it where it is shown)."""
    on_sale: bool


def parse(store: "Store", text: str) -> str:
    """What the owner typed (``1=PIZZA-M, 2=soda``) checked against the menu, as stored (``1=PIZZA-M,2=SODA``).

    ``''`` clears every key.  Refused with the pair that is wrong and why: a key that is not 1 to 9 or
    is given twice, a SKU not on the menu or off sale, a key that is another item's own code.
    """
    if not text.strip():
        return ""
    chosen: dict[str, str] = {}
    for pair in text.split(","):
        key, sep, sku = (part.strip() for part in pair.partition("="))
        if not sep or not key or not sku:
            raise InvalidInput(f"'{pair.strip()[:40]}' is not a quick key: give KEY=SKU pairs separated by commas, "
                               f"like {EXAMPLE} ('' for none).")
        if key not in KEYS:
            raise InvalidInput(f"'{key[:12]}' is not a quick key: the keys are 1 to 9 (like {EXAMPLE}).")
        if key in chosen:
            raise InvalidInput(f"Key {key} is given twice ({chosen[key]} and {sku.upper()[:40]}): give each key once.")
        item = get_item(store, sku)
        if not item.active:
            raise InvalidInput(f"{item.sku} ({item.name}) is off the menu: only an item on sale goes on a key.")
        try:
            same = get_item(store, key)
        except NotFound:
            same = None
        if same is not None and same.sku != item.sku:
            raise InvalidInput(f"Key {key} is the code of {same.sku} ({same.name}) already: typing {key} rings it. "
                               f"Give key {key} to it, or {item.sku} another key.")
        chosen[key] = item.sku
    return ",".join(f"{key}={chosen[key]}" for key in sorted(chosen))


def read(store: "Store", stored: str) -> dict[str, QuickKey]:
    """The keys an option's stored text sets (``config.get(store, "register.quick_keys")``), by key.

    A key whose item has since left the menu for good is left out; one taken off sale is kept, marked.
    """
    pairs = [pair.partition("=") for pair in stored.split(",") if "=" in pair]
    if not pairs:
        return {}
    skus = [sku for _, _, sku in pairs]
    rows = {row["sku"]: row for row in store.all(
        f"SELECT sku, name, active FROM items WHERE sku IN ({', '.join('?' * len(skus))})", tuple(skus))}
    return {key: QuickKey(key, sku, rows[sku]["name"], bool(rows[sku]["active"]))
            for key, _, sku in pairs if key in KEYS and sku in rows}
