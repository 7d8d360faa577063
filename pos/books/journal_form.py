"""The journal's records and their canonical form, as plain values and functions (no store).

An :class:`Entry` holds two or more :class:`Posting` s (account, amount in minor units, currency)
that sum to zero in each currency, and the SHA-256 of its canonical text (:func:`canonical_text`:
every field, one per line, postings last as ``account amount currency`` lines), which includes the
previous entry's hash.  :func:`check_postings` refuses what is not a valid double entry;
:func:`check_entry` says what is wrong with an entry following another (order, chain, hash,
balance).  :mod:`pos.books.ledger` posts, reads and verifies entries with these; an archive or an
auditor's check uses the same functions without a store.
"""

from __future__ import annotations

import enum
import hashlib
from typing import Iterable, NamedTuple, Sequence

from pos.books.accounts import _KNOWN as _KNOWN_ACCOUNTS
from pos.books.accounts import check_account
from pos.base.errors import InvalidInput


class SourceKind(str, enum.Enum):
    """What caused an entry."""

    ORDER = "order"
    PAYMENT = "payment"
    REFUND = "refund"
    SHIFT = "shift"
    DRAWER = "drawer"
    DRIVER = "driver"
    TIPS = "tips"
    DAY = "day"
    CORRECTION = "correction"


class Posting(NamedTuple):
    account: str
    amount_minor: int
    currency: str


class Entry(NamedTuple):
    id: int
    key: str
    posted_at: str
    business_day: str
    memo: str
    source_kind: str
    source_id: str
    reverses: int | None
    postings: tuple[Posting, ...]
    prev_hash: str
    hash: str


def postings_text(postings: Sequence[Posting]) -> str:
    return "\n".join(f"{p.account} {p.amount_minor} {p.currency}" for p in postings)


def parse_postings(text: str) -> tuple[Posting, ...]:
    out = []
    for line in text.split("\n"):
        account, amount, currency = line.split(" ")
        out.append(Posting(account, int(amount), currency))
    return tuple(out)


def canonical_text(
    entry_id: int, key: str, posted_at: str, business_day: str, memo: str, source_kind: str,
    source_id: str, reverses: int | None, prev_hash: str, postings: str,
) -> str:
    """The exact text that is hashed: every field, one per line, postings last."""
    return "\n".join(
        (str(entry_id), key, posted_at, business_day, memo, source_kind, source_id,
         "" if reverses is None else str(reverses), prev_hash, postings)
    )


def entry_hash(entry: Entry) -> str:
    text = canonical_text(
        entry.id, entry.key, entry.posted_at, entry.business_day, entry.memo, entry.source_kind,
        entry.source_id, entry.reverses, entry.prev_hash, postings_text(entry.postings),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def sums_by_currency(postings: Iterable[Posting]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for p in postings:
        sums[p.currency] = sums.get(p.currency, 0) + p.amount_minor
    return sums


def check_postings(postings: Sequence[Posting]) -> None:
    """Refuse postings that are not a valid double entry (see module docstring)."""
    if len(postings) < 2:
        raise InvalidInput("A journal entry needs at least two postings.")
    sums: dict[str, int] = {}
    for account, amount, currency in postings:
        if type(amount) is not int:
            raise InvalidInput(f"Posting to {account} is not a whole number of minor units.")
        if currency not in sums:
            if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
                raise InvalidInput(f"Posting to {account} has an invalid currency '{currency}'.")
            sums[currency] = amount
        else:
            sums[currency] += amount
        if account not in _KNOWN_ACCOUNTS:
            check_account(account)
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        detail = ", ".join(f"{c} off by {s}" for c, s in sorted(unbalanced.items()))
        raise InvalidInput(f"The entry does not balance ({detail} minor units): postings must sum to zero per currency.")


def check_entry(entry: Entry, prev_hash: str, prev_id: int) -> str | None:
    """What is wrong with ``entry`` following an entry (``prev_id``, ``prev_hash``), or None."""
    if entry.id != prev_id + 1:
        return f"entry {entry.id} follows entry {prev_id}: entries are missing or out of order"
    if entry.prev_hash != prev_hash:
        return f"entry {entry.id} does not chain to entry {prev_id} (previous hash differs)"
    if entry_hash(entry) != entry.hash:
        return f"entry {entry.id} was changed after it was posted (its hash does not match its content)"
    try:
        check_postings(entry.postings)
    except InvalidInput as exc:
        return f"entry {entry.id}: {exc.message}"
    return None
