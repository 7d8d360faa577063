"""An order named by its number on any day: ``N`` (the open day's), ``D/N`` or ``--day D`` (another day's).

What was seen (issue 23, item 3): after a close, ``pos receipt 1``, ``pos refund 1`` and ``pos order show 9``
looked only at the day open now, ``order show`` had no ``--day``, and the order's id was printed on no receipt
and no list: a customer bringing back yesterday's soda could not be refunded at the counter.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from payments import service
from pos.close import close_day
from pos.drawer import open_drawer
from pos.orders import add_line, new_order, resolve
from pos.store import Store
from tests.conftest import Cli

SAT = date(2026, 12, 5)
SUN = date(2026, 12, 6)
EVENING = "2026-12-06 00:30:00"  # 19:30 on Saturday 5 December in New York
MORNING = "2026-12-06 15:00:00"  # 10:00 on Sunday 6 December


@pytest.fixture
def yesterday(store: Store) -> Store:
    """Nine sodas sold on Saturday (orders 1 to 9, $2.71 each, cash), the day closed on Sunday morning, drawer 1
    opened again on Sunday."""
    with freeze_time("2026-12-05 15:00:00"):
        open_drawer(store, 1, "100")
    with freeze_time(EVENING):
        for _ in range(9):
            order = new_order(store, "counter")
            add_line(store, order.id, "SODA")
            service.pay(store, order.id, "cash")
    with freeze_time(MORNING):
        close_day(store, SAT, {1: "124.39"})
        open_drawer(store, 1, "100")
    return store


def test_what_was_seen_a_past_order_is_reached_by_its_day_and_number(yesterday: Store, cli: Cli) -> None:
    with freeze_time(MORNING):
        # N alone is the open day's order: Sunday has none yet, and says where to look.
        cli.fails("receipt", "1", says="No order #1 on 2026-12-06")
        # D/N and --day reach Saturday's.
        receipt = cli.ok("receipt", "2026-12-05/1").stdout
        assert "Order 2026-12-05/1" in receipt and "Soda 20oz" in receipt
        assert cli.ok("receipt", "1", "--day", "2026-12-05").stdout == receipt
        shown = cli.ok("order", "show", "2026-12-05/9").stdout
        assert "Order 2026-12-05/9" in shown and "paid" in shown
        assert cli.ok("order", "show", "9", "--day", "2026-12-05").stdout == shown
        # The soda comes back at the counter, and the refund is booked on Sunday, said so.
        out = cli.ok("refund", "2026-12-05/1", "--line", "1").stdout
        assert "Refunded $2.71 on 2026-12-05/1" in out
        assert "Booked on 2026-12-06, the business day open now, not on the sale's day 2026-12-05 (closed)." in out
    sale = resolve(yesterday, "2026-12-05/1")
    assert sale.status.value == "refunded" and sale.business_day == SAT
