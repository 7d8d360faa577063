"""The owner's recovery code: the way back in for an owner who forgot their PIN, or whom wrong PINs keep waiting.

``pos init`` prints one, once; the store keeps only its salted scrypt hash.  ``pos staff recover
NAME`` takes it for an owner (no sign-in: the owner cannot sign in), with a new PIN: a right code
unlocks the owner, lifts any wait, sets the PIN, and is used up; a fresh code is made at once and
shown, so the store always has one.  The code has its own limit, apart from any PIN's
(:mod:`pos.people.place_tries`): from the fifth wrong code in a row, each makes the next try wait (30 s
doubling, up to an hour), and a try during that wait is refused without looking at the code.  Waits
caused elsewhere (wrong PINs for the owner, typed at a register, a kiosk or a terminal) never hold the
code up: it is the way out of them.

A code is 20 characters of base32 (100 bits from :mod:`secrets`) in four groups of five; it is read
back in any case, with or without the dashes and spaces.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from pos.base.errors import InvalidInput, NotAllowed, Refused
from pos.store.store import iso, utc_now
from pos.people.staff import get_staff
from pos.people.pin_tries import MAX_FAILED_PINS
from pos.people.place_tries import RECOVERY, check_place, record_try
from pos.people.pin_change import check_new_pin_for
from pos.people.pins import hash_pin
from pos.people.permissions import role_phrase

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
GROUPS, GROUP_LENGTH = 4, 5
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def _normal(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


def _hash(code: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(_normal(code).encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def _matches(code: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(_normal(code).encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(digest) // 2)
    return hmac.compare_digest(candidate.hex(), digest)


def issue(store: "Store") -> str:
    """A new recovery code, replacing the one unused (if any); only its hash is kept.  Shown once, by the caller."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    code = "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))
    code_hash = _hash(code)
    now = iso(utc_now())
    with store.write() as conn:
        conn.execute("UPDATE recovery_codes SET used_at = ? WHERE used_at IS NULL", (now,))
        conn.execute("INSERT INTO recovery_codes(code_hash, created_at) VALUES (?, ?)", (code_hash, now))
    return code


def check_owner(store: "Store", who: str) -> "StaffMember":
    """``who``, refused unless they are an active owner: only owners have the recovery code."""
    from pos.store.roster import Role

    member = get_staff(store, who)
    if member.role is not Role.OWNER:
        raise Refused(f"{member.name} is {role_phrase(member.role)}: the "
                      "recovery code is the owner's alone; an owner or manager unlocks anyone else.")
    if not member.active:
        raise NotAllowed(f"{member.name} is deactivated: the recovery code is for an active owner.")
    return member


def renew(store: "Store", owner: "StaffMember") -> str:
    """A new recovery code, by ``owner`` (who typed their PIN): the old one stops working."""
    from pos.store import audit

    check_owner(store, owner.name)
    with store.write():
        code = issue(store)
        audit.record(store, audit.Event.RECOVERED, {"who": owner.name, "recovery_code": "renewed"},
                     staff_id=owner.id)
    return code


def check_recover(store: "Store", who: str) -> "StaffMember":
    """The owner to recover, refused (before anyone types the code) when they are not an active owner, or the code
    waits after wrong tries of its own (never for the owner's PIN waits)."""
    member = check_owner(store, who)
    if not store.scalar("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL"):
        raise NotAllowed("This store has no recovery code (it was made before they existed, or by hand): an owner "
                         "who can sign in makes one with 'pos staff recovery-code'.")
    check_place(store, RECOVERY)
    return member


def recover(store: "Store", who: str, code: str, new_pin: str,
            register: int | None = None) -> tuple["StaffMember", str]:
    """With the store's recovery code, unlock an owner and give them ``new_pin``; returns them and the next code."""
    from pos.store import audit
    from pos.base.words import counted

    member = check_recover(store, who)
    new_pin = check_new_pin_for(store, member, new_pin)  # an owner's rules; not the current or previous PIN
    if not _normal(code):
        raise InvalidInput("No recovery code was given: type the code pos init printed, like ABCDE-FGHIJ-KLMNO-PQRST.")
    row = store.one("SELECT id, code_hash FROM recovery_codes WHERE used_at IS NULL")
    assert row is not None  # check_recover refused a store without one
    right = _matches(code, row["code_hash"])  # before the write lock: hashing costs
    pin_hash = hash_pin(new_pin) if right else ""
    with store.write() as conn:
        check_place(store, RECOVERY)  # the code's own count and wait, read where the try is recorded
        hold = record_try(store, RECOVERY, right)
        if not right:
            audit.record(store, audit.Event.FAILED_PIN, {"who": member.name, "in_a_row": hold.failed_in_a_row,
                                                         "what": "recovery code", "wait_s": hold.wait_s},
                         staff_id=member.id, register=register)
            wrong = (hold.words if hold.wait_s else
                     f"try again ({counted(MAX_FAILED_PINS - hold.failed_in_a_row, 'try')} left).")
        else:
            used = conn.execute("UPDATE recovery_codes SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL",
                                (iso(utc_now()), member.id, row["id"])).rowcount
            if not used:  # another terminal used it in the meantime
                raise Refused("That recovery code was used up a moment ago: use the one it printed.")
            conn.execute("UPDATE staff SET previous_pin_hash = pin_hash, pin_hash = ?, pin_changed_at = ?, "
                         "failed_pins = 0, locked_at = NULL, pin_wait_until = NULL WHERE id = ?",
                         (pin_hash, iso(utc_now()), member.id))
            audit.record(store, audit.Event.RECOVERED, {"who": member.name}, staff_id=member.id, register=register)
            fresh = issue(store)
    if not right:
        raise NotAllowed(f"Wrong recovery code for {member.name}: {wrong}")
    return get_staff(store, member.id), fresh
