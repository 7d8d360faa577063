"""Exporting the journal to Beancount, hledger and CSV.

The Beancount and hledger files pass those tools' own checks (``bean-check``,
``hledger check``): every account is opened before use, a range that starts
after the first day carries an opening-balances transaction, and each
exported day ends with a balance assertion for every account seen so far.

Account names.  Ours are lower case (``liabilities:tips:mary-ann``); hledger
takes them as they are.  Beancount wants each component to start with a
capital letter or digit, so :func:`beancount_account` upper-cases the first
character of each component (``Liabilities:Tips:Mary-ann``) and
:func:`from_beancount_account` lower-cases it back.  The mapping is exactly
reversible because our components only ever hold ``a-z``, ``0-9`` and ``-``
and never start with ``-`` (see :mod:`pos.books.accounts`).

Everything is streamed: entries are read in batches and only the running
balance per account is kept in memory.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from typing import TYPE_CHECKING, Callable, Iterable, TextIO

from pos.base import csv_cells
from pos.base.errors import InvalidInput
from pos.books.ledger import Entry, balances, count_entries, iter_entries
from pos.base.money import Money, exponent, format_plain
from pos.base.text import shown

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class ExportFormat(str, enum.Enum):
    BEANCOUNT = "beancount"
    HLEDGER = "hledger"
    CSV = "csv"


def beancount_account(name: str) -> str:
    """``assets:cash:drawer:1`` -> ``Assets:Cash:Drawer:1`` (reversible)."""
    return ":".join(part[:1].upper() + part[1:] for part in name.split(":"))


def from_beancount_account(name: str) -> str:
    """Inverse of :func:`beancount_account`."""
    return ":".join(part[:1].lower() + part[1:] for part in name.split(":"))


def _amount(minor: int, currency: str) -> str:
    return format_plain(Money(minor, currency))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"The export range ends ({end}) before it starts ({start}): give --from before --to."
        )


class _Writer:
    """Streams entries into one format, with day-end assertions."""

    def __init__(self, out: TextIO, fmt: ExportFormat, store: "Store") -> None:
        self.out = out
        self.fmt = fmt
        self.store = store
        self.running: dict[tuple[str, str], int] = {}
        self.opened: set[str] = set()
        self.currencies: set[str] = set()

    def account(self, name: str) -> str:
        name = shown(name)  # a name written into the store by hand may hold anything: never a line break here
        return beancount_account(name) if self.fmt is ExportFormat.BEANCOUNT else name

    def header(self) -> None:
        s = self.store.settings
        name = shown(s.name)
        if self.fmt is ExportFormat.BEANCOUNT:
            self.out.write(f"; Anytender journal of {name}\n")
            self.out.write(f"option \"title\" {_quote(name)}\n")
            self.out.write(f"option \"operating_currency\" \"{s.currency}\"\n\n")
        else:
            self.out.write(f"; Anytender journal of {name}\n")
            self._commodity(s.currency)

    def _commodity(self, currency: str) -> None:
        if currency in self.currencies:
            return
        self.currencies.add(currency)
        if self.fmt is ExportFormat.HLEDGER:
            digits = exponent(currency)
            sample = "1,000" + ("." + "0" * digits if digits else "")
            self.out.write(f"commodity {sample} {currency}\n\n")

    def open(self, name: str, day: str) -> None:
        if name in self.opened:
            return
        self.opened.add(name)
        if self.fmt is ExportFormat.BEANCOUNT:
            self.out.write(f"{day} open {self.account(name)}\n")
        else:
            self.out.write(f"account {name}\n")

    def opening_balances(self, start: date) -> None:
        before = balances(self.store, through=start - timedelta(days=1))
        rows = [(k, v) for k, v in before.items() if v]
        if not rows:
            return
        day = start.isoformat()
        for (name, currency), _ in rows:
            self._commodity(currency)
            self.open(name, day)
        self.open("equity:opening-balances", day)
        if self.fmt is ExportFormat.BEANCOUNT:
            self.out.write(f"\n{day} * \"Opening balances\"\n")
        else:
            self.out.write(f"\n{day} * Opening balances\n")
        per_currency: dict[str, int] = {}
        for (name, currency), amount in rows:
            self.out.write(f"  {self.account(name)}  {_amount(amount, currency)} {currency}\n")
            per_currency[currency] = per_currency.get(currency, 0) + amount
            self.running[(name, currency)] = amount
        for currency, amount in sorted(per_currency.items()):
            if amount:
                self.out.write(f"  {self.account('equity:opening-balances')}  {_amount(-amount, currency)} {currency}\n")
                key = ("equity:opening-balances", currency)
                self.running[key] = self.running.get(key, 0) - amount
        self.out.write("\n")

    def entry(self, e: Entry) -> None:
        for p in e.postings:
            self._commodity(p.currency)
            self.open(p.account, e.business_day)
        # The journal holds no control character (pos.books.ledger cleans what it posts), but a file written by
        # hand may: escaped, so no memo can break a line and forge a posting in the export.
        memo = shown(e.memo)
        source = shown(f"{e.source_kind} {e.source_id}")
        if self.fmt is ExportFormat.BEANCOUNT:
            self.out.write(f"\n{e.business_day} * {_quote(memo)}\n")
            self.out.write(f"  entry: {e.id}\n  source: {_quote(source)}\n")
            if e.reverses is not None:
                self.out.write(f"  reverses: {e.reverses}\n")
        else:
            memo = memo.replace(";", ",").replace("|", "/")
            tags = f"entry:{e.id}, source:{source}"
            if e.reverses is not None:
                tags += f", reverses:{e.reverses}"
            self.out.write(f"\n{e.business_day} * {memo}  ; {tags}\n")
        for p in e.postings:
            self.out.write(f"  {self.account(p.account)}  {_amount(p.amount_minor, p.currency)} {p.currency}\n")
            key = (p.account, p.currency)
            self.running[key] = self.running.get(key, 0) + p.amount_minor

    def day_end(self, day: str) -> None:
        items = sorted(self.running.items())
        if not items:
            return
        if self.fmt is ExportFormat.BEANCOUNT:
            # A Beancount balance directive holds at the start of its date.
            after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
            self.out.write("\n")
            for (name, currency), amount in items:
                self.out.write(f"{after} balance {self.account(name)}  {_amount(amount, currency)} {currency}\n")
        else:
            self.out.write(f"\n{day} Balances at the end of {day}\n")
            for (name, currency), amount in items:
                self.out.write(f"  {name}  0 {currency} = {_amount(amount, currency)} {currency}\n")


def export_ledger(
    store: "Store",
    fmt: ExportFormat,
    out: TextIO,
    *,
    start: date | None = None,
    end: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the journal (optionally the business days ``start``..``end``) to ``out``.

    Returns the number of entries written.  ``progress(done, total)`` is
    called every 1,000 entries.
    """
    _check_range(start, end)
    total = count_entries(store, start, end) if progress is not None else 0
    # By business day: a correction posted to a later day must come after that day's assertions.
    entries: Iterable[Entry] = iter_entries(store, start=start, end=end, by_day=True)
    if fmt is ExportFormat.CSV:
        return _export_csv(store, out, entries, progress, total)
    writer = _Writer(out, fmt, store)
    writer.header()
    if start is not None:
        writer.opening_balances(start)
    count, day = 0, None
    for e in entries:
        if day is not None and e.business_day != day:
            writer.day_end(day)
        day = e.business_day
        writer.entry(e)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count, total)
    if day is not None:
        writer.day_end(day)
    if progress is not None:
        progress(count, total)
    return count


CSV_COLUMNS = (
    "entry_id", "business_day", "posted_at", "memo", "source_kind", "source_id", "reverses",
    "account", "amount", "currency", "amount_minor",
)


def _export_csv(
    store: "Store", out: TextIO, entries: Iterable[Entry], progress: Callable[[int, int], None] | None, total: int
) -> int:
    writer = csv_cells.writer(out)  # every cell shown safely, never a formula
    writer.writerow(CSV_COLUMNS)
    count = 0
    for e in entries:
        for p in e.postings:
            writer.writerow(
                (e.id, e.business_day, e.posted_at, e.memo, e.source_kind, e.source_id,
                 "" if e.reverses is None else e.reverses, p.account, _amount(p.amount_minor, p.currency),
                 p.currency, p.amount_minor)
            )
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count, total)
    if progress is not None:
        progress(count, total)
    return count
