"""``pos serve``'s worker: a thread that runs the jobs webhooks queued (:mod:`payments.stripe.jobs`).

It wakes every ``interval_s`` (and once at start, so a server restarted after a crash finishes what the
last one queued), opens the store for that round only, runs every job due, and closes it.  A round that
fails (the store locked too long, a disk error) is logged and the next one tries again: the jobs stay
queued in the store.  :meth:`JobWorker.stop` ends it between rounds; a job it was running when the process
was killed is taken over when its lease ends.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

log = logging.getLogger("anytender.webhooks")

#: How often the worker looks for jobs that have become due.
INTERVAL_S = 5.0


class JobWorker:
    """Runs due jobs in a background thread until stopped."""

    def __init__(self, open_store: Callable[[], "Store"], interval_s: float = INTERVAL_S) -> None:
        self._open_store = open_store
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="stripe-jobs", daemon=True)

    def start(self) -> "JobWorker":
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def run_once(self) -> int:
        """One round: every job due now run; how many were run."""
        from payments.stripe import jobs as stripe_jobs

        store = self._open_store()
        try:
            ran = stripe_jobs.run_due(store)
        finally:
            store.close()
        for job in ran:
            if job.action is None:
                log.warning("job %s (payment %s) left for a later try", job.job_id, job.payment_id)
            else:
                log.info("job %s (payment %s): %s", job.job_id, job.payment_id, job.action)
        return len(ran)

    def _loop(self) -> None:
        from pos.base.errors import AnytenderError

        while not self._stopping.is_set():
            try:
                self.run_once()
            except AnytenderError as exc:  # the store busy or unreadable this round: the jobs wait in it
                log.warning("the job worker could not run this round: %s", exc.message)
            except Exception:  # noqa: BLE001 - the worker outlives one bad round; the jobs stay queued
                log.exception("the job worker's round failed")
            self._stopping.wait(self._interval_s)
