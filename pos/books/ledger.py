"""The journal: double-entry, append-only, idempotent and tamper-evident.

Every money event posts one :class:`Entry` of two or more :class:`Posting`
s whose amounts sum to zero in each currency.  Entries are immutable
records; the database refuses UPDATE and DELETE on the journal (triggers),
and a mistake is corrected by :func:`reverse`, a new entry that names the
one it undoes (once only).

**Idempotent.**  Every entry carries a caller-chosen ``key`` tied to its
cause (``order:<id>:sale``, ``payment:<id>:capture``).  Posting the same key
again returns the entry already there and writes nothing; the same key with
different postings is refused.  A command retried after a crash is
therefore safe.

**Tamper-evident.**  Each entry stores the SHA-256 of its canonical text
(see :func:`canonical_text`), which includes the previous entry's hash, so
changing, inserting or removing any entry breaks the chain from that point
on.  :func:`verify` walks the chain, streaming, and reports the first
broken entry: from the journal's head at the last day close (kept with the
close, with the running balances at that head), or with ``full`` from the
first entry.

Postings are stored inside their entry as the same canonical text that is
hashed (``account amount currency`` per line): one row per entry keeps
posting as fast as a plain insert, and what is verified is exactly what is
read.  Validation is plain functions over entries (:func:`check_entry`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, timedelta
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence

from pos.books.accounts import check_account, check_prefix
from pos.base.errors import Conflict, InvalidInput, NotAllowed, NotFound
from pos.books.journal_form import Entry, Posting, SourceKind, canonical_text, check_entry, check_postings, parse_postings
from pos.store.store import fits_sql, iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

GENESIS_HASH = "0" * 64


MEMO = 320
"""Room for a memo: our words around a reason of up to 200 characters (``Paid-out drawer 1: ...``)."""


def _clean_line(text: str, what: str, limit: int = 200) -> str:
    """A key, memo or source the program built: one line, no hidden character (escaped), at most ``limit``.

    What people typed into a memo (a reason) was checked by :func:`pos.base.text.clean_line` already;
    escaping here only makes sure the journal never holds a control character whatever a caller passed.
    """
    if text and len(text) <= limit and text.isprintable() and text.strip() == text and "  " not in text:
        return text  # already clean: the common case, kept cheap
    from pos.base.text import shown

    value = " ".join(shown(" ".join((text or "").split())).split())
    if not value:
        raise InvalidInput(f"A journal entry needs a {what}.")
    return value[:limit]


# -- reading -------------------------------------------------------------------

_COLUMNS = "id, key, posted_at, business_day, memo, source_kind, source_id, reverses, postings, prev_hash, hash"
_INSERT = f"INSERT INTO journal_entries({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_ADD_BALANCE = (
    "INSERT INTO account_balances(account, amount_minor, currency) VALUES (?, ?, ?) "
    "ON CONFLICT(account, currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor"
)
# The day's movements per account: a day's balances (the Z report, the close) without reading its entries.
_ADD_DAY_BALANCE = (
    "INSERT INTO day_balances(business_day, account, amount_minor, currency) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(business_day, account, currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor"
)


def _entry(row: "sqlite3.Row | tuple") -> Entry:
    return Entry(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], parse_postings(row[8]), row[9], row[10])


def get_entry(store: "Store", entry_id: int) -> Entry:
    row = store.one(f"SELECT {_COLUMNS} FROM journal_entries WHERE id = ?", (entry_id,)) if fits_sql(entry_id) else None
    if row is None:
        raise NotFound(f"No journal entry {entry_id}: list entries with 'pos ledger show'.")
    return _entry(row)


def find_by_key(store: "Store", key: str) -> Entry | None:
    row = store.one(f"SELECT {_COLUMNS} FROM journal_entries WHERE key = ?", (key,))
    return _entry(row) if row else None


def iter_entries(
    store: "Store",
    *,
    day: date | None = None,
    start: date | None = None,
    end: date | None = None,
    source_id: str | None = None,
    by_day: bool = False,
    batch: int = 5000,
) -> Iterator[Entry]:
    """Entries in posting order (or by business day, then posting order), streamed."""
    where, params = [], []
    if day is not None:
        where.append("business_day = ?")
        params.append(day.isoformat())
    if start is not None:
        where.append("business_day >= ?")
        params.append(start.isoformat())
    if end is not None:
        where.append("business_day <= ?")
        params.append(end.isoformat())
    if source_id is not None:
        where.append("source_id = ?")
        params.append(source_id)
    sql = f"SELECT {_COLUMNS} FROM journal_entries"
    if where:
        sql += " WHERE " + " AND ".join(where)
    cursor = store.conn.execute(sql + (" ORDER BY business_day, id" if by_day else " ORDER BY id"), params)
    while True:
        rows = cursor.fetchmany(batch)
        if not rows:
            return
        for row in rows:
            yield _entry(row)


def count_entries(store: "Store", start: date | None = None, end: date | None = None) -> int:
    sql, params = "SELECT count(*) FROM journal_entries WHERE 1=1", []
    if start is not None:
        sql += " AND business_day >= ?"
        params.append(start.isoformat())
    if end is not None:
        sql += " AND business_day <= ?"
        params.append(end.isoformat())
    return int(store.scalar(sql, tuple(params)))


# -- posting -------------------------------------------------------------------


def post(
    store: "Store",
    key: str,
    memo: str,
    source_kind: SourceKind,
    source_id: str,
    postings: Sequence[Posting],
    *,
    business_day: date | None = None,
    reverses: int | None = None,
) -> Entry:
    """Post one entry, idempotently by ``key``, inside the caller's transaction if any.

    Returns the entry posted, or the one already posted under ``key`` when
    its postings are the same.  Refuses unbalanced entries, unknown
    accounts, and a reused key with different postings.
    """
    from pos.store.clock import business_day as day_of

    key, memo, source_id, postings, text = _prepare(key, memo, source_id, postings)
    now = utc_now()
    kind = source_kind.value
    with store.write() as conn:
        if reverses is not None:
            _check_reversible(store, reverses)
        # The journal's head is cached for the rest of this transaction: we hold
        # the write lock, so nobody else can append meanwhile.
        head = _head(store)
        entry_id = head[0] + 1
        prev_hash = head[1]
        posted_at = iso(now)
        when, memo = _open_day(store, business_day, day_of(now, store.settings), memo)
        day = when.isoformat()
        digest = hashlib.sha256(
            canonical_text(entry_id, key, posted_at, day, memo, kind, source_id, reverses, prev_hash, text).encode()
        ).hexdigest()
        try:
            conn.execute(_INSERT, (entry_id, key, posted_at, day, memo, kind, source_id, reverses, text, prev_hash, digest))
        except sqlite3.IntegrityError:
            # The key is taken (a retry): same postings -> the entry already there.
            existing = conn.execute(f"SELECT {_COLUMNS} FROM journal_entries WHERE key = ?", (key,)).fetchone()
            if existing is None:
                raise
            if existing[8] != text:
                raise Conflict(
                    f"Journal key '{key}' was already used for different postings (entry {existing[0]}): nothing posted."
                ) from None
            return _entry(existing)
        conn.executemany(_ADD_BALANCE, postings)
        conn.executemany(_ADD_DAY_BALANCE, [(day, *p) for p in postings])
        store.tx_cache["journal_head"] = (entry_id, digest)
    return Entry(entry_id, key, posted_at, day, memo, kind, source_id, reverses, postings, prev_hash, digest)


def _open_day(store: "Store", asked: date | None, today: date, memo: str) -> tuple[date, str]:
    """The day an entry goes to: ``asked`` (refused if closed), else today, or after a closed day the next open one.

    A late correction to a closed day thus lands on the next open day, its memo naming the closed one.
    """
    from pos.store.days import closed_days

    closed = closed_days(store)
    if asked is not None:
        if asked in closed:
            raise Conflict(f"{asked} is closed: nothing more can be posted to it (reopen it with 'pos day reopen').")
        return asked, memo
    day = today
    while day in closed:
        day += timedelta(days=1)
    if day != today:
        memo = f"{memo} (late: {today} was already closed)"
    return day, memo


def _prepare(
    key: str, memo: str, source_id: str, postings: Sequence[Posting]
) -> tuple[str, str, str, tuple[Posting, ...], str]:
    """Clean and validate one entry's fields; returns them with the postings' text."""
    key = _clean_line(key, "key")
    memo = _clean_line(memo, "memo", MEMO)
    source_id = _clean_line(source_id, "source")
    if type(postings) is not tuple or any(type(p) is not Posting for p in postings):
        postings = tuple(p if type(p) is Posting else Posting(*p) for p in postings)
    check_postings(postings)
    return key, memo, source_id, postings, "\n".join([f"{a} {m} {c}" for a, m, c in postings])


def _head(store: "Store") -> tuple[int, str]:
    """(id, hash) of the last entry; cached while this connection holds the write lock."""
    head = store.tx_cache.get("journal_head")
    if head is None:
        row = store.conn.execute("SELECT id, hash FROM journal_entries ORDER BY id DESC LIMIT 1").fetchone()
        head = (row[0], row[1]) if row else (0, GENESIS_HASH)
    return head


class Draft(NamedTuple):
    """An entry not yet posted, for :func:`post_many`."""

    key: str
    memo: str
    source_kind: SourceKind
    source_id: str
    postings: Sequence[Posting]
    business_day: date | None = None


def post_many(store: "Store", drafts: Iterable[Draft]) -> int:
    """Post many entries at once, in the caller's transaction or one of its own.

    The same rules as :func:`post`, for bulk work (a day's tip distribution,
    imports, generated data): every draft is validated before anything is
    written; a key already in the journal with the same postings is skipped,
    with different postings the whole call is refused.  Returns how many
    entries were posted.  Reversals go through :func:`reverse`.
    """
    from pos.store.clock import business_day as day_of

    prepared = []
    for d in drafts:
        key, memo, source_id, _, text = _prepare(d.key, d.memo, d.source_id, d.postings)
        prepared.append((key, memo, d.source_kind.value, source_id, text, d.business_day))
    now = utc_now()
    posted_at = iso(now)
    today = None
    with store.write() as conn:
        known: dict[str, str] = {}
        keys = [p[0] for p in prepared]
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            known.update(conn.execute(f"SELECT key, postings FROM journal_entries WHERE key IN ({marks})", chunk).fetchall())
        entry_id, prev_hash = _head(store)
        from pos.store.days import closed_days

        closed = closed_days(store)
        rows = []
        sha256 = hashlib.sha256
        day_texts: dict[date, str] = {}
        for key, memo, kind, source_id, text, asked in prepared:
            if key in known:
                if known[key] != text:
                    raise Conflict(f"Journal key '{key}' was already used for different postings: nothing posted.")
                continue
            known[key] = text
            if asked is None:
                today = today or day_of(now, store.settings)
            day = asked if asked is not None else today
            assert day is not None
            if day in closed:  # the same rule as post(): an asked-for closed day is refused, today's moves on
                day, memo = _open_day(store, asked, day, memo)
            day_text = day_texts.get(day) or day_texts.setdefault(day, day.isoformat())
            entry_id += 1
            # canonical_text(), inlined: this loop is the bulk path.
            digest = sha256(
                "\n".join((str(entry_id), key, posted_at, day_text, memo, kind, source_id, "", prev_hash, text)).encode()
            ).hexdigest()
            rows.append((entry_id, key, posted_at, day_text, memo, kind, source_id, None, text, prev_hash, digest))
            prev_hash = digest
        conn.executemany(_INSERT, rows)
        totals: dict[tuple[str, str], int] = {}
        by_day: dict[tuple[str, str, str], int] = {}
        for row in rows:
            for line in row[8].split("\n"):
                account, amount, currency = line.split(" ")
                totals[(account, currency)] = totals.get((account, currency), 0) + int(amount)
                k = (row[3], account, currency)
                by_day[k] = by_day.get(k, 0) + int(amount)
        conn.executemany(_ADD_BALANCE, [(a, m, c) for (a, c), m in totals.items()])
        conn.executemany(_ADD_DAY_BALANCE, [(d, a, m, c) for (d, a, c), m in by_day.items()])
        store.tx_cache["journal_head"] = (entry_id, prev_hash)
    return len(rows)


def _check_reversible(store: "Store", entry_id: int) -> None:
    get_entry(store, entry_id)
    row = store.one("SELECT id FROM journal_entries WHERE reverses = ?", (entry_id,))
    if row is not None:
        raise Conflict(f"Entry {entry_id} was already reversed by entry {row[0]}: it cannot be reversed twice.")


#: The entries a reversal by hand may not undo, by what caused them, and the command that moves that money instead,
#: with its own controls (limits, approvals, the drawer's count, the Z report's lines).  Reversing a cash payment's
#: entry would move the drawer while the order stayed paid, with no refund, limit or Z report line.
_OWN_COMMAND: dict[str, tuple[str, str]] = {
    SourceKind.PAYMENT.value: ("a payment", "money goes back through 'pos refund ORDER', with its limits and "
                                            "approvals"),
    SourceKind.REFUND.value: ("a refund", "a refund given is final; money taken back is a new sale ('pos order new', "
                                          "'pos pay')"),
    SourceKind.DRAWER.value: ("a drawer movement", "cash goes in and out through 'pos drawer paid-in', 'pos drawer "
                                                   "paid-out' or 'pos drawer drop', and is counted at 'pos day close'"),
    SourceKind.DRIVER.value: ("a driver's hand-in", "a driver's cash goes through 'pos driver handin'"),
    SourceKind.TIPS.value: ("a tip movement", "tips go through 'pos tips distribute' and 'pos tips payout'"),
    SourceKind.SHIFT.value: ("a shift", "shifts go through 'pos shift'"),
    SourceKind.DAY.value: ("a day's close", "a closed day is opened again with 'pos day reopen'"),
}


def _check_reversible_by_hand(entry: Entry) -> None:
    """Refuse a reversal by hand of an entry whose money has a command of its own (:data:`_OWN_COMMAND`)."""
    if entry.source_kind in _OWN_COMMAND:
        what, instead = _OWN_COMMAND[entry.source_kind]
        raise NotAllowed(f"Entry {entry.id} belongs to {what}, which is not reversed by hand: {instead}. "
                         "Nothing was posted.")


def reverse(store: "Store", entry_id: int, reason: str, *, business_day: date | None = None) -> Entry:
    """Post the exact opposite of an entry, naming it; each entry is reversed at most once.

    Only a sale's entry or a correction may be reversed this way: the entries of payments, refunds,
    drawers, drivers' hand-ins and tips are refused, naming the command that moves that money instead.
    """
    from pos.base.text import clean_line

    reason = clean_line(reason, "reason for the reversal")
    if not reason:
        raise InvalidInput("A reversal needs a reason (like 'rang twice'): give --reason.")
    with store.write():
        original = get_entry(store, entry_id)
        _check_reversible_by_hand(original)
        _check_reversible(store, entry_id)
        entry = post(
            store,
            f"reverse:{entry_id}",
            f"Reversal of entry {entry_id}: {reason}",
            SourceKind.CORRECTION,
            original.source_id,
            [Posting(p.account, -p.amount_minor, p.currency) for p in original.postings],
            business_day=business_day,
            reverses=entry_id,
        )
        from pos.store import audit

        audit.changed(store, audit.Event.BOOKS_CORRECTED, f"entry {entry_id}", {"reversed": False},
                      {"reversed": True, "by_entry": entry.id}, reason=reason, memo=original.memo,
                      postings=[{"account": p.account, "amount_minor": p.amount_minor} for p in original.postings])
        return entry


# -- checking and summing -------------------------------------------------------


Balances = dict[tuple[str, str], int]


def balances(
    store: "Store",
    *,
    day: date | None = None,
    through: date | None = None,
    prefix: str | None = None,
) -> Balances:
    """Sum postings by (account, currency).

    ``day``: the movements of that business day only.  ``through``: every
    entry up to and including that day (closing balances).  Neither: the
    whole journal, read from the running balances.  ``prefix`` keeps
    accounts at or below it.
    """
    wanted = check_prefix(prefix) if prefix is not None else None
    if day is None and through is None:
        # The running balances: one indexed range read, however long the journal.
        if wanted is None:
            found = store.conn.execute("SELECT account, currency, amount_minor FROM account_balances")
        else:
            found = store.conn.execute(
                "SELECT account, currency, amount_minor FROM account_balances WHERE account = ? OR "
                "(account >= ? AND account < ?)",
                (wanted, wanted + ":", wanted + ";"),  # ';' sorts right after ':'
            )
        return dict(sorted(((a, c), m) for a, c, m in found))
    if day is not None:
        if wanted is None:
            found = store.tuples("SELECT account, currency, amount_minor FROM day_balances WHERE business_day = ?",
                                 (day.isoformat(),))
        else:
            found = store.tuples(
                "SELECT account, currency, amount_minor FROM day_balances WHERE business_day = ? AND "
                "(account = ? OR (account >= ? AND account < ?))", (day.isoformat(), wanted, wanted + ":", wanted + ";"))
        return dict(sorted(((a, c), m) for a, c, m in found))
    assert through is not None
    return closing_balances(store, through, prefix=wanted)


def _prefix_sql(wanted: str | None) -> tuple[str, tuple[str, ...]]:
    if wanted is None:
        return "", ()
    return " AND (account = ? OR (account >= ? AND account < ?))", (wanted, wanted + ":", wanted + ";")


def closing_balances(store: "Store", day: date, *, prefix: str | None = None) -> Balances:
    """Every account's balance at the end of ``day`` (all entries of that day and before), by (account, currency).

    Starts from the latest closing snapshot at or before ``day`` (written by :func:`record_close`; one that an
    entry posted later to its day or before has made stale is gone, see migration 17) and adds the days'
    movements after it, so a closed day costs one read of its own totals whatever the journal's length.  With no
    snapshot, the days' movements are summed from the start, in SQLite.  Accounts first used after ``day``
    are not listed; an account used by then is, even at zero.
    """
    wanted = check_prefix(prefix) if prefix is not None else None
    where, params = _prefix_sql(wanted)
    cut = day.isoformat()
    start = store.scalar("SELECT max(business_day) FROM day_close_balances WHERE business_day <= ?", (cut,))
    totals: Balances = {}
    if start is not None:
        for account, currency, amount in store.tuples(
                f"SELECT account, currency, balance_minor FROM day_close_balances WHERE business_day = ?{where}",
                (start, *params)):
            totals[(account, currency)] = amount
    rows = store.tuples(
        f"SELECT account, currency, sum(amount_minor) FROM day_balances WHERE business_day > ? AND business_day <= ?"
        f"{where} GROUP BY account, currency", (start or "", cut, *params))
    for account, currency, amount in rows:
        totals[(account, currency)] = totals.get((account, currency), 0) + amount
    return dict(sorted(totals.items()))


def record_close(store: "Store", day: date, close_id: int) -> None:
    """At a day's close (inside its transaction): keep its closing balances and the journal's head on its record.

    The snapshot lets later reports start from this day (:func:`closing_balances`); the head (entry id and
    hash) is where :func:`verify` starts checking from, unless asked for the whole journal.
    """
    with store.write() as conn:
        closing = closing_balances(store, day)
        conn.execute("DELETE FROM day_close_balances WHERE business_day = ?", (day.isoformat(),))
        conn.executemany("INSERT INTO day_close_balances(business_day, account, currency, balance_minor) "
                         "VALUES (?, ?, ?, ?)", [(day.isoformat(), a, c, m) for (a, c), m in closing.items()])
        head_id, head_hash = _head(store)
        conn.execute("UPDATE day_closes SET head_entry = ?, head_hash = ? WHERE id = ?",
                     (head_id or None, head_hash if head_id else None, close_id))
        conn.execute("INSERT INTO close_head_balances(close_id, account, currency, amount_minor) "
                     "SELECT ?, account, currency, amount_minor FROM account_balances", (close_id,))
