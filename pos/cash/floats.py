"""Where a drawer's float comes from, where it goes at the close, and the one correction older books need.

A float is cash that was already the store's: it only moves.  The books say where from:

* **The first float of a new store** is the owner's own cash, put in once (``equity:owner``), and
  the drawer's opening says so.
* **Every later float** comes from the safe, where the last close put the drawer's cash; when the
  safe holds less than the float (the owner banked it, say), the rest is put in by the owner, and
  the opening says so.
* **A float kept in the drawer overnight** (the store option ``cash.float_stays yes``): the close
  moves only what is above the drawer's float to the safe and keeps the float in
  ``assets:cash:float:<n>``; the next opening takes it back into the drawer, and what is asked above
  it comes from the safe (anything below it goes to the safe).

**Counted by a manager.**  Cash that comes out of the safe (or from the owner) into a drawer is counted by a
manager or the owner, who types their PIN (:func:`check_count`): a cashier cannot declare a float with nobody
counting it.  A float carried in the drawer from the last close's count (``cash.float_stays``) needs no PIN, nor
does a float of nothing.  The rule holds for whoever is signed in to open the drawer (every one-shot command where
sign-in is required, every register session); a store with ``signin.required no`` knows nobody by PIN, so there a
float is as declared.

So a day of nothing moves nothing: the safe and the owner's equity grow by sales, never by the float.
Before this, every opening posted its float as new money from the owner and every close swept the
float into the safe with the takings, so both grew by the float every day;
:func:`correct_past_floats` posts, once, when a store from before is opened, the entry that puts
that right (the same rule, replayed over the store's history).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pos.books import accounts, ledger
from pos.base.errors import Refused
from pos.books.ledger import Posting
from pos.base.words import counted

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

SAFE = "assets:cash:safe"
OWNER = "equity:owner"
CORRECTION_KEY = "upgrade:floats"
TASK = "float-correction"
"""The name of the pending upgrade task a store from before floats came from the safe carries (migration)."""


class FloatSource(NamedTuple):
    """Where a drawer's float came from, each part as a positive amount: they add up to the float."""

    float_minor: int
    kept_minor: int
    """Kept in the drawer since the last close (``cash.float_stays``)."""
    safe_minor: int
    owner_minor: int
    """Put in by the owner: the store's first float, or what the safe lacked."""
    to_safe_minor: int = 0
    """What was kept in the drawer above the float asked for, moved to the safe."""

    def said(self, store: "Store") -> str:
        """Where it came from, in words: '$150.00 from the safe', '$150.00 put in by the owner'..."""
        from pos.base.money_format import store_money

        def money(amount_minor: int) -> str:
            return store_money(store, amount_minor)

        parts = []
        if self.kept_minor:
            parts.append(f"{money(self.kept_minor)} kept in the drawer" if self.to_safe_minor == 0 else
                         f"{money(self.kept_minor - self.to_safe_minor)} of the {money(self.kept_minor)} kept in the "
                         f"drawer (the other {money(self.to_safe_minor)} to the safe)")
        if self.safe_minor:
            parts.append(f"{money(self.safe_minor)} from the safe")
        if self.owner_minor:
            parts.append(f"{money(self.owner_minor)} put in by the owner")
        return ", ".join(parts)


class FloatNotCounted(Refused):
    """A float taken from the safe (or the owner) with no manager counting it: what to do, in the CLI's words;
    a screen asks for the manager's name and PIN itself (``float_minor`` says how much)."""

    def __init__(self, message: str, float_minor: int) -> None:
        self.float_minor = float_minor
        super().__init__(message)


def counted_by_needed(store: "Store", source: FloatSource) -> bool:
    """Whether a float from ``source`` must be counted by a manager: it takes cash from the safe or the owner, and
    someone is signed in to open the drawer (a one-shot command where sign-in is required, a register's session).
    With nobody signed in the caller is trusted, as :mod:`pos.people.roles` says of such callers."""
    if not (source.safe_minor or source.owner_minor):
        return False  # carried in the drawer from the last close's count, or nothing at all
    return store.memo.get("actor_id") is not None


def check_count(store: "Store", register: int, source: FloatSource, counted_by: "StaffMember | None") -> None:
    """Refuse a float that takes cash from the safe with nobody counting it, or counted by someone who may not:
    ``counted_by`` is a manager or owner who typed their PIN (the caller checked it); it may be the person
    opening the drawer, as a manager takes the float from the safe."""
    from pos.base.money_format import store_money

    if counted_by is None:
        if counted_by_needed(store, source):
            raise FloatNotCounted(
                f"A float of {store_money(store, source.float_minor)} for drawer {register} comes out of the safe: a "
                "manager counts it and types their PIN (add --counted-by MANAGER_NAME), or open with no --float to "
                "carry the float the last close kept in the drawer.", source.float_minor)
        return
    from pos.people.permissions import Action, actor_of, may, role_phrase

    if not counted_by.active:
        raise Refused(f"{counted_by.name} is deactivated and cannot count a float.")
    if not may(actor_of(counted_by), Action.APPROVE):
        raise Refused(f"{counted_by.name} is {role_phrase(counted_by.role)}: only a manager or owner counts a float "
                      "out of the safe.")


def float_account(register: int) -> str:
    """Where a register's float waits overnight when it stays in the drawer."""
    return accounts.check_account(f"assets:cash:float:{int(register)}")


def floats_stay(store: "Store") -> bool:
    from pos.store import config

    return config.get(store, "cash.float_stays") == "yes"


def _balance(store: "Store", account: str) -> int:
    return ledger.balances(store, prefix=account).get((account, store.settings.currency), 0)


def source_of(store: "Store", register: int, float_minor: int) -> FloatSource:
    """Where a float for ``register`` comes from now: what the drawer kept, then the safe, then the owner.
    Read inside the transaction that posts it (:func:`postings`)."""
    kept = _balance(store, float_account(register))
    from_kept = min(kept, float_minor)
    rest = float_minor - from_kept
    from_safe = min(rest, max(0, _balance(store, SAFE)))
    return FloatSource(float_minor, kept, from_safe, rest - from_safe, kept - from_kept)


def postings(register: int, source: FloatSource, currency: str) -> list[Posting]:
    """The opening's entry: the drawer receives the float from where :func:`source_of` found it."""
    lines = [Posting(accounts.drawer(register), source.float_minor, currency),
             Posting(float_account(register), -source.kept_minor, currency),
             Posting(SAFE, source.to_safe_minor - source.safe_minor, currency),
             Posting(OWNER, -source.owner_minor, currency)]
    return [p for p in lines if p.amount_minor]


def source_of_drawer(store: "Store", drawer_id: int, register: int, float_minor: int) -> FloatSource:
    """Where an open drawer's float came from, read back from its opening's entry."""
    entry = ledger.find_by_key(store, f"drawer:{drawer_id}:float")
    moved = {p.account: p.amount_minor for p in entry.postings} if entry is not None else {}
    safe = moved.get(SAFE, 0)
    return FloatSource(float_minor, -moved.get(float_account(register), 0), max(0, -safe), -moved.get(OWNER, 0),
                       max(0, safe))


def close_postings(register: int, counted_minor: int, keep_minor: int, currency: str) -> list[Posting]:
    """The close's entry: the counted cash leaves the drawer, ``keep_minor`` of it kept as tomorrow's float
    (``cash.float_stays``), the rest to the safe."""
    kept = min(keep_minor, counted_minor)
    lines = [Posting(SAFE, counted_minor - kept, currency), Posting(float_account(register), kept, currency),
             Posting(accounts.drawer(register), -counted_minor, currency)]
    return [p for p in lines if p.amount_minor]


# -- the one correction of books kept under the old rule -----------------------------------------


class Correction(NamedTuple):
    floats: int
    """How many past floats came (in part) from the safe."""
    amount_minor: int
    """What the books had counted twice: as new money from the owner, and again in the safe."""


def past_floats_from_safe(store: "Store") -> Correction:
    """Replay the store's floats under today's rule: each from the safe up to what it held then (less what
    earlier floats took from it), the rest from the owner.  Before, every float was booked from the owner."""
    currency = store.settings.currency
    safe = taken = floats = 0
    for key, text in store.tuples(
            "SELECT key, postings FROM journal_entries WHERE postings LIKE ? OR key LIKE 'drawer:%:float' ORDER BY id",
            (f"%{SAFE} %",)):
        for line in text.split("\n"):
            account, amount, cur = line.split(" ")
            if cur != currency:
                continue
            if account == SAFE:
                safe += int(amount)
            elif key.endswith(":float") and account.startswith("assets:cash:drawer:") and int(amount) > 0:
                from_safe = min(int(amount), max(0, safe - taken))
                if from_safe:
                    taken += from_safe
                    floats += 1
    return Correction(floats, taken)


def correct_past_floats(store: "Store") -> Correction | None:
    """Once, for a store whose floats were booked under the old rule (the migration left it a task): post the
    entry that moves what later floats took from the safe back out of the owner's equity, explained in its
    memo.  Nothing when there is no such task, or the store cannot be written."""
    if store.read_only is not None or not store.scalar("SELECT count(*) FROM upgrade_tasks WHERE name = ?", (TASK,)):
        return None
    from pos.base.money_format import store_money

    with store.write() as conn:
        if not conn.execute("SELECT 1 FROM upgrade_tasks WHERE name = ?", (TASK,)).fetchone():
            return None  # another register did it meanwhile
        found = past_floats_from_safe(store)
        if found.amount_minor:
            currency = store.settings.currency
            ledger.post(store, CORRECTION_KEY,
                        f"Correction: {counted(found.floats, 'earlier drawer float')} "
                        f"({store_money(store, found.amount_minor)} in all) came out of the safe, not from the owner; the books "
                        "had counted them as new money put in, so the safe and the owner's equity had each grown by "
                        "the float every day", ledger.SourceKind.DRAWER, "upgrade:floats",
                        [Posting(OWNER, found.amount_minor, currency), Posting(SAFE, -found.amount_minor, currency)])
        conn.execute("DELETE FROM upgrade_tasks WHERE name = ?", (TASK,))
    return found
