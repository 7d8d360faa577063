"""Anchors held outside the store: a closing's check value as the Z report prints it (digits@number), read back and
checked against the closings and the journal."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from pos.base.errors import InvalidInput
from pos.base.words import counted
from pos.day import signing
from pos.day.closings import MIN_ANCHOR_DIGITS

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class Anchor(NamedTuple):
    hash_prefix: str
    entry: int
    source: str = ""
    """Where it came from ('closing 12 of z.json'), for the message."""


_ANCHOR = re.compile(r"([0-9a-fA-F]+)@#?([0-9]+)")


def parse_anchor(text: str) -> Anchor:
    """``HASH@N``: at least :data:`MIN_ANCHOR_DIGITS` hex digits of entry N's hash (a receipt's check value, or a
    Z report's head hash), then ``@`` and the entry's number."""
    spec = "".join((text or "").split())
    m = _ANCHOR.fullmatch(spec)
    if m is None or len(spec) > 200:
        raise InvalidInput(f"'{spec[:80]}' is not an anchor: write the hash (at least {MIN_ANCHOR_DIGITS} hex digits), "
                           "@ and the entry number, like 3fa2c1d9e0b7@1234.")
    digits, entry = m.group(1).lower(), m.group(2)
    if len(digits) < MIN_ANCHOR_DIGITS or len(digits) > 64:
        raise InvalidInput(f"'{spec[:80]}': an anchor's hash has {MIN_ANCHOR_DIGITS} to 64 hex digits.")
    if len(entry.lstrip("0")) > 15 or int(entry) < 1:
        raise InvalidInput(f"'{spec[:80]}': the entry number must be 1 or more.")
    return Anchor(digits, int(entry), spec)


def anchors_from_reports(text: str, source: str) -> list[tuple[Anchor, dict[str, Any]]]:
    """The anchors in Z reports as ``pos day report --json`` writes them: one report, a list, or one per line."""
    reports: list[Any] = []
    try:
        data = json.loads(text)
        reports = data if isinstance(data, list) else [data]
    except ValueError:
        try:
            reports = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise InvalidInput(f"{source} is not a Z report's JSON (pos day report --json).") from None
    found = []
    for report in reports:
        closing = report.get("closing") if isinstance(report, dict) else None
        if not isinstance(closing, dict):
            continue
        try:
            anchor = parse_anchor(f"{closing['head_hash']}@{closing['entries']}")
        except (KeyError, TypeError):
            raise InvalidInput(f"{source}: a report's closing has no head hash and entry count.") from None
        found.append((anchor._replace(source=f"closing {closing.get('number')} of {source}"), closing))
    if not found:
        raise InvalidInput(f"{source} holds no closed day's Z report (pos day report --json of a closed day).")
    return found


class AnchorCheck(NamedTuple):
    held: int
    problem: str | None


def check_anchors(store: "Store", anchors: Iterable[Anchor], fingerprints: Iterable[tuple[str, str]] = ()) -> AnchorCheck:
    """Whether the journal still holds each anchor's hash at its entry; ``fingerprints``: (source, key fingerprint)
    each Z report printed, which must be the store's key.  The first failure names where the change lies: after the
    last anchor that holds before it, at or before its own entry."""
    ordered = sorted(anchors, key=lambda a: a.entry)
    last = int(store.scalar("SELECT coalesce(max(id), 0) FROM journal_entries"))
    # An anchor proves the entries up to it only with each of their hashes recomputed from its content: a stored
    # hash left as it was over an edited entry would still match. So the chain is rehashed here, from the start.
    rehashed = _rehash_through(store, min(last, ordered[-1].entry) if ordered else 0)
    if rehashed is not None:
        return AnchorCheck(0, rehashed)
    held = 0
    good: Anchor | None = None
    for a in ordered:
        row = store.one("SELECT hash FROM journal_entries WHERE id = ?", (a.entry,))
        where = (f"the journal was changed after entry {good.entry} (which still holds its anchor) and at or before "
                 f"entry {a.entry}" if good is not None else f"the journal was changed at or before entry {a.entry}")
        if row is None:
            return AnchorCheck(held, f"anchor {a.source or a.entry} is at entry {a.entry}, but the journal has only "
                                     f"{counted(last, 'entry')}: entries were removed")
        if not str(row[0]).startswith(a.hash_prefix):
            return AnchorCheck(held, f"entry {a.entry} is not what anchor {a.source or a.entry} holds (the journal "
                                     f"has {row[0][:16]}..., the anchor {a.hash_prefix[:16]}...): {where}")
        held += 1
        good = a
    store_key = signing.fingerprint_of_store(store)
    for source, printed in fingerprints:
        if printed != store_key:
            return AnchorCheck(held, f"{source} was signed by key {printed}, and the store now has key {store_key}: "
                                     "its closings were re-signed with another key")
    return AnchorCheck(held, None)


def _rehash_through(store: "Store", last_id: int) -> str | None:
    """Recompute entries 1..``last_id`` (each hash from its content and its predecessor's): the first wrong, or None."""
    import hashlib

    from pos.books import journal_form, ledger
    from pos.books import journal_check

    prev_id, prev_hash = 0, ledger.GENESIS_HASH
    cursor = store.conn.execute(f"SELECT {ledger._COLUMNS} FROM journal_entries WHERE id <= ? ORDER BY id", (last_id,))
    while True:
        rows = cursor.fetchmany(5000)
        if not rows:
            return None if prev_id == last_id else f"entries {prev_id + 1} to {last_id} are missing"
        for row in rows:
            entry_id, key, posted_at, day, memo, kind, source, reverses, text, stored_prev, stored_hash = row
            digest = hashlib.sha256(journal_form.canonical_text(
                entry_id, key, posted_at, day, memo, kind, source, reverses, stored_prev, text).encode()).hexdigest()
            if entry_id != prev_id + 1 or stored_prev != prev_hash or digest != stored_hash:
                return journal_form.check_entry(ledger._entry(row), prev_hash, prev_id) or f"entry {entry_id} is malformed"
            prev_id, prev_hash = entry_id, stored_hash


def check_reported_closings(store: "Store", reported: list[dict[str, Any]]) -> str | None:
    """Each closing a Z report printed is still in the store, the same (number, signature)."""
    for closing in reported:
        number = closing.get("number")
        row = store.one("SELECT signature FROM closings WHERE number = ?", (number,)) if isinstance(number, int) else None
        if row is None:
            return f"closing {number} printed on a Z report is not in the store"
        if closing.get("signature") and row[0] != closing.get("signature"):
            return f"closing {number} in the store is not the one its Z report printed (the signatures differ)"
    return None
