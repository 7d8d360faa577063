"""What ``pos ledger verify`` checks in the store itself, in one call: the journal, the signed closings, the chain
of control records.

A plain check starts from the newest signed closing a week before the last closed day
(:func:`pos.day.closings.verify_start`): the journal's entries and the control log's entries after
that closing's heads are re-hashed, the closed days after it counted again, every closing's
signature and heads checked, every control row compared with its last version (:mod:`pos.store.chains`).
Its cost is the week's, not the store's age.  ``full`` does the same from the start of both
chains and counts every closed day again.  Anchors and witnesses held outside the store are
checked on top, by the command.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from pos.store import chains
from pos.day import closings
from pos.books import ledger
from pos.books import journal_check
from pos.people.signin import unrecorded_signin
from pos.store.store import iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class StoreCheck(NamedTuple):
    entries: int
    """Journal entries re-hashed."""
    since: int
    """The entry the journal's check started after (0: the whole journal)."""
    since_day: date | None
    """The day of the signed closing it started from (None: the start)."""
    closings: int
    """Signed closings checked."""
    control_entries: int
    """Control log entries re-hashed."""
    problem: str | None
    journal_broken: bool
    """The problem is in the journal's chain itself (so ``entries`` counts the good ones before it)."""


def verify_store(store: "Store", *, full: bool = False) -> StoreCheck:
    """The journal, the closings and the control records, from a week back (``full``: from the start)."""
    start = closings.Start(journal_check.GENESIS, chains.Head(0, chains.GENESIS), None) if full \
        else closings.verify_start(store)
    result = journal_check.verify(store, full=full, start=start.anchor)
    since_day = start.recount_from
    if result.problem is not None:
        return StoreCheck(result.entries, result.since, since_day, 0, 0, result.problem, True)
    checked = closings.check_closings(store, recount_from=start.recount_from, from_number=start.closing)
    if checked.problem is not None:
        return StoreCheck(result.entries, result.since, since_day, checked.closings, 0, checked.problem, False)
    control_entries, problem = chains.check(store, start.control, full=full, now=iso(utc_now()))
    found = f"the control records: {problem}" if problem is not None else unrecorded_signin(store, everyone=full)
    return StoreCheck(result.entries, result.since, since_day, checked.closings, control_entries, found, False)
