"""Checking the store against what its witnesses hold (``pos ledger verify --witness PATH|MAILBOX-FILE``, and plain
``pos ledger verify`` against the folders the store names).

A witness holds, for each closing, the line :func:`pos.day.witness.witness_line` made when the closing was made.
:func:`read_witness` reads those lines from a witness folder or its ``.jsonl`` file, from a mailbox (an mbox file,
a Maildir, a folder of ``.eml`` files, or one ``.eml``: the ``closing-N.json`` each email carries), with the
standard library's ``mailbox`` and ``email``.  :func:`check_against` then decides, first by closing number:

- each line is whole by itself: its record is signed by the public key it carries, that key is the one the record
  names, and every copy beside the record (fingerprint, totals, closings so far, head) is the record's own;
- each witnessed closing is in the store, byte for byte the same record and signature: a closing re-signed with the
  store's own key after a forgery differs, and the first that differs is named with the first field that differs;
- the store has at least as many closings as the witness counted: deleted closings, or the last closed day rolled
  back (its closing, its close and its entries removed), leave the store short of the witness's count;
- the journal still holds each witnessed head at its entry.

What is not yet witnessed is not checked here: a closing made since the witness last took one proves nothing
against someone holding the key (the README says so).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, NamedTuple

from pos.base.errors import InvalidInput
from pos.base.words import counted
from pos.day.witness import FILE_PREFIX
from pos.day import closings, signing, witness

if TYPE_CHECKING:  # pragma: no cover
    from email.message import Message

    from pos.store.store import Store


class WitnessCheck(NamedTuple):
    source: str
    held: int
    """How many witnessed closings of this store were checked."""
    problem: str | None


# -- reading ----------------------------------------------------------------------------------


def _lines_of_text(data: bytes) -> list[dict[str, Any]]:
    out = []
    for raw in data.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # a line cut short by a crash while it was written: written again whole after it
        if isinstance(line, dict) and "anytender_witness" in line:
            out.append(line)
    return out


def _lines_of_message(msg: "Message") -> list[dict[str, Any]]:
    out = []
    for part in msg.walk():
        name = part.get_filename() or ""
        if name.startswith("closing-") and name.endswith(".json"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                out += _lines_of_text(payload.replace(b"\r\n", b"\n").replace(b"\n", b" ") + b"\n")
    return out


def _messages(path: Path) -> Iterable["Message"]:
    import email
    import mailbox
    from email import policy

    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            yield from mailbox.Maildir(path, factory=None, create=False)
            return
        for eml in sorted(path.glob("*.eml")):
            yield email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        return
    with open(path, "rb") as handle:
        start = handle.read(5)
    if start == b"From ":
        box = mailbox.mbox(path, create=False)
        try:
            yield from box
        finally:
            box.close()
        return
    yield email.message_from_bytes(path.read_bytes(), policy=policy.default)


def read_witness(path: Path) -> list[dict[str, Any]]:
    """Every witness line ``path`` holds (of any store): a witness folder or its ``.jsonl``, or a mailbox."""
    shown = str(path)
    try:
        if path.is_dir():
            files = sorted(path.glob(f"{FILE_PREFIX}*.jsonl"))
            if files:
                return [line for f in files for line in _lines_of_text(f.read_bytes())]
            lines = [line for msg in _messages(path) for line in _lines_of_message(msg)]
        elif not path.exists():
            raise InvalidInput(f"{shown} does not exist: give the witness folder, its .jsonl file, or a mailbox "
                               "(an mbox file, or a folder of .eml files).")
        else:
            with open(path, "rb") as handle:
                start = handle.read(64).lstrip()
            lines = _lines_of_text(path.read_bytes()) if start.startswith(b"{") else \
                [line for msg in _messages(path) for line in _lines_of_message(msg)]
    except OSError as exc:
        raise InvalidInput(f"Cannot read the witness {shown} ({exc.strerror or exc}).") from None
    except Exception as exc:  # a mailbox the email package cannot parse
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(f"{shown} is not a witness nor a mailbox that can be read ({type(exc).__name__}).") from None
    return lines


# -- checking ---------------------------------------------------------------------------------


def _line_problem(line: dict[str, Any]) -> str | None:
    """What makes a witness line not whole by itself, or None."""
    record, signature, number = line.get("record"), line.get("signature"), line.get("number")
    if not isinstance(record, dict) or not isinstance(signature, str) or not isinstance(number, int):
        return f"its line for closing {number} is not a closing"
    try:
        public = bytes.fromhex(str(line.get("public_key") or ""))
    except ValueError:
        public = b""
    if len(public) != 32 or signing.fingerprint_of(public) != record.get("key"):
        return f"its closing {number} does not carry the public key its record names"
    if not signing.signature_ok(public, signing.canonical(record), signature):
        return f"its closing {number} does not match its signature"
    copies = {"number": record.get("number"), "kind": record.get("kind"), "business_day": record.get("business_day"),
              "key_fingerprint": record.get("key"), "closings": record.get("number"), "head": record.get("journal"),
              "totals": {"day": record.get("day"), "grand": record.get("grand")}}
    for name, value in copies.items():
        if line.get(name) != value:
            return f"its closing {number}'s {name} is not the one its signed record holds"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 20 else f"{text[:16]}..."


def first_difference(a: Any, b: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first field (by sorted name, depth first) where ``a`` and ``b`` differ: (``journal.head``, a's, b's)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key, "(none)"), b.get(key, "(none)"), f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None
    return None if a == b else (path or "record", a, b)


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every field where ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for key in sorted(set(a) | set(b))
                for d in differences(a.get(key, "(none)"), b.get(key, "(none)"), f"{path}.{key}" if path else key)]
    return [] if a == b else [path or "record"]


def _what(line: dict[str, Any]) -> str:
    kind = "close" if line.get("kind") == "close" else "reopening"
    head = (line.get("record") or {}).get("journal") or {}
    return f"the {kind} of {line.get('business_day')}, at journal entry {head.get('entries')}"


def check_against(store: "Store", lines: list[dict[str, Any]], source: str) -> WitnessCheck:
    """The store against every closing ``source`` witnessed (see the module docstring): the first that differs."""
    store_id = signing.store_id(store)
    mine = [line for line in lines if line.get("store") == store_id]
    if not mine:
        others = sorted({str(line.get("store")) for line in lines})
        held = f" (it holds store {', '.join(others[:3])}'s)" if others else ""
        return WitnessCheck(source, 0, f"the witness holds no closing of this store, {store_id}{held}")
    witnessed: dict[int, dict[str, Any]] = {}
    for line in sorted(mine, key=lambda x: int(x.get("number") or 0) if isinstance(x.get("number"), int) else 0):
        problem = _line_problem(line)
        if problem is not None:
            return WitnessCheck(source, 0, f"the witness is not whole: {problem} (the witness itself was changed)")
        number = int(line["number"])
        held_before = witnessed.get(number)
        if held_before is not None and held_before["signature"] != line["signature"]:
            return WitnessCheck(source, 0, f"the witness holds two different closings numbered {number}")
        witnessed[number] = line
    in_store = {c.number: c for c in closings.all_closings(store)}
    last_in_store = max(in_store, default=0)
    checked = 0
    for number in sorted(witnessed):
        line = witnessed[number]
        own = in_store.get(number)
        if own is None:
            if number > last_in_store:
                top = max(witnessed)
                has = "none" if not in_store else f"only {last_in_store}"
                return WitnessCheck(source, checked, (
                    f"the witness holds {top} closings, and the store has {has}: closing {number} ({_what(line)}) is "
                    "gone from the store (closings deleted, or a closed day rolled back)"))
            return WitnessCheck(source, checked, f"closing {number} ({_what(line)}), which the witness holds, is not "
                                                 "in the store: closings were removed")
        if own.signature != line["signature"] or own.record != line["record"]:
            diff = first_difference(line["record"], own.record)
            more = len(differences(line["record"], own.record)) - 1
            said = (f": its {diff[0]} differs (witnessed {_short(diff[1])}, the store has {_short(diff[2])})"
                    + (f", and {counted(more, 'more field')}" if more > 0 else "")
                    if diff is not None else ": its signature differs")
            return WitnessCheck(source, checked, (
                f"closing {number} ({line.get('business_day')}) is not the one witnessed{said}; the store's "
                "closings were changed and signed again"))
        checked += 1
    heads = {int(w["record"]["journal"]["entries"]): str(w["record"]["journal"]["head"]) for w in witnessed.values()
             if isinstance(w["record"].get("journal"), dict) and w["record"]["journal"].get("entries")}
    in_journal: dict[int, str] = {}
    ids = sorted(heads)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        in_journal.update({int(k): str(v) for k, v in store.tuples(
            f"SELECT id, hash FROM journal_entries WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk))})
    for entry in ids:
        if in_journal.get(entry) != heads[entry]:
            number = next(n for n, w in sorted(witnessed.items()) if w["record"]["journal"].get("entries") == entry)
            now = "has no such entry" if entry not in in_journal else f"holds {in_journal[entry][:16]}... there"
            return WitnessCheck(source, checked, (
                f"closing {number}'s head, entry {entry} with hash {heads[entry][:16]}... as the witness holds it, is not "
                f"in the journal: it {now}"))
    return WitnessCheck(source, checked, None)


class Configured(NamedTuple):
    source: str
    lines: list[dict[str, Any]] | None
    """None: not read (``note`` says why)."""
    note: str | None


def configured_witnesses(store: "Store") -> list[Configured]:
    """What plain ``pos ledger verify`` checks by itself: each folder the store names, read now; an email witness is
    checked with ``--witness MAILBOX-FILE`` (the owner's mailbox is not on this machine)."""
    out = []
    for w in witness.configured(store):
        if w.kind is witness.WitnessKind.EMAIL:
            out.append(Configured(w.label, None, f"{w.label} is checked with --witness MAILBOX-FILE (its mail saved "
                                                 "as an mbox file or .eml files)"))
            continue
        path = witness.witness_file(Path(w.target), signing.store_id(store))
        delivered = int(store.scalar("SELECT count(*) FROM witness_jobs WHERE witness = ? AND delivered_at IS NOT NULL",
                                     (w.spec,)))
        if not path.exists():
            why = "its disk or share is not mounted, or the file was removed" if delivered else "nothing witnessed yet"
            out.append(Configured(str(path), None, f"the witness {path} could not be read ({why})"))
            continue
        try:
            out.append(Configured(str(path), read_witness(path), None))
        except InvalidInput as exc:
            out.append(Configured(str(path), None, exc.message))
    return out
