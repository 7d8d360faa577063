"""Numbered, signed closings, and anchors held outside the store file.

A hash chain with no secret proves order, not honesty: whoever can write the store file can drop
the triggers, edit an entry and recompute every later hash.  Two things answer that:

**Closings.**  Every day close (and every reopening) writes one closing record
(:func:`write_closing`, inside the close's own transaction): its number (1, 2, 3... never reset,
no gaps), the day's totals, the *perpetual* grand totals since signed closings began (the previous
closing's, plus this day's: never re-summed, never reset), the journal's head hash and entry
count at that moment, the previous closing's signature, and the fingerprint of the key that
signs it.  The record is signed with Ed25519 by the store's private key, which lives in its own
owner-only file outside the store (:mod:`pos.day.signing`).  A reopening writes a new record whose
day totals take the day's last closing back out of the grand totals; the re-close adds the day
again.  Nothing is ever edited.

**Anchors.**  A closing's head hash at its entry count, printed on the Z report, and each
receipt's check value (the first :data:`CHECK_DIGITS` hex digits of its sale's entry hash, and the
entry's number) are anchors: once one is held outside the file, :func:`check_anchors` proves the
current chain still holds that hash at that position.  Since each hash covers the one before it,
that proves every entry up to the anchor is unchanged.

:func:`check_closings` is what ``pos ledger verify`` adds to the chain check: every signature, the
numbering, the chain of signatures, the grand totals' arithmetic, each closing's head against the
journal, and each closed day's totals against the journal as it is now.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from pos.store import chains
from pos.day import signing
from pos.base.errors import InvalidInput
from pos.base.words import counted
from pos.day.report import day_report

if TYPE_CHECKING:  # pragma: no cover
    from pos.base.secret_files import KeyLocation
    from pos.store.roster import StaffMember
    from pos.store.store import Store

RECORD_VERSION = 1
CHECK_DIGITS = 12
"""Hex digits of an entry's hash a receipt prints (48 bits): an anchor a customer carries."""
MIN_ANCHOR_DIGITS = 8
TOTALS = ("orders", "sales_minor", "net_sales_minor", "refunds_minor", "voids", "voided_minor", "discounts_minor",
          "tips_minor", "over_short_minor")
"""What a closing counts, for the day and since the store's closings began (money in minor units)."""


class Closing(NamedTuple):
    number: int
    kind: str
    business_day: str
    close_id: int
    record: dict[str, Any]
    signature: str

    @property
    def head_id(self) -> int:
        return int(self.record["journal"]["entries"])

    @property
    def head_hash(self) -> str:
        return str(self.record["journal"]["head"])

    @property
    def anchor(self) -> str:
        return f"{self.head_hash}@{self.head_id}"

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "business_day": self.business_day,
                "head_hash": self.head_hash, "entries": self.head_id, "anchor": self.anchor,
                "key_fingerprint": self.record["key"], "record": self.record, "signature": self.signature}


# -- the day's totals, from the journal ------------------------------------------------------


def day_totals(store: "Store", day: date) -> dict[str, int]:
    """What a closing counts for ``day``: the Z report's figures (from the ledger), and the day's voids."""
    r = day_report(store, day)
    voided = store.scalar("SELECT coalesce(sum(voided_minor), 0) FROM orders WHERE business_day = ? "
                          "AND status = 'voided'", (day.isoformat(),))
    # A closing's totals keep the meanings they were signed with (RECORD_VERSION 1): sales as charged, tax
    # included; refunds as money given back; discounts net of those the refunds took back.
    return {
        "orders": r.orders, "sales_minor": r.sales_charged_minor, "net_sales_minor": r.net_sales_minor,
        "refunds_minor": r.refunds_paid_minor, "voids": r.voids_count, "voided_minor": int(voided),
        "discounts_minor": r.discounts_minor - r.refunded_discounts_minor,
        "tips_minor": sum(t.direct_minor + t.pooled_minor + t.declared_minor for t in r.tips.values()),
        "over_short_minor": sum(r.over_short_by_drawer.values()),
    }


def _zero() -> dict[str, int]:
    return dict.fromkeys(TOTALS, 0)


def _plus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: int(a.get(k, 0)) + int(b.get(k, 0)) for k in TOTALS}


# -- reading ----------------------------------------------------------------------------------


def _closing(row: Any) -> Closing:
    return Closing(int(row[0]), row[1], row[2], int(row[3]), json.loads(row[4]), row[5])


_SELECT = "SELECT number, kind, business_day, close_id, record, signature FROM closings"


def all_closings(store: "Store") -> list[Closing]:
    return [_closing(r) for r in store.tuples(f"{_SELECT} ORDER BY number")]


def last_closing(store: "Store") -> Closing | None:
    row = store.one(f"{_SELECT} ORDER BY number DESC LIMIT 1")
    return _closing(row) if row is not None else None


WINDOW_DAYS = 7
"""A plain verify re-hashes the closed days of the last week besides the open one: a naive edit of last week is
caught without ``--full``, at a cost that stays a week's, whatever the store's age."""


class Start(NamedTuple):
    """Where a plain ``pos ledger verify`` starts: the journal's anchor, the control log's head at the same closing,
    and the first closed day whose totals are counted again (None: every one)."""

    anchor: Any
    control: chains.Head
    recount_from: date | None
    closing: int | None = None
    """The number of the closing it starts from (None: the start)."""


def verify_start(store: "Store", *, window_days: int | None = None) -> Start:
    """The newest day close at least ``window_days`` before the last closed day whose closing's signature is valid:
    its journal head (a :class:`pos.books.journal_check.Anchor`) and control head; else the start of both (a store younger than
    the window, or one whose closings predate signing: the whole journal is cheap, or unsigned, then).

    The signed head is the one to trust: the day-close row also keeps a head, but nothing vouches for it, and a
    head moved forward there would let an edit between the two go unchecked.  A closing whose signature fails is
    passed over here and named by :func:`check_closings`.
    """
    from datetime import timedelta

    from pos.books import ledger
    from pos.books import journal_check

    public = signing.public_key(store)
    last = last_closing(store)
    if last is None:  # closes made before closings were signed (an upgraded store): the last one's own head
        return Start(journal_check.last_close_anchor(store), chains.Head(0, chains.GENESIS), None)
    if public is None:
        return Start(journal_check.GENESIS, chains.Head(0, chains.GENESIS), None)
    days = WINDOW_DAYS if window_days is None else window_days
    before = (date.fromisoformat(last.business_day) - timedelta(days=days)).isoformat()
    for row in store.tuples(f"{_SELECT} WHERE kind = 'close' AND business_day <= ? ORDER BY number DESC", (before,)):
        c = _closing(row)
        if not check_record(c.record, c.signature, public):
            continue
        # The running balances the close kept are at its own head: used only when that is this one.
        kept_at = store.scalar("SELECT head_entry FROM day_closes WHERE id = ?", (c.close_id,))
        anchor = journal_check.Anchor(c.head_id, c.head_hash, f"closing {c.number} ({c.business_day})",
                               c.close_id if kept_at == c.head_id else None)
        control = c.record.get("chains", {}).get("control")
        head = (chains.Head(int(control["entries"]), str(control["head"])) if control
                else chains.Head(0, chains.GENESIS))
        return Start(anchor, head, date.fromisoformat(c.business_day) + timedelta(days=1), c.number)
    return Start(journal_check.GENESIS, chains.Head(0, chains.GENESIS), None)


def closing_of_day(store: "Store", day: date) -> Closing | None:
    """The latest closing of ``day`` (a close, or the reopening that followed it), or None."""
    row = store.one(f"{_SELECT} WHERE business_day = ? ORDER BY number DESC LIMIT 1", (day.isoformat(),))
    return _closing(row) if row is not None else None


def _last_close_of_day(store: "Store", day: str) -> Closing | None:
    row = store.one(f"{_SELECT} WHERE business_day = ? AND kind = 'close' ORDER BY number DESC LIMIT 1", (day,))
    return _closing(row) if row is not None else None


def _carried_in(store: "Store", before_close_id: int) -> dict[str, int]:
    """The totals of the days closed before signed closings began (an upgraded store), from the journal."""
    total = _zero()
    for (day,) in store.tuples("SELECT business_day FROM day_closes WHERE reopened_at IS NULL AND id < ? "
                               "ORDER BY business_day", (before_close_id,)):
        total = _plus(total, day_totals(store, date.fromisoformat(day)))
    return total


# -- writing ----------------------------------------------------------------------------------


def write_closing(store: "Store", kind: str, day: date, close_id: int, by: "StaffMember | None",
                  keys: "KeyLocation | None", *, counted_by: "StaffMember | None" = None) -> Closing:
    """Sign and append the closing of a close (``kind`` 'close') or a reopening ('reopen'), in the caller's
    transaction (which must hold the write lock).  Refused, with the caller's transaction rolled back, when the
    closing key cannot be had.  ``by`` is who closed (or reopened); ``counted_by`` who counted the drawers, when
    someone else did (their PIN typed)."""
    from pos.store.store import iso, utc_now

    private = signing.signer_for(store, keys)
    fingerprint = signing.fingerprint_of_store(store)
    previous = last_closing(store)
    if kind == "close":
        totals = day_totals(store, day)
        base = previous.record["grand"] if previous is not None else _carried_in(store, close_id)
        carried = None if previous is not None else base
    else:  # called before the reopening is written: the day is still closed
        earlier = _last_close_of_day(store, day.isoformat())
        # A day closed before signed closings began is in the totals carried in: it comes out as it is now.
        day_was = earlier.record["day"] if earlier is not None else day_totals(store, day)
        totals = {k: -int(day_was[k]) for k in TOTALS}
        base = previous.record["grand"] if previous is not None else _carried_in(store, close_id + 1)
        carried = None if previous is not None else base
    if previous is None:  # kept, chained, so that closings deleted later are missed (check_closings)
        store.conn.execute("INSERT OR IGNORE INTO store_facts(key, value) VALUES ('closings_from_close', ?)",
                           (str(close_id),))
    head = store.one("SELECT id, hash FROM journal_entries ORDER BY id DESC LIMIT 1")
    record: dict[str, Any] = {
        "v": RECORD_VERSION,
        "store": signing.store_id(store),
        "number": (previous.number if previous is not None else 0) + 1,
        "kind": kind,
        "business_day": day.isoformat(),
        "at": iso(utc_now()),
        "by": by.name if by is not None else None,
        "currency": store.settings.currency,
        "day": totals,
        "grand": _plus(base, totals),
        "journal": {"entries": int(head[0]) if head else 0, "head": head[1] if head else "0" * 64},
        "previous": previous.signature if previous is not None else "",
        "key": fingerprint,
        # The control records' chain (pos.store.chains) as it stands: staff, settings, sign-ins, the audit trail...
        "chains": {"control": chains.head(store).as_dict()},
    }
    if carried is not None:
        record["carried_in"] = carried
    if counted_by is not None and (by is None or counted_by.id != by.id):
        record["counted_by"] = counted_by.name
    signature = signing.sign(private, signing.canonical(record))
    store.conn.execute(
        "INSERT INTO closings(number, kind, business_day, close_id, head_id, head_hash, record, signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (record["number"], kind, day.isoformat(), close_id, record["journal"]["entries"], record["journal"]["head"],
         signing.canonical(record).decode("ascii"), signature))
    return Closing(record["number"], kind, day.isoformat(), close_id, record, signature)


# -- checking ---------------------------------------------------------------------------------


class Check(NamedTuple):
    closings: int
    problem: str | None


def check_record(record: dict[str, Any], signature: str, public: bytes) -> bool:
    return signing.signature_ok(public, signing.canonical(record), signature)


def check_sequence(closings: list[Closing], public: bytes | None, hashes: dict[int, str] | None = None,
                   *, whole: bool = True) -> str | None:
    """What is wrong with a run of closings on their own (numbers, signatures, their chain, the grand totals'
    arithmetic, and, given the journal's ``hashes`` by entry id, each head), or None.  ``whole``: the run is every
    closing there is, so it starts at 1.  Needs no store: an archive is checked with it too."""
    if closings and public is None:
        return "the store has closings but no public closing key"
    assert public is not None or not closings
    fingerprint = signing.fingerprint_of(public) if public is not None else None
    previous: Closing | None = None
    for c in closings:
        r = c.record
        expected_number = previous.number + 1 if previous is not None else (1 if whole else closings[0].number)
        if c.number != expected_number:
            return (f"closing {expected_number} is missing (the next one is {c.number}): closings were removed"
                    if c.number > expected_number else f"closing {c.number} is out of order")
        assert public is not None
        if not check_record(r, c.signature, public):
            return f"closing {c.number} does not match its signature (it was changed, or signed by another key)"
        if r.get("number") != c.number or r.get("kind") != c.kind or r.get("business_day") != c.business_day:
            return f"closing {c.number}'s columns differ from its signed record"
        if r.get("key") != fingerprint:
            return f"closing {c.number} names key {r.get('key')}, not the store's key {fingerprint}"
        if previous is not None:
            if r.get("previous") != previous.signature:
                return f"closing {c.number} does not carry closing {previous.number}'s signature"
            base = previous.record["grand"]
        else:
            if whole and (r.get("previous") != "" or "carried_in" not in r):
                return f"closing {c.number} is the first, and names a previous closing"
            base = r.get("carried_in")
        if base is not None and r["grand"] != _plus(base, r["day"]):
            return f"closing {c.number}'s grand totals are not the previous ones plus the day's"
        if hashes is not None:
            held = hashes.get(c.head_id)
            if c.head_id and held != c.head_hash:
                return (f"closing {c.number} was made at entry {c.head_id} with hash {c.head_hash[:16]}..., and the "
                        f"journal {'has no such entry' if held is None else 'holds ' + held[:16] + '... there'}")
        previous = c
    return None


def check_closings(store: "Store", *, recount_from: date | None = None, from_number: int | None = None) -> Check:
    """Every closing against its signature, its neighbours and the journal (see the module docstring).

    Each closed day's totals are counted again from the journal, or with ``recount_from`` only the
    days from then on; with ``from_number`` the closings before that one are checked only for their
    numbers and the chain of their signatures (each names the one before), not signature by signature.
    A plain ``pos ledger verify`` starts a week back (:func:`verify_start`), so its cost is the week's, not
    the store's age; the days before are held by the signed heads and the chains (``--full`` checks every one).
    """
    fact = store.one("SELECT value FROM store_facts WHERE key = 'closings_from_close'")
    began = None if fact is None else fact[0]
    count = int(store.scalar("SELECT count(*) FROM closings"))
    highest = int(store.scalar("SELECT coalesce(max(number), 0) FROM closings"))
    if not count:
        if began is not None:
            return Check(0, f"the store's closes since close {began} were signed, and their closings are gone: "
                            "closings were removed")
        return Check(0, None)
    whole = from_number is None or from_number <= 1
    if whole:
        closings = all_closings(store)
    else:
        if count != highest:
            missing = store.scalar("SELECT min(number) + 1 FROM closings c WHERE number < ? AND NOT EXISTS "
                                   "(SELECT 1 FROM closings n WHERE n.number = c.number + 1)", (highest,))
            return Check(count, f"closing {missing} is missing: closings were removed")
        broken = store.one("SELECT c.number, p.number FROM closings c JOIN closings p ON p.number = c.number - 1 "
                           "WHERE c.number <= ? AND json_extract(c.record, '$.previous') IS NOT p.signature "
                           "ORDER BY c.number LIMIT 1", (from_number,))
        if broken is not None:
            return Check(count, f"closing {broken[0]} does not carry closing {broken[1]}'s signature")
        closings = [_closing(r) for r in store.tuples(f"{_SELECT} WHERE number >= ? ORDER BY number", (from_number,))]
    public = signing.public_key(store)
    heads = {c.head_id for c in closings}
    hashes = {int(i): h for i, h in store.tuples(
        f"SELECT id, hash FROM journal_entries WHERE id IN ({','.join('?' * len(heads))})", tuple(heads))}
    problem = check_sequence(closings, public, hashes, whole=whole)
    if problem:
        return Check(count, problem)
    control = {c.number: c.record["chains"]["control"] for c in closings if "chains" in c.record}
    if control:
        at = {int(i): h for i, h in store.tuples(
            f"SELECT id, hash FROM control_log WHERE id IN ({','.join('?' * len(control))})",
            tuple(int(h["entries"]) for h in control.values()))}
        for number, h in control.items():
            if int(h["entries"]) and at.get(int(h["entries"])) != h["head"]:
                return Check(count, f"closing {number} was made at control log entry {h['entries']}, and the "
                                            "control log no longer holds it: the control records were rewritten")
    late = late_entry(store)
    if late is not None:
        return Check(count, late)
    first_close_id = int(store.scalar("SELECT min(close_id) FROM closings WHERE number = 1"))
    if began is None or int(began) > first_close_id:
        return Check(count, "the store's record of when its closings began is gone or changed")
    first = closings[0]
    # Each close since closings began (or since the first closing checked) has its closing, and each day's last one
    # matches the journal now.
    by_close = {(c.close_id, c.kind) for c in closings}
    for close_id, day, reopened in store.tuples(
            "SELECT id, business_day, reopened_at FROM day_closes WHERE id >= ? ORDER BY id", (first.close_id,)):
        if (close_id, "close") not in by_close and not (first.kind == "reopen" and close_id == first.close_id) \
                and not (not whole and close_id == first.close_id):
            return Check(count, f"the close of {day} has no closing record")
        if reopened is not None and (close_id, "reopen") not in by_close:
            return Check(count, f"the reopening of {day} has no closing record")
    latest: dict[str, Closing] = {}
    for c in closings:
        if c.kind == "reopen":
            closed = latest.get(c.business_day)
            if closed is not None and c.record["day"] != {k: -int(closed.record["day"][k]) for k in TOTALS}:
                return Check(count, f"closing {c.number} (the reopening of {c.business_day}) does not take "
                                            f"out exactly what closing {closed.number} counted")
        latest[c.business_day] = c
    for day, c in sorted(latest.items()):
        if c.kind != "close" or (recount_from is not None and date.fromisoformat(day) < recount_from):
            continue
        now = day_totals(store, date.fromisoformat(day))
        if c.record["day"] != now:
            differ = [k for k in TOTALS if c.record["day"].get(k) != now.get(k)]
            return Check(count, f"closing {c.number} ({day}) counted {differ[0]} "
                                        f"{c.record['day'].get(differ[0])}, and the journal now says {now.get(differ[0])}")
    return Check(count, None)


def late_entry(store: "Store") -> str | None:
    """An entry posted after a closed day's last closing yet dated into that day, or None.  The ledger never posts
    to a closed day (a reopening comes first, with its own closing), so such an entry was put there by hand.  One
    look-up per closed day, by the journal's index of days."""
    row = store.one(
        "SELECT (SELECT min(j.id) FROM journal_entries j WHERE j.business_day = c.business_day AND j.id > c.head_id) "
        "AS late, c.business_day, c.number FROM closings c "
        "WHERE c.kind = 'close' AND c.number = (SELECT max(number) FROM closings c2 WHERE c2.business_day = c.business_day) "
        "AND late IS NOT NULL ORDER BY late LIMIT 1")
    if row is None:
        return None
    return (f"entry {row[0]} is dated {row[1]}, a day closed by closing {row[2]} before it was posted: entries are "
            "never posted to a closed day, so it was put there by hand")


# -- anchors ----------------------------------------------------------------------------------


# -- a receipt's check value ------------------------------------------------------------------


def check_value(store: "Store", order_id: str) -> str | None:
    """``Check 3fa2c1d9e0b7 #1234``: the sale's journal entry, as an anchor printed on the receipt (None unbooked)."""
    row = store.one("SELECT id, hash FROM journal_entries WHERE key = ?", (f"order:{order_id}:sale",))
    if row is None:
        return None
    return f"Check {row[1][:CHECK_DIGITS]} #{row[0]}"
