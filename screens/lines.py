"""How both screens read a line: its words, and a scanned item with its quantity.

The register (a cashier) and a kiosk (a customer) read a line the same way:
spaces squeezed, then the first word is a command when the screen has one by
that name, and anything else is a scan, ``CODE`` or ``N*CODE``
(:func:`pos.sales.order_input.parse_scan`).  Words with a space between them that are no
command are not a scan either, and are refused as "not an item or a command",
each screen adding what to do next in its own words.  A scanned item must be
on the menu before any order is opened for it, and its quantity 1 to 9999.

A screen's help is a list of entries (``3*SKU``, ``cash [A]``), laid out by
:func:`wrapped` for the terminal's width: a line breaks between entries, and
an entry wider than the terminal between its words, never inside a word.
Everything else a screen says goes through :func:`fitted`: a message wider
than the terminal breaks between words, its own lines indented under it, so
the terminal never cuts one where it likes (inside ``$5.42``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from pos.base.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


NO_BREAK = "\u00a0"
"""A no-break space: the words on either side of it stay on one line (as :data:`receipts.model.NO_BREAK`)."""


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
    :func:`pos.sales.order_input.parse_scan`'s words.
    """
    from pos.sales.order_input import parse_scan

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
    from pos.store.catalog import get_item
    from pos.sales.order_input import parse_quantity

    try:
        get_item(store, code)
    except NotFound:
        if off_menu is None:
            raise
        raise NotFound(off_menu.format(code=code)) from None
    return parse_quantity(quantity)


def wrapped(entries: "list[str] | tuple[str, ...]", width: int, separator: str = " | ") -> list[str]:
    """``entries`` joined by ``separator`` into lines of at most ``width`` characters, broken only between words.

    A line breaks between entries; an entry too wide for a line of its own breaks between its
    words.  Only a single word wider than ``width`` (a terminal a few characters wide) is longer
    than ``width``, on a line of its own: it is never cut.
    """
    import textwrap

    width = max(width, 1)
    lines: list[str] = []
    current = ""
    for entry in entries:
        joined = f"{current}{separator}{entry}" if current else entry
        if len(joined) <= width:
            current = joined
            continue
        if current:
            lines.append(current)
        pieces = textwrap.wrap(entry, width, break_long_words=False, break_on_hyphens=False) or [entry]
        lines += pieces[:-1]
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines


def fitted(messages: "list[str] | tuple[str, ...]", width: int) -> list[str]:
    """``messages`` in lines of at most ``width`` characters: a wider one breaks between words (at plain
    spaces only), its next lines indented by two spaces; one that fits is left exactly as it is.

    A word is never cut, so neither is an amount: ``$1,234.56``, ``-$0.05`` and ``1 234,56 €`` (its
    spaces no-break ones, as babel writes them) are each one word, and so is anything a screen glued
    with no-break spaces (``1 x $50.00``).  Only a single word wider than ``width`` (a terminal a few
    characters wide) is longer than ``width``, on a line of its own.  Every no-break space is printed
    as a plain one, as on the receipt.
    """
    import textwrap

    width = max(width, 1)
    out: list[str] = []
    for message in messages:
        if len(message) <= width:
            out.append(message.replace(NO_BREAK, " "))
            continue
        lead = message[:len(message) - len(message.lstrip(" "))]
        indent = "  "
        if len(lead + indent) * 2 > width:  # a terminal too narrow for indents: every character counts
            lead = indent = ""
        wrapper = textwrap.TextWrapper(width, initial_indent=lead, subsequent_indent=lead + indent,
                                       break_long_words=False, break_on_hyphens=False, expand_tabs=False,
                                       replace_whitespace=False)
        out += [line.replace(NO_BREAK, " ") for line in wrapper.wrap(message.lstrip(" ")) or [message]]
    return out
