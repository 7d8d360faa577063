"""Text that came from a person: checked once on the way in, escaped on the way out.

Every piece of free text a person gives the store (a customer's name, phone and address, every
kind of reason, item and tax category names, staff names, the store's name, address, phone and tax id, text
options such as ``receipt.feedback``) enters through :func:`clean_line`, with the field's limit
from :data:`LIMITS`.  It refuses, naming the field, text holding a character that is not shown
as itself:

* control characters: C0 (tab and line breaks included: every field is one line), DEL and C1;
* format characters, above all the bidirectional controls (U+061C, U+200E/F, U+202A-E,
  U+2066-9) that make a terminal or a page show text in another order than it is stored
  ("00.21" for 12.00), and the invisible ones (U+200B ZERO WIDTH SPACE, U+FEFF, U+00AD, tags);
* line and paragraph separators (U+2028, U+2029), lone surrogates (undecodable bytes in
  argv) and unassigned code points.

A plain space is fine, and so are the other kinds of space (squeezed into one space, as every
field's whitespace is).  The only exception are the zero-width joiner and non-joiner
(U+200D, U+200C), which Persian, Indic scripts and emoji need to be spelled right: they
are accepted between two non-ASCII characters, never beside a Latin letter (where they only
make two names look alike).

On the way out, :func:`shown` escapes the same characters (``\\x1b``, ``<U+202E>``), so text
stored before these checks existed (or written into a store by hand) never reaches a terminal,
a receipt or a file as anything but visible characters.  Rich markup is escaped separately,
where text reaches rich (``commands/output.py``).

This module imports only ``unicodedata`` (a C module): it is cheap to load on any command.
"""

from __future__ import annotations

import re
import unicodedata

from pos.base.errors import InvalidInput

__all__ = ["LIMITS", "clean_line", "describe", "first_hidden", "shown"]

NAME = 80
"""A name a person gives: a customer, an item, a tax category, the store."""
STAFF_NAME = 40
"""A staff member's name: it also becomes a ledger account name (``liabilities:tips:alice``)."""
ADDRESS = 200
REASON = 200
PHONE = 24
SKU = 40
CONTACT = 120
"""The feedback contact on every receipt: an email, phone or web address."""
NOTE = 200
"""An order's note ('no onions, ring twice'): six lines of a 58 mm ticket at most."""

LIMITS: dict[str, int] = {
    # people and places
    "customer name": NAME,
    "phone number": PHONE,
    "address": ADDRESS,
    "order note": NOTE,
    "staff name": STAFF_NAME,
    "store name": NAME,
    "store address": ADDRESS,
    "store phone": PHONE,
    "store tax id": 32,
    # the catalog
    "item name": NAME,
    "SKU": SKU,
    "tax category name": NAME,
    # why something was done: every reason has the same room
    "discount reason": REASON,
    "void reason": REASON,
    "refund reason": REASON,
    "paid-in reason": REASON,
    "paid-out reason": REASON,
    "drop reason": REASON,
    "no-sale reason": REASON,
    "reason for the reversal": REASON,
    "delivery failure reason": REASON,
    "counter note": REASON,
    # text options (pos config set, pos kiosk setup)
    "feedback contact": CONTACT,
    "card reader id": 64,
    "receipt folder": 4096,
    "mail server user name": 254,
    "mail password file": 4096,
    "closing witness": 4096,
}
"""Every free-text field a person fills in, and how many characters it holds (after spaces are squeezed)."""

_JOINERS = frozenset("\u200c\u200d")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_SHOWN_AS = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _hidden(text: str, index: int) -> bool:
    """Whether ``text[index]`` is a character that does not show as itself (see the module docstring)."""
    char = text[index]
    if char.isprintable():
        return False
    category = unicodedata.category(char)
    if category == "Zs" or category == "Co":  # spaces of every width; private-use glyphs (icons) show as something
        return False
    if char in _JOINERS:
        before = text[index - 1] if index > 0 else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        return not all(c and not c.isascii() and c.isprintable() for c in (before, after))
    return True


def first_hidden(text: str) -> int | None:
    """The index of the first character of ``text`` that is not shown as itself, or None."""
    if text.isprintable():  # the common case, in C: no control, format, separator or unassigned character
        return None
    for index in range(len(text)):
        if _hidden(text, index):
            return index
    return None


def describe(char: str) -> str:
    """A character as a person can read it in a message: ``U+202E RIGHT-TO-LEFT OVERRIDE``, ``U+001B``."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def clean_line(text: str | None, field: str, limit: int | None = None) -> str:
    """A one-line field as a person typed it, checked: whitespace squeezed, or :class:`InvalidInput`.

    ``field`` names it in the message (``"discount reason"``) and, unless ``limit`` is given,
    chooses its limit from :data:`LIMITS`.  Refuses a character that is not shown as itself
    (see the module docstring) and text longer than the limit.  None and blank text give
    ``""``: whether the field may be empty is the caller's rule, in its own words.
    """
    room = LIMITS[field] if limit is None else limit
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TypeError(f"the {field} must be text, not {type(text).__name__}")
    index = first_hidden(text)
    if index is not None:
        char = text[index]
        if char in _LINE_BREAKS:
            raise InvalidInput(f"The {field} holds a line break: keep it on one line (nothing was saved).")
        if char == "\t":
            raise InvalidInput(f"The {field} holds a tab: use spaces instead (nothing was saved).")
        raise InvalidInput(f"The {field} holds an invisible or control character ({describe(char)}): "
                           "type it again without it (nothing was saved).")
    value = " ".join(text.split())
    if len(value) > room:
        raise InvalidInput(f"The {field} is longer than {room} characters ({len(value)}): shorten it.")
    return value


def _escape(char: str) -> str:
    if char in _SHOWN_AS:
        return _SHOWN_AS[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def shown(text: object, *, lines: bool = False) -> str:
    """``text`` as it may reach a terminal, a receipt or a file: every hidden character escaped.

    ``\\x1b[2J`` arrives as the visible characters ``\\x1b[2J``, a right-to-left override as
    ``<U+202E>``, a line break as ``\\n`` (kept as a line break with ``lines=True``, for a
    block of several lines that is ours, like a receipt).  Anything else is left as it is,
    so clean text comes back unchanged (and as fast as ``str.isprintable``).
    """
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():
        return value
    return "".join(
        char if (lines and char == "\n") or not _hidden(value, index) else _escape(char)
        for index, char in enumerate(value)
    )


_PHONE = re.compile(r"^\+?[0-9 ()\-.]{3,24}$")


def clean_phone(text: str | None, field: str = "phone number") -> str | None:
    """A phone number (a customer's, or ``"store phone"``): digits, spaces, +, - or brackets; blank is None."""
    value = clean_line(text, field) or None
    if value is not None and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 3):
        raise InvalidInput(f"'{text}' is not a phone number: use digits, spaces, +, - or brackets.")
    return value
