"""How both screens read a line: its words, and a scanned item with its quantity.

The register (a cashier) and a kiosk (a customer) read a line the same way:
spaces squeezed, then the first word is a command when the screen has one by
that name, and anything else is a scan, ``CODE`` or ``N*CODE``
(:func:`pos.orders.parse_scan`).  Words with a space between them that are no
command are not a scan either, and are refused as "not an item or a command",
each screen adding what to do next in its own words.  A scanned item must be
on the menu before any order is opened for it, and its quantity 1 to 9999.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from pos.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store


class Asking(NamedTuple):
    """What a screen waits for before its next line: ask ``label`` (hidden: a PIN), then ``then(answer)``.

    The terminal asks it (a PIN with echo off); an empty answer cancels what waited for it.
    """

    label: str
    hidden: bool
    then: Callable[[str], list[str]]


def words(line: str) -> tuple[str, str, str]:
    """The line with its spaces squeezed, its first word, and the rest."""
    text = " ".join(line.split())
    word, _, rest = text.partition(" ")
    return text, word, rest


def read_scan(text: str, item: str, then: str) -> tuple[int, str]:
    """(quantity, code) of a line that is no command; the code is ``''`` when only a quantity was typed (``3*``).

    Words that are no scan either are refused as ``'TEXT' is not ITEM or a command`` followed by ``then``
    (the screen's next step); a code with a space or an invisible character inside is refused in
    :func:`pos.orders.parse_scan`'s words.
    """
    from pos.orders import parse_scan

    try:
        return parse_scan(text)
    except InvalidInput:
        if " " in text.strip():  # words that are no command, not a scan
            raise InvalidInput(f"'{text}' is not {item} or a command{then}") from None
        raise


def check_item(store: "Store", code: str, quantity: int, off_menu: str | None = None) -> int:
    """Check a scanned item before any order is opened for it: on the menu, and a quantity of 1 to 9999.

    ``off_menu`` is the screen's words for a code that is not on the menu (``{code}`` is filled in);
    without it, the catalog's own.  Returns the quantity.
    """
    from pos.catalog import get_item
    from pos.orders import parse_quantity

    try:
        get_item(store, code)
    except NotFound:
        if off_menu is None:
            raise
        raise NotFound(off_menu.format(code=code)) from None
    return parse_quantity(quantity)
