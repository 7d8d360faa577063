"""Sign-ins for one-shot commands: who is at this terminal, for a store-set number of minutes.

:func:`sign_in` checks the PIN (wrong ones count toward a lockout) and
returns a random token; the caller keeps it where only its owner can read
it (the CLI: an owner-only file), and the store keeps only its SHA-256, so
neither holds a PIN and a stolen database gives no sign-in.  :func:`who`
turns a token back into the person, or None once it has expired, was
signed out, or its person was deactivated or locked out; a sign-in is bound
to the terminal it was made on and to its register, and refused anywhere
else (a copied sign-in file, another window on a shared OS account).
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from typing import TYPE_CHECKING, Callable

from pos.store.store import iso, parse_iso, utc_now
from pos.people.staff import get_staff
from pos.people.pin_tries import pin_hold, verify_pin

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.roster import StaffMember
    from pos.store.store import Store


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(store: "Store", name: str, pin: str, register: int | None = None, *, terminal: str | None = None,
            keep: "Callable[[str, StaffMember, str], None] | None" = None) -> tuple[str, "StaffMember", str]:
    """(token, person, expiry as ISO text) for a right PIN; the sign-in lasts ``signin.minutes``.

    It holds only on ``terminal`` (the caller's identity of the terminal it is made on; a sign-in
    made with none holds on no terminal) and for ``register``: see :func:`who`.

    ``keep(token, person, expiry)``, when given, puts the token where the terminal keeps it; it
    runs inside the sign-in's transaction, so if it fails (a full disk, a read-only folder) the
    sign-in is not recorded either: no sign-in is left in the store that nobody holds.
    """
    from pos.store import audit, config

    store.check_writable()  # before the PIN is checked: a wrong one could not even be counted
    member = verify_pin(store, name, pin, register=register)
    token = os.urandom(24).hex()
    now = utc_now()
    expires = iso(now + timedelta(minutes=config.get_minor(store, "signin.minutes")))
    with store.write() as conn:
        # Decided again where the sign-in is written: deactivated or locked out since the PIN was checked
        # (another terminal, at the same moment), there is no sign-in.

        if not get_staff(store, member.id).active or pin_hold(store, member).locked:
            from pos.base.errors import NotAllowed

            raise NotAllowed(f"{member.name} was deactivated or locked out a moment ago: nobody was signed in.")
        conn.execute("INSERT INTO signins(token_sha, staff_id, register, created_at, expires_at, terminal) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (_sha(token), member.id, register, iso(now), expires, _sha(terminal) if terminal else None))
        audit.record(store, audit.Event.SIGN_IN, {"who": member.name, "until": expires}, staff_id=member.id,
                     register=register)
        if keep is not None:
            keep(token, member, expires)
    return token, member, expires


def who(store: "Store", token: str, *, terminal: str | None, register: int | None = None) -> "StaffMember | None":
    """The person a token signs in on ``terminal``, read afresh (their role now), if it still does.

    None once it has expired, was signed out, or its person was deactivated or locked out.  A
    sign-in that holds, but was made on another terminal, or for another register than the
    command's ``register`` (None: the command uses none), is refused: it is not this terminal's.
    """
    from pos.base.errors import Refused

    row = store.one("SELECT s.staff_id, s.expires_at, s.ended_at, s.register, s.terminal, st.locked_at FROM signins s "
                    "JOIN staff st ON st.id = s.staff_id WHERE s.token_sha = ?", (_sha(token),))
    if row is None or row["ended_at"] or row["locked_at"] or parse_iso(row["expires_at"]) <= utc_now():
        return None
    member = get_staff(store, int(row["staff_id"]))
    if not member.active:
        return None
    if terminal is None or row["terminal"] is None or row["terminal"] != _sha(terminal):
        raise Refused(f"{member.name} signed in on another terminal, not this one: sign in here with "
                      "'pos login NAME'.")
    if register is not None and row["register"] is not None and row["register"] != register:
        raise Refused(f"{member.name} is signed in for register {row['register']}, not register {register}: add "
                      f"--register {row['register']}, or sign in for register {register} with "
                      f"'pos login {member.name} --register {register}'.")
    return member


def sign_out(store: "Store", token: str) -> bool:
    """End a sign-in; False when it had already ended."""
    with store.write() as conn:
        return conn.execute("UPDATE signins SET ended_at = ? WHERE token_sha = ? AND ended_at IS NULL",
                            (iso(utc_now()), _sha(token))).rowcount == 1


def current_member(store: "Store", staff_id: int, *, since: str | None = None) -> "StaffMember":
    """A signed-in person as the store has them now (their role now), for a session that outlives its sign-in.

    Refused once they are deactivated or locked out: a register session asks before every line.  With
    ``since`` (when the session's sign-in was made, ISO text), refused too when they were deactivated after it,
    even if they have been reactivated since: deactivation ends every sign-in, and reactivation revives none.
    """
    from pos.base.errors import NotAllowed

    member = get_staff(store, staff_id)
    if not member.active:
        raise NotAllowed(f"{member.name} has been deactivated: they may not use the register any more.")
    if since is not None:
        deactivated = store.scalar("SELECT deactivated_at FROM staff WHERE id = ?", (member.id,))
        if deactivated is not None and parse_iso(deactivated) >= parse_iso(since):
            raise NotAllowed(f"{member.name} was deactivated after signing in here, which ended this sign-in: "
                             "sign in again with your PIN.")
    hold = pin_hold(store, member)
    if hold.locked:  # said as the wrong PIN that locked them said it (pos.people.pin_tries.PinHold)
        raise NotAllowed(hold.words)
    return member


def unrecorded_signin(store: "Store", *, everyone: bool = False) -> str | None:
    """A sign-in still in force (``everyone``: any sign-in ever) with no sign-in event in the audit trail, or None.

    Every sign-in is written with its event, in one transaction (:func:`sign_in`): a row without one was put there
    by hand, to act as someone without their PIN.  ``pos ledger verify`` says so."""
    live = "" if everyone else "WHERE s.ended_at IS NULL AND s.expires_at > ?"
    row = store.one(
        "SELECT s.created_at, st.name FROM signins s JOIN staff st ON st.id = s.staff_id "
        f"{live}{' AND' if live else 'WHERE'} NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.staff_id = s.staff_id "
        "AND a.action = 'sign-in' AND json_extract(a.detail, '$.until') = s.expires_at) "
        "ORDER BY s.created_at LIMIT 1", () if everyone else (iso(utc_now()),))
    if row is None:
        return None
    return (f"a sign-in as {row[1]} made at {row[0]} has no sign-in event in the audit trail: it was put in the "
            "store by hand, not made with a PIN")
