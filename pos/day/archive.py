"""An archive of a period of the books that an auditor checks alone, without the store.

``pos ledger archive --from D --to D --out F`` writes one text file of canonical JSON lines
(sorted keys, no spaces, ASCII), in this order:

* ``{"kind": "entry", ...}``: every journal entry from the first of the period to its last, by number
  (an entry of another day posted in between is kept, so the chain is whole), each with its hash
  and its predecessor's;
* ``{"kind": "closing", ...}``: every closing of the period's days, as signed (:mod:`pos.day.closings`);
* ``{"kind": "key", ...}``: the store's public closing key and its fingerprint;
* ``{"kind": "manifest", ...}``: the store, the period, the counts, the first entry's predecessor and
  the last entry's hash, the SHA-256 of the entry, closing and key lines, and a signature over it
  all by the store's private key.

:func:`check_archive` needs nothing but the file: it recomputes every entry's hash and the chain,
checks each entry balances, each closing's signature and numbering and its head against the
entries, the manifest's counts and hashes, and the manifest's signature.  A forger who re-signs
everything with a key of their own makes an archive that checks out on its own: its fingerprint
then differs from the one printed on every Z report, so the check takes that fingerprint
(``--fingerprint``) and says which key signed it.  An archive covers at most twelve months.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NamedTuple

from pos.day import signing
from pos.base.errors import InvalidInput, NotAllowed, NotFound
from pos.day import closings

if TYPE_CHECKING:  # pragma: no cover
    from pos.base.secret_files import KeyLocation
    from pos.store.store import Store

FORMAT = "anytender-archive"
VERSION = 1
_ENTRY_FIELDS = ("id", "key", "posted_at", "business_day", "memo", "source_kind", "source_id", "reverses",
                 "postings", "prev_hash", "hash")


def _line(data: dict[str, Any]) -> bytes:
    return signing.canonical(data) + b"\n"


def year_after(day: date) -> date:
    """The same date a year later (29 February: 1 March)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def check_period(start: date | None, end: date | None) -> tuple[date, date]:
    if start is None or end is None:
        raise InvalidInput("An archive covers a period: give both --from and --to (YYYY-MM-DD).")
    if end < start:
        raise InvalidInput(f"--to {end} is before --from {start}: give the period's first day, then its last.")
    if end >= year_after(start):
        from datetime import timedelta

        raise InvalidInput(f"An archive covers at most 12 months: from {start}, its last day is "
                           f"{year_after(start) - timedelta(days=1)} at the latest; make one archive per year.")
    return start, end


def write_archive(store: "Store", start: date, end: date, keys: "KeyLocation | None",
                  out: Any) -> "ArchiveSummary":
    """Write the archive of ``start``..``end`` to the binary file ``out`` (see the module docstring).

    Refused, before anything is written, for a period of more than 12 months, one with no entries,
    or a store whose closing key is not at ``keys`` (the manifest is signed with it).
    """
    from pos.store.store import iso, utc_now

    start, end = check_period(start, end)
    first = store.scalar("SELECT min(id) FROM journal_entries WHERE business_day >= ? AND business_day <= ?",
                         (start.isoformat(), end.isoformat()))
    last = store.scalar("SELECT max(id) FROM journal_entries WHERE business_day >= ? AND business_day <= ?",
                        (start.isoformat(), end.isoformat()))
    if first is None:
        raise NotFound(f"No journal entries from {start} to {end}: there is nothing to archive.")
    public = signing.public_key(store)
    if public is None:
        raise NotFound("This store has no closing key yet (it is made by 'pos init', or at the first close): close "
                       "a day first, then archive it.")
    try:
        path = signing.key_path(store, keys)
    except NotAllowed:
        raise InvalidInput("The archive is signed with the store's closing key: name its file (POS_KEY_FILE).") from None
    private = signing.load_key(path)
    if signing.public_of(private) != public:
        raise InvalidInput("The archive is signed with the store's closing key, and the key file given is not it: "
                           "point POS_KEY_FILE at it; nothing was written.")
    hashes = {"entries": hashlib.sha256(), "closings": hashlib.sha256(), "key": hashlib.sha256()}
    starts_after = store.scalar("SELECT prev_hash FROM journal_entries WHERE id = ?", (first,))
    head = ""
    count = 0
    for row in store.tuples("SELECT id, key, posted_at, business_day, memo, source_kind, source_id, reverses, "
                            "postings, prev_hash, hash FROM journal_entries WHERE id >= ? AND id <= ? ORDER BY id",
                            (first, last)):
        line = _line({"kind": "entry", **dict(zip(_ENTRY_FIELDS, row))})
        hashes["entries"].update(line)
        out.write(line)
        head, count = row[10], count + 1
    period = [c for c in closings.all_closings(store) if start.isoformat() <= c.business_day <= end.isoformat()]
    for c in period:
        line = _line({"kind": "closing", "number": c.number, "record": c.record, "signature": c.signature})
        hashes["closings"].update(line)
        out.write(line)
    key_line = _line({"kind": "key", "public_key": public.hex(), "fingerprint": signing.fingerprint_of(public)})
    hashes["key"].update(key_line)
    out.write(key_line)
    manifest: dict[str, Any] = {
        "kind": "manifest", "format": FORMAT, "version": VERSION, "store": signing.store_id(store),
        "store_name": store.settings.name, "from": start.isoformat(), "to": end.isoformat(), "made_at": iso(utc_now()),
        "entries": count, "first_entry": int(first), "last_entry": int(last), "starts_after": starts_after,
        "head": head, "closings": len(period), "key_fingerprint": signing.fingerprint_of(public),
        "sha256": {name: h.hexdigest() for name, h in hashes.items()},
    }
    manifest["signature"] = signing.sign(private, signing.canonical(manifest))
    out.write(_line(manifest))
    return ArchiveSummary(start, end, count, int(first), int(last), len(period), signing.fingerprint_of(public))


class ArchiveSummary(NamedTuple):
    start: date
    end: date
    entries: int
    first_entry: int
    last_entry: int
    closings: int
    key_fingerprint: str


class ArchiveCheck(NamedTuple):
    summary: ArchiveSummary | None
    problem: str | None


def _lines(data: bytes) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
    if not data.endswith(b"\n"):
        raise _Bad("the file does not end with a whole line: it is cut short")
    for number, raw in enumerate(data[:-1].split(b"\n"), 1):
        try:
            value = json.loads(raw)
        except ValueError:
            raise _Bad(f"line {number} is not JSON") from None
        if not isinstance(value, dict) or _line(value) != raw + b"\n":
            raise _Bad(f"line {number} is not in canonical form (it was edited)")
        yield number, raw + b"\n", value


class _Bad(Exception):
    pass


def check_archive(data: bytes, fingerprint: str | None = None) -> ArchiveCheck:
    """Check an archive's bytes on their own (see the module docstring): the first problem, or None."""
    try:
        return ArchiveCheck(*_check(data, fingerprint))
    except _Bad as exc:
        return ArchiveCheck(None, str(exc))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a field missing or of the wrong type
        return ArchiveCheck(None, f"the archive is malformed ({type(exc).__name__})")


def _check(data: bytes, fingerprint: str | None) -> tuple[ArchiveSummary | None, str | None]:
    from pos.books import journal_form

    entries: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    key: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None
    hashes = {"entries": hashlib.sha256(), "closings": hashlib.sha256(), "key": hashlib.sha256()}
    order = {"entry": 0, "closing": 1, "key": 2, "manifest": 3}
    stage = 0
    for number, raw, value in _lines(data):
        kind = value.get("kind")
        if kind not in order or order[kind] < stage or manifest is not None or (kind == "key" and key is not None):
            raise _Bad(f"line {number} is out of place (a {kind!s:.20} line)")
        stage = order[kind]
        if kind == "entry":
            entries.append(value)
            hashes["entries"].update(raw)
        elif kind == "closing":
            found.append(value)
            hashes["closings"].update(raw)
        elif kind == "key":
            key = value
            hashes["key"].update(raw)
        else:
            manifest = value
    if manifest is None or key is None:
        raise _Bad("the archive has no manifest or no key: it is not whole")
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise _Bad("this is not an Anytender archive of a version this program reads")
    try:
        public = bytes.fromhex(str(key.get("public_key")))
    except ValueError:
        raise _Bad("the archive's key is not a key") from None
    signed = {k: v for k, v in manifest.items() if k != "signature"}
    if not signing.signature_ok(public, signing.canonical(signed), str(manifest.get("signature", ""))):
        return None, "the manifest does not match its signature by the archive's key (the manifest or the key changed)"
    if signing.fingerprint_of(public) != key.get("fingerprint") or manifest.get("key_fingerprint") != key.get(
            "fingerprint"):
        return None, "the archive's key does not match its fingerprint"
    # The chain, entry by entry.
    prev_hash = str(manifest.get("starts_after"))
    prev_id = int(manifest.get("first_entry", 1)) - 1
    by_id: dict[int, str] = {}
    for e in entries:
        try:
            entry = journal_form.Entry(int(e["id"]), e["key"], e["posted_at"], e["business_day"], e["memo"],
                                       e["source_kind"], e["source_id"], e["reverses"],
                                       journal_form.parse_postings(e["postings"]), e["prev_hash"], e["hash"])
        except (KeyError, TypeError, ValueError):
            return None, f"entry {e.get('id')} is malformed"
        problem = journal_form.check_entry(entry, prev_hash, prev_id)
        if problem:
            return None, problem
        prev_hash, prev_id = entry.hash, entry.id
        by_id[entry.id] = entry.hash
    if prev_hash != manifest.get("head") or prev_id != manifest.get("last_entry"):
        return None, (f"the entries end at entry {prev_id} with hash {prev_hash[:16]}..., not at the head the manifest "
                      "names: entries were changed, added or removed")
    for name, h in hashes.items():
        if manifest.get("sha256", {}).get(name) != h.hexdigest():
            return None, f"the archive's {name} differ from what its manifest counted (SHA-256)"
    if manifest.get("entries") != len(entries) or manifest.get("closings") != len(found):
        return None, "the archive's counts differ from its manifest"
    run = []
    for value in found:
        record = value.get("record")
        if not isinstance(record, dict):
            return None, f"closing {value.get('number')} is malformed"
        run.append(closings.Closing(int(value.get("number", 0)), str(record.get("kind")),
                                    str(record.get("business_day")), 0, record, str(value.get("signature"))))
    known = {i: h for i, h in by_id.items()}
    problem = closings.check_sequence(run, public, None, whole=False)
    if problem:
        return None, problem
    for c in run:
        if not manifest["from"] <= c.business_day <= manifest["to"]:
            return None, f"closing {c.number} is of {c.business_day}, outside the archive's period"
        held = known.get(c.head_id)
        if held is not None and held != c.head_hash:
            return None, f"closing {c.number} was made at entry {c.head_id} with another hash than the archive holds"
    if fingerprint is not None and signing.fingerprint_of(public) != fingerprint.strip().lower():
        return None, (f"the archive is signed by key {signing.fingerprint_of(public)}, not by {fingerprint.strip()} "
                      "(the key the Z reports print): it was re-signed by someone else")
    summary = ArchiveSummary(date.fromisoformat(manifest["from"]), date.fromisoformat(manifest["to"]), len(entries),
                             int(manifest["first_entry"]), int(manifest["last_entry"]), len(run),
                             signing.fingerprint_of(public))
    return summary, None


def summary_dict(summary: ArchiveSummary) -> dict[str, Any]:
    return {**summary._asdict(), "start": summary.start.isoformat(), "end": summary.end.isoformat()}


def lines_of(entries: Iterable[dict[str, Any]]) -> bytes:
    """Canonical lines of ``entries`` (for tests that build or tamper with an archive)."""
    return b"".join(_line(e) for e in entries)


def is_archive(data: bytes) -> bool:
    """Whether ``data`` looks like an archive (its last line a manifest), rather than Z reports."""
    last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return last.startswith(b"{") and b'"format":"' + FORMAT.encode() + b'"' in last and b'"kind":"manifest"' in last


def compare_with_store(store: "Store", data: bytes, source: str) -> tuple[int, str | None]:
    """An archive held outside the store as its anchor: the archive must check out alone, and the store must still
    hold every entry it holds.  Names the first entry that differs, and how.  Returns (entries compared, problem)."""
    result = check_archive(data)
    if result.problem is not None or result.summary is None:
        return 0, f"the archive {source} does not check out on its own: {result.problem}"
    if result.summary.key_fingerprint != signing.fingerprint_of_store(store):
        return 0, (f"the archive {source} was signed by key {result.summary.key_fingerprint}, and the store now has "
                   f"key {signing.fingerprint_of_store(store)}: its closings were re-signed with another key")
    compared = 0
    for _, _, value in _lines(data):
        if value.get("kind") != "entry":
            continue
        row = store.one("SELECT id, key, posted_at, business_day, memo, source_kind, source_id, reverses, postings, "
                        "prev_hash, hash FROM journal_entries WHERE id = ?", (value["id"],))
        if row is None:
            return compared, f"entry {value['id']} of the archive {source} is no longer in the journal: entries were removed"
        ours = dict(zip(_ENTRY_FIELDS, row))
        differ = [f for f in _ENTRY_FIELDS if ours[f] != value.get(f)]
        if differ:
            told = [f for f in differ if f not in ("hash", "prev_hash")]
            how = "; ".join(f"its {f} is {str(ours[f])[:60]!r} in the store, {str(value[f])[:60]!r} in the archive"
                            for f in told[:2]) or "its hash differs: an earlier entry changed under it"
            return compared, f"entry {value['id']} differs from the archive {source}: {how}"
        compared += 1
    return compared, None
