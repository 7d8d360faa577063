"""A small stateful fake of the Stripe API on 127.0.0.1, for the real `stripe` SDK to talk to.

Only the endpoints Anytender uses exist.  Like the real API it rejects
unknown parameters (400, ``invalid_request_error``), honours idempotency
keys (same key and parameters: the same response; same key, other
parameters: ``idempotency_error``), and fails on cue: a decline, a slow
answer (the client times out), or a dropped response after the work was
done (the client retries with the same key and must not charge twice).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

ALLOWED = {
    ("POST", "/v1/payment_intents"): {
        "amount", "currency", "allowed_payment_method_types", "capture_method", "metadata", "description",
        "payment_method", "confirm",
    },
    ("POST", "/v1/payment_intents/{id}/capture"): {"amount_to_capture", "expand"},
    ("POST", "/v1/payment_intents/{id}/cancel"): {"cancellation_reason"},
    ("GET", "/v1/payment_intents/{id}"): {"expand"},
    ("POST", "/v1/refunds"): {"payment_intent", "amount", "metadata", "reason"},
    ("GET", "/v1/payment_intents/search"): {"query", "limit"},
    ("POST", "/v1/terminal/readers/{id}/process_payment_intent"): {"payment_intent", "process_config"},
    ("POST", "/v1/test_helpers/terminal/readers/{id}/present_payment_method"): {"amount_tip", "card_present", "type"},
    ("POST", "/v1/checkout/sessions"): {
        "mode", "line_items", "expires_at", "customer_creation", "client_reference_id", "metadata",
        "payment_intent_data", "success_url", "cancel_url", "submit_type", "expand",
    },
    ("GET", "/v1/balance_transactions"): {"created", "limit", "starting_after", "type"},
    ("GET", "/v1/checkout/sessions"): {"created", "limit", "starting_after", "status", "payment_intent"},
    ("GET", "/v1/checkout/sessions/{id}"): {"expand"},
    ("POST", "/v1/checkout/sessions/{id}/expire"): {"expand"},
}


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields as the SDK encodes them (``metadata[a]=1``, ``line_items[0][price_data][currency]=usd``)
    back into nested dicts and lists."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        head, *rest = key.replace("]", "").split("[")
        node = out
        path = [head, *rest]
        for name in path[:-1]:
            node = node.setdefault(name, {})
        node[path[-1]] = value
    return _listify(out)


def _listify(node: Any) -> Any:
    """Dicts keyed 0, 1, 2... are the lists the SDK sent."""
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}


# Stripe's test card numbers for a simulated tap: (brand, decline code or None).
TEST_CARDS = {
    "4242424242424242": ("visa", None),
    "5555555555554444": ("mastercard", None),
    "4000000000009995": ("visa", "insufficient_funds"),
    "4000000000000002": ("visa", "generic_decline"),
    "4000000000000069": ("visa", "expired_card"),
}

# Nested parameters the fake knows for checkout line items; anything else is refused, as Stripe does.
LINE_ITEM = {"quantity", "price_data"}
PRICE_DATA = {"currency", "unit_amount", "product_data"}


class FakeStripe:
    """Start with :meth:`start`; ``base`` is the address to give the SDK."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.balance: list[dict[str, Any]] = []
        """Balance transactions, as the settlement report lists them."""
        self.clock_offset_s = 0
        """Added to the fake's clock (to let a link run out without waiting)."""
        self.readers: dict[str, str] = {}
        self.reader_config: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.cue: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._counter = 0
        self.server: ThreadingHTTPServer | None = None

    # -- control ---------------------------------------------------------------

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                return None

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # a client that timed out and left is part of the tests

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def decline_next(self, decline_code: str = "insufficient_funds", code: str = "card_declined") -> None:
        self.cue["decline"] = (code, decline_code)

    def slow_next(self, seconds: float) -> None:
        self.cue["slow"] = seconds

    def drop_next_response(self) -> None:
        """Do the next POST's work, then close the connection without answering."""
        self.cue["drop"] = True

    # -- the API -----------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_fake{self._counter:06d}"

    def _route(self, method: str, path: str) -> tuple[tuple[str, str] | None, str | None]:
        parts = path.strip("/").split("/")
        if path == "/v1/payment_intents/search":
            return (method, path), None
        if "readers" in parts:
            at = parts.index("readers")
            rest = "/" + "/".join([*parts[:at + 1], "{id}", *parts[at + 2:]])
            return ((method, rest) if (method, rest) in ALLOWED else None), parts[at + 1]
        if len(parts) >= 4 and parts[1:3] == ["checkout", "sessions"]:
            rest = "/".join(["", "v1", "checkout", "sessions", "{id}", *parts[4:]])
            return ((method, rest) if (method, rest) in ALLOWED else None), parts[3]
        if len(parts) >= 3 and parts[1] == "payment_intents":
            rest = "/".join(["", "v1", "payment_intents", "{id}", *parts[3:]])
            return ((method, rest) if (method, rest) in ALLOWED else None), parts[2]
        return ((method, path) if (method, path) in ALLOWED else None), None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        params = _nest(parse_qsl(body if method == "POST" else url.query, keep_blank_values=True))
        key = handler.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append((method, url.path, params, key))
            slow = self.cue.pop("slow", None)
        if slow:
            time.sleep(slow)
        route, object_id = self._route(method, url.path)
        if route is None:
            return self._send(handler, 404, {"error": {"type": "invalid_request_error",
                                                       "message": f"Unrecognized request URL ({method}: {url.path})."}})
        unknown = sorted(set(params) - ALLOWED[route])
        if unknown:
            return self._send(handler, 400, {"error": {"type": "invalid_request_error", "param": unknown[0],
                                                       "message": f"Received unknown parameter: {unknown[0]}"}})
        signature = json.dumps([method, url.path, params], sort_keys=True)
        with self._lock:
            if method == "POST" and key and key in self.idempotency:
                seen_signature, status, payload = self.idempotency[key]
                if seen_signature != signature:
                    return self._send(handler, 400, {"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters."}})
                return self._send(handler, status, payload)
            status, payload = self._do(route, object_id, params)
            if method == "POST" and key:
                self.idempotency[key] = (signature, status, payload)
            drop = method == "POST" and self.cue.pop("drop", False)
        if drop:
            handler.close_connection = True
            handler.connection.shutdown(2)  # the work is done, the answer is lost
            return None
        return self._send(handler, status, payload)

    def _do(self, route: tuple[str, str], object_id: str | None, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method, path = route
        if path.startswith("/v1/checkout/sessions"):
            return self._checkout(method, path, object_id, params)
        if path == "/v1/balance_transactions":
            created = params.get("created") or {}
            lo, hi = int(created.get("gte", 0)), int(created.get("lt", 2 ** 40))
            found = [t for t in self.balance if lo <= t["created"] < hi]
            return 200, {"object": "list", "data": found, "has_more": False, "url": path}
        if path == "/v1/payment_intents":
            for name in ("amount", "currency"):
                if name not in params:
                    return 400, {"error": {"type": "invalid_request_error", "param": name,
                                           "message": f"Missing required param: {name}."}}
            intent = {
                "id": self._id("pi"), "object": "payment_intent", "amount": int(params["amount"]),
                "currency": params["currency"], "status": "requires_payment_method",
                "capture_method": params.get("capture_method", "automatic"),
                "metadata": params.get("metadata", {}), "amount_received": 0, "latest_charge": None,
            }
            self.intents[intent["id"]] = intent
            return 200, intent
        if path == "/v1/refunds":
            return self._refund(params)
        if path == "/v1/payment_intents/search":
            wanted = params.get("query", "")
            found = [i for i in self.intents.values()
                     if any(f"metadata['{k}']:'{v}'" == wanted for k, v in i["metadata"].items())]
            return 200, {"object": "search_result", "data": found, "has_more": False, "url": path}
        if path.endswith("/process_payment_intent"):
            intent_id = params.get("payment_intent", "")
            if intent_id not in self.intents:
                return 400, {"error": {"type": "invalid_request_error", "message": f"No such payment_intent: '{intent_id}'"}}
            self.readers[object_id or ""] = intent_id
            self.reader_config[object_id or ""] = params.get("process_config", {})
            return 200, {"id": object_id, "object": "terminal.reader", "action": {
                "type": "process_payment_intent", "status": "in_progress",
                "process_payment_intent": {"payment_intent": intent_id}}}
        if path.endswith("/present_payment_method"):
            intent_id = self.readers.get(object_id or "")
            if intent_id is None:
                return 400, {"error": {"type": "invalid_request_error", "message": "The reader has no action in progress."}}
            tip = int(params.get("amount_tip", 0)) or int(self.cue.pop("tip", 0))
            if self.reader_config.get(object_id or "", {}).get("skip_tipping") == "true":
                tip = 0  # the reader never offered a tip
            number = (params.get("card_present") or {}).get("number")
            if number is not None and number not in TEST_CARDS:
                return 400, _invalid(f"{number} is not a supported test card number.", "card_present[number]")
            self.authorize(intent_id, tip_minor=tip, wallet=self.cue.pop("wallet", None), number=number)
            return 200, {"id": object_id, "object": "terminal.reader", "action": {"status": "succeeded"}}
        if object_id not in self.intents:
            return 404, {"error": {"type": "invalid_request_error", "message": f"No such payment_intent: '{object_id}'"}}
        intent = self.intents[object_id]
        if path.endswith("/capture"):
            if intent["status"] != "requires_capture":
                return 400, {"error": {"type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                                       "message": f"This PaymentIntent could not be captured because it has a status of {intent['status']}."}}
            intent["status"] = "succeeded"
            intent["amount_received"] = int(params.get("amount_to_capture", intent["amount"]))
            received = intent["amount_received"]
            fee = (received * 27 + 500) // 1000 + 5  # card-present pricing: 2.7% + 5 minor units
            if isinstance(intent["latest_charge"], dict):
                intent["latest_charge"]["balance_transaction"] = self._txn(received, fee, intent["currency"])
            return 200, self._expanded(intent, params)
        if path.endswith("/cancel"):
            if intent["status"] in ("succeeded", "canceled"):
                return 400, {"error": {"type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                                       "message": f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}."}}
            intent["status"] = "canceled"
            return 200, intent
        return 200, self._expanded(intent, params)

    @staticmethod
    def _expanded(intent: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        """Charges are ids unless asked for with ``expand`` (as the real API does)."""
        wanted = params.get("expand", [])
        shown = dict(intent)
        charge = intent.get("latest_charge")
        if isinstance(charge, dict):
            if not any(w.startswith("latest_charge") for w in wanted):
                shown["latest_charge"] = charge["id"]
            elif "latest_charge.balance_transaction" not in wanted and isinstance(charge.get("balance_transaction"), dict):
                shown["latest_charge"] = {**charge, "balance_transaction": charge["balance_transaction"]["id"]}
        return shown

    # -- checkout sessions (payment links) ------------------------------------------

    def now(self) -> int:
        return int(time.time()) + self.clock_offset_s

    def _checkout(self, method: str, path: str, object_id: str | None,
                  params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for session in self.sessions.values():  # links run out on the fake's clock
            if session["status"] == "open" and session["expires_at"] <= self.now():
                session["status"] = "expired"
        if path == "/v1/checkout/sessions" and method == "POST":
            return self._create_session(params)
        if path == "/v1/checkout/sessions":
            since = int((params.get("created") or {}).get("gte", 0))
            found = sorted((s for s in self.sessions.values() if s["created"] >= since), key=lambda s: -s["created"])
            return 200, {"object": "list", "data": [_public(s) for s in found], "has_more": False, "url": path}
        session = self.sessions.get(object_id or "")
        if session is None:
            return 404, _invalid(f"No such checkout.session: '{object_id}'")
        if path.endswith("/expire"):
            if session["status"] != "open":
                return 400, _invalid(f"Only Checkout Sessions with a status of `open` can be expired. "
                                     f"This Checkout Session has a status of `{session['status']}`.")
            session["status"] = "expired"
        return 200, _public(session)

    def _create_session(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = params.get("line_items") or []
        for item in items:
            unknown = sorted(set(item) - LINE_ITEM) + sorted(set(item.get("price_data", {})) - PRICE_DATA)
            if unknown:
                return 400, _invalid(f"Received unknown parameter: line_items[0][{unknown[0]}]", unknown[0])
        if params.get("mode") != "payment" or not items:
            return 400, _invalid("A payment-mode session needs mode=payment and line_items.", "line_items")
        expires_at = int(params.get("expires_at", self.now() + 86400))
        if not self.now() + 1800 <= expires_at <= self.now() + 86400:
            return 400, _invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                                 "Checkout Session creation.", "expires_at")
        total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
        session_id = self._id("cs_test")
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "amount_total": total, "currency": items[0]["price_data"]["currency"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}", "expires_at": expires_at,
            "created": self.now(), "metadata": params.get("metadata", {}), "payment_intent": None,
            "customer": None, "customer_creation": params.get("customer_creation", "if_required"),
            "client_reference_id": params.get("client_reference_id"),
            "_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata", {}),
        }
        self.sessions[session_id] = session
        return 200, _public(session)

    def _txn(self, amount: int, fee: int, currency: str) -> dict[str, Any]:
        txn = {"id": self._id("txn"), "object": "balance_transaction", "type": "charge", "amount": amount,
               "fee": fee, "net": amount - fee, "available_on": 1767225600, "currency": currency,
               "created": self.now()}
        self.balance.append(txn)
        return txn

    def pay_session(self, session_id: str, wallet: str | None = None) -> None:
        """The customer pays the link on their phone: a captured PaymentIntent with its balance transaction."""
        with self._lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", session["status"]
            amount = session["amount_total"]
            card: dict[str, Any] = {"brand": "mastercard", "last4": "4444", "exp_month": 8, "exp_year": 2097}
            if wallet:
                card["wallet"] = {"type": wallet}
            fee = (amount * 29 + 500) // 1000 + 30  # online pricing: 2.9% + 30 minor units
            intent_id = self._id("pi")
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount, "currency": session["currency"],
                "status": "succeeded", "capture_method": "automatic", "metadata": session["_intent_metadata"],
                "amount_received": amount,
                "latest_charge": {
                    "id": self._id("ch"), "object": "charge", "amount": amount,
                    "payment_method_details": {"type": "card", "card": card},
                    "balance_transaction": self._txn(amount, fee, session["currency"])},
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)

    def _refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, {"error": {"type": "invalid_request_error", "param": "payment_intent",
                                   "message": "This PaymentIntent has no successful charge to refund."}}
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        amount = int(params.get("amount", intent["amount_received"] - already))
        if amount <= 0 or amount + already > intent["amount_received"]:
            return 400, {"error": {"type": "invalid_request_error", "code": "amount_too_large", "param": "amount",
                                   "message": "Refund amount is greater than the unrefunded amount on the charge."}}
        refund = {"id": self._id("re"), "object": "refund", "amount": amount, "payment_intent": intent["id"],
                  "status": "succeeded"}
        self.refunds[refund["id"]] = refund
        return 200, refund

    def authorize(self, intent_id: str, tip_minor: int = 0, wallet: str | None = None,
                  number: str | None = None) -> None:
        """What a reader does when the customer taps: the intent is held (or declined, on cue or by test card)."""
        intent = self.intents[intent_id]
        brand, card_decline = TEST_CARDS.get(number or "4242424242424242", ("visa", None))
        decline = self.cue.pop("decline", None) or (("card_declined", card_decline) if card_decline else None)
        if decline:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": decline[0], "decline_code": decline[1],
                                            "message": "Your card was declined."}
            return
        intent["status"] = "requires_capture"
        intent["amount"] += tip_minor
        if tip_minor:
            intent["amount_details"] = {"tip": {"amount": tip_minor}}
        # As the real API does, the charge shows the card's expiry and a fingerprint: we must drop them.
        card = {"brand": brand, "last4": (number or "4242")[-4:], "exp_month": 12, "exp_year": 2089,
                "fingerprint": "fpFAKE" + (number or "4242")[-6:], "read_method": "contactless_emv"}
        if wallet:
            card["wallet"] = {"type": wallet}
        intent["latest_charge"] = {"id": self._id("ch"), "object": "charge", "amount": intent["amount"],
                                   "payment_method_details": {"type": "card_present", "card_present": card},
                                   "balance_transaction": None}

    def tip_next(self, tip_minor: int) -> None:
        """The next customer chooses this tip on the reader (if the reader offers one)."""
        self.cue["tip"] = tip_minor

    def wallet_next(self, wallet_type: str = "apple_pay") -> None:
        """The next tap is a phone wallet."""
        self.cue["wallet"] = wallet_type

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", "req_fake")
        handler.end_headers()
        handler.wfile.write(data)


def _invalid(message: str, param: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    return {"error": error}


def _public(session: dict[str, Any]) -> dict[str, Any]:
    """A session as the API shows it (without the fake's own bookkeeping)."""
    return {k: v for k, v in session.items() if not k.startswith("_")}
