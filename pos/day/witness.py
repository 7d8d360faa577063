"""Closings witnessed off the machine as they are made: the witnesses a store names, the queue, the delivery.

A signature proves nothing against whoever holds the key, and the till's own user can read it: a
forger with a shell can rewrite the books, recompute every hash and re-sign every closing.  What
such a forger cannot reach is a copy held elsewhere.  ``pos config set closing.witness`` names one
or more witnesses (:class:`WitnessKind`):

- a **folder** on another disk or a share: each closing is appended to ``anytender-witness-<store
  id>.jsonl`` there as one JSON line (:func:`witness_line`): the closing's whole signed record as it
  is (whatever chain heads it carries), its signature and the public key that checks it, and beside
  them the key's fingerprint, the totals, the number of closings so far and the journal's head.
  Every one of those is inside the signed record too, so the line is signed by the closing's own
  signature (:mod:`pos.day.witness_check` checks each copy against the record);
- an **email** to the owner through the store's mail server (``receipt.smtp``): the heads in the
  body, the Z report (``pos day report --json``) and the witness line attached.

Head office is a witness of its own when the store joins one (a later issue): a new
:class:`WitnessKind` and its delivery, nothing else here changes.

**The close never waits on a witness.**  Inside the close's own transaction :func:`queue` writes one
job per witness, its payload the line as the closing was made (a later forgery of the store does
not change what is sent).  After the commit, the command delivers what waits
(:func:`deliver_pending`), and every later command tries again what could not be delivered, in
order, one failure per witness per command.  Delivery is idempotent by closing: a folder line is
written only if the folder does not hold that closing already (under a lock on the file), an email
carries a Message-ID made of the store and the closing, and a job is claimed before it is tried so
two commands at once never both send it.  :func:`stale_notice` is the one line every command says
when a closing waits and the last one witnessed is more than a day old.

``pos/`` never reads the environment nor talks SMTP itself: the command layer passes a function
that sends an email (:data:`SendMail`), built from the store's mail settings.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from pos.base.errors import AnytenderError, InvalidInput
from pos.base.words import counted
from pos.store.witness_setting import SETTING, Witness, WitnessKind, from_spec, stored_witnesses
from pos.day import signing

__all__ = ["SETTING", "Witness", "WitnessKind", "from_spec", "stored_witnesses", "configured", "queue",
           "deliver_pending", "stale_notice"]

if TYPE_CHECKING:  # pragma: no cover
    from email.message import EmailMessage

    from pos.day.closings import Closing
    from pos.store.store import Store

LINE_VERSION = 1
FILE_PREFIX = "anytender-witness-"
STALE_AFTER = timedelta(days=1)
CLAIM_FOR = timedelta(minutes=2)
"""How long a command holds a job it is delivering: another command leaves it alone meanwhile."""


SendMail = Callable[["EmailMessage"], None]
"""Sends one email to its ``To:``; raises an :class:`~pos.base.errors.AnytenderError` saying why it could not."""


# -- the setting ------------------------------------------------------------------------------


def configured(store: "Store") -> list[Witness]:
    """The witnesses the store names (none when ``closing.witness`` is not set)."""
    from pos.store import config

    return stored_witnesses(config.get(store, SETTING))


def same_disk(store: "Store", witness: Witness) -> bool:
    """Whether a folder witness is on the store file's own disk (it then witnesses little: say so)."""
    if witness.kind is not WitnessKind.FOLDER:
        return False
    try:
        return os.stat(witness.target).st_dev == os.stat(store.path).st_dev
    except OSError:
        return False


# -- what is witnessed ------------------------------------------------------------------------


def witness_line(store: "Store", closing: "Closing") -> dict[str, Any]:
    """The line a witness keeps of ``closing``: its signed record as it is, the signature, the public key, and (copied
    from the record, so signed with it) the key's fingerprint, the totals, the closings so far and the head."""
    public = signing.public_key(store)
    record = closing.record
    return {
        "anytender_witness": LINE_VERSION,
        "store": record.get("store") or signing.store_id(store),
        "number": closing.number,
        "kind": closing.kind,
        "business_day": closing.business_day,
        "key_fingerprint": record.get("key"),
        "public_key": public.hex() if public is not None else None,
        "totals": {"day": record.get("day"), "grand": record.get("grand")},
        "closings": closing.number,
        "head": record.get("journal"),
        "record": record,
        "signature": closing.signature,
    }


def _payload(store: "Store", closing: "Closing", witness: Witness, *, z_report: bool = True) -> dict[str, Any]:
    """What a job delivers: the line, and for an email the Z report too (``z_report``: not for the closings made before
    a witness was named, which the lines alone witness: a year of Z reports is not counted again in one go)."""
    payload: dict[str, Any] = {"line": witness_line(store, closing)}
    if witness.kind is WitnessKind.EMAIL and closing.kind == "close" and z_report:
        from datetime import date

        from pos.day.report import day_report, report_dict

        # The Z report as 'pos day report --json' writes it, as it was at the close.
        payload["z_report"] = json.loads(json.dumps(
            {**report_dict(day_report(store, date.fromisoformat(closing.business_day))),
             "closing": closing.as_dict()}, default=str))
    return payload


def queue(store: "Store", closing: "Closing") -> int:
    """One delivery job per witness for ``closing``, inside the caller's transaction (the close's): how many."""
    from pos.store.store import iso, utc_now

    witnesses = configured(store)
    for w in witnesses:
        store.conn.execute(
            "INSERT OR IGNORE INTO witness_jobs(closing_number, witness, payload, queued_at) VALUES (?, ?, ?, ?)",
            (closing.number, w.spec, json.dumps(_payload(store, closing, w), sort_keys=True), iso(utc_now())))
    return len(witnesses)


def queue_missing(store: "Store") -> int:
    """Jobs for the closings a witness has none for (those made before it was named): how many were queued."""
    witnesses = configured(store)
    if not witnesses or store.read_only is not None:
        return 0
    from pos.day import closings

    have = int(store.scalar("SELECT count(*) FROM closings"))
    if all(int(store.scalar("SELECT count(*) FROM witness_jobs WHERE witness = ?", (w.spec,))) >= have
           for w in witnesses):
        return 0
    added = 0
    with store.write():
        for w in witnesses:
            done = {int(n) for (n,) in store.tuples("SELECT closing_number FROM witness_jobs WHERE witness = ?",
                                                    (w.spec,))}
            for c in closings.all_closings(store):
                if c.number not in done:
                    from pos.store.store import iso, utc_now

                    store.conn.execute(
                        "INSERT OR IGNORE INTO witness_jobs(closing_number, witness, payload, queued_at) "
                        "VALUES (?, ?, ?, ?)",
                        (c.number, w.spec, json.dumps(_payload(store, c, w, z_report=False), sort_keys=True),
                         iso(utc_now())))
                    added += 1
    return added


# -- delivering -------------------------------------------------------------------------------


class Job(NamedTuple):
    id: int
    closing_number: int
    witness: Witness
    payload: dict[str, Any]
    queued_at: str
    attempts: int
    last_problem: str | None


class Delivery(NamedTuple):
    witness: Witness
    closing_number: int
    problem: str | None
    """None: delivered (or found already there)."""


def waiting(store: "Store") -> list[Job]:
    """Jobs not yet delivered, to witnesses still named, in the order they are delivered."""
    named = {w.spec for w in configured(store)}
    out = []
    for row in store.tuples("SELECT id, closing_number, witness, payload, queued_at, attempts, last_problem "
                            "FROM witness_jobs WHERE delivered_at IS NULL ORDER BY witness, closing_number"):
        if row[2] in named:
            out.append(Job(int(row[0]), int(row[1]), from_spec(row[2]), json.loads(row[3]), row[4], int(row[5]),
                           row[6]))
    return out


def _claim(store: "Store", job: Job) -> bool:
    from pos.store.store import iso, utc_now

    now = utc_now()
    with store.write() as conn:
        taken = conn.execute(
            "UPDATE witness_jobs SET claimed_until = ?, attempts = attempts + 1, tried_at = ? WHERE id = ? AND "
            "delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)",
            (iso(now + CLAIM_FOR), iso(now), job.id, iso(now))).rowcount
    return taken == 1


def _settle(store: "Store", job: Job, problem: str | None) -> None:
    from pos.store.store import iso, utc_now

    with store.write() as conn:
        if problem is None:
            conn.execute("UPDATE witness_jobs SET delivered_at = ?, claimed_until = NULL, last_problem = NULL "
                         "WHERE id = ?", (iso(utc_now()), job.id))
        else:
            conn.execute("UPDATE witness_jobs SET claimed_until = NULL, last_problem = ? WHERE id = ?",
                         (problem[:500], job.id))


def deliver_pending(store: "Store", send_mail: SendMail | None = None, sender: str | None = None,
                    mail_problem: str | None = None) -> list[Delivery]:
    """Deliver every job that waits, oldest first per witness; a witness that fails is tried no further this time.

    ``send_mail``/``sender``: how an email goes out, and from whom; without them (``mail_problem`` says why, as
    'receipt.smtp is not set') an email witness's jobs wait.  Never raises for a witness that cannot be reached:
    its problem is kept on the job and returned.
    """
    if store.read_only is not None:
        return []
    queue_missing(store)
    done: list[Delivery] = []
    failed: set[str] = set()
    for job in waiting(store):
        if job.witness.spec in failed or not _claim(store, job):
            continue
        try:
            if job.witness.kind is WitnessKind.FOLDER:
                append_line(Path(job.witness.target), job.payload["line"])
            else:
                if send_mail is None:
                    raise InvalidInput(mail_problem or "the store has no mail server (pos config set receipt.smtp)")
                send_mail(email_message(job.payload, job.witness.target, sender or "witness@localhost"))
            problem = None
        except AnytenderError as exc:
            problem = exc.message
        except OSError as exc:
            problem = f"{exc.strerror or exc} ({job.witness.target})"
        if problem is not None:
            problem = problem.removesuffix(" The receipt was not sent.").rstrip(".")
            failed.add(job.witness.spec)
        _settle(store, job, problem)
        done.append(Delivery(job.witness, job.closing_number, problem))
    return done


def witness_file(folder: Path, store_id: str) -> Path:
    return folder / f"{FILE_PREFIX}{store_id}.jsonl"


def append_line(folder: Path, line: dict[str, Any]) -> bool:
    """Append ``line`` to the store's file in ``folder``, unless it holds that closing already: whether it was
    written.  The file is locked while it is read and written, never followed through a link, and synced to disk.
    A different closing of the same number there already is refused (the witness is never overwritten)."""
    import fcntl

    from pos.base.errors import Conflict

    if not folder.is_dir():
        raise InvalidInput(f"the witness folder {folder} is not there (is its disk or share mounted?)")
    target = witness_file(folder, str(line["store"]))
    new = not target.exists()
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "r+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except OSError:
            pass  # a share that takes no locks: the job's claim still keeps two commands from writing at once
        handle.seek(0)
        held = handle.read()
        for text in held.splitlines():
            try:
                other = json.loads(text)
            except ValueError:
                continue  # a line cut short by a crash: the closing is written again below
            if isinstance(other, dict) and other.get("number") == line["number"]:
                if other.get("signature") == line["signature"]:
                    return False
                raise Conflict(f"{target} already holds another closing {line['number']}: it is never overwritten "
                               "(check the store with pos ledger verify)")
        data = json.dumps(line, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
        if held and not held.endswith(b"\n"):
            data = b"\n" + data
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        try:
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:
            pass
    return True


def heads_text(record: dict[str, Any]) -> list[str]:
    """Every head the record carries, one line each: the journal's, and any control chain's (``audit: head ... at
    41``), whatever chains the record has."""
    out = []
    journal = record.get("journal") or {}
    out.append(f"journal: entry {journal.get('entries')}, head {journal.get('head')}")

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            if "head" in value and prefix != "journal":
                rest = ", ".join(f"{k} {v}" for k, v in sorted(value.items()) if k != "head" and not isinstance(v, dict))
                out.append(f"{prefix}: head {value['head']}" + (f" ({rest})" if rest else ""))
                return
            for k, v in sorted(value.items()):
                if prefix == "" and k in ("journal", "day", "grand", "carried_in"):
                    continue
                walk(f"{prefix}.{k}" if prefix else k, v)

    walk("", record)
    return out


def email_message(payload: dict[str, Any], to: str, sender: str) -> "EmailMessage":
    """The owner's copy of a closing: the heads in the body, the witness line and the Z report attached; its
    Message-ID names the store and the closing, so a copy sent twice is one closing to a reader."""
    from email.message import EmailMessage
    from email.utils import formataddr, format_datetime

    from pos.store.store import parse_iso

    line = payload["line"]
    record = line["record"]
    number, day = line["number"], line["business_day"]
    what = "close" if line["kind"] == "close" else "reopening"
    msg = EmailMessage()
    msg["Subject"] = f"Closing #{number}: the {what} of {day} (witness of store {line['store']})"
    msg["From"] = formataddr(("Anytender witness", sender))
    msg["To"] = to
    try:
        msg["Date"] = format_datetime(parse_iso(str(record.get("at", "")).replace("Z", "+00:00")))
    except ValueError:
        pass
    msg["Message-ID"] = f"<closing-{number}.{line['store']}@anytender.invalid>"
    body = [f"Closing #{number} of store {line['store']}: the {what} of {day}, signed by key {line['key_fingerprint']}.",
            f"Closings so far: {line['closings']}.", "Heads:"]
    body += [f"  {h}" for h in heads_text(record)]
    totals = line.get("totals") or {}
    if isinstance(totals.get("day"), dict):
        body.append("Day totals (minor units): " + ", ".join(f"{k} {v}" for k, v in totals["day"].items()))
    body += ["", "Keep this email: it witnesses the store's books off the till. Check the store against it with",
             "  pos ledger verify --witness MAILBOX-FILE", "(a mailbox file, or a folder of .eml files, holding it)."]
    msg.set_content("\n".join(body) + "\n")
    msg.add_attachment(json.dumps(line, sort_keys=True, indent=1).encode("utf-8"), maintype="application",
                       subtype="json", filename=f"closing-{number}.json")
    if payload.get("z_report") is not None:
        msg.add_attachment(json.dumps(payload["z_report"], sort_keys=True, indent=1).encode("utf-8"),
                           maintype="application", subtype="json", filename=f"z-report-{day}.json")
    return msg


# -- what every command says ----------------------------------------------------------------


def stale_notice(store: "Store") -> str | None:
    """One line when a closing waits for a witness and the last closing it took is more than a day old (or it took
    none, and the oldest waiting was queued more than a day ago); None otherwise."""
    witnesses = configured(store)
    if not witnesses:
        return None
    from pos.store.store import parse_iso, utc_now

    now = utc_now()
    for w in witnesses:
        rows = list(store.tuples("SELECT closing_number, queued_at, last_problem FROM witness_jobs WHERE witness = ? "
                                 "AND delivered_at IS NULL ORDER BY closing_number", (w.spec,)))
        if not rows:
            continue
        last = store.one("SELECT closing_number, payload FROM witness_jobs WHERE witness = ? AND delivered_at IS NOT "
                         "NULL ORDER BY closing_number DESC LIMIT 1", (w.spec,))
        if last is not None:
            record = json.loads(last[1])["line"]["record"]
            since, said = str(record.get("at", "")), f"closing #{last[0]} of {record.get('business_day')}"
        else:
            since, said = str(rows[0][1]), "none yet"
        try:
            old = now - parse_iso(since.replace("Z", "+00:00")) > STALE_AFTER
        except ValueError:
            old = True
        if not old:
            continue
        why = f" (last try: {rows[-1][2]})" if rows[-1][2] else ""
        return (f"warning: {counted(len(rows), 'closing')} not yet witnessed by {w.label}{why}; "
                f"the last it holds is {said}, more than a day ago. Until witnessed, a closing proves nothing against "
                "someone holding the store's key: fix the witness (every command tries again).")
    return None
