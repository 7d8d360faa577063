"""Several registers (separate processes) ringing sales on one store file at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pos import ledger
from pos.drawer import expected_cash, open_drawer
from pos.store import Store

ROOT = Path(__file__).resolve().parent.parent

REGISTER = """
import sys
from payments.service import pay
from pos.orders import add_line, new_order
from pos.store import Store

store = Store.open(sys.argv[1])
register = int(sys.argv[2])
for n in range(int(sys.argv[3])):
    order = new_order(store, "counter", register=register)
    add_line(store, order.id, "PIZZA-M")
    add_line(store, order.id, "SODA", 2)
    pay(store, order.id, "cash", "20", register=register)
store.close()
"""


def test_three_registers_ring_at_once_and_nothing_is_lost(store: Store) -> None:
    for register in (1, 2, 3):
        open_drawer(store, register, "50")
    sales = 80
    children = [
        subprocess.Popen([sys.executable, "-c", REGISTER, str(store.path), str(register), str(sales)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for register in (1, 2, 3)
    ]
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
    numbers = [r[0] for r in store.all("SELECT number FROM orders ORDER BY number")]
    assert numbers == list(range(1, 3 * sales + 1))  # unique, no gaps
    assert store.scalar("SELECT count(*) FROM orders WHERE status = 'paid'") == 3 * sales
    assert store.scalar("SELECT count(*) FROM payments WHERE state = 'captured'") == 3 * sales
    # Each sale: 12.50 + 2 x 2.49 = 17.48 + 1.55 tax = 19.03, paid from a $20 note.
    for register in (1, 2, 3):
        assert expected_cash(store, register) == 5000 + sales * 1903
    balances = ledger.balances(store)
    assert balances[("assets:receivable:orders", "USD")] == 0
    assert balances[("income:sales", "USD")] == -3 * sales * 1748
    result = ledger.verify(store)
    assert result.problem is None and result.entries == 3 + 3 * sales * 2
