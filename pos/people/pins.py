"""PINs: what a PIN may be, how it is hashed, and how a typed one is checked.

A PIN is typed as digits, but the same keys may send other characters: a full-width keypad or an
input method sends ``１２３４``, which must be the very same PIN as ASCII ``1234``, never a second one.
So every PIN, new or typed to sign in, is normalised with NFKC first, and then only the ASCII
digits 0-9 are accepted.

A new PIN must not be one of the first guessed: at least 4 digits for cashiers, servers, drivers
and kitchen staff, at least 6 for managers and owners (who approve, unlock and close the day),
never one digit repeated (``0000``) nor a straight run up or down (``1234``, ``4321``, ``8901``), and
never the person's current or previous PIN (:func:`check_new_pin`).

PINs are stored only as salted scrypt hashes (:func:`hash_pin`), each carrying its own cost (scrypt's
n, r and p), so a hash made at an older, cheaper cost still checks, and is made again at today's cost
the next time its PIN is typed right (:func:`upgraded_hash`).  Today's cost takes at least 100 ms per
guess on a till-class machine: a copied hash still gives up a 4-digit PIN in under half an hour of
one core, so no hash makes a stolen file safe by itself: that is why the store is owner-only (see
``pos.store.store``) and why the longer PINs of managers and owners matter (a 6-digit one: days).

Nothing here touches the store; changing someone's PIN is :mod:`pos.people.pin_change`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from typing import Iterable

from pos.base.errors import InvalidInput
from pos.base.words import counted

# scrypt cost: ~150 ms per check on this class of machine (at least 100 ms), which is little at a
# sign-in but makes guessing every PIN of a stolen file slow.  Tests make it cheap by setting _SCRYPT_N.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**16, 8, 1
PIN_COST = (_SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
"""Today's cost, as shipped (n, r, p); :data:`_SCRYPT_N` and friends are what is used now."""
_MAX_SCRYPT_MEMORY = 256 * 1024 * 1024
"""A stored hash asking for more memory than this is not checked (nobody made it here)."""

MAX_PIN_DIGITS = 12
_SHORTEST = {"owner": 6, "manager": 6}
"""The fewest digits a role's PIN has; every other role (cashier, server, driver, kitchen): 4."""
SHORTEST_PIN = 4


def normalise_pin(pin: str | None) -> str:
    """A PIN as typed, in one form: NFKC (full-width ``１２３４`` is ``1234``)."""
    return unicodedata.normalize("NFKC", pin or "")


def shortest_pin(role: object) -> int:
    """The fewest digits a PIN of ``role`` (a Role or its name) has."""
    return _SHORTEST.get(str(getattr(role, "value", role)).lower(), SHORTEST_PIN)


def _role_name(role: object) -> str:
    return str(getattr(role, "value", role)).lower()


def _article(word: str) -> str:
    return "An" if word[:1] in "aeiou" else "A"


def check_pin_format(pin: str | None, role: object = None) -> str:
    """The PIN normalised, or refused when it is not ASCII digits of the right length (for ``role``, if given)."""
    text = normalise_pin(pin)
    least = shortest_pin(role) if role is not None else SHORTEST_PIN
    if not text or not all("0" <= c <= "9" for c in text):
        raise InvalidInput(f"A PIN is digits only, 0 to 9: type {least} to {MAX_PIN_DIGITS} digits.")
    if len(text) > MAX_PIN_DIGITS:
        raise InvalidInput(f"A PIN is at most {MAX_PIN_DIGITS} digits: choose a shorter one.")
    if len(text) < least:
        if role is None:
            raise InvalidInput(f"A PIN is at least {counted(least, 'digit')}: choose a longer one.")
        name = _role_name(role)
        raise InvalidInput(f"{_article(name)} {name}'s PIN is at least {counted(least, 'digit')}: choose a longer one.")
    return text


def is_one_digit(pin: str) -> bool:
    """``0000``, ``111111``: one digit, repeated."""
    return len(set(pin)) == 1


def is_straight_run(pin: str) -> bool:
    """``1234``, ``4321``, ``234567``, and round the dial ``8901`` or ``1098``: each digit one up, or one down."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return steps in ({1}, {9})


def check_new_pin(pin: str | None, role: object, previous_hashes: Iterable[str | None] = (),
                  name: str = "") -> str:
    """A new PIN for someone of ``role``, normalised; or refused, saying why and what to choose.

    ``previous_hashes``: the person's current (and previous) PIN hashes, which the new one must not match.
    """
    text = check_pin_format(pin, role)
    if is_one_digit(text):
        raise InvalidInput("A PIN of one digit repeated (like 5555) is among the first guessed: "
                           "choose digits that are not all the same.")
    if is_straight_run(text):
        raise InvalidInput("A PIN of digits in a row (like 3456, 6543 or 8901) is among the first guessed: "
                           "choose digits out of order.")
    whose = f"{name}'s" if name else "the"
    for stored in previous_hashes:
        if stored and pin_matches(text, stored):
            raise InvalidInput(f"That is {whose} current or previous PIN: choose a new one.")
    return text


def hash_pin(pin: str) -> str:
    """Salted scrypt hash of a PIN (normalised first), as ``scrypt$n$r$p$salt$hash`` (hex)."""
    text = check_pin_format(pin)
    salt = secrets.token_bytes(16)
    n, r, p = _SCRYPT_N, _SCRYPT_R, _SCRYPT_P
    digest = hashlib.scrypt(text.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=_maxmem(n, r, p))
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def _maxmem(n: int, r: int, p: int) -> int:
    """The memory scrypt needs at (n, r, p), with room: OpenSSL's default (32 MiB) is too little for today's cost."""
    return 128 * r * (n + p + 2) + 1024 * 1024


def hash_cost(stored: str) -> tuple[int, int, int] | None:
    """The (n, r, p) a stored hash was made with; None when it is not one of ours."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(x.isdigit() for x in parts[1:4]):
        return None
    return int(parts[1]), int(parts[2]), int(parts[3])


def upgraded_hash(pin: str, stored: str) -> str | None:
    """For a PIN just checked right against ``stored``: a new hash at today's cost, when ``stored``'s is lower."""
    cost = hash_cost(stored)
    if cost is None or cost[0] * cost[1] * cost[2] >= _SCRYPT_N * _SCRYPT_R * _SCRYPT_P:
        return None
    return hash_pin(pin)


def pin_matches(pin: str | None, stored: str) -> bool:
    """Constant-time check of a typed PIN (normalised, as when it was set) against its stored hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    cost = hash_cost(stored)
    if scheme != "scrypt" or cost is None or _maxmem(*cost) > _MAX_SCRYPT_MEMORY:
        return False
    try:
        candidate = hashlib.scrypt(normalise_pin(pin).encode(), salt=bytes.fromhex(salt), n=cost[0], r=cost[1],
                                   p=cost[2], dklen=len(digest) // 2, maxmem=_maxmem(*cost))
    except ValueError:  # a hash nobody here made (n not a power of two, a salt not hex...)
        return False
    return hmac.compare_digest(candidate.hex(), digest)
