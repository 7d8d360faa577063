"""An archive an auditor checks alone: written from the store, checked without it, every tampering caught."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any, Callable

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.day import archive, signing
from pos.books import journal_form, ledger
from pos.store.store import Store
from tests.conftest import Cli
from tests.test_closings import AFTER, DAY, NEXT, _close_both, shop  # noqa: F401 - the fixture

Lines = list[dict[str, Any]]


@pytest.fixture
def written(shop: Store, tmp_path: Path) -> Path:  # noqa: F811 - the fixture imported above
    """Both days of tests/test_closings.py's shop closed, and archived by the CLI."""
    _close_both(shop)
    out = tmp_path / "books.archive"
    cli = Cli(shop.path)
    with freeze_time(AFTER):
        cli.ok("ledger", "archive", "--from", str(DAY), "--to", str(NEXT), "--out", str(out),
               "--key-file", str(shop.keys.path_for(signing.store_id(shop))))
    return out


def _read(path: Path) -> Lines:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _write(path: Path, lines: Lines) -> Path:
    path.write_bytes(archive.lines_of(lines))
    return path


def _reseal(lines: Lines, private: Any = None) -> Lines:
    """Recompute the manifest's hashes (what a careful forger does next); re-sign it only given a key."""
    sums = {"entries": hashlib.sha256(), "closings": hashlib.sha256(), "key": hashlib.sha256()}
    names = {"entry": "entries", "closing": "closings", "key": "key"}
    for line in lines[:-1]:
        sums[names[line["kind"]]].update(archive.lines_of([line]))
    manifest = dict(lines[-1])
    manifest["sha256"] = {k: h.hexdigest() for k, h in sums.items()}
    manifest["entries"] = sum(1 for line in lines if line["kind"] == "entry")
    manifest["closings"] = sum(1 for line in lines if line["kind"] == "closing")
    if private is not None:
        manifest.pop("signature")
        manifest["signature"] = signing.sign(private, signing.canonical(manifest))
    return [*lines[:-1], manifest]


def test_an_archive_holds_the_period_and_checks_out_alone(written: Path, shop: Store) -> None:  # noqa: F811
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    lines = _read(written)
    kinds = [line["kind"] for line in lines]
    entries = [line for line in lines if line["kind"] == "entry"]
    assert kinds == ["entry"] * len(entries) + ["closing", "closing", "key", "manifest"]
    assert [e["id"] for e in entries] == list(range(1, ledger.count_entries(shop) + 1))
    manifest = lines[-1]
    assert (manifest["from"], manifest["to"], manifest["entries"], manifest["closings"]) == (
        str(DAY), str(NEXT), len(entries), 2)
    assert manifest["key_fingerprint"] == signing.fingerprint_of_store(shop)
    shop.close()
    written.parent.joinpath(shop.path.name).unlink()  # no store at all: the archive stands alone
    result = Cli(written.parent / "nothing.db").ok("ledger", "verify-archive", str(written), "--fingerprint",
                                                   manifest["key_fingerprint"])
    assert f"OK: {len(entries)} entries (#1 to #{len(entries)}) of {DAY} to {NEXT}, chain intact, 2 signed closings" \
        in result.stdout
    data = json.loads(Cli(written.parent / "nothing.db").ok("ledger", "verify-archive", str(written),
                                                            "--json").stdout)
    assert data["ok"] is True and data["closings"] == 2


def _memo(lines: Lines) -> Lines:
    lines[2] = {**lines[2], "memo": lines[2]["memo"] + " (edited)"}
    return lines


def _memo_and_chain(lines: Lines) -> Lines:
    """Edit an entry and recompute its hash and every later one: the chain holds, the manifest does not."""
    lines = _memo(lines)
    prev = lines[2]["prev_hash"]
    for line in lines:
        if line["kind"] != "entry" or line["id"] < lines[2]["id"]:
            continue
        line["prev_hash"] = prev
        line["hash"] = prev = hashlib.sha256(journal_form.canonical_text(
            line["id"], line["key"], line["posted_at"], line["business_day"], line["memo"], line["source_kind"],
            line["source_id"], line["reverses"], line["prev_hash"], line["postings"]).encode()).hexdigest()
    return lines


def _closing_total(lines: Lines) -> Lines:
    closing = next(line for line in lines if line["kind"] == "closing")
    closing["record"] = {**closing["record"], "day": {**closing["record"]["day"], "refunds_minor": 0}}
    return lines


def _other_key(lines: Lines, tmp: Path) -> Lines:
    public = signing.make_key(tmp / "other.ed25519")
    for line in lines:
        if line["kind"] == "key":
            line.update(public_key=public.hex(), fingerprint=signing.fingerprint_of(public))
    return lines


CASES: list[tuple[str, Callable[[Lines, Path], Lines], str]] = [
    ("an entry's memo", lambda ls, _: _memo(ls), "was changed after it was posted"),
    ("an entry, its hash and every later one", lambda ls, _: _memo_and_chain(ls), "not at the head the manifest "
     "names: entries were changed"),
    ("the same, the manifest's hashes recomputed", lambda ls, _: _reseal(_memo_and_chain(ls)),
     "the manifest does not match its signature"),
    ("an entry removed", lambda ls, _: _reseal(ls[:3] + ls[4:]), "the manifest does not match its signature"),
    ("a closing's totals", lambda ls, _: _closing_total(ls), "closings differ from what its manifest counted"),
    ("a closing's totals, the manifest's hashes recomputed", lambda ls, _: _reseal(_closing_total(ls)),
     "the manifest does not match its signature"),
    ("the manifest's period", lambda ls, _: [*ls[:-1], {**ls[-1], "to": "2026-12-31"}],
     "the manifest does not match its signature"),
    ("the manifest's signature", lambda ls, _: [*ls[:-1], {**ls[-1], "signature": "ab" * 64}],
     "the manifest does not match its signature"),
    ("the key", lambda ls, tmp: _other_key(ls, tmp), "the manifest does not match its signature"),
    ("the key, the manifest re-hashed", lambda ls, tmp: _reseal(_other_key(ls, tmp)),
     "the manifest does not match its signature"),
]


@pytest.mark.parametrize("what, tamper, says", CASES, ids=[c[0] for c in CASES])
def test_each_way_of_tampering_with_an_archive_is_caught(written: Path, tmp_path: Path, what: str,
                                                         tamper: Callable[[Lines, Path], Lines], says: str) -> None:
    bad = _write(tmp_path / "tampered.archive", tamper(_read(written), tmp_path))
    result = Cli(tmp_path / "nothing.db")("ledger", "verify-archive", str(bad))
    assert result.exit_code == 1 and says in result.stdout, (what, result.stdout)
    assert not (tmp_path / "nothing.db").exists()


def test_an_archive_re_signed_whole_by_another_key_is_caught_by_the_printed_fingerprint(written: Path,
                                                                                       tmp_path: Path) -> None:
    lines = _other_key(_memo_and_chain(_read(written)), tmp_path)
    forger = signing.load_key(tmp_path / "other.ed25519")
    hashes = {line["id"]: line["hash"] for line in lines if line["kind"] == "entry"}
    previous = None
    for line in lines:  # every closing re-signed, chained, under the forger's key, naming the new heads
        if line["kind"] == "closing":
            record = line["record"]
            record["key"] = signing.fingerprint_of(signing.public_of(forger))
            record["journal"]["head"] = hashes.get(record["journal"]["entries"], record["journal"]["head"])
            if previous is not None:
                record["previous"] = previous
            line["signature"] = previous = signing.sign(forger, signing.canonical(record))
    original = _read(written)[-1]["key_fingerprint"]
    lines[-1] = {**lines[-1], "key_fingerprint": signing.fingerprint_of(signing.public_of(forger)),
                 "head": [line for line in lines if line["kind"] == "entry"][-1]["hash"]}
    bad = _write(tmp_path / "resigned.archive", _reseal(lines, forger))
    cli = Cli(tmp_path / "nothing.db")
    assert "check it against the fingerprint on your Z reports" in cli.ok("ledger", "verify-archive", str(bad)).stdout
    result = cli("ledger", "verify-archive", str(bad), "--fingerprint", original)
    assert result.exit_code == 1 and f"not by {original} (the key the Z reports print)" in result.stdout


def test_an_archive_cut_short_reordered_or_reformatted_is_caught(written: Path, tmp_path: Path) -> None:
    data = written.read_bytes()
    lines = data.splitlines(keepends=True)
    for name, bad, says in (
        ("cut", data[:-10], "cut short"),
        ("no manifest", b"".join(lines[:-1]), "no manifest"),
        ("reordered", b"".join([lines[-3], *lines[:-3], *lines[-2:]]), "out of place"),
        ("spaced", data.replace(b'","', b'", "', 1), "not in canonical form"),
        ("garbage", b"hello\n", "line 1 is not JSON"),
    ):
        path = tmp_path / f"{name}.archive"
        path.write_bytes(bad)
        result = Cli(tmp_path / "nothing.db")("ledger", "verify-archive", str(path))
        assert result.exit_code == 1 and says in result.stdout, (name, result.stdout)


# -- bad input: one line, exit 1, nothing written -----------------------------------------------


@pytest.mark.parametrize("args, says", [
    (("--from", "2026-11-24", "--to", "2026-11-23", "--out", "a"), "is before --from"),
    (("--from", "2026-01-01", "--to", "2027-01-01", "--out", "a"), "its last day is 2026-12-31 at the latest"),
    (("--from", "2024-02-29", "--to", "2025-03-01", "--out", "a"), "its last day is 2025-02-28 at the latest"),
    (("--to", "2026-11-23", "--out", "a"), "give both --from and --to"),
    (("--from", "2026-11-23", "--to", "2026-11-23"), "--out"),
    (("--from", "2026-11-23x", "--to", "2026-11-23", "--out", "a"), "2026-11-23x"),
    (("--from", "2020-01-01", "--to", "2020-01-02", "--out", "a"), "No journal entries"),
    (("--from", "2026-11-23", "--to", "2026-11-24", "--out", "taken"), "already exists"),
    (("--from", "2026-11-23", "--to", "2026-11-24", "--out", "a", "--key-file", "none"), "closing key is missing"),
])
def test_archive_refuses_bad_input_and_writes_nothing(shop: Store, tmp_path: Path, monkeypatch,  # noqa: F811
                                                      args: tuple[str, ...], says: str) -> None:
    _close_both(shop)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").write_text("mine")
    before = sorted(p.name for p in tmp_path.iterdir())
    Cli(shop.path).fails("ledger", "archive", *args, says=says)
    assert sorted(p.name for p in tmp_path.iterdir()) == before and (tmp_path / "taken").read_text() == "mine"


def test_archive_refuses_a_store_without_a_key_yet(store: Store, tmp_path: Path) -> None:
    from tests.test_closings import _ring

    with freeze_time("2026-11-23 17:00:00"):
        from pos.cash import drawer

        drawer.open_drawer(store, 1, "100")
        _ring(store)
    Cli(store.path).fails("ledger", "archive", "--from", "2026-11-23", "--to", "2026-11-23", "--out",
                          str(tmp_path / "a"), says="no closing key yet")
    assert not (tmp_path / "a").exists()


def test_verify_archive_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "nothing.db")
    cli.fails("ledger", "verify-archive", str(tmp_path / "missing"), says="Cannot read")
    cli.fails("ledger", "verify-archive", str(tmp_path), says="is a folder")
    assert not (tmp_path / "nothing.db").exists()


def test_the_twelve_month_rule(tmp_path: Path) -> None:
    assert archive.check_period(date(2026, 1, 1), date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert archive.year_after(date(2024, 2, 29)) == date(2025, 3, 1)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_are_an_archive_or_a_problem_in_words(data: bytes) -> None:
    result = archive.check_archive(data)
    assert result.problem is not None and "\n" not in result.problem and result.summary is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["kind", "id", "record", "public_key", "format", "signature"]),
                                st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                          st.sampled_from(["entry", "closing", "key", "manifest"]))), max_size=6))
def test_any_json_lines_are_an_archive_or_a_problem_in_words(lines: list[dict[str, Any]]) -> None:
    result = archive.check_archive(archive.lines_of(lines))
    assert result.problem is not None and result.summary is None


def test_an_archive_kept_outside_catches_the_full_forge_by_its_key(written: Path, shop: Store,  # noqa: F811
                                                                                 tmp_path: Path) -> None:
    from tests.test_closings import _forge

    cli = Cli(shop.path)
    assert "anchors held outside the store still hold" in cli.ok("ledger", "verify", "--anchors", str(written)).stdout
    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    _forge(shop.path, refund_entry.id, refund_entry.memo.replace("cold pizza", "wrong order"))
    assert cli("ledger", "verify").exit_code == 0  # the forge holds inside the file
    result = cli("ledger", "verify", "--anchors", str(written))
    assert result.exit_code == 1
    # The forger's key differs from the archive's: said first (an edit under its old hash is named: below).
    assert "was signed by key" in result.stdout and "re-signed with another key" in result.stdout
    from pos.day import archive as archive_module

    compared, problem = archive_module.compare_with_store(shop, written.read_bytes(), "books.archive")
    assert problem is not None and "re-signed" in problem


def test_with_the_owners_key_stolen_too_the_archive_still_names_the_entry_the_forge_changed(
        written: Path, shop: Store) -> None:  # noqa: F811
    from tests.test_closings import _forge

    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    edited = refund_entry.memo.replace("cold pizza", "wrong order")
    _forge(shop.path, refund_entry.id, edited, stolen=shop.keys.path_for(signing.store_id(shop)))
    cli = Cli(shop.path)
    assert cli("ledger", "verify").exit_code == 0  # signed with the owner's own key: the file holds together
    result = cli("ledger", "verify", "--anchors", str(written))
    assert result.exit_code == 1
    assert f"entry {refund_entry.id} differs from the archive" in result.stdout
    assert f"its memo is {edited!r} in the store, {refund_entry.memo!r} in the archive" in result.stdout


def test_an_archive_names_the_entry_edited_under_its_old_hash_and_how(written: Path, shop: Store,  # noqa: F811
                                                                                    tmp_path: Path) -> None:
    (refund_entry,) = [e for e in ledger.iter_entries(shop) if e.source_kind == "refund"]
    conn = sqlite3.connect(shop.path, isolation_level=None)
    conn.execute("DROP TRIGGER journal_no_update")
    conn.execute("UPDATE journal_entries SET memo = replace(memo, 'cold pizza', 'wrong order') WHERE id = ?",
                 (refund_entry.id,))
    conn.close()
    result = Cli(shop.path)("ledger", "verify", "--anchors", str(written))
    assert result.exit_code == 1  # the chain check names it first here; the archive alone says how:
    compared, problem = archive.compare_with_store(shop, written.read_bytes(), "books.archive")
    assert compared == refund_entry.id - 1
    assert problem == (f"entry {refund_entry.id} differs from the archive books.archive: its memo is "
                       f"{refund_entry.memo.replace('cold pizza', 'wrong order')!r} in the store, "
                       f"{refund_entry.memo!r} in the archive")
