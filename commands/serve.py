"""``pos serve``: the store's HTTP endpoint for Stripe's webhooks (the web app the issues grow lands here too)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from commands.context import OWNER, open_store, state_of, stripe_settings
from commands.output import say
from pos.base.errors import InvalidInput

top_level = typer.Typer()

# Who may start it, by the permission table: the server acts on payments for as long as it runs.
ACTIONS: dict[str, str] = {"serve": "CHANGE_SETTINGS"}


def webhook_secret(secret_file: Optional[Path]) -> str:
    """The endpoint's signing secret: ``STRIPE_WEBHOOK_SECRET``, or an owner-only file (``--webhook-secret-file``)."""
    from payments.stripe.gateway import read_secret_file

    secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip()
    if not secret and secret_file is not None:
        secret = read_secret_file(secret_file) or ""
    if not secret:
        raise InvalidInput("No webhook signing secret: set STRIPE_WEBHOOK_SECRET or give --webhook-secret-file "
                           "(Stripe's Dashboard shows it for the endpoint; 'stripe listen' prints one).")
    if not secret.startswith("whsec_"):
        raise InvalidInput("That is not a webhook signing secret (they start with whsec_): copy the endpoint's "
                           "from Stripe's Dashboard.")
    return secret


@top_level.command("serve", rich_help_panel=OWNER)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: only this machine, e.g. behind a "
                                           "tunnel or 'stripe listen').")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free one, printed).")] = 8787,
    secret_file: Annotated[Optional[Path], typer.Option(
        "--webhook-secret-file", envvar="POS_STRIPE_WEBHOOK_SECRET_FILE", show_envvar=False,
        help="Owner-only file with the endpoint's signing secret (or set STRIPE_WEBHOOK_SECRET).")] = None,
) -> None:
    """Receive Stripe's webhooks at /stripe/webhook, so links and delayed payments settle without polling (and
    finish, in the background, what they queued)."""
    secret = webhook_secret(secret_file)
    store = open_store(ctx)  # the permission check, and a store that exists, before anything listens
    if stripe_settings() is None:
        raise InvalidInput("Webhooks need the Stripe key too (STRIPE_API_KEY): each event is checked with Stripe.")
    db_path = state_of(ctx).db_path
    terminal = str(store.memo.get("terminal") or "")

    from pos.store.store import Store

    def request_store() -> Store:
        fresh = Store.open(db_path)
        fresh.memo.update(stripe_settings=stripe_settings, terminal=terminal, command="pos serve (Stripe webhook)")
        return fresh

    import logging
    import socket

    import uvicorn

    from web.stripe_hooks import PATH, make_app

    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(128)  # connections made from here on wait for the server rather than being refused
    except OSError as exc:  # the port is taken, or the address is not this machine's
        listener.close()
        raise InvalidInput(f"Cannot listen on {host}:{port} ({exc.strerror or exc}): choose another --port.") from None
    bound = listener.getsockname()[1]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    events_log = logging.getLogger("anytender.webhooks")
    events_log.addHandler(handler)
    events_log.setLevel(logging.INFO)
    config = uvicorn.Config(make_app(request_store, secret), log_level="warning", access_log=False,
                            server_header=False, lifespan="off")
    from web.job_worker import JobWorker

    worker = JobWorker(request_store).start()  # runs what webhooks queued, and what a killed server left
    say(f"Listening for Stripe webhooks at http://{host}:{bound}{PATH} (Ctrl-C to stop).")
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        worker.stop()
