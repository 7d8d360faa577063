"""A small stateful fake of the Stripe API on 127.0.0.1, for the real `stripe` SDK to talk to.

Only the endpoints Anytender uses exist, and each refuses what Stripe refuses:

* Every request is checked against the pinned SDK's own parameter TypedDicts
  (:mod:`tests.stripe_schema`, read from ``stripe.params`` at test time): names
  at every depth, closed ``Literal`` values, required keys, integers and
  booleans.  A refusal is a 400 ``invalid_request_error`` naming the ``param``,
  and, as Stripe does, it is *not* saved under the idempotency key (only a
  request that started executing is).
* Idempotency keys: the same key and parameters give the saved response (errors
  from a request that ran included); the same key with other parameters is an
  ``idempotency_error``.  A key is forgotten once it is 24 hours old on the
  fake's clock (Stripe prunes keys "at least 24 hours old", and a reused key then
  makes a new request: a second refund, say).
* Refunds are listed by charge or PaymentIntent (newest first, with their
  ``metadata``), and refused as Stripe refuses them: ``charge_already_refunded``
  once nothing is left, ``amount_too_large`` beyond what is left,
  ``charge_disputed`` once the charge is disputed (:meth:`FakeStripe.dispute`);
  any other final code on cue (:meth:`FakeStripe.refuse_refund_next`).
* A refund's outcome over time: created ``succeeded``, or on cue ``pending``
  (or ``requires_action``), or ``failed``/``canceled`` at once
  (:meth:`FakeStripe.refund_status_next`); a pending one later succeeds, fails or
  is cancelled on cue (:meth:`FakeStripe.settle_refund`), and one that fails or
  is cancelled (even after succeeding) puts its money back: the charge's
  ``amount_refunded`` goes down and a ``refund_failure`` balance transaction is
  added.  The events it would send (``refund.updated``, ``refund.failed``,
  ``charge.refund.updated``) are made with :meth:`FakeStripe.event`.
* The state machines and amount rules the SDK documents: an amount below
  Stripe's minimum for its currency (:mod:`payments.stripe.limits`) or above
  eight digits is refused; capture only from ``requires_capture`` and never more
  than ``amount_capturable``; no cancel once ``succeeded`` or ``canceled``; a
  canceled intent cannot be processed or tapped on a reader; a reader busy with
  an action refuses another until it finishes or is cancelled.
* Search is eventually consistent: an intent shows up only ``search_delay_s``
  after it was created (Stripe: "up to an hour").
* Failures on cue: a decline at the tap, a 402 card error or any other error
  on the next call to an endpoint, a busy or offline reader, a reader action
  that fails, a slow answer (the client times out), a dropped response after the
  work was done (the client retries with the same key and must not charge twice),
  a Checkout Session completed but not yet paid.
* Readers are simulated devices (``simulated_wisepos_e``) unless made physical
  (:meth:`FakeStripe.physical_reader`): the test helpers refuse a physical
  reader, on which a person taps a card instead (:meth:`FakeStripe.card_tapped`).
* Rate limits (HTTP 429), as Stripe answers them before a request runs (so
  nothing is saved under its idempotency key): on cue, a count or a schedule
  (:meth:`FakeStripe.rate_limit_next`, :meth:`FakeStripe.rate_limit_schedule`),
  with code ``rate_limit`` or ``lock_timeout``; or for real, at most
  ``limit_per_endpoint_per_s`` requests a second to each endpoint (Stripe: about 25).
* Holds expire as Stripe lets them: an intent left in ``requires_capture`` past
  its authorization window on the fake's clock (``HOLD_WINDOW_S``: two days for
  a card tapped in person, seven online; the charge's ``capture_before``) is
  canceled with ``cancellation_reason`` ``expired`` before the next request
  runs, its amount released (:attr:`FakeStripe.expired` lists them, for the
  ``payment_intent.canceled`` event).  A canceled intent is never authorised.
* Balance transactions as the settlement report reads them, for charges,
  refunds, disputes and payouts, with ``reporting_category``, ``exchange_rate`` and
  ``fee_details``.
* Webhooks delivered as Stripe delivers them (:meth:`FakeStripe.deliver`): at least
  once (each event may come more than once), in any order, several at the same
  moment, and again after any answer that is not 2xx, until one is.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from payments.stripe.limits import MAXIMUM_CHARGE_MINOR, minimum_charge_minor
from tests import stripe_schema

# Each endpoint and the SDK's params class for it (in ``stripe.params``).
ENDPOINTS: dict[tuple[str, str], str] = {
    ("POST", "/v1/payment_intents"): "PaymentIntentCreateParams",
    ("GET", "/v1/payment_intents"): "PaymentIntentListParams",
    ("GET", "/v1/payment_intents/search"): "PaymentIntentSearchParams",
    ("GET", "/v1/payment_intents/{id}"): "PaymentIntentRetrieveParams",
    ("POST", "/v1/payment_intents/{id}/capture"): "PaymentIntentCaptureParams",
    ("POST", "/v1/payment_intents/{id}/cancel"): "PaymentIntentCancelParams",
    ("POST", "/v1/refunds"): "RefundCreateParams",
    ("GET", "/v1/refunds"): "RefundListParams",
    ("GET", "/v1/terminal/readers/{id}"): "terminal.ReaderRetrieveParams",
    ("POST", "/v1/terminal/readers/{id}/process_payment_intent"): "terminal.ReaderProcessPaymentIntentParams",
    ("POST", "/v1/terminal/readers/{id}/cancel_action"): "terminal.ReaderCancelActionParams",
    ("POST", "/v1/test_helpers/terminal/readers/{id}/present_payment_method"):
        "test_helpers.terminal.ReaderPresentPaymentMethodParams",
    ("POST", "/v1/checkout/sessions"): "checkout.SessionCreateParams",
    ("GET", "/v1/checkout/sessions"): "checkout.SessionListParams",
    ("GET", "/v1/checkout/sessions/{id}"): "checkout.SessionRetrieveParams",
    ("POST", "/v1/checkout/sessions/{id}/expire"): "checkout.SessionExpireParams",
    ("GET", "/v1/balance_transactions"): "BalanceTransactionListParams",
}


def schema(route: tuple[str, str]) -> stripe_schema.Node:
    """The parameter tree Stripe accepts at ``route``, from the SDK."""
    return stripe_schema.typed_dict(stripe_schema.params_class(ENDPOINTS[route]))


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

IDEMPOTENCY_KEPT_S = 24 * 3600
"""Stripe removes an idempotency key once it is at least this old; the same key then makes a new request."""

HOLD_WINDOW_S = {"card_present": 2 * 24 * 3600, "card": 7 * 24 * 3600}
"""How long Stripe keeps an uncaptured authorization by payment method type (its default windows: about two days
in person on Terminal, seven days online); after it, Stripe cancels the PaymentIntent (reason ``expired``)."""

FINAL_REFUND_CODES = ("charge_already_refunded", "charge_disputed", "amount_too_large", "amount_too_small",
                      "charge_not_refundable", "refund_disputed_payment")
"""The refusals of a refund that the double can give (``invalid_request_error``, HTTP 400): final, not retried."""

FEE_CARD_PRESENT = (27, 5)
"""The fake's card-present pricing: 2.7% + 5 minor units."""
FEE_ONLINE = (29, 30)
"""The fake's online pricing: 2.9% + 30 minor units."""


def fee_for(amount: int, pricing: tuple[int, int]) -> int:
    per_mille, fixed = pricing
    return (amount * per_mille + 500) // 1000 + fixed


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
        self.search_delay_s = 60
        """How long a new intent stays out of search results (Stripe: up to an hour; 0: at once)."""
        self.readers: dict[str, dict[str, Any]] = {}
        """Each reader's current action (``status`` in_progress, succeeded or failed), once it had one."""
        self.reader_config: dict[str, dict[str, Any]] = {}
        self.physical_readers: dict[str, str] = {}
        """Readers that are real devices (id -> device_type); any other reader is a simulated WisePOS E."""
        self.offline_readers: set[str] = set()
        self.idempotency: dict[str, tuple[str, int, dict[str, Any], int]] = {}
        """Key -> (the request's signature, status, answer, when it was saved on the fake's clock)."""
        self.requests: list[tuple[str, str, dict[str, Any], str | None]] = []
        self.cue: dict[str, Any] = {}
        self.settlement: tuple[str, str] | None = None
        """(currency, exchange rate): the account settles in another currency than it charges in, as Stripe
        converts: a charge's, refund's or dispute's balance transaction is in that currency, with
        ``exchange_rate`` (a number, as JSON has it), its fee charged in it."""
        self.errors_next: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        """Endpoint suffix ("/capture", "/cancel", "/v1/payment_intents"...) -> errors its next calls answer."""
        self.rate_limits: list[tuple[str, str, deque[bool], str]] = []
        """(method, path fragment, schedule, code): each request matching the method and the fragment takes the
        next entry of its schedule; True answers 429 with that code."""
        self.limit_per_endpoint_per_s: int | None = None
        """At most this many requests a second to each endpoint (a method and its templated path), the rest 429."""
        self._endpoint_hits: dict[tuple[str, str], deque[float]] = {}
        self.limited: list[tuple[str, str]] = []
        """(method, path) of every request answered 429."""
        self.expired: list[str] = []
        """Intents whose hold ran out and that the fake canceled (in that order)."""
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

    def reset(self) -> None:
        """Forget every object and cue, keeping the server (a module's tests can share one)."""
        server = self.server
        self.__init__()  # type: ignore[misc]
        self.server = server

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def decline_next(self, decline_code: str = "insufficient_funds", code: str = "card_declined") -> None:
        """The next tap is declined (the reader action fails and the intent keeps the error)."""
        self.cue["decline"] = (code, decline_code)

    def slow_next(self, seconds: float) -> None:
        self.cue["slow"] = seconds

    def drop_next_response(self, endpoint: str = "") -> None:
        """Do the next POST's work (to the endpoint ending in ``endpoint``, if given), then close the connection
        without answering."""
        self.cue["drop"] = endpoint

    def error_next(self, endpoint: str, status: int = 500, type: str = "api_error", code: str | None = None,
                   message: str = "An unknown error occurred", times: int = 1, **extra: Any) -> None:
        """The next ``times`` calls to the endpoint ending in ``endpoint`` answer this error, after the
        request started executing (so, as at Stripe, it is saved under the call's idempotency key)."""
        error: dict[str, Any] = {"type": type, "message": message, **extra}
        if code:
            error["code"] = code
        self.errors_next.setdefault(endpoint, []).extend([(status, {"error": error})] * times)

    def card_error_next(self, endpoint: str, decline_code: str = "insufficient_funds",
                        code: str = "card_declined") -> None:
        """A 402 ``card_error`` from the next call to ``endpoint`` (a capture the issuer refuses, say)."""
        self.error_next(endpoint, 402, "card_error", code, "Your card was declined.", decline_code=decline_code)

    def rate_limit_next(self, path: str = "/v1/payment_intents/", method: str = "GET", times: int = 1,
                        code: str = "rate_limit") -> None:
        """The next ``times`` requests of ``method`` whose path holds ``path`` answer 429 (``code``: rate_limit,
        or lock_timeout: another request holds the object)."""
        self.rate_limit_schedule([True] * times, path, method, code)

    def rate_limit_schedule(self, schedule: list[bool], path: str = "/v1/payment_intents/", method: str = "GET",
                            code: str = "rate_limit") -> None:
        """Each next matching request takes the next entry: True answers 429, False goes through."""
        if code not in ("rate_limit", "lock_timeout"):
            raise ValueError(f"a 429 is a rate_limit or a lock_timeout, not {code!r}")
        self.rate_limits.append((method, path, deque(schedule), code))

    def _rate_limited(self, method: str, path: str, route: tuple[str, str] | None) -> dict[str, Any] | None:
        """The 429 this request gets, if any (called under the lock)."""
        for wanted_method, fragment, schedule, code in self.rate_limits:
            if schedule and method == wanted_method and fragment in path:
                if schedule.popleft():
                    return _limit_error(code)
                break
        if self.limit_per_endpoint_per_s is not None and route is not None:
            now = time.monotonic()
            hits = self._endpoint_hits.setdefault(route, deque())
            while hits and hits[0] <= now - 1.0:
                hits.popleft()
            if len(hits) >= self.limit_per_endpoint_per_s:
                return _limit_error("rate_limit")
            hits.append(now)
        return None

    def reader_offline(self, reader_id: str, offline: bool = True) -> None:
        (self.offline_readers.add if offline else self.offline_readers.discard)(reader_id)

    def physical_reader(self, reader_id: str, device_type: str = "bbpos_wisepos_e") -> None:
        """The reader is a real device: Stripe's test helpers cannot tap a card on it (a person taps one of
        Stripe's physical test cards: :meth:`card_tapped`)."""
        self.physical_readers[reader_id] = device_type

    def card_tapped(self, reader_id: str, number: str | None = None) -> None:
        """A card tapped on the reader by a person (a physical reader's test card): as the test helper does."""
        with self._lock:
            self._tapped(reader_id, int(self.cue.pop("tip", 0)), number)

    def reader_busy(self, reader_id: str) -> None:
        """The reader is in the middle of something else (another register's payment)."""
        self.readers[reader_id] = {"type": "process_payment_intent", "status": "in_progress",
                                   "process_payment_intent": {"payment_intent": "pi_someone_else"}}

    def fail_reader_action(self, reader_id: str, failure_code: str = "customer_canceled",
                           failure_message: str = "The customer canceled the payment on the reader.") -> None:
        """The reader's current action fails (the customer pressed cancel, the card could not be read...)."""
        with self._lock:
            action = self.readers[reader_id]
            action.update(status="failed", failure_code=failure_code, failure_message=failure_message)

    def payout(self, amount: int, currency: str = "usd") -> dict[str, Any]:
        """Stripe pays the balance out to the bank: a payout balance transaction."""
        with self._lock:
            return self._txn(-amount, 0, currency, "payout", "payout", source=self._id("po"))

    def dispute(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """The cardholder disputes a captured charge: Stripe takes the amount back (plus its dispute fee) with an
        ``adjustment`` balance transaction of reporting category ``dispute``, its source the dispute."""
        with self._lock:
            intent = self.intents[intent_id]
            taken = intent["amount_received"] if amount is None else amount
            if isinstance(intent.get("latest_charge"), dict):
                intent["latest_charge"]["disputed"] = True  # Stripe refuses a refund of it from now on
            return self._txn(-taken, 1500, intent["currency"], "adjustment", "dispute", source=self._id("dp"))

    # -- the API -----------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_fake{self._counter:06d}"

    def now(self) -> int:
        return int(time.time()) + self.clock_offset_s

    def _route(self, method: str, path: str) -> tuple[tuple[str, str] | None, str | None]:
        parts = path.strip("/").split("/")
        if (method, path) in ENDPOINTS:
            return (method, path), None
        for at, name in enumerate(parts):
            if name in ("readers", "sessions", "payment_intents") and len(parts) > at + 1:
                rest = "/" + "/".join([*parts[:at + 1], "{id}", *parts[at + 2:]])
                return ((method, rest) if (method, rest) in ENDPOINTS else None), parts[at + 1]
        return None, None

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
        with self._lock:
            limited = self._rate_limited(method, url.path, route)
            if limited is not None:
                self.limited.append((method, url.path))
        if limited is not None:  # refused before it ran: nothing is saved under the key
            return self._send(handler, 429, limited)
        if route is None:
            return self._send(handler, 404, _invalid(f"Unrecognized request URL ({method}: {url.path})."))
        refusal = stripe_schema.check(schema(route), params)
        if refusal is not None:  # refused before the endpoint ran: nothing is saved under the key
            return self._send(handler, 400, _invalid(refusal.message, refusal.param))
        signature = json.dumps([method, url.path, params], sort_keys=True)
        with self._lock:
            if method == "POST" and key and key in self.idempotency \
                    and self.now() - self.idempotency[key][3] >= IDEMPOTENCY_KEPT_S:
                del self.idempotency[key]  # pruned: the key now makes a new request
            if method == "POST" and key and key in self.idempotency:
                seen_signature, status, payload, _saved_at = self.idempotency[key]
                if seen_signature != signature:
                    return self._send(handler, 400, {"error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters they "
                                   "were first used with."}})
                return self._send(handler, status, payload)
            self.expire_holds()  # Stripe's clock runs between requests: holds past their window are gone
            status, payload = self._cued(url.path) or self._do(route, object_id, params)
            if method == "POST" and key and status != 429:  # a rate-limited request never ran: nothing is saved
                self.idempotency[key] = (signature, status, payload, self.now())
            drop = method == "POST" and "drop" in self.cue and url.path.endswith(self.cue["drop"])
            if drop:
                del self.cue["drop"]
        if drop:
            handler.close_connection = True
            handler.connection.shutdown(2)  # the work is done, the answer is lost
            return None
        return self._send(handler, status, payload)

    def expire_holds(self) -> list[str]:
        """Cancel every intent whose hold is past its window on the fake's clock, as Stripe does (reason
        ``expired``, ``canceled_at`` the end of the window); the ids canceled now."""
        now, done = self.now(), []
        for intent in self.intents.values():
            charge = intent.get("latest_charge")
            if intent["status"] != "requires_capture" or not isinstance(charge, dict):
                continue
            method = charge.get("payment_method_details") or {}
            before = (method.get(method.get("type") or "card_present") or {}).get("capture_before")
            if before is not None and now >= int(before):
                intent.update(status="canceled", amount_capturable=0, canceled_at=int(before),
                              cancellation_reason="expired")
                self.expired.append(intent["id"])
                done.append(intent["id"])
        return done

    def _cued(self, path: str) -> tuple[int, dict[str, Any]] | None:
        for suffix, errors in self.errors_next.items():
            if errors and path.endswith(suffix):
                return errors.pop(0)
        return None

    def _do(self, route: tuple[str, str], object_id: str | None, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method, path = route
        if path.startswith("/v1/checkout/sessions"):
            return self._checkout(method, path, object_id, params)
        if path == "/v1/balance_transactions":
            created = params.get("created") or {}
            lo, hi = int(created.get("gte", 0)), int(created.get("lt", 2 ** 40))
            found = [t for t in self.balance if lo <= t["created"] < hi]
            if params.get("type"):
                found = [t for t in found if t.get("type") == params["type"]]
            return 200, _page(found, path)
        if path == "/v1/refunds" and method == "POST":
            return self._refund(params)
        if path == "/v1/refunds":
            return 200, _page(self._listed_refunds(params), path)
        if "/terminal/readers/" in path:
            return self._reader(path, object_id or "", params)
        if path == "/v1/payment_intents" and method == "POST":
            return self._create_intent(params)
        if path == "/v1/payment_intents":
            return 200, _page(self._listed(self.intents.values(), params), path)
        if path == "/v1/payment_intents/search":
            wanted = params.get("query", "")
            indexed = self.now() - self.search_delay_s
            found = [i for i in self.intents.values() if i.get("created", 0) <= indexed
                     and any(f"metadata['{k}']:'{v}'" == wanted for k, v in i["metadata"].items())]
            return 200, {"object": "search_result", "data": found, "has_more": False, "url": path}
        if object_id not in self.intents:
            return 404, _invalid(f"No such payment_intent: '{object_id}'", "intent", code="resource_missing")
        intent = self.intents[object_id]
        if path.endswith("/capture"):
            return self._capture(intent, params)
        if path.endswith("/cancel"):
            if intent["status"] in ("succeeded", "canceled", "processing"):
                return 400, _unexpected_state(intent, "You cannot cancel this PaymentIntent because it has a status of "
                                              f"{intent['status']}. Only a PaymentIntent with one of the following "
                                              "statuses may be canceled: requires_payment_method, requires_capture, "
                                              "requires_confirmation, requires_action.")
            intent.update(status="canceled", amount_capturable=0, canceled_at=self.now(),
                          cancellation_reason=params.get("cancellation_reason"))
            return 200, self._expanded(intent, params)
        return 200, self._expanded(intent, params)

    def _create_intent(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount, currency = int(params["amount"]), params["currency"]
        minimum = minimum_charge_minor(currency)
        if minimum is not None and amount < minimum:
            return 400, _invalid(f"Amount must be at least {_shown(minimum, currency)} {currency}", "amount",
                                 code="amount_too_small")
        if amount > MAXIMUM_CHARGE_MINOR:
            return 400, _invalid("Amount must be no more than 999,999.99", "amount", code="amount_too_large")
        intent = {
            "id": self._id("pi"), "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "currency": currency, "status": "requires_payment_method", "created": self.now(),
            "capture_method": params.get("capture_method", "automatic_async"),
            "metadata": params.get("metadata", {}), "amount_received": 0, "latest_charge": None,
            "last_payment_error": None,
        }
        self.intents[intent["id"]] = intent
        return 200, intent

    def _capture(self, intent: dict[str, Any], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if intent["status"] != "requires_capture":
            return 400, _unexpected_state(intent, "This PaymentIntent could not be captured because it has a status "
                                          f"of {intent['status']}. Only a PaymentIntent with one of the following "
                                          "statuses may be captured: requires_capture.")
        wanted = int(params.get("amount_to_capture", intent["amount_capturable"]))
        if wanted > intent["amount_capturable"]:
            return 400, _invalid(f"The amount to capture ({wanted}) must be less than or equal to the amount "
                                 f"capturable ({intent['amount_capturable']}).", "amount_to_capture",
                                 code="amount_too_large")
        intent.update(status="succeeded", amount_received=wanted, amount_capturable=0)
        charge = intent["latest_charge"]
        if isinstance(charge, dict):
            charge.update(captured=True, amount_captured=wanted)
            charge["balance_transaction"] = self._txn(wanted, fee_for(wanted, FEE_CARD_PRESENT), intent["currency"],
                                                      "charge", "charge", source=charge["id"])
        return 200, self._expanded(intent, params)

    # -- readers -------------------------------------------------------------------

    def _reader(self, path: str, reader_id: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path.endswith("/process_payment_intent") or path.endswith("/present_payment_method") \
                or path.endswith("/cancel_action"):
            if reader_id in self.offline_readers:
                return 400, _invalid("Reader is currently offline, please ensure the reader is powered on and "
                                     "connected to the internet before retrying your request.",
                                     code="terminal_reader_offline")
        action = self.readers.get(reader_id)
        busy = action is not None and action["status"] == "in_progress"
        if path.endswith("/process_payment_intent"):
            if busy:
                return 400, _invalid("Reader is currently busy processing another request. Please reference the "
                                     "integration guide for more details on how to handle busy readers.",
                                     code="terminal_reader_busy")
            intent = self.intents.get(params["payment_intent"])
            if intent is None:
                return 400, _invalid(f"No such payment_intent: '{params['payment_intent']}'", "payment_intent",
                                     code="resource_missing")
            if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
                return 400, _unexpected_state(intent, "This PaymentIntent's status is "
                                              f"{intent['status']}: it cannot be processed on a reader.")
            eligible = ((params.get("process_config") or {}).get("tipping") or {}).get("amount_eligible")
            if eligible is not None and int(eligible) <= 0:
                return 400, _invalid("amount_eligible must be a positive integer.",
                                     "process_config[tipping][amount_eligible]")
            self.readers[reader_id] = {"type": "process_payment_intent", "status": "in_progress",
                                       "process_payment_intent": {"payment_intent": intent["id"]}}
            self.reader_config[reader_id] = params.get("process_config", {})
            return 200, self._reader_object(reader_id)
        if path.endswith("/cancel_action"):
            if not busy:
                return 400, _invalid("This Reader has no action in progress to cancel.")
            assert action is not None
            action.update(status="failed", failure_code="merchant_canceled",
                          failure_message="The action was canceled by the merchant.")
            return 200, self._reader_object(reader_id)
        if path.endswith("/present_payment_method"):
            if reader_id in self.physical_readers:
                return 400, _invalid("Test helpers can only be used with simulated readers: this reader is a "
                                     f"{self.physical_readers[reader_id]}.")
            if not busy:
                return 400, _invalid("The reader has no action in progress.")
            assert action is not None
            intent = self.intents[action["process_payment_intent"]["payment_intent"]]
            if intent["status"] != "requires_payment_method":
                return 400, _unexpected_state(intent, f"This PaymentIntent's status is {intent['status']}: "
                                              "a card cannot be presented for it.")
            number = (params.get("card_present") or {}).get("number")
            if number is not None and number not in TEST_CARDS:
                return 400, _invalid(f"{number} is not a supported test card number.", "card_present[number]")
            self._tapped(reader_id, int(params.get("amount_tip", 0)) or int(self.cue.pop("tip", 0)), number)
            return 200, self._reader_object(reader_id)
        return 200, self._reader_object(reader_id)  # retrieve

    def _tapped(self, reader_id: str, tip: int, number: str | None) -> None:
        """The customer taps a card on the reader's current action (the intent is held, or declined)."""
        action = self.readers[reader_id]
        assert action["status"] == "in_progress", action
        intent = self.intents[action["process_payment_intent"]["payment_intent"]]
        assert intent["status"] == "requires_payment_method", intent["status"]
        if self.reader_config.get(reader_id, {}).get("skip_tipping") == "true":
            tip = 0  # the reader never offered a tip
        self.authorize(intent["id"], tip_minor=tip, wallet=self.cue.pop("wallet", None), number=number)
        error = intent.get("last_payment_error")
        if error:
            action.update(status="failed", failure_code=error["code"], failure_message=error["message"])
        else:
            action["status"] = "succeeded"

    def _reader_object(self, reader_id: str) -> dict[str, Any]:
        return {"id": reader_id, "object": "terminal.reader",
                "device_type": self.physical_readers.get(reader_id, "simulated_wisepos_e"),
                "status": "offline" if reader_id in self.offline_readers else "online",
                "action": dict(self.readers[reader_id]) if reader_id in self.readers else None}

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

    def _listed(self, objects: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Newest first, within ``created`` (gte, gt, lte, lt), as a list endpoint answers."""
        created = params.get("created") or {}
        if not isinstance(created, dict):
            created = {"gte": created, "lte": created}
        found = [o for o in objects
                 if int(created.get("gte", -1)) <= o["created"] <= int(created.get("lte", 2 ** 40))
                 and int(created.get("gt", -1)) < o["created"] < int(created.get("lt", 2 ** 40))]
        return sorted(found, key=lambda o: (-o["created"], o["id"]))

    # -- checkout sessions (payment links) ------------------------------------------

    def _checkout(self, method: str, path: str, object_id: str | None,
                  params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for session in self.sessions.values():  # links run out on the fake's clock
            if session["status"] == "open" and session["expires_at"] <= self.now():
                session["status"] = "expired"
        if path == "/v1/checkout/sessions" and method == "POST":
            return self._create_session(params)
        if path == "/v1/checkout/sessions":
            return 200, _page([_public(s) for s in self._listed(self.sessions.values(), params)], path)
        session = self.sessions.get(object_id or "")
        if session is None:
            return 404, _invalid(f"No such checkout.session: '{object_id}'", "session", code="resource_missing")
        if path.endswith("/expire"):
            if session["status"] != "open":
                return 400, _invalid(f"Only Checkout Sessions with a status of `open` can be expired. "
                                     f"This Checkout Session has a status of `{session['status']}`.")
            session["status"] = "expired"
        return 200, _public(session)

    def _create_session(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        items = params.get("line_items") or []
        if params.get("mode") != "payment" or not items:
            return 400, _invalid("A payment-mode session needs mode=payment and line_items.", "line_items")
        expires_at = int(params.get("expires_at", self.now() + 86400))
        if not self.now() + 1800 <= expires_at <= self.now() + 86400:
            return 400, _invalid("The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                                 "Checkout Session creation.", "expires_at")
        total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
        currency = items[0]["price_data"]["currency"]
        minimum = minimum_charge_minor(currency)
        if minimum is not None and total < minimum:
            return 400, _invalid(f"The Checkout Session's total amount due must add up to at least "
                                 f"{_shown(minimum, currency)} {currency}", code="amount_too_small")
        session_id = self._id("cs_test")
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "amount_total": total, "currency": currency,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}", "expires_at": expires_at,
            "created": self.now(), "metadata": params.get("metadata", {}), "payment_intent": None,
            "customer": None, "customer_creation": params.get("customer_creation", "if_required"),
            "client_reference_id": params.get("client_reference_id"),
            # What the customer is offered (Stripe's default, with no filter: whatever the account enables).
            "payment_method_types": params.get("allowed_payment_method_types") or
            ["card", "us_bank_account", "cashapp", "link"],
            "_intent_metadata": (params.get("payment_intent_data") or {}).get("metadata", {}),
        }
        self.sessions[session_id] = session
        return 200, _public(session)

    def _txn(self, amount: int, fee: int, currency: str, kind: str, category: str, source: str | None = None,
             exchange_rate: float | None = None) -> dict[str, Any]:
        if self.settlement is not None and kind != "payout":
            from decimal import ROUND_HALF_UP, Decimal

            currency, rate = self.settlement[0], self.settlement[1]
            amount = int((amount * Decimal(rate)).quantize(Decimal(1), ROUND_HALF_UP))
            fee = int((fee * Decimal(rate)).quantize(Decimal(1), ROUND_HALF_UP))
            exchange_rate = float(rate)
        fee_details = [{"amount": fee, "currency": currency, "type": "stripe_fee", "application": None,
                        "description": "Stripe processing fees"}] if fee else []
        txn = {"id": self._id("txn"), "object": "balance_transaction", "type": kind, "reporting_category": category,
               "amount": amount, "fee": fee, "fee_details": fee_details, "net": amount - fee,
               "exchange_rate": exchange_rate, "available_on": 1767225600, "currency": currency,
               "created": self.now(), "status": "pending", "source": source}
        self.balance.append(txn)
        return txn

    def pay_session(self, session_id: str, wallet: str | None = None, paid: bool = True,
                    method: str = "card", balance_later: bool = False) -> None:
        """The customer pays the link on their phone: a captured PaymentIntent with its balance transaction.

        ``paid=False``: the session completes but its money has not arrived yet (``payment_status`` unpaid,
        a delayed payment method); :meth:`settle_session` then pays it, or :meth:`fail_session` fails it.
        ``method``: what the customer pays with; only what the session offers can be chosen.
        ``balance_later``: as Checkout captures asynchronously, the charge succeeds with no balance transaction
        yet (``balance_transaction`` null); :meth:`balance_arrives` brings it, with its ``charge.updated``.
        """
        with self._lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", session["status"]
            if method not in session["payment_method_types"]:
                raise ValueError(f"the session does not offer {method}: {session['payment_method_types']}")
            amount = session["amount_total"]
            card: dict[str, Any] = {"brand": "mastercard", "last4": "4444", "exp_month": 8, "exp_year": 2097,
                                    "authorization_code": self._authorization_code(), "network": "mastercard",
                                    "funding": "credit", "country": "US"}
            if wallet:
                card["wallet"] = {"type": wallet}
            details: dict[str, Any] = {"type": "card", "card": card} if method == "card" else \
                {"type": method, method: {"bank_name": "STRIPE TEST BANK", "last4": "6789"}}
            intent_id = self._id("pi")
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount, "currency": session["currency"],
                "status": "processing", "capture_method": "automatic", "metadata": session["_intent_metadata"],
                "amount_received": 0, "amount_capturable": 0, "created": self.now(), "last_payment_error": None,
                "latest_charge": {
                    "id": self._id("ch"), "object": "charge", "amount": amount, "amount_refunded": 0,
                    "payment_intent": intent_id, "payment_method_details": details, "balance_transaction": None},
            }
            session.update(status="complete", payment_status="unpaid", payment_intent=intent_id)
        if paid:
            self.settle_session(session_id, balance_later=balance_later)

    def settle_session(self, session_id: str, balance_later: bool = False) -> None:
        """The money of a completed session arrives: the intent succeeds, the session is paid (its balance
        transaction at once, or with ``balance_later`` left null until :meth:`balance_arrives`)."""
        with self._lock:
            session = self.sessions[session_id]
            intent = self.intents[session["payment_intent"]]
            amount = intent["amount"]
            intent.update(status="succeeded", amount_received=amount)
            charge = intent["latest_charge"]
            charge["status"] = "succeeded"
            if not balance_later:
                charge["balance_transaction"] = self._txn(amount, fee_for(amount, FEE_ONLINE), session["currency"],
                                                          "charge", "charge", source=charge["id"])
            session["payment_status"] = "paid"

    def balance_arrives(self, intent_id: str) -> dict[str, Any]:
        """An asynchronous capture's balance transaction arrives (fee, net): the charge's ``balance_transaction``
        is filled in, and the ``charge.updated`` event Stripe sends about it is returned (to deliver)."""
        with self._lock:
            intent = self.intents[intent_id]
            charge = intent["latest_charge"]
            assert charge.get("balance_transaction") is None, "its balance transaction is there already"
            amount = int(charge["amount"])
            charge["balance_transaction"] = self._txn(amount, fee_for(amount, FEE_ONLINE), intent["currency"],
                                                      "charge", "charge", source=charge["id"])
            shown = {**charge, "balance_transaction": charge["balance_transaction"]["id"],
                     "metadata": intent.get("metadata", {})}
            previous = {"balance_transaction": None}
        event = self.event("charge.updated", shown)
        event["data"]["previous_attributes"] = previous
        return event

    def balance_movement(self, category: str, amount: int, source: str | None = None,
                         kind: str = "adjustment") -> dict[str, Any]:
        """A balance transaction of any ``reporting_category`` (a refund's money coming back, a top-up, a category
        Stripe adds later...), as the settlement report lists it."""
        with self._lock:
            return self._txn(amount, 0, "usd", kind, category, source=source)

    def fail_session(self, session_id: str, code: str = "insufficient_funds") -> None:
        """The delayed payment of a completed session fails (a bank debit returned): as at Stripe, its intent
        goes back to ``requires_payment_method`` with the error, and the session stays complete and unpaid."""
        with self._lock:
            session = self.sessions[session_id]
            assert (session["status"], session["payment_status"]) == ("complete", "unpaid"), session
            intent = self.intents[session["payment_intent"]]
            assert intent["status"] == "processing", intent["status"]
            intent.update(status="requires_payment_method", last_payment_error={
                "type": "invalid_request_error", "code": "payment_intent_payment_attempt_failed",
                "decline_code": code, "message": "The payment failed."})
            intent["latest_charge"]["status"] = "failed"

    def _refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, _invalid("This PaymentIntent has no successful charge to refund.", "payment_intent")
        refused = self.cue.pop("refuse_refund", None)
        if refused:
            return 400, _invalid(f"The refund was refused ({refused}).", code=refused)
        charge = intent.get("latest_charge")
        if isinstance(charge, dict) and charge.get("disputed"):
            return 400, _invalid(f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                                 code="charge_disputed")
        already = sum(r["amount"] for r in self.refunds.values()
                      if r["payment_intent"] == intent["id"] and r["status"] not in ("failed", "canceled"))
        if already >= intent["amount_received"]:
            return 400, _invalid(f"Charge {_charge_id(intent)} has already been refunded.", code="charge_already_refunded")
        amount = int(params.get("amount", intent["amount_received"] - already))
        if amount <= 0 or amount + already > intent["amount_received"]:
            return 400, _invalid("Refund amount is greater than the unrefunded amount on the charge.", "amount",
                                 code="amount_too_large")
        refund_id = self._id("re")
        txn = self._txn(-amount, 0, intent["currency"], "refund", "refund", source=refund_id)
        refund = {"id": refund_id, "object": "refund", "amount": amount, "payment_intent": intent["id"],
                  "charge": _charge_id(intent), "status": "succeeded", "currency": intent["currency"],
                  "balance_transaction": txn["id"], "created": self.now(), "metadata": params.get("metadata", {}),
                  "failure_reason": None, "failure_balance_transaction": None}
        self.refunds[refund["id"]] = refund
        if isinstance(charge, dict):
            charge["amount_refunded"] = charge.get("amount_refunded", 0) + amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        status = self.cue.pop("refund_status", "succeeded")
        if status in ("failed", "canceled"):
            self._unrefund(refund, status, self.cue.pop("refund_failure_reason", "unknown"))
        else:
            refund["status"] = status
        return 200, dict(refund)

    def _unrefund(self, refund: dict[str, Any], status: str, reason: str | None) -> None:
        """A refund that failed or was cancelled: its money back in the balance, the charge's refunded amount less."""
        refund["status"] = status
        refund["failure_reason"] = reason if status == "failed" else None
        txn = self._txn(refund["amount"], 0, refund["currency"], "refund_failure", "refund_failure", source=refund["id"])
        refund["failure_balance_transaction"] = txn["id"]
        charge = self.intents[refund["payment_intent"]].get("latest_charge")
        if isinstance(charge, dict):
            charge["amount_refunded"] = charge.get("amount_refunded", 0) - refund["amount"]
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]

    def refund_status_next(self, status: str, failure_reason: str = "expired_or_canceled_card") -> None:
        """The next refund is created with this status: ``pending`` or ``requires_action`` (settled later by
        :meth:`settle_refund`), or ``failed``/``canceled`` at once (its money back in the balance)."""
        if status not in ("pending", "requires_action", "succeeded", "failed", "canceled"):
            raise ValueError(f"not a refund status: {status}")
        self.cue["refund_status"] = status
        self.cue["refund_failure_reason"] = failure_reason

    def settle_refund(self, refund_id: str, status: str, failure_reason: str = "expired_or_canceled_card"
                      ) -> dict[str, Any]:
        """A refund's outcome arrives, as the customer's bank answers: ``succeeded`` (from pending), or ``failed`` /
        ``canceled`` (from pending, or even after succeeding: Stripe's refund.failed).  Returns the refund as it
        is now (the object of the events Stripe then sends)."""
        with self._lock:
            refund = self.refunds[refund_id]
            if refund["status"] in ("failed", "canceled"):
                raise ValueError(f"refund {refund_id} is {refund['status']} already")
            if status == "succeeded":
                refund["status"] = "succeeded"
            elif status in ("failed", "canceled"):
                self._unrefund(refund, status, failure_reason)
            else:
                raise ValueError(f"not an outcome of a refund: {status}")
            return json.loads(json.dumps(refund))

    def _listed_refunds(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """A charge's (or PaymentIntent's) refunds, newest first, as ``GET /v1/refunds`` lists them."""
        found = [r for r in self.refunds.values()
                 if ("payment_intent" not in params or r["payment_intent"] == params["payment_intent"])
                 and ("charge" not in params or r.get("charge") == params["charge"])]
        return self._listed(found, params)

    def refuse_refund_next(self, code: str) -> None:
        """The next refund is refused with this final code (one of :data:`FINAL_REFUND_CODES`)."""
        if code not in FINAL_REFUND_CODES:
            raise ValueError(f"not a final refund code of the double: {code}")
        self.cue["refuse_refund"] = code

    def dashboard_refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """Someone refunds the payment in Stripe's Dashboard, not through the register."""
        with self._lock:
            params: dict[str, Any] = {"payment_intent": intent_id}
            if amount is not None:
                params["amount"] = amount
            status, refund = self._refund(params)
        assert status == 200, refund
        return refund

    # -- webhooks --------------------------------------------------------------

    def deliver(self, url: str, secret: str, events: list[dict[str, Any]], *, copies: int = 2, seed: int = 0,
                at_once: bool = True, tries: int = 6, retry_wait_s: float = 0.2) -> list[tuple[str, int, Any]]:
        """Send ``events`` to the endpoint at ``url`` as Stripe does: each ``copies`` times (at least once),
        shuffled (``seed``), every delivery starting at the same moment (``at_once``: a barrier), and each sent
        again after an answer that is not 2xx (or no answer), up to ``tries`` times.  Returns, per delivery,
        the event id, the last status (0: no answer) and the last answer's JSON body."""
        import random
        import urllib.error
        import urllib.request

        deliveries = [event for event in events for _ in range(copies)]
        random.Random(seed).shuffle(deliveries)
        barrier = threading.Barrier(len(deliveries)) if at_once and deliveries else None
        results: list[tuple[str, int, Any]] = [("", 0, None)] * len(deliveries)

        def send(n: int, event: dict[str, Any]) -> None:
            if barrier is not None:
                barrier.wait(timeout=30)
            status, answer = 0, None
            for _ in range(tries):
                body, header = signed(event, secret)
                request = urllib.request.Request(url, data=body, method="POST", headers={
                    "Stripe-Signature": header, "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, answer = response.status, json.loads(response.read())
                except urllib.error.HTTPError as refused:
                    status, answer = refused.code, json.loads(refused.read() or b"null")
                except OSError:
                    status, answer = 0, None
                if 200 <= status < 300:
                    break
                time.sleep(retry_wait_s)  # Stripe waits longer (backoff over three days); the order is what matters
            results[n] = (str(event["id"]), status, answer)

        threads = [threading.Thread(target=send, args=(n, event)) for n, event in enumerate(deliveries)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        return results

    def event(self, type: str, obj: dict[str, Any], livemode: bool = False) -> dict[str, Any]:
        """The event Stripe would send about ``obj``, as it was at that moment (a copy: later changes to the
        object are not in it, as an event's snapshot is not)."""
        with self._lock:
            return {"id": self._id("evt"), "object": "event", "api_version": "2026-10-28.endive",
                    "created": self.now(), "type": type, "livemode": livemode, "pending_webhooks": 1,
                    "request": {"id": None, "idempotency_key": None},
                    "data": {"object": json.loads(json.dumps(obj))}}

    def authorize(self, intent_id: str, tip_minor: int = 0, wallet: str | None = None,
                  number: str | None = None) -> None:
        """What a reader does when the customer taps: the intent is held (or declined, on cue or by test card)."""
        intent = self.intents[intent_id]
        if intent["status"] != "requires_payment_method":  # canceled (or held, or taken): nothing to authorise
            raise AssertionError(f"Stripe cannot authorise a {intent['status']} PaymentIntent ({intent_id})")
        brand, card_decline = TEST_CARDS.get(number or "4242424242424242", ("visa", None))
        decline = self.cue.pop("decline", None) or (("card_declined", card_decline) if card_decline else None)
        if decline:
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"type": "card_error", "code": decline[0], "decline_code": decline[1],
                                            "message": "Your card was declined."}
            return
        intent["status"] = "requires_capture"
        intent["last_payment_error"] = None
        intent["amount"] += tip_minor
        intent["amount_capturable"] = intent["amount"]
        if tip_minor:
            intent["amount_details"] = {"tip": {"amount": tip_minor}}
        # As the real API does, the charge shows the card's expiry and a fingerprint: we must drop them.
        read_method = self.cue.pop("read_method", "contactless_emv")
        chip = read_method.endswith("_emv")  # a chip read, touched or tapped: the EMV data of the receipt
        card = {"brand": brand, "last4": (number or "4242")[-4:], "exp_month": 12, "exp_year": 2089,
                "fingerprint": "fpFAKE" + (number or "4242")[-6:], "read_method": read_method,
                "amount_authorized": intent["amount"], "network": brand, "funding": "credit", "country": "US",
                "incremental_authorization_supported": False, "overcapture_supported": False,
                "capture_before": self.now() + HOLD_WINDOW_S["card_present"],
                "wallet": {"type": wallet} if wallet else None,
                # Stripe's card_present.receipt: the issuer's authorization code, and the chip's EMV tags
                # (none for a swipe) that card brands want printed on an EMV receipt.
                "receipt": {
                    "account_type": "credit", "authorization_code": self._authorization_code(),
                    "application_preferred_name": ("Visa Credit" if brand == "visa" else "Mastercard") if chip else None,
                    "dedicated_file_name": ("A0000000031010" if brand == "visa" else "A0000000041010") if chip else None,
                    "authorization_response_code": "3030" if chip else None,
                    "application_cryptogram": "EFED3C5AE3A56B62" if chip else None,
                    "terminal_verification_results": "0080008000" if chip else None,
                    "transaction_status_information": "6800" if chip else None,
                    "cardholder_verification_method": "none" if read_method != "magnetic_stripe_track2" else "signature",
                }}
        intent["latest_charge"] = {"id": self._id("ch"), "object": "charge", "amount": intent["amount"],
                                   "captured": False, "amount_refunded": 0, "payment_intent": intent_id,
                                   "payment_method_details": {"type": "card_present", "card_present": card},
                                   "balance_transaction": None}

    def tip_next(self, tip_minor: int) -> None:
        """The next customer chooses this tip on the reader (if the reader offers one)."""
        self.cue["tip"] = tip_minor

    def wallet_next(self, wallet_type: str = "apple_pay") -> None:
        """The next tap is a phone wallet."""
        self.cue["wallet"] = wallet_type

    def read_next(self, read_method: str) -> None:
        """The next card is read this way (Stripe's ``read_method``: ``contact_emv`` inserted in the chip
        reader, ``magnetic_stripe_track2`` swiped...); a tap (``contactless_emv``) otherwise."""
        allowed = stripe_schema.response_literals("Charge.PaymentMethodDetails.CardPresent", "read_method")
        if read_method not in allowed:
            raise ValueError(f"Stripe has no read_method {read_method!r}: {sorted(allowed)}")
        self.cue["read_method"] = read_method

    def _authorization_code(self) -> str:
        """An issuer's authorization code: six characters, new for each charge (as Stripe's test mode gives)."""
        self._counter += 1
        return f"{(self._counter * 7919) % 1000000:06d}"

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", "req_fake")
        if status >= 500:
            handler.send_header("Stripe-Should-Retry", "false")  # the saved answer would come back anyway
        handler.end_headers()
        handler.wfile.write(data)


def _invalid(message: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return {"error": error}


def _charge_id(intent: dict[str, Any]) -> str | None:
    charge = intent.get("latest_charge")
    return charge["id"] if isinstance(charge, dict) else charge


def _limit_error(code: str) -> dict[str, Any]:
    """Stripe's 429: too many requests, or another request holding the object (a lock timeout)."""
    if code == "lock_timeout":
        return _invalid("This object cannot be accessed right now because another API request or Stripe process "
                        "is currently accessing it. Please retry your request.", code="lock_timeout")
    return _invalid("Request rate limit exceeded. Learn more about rate limits here "
                    "https://stripe.com/docs/rate-limits.", code="rate_limit")


def _unexpected_state(intent: dict[str, Any], message: str) -> dict[str, Any]:
    payload = _invalid(message, code="payment_intent_unexpected_state")
    payload["error"]["payment_intent"] = dict(intent)
    return payload


def _shown(minor: int, currency: str) -> str:
    digits = 0 if currency.lower() in ("jpy", "krw", "vnd", "clp") else 2
    return f"{minor / 10 ** digits:.{digits}f}" if currency.lower() != "usd" else f"${minor / 100:.2f}"


def _page(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def _public(session: dict[str, Any]) -> dict[str, Any]:
    """A session as the API shows it (without the fake's own bookkeeping)."""
    return {k: v for k, v in session.items() if not k.startswith("_")}


def signed(event: dict[str, Any], secret: str, at: int | None = None) -> tuple[bytes, str]:
    """The body and ``Stripe-Signature`` header Stripe would send for ``event``: ``t=<time>,v1=<HMAC-SHA256 of
    "<time>.<body>" under the endpoint's secret>``, the scheme Stripe documents."""
    import hashlib
    import hmac

    body = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={mac}"
