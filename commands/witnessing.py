"""Delivering closings to their witnesses from the command line (:mod:`pos.day.witness`): after a close or a reopening
commits, and at the start of every command for what could not be delivered before; and the one line every command
says on stderr when a witness has fallen more than a day behind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from commands.output import say

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store
    from pos.day.witness import Delivery

MAIL_TIMEOUT_S = 5
"""How long the mail server has for each step of a witness's email: a command never waits long on a witness."""


def deliver(store: "Store") -> "list[Delivery]":
    """Deliver what waits for the store's witnesses; never raises for a witness that cannot be reached."""
    from commands.smtp import smtp_password
    from pos.day import witness
    from pos.base.errors import AnytenderError

    if store.read_only is not None or not witness.configured(store):
        return []
    send: Any = None
    sender: str | None = None
    problem: str | None = None
    if any(w.kind is witness.WitnessKind.EMAIL for w in witness.configured(store)):
        try:
            from receipts import mail

            server = mail.mail_server(store)
            if server is None:
                problem = "the store has no mail server: set receipt.smtp"
            else:
                password = smtp_password(server)
                sender = server.sender

                def send(msg: Any) -> None:
                    mail.send(msg, server, password, timeout_s=MAIL_TIMEOUT_S)
        except AnytenderError as exc:
            problem = exc.message
    import sqlite3

    try:
        return witness.deliver_pending(store, send, sender, problem)
    except (AnytenderError, sqlite3.Error, OSError):
        return []  # the store is busy or cannot be written now: the next command tries again


def at_start(store: "Store", *, deliver_now: bool = True) -> None:
    """What every command does first: deliver what waits (unless it delivers after its own commit), then say (one
    line, stderr) when a witness is behind."""
    from pos.base.errors import AnytenderError
    from pos.store import config
    from pos.store.witness_setting import SETTING, stored_witnesses

    import sqlite3

    try:
        if not stored_witnesses(config.get(store, SETTING)):  # as witness.configured, without loading the closings
            return
        from pos.day import witness

        if deliver_now:
            deliver(store)
        notice = witness.stale_notice(store)
    except (AnytenderError, sqlite3.Error):
        return  # a witness never stops a command: the next one tries again
    if notice:
        say(notice, err=True)


def said(deliveries: "list[Delivery]") -> list[str]:
    """What a close says of its witnesses: one line per witness."""
    by: dict[str, list[Delivery]] = {}
    for d in deliveries:
        by.setdefault(d.witness.spec, []).append(d)
    out = []
    for items in by.values():
        w = items[0].witness
        bad = [d for d in items if d.problem is not None]
        good = [d.closing_number for d in items if d.problem is None]
        if good:
            out.append(f"Witnessed by {w.label}: closing{'s' if len(good) > 1 else ''} "
                       f"#{', #'.join(str(n) for n in good)}.")
        if bad:
            out.append(f"warning: closing #{bad[0].closing_number} is not yet witnessed by {w.label} ({bad[0].problem}): "
                       "it is kept in the store and sent again by the next command.")
    return out


def named(store: "Store") -> list[str]:
    """What ``pos config set closing.witness`` says: a folder on the store's own disk (it witnesses little there),
    then the closings made before, delivered to the witnesses now."""
    from pos.day import witness

    out = [f"note: {w.target} is on the same disk as the store: a witness proves most on another disk or share, "
           "out of reach of the till's user." for w in witness.configured(store) if witness.same_disk(store, w)]
    return out + said(deliver(store))
