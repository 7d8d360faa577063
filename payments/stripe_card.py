"""Card and wallet payments on a Stripe Terminal reader: the server-driven flow.

authorize: create a card-present PaymentIntent (manual capture) for the
amount plus any tip typed at the register, save its id on the payment row
at once (so a crash can always find it), hand it to the store's reader,
and wait for the customer's tap.  In test mode the tap is simulated with
Stripe's test helpers, so the flow runs end to end without a card.
capture: take the amount (plus a tip the customer chose on the reader) and
read the processor's fee from the charge's balance transaction.
lookup (after a crash): by the saved id, else by the payment id in the
intent's metadata.

Only the brand, the last four digits and the wallet type are kept; the
card's number, expiry and CVC never reach the database.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from payments.base import DeclineReason, Outcome, Payment, annotate
from payments.stripe_gateway import StripeGateway, decline_reason

if TYPE_CHECKING:  # pragma: no cover
    from pos.store import Store

ACCOUNT = "assets:clearing:stripe"


def plain(obj: Any) -> dict[str, Any]:
    """An SDK object as plain nested dicts (the SDK's objects are not dicts)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def card_details(intent: dict[str, Any]) -> dict[str, Any]:
    """What we keep of the card: brand, last four and wallet type, from a tap or an online payment."""
    charge = intent.get("latest_charge")
    if not charge or isinstance(charge, str):
        return {}
    method = charge.get("payment_method_details") or {}
    card = method.get("card_present") or method.get("card") or {}
    wallet = (card.get("wallet") or {}).get("type")
    details = {"brand": card.get("brand"), "last4": card.get("last4")}
    if wallet:
        details["wallet"] = wallet
    return {k: v for k, v in details.items() if v}


def settlement_details(intent: dict[str, Any]) -> dict[str, Any]:
    """The processor's fee, net and available date, from the charge's balance transaction (if expanded)."""
    charge = intent.get("latest_charge")
    transaction = charge.get("balance_transaction") if isinstance(charge, dict) else None
    if not isinstance(transaction, dict):
        return {}
    return {"fee_minor": int(transaction["fee"]), "net_minor": int(transaction["net"]),
            "available_on": int(transaction["available_on"]), "balance_transaction": transaction["id"]}


def _may_tip(store: "Store", payment: Payment) -> bool:
    """Offer a tip on the reader only if someone real would receive it (checked before any money moves)."""
    from pos.errors import AnytenderError
    from pos.tips import tip_account

    if payment.tip_to is None:
        return False  # nobody who may receive it (an unattended kiosk, a direct tip with no name)
    try:
        tip_account(store, payment.tip_to)
    except AnytenderError:
        return False
    return True


class StripeTerminalProcessor:
    """The card processor of a store that uses Stripe (see the module docstring)."""

    def __init__(self, gateway: StripeGateway, reader_id: str, simulate_tap: bool, wait_s: int = 60) -> None:
        self.gateway = gateway
        self.reader_id = reader_id
        self.simulate_tap = simulate_tap
        self.wait_s = wait_s

    def authorize(self, store: "Store", payment: Payment) -> Outcome:
        intent = self.gateway.create_intent(
            payment.amount_minor + payment.tip_minor, payment.currency, payment.key_for("create"),
            {"payment_id": payment.id, "order_id": payment.order_id},
        )
        annotate(store, payment, intent.id)
        self.gateway.process_on_reader(self.reader_id, intent.id, payment.key_for("process"), _may_tip(store, payment))
        if self.simulate_tap:
            self.gateway.present_test_card(self.reader_id, 0, payment.key_for("present"))
        try:
            return self._wait_for_tap(store, payment, intent.id)
        except KeyboardInterrupt:
            # The cashier pressed Ctrl-C: release the intent, so no money moves later.
            self.gateway.cancel_intent(intent.id, payment.key_for("cancel"))
            return Outcome.declined(DeclineReason.CANCELLED, "The card payment was cancelled at the register.", intent.id)

    def _wait_for_tap(self, store: "Store", payment: Payment, intent_id: str) -> Outcome:
        """Poll the intent until the customer taps, the card is declined, or time runs out."""
        waiting = store.memo.get("on_card_wait")  # the CLI's spinner, if any
        started = time.monotonic()
        intent = plain(self.gateway.retrieve_intent(intent_id))
        while True:
            current = intent
            if current["status"] == "requires_capture":
                return Outcome.ok(intent_id, **card_details(current))
            error = current.get("last_payment_error")
            if current["status"] == "canceled":
                return Outcome.declined(DeclineReason.CANCELLED, processor_ref=intent_id)
            if current["status"] == "requires_payment_method" and error:
                return Outcome.declined(decline_reason(error.get("code"), error.get("decline_code")),
                                        processor_ref=intent_id)
            elapsed = time.monotonic() - started
            if elapsed > self.wait_s:
                self.gateway.cancel_intent(intent_id, payment.key_for("cancel"))
                return Outcome.declined(DeclineReason.EXPIRED, "No card was presented in time: try again.", intent_id)
            if callable(waiting):
                waiting(int(elapsed))
            time.sleep(0.5)
            intent = plain(self.gateway.retrieve_intent(intent_id))

    def capture(self, store: "Store", payment: Payment) -> Outcome:
        ref = payment.processor_ref or self._ref(store, payment)
        current = plain(self.gateway.retrieve_intent(ref))
        total = int(current["amount"])  # includes a tip the customer chose on the reader
        captured = plain(self.gateway.capture_intent(ref, total, payment.key_for("capture")))
        outcome = Outcome.ok(ref, **card_details(captured), **settlement_details(captured))
        reader_tip = total - payment.amount_minor - payment.tip_minor
        return outcome._replace(tip_minor=reader_tip) if reader_tip > 0 else outcome

    def void(self, store: "Store", payment: Payment) -> Outcome:
        ref = payment.processor_ref or self._ref(store, payment)
        if ref:
            self.gateway.cancel_intent(ref, payment.key_for("cancel"))
        return Outcome.ok(ref)

    def refund(self, store: "Store", payment: Payment, amount_minor: int, key: str) -> Outcome:
        refund = self.gateway.refund(payment.processor_ref or self._ref(store, payment), amount_minor, key)
        return Outcome.ok(refund.id)

    def lookup(self, store: "Store", payment: Payment) -> Outcome | None:
        ref = payment.processor_ref or self._ref(store, payment)
        found = self.gateway.retrieve_intent(ref) if ref else self.gateway.find_intent(payment.id)
        if found is None:
            return None
        intent = plain(found)
        if not ref:
            annotate(store, payment, intent["id"])
            intent = plain(self.gateway.retrieve_intent(intent["id"]))
        if intent["status"] == "succeeded":  # captured before the crash: read its settlement too
            settled = plain(self.gateway.retrieve_intent(intent["id"], settlement=True))
            return Outcome.ok(intent["id"], **card_details(settled), **settlement_details(settled))
        if intent["status"] == "requires_capture":
            return Outcome.ok(intent["id"], **card_details(intent))._replace(authorized_only=True)
        if intent["status"] == "canceled":
            return Outcome.declined(DeclineReason.CANCELLED, processor_ref=intent["id"])
        error = intent.get("last_payment_error")
        if error:
            return Outcome.declined(decline_reason(error.get("code"), error.get("decline_code")),
                                    processor_ref=intent["id"])
        return None  # created but never tapped: nothing was charged

    def _ref(self, store: "Store", payment: Payment) -> str:
        row = store.one("SELECT processor_ref FROM payments WHERE id = ?", (payment.id,))
        return str(row["processor_ref"]) if row and row["processor_ref"] else ""

