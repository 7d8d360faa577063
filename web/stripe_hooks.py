"""The one path Stripe's webhooks reach: ``POST /stripe/webhook``.

The request body is read as bytes (at most :data:`MAX_BODY_BYTES`), verified
with the endpoint's signing secret, and handed to
:func:`payments.stripe.webhooks.handle_event` in a worker thread, on a store opened
for that request only (a SQLite connection belongs to one thread).  The
answers are those Stripe acts on: 200 when the event was handled or is one we
ignore (Stripe stops sending it), 400 when it is not an event Stripe signed
for this endpoint (nothing is written), 503 when Stripe or the store could
not be used just then and 409 when the payment changed under it (Stripe sends
it again, with backoff, for three days).

Starlette is imported here only: no other command pays for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from pos.base.errors import AnytenderError, InvalidInput, ProcessorUnavailable, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from pos.store.store import Store

PATH = "/stripe/webhook"
MAX_BODY_BYTES = 512 * 1024
"""Stripe's events are a few kilobytes; anything far larger is not one, and is not read into memory."""

log = logging.getLogger("anytender.webhooks")


def make_app(open_store: Callable[[], "Store"], secret: str) -> "Starlette":
    """The ASGI app: ``open_store`` gives a fresh store handle (closed after the request), ``secret`` is the
    endpoint's signing secret (``whsec_...``)."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.routing import Route

    async def webhook(request: "Request") -> "JSONResponse":
        body = await _body(request)
        if body is None:
            return _answer(413, error="The request body is too large to be a Stripe event.")
        return await run_in_threadpool(_handle, open_store, secret, body, request.headers.get("stripe-signature"))

    return Starlette(routes=[Route(PATH, webhook, methods=["POST"])])


async def _body(request: "Request") -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _handle(open_store: Callable[[], "Store"], secret: str, body: bytes, signature: str | None) -> "JSONResponse":
    from payments.stripe.webhooks import handle_event, verify_event

    try:
        event = verify_event(body, signature, secret)
    except InvalidInput as exc:
        log.warning("refused a webhook request: %s", exc.message)
        return _answer(400, error=exc.message)
    try:
        store = open_store()
    except StoreError as exc:
        return _answer(503, error=exc.message)
    try:
        handled = handle_event(store, event)
    except (ProcessorUnavailable, StoreError) as exc:
        log.warning("event %s left for Stripe to send again: %s", event["id"], exc.message)
        return _answer(503, error=exc.message)
    except AnytenderError as exc:  # the payment changed meanwhile, say: not recorded, so Stripe's next try acts on it
        log.warning("event %s not handled yet: %s", event["id"], exc.message)
        return _answer(409, error=exc.message)
    finally:
        store.close()
    log.info("event %s (%s): %s", handled.event_id, handled.type, handled.action)
    return _answer(200, event=handled.event_id, action=handled.action, replayed=handled.replayed)


def _answer(status: int, **body: Any) -> "JSONResponse":
    from starlette.responses import JSONResponse

    return JSONResponse(body, status_code=status)
