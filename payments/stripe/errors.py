"""Every error the Stripe SDK raises, mapped in one place onto the tender interface.

:func:`translate` turns any ``stripe.StripeError`` (and so every class in
``stripe._error``, present and future) into exactly one of:

* :class:`Declined`, internal to the Stripe processors: the card or the amount
  was refused.  :func:`declines_as_outcomes` wraps each processor verb so that
  it leaves as a declined :class:`Outcome` and never as an exception.
* :class:`~pos.base.errors.ProcessorUnavailable` or one of its subclasses here,
  which the payment flow records (``failed``, or kept for ``recover``):
  :class:`StripeMisconfigured` (a key Stripe refuses, or one without the
  permission), :class:`ReaderUnavailable` (the reader is busy, offline or did
  not answer), :class:`RateLimited` (Stripe answered 429: too many
  requests, or a lock timeout; the request never ran and may be retried
  after a pause, :mod:`payments.stripe.pacing`), :class:`UnexpectedState` (the object is not in a state that
  allows the call: the processors look again and reconcile), and
  :class:`OutcomeUnknown` (money may be held and we could not release it: the
  payment is kept for ``pos payments recover``).

A refund's errors are sorted once more (:func:`refund_refusal`): a code Stripe
gives when it will never make this refund (:data:`FINAL_REFUND_CODES`, such as
``charge_already_refunded`` or ``charge_disputed``) becomes
:class:`~payments.base.RefundRefused`, a final answer; everything else that
Stripe did not do (rate limits, ``lock_timeout``, ``api_connection_error``,
``api_error``, a key it refuses, a code we do not know) is retry-later:
:class:`~pos.base.errors.ProcessorUnavailable`, and the refund stays requested for
``pos payments recover``.

The cashier's message never holds the API key (Stripe's own messages can
quote part of it).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from payments.base import DeclineReason, Outcome, RefundRefusal, RefundRefused
from pos.base.errors import ProcessorUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from payments.base import Payment


class Declined(Exception):
    """Internal: Stripe refused the card or the amount; a processor verb returns it as a declined Outcome."""

    def __init__(self, reason: DeclineReason, message: str = "") -> None:
        super().__init__(message or reason.cashier_message)
        self.reason = reason

    def outcome(self, processor_ref: str | None = None) -> Outcome:
        return Outcome.declined(self.reason, self.args[0], processor_ref)


class StripeMisconfigured(ProcessorUnavailable):
    """Stripe refuses this register's key, or the key may not make this call: the owner must fix it."""


class ReaderUnavailable(ProcessorUnavailable):
    """The card reader is busy with something else, offline, or did not answer."""


class RateLimited(ProcessorUnavailable):
    """Stripe answered 429 (``rate_limit``, or ``lock_timeout``: another request holds the object): the request
    did not run; back off and retry it (:mod:`payments.stripe.pacing`), never take it for a failed payment."""

    def __init__(self, message: str, stripe_code: str | None = None) -> None:
        super().__init__(message)
        self.stripe_code = stripe_code
        """Stripe's error code: rate_limit or lock_timeout."""


class UnexpectedState(ProcessorUnavailable):
    """The PaymentIntent or session is not in a state that allows the call (already captured, canceled...)."""


class OutcomeUnknown(ProcessorUnavailable):
    """Stripe may hold money for the payment and could not be told to release it: keep it for ``recover``."""

    outcome_unknown = True


# Stripe's decline codes, onto our closed set (anything else: a plain decline).
_DECLINES = {
    "insufficient_funds": DeclineReason.INSUFFICIENT_FUNDS,
    "expired_card": DeclineReason.EXPIRED_CARD,
    "incorrect_cvc": DeclineReason.INCORRECT_DETAILS,
    "incorrect_number": DeclineReason.INCORRECT_DETAILS,
    "incorrect_pin": DeclineReason.INCORRECT_DETAILS,
    "invalid_pin": DeclineReason.INCORRECT_DETAILS,
    "fraudulent": DeclineReason.FRAUD_SUSPECTED,
    "stolen_card": DeclineReason.FRAUD_SUSPECTED,
    "lost_card": DeclineReason.FRAUD_SUSPECTED,
    "pickup_card": DeclineReason.FRAUD_SUSPECTED,
    "merchant_blacklist": DeclineReason.FRAUD_SUSPECTED,
    "authentication_required": DeclineReason.AUTHENTICATION_REQUIRED,
    "offline_pin_required": DeclineReason.AUTHENTICATION_REQUIRED,
    "online_or_offline_pin_required": DeclineReason.AUTHENTICATION_REQUIRED,
    "processing_error": DeclineReason.PROCESSING_ERROR,
    "customer_canceled": DeclineReason.CANCELLED,
    "merchant_canceled": DeclineReason.CANCELLED,
    "charge_expired_for_capture": DeclineReason.EXPIRED,
}


def decline_reason(code: str | None, decline_code: str | None = None) -> DeclineReason:
    """Map Stripe's ``code``/``decline_code`` pair (or a reader's ``failure_code``) onto the closed set."""
    for candidate in (decline_code, code):
        if candidate in _DECLINES:
            return _DECLINES[candidate]
    return DeclineReason.CARD_DECLINED


_KEY = re.compile(r"\b(?:sk|rk|pk)_(?:test|live)_\w*")

READER_WORDS = {
    # A reader that cannot take the payment, in the cashier's words (the API's error codes).
    "terminal_reader_busy": "The card reader is busy with another payment: wait for it to finish (or cancel it "
                            "on the reader), then try again, or take cash.",
    "terminal_reader_offline": "The card reader is offline: check that it is on and connected, then try again, "
                               "or take cash.",
    "terminal_reader_timeout": "The card reader did not answer in time: check that it is on and connected, then "
                               "try again, or take cash.",
    "terminal_reader_hardware_fault": "The card reader reported a fault: restart it, then try again, or take cash.",
}

_SLOW_DOWN = "Stripe is busy and asked the register to slow down: try again in a moment, or take cash."
_UNREACHABLE = "Card payments are unavailable right now (Stripe cannot be reached): take cash or try again."


def clean_message(text: str | None) -> str:
    """Stripe's words with any API key taken out (its messages can quote part of one)."""
    return _KEY.sub("[key]", text or "").strip()


def translate(exc: Exception) -> Exception:
    """The one mapping of a Stripe SDK error onto ours (see the module docstring)."""
    import stripe

    code = getattr(exc, "code", None)
    error = getattr(exc, "error", None)
    message = clean_message(getattr(exc, "user_message", None) or str(exc))
    if isinstance(exc, stripe.CardError):
        return Declined(decline_reason(code, getattr(error, "decline_code", None)),
                        _card_words(decline_reason(code, getattr(error, "decline_code", None))))
    if isinstance(exc, stripe.RateLimitError) or code == "lock_timeout":
        # The SDK gives a 429 no ``code`` of its own: Stripe's is in the error body.
        said = code or getattr(error, "code", None)
        return RateLimited(_SLOW_DOWN, "lock_timeout" if said == "lock_timeout" else "rate_limit")
    if isinstance(exc, stripe.APIConnectionError):
        return ProcessorUnavailable(_UNREACHABLE)
    if isinstance(exc, stripe.AuthenticationError):
        return StripeMisconfigured("Stripe refused this register's API key: ask the owner to check it.")
    if isinstance(exc, stripe.PermissionError):
        return StripeMisconfigured("This register's Stripe key may not do this (a restricted key without the "
                                   "permission): ask the owner to check the key's permissions.")
    if isinstance(exc, stripe.IdempotencyError):
        return ProcessorUnavailable("Stripe saw this payment with different details before: "
                                    "run 'pos payments recover'.")
    if isinstance(exc, stripe.SignatureVerificationError):
        return ProcessorUnavailable("A message said to come from Stripe failed its signature check: it was ignored.")
    if isinstance(exc, stripe.InvalidRequestError):
        if code in ("amount_too_small", "amount_too_large"):
            return Declined(DeclineReason.PROCESSING_ERROR,
                            f"Stripe refused the amount ({message}): take cash for it, or charge another amount.")
        if code in READER_WORDS:
            return ReaderUnavailable(READER_WORDS[str(code)])
        if code in ("payment_intent_unexpected_state", "intent_invalid_state", "checkout_session_unexpected_state"):
            return UnexpectedState(f"Stripe says the payment is not in a state for that: {message}")
        return ProcessorUnavailable(f"Stripe refused the request ({code or 'invalid request'}): {message}")
    if isinstance(exc, stripe.APIError):
        return ProcessorUnavailable("Stripe had a problem answering: try again in a moment, or take cash.")
    if isinstance(exc, stripe.StripeError):
        return ProcessorUnavailable(f"Stripe could not do it: {message or type(exc).__name__}")
    raise exc  # not Stripe's: a bug, shown as one


FINAL_REFUND_CODES = {
    # Stripe's error codes (type invalid_request_error) with which it refuses a refund for good: it gave nothing
    # back, and the same request later gets the same answer.
    "charge_already_refunded": RefundRefusal.ALREADY_REFUNDED,
    "charge_disputed": RefundRefusal.DISPUTED,
    "refund_disputed_payment": RefundRefusal.DISPUTED,
    "amount_too_large": RefundRefusal.AMOUNT_TOO_LARGE,
    "amount_too_small": RefundRefusal.AMOUNT_TOO_SMALL,
    "charge_not_refundable": RefundRefusal.NOT_REFUNDABLE,
}

RETRY_LATER_CODES = frozenset({"lock_timeout", "rate_limit", "balance_insufficient", "idempotency_key_in_use"})
"""Codes that say "not now": another request holds the object, too many requests, not enough balance yet."""


def refund_refusal(exc: Exception) -> RefundRefused | None:
    """A refund's Stripe error sorted: a final refusal (:class:`RefundRefused`), or None for retry-later (the
    caller raises :func:`translate`'s ProcessorUnavailable).  Only an ``invalid_request_error`` (or a card
    error) with a code of :data:`FINAL_REFUND_CODES` is final; rate limits, lock timeouts, connection and API
    errors, keys Stripe refuses, and codes we do not know are retried later, the refund still requested."""
    import stripe

    code = getattr(exc, "code", None)
    if not isinstance(exc, (stripe.InvalidRequestError, stripe.CardError)) or code in RETRY_LATER_CODES:
        return None
    refusal = FINAL_REFUND_CODES.get(str(code))
    if refusal is None:
        return None
    said = clean_message(getattr(exc, "user_message", None) or str(exc)).rstrip(".")
    return RefundRefused(refusal, f"Stripe refused the refund ({code}: {said}): {refusal.words}")


def _card_words(reason: DeclineReason) -> str:
    return reason.cashier_message


_Verb = TypeVar("_Verb", bound=Callable[..., Any])


def declines_as_outcomes(verb: _Verb) -> _Verb:
    """Wrap a processor verb ``(self, store, payment, ...)``: a :class:`Declined` comes back as a declined Outcome."""

    @functools.wraps(verb)
    def wrapper(self: Any, store: Any, payment: "Payment", *args: Any, **kwargs: Any) -> Any:
        try:
            return verb(self, store, payment, *args, **kwargs)
        except Declined as declined:
            return declined.outcome(payment.processor_ref)

    return wrapper  # type: ignore[return-value]
