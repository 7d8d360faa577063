"""The one place that talks to Stripe, through the official SDK's ``StripeClient``.

``stripe`` is imported here only, and only when a gateway is made: it costs
about 170 ms of start-up that no cash sale should pay.  Every POST carries
an idempotency key derived from the payment's own id and the operation
(``Payment.key_for``), so a retried call, by the SDK or after a crash,
never charges twice.  Timeouts and retries are explicit.

Every error the SDK raises goes through :func:`payments.stripe.errors.translate`,
the one mapping: a refused card or amount becomes an internal ``Declined``
that the processors return as a declined :class:`Outcome`; anything that
means Stripe could not be used (network, timeout, rate limit, a key it
refuses, a busy or offline reader, a request it refuses) becomes
:class:`ProcessorUnavailable` or one of its subclasses, whose message never
contains the key.

The API key comes from the caller (the CLI reads ``STRIPE_API_KEY`` or an
owner-only file with :func:`read_api_key`); it is never stored in the
database and never printed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple

from payments.stripe.errors import Declined, decline_reason, translate
from pos.base.errors import InvalidInput, ProcessorUnavailable
from payments.stripe.errors import refund_refusal

__all__ = ["StripeGateway", "StripeSettings", "decline_reason", "environ_settings", "read_api_key", "read_secret_file"]

if TYPE_CHECKING:  # pragma: no cover
    import stripe


class StripeSettings(NamedTuple):
    api_key: str
    api_base: str | None = None
    """Another address for the API (tests point it at a fake on 127.0.0.1)."""
    connect_timeout_s: int = 5
    read_timeout_s: int = 30
    max_retries: int = 2
    simulate_tap: bool | None = None
    """Simulate the customer's tap with Stripe's test helpers, whatever the store's ``stripe.simulate``
    (default None: the store's option decides); never with a live key."""
    card_wait_s: int = 60
    """How long to wait for the customer to tap before the payment is released."""
    test_card: str | None = None
    """Test mode: the card number the simulated tap presents (Stripe's test cards choose the outcome)."""


def read_api_key(environ: Mapping[str, str], key_file: Path | None = None) -> str | None:
    """The Stripe key from ``STRIPE_API_KEY``, or from ``key_file`` if only its owner can read it."""
    key = environ.get("STRIPE_API_KEY", "").strip()
    if key:
        return key
    if key_file is None or not key_file.exists():
        return None
    return read_secret_file(key_file)


def read_secret_file(path: Path) -> str | None:
    """A secret kept in a file only its owner can read (a key, a webhook signing secret); None if it is empty."""
    from pos.base.secret_files import read_owner_only

    return read_owner_only(path, "the secret file", f"No file {path}: put the secret in it, owner-only.",
                           error=InvalidInput).strip() or None


# A run of 12 to 19 digits, as a card number is, and the card facts Stripe sends back that we never keep.
_CARD_NUMBER = re.compile(r"(?<!\d)\d{12,19}(?!\d)")
_CARD_FACTS = re.compile(r'("?(?:exp_month|exp_year|fingerprint)"?\s*[:=]\s*)("[^"]*"|\w+)')


class _DropCardNumbers(logging.Filter):
    """On the SDK's logger, whose debug records hold whole requests and responses: no card number
    (a test helper's request carries a test card's), expiry or fingerprint gets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _CARD_FACTS.sub(r'\1"[removed]"', _CARD_NUMBER.sub("[card number removed]", message))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _guard_sdk_log() -> None:
    sdk_log = logging.getLogger("stripe")
    if not any(isinstance(f, _DropCardNumbers) for f in sdk_log.filters):
        sdk_log.addFilter(_DropCardNumbers())


class StripeGateway:
    """A configured Stripe client with the calls Anytender makes."""

    def __init__(self, settings: StripeSettings) -> None:
        import stripe

        self._stripe = stripe
        self.settings = settings
        self._simulated_readers: dict[str, bool] = {}
        _guard_sdk_log()
        http_client = stripe.RequestsClient(timeout=(settings.connect_timeout_s, settings.read_timeout_s))
        base: Any = {"api": settings.api_base} if settings.api_base else None
        self.client: stripe.StripeClient = stripe.StripeClient(
            settings.api_key, base_addresses=base, max_network_retries=settings.max_retries, http_client=http_client
        )

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one SDK call that cannot decline a card (a read, a cancel); every Stripe error leaves through
        :func:`payments.stripe.errors.translate`, and a card error here is nonsense: unavailable, not declined."""
        try:
            return self.call_may_decline(fn, *args, **kwargs)
        except Declined as declined:
            raise ProcessorUnavailable(f"Stripe gave an answer that makes no sense here ({declined.args[0]}): "
                                       "try again, or run 'pos payments recover'.") from declined

    def call_may_decline(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one SDK call whose refusal is the payment's answer (create, process, tap, capture, refund):
        a refused card or amount raises :class:`payments.stripe.errors.Declined`."""
        try:
            return fn(*args, **kwargs)
        except self._stripe.StripeError as exc:
            raise translate(exc) from exc

    # -- the calls -------------------------------------------------------------

    def create_intent(self, amount_minor: int, currency: str, key: str, metadata: dict[str, str]) -> Any:
        """A card-present PaymentIntent, captured later (so the final tip can be added)."""
        return self.call_may_decline(
            self.client.v1.payment_intents.create,
            params={
                "amount": amount_minor,
                "currency": currency.lower(),
                # The API version this SDK pins refuses payment_method_types here.
                "allowed_payment_method_types": ["card_present"],
                "capture_method": "manual",
                "metadata": metadata,
            },
            options={"idempotency_key": key},
        )

    def retrieve_intent(self, intent_id: str, settlement: bool = False) -> Any:
        """The intent with its charge (brand, last four, wallet: never the number or expiry we keep).

        ``settlement``: with the charge's balance transaction (fee, net, available date).
        """
        expand = "latest_charge.balance_transaction" if settlement else "latest_charge"
        return self.call(self.client.v1.payment_intents.retrieve, intent_id, params={"expand": [expand]})

    def find_intent(self, payment_id: str, created_from: int, created_to: int) -> Any | None:
        """After a crash before the intent's id was saved: the intent with this payment id in its metadata.

        Listed by creation time, which reads what was just written; PaymentIntent
        search would not do (the SDK documents it as up to an hour behind, and
        unavailable in India).
        """
        def first_match() -> Any | None:
            found = self.client.v1.payment_intents.list(
                params={"created": {"gte": created_from, "lte": created_to}, "limit": 100})
            for intent in found.auto_paging_iter():  # the next pages are fetched here: inside the mapping
                if (intent.to_dict().get("metadata") or {}).get("payment_id") == payment_id:
                    return intent
            return None

        return self.call(first_match)

    def retrieve_reader(self, reader_id: str) -> Any:
        """The reader with its current action (what it is doing, and how that ended)."""
        return self.call(self.client.v1.terminal.readers.retrieve, reader_id)

    def reader_is_simulated(self, reader_id: str) -> bool:
        """Whether the reader is one of Stripe's simulated devices (``device_type`` ``simulated_...``), as
        registered: read once per gateway (a reader's device type never changes)."""
        known = self._simulated_readers.get(reader_id)
        if known is None:
            device = str(self.retrieve_reader(reader_id).to_dict().get("device_type") or "")
            known = self._simulated_readers[reader_id] = device.startswith("simulated_")
        return known

    def is_test_key(self) -> bool:
        """A test-mode key (``sk_test_``/``rk_test_``): the only kind a tap is ever simulated with."""
        return self.settings.api_key.startswith(("sk_test_", "rk_test_"))

    def cancel_reader_action(self, reader_id: str, key: str) -> Any:
        """Stop what the reader is doing (only ever called for an action of our own intent)."""
        return self.call(self.client.v1.terminal.readers.cancel_action, reader_id, options={"idempotency_key": key})

    def process_on_reader(self, reader_id: str, intent_id: str, key: str, tip_on_minor: int | None) -> Any:
        """Hand the intent to a Terminal reader (server-driven flow).

        ``tip_on_minor``: the reader offers a tip, its suggestions reckoned on
        this amount (``process_config.tipping.amount_eligible``: the sale, not
        its tax); None: no tip screen (``skip_tipping``).
        """
        config: Any = {"skip_tipping": True}
        if tip_on_minor is not None:
            config = {"skip_tipping": False, "tipping": {"amount_eligible": tip_on_minor}}
        return self.call_may_decline(
            self.client.v1.terminal.readers.process_payment_intent, reader_id,
            params={"payment_intent": intent_id, "process_config": config},
            options={"idempotency_key": key},
        )

    def present_test_card(self, reader_id: str, tip_minor: int, key: str) -> Any:
        """Test mode only: the simulated reader's customer taps a test card (with a tip chosen on it).

        The number, when the settings name one, is one of Stripe's published
        test cards; it goes to Stripe's test helper and nowhere else.
        """
        params: Any = {"type": "card_present"}
        if self.settings.test_card:
            params["card_present"] = {"number": self.settings.test_card}
        if tip_minor:
            params["amount_tip"] = tip_minor
        return self.call_may_decline(
            self.client.v1.test_helpers.terminal.readers.present_payment_method, reader_id,
            params=params, options={"idempotency_key": key},
        )

    def capture_intent(self, intent_id: str, amount_minor: int, key: str) -> Any:
        """Take the money, with the settlement data (fee, net) of the charge."""
        return self.call_may_decline(
            self.client.v1.payment_intents.capture, intent_id,
            params={"amount_to_capture": amount_minor, "expand": ["latest_charge.balance_transaction"]},
            options={"idempotency_key": key},
        )

    def cancel_intent(self, intent_id: str, key: str) -> Any:
        return self.call(self.client.v1.payment_intents.cancel, intent_id, options={"idempotency_key": key})

    def refund(self, intent_id: str, amount_minor: int, key: str, refund_id: str | None = None) -> Any:
        """Give back ``amount_minor`` of the intent's charge, our refund's id in its metadata.

        A refusal for good (:data:`payments.stripe.errors.FINAL_REFUND_CODES`) raises
        :class:`payments.base.RefundRefused`; anything else Stripe did not do is retry-later
        (:class:`ProcessorUnavailable`).
        """
        params: Any = {"payment_intent": intent_id, "amount": amount_minor}
        if refund_id:
            params["metadata"] = {"refund_id": refund_id}

        def create() -> Any:
            try:
                return self.client.v1.refunds.create(params=params, options={"idempotency_key": key})
            except self._stripe.StripeError as exc:  # final refusals leave here; the rest through the mapping
                refused = refund_refusal(exc)
                if refused is not None:
                    raise refused from exc
                raise

        # Not call_may_decline: a card error on a refund gave nothing back and refuses nothing for good.
        return self.call(create)

    def find_refund(self, intent_id: str, refund_id: str) -> Any | None:
        """The refund of the intent's charge made for our ``refund_id`` (its metadata), if any: listed, so it is
        found after Stripe has forgotten the idempotency key it was made with (24 hours)."""
        def ours() -> Any | None:
            found = self.client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
            for made in found.auto_paging_iter():  # later pages too, inside the mapping
                if (made.to_dict().get("metadata") or {}).get("refund_id") == refund_id:
                    return made
            return None

        return self.call(ours)


    # -- payment links (Checkout Sessions) ---------------------------------------

    def create_checkout(self, amount_minor: int, currency: str, title: str, expires_at: int, key: str,
                        metadata: dict[str, str], methods: list[str] | None = None) -> Any:
        """A hosted Checkout page for one amount, paid on the customer's phone by the ``methods`` the store
        allows (default: card, which brings the phone wallets); nothing else is offered.

        No customer account is made (``customer_creation: if_required`` never
        needs one in payment mode); the payment's ids ride on the intent's
        metadata too, so a payment made through a link we lost can be found.
        """
        return self.call_may_decline(
            self.client.v1.checkout.sessions.create,
            params={
                "mode": "payment",
                "line_items": [{"quantity": 1, "price_data": {
                    "currency": currency.lower(), "unit_amount": amount_minor, "product_data": {"name": title}}}],
                "expires_at": expires_at,
                "allowed_payment_method_types": list(methods or ["card"]),
                "customer_creation": "if_required",
                "client_reference_id": metadata["payment_id"],
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata},
            },
            options={"idempotency_key": key},
        )

    def retrieve_checkout(self, session_id: str) -> Any:
        return self.call(self.client.v1.checkout.sessions.retrieve, session_id)

    def find_checkout(self, payment_id: str, created_after: int) -> Any | None:
        """After a crash before a link's id was saved: the session made for this payment, if any."""
        def first_match() -> Any | None:
            found = self.client.v1.checkout.sessions.list(params={"created": {"gte": created_after}, "limit": 100})
            for session in found.auto_paging_iter():  # later pages too, inside the mapping
                if (session.to_dict().get("metadata") or {}).get("payment_id") == payment_id:
                    return session
            return None

        return self.call(first_match)

    def expire_checkout(self, session_id: str, key: str) -> Any:
        """Close a link so it can no longer be paid."""
        return self.call(self.client.v1.checkout.sessions.expire, session_id, options={"idempotency_key": key})


    # -- settlement -------------------------------------------------------------

    def failed_refund_ids(self, created_from: int) -> list[str]:
        """The refunds whose money came back to the balance since ``created_from`` (their ``refund_failure``
        balance transactions' sources): one list, however many refunds the books hold."""
        def listed() -> list[str]:
            found = self.client.v1.balance_transactions.list(
                params={"created": {"gte": created_from}, "type": "refund_failure", "limit": 100})
            return [str(t.source) for t in found.auto_paging_iter() if t.source]

        return self.call(listed)

    def balance_transactions(self, created_from: int, created_before: int) -> list[dict[str, Any]]:
        """Everything that reached the balance in [from, before): charges, refunds, disputes, payouts (all types:
        the settlement report sorts them), with amount, fee, net, currency and ``exchange_rate``."""
        def listed() -> list[dict[str, Any]]:
            found = self.client.v1.balance_transactions.list(
                params={"created": {"gte": created_from, "lt": created_before}, "limit": 100})
            return [t.to_dict() for t in found.auto_paging_iter()]

        return self.call(listed)


def environ_settings(env: Mapping[str, str]) -> StripeSettings | None:
    """Settings from an environment the caller passes in (the CLI passes ``os.environ``)."""
    key = read_api_key(env, Path(env["POS_STRIPE_KEY_FILE"]) if env.get("POS_STRIPE_KEY_FILE") else None)
    if not key:
        return None
    test_card = env.get("POS_STRIPE_TEST_CARD", "").replace(" ", "") or None
    if test_card and not key.startswith("sk_test_"):
        raise InvalidInput("POS_STRIPE_TEST_CARD works only with a test-mode key (sk_test_...): unset it.")
    return StripeSettings(key, env.get("POS_STRIPE_API_BASE") or None, test_card=test_card)
