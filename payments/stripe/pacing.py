"""How fast the register asks Stripe while a payment waits, and how it backs off when Stripe says "slow down".

Stripe allows about 25 requests a second to each endpoint (100 across the
account in live mode, 25 in test mode) and answers more with HTTP 429:
``rate_limit``, or ``lock_timeout`` when another request holds the same
object.  Neither means the payment failed: the request never ran, so it is
retried, after a pause that doubles with each refusal in a row
(:data:`BACKOFF_BASE_S`, capped at :data:`BACKOFF_CAP_S`) and is jittered
(a random point in the second half of the step, so registers refused together
do not come back together), and never past the payment's own deadline
(:func:`backoff_delay_s`).

A reader's wait reads the intent and the reader once per
:data:`POLL_INTERVAL_S`: :data:`READER_REQUESTS_PER_S` requests a second per
reader, so eight registers waiting at once make 16 a second in all
(``bench/stripe_waits.py`` shows it).

The clock, the sleep and the random draw are a :class:`Pacer`'s, so tests
inject their own (``store.memo["stripe_pacer"]``) and never sleep.
"""

from __future__ import annotations

import random as _random
import time
from dataclasses import dataclass, field
from typing import Callable

POLL_INTERVAL_S = 1.0
"""How often a waiting payment is read (its intent, then its reader)."""
READS_PER_POLL = 2
READER_REQUESTS_PER_S = READS_PER_POLL / POLL_INTERVAL_S
"""The most requests a second one reader's wait makes."""
BACKOFF_BASE_S = 0.5
"""The first pause after a 429."""
BACKOFF_CAP_S = 8.0
"""The longest pause after 429s in a row."""
AFTER_WAIT_RETRY_S = 10.0
"""How long a call after the wait (the capture, the release) that Stripe rate-limits is retried before the payment
is kept (authorized, or for ``pos payments recover``)."""


def backoff_delay_s(attempt: int, remaining_s: float, draw: float,
                    base_s: float = BACKOFF_BASE_S, cap_s: float = BACKOFF_CAP_S) -> float:
    """The pause before retry number ``attempt`` (0 for the first) after a 429.

    The step is ``base_s * 2**attempt``, at most ``cap_s``; the pause is a point in its second half chosen by
    ``draw`` (in [0, 1)), and never more than ``remaining_s``, the time left before the payment's deadline.
    """
    step = min(cap_s, base_s * 2 ** min(attempt, 64))
    return max(0.0, min(remaining_s, step / 2 + draw * step / 2))


@dataclass
class Pacer:
    """The clock, sleep and random draw a payment's wait uses (tests give their own)."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = field(default=_random.random)
    poll_interval_s: float = POLL_INTERVAL_S

    def backoff(self, attempt: int, deadline: float, at_least_s: float = 0.0) -> bool:
        """Pause before retry ``attempt`` (at least ``at_least_s``: a refused poll is never retried sooner than
        the next poll would come), never past the deadline; False (no pause) once the deadline has come."""
        remaining = deadline - self.clock()
        if remaining <= 0:
            return False
        self.sleep(min(remaining, max(at_least_s, backoff_delay_s(attempt, remaining, self.random()))))
        return True

    def until_next_poll(self, poll_started: float, deadline: float) -> None:
        """Sleep out the rest of this poll's interval (never past the deadline)."""
        now = self.clock()
        pause = min(self.poll_interval_s - (now - poll_started), deadline - now)
        if pause > 0:
            self.sleep(pause)
