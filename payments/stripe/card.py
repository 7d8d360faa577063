"""Card and wallet payments on a Stripe Terminal reader: the server-driven flow.

authorize: create a card-present PaymentIntent (manual capture) for the
amount plus any tip typed at the register, save its id on the payment row
at once (so a crash can always find it), hand it to the store's reader,
and wait for the customer's tap.  With a test key and a reader registered as
simulated (``stripe.simulate`` auto; yes or no to say so) the tap is
simulated with Stripe's test helpers, so the flow runs end to end without a
card; a physical reader in test mode is tapped with Stripe's physical test
cards.  The wait reads the reader's action too: its failure (the customer
cancelled on the reader) is said at once, and the reader's action is
cancelled with the intent on a timeout or Ctrl-C, so its screen clears.
capture: take the amount (plus a tip the customer chose on the reader, which
is offered only when no tip was typed: one tip per payment) and
read the processor's fee from the charge's balance transaction.
lookup (after a crash): by the saved id, else by the payment id in the
metadata of the intents listed around the payment's time (never search,
which lags).  Stripe's errors are mapped in :mod:`payments.stripe.errors`;
a cancel or capture that may be retried gets a key per attempt
(:func:`attempt_key`).
A 429 (too many requests, or a lock timeout) is never the payment's answer:
every call of the flow is retried after a jittered, growing pause within the
payment's own deadline, and the wait polls at a bounded rate
(:mod:`payments.stripe.pacing`); a wait that Stripe refuses to the end keeps
the payment for ``pos payments recover`` rather than release it unseen.

Only the brand, the last four digits, the wallet type, the authorization code and
how the card was read are kept; the card's number, expiry and CVC never reach the database.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from payments.base import CAPTURE_REFUSED, RELEASED, DeclineReason, Outcome, Payment, annotate, get_payment
from payments.stripe.errors import (READER_WORDS, Declined, OutcomeUnknown, RateLimited, ReaderUnavailable,
                                    UnexpectedState, clean_message, decline_reason, declines_as_outcomes)
from payments.stripe.gateway import StripeGateway
from payments.stripe.pacing import AFTER_WAIT_RETRY_S, Pacer
from pos.base.errors import ProcessorUnavailable
from pos.store.store import iso, utc_now
from payments.flow import tip_base_minor
from payments.stripe.limits import MAXIMUM_CHARGE_MINOR, minimum_charge_minor

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

ACCOUNT = "assets:clearing:stripe"

_Answer = TypeVar("_Answer")


def plain(obj: Any) -> dict[str, Any]:
    """An SDK object as plain nested dicts (the SDK's objects are not dicts)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def card_details(intent: dict[str, Any]) -> dict[str, Any]:
    """What we keep of the card, from a tap or an online payment: brand, last four, wallet type, and for the
    receipt the issuer's authorization code and how the card was read (``read_method``: contact_emv,
    contactless_emv, contactless_magstripe_mode, magnetic_stripe_fallback or magnetic_stripe_track2).

    Stripe puts a tap's authorization code in ``card_present.receipt`` (with the chip's EMV data, which we
    do not keep) and an online card's in ``card`` itself.  Never the number, expiry, fingerprint or CVC.
    """
    charge = intent.get("latest_charge")
    if not charge or isinstance(charge, str):
        return {}
    method = charge.get("payment_method_details") or {}
    card = method.get("card_present") or method.get("card") or {}
    wallet = (card.get("wallet") or {}).get("type")
    code = (card.get("receipt") or {}).get("authorization_code") or card.get("authorization_code")
    details = {"brand": card.get("brand"), "last4": card.get("last4"), "wallet": wallet,
               "authorization_code": code, "read_method": card.get("read_method")}
    return {k: v for k, v in details.items() if v}


def settlement_details(intent: dict[str, Any]) -> dict[str, Any]:
    """The processor's fee, net and available date, from the charge's balance transaction (if expanded).

    ``fee_minor`` and ``net_minor`` are as Stripe gives them, in the settlement currency; when that is not the
    currency charged, ``fee_currency`` names it and ``fee_booked_minor`` is the fee in the currency charged."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict) or not isinstance(charge.get("balance_transaction"), dict):
        return {}
    transaction = charge["balance_transaction"]
    details: dict[str, Any] = {
        "fee_minor": int(transaction["fee"]), "net_minor": int(transaction["net"]),
        "available_on": int(transaction["available_on"]), "balance_transaction": transaction["id"]}
    settled_in = str(transaction.get("currency") or "").upper()
    charged_in = str(intent.get("currency") or "").upper()
    if settled_in and charged_in and settled_in != charged_in:
        # Stripe converted the charge: its fee and net are in the settlement currency.  The books are in the
        # store's, so the fee is booked at the charge's own conversion (integers: the amount charged over the
        # amount settled), and the settlement currency is kept for the day close's match.
        charged, settled = int(charge.get("amount") or intent.get("amount") or 0), int(transaction["amount"])
        details["fee_currency"] = settled_in
        details["fee_booked_minor"] = (2 * int(transaction["fee"]) * charged + settled) // (2 * settled) \
            if settled > 0 else 0
    return details




def hold_expired(intent: dict[str, Any]) -> bool:
    """Whether a canceled intent was released by Stripe because its authorization window ran out (about two days
    for a card tapped in person, seven online: the charge's ``capture_before``), rather than by anyone."""
    if intent.get("status") != "canceled":
        return False
    reason, charge = intent.get("cancellation_reason"), intent.get("latest_charge")
    # The SDK's Stripe-made reasons: ``expired``; ``automatic`` on an intent that was authorized (it has a charge)
    # is Stripe cancelling an uncaptured hold on its own, too.
    if reason == "expired" or (reason == "automatic" and charge):
        return True
    method = (charge.get("payment_method_details") or {}) if isinstance(charge, dict) else {}
    card = method.get("card_present") or method.get("card") or {}
    before, canceled_at = card.get("capture_before"), intent.get("canceled_at")
    return bool(before and canceled_at and int(canceled_at) >= int(before))


def reader_tip_base(store: "Store", payment: Payment) -> int | None:
    """What the reader reckons its tip suggestions on, or None: the reader offers no tip.

    One tip per payment, from one place: a tip typed at the register is the
    tip (the reader is told to skip tipping); otherwise the reader offers one
    only if someone real would receive it (checked before any money moves),
    on the sale before tax (:func:`payments.flow.tip_base_minor`).
    """
    from pos.base.errors import AnytenderError
    from pos.tips.tips import tip_account

    if payment.tip_minor:
        return None  # typed at the register: that is the tip
    if payment.tip_to is None:
        return None  # nobody who may receive it (an unattended kiosk, a direct tip with no name)
    try:
        if not payment.details.get("tip_own_service"):  # checked against who served it when it was requested
            tip_account(store, payment.tip_to)
    except AnytenderError:
        return None
    base = tip_base_minor(store, payment.order_id, payment.amount_minor)
    return base if base > 0 else None  # Stripe wants a positive amount


def attempt_key(store: "Store", payment: Payment, operation: str) -> str:
    """A fresh idempotency key for one more attempt at ``operation`` (``cancel``, ``capture``, ``expire``).

    Stripe keeps the first answer to a key for 24 hours, errors included, so
    a retry under the same key would only ever get the same failure back.
    Each attempt is numbered on the payment row (``details.attempts``),
    written *before* the call, so a key is never used for two attempts, even
    across a crash.  These operations are safe to repeat with a new key:
    Stripe refuses to capture or cancel twice, and the refusal is reconciled.
    """
    with store.write() as conn:
        row = conn.execute("SELECT details FROM payments WHERE id = ?", (payment.id,)).fetchone()
        details = json.loads(row["details"] or "{}") if row else {}
        attempts = dict(details.get("attempts") or {})
        attempts[operation] = number = int(attempts.get(operation, 0)) + 1
        details["attempts"] = attempts
        conn.execute("UPDATE payments SET details = ?, updated_at = ? WHERE id = ?",
                     (json.dumps(details, sort_keys=True), iso(utc_now()), payment.id))
    return payment.key_for(f"{operation}:{number}")


# How far around the payment row's time an intent made for it may be dated (clock skew, the SDK's retries).
_SKEW_S = 300
_CREATE_WINDOW_S = 3600


class StripeTerminalProcessor:
    """The card processor of a store that uses Stripe (see the module docstring).

    Every verb returns an :class:`Outcome` or raises
    :class:`~pos.base.errors.ProcessorUnavailable` (see :mod:`payments.stripe.errors`).
    """

    def __init__(self, gateway: StripeGateway, reader_id: str, simulate: str = "auto", wait_s: int = 60,
                 pacer: Pacer | None = None) -> None:
        self.gateway = gateway
        self.reader_id = reader_id
        self.simulate = simulate
        """The store's ``stripe.simulate``: auto, yes or no."""
        self.wait_s = wait_s
        self.pacer = pacer or Pacer()

    def _paced(self, call: Callable[[], _Answer], deadline: float) -> _Answer:
        """Make the call, and again after a pause each time Stripe answers 429, until ``deadline``.

        A 429 is answered before the request runs, so a retry under the same idempotency key is a first try."""
        attempt = 0
        while True:
            try:
                return call()
            except RateLimited:
                if not self.pacer.backoff(attempt, deadline):
                    raise
                attempt += 1

    def simulates_tap(self) -> bool:
        """Whether the customer's tap is simulated with Stripe's test helper: never with a live key; with a test
        key, as ``stripe.simulate`` says (auto: only on a reader registered as simulated, read once), so a
        shop's physical reader is tapped with Stripe's physical test cards."""
        if not self.gateway.is_test_key() or self.simulate == "no":
            return False
        return self.simulate == "yes" or self.gateway.reader_is_simulated(self.reader_id)

    @declines_as_outcomes
    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        deadline = self.pacer.clock() + self.wait_s  # the payment's own: every wait and back-off ends by it
        # Before anything is charged: a reader that cannot be read stops here.
        simulate_tap = self._paced(self.simulates_tap, deadline)
        intent = self._paced(lambda: self.gateway.create_intent(
            payment.amount_minor + payment.tip_minor, payment.currency, payment.key_for("create"),
            {"payment_id": payment.id, "order_id": payment.order_id},
        ), deadline)
        payment = annotate(store, payment, intent.id)
        try:
            tip_base = reader_tip_base(store, payment)
            self._paced(lambda: self.gateway.process_on_reader(self.reader_id, intent.id, payment.key_for("process"),
                                                               tip_base), deadline)
            if simulate_tap:
                self._paced(lambda: self.gateway.present_test_card(self.reader_id, 0, payment.key_for("present")),
                            deadline)
            return self._wait_for_tap(store, payment, intent.id, deadline)
        except KeyboardInterrupt:
            # The cashier pressed Ctrl-C: release the intent, so no money moves later.
            self._release(store, payment, intent.id, "The card payment was interrupted at the register")
            return Outcome.declined(DeclineReason.CANCELLED, "The card payment was cancelled at the register.", intent.id)
        except Declined as declined:
            self._release(store, payment, intent.id, "The card was refused")
            return declined.outcome(intent.id)
        except ProcessorUnavailable as exc:
            if getattr(exc, "outcome_unknown", False):
                raise
            # The reader never took it, or we lost sight of it: release it, so nothing is charged later.
            self._release(store, payment, intent.id, exc.message)
            raise

    def _wait_for_tap(self, store: "Store", payment: Payment, intent_id: str, deadline: float) -> Outcome:
        """Poll the intent (and the reader) until the customer taps, the card is declined, or time runs out.

        At most one read of each a poll interval; a 429 is waited out with a growing pause, never past the
        ``deadline``.  If Stripe refuses every read to the end, whether the customer tapped is unknown: the
        payment is kept for ``pos payments recover`` (which takes or releases it), never released unseen.
        """
        waiting = store.memo.get("on_card_wait")  # the CLI's spinner, if any
        pacer = self.pacer
        started = pacer.clock()
        refused = 0  # 429s in a row
        while True:
            poll_started = pacer.clock()
            try:
                current = plain(self.gateway.retrieve_intent(intent_id))
            except RateLimited as exc:
                if not pacer.backoff(refused, deadline, pacer.poll_interval_s - (pacer.clock() - poll_started)):
                    raise OutcomeUnknown("Stripe kept asking the register to slow down until the wait ran out, so "
                                         "whether the customer paid is not known: the payment is kept; run 'pos "
                                         "payments recover' in a minute.") from exc
                refused += 1
                continue
            refused = 0
            if current["status"] == "requires_capture":
                return Outcome.ok(intent_id, **card_details(current))
            error = current.get("last_payment_error")
            if current["status"] == "canceled":
                return Outcome.declined(DeclineReason.CANCELLED, processor_ref=intent_id)
            if current["status"] == "requires_payment_method" and error:
                self._release(store, payment, intent_id, "The card was declined")
                return Outcome.declined(decline_reason(error.get("code"), error.get("decline_code")),
                                        processor_ref=intent_id)
            failed = self._failed_action(intent_id)
            if failed is not None:  # the customer cancelled on the reader, or it could not read the card
                self._release(store, payment, intent_id, "The reader stopped the payment")
                return Outcome.declined(reader_failure_reason(failed.get("failure_code")),
                                        reader_words(failed), intent_id)
            elapsed = pacer.clock() - started
            if pacer.clock() >= deadline:
                self._release(store, payment, intent_id, "No card was presented in time")
                return Outcome.declined(DeclineReason.EXPIRED, "No card was presented in time: try again.", intent_id)
            if callable(waiting):
                waiting(int(elapsed))
            pacer.until_next_poll(poll_started, deadline)

    def _failed_action(self, intent_id: str) -> dict[str, Any] | None:
        """The reader's action for this intent, if it failed (the intent's status is what counts: a reader
        that cannot be read just means waiting on).

        A reader Stripe reports offline cannot finish the payment: :class:`ReaderUnavailable` at once (the
        caller releases the intent), rather than waiting out ``card_wait_s``.
        """
        try:
            reader = plain(self.gateway.retrieve_reader(self.reader_id))
        except ProcessorUnavailable:
            return None
        action = reader.get("action") or {}
        ours = (action.get("process_payment_intent") or {}).get("payment_intent") == intent_id
        if ours and action.get("status") == "failed":
            return action
        if reader.get("status") == "offline":
            raise ReaderUnavailable(READER_WORDS["terminal_reader_offline"])
        return None

    def _release(self, store: "Store", payment: Payment, intent_id: str, why: str) -> None:
        """Cancel the intent (and the reader's action for it, if it has one), under a key of its own per attempt.

        Already canceled counts as released.  If Stripe cannot be told, the
        payment is kept for ``pos payments recover`` (:class:`OutcomeUnknown`).
        """
        try:
            try:
                action = plain(self.gateway.retrieve_reader(self.reader_id)).get("action") or {}
                if action.get("status") == "in_progress" and \
                        (action.get("process_payment_intent") or {}).get("payment_intent") == intent_id:
                    self.gateway.cancel_reader_action(self.reader_id, attempt_key(store, payment, "cancel_action"))
            except ProcessorUnavailable:
                pass  # the reader is only told so its screen clears; the intent's cancel is what counts
            try:  # a 429 is retried (a key per attempt) for a while before the payment is kept for recover
                self._paced(lambda: self.gateway.cancel_intent(intent_id, attempt_key(store, payment, "cancel")),
                            self.pacer.clock() + AFTER_WAIT_RETRY_S)
            except UnexpectedState:
                status = plain(self.gateway.retrieve_intent(intent_id))["status"]
                if status != "canceled":
                    raise
        except ProcessorUnavailable as exc:
            raise OutcomeUnknown(f"{why}, and Stripe could not be told to release it: the payment is kept; "
                                 "run 'pos payments recover' once Stripe answers.") from exc
        # Known released: a row marked failed after this needs no reconciling (payments.service.recover).
        annotate(store, get_payment(store, payment.id), details={RELEASED: True})

    @declines_as_outcomes
    def capture(self, store: "Store", payment: Payment) -> Outcome:
        ref = payment.processor_ref or self._ref(store, payment)
        retry_until = self.pacer.clock() + AFTER_WAIT_RETRY_S  # 429s are waited out this long, then it stays held
        current = plain(self._paced(lambda: self.gateway.retrieve_intent(ref), retry_until))
        if current["status"] != "requires_capture":
            return self._settled(ref, current, payment)
        total = int(current.get("amount_capturable") or current["amount"])  # with a tip chosen on the reader
        if payment.tip_minor:  # a tip typed at the register is the one tip: never a second from the reader
            total = min(total, payment.amount_minor + payment.tip_minor)
        try:
            captured = plain(self._paced(
                lambda: self.gateway.capture_intent(ref, total, attempt_key(store, payment, "capture")), retry_until))
        except UnexpectedState:
            return self._settled(ref, plain(self.gateway.retrieve_intent(ref)), payment)
        except Declined as declined:
            # Said on the row first: whatever happens next, recover releases this hold and never captures it.
            payment = annotate(store, payment, details={CAPTURE_REFUSED: declined.reason.value})
            try:
                self._release(store, payment, ref, "The capture was refused")
            except OutcomeUnknown as exc:
                # The hold stays on the customer's card until Stripe confirms its release: the payment is kept
                # authorized (marked capture_refused) for 'pos payments recover', which releases it.
                raise OutcomeUnknown(f"Stripe refused the capture ({declined.args[0].rstrip('.')}) and could not be "
                                     "told to release the customer's hold, which recover releases.") from exc
            return declined.outcome(ref)
        return taken(ref, captured, payment, total)

    def _settled(self, ref: str, intent: dict[str, Any], payment: Payment) -> Outcome:
        """Capture found the intent no longer waiting: taken already (a retry), or released."""
        if intent["status"] == "succeeded":
            return taken(ref, plain(self.gateway.retrieve_intent(ref, settlement=True)), payment)
        if intent["status"] == "canceled":
            if hold_expired(intent):
                return Outcome.declined(DeclineReason.AUTHORIZATION_EXPIRED, processor_ref=ref)
            return Outcome.declined(DeclineReason.EXPIRED, "The card's authorization was released before it was "
                                    "taken: take the payment again.", ref)
        error = intent.get("last_payment_error") or {}
        return Outcome.declined(decline_reason(error.get("code"), error.get("decline_code")), processor_ref=ref)

    @declines_as_outcomes
    def void(self, store: "Store", payment: Payment) -> Outcome:
        ref = payment.processor_ref or self._ref(store, payment)
        if not ref:
            found = self._find(payment)
            ref = str(found["id"]) if found else ""
        if ref:
            status = plain(self.gateway.retrieve_intent(ref))["status"]
            if status == "succeeded":
                return Outcome.declined(DeclineReason.CANCELLED, "the card payment was taken already: refund it "
                                        "instead", ref)
            if status != "canceled":
                self._release(store, payment, ref, "The payment could not be released")
        return Outcome.ok(ref)

    @declines_as_outcomes
    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str,
               refund_id: str | None = None) -> Outcome:
        refund = self.gateway.refund(payment.processor_ref or self._ref(store, payment), amount_minor, key, refund_id)
        return refund_outcome(plain(refund))

    def find_refund(self, store: "Store", payment: Payment, refund_id: str) -> Outcome | None:
        return found_refund(self.gateway, payment.processor_ref or self._ref(store, payment), refund_id)

    @declines_as_outcomes
    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        ref = payment.processor_ref or self._ref(store, payment)
        found = plain(self.gateway.retrieve_intent(ref)) if ref else self._find(payment)
        if found is None:
            return None
        intent = found
        if not ref:
            annotate(store, payment, intent["id"])
            intent = plain(self.gateway.retrieve_intent(intent["id"]))
        if intent["status"] == "succeeded":  # captured before the crash: read its settlement (and any reader tip)
            return taken(intent["id"], plain(self.gateway.retrieve_intent(intent["id"], settlement=True)), payment)
        if intent["status"] == "requires_capture":
            return Outcome.ok(intent["id"], **card_details(intent))._replace(authorized_only=True)
        if intent["status"] == "canceled":
            if hold_expired(intent):  # Stripe released the hold at the end of its window: nothing was taken
                return Outcome.declined(DeclineReason.AUTHORIZATION_EXPIRED, processor_ref=intent["id"])
            return Outcome.declined(DeclineReason.CANCELLED, processor_ref=intent["id"])
        error = intent.get("last_payment_error")
        if error:
            return Outcome.declined(decline_reason(error.get("code"), error.get("decline_code")),
                                    processor_ref=intent["id"])
        return None  # created but never tapped: nothing was charged (void releases it)

    def _find(self, payment: Payment) -> dict[str, Any] | None:
        """The intent made for a payment whose row lost its id (a crash between create and save)."""
        made = int(payment.created_at.timestamp())
        found = self.gateway.find_intent(payment.id, made - _SKEW_S, made + _CREATE_WINDOW_S)
        return plain(found) if found is not None else None

    def _ref(self, store: "Store", payment: Payment) -> str:
        row = store.one("SELECT processor_ref FROM payments WHERE id = ?", (payment.id,))
        return str(row["processor_ref"]) if row and row["processor_ref"] else ""


def taken(ref: str, intent: dict[str, Any], payment: Payment, total: int | None = None) -> Outcome:
    """A captured intent as the payment's approved Outcome: the card, the settlement, and the tip the customer
    chose on the reader (what Stripe took beyond the payment's amount and any tip typed at the register; ``total``:
    what was asked to be captured, when Stripe's answer does not say what it took).

    One reading for a capture answered now and for one found made already (a retried capture, recover after an
    interruption), so a reader's tip is booked whichever way the capture is learnt of."""
    outcome = Outcome.ok(ref, **card_details(intent), **settlement_details(intent))
    received = int(intent.get("amount_received") or total or 0)
    reader_tip = received - payment.amount_minor - payment.tip_minor
    return outcome._replace(tip_minor=reader_tip) if reader_tip > 0 else outcome


# A reader action's failure_code, in the cashier's words (a code for the card itself: its decline's words).
_READER_FAILURES = {
    "customer_canceled": "The customer cancelled the payment on the card reader: offer it again or another tender.",
    "merchant_canceled": "The payment was cancelled on the card reader (from a register or the Stripe Dashboard): "
                         "offer it again or another tender.",
}


def reader_failure_reason(code: str | None) -> DeclineReason:
    """Why a reader's action failed, in the closed set: a card's decline as such, anything else the reader's
    own trouble (a processing error, never "declined by its bank")."""
    if code in _READER_FAILURES:
        return DeclineReason.CANCELLED
    if code == "card_declined" or decline_reason(code) is not DeclineReason.CARD_DECLINED:
        return decline_reason(code)
    return DeclineReason.PROCESSING_ERROR


def reader_words(action: dict[str, Any]) -> str:
    """The failed reader action's reason in the cashier's words, with what to do next; a code we do not know
    is told with the reader's own message (``failure_message``, without any key, kept short)."""
    code = action.get("failure_code")
    if code in _READER_FAILURES:
        return _READER_FAILURES[str(code)]
    reason = reader_failure_reason(code)
    if reason is not DeclineReason.PROCESSING_ERROR or code == "processing_error":
        return reason.cashier_message
    said = " ".join(clean_message(action.get("failure_message")).split())[:160].rstrip(" .")
    return f"The card reader stopped the payment ({said or code or 'it gave no reason'}): try again, " \
           "or offer another tender."


def check_charge(store: "Store", amount_minor: int, currency: str) -> None:
    """Refuse, before anything is written or sent, a card charge Stripe would refuse (its minimum, its maximum)."""
    from pos.base.errors import NotAllowed
    from pos.base.money_format import store_money

    minimum = minimum_charge_minor(currency)
    if minimum is not None and amount_minor < minimum:
        raise NotAllowed(f"A card payment must be at least {store_money(store, minimum)} (Stripe's minimum): "
                         f"take the last {store_money(store, amount_minor)} in cash.")
    if amount_minor > MAXIMUM_CHARGE_MINOR:
        raise NotAllowed(f"A card payment can be at most {store_money(store, MAXIMUM_CHARGE_MINOR)} (Stripe's "
                         "maximum): split it into several payments.")


def found_refund(gateway: StripeGateway, intent_id: str | None, refund_id: str) -> Outcome | None:
    """The refund Stripe made for our ``refund_id`` on the intent's charge, as an approved Outcome with its status
    (:func:`refund_outcome`); None when it made none."""
    if not intent_id:
        return None
    made = gateway.find_refund(intent_id, refund_id)
    return None if made is None else refund_outcome(plain(made))


def refund_outcome(refund: dict[str, Any]) -> Outcome:
    """A Stripe refund as an approved Outcome carrying its ``refund_status`` (pending, succeeded, failed...) and
    any ``failure_reason``: what :mod:`payments.stripe.refund_outcomes` books.  A refund that failed or was cancelled
    is found too, so recover says the customer was not paid back rather than sending it again."""
    details: dict[str, Any] = {"refund_status": str(refund.get("status") or "pending")}
    if refund.get("failure_reason"):
        details["failure_reason"] = str(refund["failure_reason"])
    return Outcome.ok(str(refund["id"]), **details)
