"""Card and phone-wallet payments, through the store's card processor.

The card tender, routed to the processor the store
uses: the built-in training processor for a store created with
``pos init --training`` (:mod:`payments.training`), otherwise Stripe.  The
money sits in ``assets:clearing:<processor>`` until the processor pays it
out; the processor's fee is booked as ``expenses:card-fees`` when the
payment is captured.  A phone wallet tapped on the reader
(:class:`WalletTender`) and a payment link paid on the customer's phone
(:class:`LinkTender`; sending and checking links is :mod:`payments.wallet`)
are the same tender recorded as another kind or with another processor, as
is a kiosk's reader (:mod:`payments.selfcheckout`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payments.base import Capabilities, Outcome, Payment, TenderKind
from pos.base.errors import NotAllowed
from payments.stripe.card import ACCOUNT, StripeTerminalProcessor, check_charge
from payments.stripe.gateway import StripeGateway
from payments import training
from payments.stripe.link import StripeLinkProcessor

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


def stripe_gateway(store: "Store") -> Any:
    """The register's Stripe gateway (made once per store handle), or a refusal saying what is missing.

    The key comes from ``store.memo["stripe_settings"]``, a callable the CLI
    provides from its environment, so the core never reads the environment.
    """
    source = store.memo.get("stripe_settings")
    settings = source() if callable(source) else None
    if settings is None:
        raise NotAllowed(
            "Card and wallet payments need a card processor, and Stripe is not set up on this register "
            "(no STRIPE_API_KEY): take cash."
        )
    gateway = store.memo.get("stripe_gateway")
    if gateway is None:
        gateway = store.memo["stripe_gateway"] = StripeGateway(settings)
    return gateway


def processor_for(store: "Store", reader: str | None = None) -> tuple[str, Any]:
    """(ledger account, processor) for card payments on a reader (default: the counter's).

    A training store uses the training processor.  Otherwise Stripe, when the
    register has a key and the store has a reader
    (``pos config set stripe.reader tmr_...``; a kiosk has its own).
    """
    if store.settings.training:
        return training.ACCOUNT, training.TrainingProcessor()
    from pos.store import config

    gateway = stripe_gateway(store)
    if reader is None:
        reader = config.get(store, "stripe.reader")
    if not reader:
        raise NotAllowed("No card reader is set for this store: pos config set stripe.reader tmr_...")

    settings = gateway.settings
    simulate = config.get(store, "stripe.simulate") if settings.simulate_tap is None else \
        ("yes" if settings.simulate_tap else "no")
    return ACCOUNT, StripeTerminalProcessor(gateway, reader, simulate=simulate, wait_s=settings.card_wait_s,
                                            pacer=store.memo.get("stripe_pacer"))


class CardTender:
    """A card (or, as :class:`WalletTender`, a phone wallet) paid through the processor."""

    kind = TenderKind.CARD
    capabilities = Capabilities(
        refunds=True, adjusts_tip=True, works_offline=False, gives_change=False, captures_at_once=False,
        calls_processor=True,
    )

    def processor(self, store: "Store", payment: Payment | None) -> tuple[str, Any]:
        """(ledger account, processor) for a payment of this tender; subclasses choose another."""
        return processor_for(store)

    def ready(self, store: "Store") -> None:
        self.processor(store, None)

    def check_charge(self, store: "Store", amount_minor: int) -> None:
        """Refuse, before the payment row is written, an amount Stripe would refuse (its minimum charge).

        Every card tender of a store that is not a training store goes through Stripe.
        """
        if store.settings.training:
            return

        check_charge(store, amount_minor, store.settings.currency)

    def account(self, store: "Store", payment: Payment) -> str:
        return self.processor(store, payment)[0]

    def refund_account(self, store: "Store", payment: Payment, register: int) -> str:
        return self.processor(store, payment)[0]

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        return self.processor(store, payment)[1].authorize(store, payment)

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        return self.processor(store, payment)[1].capture(store, payment)

    def void(self, store: "Store", payment: Payment) -> Outcome:
        return self.processor(store, payment)[1].void(store, payment)

    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        return self.processor(store, payment)[1].refund(store, payment, amount_minor, key, refund_id)

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        return self.processor(store, payment)[1].find_refund(store, payment, refund_id)

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        return self.processor(store, payment)[1].lookup(store, payment)


class WalletTender(CardTender):
    """Apple Pay / Google Pay tapped on the reader: the card processor, recorded as a wallet payment.

    The wallet type is read from the charge's card-present details.
    """

    kind = TenderKind.WALLET


class LinkTender(CardTender):
    """A payment link the customer pays on their own phone (card or wallet): a hosted page, not the reader."""

    kind = TenderKind.LINK

    def processor(self, store: "Store", payment: Payment | None) -> tuple[str, Any]:
        from pos.store import config

        expires_after_s = config.get_minor(store, "link.expires_after") * 60
        if store.settings.training:
            return training.ACCOUNT, training.TrainingLinkProcessor(expires_after_s)

        return ACCOUNT, StripeLinkProcessor(stripe_gateway(store), expires_after_s,
                                            config.get(store, "link.methods").split(","))
