"""Numbered, signed closings; anchors held outside the store (Z reports, receipts); and the forge they catch."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from payments import service
from payments.refunds import refund
from pos.store import chains, config
from pos.day import closings, signing
from pos.day import anchors
from pos.cash import drawer
from pos.books import journal_form, ledger
from pos.books import journal_check
from pos.day.close import close_day, reopen_day
from pos.base.errors import InvalidInput, NotAllowed
from pos.sales.orders import add_line, new_order
from pos.base.secret_files import KeyLocation
from pos.people.staff import add_staff, get_staff, start_shift
from pos.store.store import Store
from receipts import model, text
from tests.conftest import Cli, snapshot
from tests.helpers import refused

DAY = date(2026, 11, 23)
NEXT = date(2026, 11, 24)
DURING = "2026-11-23 17:00:00"  # noon in New York
NEXT_DURING = "2026-11-24 17:00:00"
AFTER = "2026-11-25 10:00:00"  # both days over


def _ring(store: Store, amount: str = "20") -> str:
    order = new_order(store, "counter")
    add_line(store, order.id, "PIZZA-M")
    service.pay(store, order.id, "cash", amount)
    return order.id


@pytest.fixture
def shop(store: Store) -> Store:
    """Two days: a cash sale on each, a refund (approved by Maria) on the first."""
    with freeze_time(DURING):
        add_staff(store, "Alice", "cashier", "2580")
        add_staff(store, "Maria", "manager", "258036")
        start_shift(store, "Alice")
        drawer.open_drawer(store, 1, "100")
        config.set_option(store, "approval.refund_over", "1")
        first = _ring(store)
        refund(store, first, "5.00", "cold pizza", approver=get_staff(store, "Maria"), by=get_staff(store, "Alice"))
    return store


def _close_both(store: Store) -> None:
    with freeze_time(AFTER):
        close_day(store, DAY, {1: "108.61"})
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(store, 1, "100")
        _ring(store)
    with freeze_time(AFTER):
        close_day(store, NEXT, {1: "113.61"})


# -- numbered, signed, perpetual ---------------------------------------------------------------


def test_each_close_writes_a_numbered_signed_closing_with_perpetual_grand_totals(shop: Store) -> None:
    with freeze_time(AFTER):
        summary = close_day(shop, DAY, {1: "108.61"})
    assert summary.closing is not None and summary.closing.number == 1
    head = shop.one("SELECT id, hash FROM journal_entries ORDER BY id DESC LIMIT 1")
    assert (summary.closing.head_id, summary.closing.head_hash) == (head[0], head[1])
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(shop, 1, "100")
        _ring(shop)
    with freeze_time(AFTER):
        close_day(shop, NEXT, {1: "113.60"})  # a cent short
    one, two = closings.all_closings(shop)
    assert (one.number, two.number) == (1, 2)
    assert one.record["day"]["sales_minor"] == 1361 and one.record["day"]["refunds_minor"] == 500
    assert two.record["day"]["over_short_minor"] == -1
    assert two.record["grand"] == {k: one.record["grand"][k] + two.record["day"][k] for k in closings.TOTALS}
    assert two.record["grand"]["sales_minor"] == 2722 and two.record["grand"]["refunds_minor"] == 500
    assert two.record["previous"] == one.signature and one.record["previous"] == ""
    public = signing.public_key(shop)
    assert public is not None
    for c in (one, two):
        assert closings.check_record(c.record, c.signature, public)
        assert c.record["key"] == signing.fingerprint_of(public) == signing.fingerprint_of_store(shop)
    forged = {**two.record, "grand": {**two.record["grand"], "sales_minor": 1}}
    assert not closings.check_record(forged, two.signature, public)
    assert closings.check_closings(shop) == closings.Check(2, None)


def test_the_key_is_made_outside_the_store_owner_only_and_only_its_public_half_is_kept(shop: Store) -> None:
    with freeze_time(AFTER):
        close_day(shop, DAY, {1: "108.61"})  # a store made without a key gets one at its first close
    path = shop.keys.path_for(signing.store_id(shop))
    assert path.parent != shop.path.parent and path.name == f"{signing.store_id(shop)}.ed25519"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    private_hex = [line for line in path.read_text().splitlines() if not line.startswith("#")][0]
    whole = b"".join(line.encode() for line in snapshot(shop.path) or [])
    assert private_hex.encode() not in whole  # the private key never enters the store
    assert signing.public_key(shop) == signing.public_of(signing.load_key(path))


def test_only_a_training_store_keeps_its_key_in_its_own_folder(shop: Store, make_store, tmp_path: Path) -> None:
    """The demo's key is in the demo's folder (issue 23 item 9); a real store's never is, whatever its file says."""
    elsewhere = KeyLocation(folder=tmp_path / "elsewhere")
    refused(shop, NotAllowed, "Only a training store", lambda: signing.keep_in_own_folder(shop))
    with shop.write() as conn:  # written into a real store by hand: ignored
        conn.execute("INSERT INTO settings(key, value) VALUES (?, 'keys/planted.ed25519')", (signing.OWN_FOLDER_SETTING,))
    assert signing.key_path(shop, elsewhere) == elsewhere.path_for(signing.store_id(shop))
    practice = make_store("practice.db", training=True)
    with practice.write():
        own = signing.keep_in_own_folder(practice)
    assert own.file == practice.path.parent / "keys" / f"{signing.store_id(practice)}.ed25519"
    assert signing.key_path(practice, elsewhere) == own.file  # found there by every later command
    assert signing.key_path(practice, None) == own.file
    named = KeyLocation(file=tmp_path / "named.ed25519")
    assert signing.key_path(practice, named) == named.file  # a file named outright (POS_KEY_FILE) still wins
    with practice.write() as conn:  # a path leading out of the folder is never followed
        conn.execute("UPDATE settings SET value = '../outside.ed25519' WHERE key = ?", (signing.OWN_FOLDER_SETTING,))
    assert signing.key_path(practice, elsewhere) == elsewhere.path_for(signing.store_id(practice))


def test_reopening_writes_a_new_closing_and_never_edits_the_old_one(shop: Store) -> None:
    with freeze_time(AFTER):
        close_day(shop, DAY, {1: "108.61"})
        (first,) = closings.all_closings(shop)
        reopen_day(shop, DAY, get_staff(shop, "Maria"))
        close_day(shop, DAY, {})
    one, two, three = closings.all_closings(shop)
    assert one == first  # untouched
    assert (two.kind, three.kind) == ("reopen", "close")
    assert two.record["day"] == {k: -v for k, v in one.record["day"].items()}
    assert three.record["day"] == one.record["day"] and three.record["previous"] == two.signature
    assert three.record["grand"] == three.record["day"]  # the day counted once, as it is now
    assert closings.check_closings(shop).problem is None


def test_closings_and_the_key_are_append_only(shop: Store) -> None:
    _close_both(shop)
    for sql in ("UPDATE closings SET signature = 'x'", "DELETE FROM closings", "DELETE FROM closing_keys",
                "UPDATE closing_keys SET public_key = 'x'", "UPDATE store_identity SET id = 'x'"):
        with pytest.raises(sqlite3.DatabaseError):
            shop.conn.execute(sql)


def test_init_makes_the_key_owner_only_in_the_data_folder_and_prints_where(bare_cli: Cli) -> None:
    data = json.loads(bare_cli.ok("init", "--name", "Keys", "--timezone", "UTC", "--json").stdout)
    path = Path(data["key_file"])
    with Store.open(bare_cli.path) as store:
        assert path == Path(os.environ["XDG_DATA_HOME"]) / "anytender" / "keys" / f"{signing.store_id(store)}.ed25519"
        assert data["key_fingerprint"] == signing.fingerprint_of_store(store)
        assert signing.public_key(store) == signing.public_of(signing.load_key(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_init_refuses_a_key_file_that_exists_and_leaves_no_store(bare_cli: Cli, tmp_path: Path) -> None:
    taken = tmp_path / "taken.ed25519"
    taken.write_text("mine")
    bare_cli.fails("init", "--name", "Keys", "--timezone", "UTC", "--key-file", str(taken), says="already at")
    assert not bare_cli.path.exists() and taken.read_text() == "mine"
    link = tmp_path / "link.ed25519"
    link.symlink_to(tmp_path / "target")
    bare_cli.fails("init", "--name", "Keys", "--timezone", "UTC", "--key-file", str(link), says="already at")
    assert not bare_cli.path.exists() and not (tmp_path / "target").exists()


# -- the key missing, wrong, or open to others ------------------------------------------------


def test_a_close_without_its_key_is_refused_and_writes_nothing(shop: Store, tmp_path: Path) -> None:
    with freeze_time(AFTER):
        close_day(shop, DAY, {1: "108.61"})
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(shop, 1, "100")
        _ring(shop)
    path = shop.keys.path_for(signing.store_id(shop))
    with freeze_time(AFTER):
        moved = path.with_name("elsewhere")
        path.rename(moved)
        refused(shop, NotAllowed, f"The closing key is missing: it is expected at {path}", close_day, shop, NEXT,
                {1: "113.61"})
        signing.make_key(path)  # another key in its place
        refused(shop, NotAllowed, "is not this store's closing key", close_day, shop, NEXT, {1: "113.61"})
        path.unlink()
        moved.rename(path)
        path.chmod(0o644)
        refused(shop, NotAllowed, "can be read by other users", close_day, shop, NEXT, {1: "113.61"})
        path.chmod(0o600)
        link = tmp_path / "link.ed25519"
        link.symlink_to(path)
        refused(shop, NotAllowed, "Cannot read the closing key", close_day, shop, NEXT, {1: "113.61"},
                keys=KeyLocation(file=link))
        close_day(shop, NEXT, {1: "113.61"})
    assert [c.number for c in closings.all_closings(shop)] == [1, 2]


def test_a_store_from_before_signed_closings_carries_its_closed_days_into_the_first(shop: Store) -> None:
    with freeze_time(AFTER):
        close_day(shop, DAY, {1: "108.61"})
    # As a store closed before migration 16 would be: a closed day, no closing, no key.
    for name in ("closings_no_delete", "closing_keys_no_delete"):
        shop.conn.execute(f"DROP TRIGGER {name}")
    shop.conn.execute("DELETE FROM closings")
    shop.conn.execute("DELETE FROM closing_keys")
    shop.keys.path_for(signing.store_id(shop)).unlink()
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(shop, 1, "100")
        _ring(shop)
    with freeze_time(AFTER):
        close_day(shop, NEXT, {1: "113.61"})
    (first,) = closings.all_closings(shop)
    assert first.number == 1 and first.record["carried_in"] == closings.day_totals(shop, DAY)
    assert first.record["grand"]["sales_minor"] == 2722
    assert closings.check_closings(shop).problem is None


# -- verify: every closing's signature, numbering, totals ----------------------------------------


def _unguard(path: Path) -> sqlite3.Connection:
    """What anyone who can write the file can do: drop every trigger that keeps it append-only.  (The control
    tables' chain triggers stay, with this program's link function: changes to those are logged as ours are, so
    these tests see what each check of the journal and the closings catches on its own; test_chains drops them.)"""
    conn = sqlite3.connect(path, isolation_level=None)
    chains.register(conn)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        if not name.startswith(("chain_", "control_log_")):
            conn.execute(f"DROP TRIGGER {name}")
    return conn


def _copy(store: Store, to: Path) -> Path:
    """A copy of the store's file, to tamper with."""
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with sqlite3.connect(to) as target:
        store.conn.backup(target)
    target.close()
    return to


def test_verify_names_a_changed_removed_or_miscounted_closing(shop: Store, tmp_path: Path) -> None:
    _close_both(shop)
    assert "2 signed closings check out" in Cli(shop.path).ok("ledger", "verify").stdout
    cases = [
        ("UPDATE closings SET record = replace(record, '\"sales_minor\":1361', '\"sales_minor\":1000') "
         "WHERE number = 1", "closing 1 does not match its signature"),
        ("DELETE FROM closings WHERE number = 1", "closing 1 is missing (the next one is 2): closings were removed"),
        ("UPDATE closings SET signature = (SELECT signature FROM closings WHERE number = 1) WHERE number = 2",
         "closing 2 does not match its signature"),
        ("DELETE FROM closings WHERE number = 2", "the close of 2026-11-24 has no closing record"),
        ("UPDATE closing_keys SET public_key = '00'", "does not match its signature"),
        # The day's books changed under a closing that still holds its signature: its totals say so.
        ("UPDATE orders SET status = 'voided', voided_minor = 1 WHERE business_day = '2026-11-24'",
         "closing 2 (2026-11-24) counted voids 0, and the journal now says 1"),
    ]
    for n, (sql, says) in enumerate(cases):
        path = _copy(shop, tmp_path / f"tampered-{n}.db")
        conn = _unguard(path)
        conn.execute(sql)
        conn.close()
        result = Cli(path)("ledger", "verify")
        assert result.exit_code == 1 and says in result.stdout, (sql, result.stdout)


def test_plain_verify_recounts_only_the_window_and_full_recounts_every_one(shop: Store, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A verify costs the week, not the store's age: the days before the window are held by the signed heads
    and the chain; --full counts every closed day again.  (Here a window of no days: the last closed day only.)"""
    monkeypatch.setattr(closings, "WINDOW_DAYS", 0)
    _close_both(shop)
    path = _copy(shop, tmp_path / "earlier-day.db")
    conn = _unguard(path)
    conn.execute("UPDATE orders SET status = 'voided', voided_minor = 1 WHERE business_day = '2026-11-23'")
    conn.close()
    r = Cli(path)("ledger", "verify"); assert r.exit_code == 0, r.output
    result = Cli(path)("ledger", "verify", "--full")
    assert result.exit_code == 1 and "closing 1 (2026-11-23) counted voids 0, and the journal now says 1" in \
        result.stdout, result.stdout


# -- the Z report and the receipt print anchors ----------------------------------------------


def test_the_z_report_prints_its_closing_number_head_and_key_in_text_json_and_pdf(shop: Store, cli_for,
                                                                                  tmp_path: Path) -> None:
    _close_both(shop)
    cli = cli_for(shop)
    c = closings.closing_of_day(shop, NEXT)
    assert c is not None and c.number == 2
    human = cli.ok("day", "report", "--day", str(NEXT)).stdout
    assert f"Closing #2: journal entry {c.head_id}, head {c.head_hash}; key {c.record['key']}" in human
    data = json.loads(cli.ok("day", "report", "--day", str(NEXT), "--json").stdout)
    assert data["closing"]["number"] == 2 and data["closing"]["head_hash"] == c.head_hash
    assert data["closing"]["entries"] == c.head_id and data["closing"]["key_fingerprint"] == c.record["key"]
    cli.ok("day", "report", "--day", str(NEXT), "--pdf", str(tmp_path / "z.pdf"))
    from tests.test_receipts import pdf_text

    shown = pdf_text((tmp_path / "z.pdf").read_bytes())
    for figure in ("Closing number", str(c.head_id), c.head_hash[:32], c.head_hash[32:], c.record["key"]):
        assert figure in shown, figure
    open_day = json.loads(cli.ok("day", "report", "--day", "2026-11-25", "--json").stdout)
    assert open_day["closing"] is None


def test_a_receipt_prints_its_sales_entry_check_value_and_number(shop: Store, cli_for) -> None:
    order_id = shop.scalar("SELECT id FROM orders WHERE number = 1")
    entry = ledger.find_by_key(shop, f"order:{order_id}:sale")
    assert entry is not None
    receipt = model.build(shop, order_id)
    assert receipt.check == f"Check {entry.hash[:12]} #{entry.id}"
    assert receipt.check in text.render(receipt, 58) and receipt.check in text.render(receipt, 80)
    assert model.build(shop, order_id, refund=True).check is None
    anchor = receipt.check.split()[1] + "@" + receipt.check.split("#")[1]
    assert "1 anchor held outside the store still holds" in cli_for(shop).ok("ledger", "verify", "--anchor",
                                                                            anchor).stdout


# -- the forge from the finding, and what catches it ------------------------------------------


def _rechain_control(conn: sqlite3.Connection) -> dict[str, object]:
    """What a forger with this program's code does after changing control rows behind the triggers: number the audit
    trail again without the gap a deleted row left, and rebuild the control log from the tables as they now are.
    Returns the new head, for the closings re-signed next."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    rows = conn.execute("SELECT at, business_day, staff_id, register, action, detail FROM audit_log ORDER BY id").fetchall()
    conn.execute("DELETE FROM audit_log")
    conn.executemany("INSERT INTO audit_log(id, at, business_day, staff_id, register, action, detail) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", [(i + 1, *row) for i, row in enumerate(rows)])
    conn.execute("DELETE FROM control_log")
    chains.install(conn)  # every table's rows logged afresh, every hash recomputed, the triggers back in place
    return chains.head(conn).as_dict()


def _forge(path: Path, entry_id: int, memo: str, stolen: Path | None = None) -> None:
    """The finding, done: drop the triggers, edit a refund's reason in the journal and the audit trail, delete its
    approval, recompute every later hash, and re-sign every closing with a key of the forger's own (or, given
    ``stolen``, with the owner's own key file)."""
    conn = _unguard(path)
    conn.execute("BEGIN")
    conn.execute("UPDATE journal_entries SET memo = ? WHERE id = ?", (memo, entry_id))
    conn.execute("UPDATE audit_log SET detail = replace(detail, 'cold pizza', 'wrong order') WHERE detail LIKE "
                 "'%cold pizza%'")
    conn.execute("UPDATE refunds SET reason = 'wrong order', approved_by = NULL")
    conn.execute("DELETE FROM audit_log WHERE action = 'approval'")
    prev = conn.execute("SELECT hash FROM journal_entries WHERE id = ?", (entry_id - 1,)).fetchone()[0]
    hashes = {}
    for row in conn.execute(f"SELECT {ledger._COLUMNS} FROM journal_entries WHERE id >= ? ORDER BY id",
                            (entry_id,)).fetchall():
        entry_id_, key, posted_at, day, memo_, kind, source, reverses, postings, _, _ = row
        digest = hashlib.sha256(journal_form.canonical_text(entry_id_, key, posted_at, day, memo_, kind, source, reverses,
                                                      prev, postings).encode()).hexdigest()
        conn.execute("UPDATE journal_entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, entry_id_))
        hashes[entry_id_] = prev = digest
    for close_id, head in conn.execute("SELECT id, head_entry FROM day_closes").fetchall():  # where verify starts
        if head in hashes:
            conn.execute("UPDATE day_closes SET head_hash = ? WHERE id = ?", (hashes[head], close_id))
    control = _rechain_control(conn)
    forger = stolen or path.parent / "forger.ed25519"
    public = signing.make_key(forger) if stolen is None else signing.public_of(signing.load_key(stolen))
    private = signing.load_key(forger)
    conn.execute("UPDATE closing_keys SET public_key = ?, fingerprint = ?", (public.hex(), signing.fingerprint_of(public)))
    previous = ""
    for number, record_text in conn.execute("SELECT number, record FROM closings ORDER BY number").fetchall():
        record = json.loads(record_text)
        head = record["journal"]["entries"]
        record["journal"]["head"] = hashes.get(head, record["journal"]["head"])
        record["key"], record["previous"] = signing.fingerprint_of(public), previous
        if "chains" in record:
            record["chains"]["control"] = control
        previous = signing.sign(private, signing.canonical(record))
        conn.execute("UPDATE closings SET record = ?, head_hash = ?, signature = ? WHERE number = ?",
                     (signing.canonical(record).decode(), record["journal"]["head"], previous, number))
    conn.execute("COMMIT")
    conn.close()


def test_the_full_forge_passes_plain_verify_and_fails_every_anchor_held_outside(shop: Store, cli_for,
                                                                              tmp_path: Path) -> None:
    order_id = shop.scalar("SELECT id FROM orders WHERE number = 1")
    receipt = model.build(shop, order_id)
    assert receipt.check is not None
    _close_both(shop)
    cli = cli_for(shop)
    z = tmp_path / "z.json"
    z.write_text(cli.ok("day", "report", "--day", str(DAY), "--json").stdout)
    held = json.loads(z.read_text())["closing"]
    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    assert "cold pizza" in refund_entry.memo

    _forge(shop.path, refund_entry.id, refund_entry.memo.replace("cold pizza", "wrong order"))

    plain = cli("ledger", "verify")
    assert plain.exit_code == 0 and "hash chain intact" in plain.stdout and "2 signed closings check out" in \
        plain.stdout, plain.stdout  # what the finding said: the chain with no secret proves order, not honesty
    assert "wrong order" in ledger.get_entry(shop, refund_entry.id).memo
    by_hand = cli("ledger", "verify", "--anchor", held["anchor"])
    assert by_hand.exit_code == 1, by_hand.stdout
    assert f"entry {held['entries']} is not what anchor" in by_hand.stdout
    by_report = cli("ledger", "verify", "--anchors", str(z))
    assert by_report.exit_code == 1 and f"entry {held['entries']} is not what anchor closing 1 of" in by_report.stdout
    # The customer's receipt, from before the edit, still holds; with the Z report it brackets the change.
    check = receipt.check.split()
    both = cli("ledger", "verify", "--anchor", f"{check[1]}@{check[2][1:]}", "--anchor", held["anchor"])
    assert both.exit_code == 1
    assert f"changed after entry {check[2][1:]} (which still holds its anchor) and at or before entry " \
           f"{held['entries']}" in both.stdout, both.stdout
    assert int(check[2][1:]) < refund_entry.id <= held["entries"]


def test_a_forger_without_a_new_key_is_caught_by_plain_verify(shop: Store, cli_for,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(closings, "WINDOW_DAYS", 0)  # from the last closed day's head (a week back: test_chains)
    _close_both(shop)
    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    conn = _unguard(shop.path)
    conn.execute("UPDATE journal_entries SET memo = 'Refund: wrong order' WHERE id = ?", (refund_entry.id,))
    prev = conn.execute("SELECT hash FROM journal_entries WHERE id = ?", (refund_entry.id - 1,)).fetchone()[0]
    for row in conn.execute(f"SELECT {ledger._COLUMNS} FROM journal_entries WHERE id >= ? ORDER BY id",
                            (refund_entry.id,)).fetchall():
        digest = hashlib.sha256(journal_form.canonical_text(*row[:8], prev, row[8]).encode()).hexdigest()
        conn.execute("UPDATE journal_entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0]))
        conn.execute("UPDATE day_closes SET head_hash = ? WHERE head_entry = ?", (digest, row[0]))  # unsigned heads
        prev = digest
    conn.close()
    result = cli_for(shop)("ledger", "verify")
    # Verify starts at the signed head, which the edit (re-hashed through it) no longer matches.
    assert result.exit_code == 1 and "is not the entry closing 2 (2026-11-24) recorded as the journal's head" in \
        result.stdout, result.stdout


def test_an_anchor_past_the_end_says_entries_were_removed(shop: Store, cli_for) -> None:
    last = shop.scalar("SELECT max(id) FROM journal_entries")
    result = cli_for(shop)("ledger", "verify", "--anchor", f"{'ab' * 6}@{last + 5}")
    assert result.exit_code == 1 and f"the journal has only {last} entries: entries were removed" in result.stdout


# -- bad input: one line, exit 1, nothing written -----------------------------------------------


@pytest.mark.parametrize("args, says", [
    (("--anchor", "zz@3"), "is not an anchor"),
    (("--anchor", "abcdef@3"), "8 to 64 hex digits"),
    (("--anchor", "abcdef0123@0"), "1 or more"),
    (("--anchor", "abcdef0123"), "is not an anchor"),
    (("--anchors", "missing.json"), "Cannot read"),
    (("--anchors", "."), "is a folder"),
])
def test_verify_refuses_bad_anchors_and_writes_nothing(cli: Cli, args: tuple[str, ...], says: str,
                                                      monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    cli.fails("ledger", "verify", *args, says=says)


def test_verify_refuses_a_file_that_is_not_z_reports(cli: Cli, tmp_path: Path) -> None:
    for content, says in (("not json {", "is not a Z report's JSON"), ('{"day": "2026-11-23"}', "holds no closed day"),
                          ('{"closing": {"number": 1}}', "no head hash"), ("\udcff", "")):
        path = tmp_path / "z.json"
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
        cli.fails("ledger", "verify", "--anchors", str(path), says=says)


def test_a_close_by_cli_without_the_key_file_is_refused_and_writes_nothing(shop: Store, cli_for,
                                                                          tmp_path: Path) -> None:
    cli = cli_for(shop)
    with freeze_time(AFTER):
        cli.ok("day", "close", "--day", str(DAY), "--count", "108.61")  # a store with no key yet: made here
    path = Path(os.environ["XDG_DATA_HOME"]) / "anytender" / "keys" / f"{signing.store_id(shop)}.ed25519"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with freeze_time(NEXT_DURING):
        drawer.open_drawer(shop, 1, "100")
    with freeze_time(AFTER):
        cli.fails("day", "close", "--day", str(NEXT), "--count", "100", "--key-file", str(tmp_path / "none"),
                  says=f"The closing key is missing: it is expected at {tmp_path / 'none'}")
        cli.fails("day", "reopen", "--day", str(DAY), "--approve", "Maria", "--key-file", str(tmp_path / "none"),
                  input="258036\n", says="The closing key is missing")
        cli.ok("day", "close", "--day", str(NEXT), "--count", "100")


@settings(max_examples=200, deadline=None)
@given(digits=st.text("0123456789abcdefABCDEF", min_size=8, max_size=64), entry=st.integers(1, 10**15 - 1))
def test_an_anchor_written_out_reads_back(digits: str, entry: int) -> None:
    assert anchors.parse_anchor(f" {digits}@{entry} ") == anchors.Anchor(digits.lower(), entry, f"{digits}@{entry}")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_an_anchor_or_refused_in_words(spec: str) -> None:
    try:
        anchor = anchors.parse_anchor(spec)
    except InvalidInput as exc:
        assert "\n" not in exc.message
    else:
        assert len(anchor.hash_prefix) >= 8 and anchor.entry >= 1


def test_an_anchor_rehashes_the_chain_itself_so_an_edit_left_under_an_old_hash_is_named(shop: Store, cli_for) -> None:
    """An edit that leaves every stored hash as it was: the anchor still matches its stored hash, and only hashing
    each entry's content again shows it; the anchor check does that itself, whatever 'verify' checked before."""
    _close_both(shop)
    c = closings.last_closing(shop)
    assert c is not None
    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    conn = _unguard(shop.path)
    conn.execute("UPDATE journal_entries SET memo = 'Refund: wrong order' WHERE id = ?", (refund_entry.id,))
    conn.close()
    check = anchors.check_anchors(shop, [anchors.parse_anchor(c.anchor)])
    assert check.problem == f"entry {refund_entry.id} was changed after it was posted (its hash does not match its content)"


def test_plain_verify_starts_from_the_signed_head_not_the_close_rows_own(shop: Store, cli_for,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A close row's head is the store's own record, unsigned: moved forward past an edit (with the running
    balances kept there), it would let the edit go unchecked.  Verify starts from the signed closing's head."""
    monkeypatch.setattr(closings, "WINDOW_DAYS", 0)
    _close_both(shop)
    cli = cli_for(shop)
    with freeze_time("2026-11-25 17:00:00"):  # a third day, still open: entries after the last close
        drawer.open_drawer(shop, 1, "100")
        _ring(shop)
    head = closings.last_closing(shop)
    assert head is not None and closings.verify_start(shop).anchor.entry_id == head.head_id
    edited, last = shop.scalar("SELECT max(id) FROM journal_entries") - 1, shop.scalar("SELECT max(id) FROM journal_entries")
    assert edited > head.head_id
    conn = _unguard(shop.path)
    conn.execute("UPDATE journal_entries SET memo = 'changed' WHERE id = ?", (edited,))  # not re-hashed
    last_hash = conn.execute("SELECT hash FROM journal_entries WHERE id = ?", (last,)).fetchone()[0]
    conn.execute("UPDATE day_closes SET head_entry = ?, head_hash = ? WHERE id = ?", (last, last_hash, head.close_id))
    conn.execute("DELETE FROM close_head_balances WHERE close_id = ?", (head.close_id,))
    conn.execute("INSERT INTO close_head_balances SELECT ?, account, currency, amount_minor FROM account_balances",
                 (head.close_id,))
    conn.commit()
    conn.close()
    assert journal_check.verify(shop).problem is None  # from the moved, unsigned head: nothing left to check
    result = cli("ledger", "verify")
    assert result.exit_code == 1 and f"entry {edited} was changed" in result.stdout, result.stdout
    assert f"after entry {head.head_id} (the head of the signed close of {head.business_day})" in result.stdout
