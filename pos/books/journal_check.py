"""Checking the journal: its hash chain from an anchor (the start, or a signed close), the postings' balance, and the
running balances against the sums of the journal."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import TYPE_CHECKING, NamedTuple

from pos.base.errors import InvalidInput
from pos.books.accounts import check_account
from pos.books.journal_form import Entry, check_entry
from pos.books.ledger import GENESIS_HASH, _COLUMNS, _entry, balances, post

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class VerifyResult(NamedTuple):
    entries: int
    problem: str | None
    """The first thing wrong, or None when the journal checks out."""
    since: int = 0
    """The entry the check started after: the journal's head at the last close (0: the whole journal)."""


class Anchor(NamedTuple):
    """A point of the chain trusted to start from: an entry's id and the hash it must still have."""

    entry_id: int
    hash: str
    what: str
    """Where it comes from, for messages (``the close of 2026-11-23``)."""
    close_id: int | None = None
    """The day close that recorded it, whose running balances at that head are kept (None: none kept)."""


GENESIS = Anchor(0, GENESIS_HASH, "the start of the journal")


def last_close_anchor(store: "Store") -> Anchor:
    """The journal's head as the last (current) day close recorded it, or the start when no close recorded one."""
    row = store.one("SELECT head_entry, head_hash, business_day, id FROM day_closes WHERE reopened_at IS NULL "
                    "AND head_entry IS NOT NULL ORDER BY head_entry DESC, id DESC LIMIT 1")
    return GENESIS if row is None else Anchor(int(row[0]), str(row[1]), f"the close of {row[2]}", int(row[3]))


class _RangeResult(NamedTuple):
    checked: int
    bad_id: int | None
    """First entry that failed (None: the range is sound)."""
    prev_id: int
    prev_hash: bytes
    """The last good entry before ``bad_id`` (or the range's last entry)."""
    totals: dict[tuple[bytes, bytes], int]


_SHAPES_HELD = 50_000
"""How many distinct postings texts a check keeps counted before folding them into the totals (bounds memory)."""


def _verify_range(uri: str, first_id: int, prev_id: int, prev_hash: bytes) -> _RangeResult:
    """Check entries from ``first_id`` on as raw bytes, on a read-only connection of its own.

    The per-entry work is kept to what the checks need: one join and one SHA-256 of the row as read, and
    one dictionary count of its postings text.  Whether postings balance and name known accounts depends on
    their text alone, so each distinct text is parsed once, and the running totals are summed per distinct
    text times its count (folded in every ``_SHAPES_HELD`` texts, so memory stays bounded).
    """
    sha256 = hashlib.sha256
    known: set[bytes] = set()
    totals: dict[tuple[bytes, bytes], int] = {}
    shapes: dict[bytes, int] = {}
    join = b"\n".join
    conn = sqlite3.connect(uri, uri=True)
    conn.text_factory = bytes
    count = 0
    try:
        conn.execute("PRAGMA cache_size = -16384")
        cursor = conn.execute(f"SELECT {_COLUMNS} FROM journal_entries WHERE id >= ? ORDER BY id", (first_id,))
        while True:
            rows = cursor.fetchmany(4096)
            if not rows:
                _fold(shapes, totals)
                return _RangeResult(count, None, prev_id, prev_hash, totals)
            for entry_id, key, posted_at, day, memo, kind, source, reverses, text, stored_prev, stored_hash in rows:
                if (entry_id != prev_id + 1 or stored_prev != prev_hash
                        or sha256(join((str(entry_id).encode(), key, posted_at, day, memo, kind, source,
                                        b"" if reverses is None else str(reverses).encode(), stored_prev, text))
                                  ).hexdigest().encode() != stored_hash):
                    _fold(shapes, totals)
                    return _RangeResult(count, entry_id, prev_id, prev_hash, totals)
                seen = shapes.get(text)
                if seen is not None:
                    shapes[text] = seen + 1
                elif _balanced(text, known):
                    if len(shapes) >= _SHAPES_HELD:
                        _fold(shapes, totals)
                    shapes[text] = 1
                else:
                    _fold(shapes, totals)
                    return _RangeResult(count, entry_id, prev_id, prev_hash, totals)
                prev_id, prev_hash = entry_id, stored_hash
                count += 1
    finally:
        conn.close()


def _fold(shapes: dict[bytes, int], totals: dict[tuple[bytes, bytes], int]) -> None:
    """Add ``shapes`` (postings text -> entries that had it) into ``totals`` by (account, currency); empties it."""
    for text, times in shapes.items():
        for line in text.split(b"\n"):
            account, amount, currency = line.split(b" ")
            key = (account, currency)
            totals[key] = totals.get(key, 0) + int(amount) * times
    shapes.clear()


def verify(store: "Store", *, full: bool = False, start: Anchor | None = None) -> VerifyResult:
    """Recompute the hash chain and the zero-sum rule, from the last close's head (or ``start``) or, ``full``,
    from the journal's start; and check the running balances.

    Reads raw rows as bytes (no decoding and re-encoding of what is hashed)
    and checks them inline; only a row that fails is turned into an
    :class:`Entry` and explained by :func:`check_entry`.

    From an anchor (an entry id and the hash it had), the anchor entry must
    still have that hash and every entry after it must chain to it: what was
    posted since is checked, in time proportional to it.  The running
    balances are then checked against the days' movements (both kept with
    every post); ``full`` instead recomputes them from every entry.  An
    anchor is as trustworthy as the record it was read from: a signed
    closing's head is the one to start from (see DESIGN.md, anchors).
    """
    uri = store.reader_uri  # read-only, as the store itself was opened (immutable on read-only media)
    anchor = GENESIS if full else (start if start is not None else last_close_anchor(store))
    if anchor.entry_id:
        row = store.one("SELECT hash FROM journal_entries WHERE id = ?", (anchor.entry_id,))
        if row is None or row[0] != anchor.hash:
            return VerifyResult(0, f"entry {anchor.entry_id} is not the entry {anchor.what} recorded as the "
                                   "journal's head (its hash differs, or it is gone): run 'pos ledger verify --full'",
                                anchor.entry_id)
    result = _verify_range(uri, anchor.entry_id + 1, anchor.entry_id, anchor.hash.encode())
    if result.bad_id is not None:
        bad = store.one(f"SELECT {_COLUMNS} FROM journal_entries WHERE id = ?", (result.bad_id,))
        assert bad is not None
        problem = check_entry(_entry(bad), result.prev_hash.decode(), result.prev_id)
        return VerifyResult(result.checked, problem or f"entry {result.bad_id} is malformed", anchor.entry_id)
    conn = sqlite3.connect(uri, uri=True)
    conn.text_factory = bytes
    try:
        totals: dict[tuple[bytes, bytes], int] | None = result.totals
        if anchor.entry_id:  # the running balances at the anchor, when its close kept them, plus what came since
            at_head = conn.execute("SELECT account, currency, amount_minor FROM close_head_balances WHERE close_id = ?",
                                   (anchor.close_id,)).fetchall() if anchor.close_id is not None else []
            if at_head:
                totals = {(a, c): m for a, c, m in at_head}
                for key, amount in result.totals.items():
                    totals[key] = totals.get(key, 0) + amount
            else:
                totals = None
        return VerifyResult(result.checked, _compare_running(conn, totals, since=bool(anchor.entry_id)),
                            anchor.entry_id)
    finally:
        conn.close()


def _compare_running(conn: sqlite3.Connection, recomputed: dict[tuple[bytes, bytes], int] | None, *,
                     since: bool = False) -> str | None:
    """Check the running balances table, and the days' movements, against the sums of the journal.

    ``recomputed``: the journal's sums per (account, currency) (``since``: the balances kept at the anchor plus
    the entries after it).  None (an anchor with no balances kept): the running balances against the days'
    movements only.
    """
    stored = {(a, c): m for a, c, m in conn.execute("SELECT account, currency, amount_minor FROM account_balances")}
    if recomputed is None:
        days = {(a, c): m for a, c, m in conn.execute(
            "SELECT account, currency, sum(amount_minor) FROM day_balances GROUP BY account, currency")}
        for key in sorted(set(stored) | set(days)):
            if stored.get(key, 0) != days.get(key, 0):
                return (f"the running balance of {key[0].decode()} ({key[1].decode()}) is {stored.get(key, 0)} "
                        f"but the days' movements add up to {days.get(key, 0)}")
        return None
    source = "its balance at the last close and the journal since add up to" if since else "the journal sums to"
    for key in sorted(set(recomputed) | set(stored)):
        if recomputed.get(key, 0) != stored.get(key, 0):
            return (f"the running balance of {key[0].decode()} ({key[1].decode()}) is {stored.get(key, 0)} "
                    f"but {source} {recomputed.get(key, 0)}")
    days = {(a, c): m for a, c, m in conn.execute(
        "SELECT account, currency, sum(amount_minor) FROM day_balances GROUP BY account, currency")}
    for key in sorted(set(recomputed) | set(days)):
        if recomputed.get(key, 0) != days.get(key, 0):
            return (f"the days' movements of {key[0].decode()} ({key[1].decode()}) add up to {days.get(key, 0)} "
                    f"but the journal sums to {recomputed.get(key, 0)}")
    return None


def _balanced(text: bytes, known: set[bytes]) -> bool:
    """Whether stored postings (bytes) are well formed, balance per currency and name known accounts."""
    lines = text.split(b"\n")
    if len(lines) < 2:
        return False
    sums: dict[bytes, int] = {}
    for line in lines:
        parts = line.split(b" ")
        if len(parts) != 3:
            return False
        account, amount, currency = parts
        try:
            value = int(amount)
        except ValueError:
            return False
        sums[currency] = sums.get(currency, 0) + value
        if account not in known:
            try:
                check_account(account.decode())
            except (InvalidInput, UnicodeDecodeError):
                return False
            known.add(account)
    return not any(sums.values())
