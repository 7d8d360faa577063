"""Secrets typed at a place whose wrong tries count against that place, never against the person named.

A kiosk faces customers: anyone may type ``staff``, a name and a PIN there.  Were those wrong PINs
counted against the person named, a customer could lock a manager out, or make the owner wait an
hour (issue 24, finding 6).  So a staff PIN typed at a kiosk is checked here (:func:`staff_at`): a
wrong PIN, a right PIN of someone who may not do what was asked, a name nobody has, and a person who
is locked out or waiting all count against the kiosk alone (its own growing wait, on a person's
schedule: :func:`pos.people.pin_tries.pin_wait_s`), and all get the same answer, so the kiosk confirms no guess.
The person's own count of wrong PINs is never changed here.

The owner's recovery code is the other place (:data:`RECOVERY`): its wrong tries have their own limit
(five in a row, then the same growing waits) and it is never held up by waits caused elsewhere (wrong
PINs for the owner, typed anywhere).

Each try is a row of ``place_tries``, never changed: the wrong tries in a row are those since the
place's last right one.  The count and the wait are read and decided inside the ``BEGIN IMMEDIATE``
transaction that records the try, so tries typed at once are decided one at a time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Callable, NamedTuple

from pos.base.errors import NotAllowed, NotFound, Refused
from pos.store.store import iso, parse_iso, utc_now
from pos.base.words import counted
from pos.people.staff import get_staff
from pos.people.pin_tries import duration_words, pin_hold, pin_wait_s
from pos.people import pins
from pos.people.pins import pin_matches

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

RECOVERY = "recovery code"
"""The place of the owner's recovery code (:mod:`pos.people.recovery`)."""


def kiosk_place(number: int) -> str:
    return f"kiosk {number}"


class PlaceHold(NamedTuple):
    """Where a place stands after wrong tries: how many in a row, and the seconds left before the next (0: none)."""

    place: str
    failed_in_a_row: int
    wait_s: int

    @property
    def words(self) -> str:
        what = "The recovery code may be tried again" if self.place == RECOVERY else \
            f"{self.place[:1].upper()}{self.place[1:]} takes a staff PIN again"
        return (f"{what} in {duration_words(self.wait_s)}, after "
                f"{counted(self.failed_in_a_row, 'wrong try', 'wrong tries')} in a row.")


def place_hold(store: "Store", place: str) -> PlaceHold:
    """The wrong tries in a row at ``place`` and the wait they leave, now."""
    last_right = store.scalar("SELECT max(id) FROM place_tries WHERE place = ? AND is_right = 1", (place,)) or 0
    row = store.one("SELECT count(*) AS n, max(at) AS last FROM place_tries WHERE place = ? AND is_right = 0 "
                    "AND id > ?", (place, last_right))
    failed = int(row["n"]) if row is not None else 0
    wait = pin_wait_s(failed)
    if not wait or row is None or row["last"] is None:
        return PlaceHold(place, failed, 0)
    left = (parse_iso(row["last"]) + timedelta(seconds=wait) - utc_now()).total_seconds()
    return PlaceHold(place, failed, max(0, int(-(-left // 1))))


def check_place(store: "Store", place: str) -> None:
    """Refuse a try at ``place`` while it waits after wrong tries (nothing is looked at or counted)."""
    hold = place_hold(store, place)
    if hold.wait_s:
        raise Refused(hold.words)


def record_try(store: "Store", place: str, is_right: bool) -> PlaceHold:
    """Record one try at ``place`` (in the caller's write, or one of its own); where the place stands after it."""
    with store.write() as conn:
        conn.execute("INSERT INTO place_tries(place, at, is_right) VALUES (?, ?, ?)",
                     (place, iso(utc_now()), 1 if is_right else 0))
        return place_hold(store, place)


_UNKNOWN_HASH: dict[str, str] = {}


def _hash_for_nobody() -> str:
    """A hash no PIN is known for, at today's cost: a name nobody has takes as long to refuse as a wrong PIN."""
    key = f"{pins._SCRYPT_N}/{pins._SCRYPT_R}/{pins._SCRYPT_P}"
    if key not in _UNKNOWN_HASH:
        import secrets

        _UNKNOWN_HASH[key] = pins.hash_pin(str(10**11 + secrets.randbelow(9 * 10**11)))
    return _UNKNOWN_HASH[key]


def staff_at(store: "Store", place: str, name: str, pin: str, allowed: "Callable[[StaffMember], bool]",
             refusal: str) -> "StaffMember":
    """The person whose right PIN this is, if they may act at ``place`` (``allowed``); otherwise refused.

    Refused in the same words (``refusal``, and the place's wait when one begins) for a wrong PIN, a
    name nobody has, someone deactivated, locked out or waiting, and someone ``allowed`` refuses: each
    counts as a wrong try at ``place`` and never against the person named.  While the place waits, a
    try is refused unlooked-at (:class:`PlaceHold`).
    """
    from pos.store import audit

    check_place(store, place)  # cheap, before hashing; decided again under the write lock
    try:
        member: "StaffMember | None" = get_staff(store, name)
    except NotFound:
        member = None
    stored = store.scalar("SELECT pin_hash FROM staff WHERE id = ?", (member.id,)) if member is not None else None
    right = pin_matches(pin, str(stored) if stored else _hash_for_nobody())
    with store.write() as conn:
        check_place(store, place)
        if member is not None and right:  # read afresh under the lock
            now = conn.execute("SELECT pin_hash FROM staff WHERE id = ?", (member.id,)).fetchone()[0]
            member = get_staff(store, member.id)
            right = now == stored and member.active and not pin_hold(store, member).holds and allowed(member)
        hold = record_try(store, place, member is not None and right)
        if member is not None and right:
            return member
        audit.record(store, audit.Event.FAILED_PIN, {"who": place, "named": member.name if member else None,
                                                     "what": f"staff PIN at the {place}",
                                                     "in_a_row": hold.failed_in_a_row, "wait_s": hold.wait_s})
    raise NotAllowed(refusal + (f" {hold.words}" if hold.wait_s else ""))
