"""``pos ledger ...``: the journal, balances, the chain check, reversals and exports."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Optional, TYPE_CHECKING

import typer

from commands.context import JsonFlag, KeyFileOpt, group, json_asked, key_location, open_store, parse_day_option, whole_number
from commands.files import new_file, show_path
from commands.output import emit, print_table, ProgressBar, say, say_wrapped
from pos.base.errors import InvalidInput
from pos.base.words import counted
from commands.files import os_reason

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

ledger_app = group("The books: double-entry journal, balances, checks and exports.")

# What each command here that changes the store or reads the books needs, by the permission table
# (pos/people/permissions.py); the sign-in check in cli.py reads it. A command not listed changes nothing.
ACTIONS: dict[str, str] = {
    "ledger reverse": "CORRECT_BOOKS", "ledger show": "READ_BOOKS", "ledger balances": "READ_BOOKS",
    "ledger export": "READ_BOOKS", "ledger archive": "READ_BOOKS",
}

def _entry_dict(store: "Store", e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "key": e.key,
        "posted_at": e.posted_at,
        "business_day": e.business_day,
        "memo": e.memo,
        "source_kind": e.source_kind,
        "source_id": e.source_id,
        "reverses": e.reverses,
        "postings": [{"account": p.account, "amount_minor": p.amount_minor, "currency": p.currency} for p in e.postings],
        "hash": e.hash,
    }


def _money_in(store: "Store", amount_minor: int, currency: str) -> str:
    from pos.base.money import Money, format_money

    return format_money(Money(amount_minor, currency), store.settings.locale)


@ledger_app.command("show")
def ledger_show(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Business day YYYY-MM-DD.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Only entries caused by this order/payment id.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show journal entries (by day or by source)."""
    from pos.books.ledger import iter_entries

    store = open_store(ctx)
    entries = list(iter_entries(store, day=parse_day_option(day), source_id=source))

    def human() -> None:
        if not entries:
            say("No journal entries.")
        for e in entries:
            extra = f" (reverses entry {e.reverses})" if e.reverses else ""
            say_wrapped(f"{e.id:>6}  {e.business_day}  {e.memo}{extra}  [{e.source_kind} {e.source_id}]", hang=8)
            for p in e.postings:
                say(f"          {p.account:<36} {_money_in(store, p.amount_minor, p.currency):>14}")

    emit(as_json, [_entry_dict(store, e) for e in entries], human)


@ledger_app.command("balances")
def ledger_balances(
    ctx: typer.Context,
    day: Annotated[Optional[str], typer.Option(help="Only this business day's movements.")] = None,
    account: Annotated[Optional[str], typer.Option(help="Only accounts under this prefix, like assets:cash.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Account balances (whole journal, or one day's movements)."""
    from pos.books.ledger import balances

    store = open_store(ctx)
    result = balances(store, day=parse_day_option(day), prefix=account)
    emit(
        as_json,
        [{"account": a, "currency": c, "amount_minor": v} for (a, c), v in result.items()],
        lambda: print_table(
            f"Balances {day}" if day else "Balances",
            ["Account", "Balance"],
            [[a, _money_in(store, v, c)] for (a, c), v in result.items()],
            {1},
        ),
    )


@ledger_app.command("verify")
def ledger_verify(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Check the whole journal, not only what came after the "
                                                      "last close.")] = False,
    anchor: Annotated[Optional[list[str]], typer.Option(
        "--anchor", help="HASH@N held outside the store (a Z report's head, a receipt's check value): entry N "
                         "must still have that hash.")] = None,
    anchors: Annotated[Optional[list[Path]], typer.Option(
        "--anchors", help="Z reports kept as JSON (pos day report --json): each closing's head must still hold.")] = None,
    witness: Annotated[Optional[list[Path]], typer.Option(
        "--witness", help="A witness of the closings (its folder or .jsonl file), or the owner's mailbox (an mbox "
                          "file, or a folder of .eml files): every closing it holds must be the store's. Without it, "
                          "the witness folders the store names (closing.witness) are checked.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the hash chain and the zero-sum rule from the last close (--full: from the start), check every
    signed closing against the store's witnesses, and any anchors; exit 1 if anything fails, naming the first thing
    that differs."""
    from pos.day import archive, closings
    from pos.day import anchors as day_anchors
    from pos.day.store_check import verify_store

    held = [day_anchors.parse_anchor(text)._replace(source=text.strip()) for text in anchor or []]
    printed: list[tuple[str, str]] = []
    reported: list[dict[str, Any]] = []
    archives: list[tuple[bytes, str]] = []
    for path in anchors or []:
        data = _read_bytes(path, "--anchors")
        if archive.is_archive(data):
            archives.append((data, show_path(path)))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{show_path(path)} (--anchors) is not text.") from None
        for found, closing in day_anchors.anchors_from_reports(text, show_path(path)):
            held.append(found)
            reported.append(closing)
            if closing.get("key_fingerprint"):
                printed.append((found.source, str(closing["key_fingerprint"])))
    from pos.day import witness_check

    given = [(show_path(path), witness_check.read_witness(path)) for path in witness or []]
    for source, lines in given:
        if not lines:
            raise InvalidInput(f"{source} holds no witnessed closing: give a witness folder (closing.witness), its "
                               ".jsonl file, or a mailbox holding the closings' emails (an mbox file, or .eml files).")
    store = open_store(ctx)
    # The witnesses first: a closing re-signed with the store's own key checks out against everything in the store.
    sources = [(source, lines, None) for source, lines in given] if witness else \
        [(c.source, c.lines, c.note) for c in witness_check.configured_witnesses(store)]
    witnessed = [witness_check.check_against(store, lines, source) for source, lines, _ in sources if lines is not None]
    witness_notes = [note for _, lines, note in sources if lines is None and note]
    against = next((w for w in witnessed if w.problem is not None), None)
    result = verify_store(store, full=full)
    since = ("" if not result.since else
             f" after entry {result.since} (the head of the signed close of {result.since_day - timedelta(days=1)})"
             if result.since_day else f" after entry {result.since} (the last close's head)")
    problem = f"against {against.source}: {against.problem}" if against is not None else result.problem
    checked = closings.Check(result.closings, None)
    anchored = day_anchors.AnchorCheck(0, None)
    if problem is None and held:
        anchored = day_anchors.check_anchors(store, held, printed)
        problem = anchored.problem or day_anchors.check_reported_closings(store, reported)
    for data, source in archives if problem is None else []:
        compared, problem = archive.compare_with_store(store, data, source)
        anchored = anchored._replace(held=anchored.held + compared)
        held.append(day_anchors.Anchor("", 0, source))
        if problem is not None:
            break
    ok = problem is None
    from pos.day.days_ahead import days_closed_ahead, orders_rung_ahead

    last = closings.last_closing(store)
    rung_after = None if full or last is None else date.fromisoformat(last.business_day)
    notices = [ahead.advice() for ahead in days_closed_ahead(store)]
    notices += [rung.advice() for rung in orders_rung_ahead(store, after=rung_after)]
    notices += witness_notes
    extra = (f", {counted(checked.closings, 'signed closing')} check{'s' if checked.closings == 1 else ''} out"
             if checked.closings else "")
    extra += (f", {counted(anchored.held, 'anchor')} held outside the store still hold{'s' if anchored.held == 1 else ''}"
              if held and ok else "")
    extra += "".join(f", {counted(w.held, 'closing')} witnessed by {w.source} match{'es' if w.held == 1 else ''}"
                     for w in witnessed) if ok else ""
    verdict = (f"OK: {counted(result.entries, 'entry')}{since}, hash chain intact, every entry balances{extra}, "
               "the control records and the audit trail as they were written."
               if ok else
               (f"BROKEN after {counted(result.entries, 'good entry', 'good entries')}{since}: {problem}."
                if result.journal_broken and against is None else f"BROKEN: {problem}."))

    def human() -> None:
        say(verdict)
        for notice in notices:  # not tampering: a day closed before it began, and what to do
            say(f"NOTE: {notice}")

    emit(as_json, {"entries": result.entries, "since": result.since, "control_entries": result.control_entries,
                   "closings": checked.closings,
                   "anchors": anchored.held, "ok": ok, "problem": problem, "notices": notices,
                   **({"witnesses": [{"source": w.source, "closings": w.held, "problem": w.problem}
                                     for w in witnessed]} if witnessed else {})}, human)
    if not ok:
        raise typer.Exit(1)


@ledger_app.command("reverse")
def ledger_reverse(
    ctx: typer.Context,
    entry: Annotated[int, typer.Argument(parser=whole_number, help="Journal entry number to reverse.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Correct a mistake: post the exact opposite of an entry (once per entry)."""
    from pos.books.ledger import reverse

    store = open_store(ctx)
    e = reverse(store, entry, reason)
    emit(as_json, _entry_dict(store, e), f"Entry {e.id} reverses entry {entry}.")


@ledger_app.command("export")
def ledger_export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help="beancount, hledger or csv.")] = "beancount",
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (YYYY-MM-DD).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (YYYY-MM-DD).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="File to write (default: standard output).")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --out: replace the file if it exists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="With --out: report what was written as JSON.",
                                                 callback=json_asked)] = False,
) -> None:
    """Export the journal for Beancount, hledger or a spreadsheet."""
    from pos.books.export import ExportFormat, export_ledger

    try:
        chosen = ExportFormat(fmt.strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown format '{fmt}': use beancount, hledger or csv.") from None
    store = open_store(ctx)
    first, last = parse_day_option(start), parse_day_option(end)
    if out is None:
        if as_json or force:
            raise InvalidInput(f"{'--json' if as_json else '--force'} is for a file written with --out: give --out "
                               "FILE, or leave it out.")
        export_ledger(store, chosen, sys.stdout, start=first, end=last)
        return
    # Written whole or not at all: a failed export never leaves half a file, nor replaces a good one.
    with new_file(out, "--out", text=True, replace=force, force_flag="--force") as handle:
        with ProgressBar(f"Exporting {chosen.value}") as tick:
            count = export_ledger(store, chosen, handle, start=first, end=last, progress=tick)
    if as_json:
        emit(True, {"entries": count, "out": str(out.resolve()), "format": chosen.value}, "")
    else:
            say(f"Wrote {counted(count, 'entry')} to {show_path(out)} ({chosen.value}).", err=True)


@ledger_app.command("archive")
def ledger_archive(
    ctx: typer.Context,
    start: Annotated[Optional[str], typer.Option("--from", help="First business day (YYYY-MM-DD).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", help="Last business day (YYYY-MM-DD); 12 months at most.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="The archive file to write.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    key_file: KeyFileOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Write a period's entries, closings and public key, with a signed manifest: one file an auditor checks alone
    (pos ledger verify-archive)."""
    from pos.day.archive import check_period, summary_dict, write_archive

    first, last = check_period(parse_day_option(start), parse_day_option(end))
    if out is None:
        raise InvalidInput("Give the archive's file with --out FILE.")
    store = open_store(ctx)
    with new_file(out, "--out", replace=force, force_flag="--force") as handle:
        summary = write_archive(store, first, last, key_location(key_file), handle)
    emit(as_json, {**summary_dict(summary), "out": str(out.resolve())},
         f"Wrote {counted(summary.entries, 'entry')} (#{summary.first_entry} to #{summary.last_entry}) and "
         f"{counted(summary.closings, 'closing')} of {summary.start} to {summary.end} to {show_path(out)}, signed by key {summary.key_fingerprint}.")


@ledger_app.command("verify-archive")
def ledger_verify_archive(
    archive: Annotated[Path, typer.Argument(help="An archive written by pos ledger archive.")],
    fingerprint: Annotated[Optional[str], typer.Option(
        "--fingerprint", help="The key fingerprint the Z reports print: the archive must be signed by it.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check an archive on its own, without the store: every entry's hash and the chain, each closing's signature
    and numbering, the manifest's counts, hashes and signature; exit 1 naming the first thing that differs."""
    from pos.day.archive import check_archive, summary_dict

    result = check_archive(_read_bytes(archive, "the archive"), fingerprint)
    s = result.summary
    if result.problem is None and s is not None:
        emit(as_json, {"ok": True, "problem": None, **summary_dict(s)},
             f"OK: {counted(s.entries, 'entry')} (#{s.first_entry} to #{s.last_entry}) of {s.start} to {s.end}, "
             f"chain intact, {counted(s.closings, 'signed closing')}, manifest signed by key {s.key_fingerprint}"
             + ("." if fingerprint else ": check it against the fingerprint on your Z reports."))
        return
    emit(as_json, {"ok": False, "problem": result.problem}, f"BROKEN: {result.problem}.")
    raise typer.Exit(1)


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        if path.is_dir():
            raise InvalidInput(f"{show_path(path)} is a folder: give the file of {what}.")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InvalidInput(f"Cannot read {show_path(path)} ({what}): {os_reason(exc)}.") from None
