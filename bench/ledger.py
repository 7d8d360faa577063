"""Ledger at scale: post a generated busy year, then verify and sum it.

Posts N entries (default 1,000,000: ~2,700 a day for a year; sales, cash
payments with change and tips, refunds, hand-ins) in transactions of
BATCH entries, and times the same rows inserted plainly (one INSERT per row
into a table with no index, constraint, check or hash) in transactions of
the same size, in the same run: the ratio is the price of our guarantees.  Then times `verify` over
the whole journal, balances for one day and for the year, and prints the
peak memory (max RSS) of the process.

Targets: posting >= 50% of the plain insert rate; verify < 5 s for 1M;
one day's balances < 50 ms; memory < 200 MB.

    python bench/ledger.py [N] [BATCH]
"""

from __future__ import annotations

import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pos import ledger, posting_rules as rules  # noqa: E402
from pos.ledger import Posting, SourceKind  # noqa: E402
from pos.setup import init_store  # noqa: E402

DRAWER = "assets:cash:drawer:1"
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


def bench_post_many(path: Path, n: int, batch: int) -> tuple[float, object]:
    """The bulk API: one post_many call per transaction of `batch` entries."""
    store = init_store(path, name="Bench", timezone="UTC")
    items = generated(n)
    t0 = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        drafts = [ledger.Draft(key, memo, kind, source, postings, day)
                  for key, memo, kind, source, postings, day in (next(items) for _ in range(size))]
        ledger.post_many(store, drafts)
        done += size
    return time.perf_counter() - t0, store


def bench_post_one_by_one(path: Path, n: int, batch: int) -> float:
    """The register's API: one post() call per entry, `batch` entries per transaction."""
    store = init_store(path, name="Bench", timezone="UTC")
    items = generated(n)
    t0 = time.perf_counter()
    done = 0
    while done < n:
        with store.write():
            for _ in range(min(batch, n - done)):
                key, memo, kind, source, postings, day = next(items)
                ledger.post(store, key, memo, kind, source, postings, business_day=day)
                done += 1
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed


def bench_plain(path: Path, n: int, batch: int) -> float:
    """The same rows, inserted plainly: no checks, no hashing, no indexes or constraints."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE plain (id INTEGER PRIMARY KEY, key TEXT, posted_at TEXT, business_day TEXT, memo TEXT, "
        "source_kind TEXT, source_id TEXT, reverses INTEGER, postings TEXT, prev_hash TEXT, hash TEXT)"
    )
    sql = "INSERT INTO plain VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    posted_at = "2026-11-23T19:07:07.123456Z"
    digest = "5" * 64
    items = generated(n)
    t0 = time.perf_counter()
    done = 0
    while done < n:
        conn.execute("BEGIN IMMEDIATE")
        for _ in range(min(batch, n - done)):
            key, memo, kind, source, postings, day = next(items)
            text = ledger.postings_text(postings)
            done += 1
            conn.execute(sql, (done, key, posted_at, day.isoformat(), memo, kind.value, source, None, text, digest, digest))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    with tempfile.TemporaryDirectory() as folder:
        plain_s = bench_plain(Path(folder) / "plain.db", n, batch)
        post_s, store = bench_post_many(Path(folder) / "ledger.db", n, batch)
        single_n = min(n, 200_000)
        single_s = bench_post_one_by_one(Path(folder) / "single.db", single_n, batch)
        post_rate, plain_rate, single_rate = n / post_s, n / plain_s, single_n / single_s
        print(f"entries:                 {n:,} in transactions of {batch:,}")
        print(f"plain single-row insert: {plain_rate:,.0f} rows/s ({plain_s:.1f} s)")
        print(f"post_many (bulk):        {post_rate:,.0f} entries/s ({post_s:.1f} s)")
        print(f"  ratio to plain:        {post_rate / plain_rate:.2f}  (target >= 0.50)")
        print(f"post, one by one:        {single_rate:,.0f} entries/s ({single_n:,} entries)")
        print(f"  ratio to plain:        {single_rate / plain_rate:.2f}")
        verify_s = timed(lambda: ledger.verify(store))
        result = ledger.verify(store)
        assert result.problem is None and result.entries == n, result
        print(f"verify all:              {verify_s:.2f} s  (target < 5 s for 1,000,000)")
        day = date(2025, 6, 30)
        day_s = timed(lambda: ledger.balances(store, day=day), repeat=5)
        print(f"balances, one day:       {day_s * 1000:.1f} ms  (target < 50 ms)")
        year_s = timed(lambda: ledger.balances(store))
        print(f"balances, running total: {year_s * 1000:.1f} ms (kept with every post)")
        summed_s = timed(lambda: ledger.balances(store, through=date(2025, 12, 31)))
        print(f"balances, closing of the last day:  {summed_s:.2f} s (running totals less what came after)")
        mid_s = timed(lambda: ledger.balances(store, through=date(2025, 3, 31)))
        print(f"balances, closing of 31 March:       {mid_s:.2f} s (re-summed from the journal up to it)")
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory (max RSS):   {peak_mb:.0f} MB, verify workers {child_mb:.0f} MB each at most  (target < 200 MB)")


if __name__ == "__main__":
    main()
