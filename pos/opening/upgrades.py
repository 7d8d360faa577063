"""What a store from an older version needs beyond its SQL migrations, done when a command opens it.

A migration (:mod:`pos.store.migrations`) changes the schema; some corrections must be journal entries
or signed closings, which only the layers above the store can write.  :func:`finish_upgrade` runs
them, each idempotent and each in its own transaction, so a crash half way is finished by the next
command: the one entry that corrects floats booked from the owner (:mod:`pos.cash.floats`), and the
reopening of days an older version let close before they began (:mod:`pos.day.days_ahead`).  When there
is nothing to do it costs two small queries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pos.store.days import latest_closed_ahead

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def finish_upgrade(store: "Store") -> None:
    """Post what an upgrade left to correct; a store that cannot be written is left as it is (and read)."""
    if store.read_only is not None:
        return
    if store.scalar("SELECT count(*) FROM upgrade_tasks"):  # the journal is imported only when there is work
        from pos.cash.floats import correct_past_floats

        correct_past_floats(store)
    if latest_closed_ahead(store):  # the closings are imported only when a day was closed before it began
        from pos.day.days_ahead import reopen_empty_days_ahead

        reopen_empty_days_ahead(store, store.keys)
