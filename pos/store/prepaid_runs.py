"""Deliveries with nothing to collect: an order paid before it goes out is still taken to the door.

A phone customer who paid by link, or by card over the counter, still waits for a driver.  A delivery
the driver collects for is recorded by its cash-on-delivery payment (:mod:`payments.cod`: authorized
when it goes out, captured at the door, voided when it fails); one with nothing to collect has no
payment, so its run is a row here: who took it and when, and how it ended (delivered, or failed and
why).  At most one run of an order is out at a time (the database refuses a second).  The money was
booked when the order was paid: a run books nothing.

This module reads and writes the rows, in the caller's transaction; :mod:`payments.cod` decides
when, checks the driver and audits it, as for every delivery.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from pos.store.store import iso, parse_iso, utc_now

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from pos.store.store import Store


class Outcome(str, enum.Enum):
    DELIVERED = "delivered"
    FAILED = "failed"


class Run(NamedTuple):
    id: int
    order_id: str
    driver_id: int
    sent_at: datetime
    ended_at: datetime | None
    outcome: Outcome | None
    reason: str | None
    """Why it failed."""

    @property
    def out(self) -> bool:
        return self.ended_at is None


def _run(row: "sqlite3.Row") -> Run:
    return Run(row["id"], row["order_id"], row["driver_id"], parse_iso(row["sent_at"]),
               parse_iso(row["ended_at"]) if row["ended_at"] else None,
               Outcome(row["outcome"]) if row["outcome"] else None, row["reason"])


def latest(store: "Store", order_id: str) -> Run | None:
    """The order's last run (out, or how it ended); None when it never went out with nothing to collect."""
    row = store.one("SELECT * FROM prepaid_runs WHERE order_id = ? ORDER BY id DESC LIMIT 1", (order_id,))
    return _run(row) if row is not None else None


def out_with(store: "Store", driver_id: int) -> list[Run]:
    """A driver's runs still out, oldest first."""
    return [_run(r) for r in store.all("SELECT * FROM prepaid_runs WHERE driver_id = ? AND ended_at IS NULL "
                                       "ORDER BY id", (driver_id,))]


def send_out(store: "Store", order_id: str, driver_id: int) -> Run:
    """Record the order going out with the driver (the caller checked the order and the driver)."""
    with store.write() as conn:
        run_id = conn.execute("INSERT INTO prepaid_runs(order_id, driver_id, sent_at) VALUES (?, ?, ?)",
                              (order_id, driver_id, iso(utc_now()))).lastrowid
    row = store.one("SELECT * FROM prepaid_runs WHERE id = ?", (run_id,))
    assert row is not None
    return _run(row)


def end(store: "Store", run: Run, outcome: Outcome, reason: str | None = None) -> Run:
    """Record how a run out ended: delivered, or failed (with why)."""
    with store.write() as conn:
        conn.execute("UPDATE prepaid_runs SET ended_at = ?, outcome = ?, reason = ? WHERE id = ? AND ended_at IS NULL",
                     (iso(utc_now()), outcome.value, reason, run.id))
    row = store.one("SELECT * FROM prepaid_runs WHERE id = ?", (run.id,))
    assert row is not None
    return _run(row)
