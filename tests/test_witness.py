"""Each closing witnessed off the machine as it is made (issue 24, item 2, and the witness half of item 9).

A folder on another disk takes each closing as one signed JSON line; the owner's mailbox takes it as an email
(a real SMTP server, aiosmtpd, on 127.0.0.1); the close never waits on either, and what cannot be delivered is
retried by the next command, once.  ``pos ledger verify --witness`` (and plain verify, against the folders the
store names) fails on the forge of "What was seen" 1, re-signed with the store's own key, naming the first
closing that differs; on deleted closings; and on a rollback of the last closed day.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import sqlite3
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Iterator

import pytest
from freezegun import freeze_time

from payments import service
from payments.refunds import refund
from pos.day import closings, signing, witness
from pos.store import config, witness_setting
from pos.cash import drawer
from pos.books import journal_form, ledger
from pos.base.errors import InvalidInput
from pos.books.journal_form import parse_postings, postings_text, Posting
from pos.sales.orders import add_line, new_order
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from tests.conftest import Cli, snapshot
from tests.test_closings import _copy, _unguard

DAY = date(2026, 11, 23)
NEXT = date(2026, 11, 24)
DURING = "2026-11-23 17:00:00"  # noon in New York
NEXT_DURING = "2026-11-24 17:00:00"
AFTER = "2026-11-25 10:00:00"  # both days over
DAYS_LATER = "2026-11-27 10:00:00"


def _ring(store: Store, amount: str = "20") -> str:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    service.pay(store, order.id, "cash", amount)
    return order.id


@pytest.fixture
def shop(store: Store, tmp_path: Path) -> Store:
    """A closed day with a $10.00 cash refund on it is the one the forger shrinks; a witness folder is named."""
    with freeze_time(DURING):
        add_staff(store, "Alice", "cashier", "2580")
        start_shift(store, "Alice")
        drawer.open_drawer(store, 1, "100")
        first = _ring(store)
        refund(store, first, "10.00", "cold pizza", by=get_staff(store, "Alice"))
    (tmp_path / "usb").mkdir()
    config.set_option(store, "closing.witness", str(tmp_path / "usb"))
    return store


def _key(store: Store) -> Path:
    return signing.key_path(store, store.keys)


def _close_both(store: Store) -> Cli:
    """Both days closed by the command (which delivers to the witness after its commit)."""
    cli = Cli(store.path)
    key = ["--key-file", str(_key(store))]
    with freeze_time(AFTER):
        closed = cli.ok("day", "close", "--day", str(DAY), "--count", "103.61", *key)
    assert "Witnessed by the " in closed.stdout and ": closing #1.\n" in closed.stdout, closed.stdout
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(store, 1, "100")
        _ring(store)
    with freeze_time(AFTER):
        cli.ok("day", "close", "--day", str(NEXT), "--count", "113.61", *key)
    return cli


def _lines(folder: Path, store: Store) -> list[dict[str, Any]]:
    return [json.loads(line) for line in witness.witness_file(folder, signing.store_id(store)).read_text().splitlines()]


@pytest.fixture(autouse=True)
def _key_made(shop: Store) -> None:
    """The store's key made where the library and the command (--key-file) both find it."""
    path = _key(shop)
    if not path.exists():
        with shop.write():
            signing.signer_for(shop, shop.keys)


# -- the folder: one signed line per closing, as it is made -------------------------------------


def test_each_closing_is_one_line_in_the_witness_folder_carrying_its_whole_signed_record(shop: Store,
                                                                                       tmp_path: Path) -> None:
    _close_both(shop)
    lines = _lines(tmp_path / "usb", shop)
    assert [line["number"] for line in lines] == [1, 2]
    public = signing.public_key(shop)
    assert public is not None
    for line, c in zip(lines, closings.all_closings(shop)):
        assert line["record"] == c.record and line["signature"] == c.signature  # the record as it is, whole
        assert signing.signature_ok(bytes.fromhex(line["public_key"]), signing.canonical(line["record"]),
                                    line["signature"])
        assert line["key_fingerprint"] == signing.fingerprint_of(public) == c.record["key"]
        assert line["totals"] == {"day": c.record["day"], "grand": c.record["grand"]}
        assert line["closings"] == c.number and line["head"] == c.record["journal"]
    assert lines[0]["totals"]["day"]["refunds_minor"] == 1000
    assert lines[0]["record"]["chains"] == closings.all_closings(shop)[0].record["chains"]  # every head it signs
    mode = witness.witness_file(tmp_path / "usb", signing.store_id(shop)).stat().st_mode & 0o777
    assert mode == 0o600
    ok = Cli(shop.path).ok("ledger", "verify")  # plain verify reads the named folder by itself
    assert "2 closings witnessed by" in ok.stdout and "match" in ok.stdout, ok.stdout
    (tmp_path / "usb").rename(tmp_path / "unmounted")  # the disk is away: said, and the store's own checks stand
    away = Cli(shop.path).ok("ledger", "verify")
    assert "could not be read (its disk or share is not mounted, or the file was removed)" in away.stdout


def test_a_witness_that_is_away_never_holds_up_the_close_and_the_next_command_delivers_once(shop: Store,
                                                                                          tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.rmdir()  # the disk is not mounted
    cli = Cli(shop.path)
    with freeze_time(AFTER):
        closed = cli.ok("day", "close", "--day", str(DAY), "--count", "103.61", "--key-file", str(_key(shop)))
    assert "Closed 2026-11-23." in closed.stdout
    assert "closing #1 is not yet witnessed by the folder" in closed.stdout and "sent again" in closed.stdout
    assert shop.scalar("SELECT count(*) FROM closings") == 1  # the close is made, and its job waits
    assert shop.scalar("SELECT count(*) FROM witness_jobs WHERE delivered_at IS NULL") == 1
    usb.mkdir()
    with freeze_time(AFTER):
        cli.ok("ledger", "balances")  # any command: it delivers what waits first
        cli.ok("ledger", "balances")
    assert [line["number"] for line in _lines(usb, shop)] == [1]
    assert shop.scalar("SELECT attempts FROM witness_jobs") == 2  # once at the close, once by the next command
    # Delivered again by hand (a crash after the write, before the store knew): the folder keeps it once.
    job = witness.waiting(shop) or [None]
    assert job == [None]
    line = json.loads(shop.scalar("SELECT payload FROM witness_jobs"))["line"]
    assert witness.append_line(usb, line) is False
    assert len(_lines(usb, shop)) == 1


def test_what_waits_for_a_witness_is_the_closing_as_it_was_made_not_as_the_store_has_it_later(
        shop: Store, tmp_path: Path) -> None:
    """The job is written in the close's own transaction: a forgery made while the witness is away does not change
    what the witness is given when it is back (a closing not yet witnessed is only as safe as the store meanwhile)."""
    usb = tmp_path / "usb"
    usb.rmdir()
    with freeze_time(AFTER):
        Cli(shop.path).ok("day", "close", "--day", str(DAY), "--count", "103.61", "--key-file", str(_key(shop)))
    made = closings.all_closings(shop)[0]
    _forge_refund(shop.path, _key(shop))
    assert closings.all_closings(shop)[0].signature != made.signature
    usb.mkdir()
    with freeze_time(AFTER):
        Cli(shop.path).ok("ledger", "balances")
    (line,) = _lines(usb, shop)
    assert line["signature"] == made.signature and line["record"]["day"]["refunds_minor"] == 1000
    result = Cli(shop.path)("ledger", "verify")
    assert result.exit_code == 1 and "closing 1 (2026-11-23) is not the one witnessed" in result.stdout, result.stdout


def test_a_witness_named_later_is_given_every_closing_made_before(shop: Store, tmp_path: Path) -> None:
    config.set_option(shop, "closing.witness", "")
    _close_both_library(shop)
    other = tmp_path / "share"
    other.mkdir()
    said = Cli(shop.path).ok("config", "set", "closing.witness", f"{tmp_path / 'usb'},{other}").stdout
    assert f"note: {other} is on the same disk as the store" in said  # a test's folders are: a till's must not be
    assert f"Witnessed by the folder {other}: closings #1, #2." in said
    assert [line["number"] for line in _lines(other, shop)] == [1, 2]
    assert [line["number"] for line in _lines(tmp_path / "usb", shop)] == [1, 2]


def _close_both_library(store: Store) -> None:
    from pos.day.close import close_day

    with freeze_time(AFTER):
        close_day(store, DAY, {1: "103.61"})
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(store, 1, "100")
        _ring(store)
    with freeze_time(AFTER):
        close_day(store, NEXT, {1: "113.61"})


def test_a_reopening_is_witnessed_too_and_the_witness_still_matches(shop: Store, tmp_path: Path) -> None:
    from pos.day.close import reopen_day

    _close_both(shop)
    add_staff(shop, "Maria", "manager", "258036")
    with freeze_time(AFTER):
        reopen_day(shop, NEXT, get_staff(shop, "Maria"))
        Cli(shop.path).ok("ledger", "balances")
    lines = _lines(tmp_path / "usb", shop)
    assert [(line["number"], line["kind"]) for line in lines] == [(1, "close"), (2, "close"), (3, "reopen")]
    assert "3 closings witnessed by" in Cli(shop.path).ok("ledger", "verify").stdout


def test_two_deliveries_at_once_write_a_closing_once(shop: Store, tmp_path: Path) -> None:
    """Two commands delivering the same closing at the same moment: the claim lets one try, the lock on the
    witness file keeps one line even when both write."""
    import threading

    config.set_option(shop, "closing.witness", "")
    _close_both_library(shop)
    config.set_option(shop, "closing.witness", str(tmp_path / "usb"))
    witness.queue_missing(shop)
    (job, _) = witness.waiting(shop)
    assert witness._claim(shop, job) is True and witness._claim(shop, job) is False  # one command at a time
    line = job.payload["line"]
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(witness.append_line(tmp_path / "usb", line)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert [x["number"] for x in _lines(tmp_path / "usb", shop)] == [1]


def test_every_command_says_when_the_last_witnessed_closing_is_more_than_a_day_old(shop: Store,
                                                                                  tmp_path: Path) -> None:
    _close_both_library(shop)  # the library closes: nothing delivered yet
    (tmp_path / "usb").rmdir()
    with freeze_time(AFTER):
        fresh = Cli(shop.path).ok("ledger", "balances")
    assert "not yet witnessed" not in fresh.stderr  # queued an hour ago: not late yet
    with freeze_time(DAYS_LATER):
        late = Cli(shop.path).ok("order", "list")
    (said,) = [line for line in late.stderr.splitlines() if "witnessed" in line]
    assert said.startswith("warning: 2 closings not yet witnessed by the folder") and "more than a day ago" in said
    assert "proves nothing against someone holding the store's key" in said
    assert said not in late.stdout
    (tmp_path / "usb").mkdir()
    with freeze_time(DAYS_LATER):
        back = Cli(shop.path).ok("order", "list")
    assert "witnessed" not in back.stderr
    assert [line["number"] for line in _lines(tmp_path / "usb", shop)] == [1, 2]


# -- the forge of "What was seen" 1, whole, re-signed with the store's own key -----------------------


def _rehash(conn: sqlite3.Connection, first_id: int) -> dict[int, str]:
    """Recompute every hash from ``first_id`` on, as the forger does; the new hashes by entry."""
    prev = conn.execute("SELECT hash FROM journal_entries WHERE id = ?", (first_id - 1,)).fetchone()[0]
    hashes = {}
    for row in conn.execute(f"SELECT {ledger._COLUMNS} FROM journal_entries WHERE id >= ? ORDER BY id",
                            (first_id,)).fetchall():
        digest = hashlib.sha256(journal_form.canonical_text(*row[:8], prev, row[8]).encode()).hexdigest()
        conn.execute("UPDATE journal_entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0]))
        hashes[row[0]] = prev = digest
    for close_id, head in conn.execute("SELECT id, head_entry FROM day_closes").fetchall():  # where verify starts
        if head in hashes:
            conn.execute("UPDATE day_closes SET head_hash = ? WHERE id = ?", (hashes[head], close_id))
    return hashes


def _rebuild_balances(conn: sqlite3.Connection) -> None:
    """Every balance table again from the journal as it now is."""
    entries = [(i, day, parse_postings(text)) for i, day, text in
               conn.execute("SELECT id, business_day, postings FROM journal_entries ORDER BY id").fetchall()]
    for table in ("account_balances", "day_balances", "day_close_balances", "close_head_balances"):
        conn.execute(f"DELETE FROM {table}")

    def sums(rows: list[tuple[int, str, tuple[Posting, ...]]]) -> dict[tuple[str, str], int]:
        out: dict[tuple[str, str], int] = {}
        for _, _, postings in rows:
            for p in postings:
                out[(p.account, p.currency)] = out.get((p.account, p.currency), 0) + p.amount_minor
        return out

    for (account, currency), amount in sums(entries).items():
        conn.execute("INSERT INTO account_balances(account, currency, amount_minor) VALUES (?, ?, ?)",
                     (account, currency, amount))
    for day in sorted({d for _, d, _ in entries}):
        for (account, currency), amount in sums([e for e in entries if e[1] == day]).items():
            conn.execute("INSERT INTO day_balances(business_day, account, currency, amount_minor) VALUES (?, ?, ?, ?)",
                         (day, account, currency, amount))
    for close_id, day, head in conn.execute("SELECT id, business_day, head_entry FROM day_closes WHERE "
                                            "reopened_at IS NULL").fetchall():
        for (account, currency), amount in sums([e for e in entries if e[1] <= day]).items():
            conn.execute("INSERT INTO day_close_balances(business_day, account, currency, balance_minor) "
                         "VALUES (?, ?, ?, ?)", (day, account, currency, amount))
        for (account, currency), amount in sums([e for e in entries if e[0] <= head]).items():
            conn.execute("INSERT INTO close_head_balances(close_id, account, currency, amount_minor) "
                         "VALUES (?, ?, ?, ?)", (close_id, account, currency, amount))


def _resign(path: Path, key: Path) -> None:
    """Re-sign every closing with the store's own key, its day's totals counted again from the forged books and
    its head the rechained journal's (the way tests/test_closings.py's _forge re-signs, with ``stolen``)."""
    private = signing.load_key(key)
    store = Store.open(path)
    try:
        records = [(n, json.loads(text)) for n, text in store.tuples("SELECT number, record FROM closings ORDER BY "
                                                                       "number")]
        hashes = dict(store.tuples("SELECT id, hash FROM journal_entries"))
        previous, grand = "", None
        signed = []
        for number, record in records:
            if record["kind"] == "close":
                record["day"] = closings.day_totals(store, date.fromisoformat(record["business_day"]))
            base = grand if grand is not None else record.get("carried_in", {})
            record["grand"] = {k: int(base.get(k, 0)) + int(record["day"][k]) for k in closings.TOTALS}
            grand = record["grand"]
            record["journal"]["head"] = hashes[record["journal"]["entries"]]
            record["previous"] = previous
            previous = signing.sign(private, signing.canonical(record))
            signed.append((signing.canonical(record).decode(), record["journal"]["head"], previous, number))
    finally:
        store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executemany("UPDATE closings SET record = ?, head_hash = ?, signature = ? WHERE number = ?", signed)
    conn.close()


def _forge_refund(path: Path, key: Path) -> None:
    """What was seen 1, done whole: drop the triggers, shrink the closed day's $10.00 cash refund to $1.00 and move
    the $9.00 to the safe, delete the refund's audit row, rechain the journal, rebuild the balances, and re-sign
    every closing with the store's own key."""
    conn = _unguard(path)
    conn.execute("BEGIN")
    refund_id, amount = conn.execute("SELECT id, amount_minor FROM refunds").fetchone()
    assert amount == 1000
    entry_id, text = conn.execute("SELECT id, postings FROM journal_entries WHERE key = ?",
                                  (f"refund:{refund_id}",)).fetchone()
    shrunk = [Posting(p.account, p.amount_minor // 10 if not p.account.startswith("liabilities:tax") else 0, p.currency)
              for p in parse_postings(text)]
    fix = -sum(p.amount_minor for p in shrunk)  # what rounding left: to sales, so the entry still balances
    shrunk = [p._replace(amount_minor=p.amount_minor + fix) if p.account == "income:sales" else p for p in shrunk]
    assert [p.amount_minor for p in shrunk if p.account.startswith("assets:cash:drawer")] == [-100]
    conn.execute("UPDATE journal_entries SET postings = ? WHERE id = ?", (postings_text(shrunk), entry_id))
    conn.execute("UPDATE refunds SET amount_minor = 100 WHERE id = ?", (refund_id,))
    conn.execute("UPDATE payments SET refunded_minor = refunded_minor - 900 WHERE refunded_minor >= 1000")
    close_id, close_text = conn.execute("SELECT id, postings FROM journal_entries WHERE key LIKE 'drawer:%:close' "
                                        "AND business_day = ?", (DAY.isoformat(),)).fetchone()
    moved = [Posting(p.account, p.amount_minor + (900 if p.amount_minor > 0 else -900), p.currency)
             for p in parse_postings(close_text)]  # $9.00 more to the safe
    conn.execute("UPDATE journal_entries SET postings = ? WHERE id = ?", (postings_text(moved), close_id))
    conn.execute("UPDATE drawer_counts SET expected_minor = expected_minor + 900, counted_minor = counted_minor + 900 "
                 "WHERE business_day = ?", (DAY.isoformat(),))
    conn.execute("DELETE FROM audit_log WHERE action = 'refund'")
    _rehash(conn, min(entry_id, close_id))
    _rebuild_balances(conn)
    conn.execute("COMMIT")
    conn.close()
    _resign(path, key)


def test_the_forge_re_signed_with_the_stores_own_key_fails_against_the_witness_naming_the_first_closing(
        shop: Store, tmp_path: Path) -> None:
    _close_both(shop)
    usb = tmp_path / "usb"
    assert Cli(shop.path).ok("ledger", "verify", "--witness", str(usb)).exit_code == 0
    safe = ("assets:cash:safe", "USD")
    in_safe = ledger.balances(shop, prefix="assets:cash:safe")[safe]
    forged = _copy(shop, tmp_path / "forged.db")
    _forge_refund(forged, _key(shop))
    probe = Store.open(forged)
    try:
        assert ledger.balances(probe, prefix="assets:cash:safe")[safe] == in_safe + 900  # $9.00 more, to take
        # Every signature checks out, numbered and chained, its totals adding up: the store's own key signed them.
        assert closings.check_sequence(closings.all_closings(probe), signing.public_key(probe)) is None
        (c1, c2) = closings.all_closings(probe)
        assert c1.record["day"]["refunds_minor"] == 100
    finally:
        probe.close()
    for args in (("--witness", str(usb)), ("--witness", str(witness.witness_file(usb, signing.store_id(shop)))), ()):
        result = Cli(forged)("ledger", "verify", *args)  # () : plain verify, against the folder the store names
        assert result.exit_code == 1, (args, result.stdout)
        assert "BROKEN: against" in result.stdout and "closing 1 (2026-11-23) is not the one witnessed" in result.stdout, \
            result.stdout
        assert "signed again" in result.stdout
    full = Cli(forged)("ledger", "verify", "--full", "--witness", str(usb), "--json")
    data = json.loads(full.stdout)
    assert data["ok"] is False and data["witnesses"][0]["problem"].startswith("closing 1 (2026-11-23)")


# -- deleted closings, and a rollback of the last closed day --------------------------------------


def test_deleting_every_closing_and_the_key_fails_against_the_witness(shop: Store, tmp_path: Path) -> None:
    _close_both(shop)
    gone = _copy(shop, tmp_path / "gone.db")
    conn = _unguard(gone)
    conn.execute("DELETE FROM closings")
    conn.execute("DELETE FROM closing_keys")
    conn.close()
    for args in (("--witness", str(tmp_path / "usb")), ()):
        result = Cli(gone)("ledger", "verify", *args)
        assert result.exit_code == 1 and "holds 2 closings, and the store has none" in result.stdout, result.stdout


def test_rolling_back_the_last_closed_day_fails_against_the_witness(shop: Store, tmp_path: Path) -> None:
    _close_both(shop)
    back = _copy(shop, tmp_path / "back.db")
    conn = _unguard(back)
    conn.execute("BEGIN")
    (first_head,) = conn.execute("SELECT head_id FROM closings WHERE number = 1").fetchone()
    (close_id,) = conn.execute("SELECT close_id FROM closings WHERE number = 2").fetchone()
    conn.execute("DELETE FROM closings WHERE number = 2")
    for table in ("close_head_balances", "drawer_counts"):
        conn.execute(f"DELETE FROM {table} WHERE {'close_id' if table != 'drawer_counts' else 'business_day'} = ?",
                     (close_id if table != "drawer_counts" else NEXT.isoformat(),))
    conn.execute("DELETE FROM day_closes WHERE id = ?", (close_id,))
    # The day as if it never happened: every entry after closing 1's head, its order and its drawer.
    conn.execute("DELETE FROM journal_entries WHERE id > ?", (first_head,))
    for sql in ("DELETE FROM payments WHERE order_id IN (SELECT id FROM orders WHERE business_day = ?)",
                "DELETE FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE business_day = ?)",
                "DELETE FROM orders WHERE business_day = ?"):
        conn.execute(sql, (NEXT.isoformat(),))
    conn.execute("DELETE FROM drawers WHERE id = (SELECT max(id) FROM drawers)")
    _rebuild_balances(conn)
    conn.execute("COMMIT")
    conn.close()
    for args in (("--witness", str(tmp_path / "usb")), ()):  # (): plain verify, against the folder the store names
        result = Cli(back)("ledger", "verify", *args)
        assert result.exit_code == 1, result.stdout
        assert "holds 2 closings, and the store has only 1: closing 2 (the close of 2026-11-24" in result.stdout


def test_a_witness_changed_by_hand_is_named_as_not_whole(shop: Store, tmp_path: Path) -> None:
    _close_both(shop)
    file = witness.witness_file(tmp_path / "usb", signing.store_id(shop))
    lines = file.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["closings"] = 7
    file.write_text("\n".join([json.dumps(edited)] + lines[1:]) + "\n")
    result = Cli(shop.path)("ledger", "verify", "--witness", str(file))
    assert result.exit_code == 1 and "the witness is not whole: its closing 1's closings is not the one its signed record holds" \
        in result.stdout, result.stdout


# -- the setting, and bad input -----------------------------------------------------------------


def test_closing_witness_takes_folders_and_emails_and_refuses_the_rest_writing_nothing(shop: Store,
                                                                                     tmp_path: Path) -> None:
    cli = Cli(shop.path)
    cli.fails("config", "set", "closing.witness", str(tmp_path / "nowhere"), says="is not a folder")
    cli.fails("config", "set", "closing.witness", "owner@example.com", says="set it first")
    cli.fails("config", "set", "closing.witness", "owner@@example.com", says="is not an email address")
    cli.fails("config", "set", "closing.witness", "folder:\x1b[2J", says="")
    config.set_option(shop, "receipt.smtp", "127.0.0.1:2525")
    stored = cli.ok("config", "set", "closing.witness", f"{tmp_path / 'usb'}, mailto:Owner@Example.com").stdout
    assert f"folder:{tmp_path / 'usb'},email:Owner@example.com" in stored
    assert [w.kind for w in witness.configured(shop)] == [witness.WitnessKind.FOLDER, witness.WitnessKind.EMAIL]


def test_verify_refuses_a_witness_that_is_not_one_and_writes_nothing(shop: Store, tmp_path: Path) -> None:
    cli = Cli(shop.path)
    (tmp_path / "notes.txt").write_text("hello\n")
    cli.fails("ledger", "verify", "--witness", str(tmp_path / "missing"), says="does not exist")
    cli.fails("ledger", "verify", "--witness", str(tmp_path / "notes.txt"), says="holds no witnessed closing")
    with pytest.raises(InvalidInput):
        witness_setting.parse_witnesses("owner@example.com", mail_server_set=False)
    before = snapshot(shop.path)
    assert cli("ledger", "verify", "--witness", str(tmp_path / "usb")).exit_code == 1
    assert snapshot(shop.path) == before


# -- the owner's mailbox ---------------------------------------------------------------------------


aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extras: pip install -e '.[test]'")
from tests.test_receipt_email import Inbox, free_port, local, smtp_server  # noqa: E402


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def mail(inbox: Inbox) -> Iterator[Any]:
    yield from smtp_server(inbox)


def test_each_closing_is_emailed_to_the_owner_and_verify_reads_the_mbox_and_the_eml_folder(
        shop: Store, tmp_path: Path, inbox: Inbox, mail: Any) -> None:
    local(shop, mail)
    config.set_option(shop, "closing.witness", "owner@example.com")
    _close_both(shop)
    assert len(inbox.received) == 2
    sender, recipients, data = inbox.received[0]
    assert recipients == ["owner@example.com"]
    msg = BytesParser(policy=policy.default).parsebytes(data)
    c1 = closings.all_closings(shop)[0]
    assert msg["Message-ID"] == f"<closing-1.{signing.store_id(shop)}@anytender.invalid>"
    body = msg.get_body(("plain",)).get_content()
    assert f"journal: entry {c1.head_id}, head {c1.head_hash}" in body and "Closings so far: 1." in body
    control = c1.record["chains"]["control"]  # every chain head the closing signs, in the body too
    assert f"chains.control: head {control['head']} (entries {control['entries']})" in body
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names == ["closing-1.json", "z-report-2026-11-23.json"]
    z = json.loads(next(p for p in msg.iter_attachments() if p.get_filename().startswith("z-report")).get_content())
    assert z["closing"]["head_hash"] == c1.head_hash and z["refunds_paid_minor"] == 1000
    box = mailbox.mbox(tmp_path / "owner.mbox")
    emls = tmp_path / "eml"
    emls.mkdir()
    for n, (_, _, raw) in enumerate(inbox.received):
        box.add(raw)
        (emls / f"{n}.eml").write_bytes(raw)
    box.close()
    for path in (tmp_path / "owner.mbox", emls):
        ok = Cli(shop.path).ok("ledger", "verify", "--witness", str(path))
        assert "2 closings witnessed by" in ok.stdout, ok.stdout
    forged = _copy(shop, tmp_path / "forged.db")
    _forge_refund(forged, _key(shop))
    for path in (tmp_path / "owner.mbox", emls):
        result = Cli(forged)("ledger", "verify", "--witness", str(path))
        assert result.exit_code == 1 and "closing 1 (2026-11-23) is not the one witnessed" in result.stdout, result.stdout


def test_an_email_witness_the_server_refuses_waits_and_goes_once_the_server_answers(
        shop: Store, tmp_path: Path, inbox: Inbox) -> None:
    config.set_option(shop, "receipt.smtp", f"127.0.0.1:{free_port()}")  # nothing answers there
    config.set_option(shop, "receipt.smtp_starttls", "no")
    config.set_option(shop, "receipt.sender", "till@tonys.example")
    config.set_option(shop, "closing.witness", "owner@example.com")
    cli = Cli(shop.path)
    with freeze_time(AFTER):
        closed = cli.ok("day", "close", "--day", str(DAY), "--count", "103.61", "--key-file", str(_key(shop)))
    assert "closing #1 is not yet witnessed by the owner's email owner@example.com (Could not reach the mail " \
           "server" in closed.stdout, closed.stdout
    for controller in smtp_server(inbox):
        config.set_option(shop, "receipt.smtp", f"127.0.0.1:{controller.port}")
        with freeze_time(AFTER):
            cli.ok("ledger", "balances")
            cli.ok("ledger", "balances")
    assert len(inbox.received) == 1  # once
    assert shop.scalar("SELECT count(*) FROM witness_jobs WHERE delivered_at IS NULL") == 0


def test_the_email_body_names_every_head_the_record_carries_whatever_its_chains() -> None:
    """The lead adds every control chain's head to the closing: the body lists each, whatever the record holds."""
    record = {"journal": {"entries": 12, "head": "ab" * 32}, "day": {"orders": 1}, "grand": {"orders": 1},
              "chains": {"audit_log": {"head": "cd" * 32, "rows": 41}, "staff": {"head": "ef" * 32, "rows": 3}}}
    assert witness.heads_text(record) == [f"journal: entry 12, head {'ab' * 32}",
                                          f"chains.audit_log: head {'cd' * 32} (rows 41)",
                                          f"chains.staff: head {'ef' * 32} (rows 3)"]
