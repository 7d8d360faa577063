"""Cash at the counter: the tender.

Cash is approved the moment the customer hands it over, so it captures at
once; it needs no processor and works offline.  It gives change: what the
customer's notes and coins pay, the change and its suggestion in notes and
coins, and cash rounding are worked out by :mod:`payments.change`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payments.base import Capabilities, LocalTender, Payment, TenderKind
from pos.books import accounts

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


class CashTender(LocalTender):
    """The customer pays with notes and coins at a register."""

    kind = TenderKind.CASH
    capabilities = Capabilities(
        refunds=True, adjusts_tip=False, works_offline=True, gives_change=True, captures_at_once=True,
        calls_processor=False,
    )

    def account(self, store: "Store", payment: Payment) -> str:
        return accounts.drawer(payment.register or 1)

    def refund_account(self, store: "Store", payment: Payment, register: int) -> str:
        return accounts.drawer(register)
