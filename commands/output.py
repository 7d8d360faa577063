"""Printing what commands say: JSON or text, money in the store's format, tables, waits and progress.

Everything printed goes through here, and text that came from a person is never trusted to be
clean, even when it was checked on the way in (a store may hold text from before the checks,
or written by hand): :func:`say` escapes every control, format and bidi character
(:func:`pos.base.text.shown`), JSON carries them as ``\\uXXXX`` escapes, and a table's cells reach
rich as plain ``Text``, never as markup, so ``[link=...]`` or ``[red]`` in a name is shown as
typed.

Rich is imported only when a table, a spinner or a progress bar is actually drawn: a
cashier's one-line answer never pays for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import typer

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def say(text: str, *, err: bool = False) -> None:
    """Print one line (on stderr with ``err``), every hidden character in it escaped (``\\x1b``, ``<U+202E>``).

    A line break in ``text`` is escaped too (``\\n``): it can only have come from a person (a name,
    a reason), where it would forge a line.  A message of several lines is a list of lines
    (:func:`say_lines`, or :func:`emit` given a list), so its own line breaks are never in question.
    """
    from pos.base.text import shown

    typer.echo(shown(text), err=err)


def say_lines(lines: "list[str] | tuple[str, ...]", *, err: bool = False) -> None:
    """Print a message of several lines, one :func:`say` each: lines of ours break, text of people's stays escaped."""
    for line in lines:
        say(line, err=err)


def say_wrapped(text: str, *, hang: int = 2) -> None:
    """One line of ours, wrapped to the terminal's width (80 columns where it is not a terminal) at spaces, each
    line after the first indented ``hang`` more than the first: a listing's long line, never cut."""
    import textwrap

    from rich.console import Console

    from pos.base.text import shown

    value = shown(text)
    first = value[:len(value) - len(value.lstrip(" "))]
    for line in textwrap.wrap(value.lstrip(" "), max(40, Console().width), initial_indent=first, subsequent_indent=first + " " * hang,
                              break_on_hyphens=False, break_long_words=False, drop_whitespace=True) or [""]:
        typer.echo(line)


def say_block(text: str, *, nl: bool = True) -> None:
    """Print lines of ours (a receipt, a QR code, CSV): line breaks kept, every other hidden character escaped."""
    from pos.base.text import shown

    typer.echo(shown(text, lines=True), nl=nl)


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as indented JSON whose strings carry every control, format and bidi character as ``\\uXXXX``.

    The JSON means exactly the same (a reader gets the very same strings back), but a terminal it
    is printed on never meets a raw escape sequence or a right-to-left override.
    """
    import json

    text = json.dumps(data, indent=indent, ensure_ascii=False, default=str)
    if text.isascii() and "\x7f" not in text:  # json.dumps escapes C0 itself; DEL and the rest are not ASCII
        return text
    from pos.base.text import first_hidden

    if first_hidden(text.replace("\n", " ")) is None:
        return text

    def escaped(char: str) -> str:
        code = ord(char)
        if code > 0xFFFF:  # as a JSON surrogate pair
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
        return f"\\u{code:04x}"

    from pos.base.text import shown

    # Hidden characters only ever stand inside JSON strings (json.dumps writes none outside), where an
    # escape means the same character.
    return "".join(char if char == "\n" or shown(char) == char else escaped(char) for char in text)


def error_json(message: str, code: str) -> None:
    """An error as one line of JSON on stderr, for --json: ``{"error": "No order #9 today...", "code": "not_found"}``.

    ``code`` names the kind of error (:attr:`pos.base.errors.AnytenderError.code`), so a script can tell a
    refusal from a typo without reading the words.
    """
    typer.echo(json_text({"error": message, "code": code}, indent=None), err=True)


def emit(as_json: bool, data: Any, human: "Callable[[], None] | str | list[str] | tuple[str, ...]") -> None:
    """Print ``data`` as JSON with --json, else what ``human`` prints: the text itself, one line (:func:`say`), or
    a list of lines, each on its own (:func:`say_lines`)."""
    if as_json:
        typer.echo(json_text(data))
    elif callable(human):
        human()
    elif isinstance(human, str):
        say(human)
    else:
        say_lines(human)


def money(store: "Store", amount_minor: int) -> str:
    """An amount in the store's currency and locale: $18.40."""
    from pos.base.money_format import store_money

    return store_money(store, amount_minor)


def print_table(title: str | None, columns: list[str], rows: list[list[str]], right: set[int] | None = None, *,
                wrap: set[int] | None = None, notes: "list[str] | None" = None) -> None:
    """A table with a title that fits the terminal (80 columns and up); ``right``: the columns aligned right (amounts).

    Nothing is ever cut short: a column not in ``wrap`` (a date, an amount, a code) is kept whole on
    its line, and the columns in ``wrap`` (names, addresses: free text) wrap to fit, folding a long word
    rather than hiding its end.  ``notes``: a long text for each row (an event's detail), printed on its
    own lines under the row, as wide as the terminal, rather than squeezed into a column.

    Every cell, and the title, reaches rich as plain ``Text`` with its hidden characters escaped:
    never parsed as markup (``[link=...]`` stays those characters), never carrying a control code.
    """
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from pos.base.text import shown

    console = Console()
    cells = [[shown(cell) for cell in row] for row in rows]
    heads = [shown(column) for column in columns]
    wrap = wrap or set()
    widths: list[int | None] = [None] * len(columns)
    if notes is not None:  # one table per row, so each row's note can follow it: every table the same widths
        natural = [max([cell_len(heads[i])] + [cell_len(row[i]) for row in cells]) for i in range(len(columns))]
        room = console.width - 2 * (len(columns) - 1)
        for i in sorted(wrap, key=lambda i: -natural[i]):  # the wrapping columns give way, widest first
            excess = sum(natural) - room
            if excess <= 0:
                break
            natural[i] = max(8, natural[i] - excess)
        widths = list(natural)

    kept = sum(max([cell_len(heads[i])] + [cell_len(row[i]) for row in cells]) for i in range(len(heads))
               if i not in wrap) + 2 * (len(heads) - 1) + 8 * len(wrap)
    if kept > console.width:  # whole columns wider than the terminal: wider lines, never a value cut short
        console = Console(width=kept)

    def table(header: bool) -> Any:
        # Two spaces between columns (a space of padding and the box's blank rule), none at the edges.
        made = Table(box=box.SIMPLE_HEAD, show_header=header, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
        for index, head in enumerate(heads):
            whole = index not in wrap
            made.add_column(Text(head), justify="right" if right and index in right else "left", no_wrap=whole,
                            overflow="fold", width=widths[index],
                            min_width=max([cell_len(head)] + [cell_len(row[index]) for row in cells]) if whole else None)
        return made

    if title is not None:  # its own line, wrapped between words at the terminal: never squeezed to the table's width
        console.print(Text(shown(title)))
    if notes is None:
        whole_table = table(True)
        for row in cells:
            whole_table.add_row(*(Text(cell) for cell in row))
        console.print(whole_table)
        return
    console.print(table(True))
    for row, note in zip(cells, notes):
        one = table(False)
        one.add_row(*(Text(cell) for cell in row))
        console.print(one)
        if note:
            console.print(Padding(Text(shown(note), overflow="fold"), (0, 0, 0, 4)))


def staff_name(store: "Store", key: str) -> str:
    """How a receipt or a report names someone: their first name."""
    from pos.people.staff import get_staff

    return get_staff(store, key).first_name


def local_time(store: "Store", instant: Any) -> str:
    """An instant as the store's clock shows it: 2026-11-23 12:00."""
    return instant.astimezone(store.settings.zone).strftime("%Y-%m-%d %H:%M")


def _plain(text: str) -> Any:
    """Text for a rich status line: a ``Text``, which rich never reads as markup or emoji codes; hidden characters escaped."""
    from rich.text import Text

    from pos.base.text import shown

    return Text(shown(text))


class Spinner:
    """A spinner on stderr while waiting on a customer (only on a terminal)."""

    def __init__(self, waiting_for: str) -> None:
        self.waiting_for = waiting_for
        self.status: Any = None

    def tick(self, elapsed_s: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.status is None:
            from rich.console import Console

            self.status = Console(stderr=True).status(_plain(f"Waiting for {self.waiting_for}..."))
            self.status.start()
        self.status.update(_plain(f"Waiting for {self.waiting_for}, {elapsed_s} s..."))

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()


class CardWait(Spinner):
    """While a card reader waits for the customer's tap: a spinner on a terminal, Ctrl-C cancels."""

    def __init__(self, store: "Store") -> None:
        super().__init__("the card on the reader (Ctrl-C cancels)")
        self.store = store

    def __enter__(self) -> None:
        self.store.memo["on_card_wait"] = self.tick

    def __exit__(self, *exc: object) -> None:
        self.store.memo.pop("on_card_wait", None)
        self.stop()


class ProgressBar:
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
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            from pos.base.text import shown

            # rich's default columns, but the label is plain text (markup=False): never read as markup.
            self.bar = Progress(TextColumn("{task.description}", markup=False, style="progress.description"),
                                BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(shown(self.label), total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def say_csv(rows: list[list[Any]]) -> None:
    """Rows as CSV on stdout (text from people shown safely, never a live formula), for a spreadsheet."""
    from pos.base.csv_cells import rows_text  # every cell shown safely, and never a formula a spreadsheet would run

    say_block(rows_text(rows), nl=False)
