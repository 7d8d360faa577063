"""Printing what commands say: JSON or text, money in the store's format, tables, waits and progress.

Rich is imported only when a table, a spinner or a progress bar is actually drawn: a
cashier's one-line answer never pays for it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import typer

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store


def emit(as_json: bool, data: Any, human: Callable[[], None] | str) -> None:
    """Print ``data`` as JSON with --json, else what ``human`` prints (or the text itself)."""
    if as_json:
        import json

        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    elif callable(human):
        human()
    else:
        typer.echo(human)


def money(store: "Store", amount_minor: int) -> str:
    """An amount in the store's currency and locale: $18.40."""
    from pos.money_format import store_money

    return store_money(store, amount_minor)


def print_table(title: str | None, columns: list[str], rows: list[list[str]], right: set[int] | None = None) -> None:
    """A table with a title; ``right``: the columns aligned right (amounts)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if right and index in right else "left")
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def staff_name(store: "Store", key: str) -> str:
    """How a receipt or a report names someone: their first name."""
    from pos.staff import get_staff

    return get_staff(store, key).first_name


def local_time(store: "Store", instant: Any) -> str:
    """An instant as the store's clock shows it: 2026-11-23 12:00."""
    return instant.astimezone(store.settings.zone).strftime("%Y-%m-%d %H:%M")


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

            self.status = Console(stderr=True).status(f"Waiting for {self.waiting_for}...")
            self.status.start()
        self.status.update(f"Waiting for {self.waiting_for}, {elapsed_s} s...")

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
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
