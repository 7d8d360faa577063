"""The request rate of registers waiting for a tap at once, against the Stripe double: printed, not asserted.

Stripe allows about 25 requests a second to each endpoint (issue 25, item 6).
REGISTERS registers (default 8) each hand a payment to their own reader and
wait for the customer for SECONDS seconds (default 5), as
:meth:`payments.stripe.card.StripeTerminalProcessor._wait_for_tap` does, with
the real SDK against ``tests/fake_stripe.py`` on 127.0.0.1 (which, here,
answers 429 past 25 requests a second to an endpoint, as Stripe does); then
every customer taps.  Printed: each reader's requests per second while
waiting (the first poll, at 0 s, counts too, so a short run reads a little over the bound), each
endpoint's, the total, and how many 429s came back.

    python bench/stripe_waits.py [REGISTERS] [SECONDS]
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from payments.stripe.card import StripeTerminalProcessor  # noqa: E402
from payments.stripe.gateway import StripeGateway, StripeSettings  # noqa: E402
from payments.stripe.pacing import READER_REQUESTS_PER_S  # noqa: E402
from tests.fake_stripe import FakeStripe  # noqa: E402


class _Register:
    """What the wait reads of a store when the customer taps in time: its memo (no spinner here)."""

    memo: dict[str, Any] = {}


def measure(registers: int = 8, seconds: int = 5) -> None:
    fake = FakeStripe().start()
    fake.limit_per_endpoint_per_s = 25
    try:
        settings = StripeSettings("sk_test_bench", fake.base, 2, 10, 0, simulate_tap=False, card_wait_s=60)
        readers = [f"tmr_BENCH{n:02d}" for n in range(registers)]
        waits: list[tuple[StripeTerminalProcessor, str, float]] = []
        for n, reader in enumerate(readers):
            fake.physical_reader(reader)
            processor = StripeTerminalProcessor(StripeGateway(settings), reader, simulate="no", wait_s=60)
            intent = processor.gateway.create_intent(1361, "usd", f"bench:{n}:create", {"payment_id": f"bench{n}"})
            processor.gateway.process_on_reader(reader, intent.id, f"bench:{n}:process", None)
            waits.append((processor, intent.id, processor.pacer.clock() + 60))
        before = len(fake.requests)
        outcomes: list[Any] = []
        threads = [threading.Thread(target=lambda w=w: outcomes.append(w[0]._wait_for_tap(_Register(), None, w[1], w[2])))  # type: ignore[arg-type]
                   for w in waits]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        waited = time.monotonic() - started
        during = fake.requests[before:]
        for reader in readers:
            fake.card_tapped(reader)
        for thread in threads:
            thread.join(10)
        limited = len(fake.limited)
    finally:
        fake.stop()
    per_reader: Counter[str] = Counter()
    per_endpoint: Counter[str] = Counter()
    owner = {intent_id: reader for (processor, intent_id, _), reader in zip(waits, readers)}
    for method, path, _, _ in during:
        last = path.rstrip("/").split("/")[-1]
        per_reader[owner.get(last, last)] += 1
        per_endpoint[f"{method} {path.rsplit('/', 1)[0]}/{{id}}"] += 1
    print(f"{registers} registers waiting for a tap for {waited:.1f} s (bound: {READER_REQUESTS_PER_S:g} requests/s "
          f"a reader; Stripe: about 25/s an endpoint)")
    for reader in readers:
        print(f"  {reader}: {per_reader[reader] / waited:5.2f} requests/s")
    for endpoint, count in sorted(per_endpoint.items()):
        print(f"  {endpoint}: {count / waited:5.2f} requests/s")
    print(f"  total: {len(during) / waited:5.2f} requests/s; 429s answered: {limited}; "
          f"payments approved after the tap: {sum(1 for o in outcomes if o.approved)} of {registers}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    measure(*args)
