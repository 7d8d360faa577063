"""Several registers (separate processes) ringing sales on one store file at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pos.books import ledger
from pos.books import journal_check
from pos.cash.drawer import expected_cash, open_drawer
from pos.store.store import Store

ROOT = Path(__file__).resolve().parent.parent

REGISTER = """
import sys
from payments.service import pay
from pos.sales.orders import add_line, new_order
from pos.store.store import Store

store = Store.open(sys.argv[1])
register = int(sys.argv[2])
for n in range(int(sys.argv[3])):
    order = new_order(store, "counter", register=register)
    add_line(store, order.id, "PIZZA-M")
    add_line(store, order.id, "SODA", 2)
    pay(store, order.id, "cash", "20", register=register)
store.close()
"""


REGISTERS = (1, 2, 3, 4)


def test_four_registers_ring_250_sales_each_at_once_and_nothing_is_lost(store: Store) -> None:
    for register in REGISTERS:
        open_drawer(store, register, "50")
    sales = 250
    children = [
        subprocess.Popen([sys.executable, "-c", REGISTER, str(store.path), str(register), str(sales)], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for register in REGISTERS
    ]
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
    numbers = [r[0] for r in store.all("SELECT number FROM orders ORDER BY number")]
    n = len(REGISTERS) * sales
    assert numbers == list(range(1, n + 1))  # unique, no gaps
    assert store.scalar("SELECT count(*) FROM orders WHERE status = 'paid'") == n
    assert store.scalar("SELECT count(*) FROM payments WHERE state = 'captured'") == n
    # Each sale: 12.50 + 2 x 2.49 = 17.48 + 1.55 tax = 19.03, paid from a $20 note.
    for register in REGISTERS:
        assert expected_cash(store, register) == 5000 + sales * 1903
        assert store.scalar("SELECT count(*) FROM orders WHERE register = ?", (register,)) == sales
    balances = ledger.balances(store)
    assert balances[("assets:receivable:orders", "USD")] == 0
    assert balances[("income:sales", "USD")] == -n * 1748
    # Nothing double-posted: one sale and one capture per order, each once.
    assert store.scalar("SELECT count(*) FROM journal_entries WHERE key LIKE 'order:%:sale'") == n
    assert store.scalar("SELECT count(*) FROM journal_entries WHERE key LIKE 'payment:%:capture'") == n
    result = journal_check.verify(store)  # the hash chain, every entry, and the running and per-day balances
    assert result.problem is None and result.entries == len(REGISTERS) + n * 2
