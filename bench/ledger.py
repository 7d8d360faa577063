"""Ledger at scale: post a generated busy year, then verify and sum it.

Posts N entries (default 1,000,000: ~2,700 a day for a year; sales, cash
payments with change and tips, refunds, hand-ins) in transactions of
BATCH entries, and times the same rows inserted plainly (one INSERT per row
into a table with no index, constraint, check or hash) in transactions of
the same size: the ratio is the price of our guarantees.  Also posts the
first 200,000 one by one (``post()``, as the register does), BATCH to a
transaction.  Ten transactions of each make a round (see bench/_timing.py;
a fraction of a second, and one fsync's jitter is a tenth of it): every round
posts ten batches each way and inserts ten plainly, which goes first
rotating, so the three files grow together and the ratio is taken per round.
Then times `verify --full` over the whole journal (one process) and balances
for one day and for the year, ROUNDS times each (default 3), and prints the
peak memory (max RSS) of the process.

Targets (on the median round): posting >= 50% of the plain insert rate;
verify < 5 s for 1M (for the default N only); one day's balances < 50 ms;
memory < 200 MB.  About 55 s here by default.

    python bench/ledger.py [N] [BATCH] [ROUNDS]
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _timing  # noqa: E402  (bench/, this script's own folder)

from pos.books import journal_form, ledger  # noqa: E402
from pos.books import journal_check
from pos.sales import posting_rules as rules
from pos.books.ledger import Posting, SourceKind  # noqa: E402
from pos.opening.setup import init_store  # noqa: E402

DRAWER = "assets:cash:drawer:1"
TRANSACTIONS_A_ROUND = 10
RECV = "assets:receivable:orders"


def generated(n: int):
    """(key, memo, kind, source, postings, day) for a busy year, deterministic."""
    start = date(2025, 1, 1)
    per_day = max(1, n // 365)
    for i in range(n):
        day = start + timedelta(days=min(i // per_day, 364))
        amount = 500 + (i * 7919) % 9000
        kind = i % 4
        if kind == 0:
            postings = [Posting(RECV, amount, "USD"), Posting("income:sales", -(amount - amount // 11), "USD"),
                        Posting("liabilities:tax:food", -(amount // 11), "USD")]
            yield f"sale:{i}", "Sale", SourceKind.ORDER, f"ord{i}", postings, day
        elif kind == 1:
            postings = rules.payment(DRAWER, amount, "USD", tendered_minor=amount + 1000, tip_minor=100,
                                     tip_account="liabilities:tips:pool", change_account=DRAWER)
            yield f"pay:{i}", "Cash payment", SourceKind.PAYMENT, f"ord{i}", postings, day
        elif kind == 2:
            postings = rules.payment("assets:clearing:stripe", amount, "USD", tip_minor=200,
                                     tip_account="liabilities:tips:alice")
            yield f"card:{i}", "Card payment", SourceKind.PAYMENT, f"ord{i}", postings, day
        else:
            postings = rules.transfer(DRAWER, "assets:cash:driver:dave", amount, "USD")
            yield f"handin:{i}", "Driver hand-in", SourceKind.DRIVER, "dave", postings, day


class Feed:
    """One side's copy of the generated entries, handed out a transaction's worth at a time."""

    def __init__(self, n: int, batch: int) -> None:
        self.items, self.left, self.batch = generated(n), n, batch

    def rounds(self) -> int:
        """How many rounds its entries still fill."""
        return -(-self.left // (self.batch * TRANSACTIONS_A_ROUND))

    def round(self, transaction: Callable[["Feed"], int]) -> int:
        """A round's transactions (fewer at the end); returns how many entries they held."""
        done = 0
        for _ in range(TRANSACTIONS_A_ROUND):
            if self.left:
                done += transaction(self)
        return done

    def take(self) -> list[tuple]:
        size = min(self.batch, self.left)
        self.left -= size
        return [next(self.items) for _ in range(size)]


def post_many(store, feed: Feed) -> int:
    """The bulk API: one post_many call for a transaction's entries."""
    drafts = [ledger.Draft(*item) for item in feed.take()]
    ledger.post_many(store, drafts)
    return len(drafts)


def post_one_by_one(store, feed: Feed) -> int:
    """The register's API: one post() call per entry, all in one transaction."""
    items = feed.take()
    with store.write():
        for key, memo, kind, source, postings, day in items:
            ledger.post(store, key, memo, kind, source, postings, business_day=day)
    return len(items)


class Plain:
    """The same rows, inserted plainly: no checks, no hashing, no indexes or constraints."""

    SQL = "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    POSTED_AT = "2026-11-23T19:07:07.123456Z"
    DIGEST = "5" * 64

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute(
            "CREATE TABLE plain (id INTEGER PRIMARY KEY, key TEXT, posted_at TEXT, business_day TEXT, memo TEXT, "
            "source_kind TEXT, source_id TEXT, reverses INTEGER, postings TEXT, prev_hash TEXT, hash TEXT)"
        )
        self.done = 0

    def insert(self, feed: Feed) -> int:
        items = feed.take()
        self.conn.execute("BEGIN IMMEDIATE")
        for key, memo, kind, source, postings, day in items:
            text = journal_form.postings_text(postings)
            self.done += 1
            self.conn.execute(self.SQL, (self.done, key, self.POSTED_AT, day.isoformat(), memo, kind.value, source,
                                         None, text, self.DIGEST, self.DIGEST))
        self.conn.execute("COMMIT")
        return len(items)


def measure(n: int = 1_000_000, batch: int = 1000, rounds: int = 3) -> list[_timing.Result]:
    single_n = min(n, 200_000)
    with tempfile.TemporaryDirectory() as folder:
        plain, plain_feed = Plain(Path(folder) / "plain.db"), Feed(n, batch)
        store, store_feed = init_store(Path(folder) / "ledger.db", name="Bench", timezone="UTC"), Feed(n, batch)
        single, single_feed = init_store(Path(folder) / "single.db", name="Bench", timezone="UTC"), Feed(single_n, batch)
        sides: dict[str, _timing.Work] = {"plain": lambda: plain_feed.round(plain.insert),
                                          "bulk": lambda: store_feed.round(lambda f: post_many(store, f))}
        # While the one-by-one file has entries to post, it runs in the same rounds; then the other two go on.
        both = _timing.interleave({**sides, "single": lambda: single_feed.round(lambda f: post_one_by_one(single, f))},
                                  single_feed.rounds())
        posted = both + _timing.interleave(sides, plain_feed.rounds()) if plain_feed.left else both
        plain.conn.close()
        single.close()
        print(f"entries: {n:,} in transactions of {batch:,}; {single_n:,} of them also one by one")
        checks: list = []
        verified = _timing.interleave({"verify": lambda: checks.append(journal_check.verify(store, full=True))}, rounds)
        assert all(c.problem is None and c.entries == n for c in checks), checks
        reads = _timing.interleave({
            "day": lambda: ledger.balances(store, day=date(2025, 6, 30)),
            "year": lambda: ledger.balances(store),
            "last": lambda: ledger.balances(store, through=date(2025, 12, 31)),
            "march": lambda: ledger.balances(store, through=date(2025, 3, 31)),
        }, rounds)
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results = [
        posted.compare("post_many (bulk) / plain single-row insert", "bulk", "plain", "/s", _timing.at_least(0.5)),
        both.compare("post, one by one / plain single-row insert", "single", "plain", "/s"),
        verified.absolute(f"verify --full, {n:,} entries", "verify", "s", _timing.below(5) if n == 1_000_000 else None),
        reads.absolute("balances, one day", "day", "ms", _timing.below(50)),
        reads.absolute("balances, running total (kept with every post)", "year", "ms"),
        reads.absolute("balances, closing of the last day", "last", "ms"),
        reads.absolute("balances, closing of 31 March (no close: the days summed)", "march", "ms"),
        _timing.absolute("peak memory (max RSS)", [peak_mb], "MB", _timing.below(200)),
    ]
    return results


if __name__ == "__main__":
    _timing.main(measure)
