"""The tenders by kind: which class implements each :class:`~payments.base.TenderKind`.

The one place that knows every tender module.  No tender imports it: a tender
module builds on :mod:`payments.base` and :mod:`payments.flow` only, and
whatever must find a tender from a payment's kind (:mod:`payments.service`,
:mod:`payments.refunds`, the payment links of :mod:`payments.wallet`) calls
:func:`tender_for` here.  Each module is imported when its kind is first asked
for, so a command that takes cash never loads the card processor.
"""

from __future__ import annotations

from payments.base import Tender, TenderKind
from pos.base.errors import InvalidInput


def tender_class(kind: TenderKind) -> type[Tender]:
    """The class implementing a kind of tender (its module is imported now)."""
    if kind is TenderKind.CASH:
        from payments.cash import CashTender

        return CashTender
    if kind is TenderKind.COD:
        from payments.cod import CodTender

        return CodTender
    if kind is TenderKind.CARD:
        from payments.card import CardTender

        return CardTender
    if kind is TenderKind.WALLET:
        from payments.card import WalletTender

        return WalletTender
    if kind is TenderKind.LINK:
        from payments.card import LinkTender

        return LinkTender
    from payments.selfcheckout import SelfCheckoutTender

    return SelfCheckoutTender


def tender_for(kind: TenderKind | str) -> Tender:
    """The tender implementation for a kind (cash, cod, card...)."""
    return tender_class(TenderKind(kind))()


def parse_tender(text: str) -> TenderKind:
    """The kind of tender a cashier typed (cash, card, wallet or link)."""
    try:
        return TenderKind((text or "").strip().lower())
    except ValueError:
        raise InvalidInput(f"Unknown tender '{text}': use cash, card, wallet or link.") from None
