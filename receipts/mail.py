"""A receipt as a standard MIME email (stdlib ``email``): the text receipt as the body, the PDF attached; and
sending it through the store's mail server (:mod:`pos.store.mail_server`) with stdlib ``smtplib``.

Without a mail server the store sends the ``.eml`` with its own mail program.  Sending encrypts with
STARTTLS (or TLS from the start on port 465) unless the store turned it off, and never sends a
password over an unencrypted connection to another machine.  Every failure is one
:class:`~pos.base.errors.ServiceUnavailable` in the cashier's words, the receipt not sent.
Its ``Date:`` is the moment of the sale with the store's true UTC offset
(``Mon, 23 Nov 2026 12:00:00 -0500`` in a New York winter), whatever the
machine's own time zone; its Message-ID is new each time, as a mail
client expects of a message sent again.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING, Any

from receipts import pdf, text

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.mail_server import MailServer
    from pos.store.store import Store
    from receipts.model import Receipt

TIMEOUT_S = 15
"""How long the mail server has to answer each step."""


def message(receipt: "Receipt", *, to: str | None = None, sender: str | None = None) -> EmailMessage:
    """The email: text body, PDF attachment named after the order.

    ``to``: the customer's address, checked (:func:`pos.store.mail_server.check_address`); ``sender``: the
    store's address (``receipt.sender``), shown with the store's name.
    """
    from pos.store.mail_server import check_address

    msg = EmailMessage()
    kind = "Refund receipt" if receipt.title.startswith("REFUND") else "Receipt"
    marks = "".join(f" [{m}]" for m in receipt.marks)
    msg["Subject"] = f"{kind} for order {_named(receipt)} at {receipt.store_name}{marks}"
    # formataddr quotes the store's name: a '<', ',' or ';' in it stays part of the name, never another address.
    msg["From"] = formataddr((receipt.store_name, check_address(sender) if sender else "receipts@localhost"))
    if to:
        msg["To"] = check_address(to)  # one bare address: never a second one, a header or a line break
    # The real moment with the store's true offset (-0500 in a New York winter), never local time labelled UTC.
    msg["Date"] = format_datetime(receipt.moment)
    msg["Message-ID"] = make_msgid(f"receipt-{_file_part(receipt)}", "anytender.invalid")
    msg.set_content(text.render(receipt, 80))
    msg.add_attachment(pdf.render(receipt, 80), maintype="application", subtype="pdf",
                       filename=f"receipt-{_file_part(receipt)}.pdf")
    return msg


def mail_server(store: "Store") -> "MailServer | None":
    """The store's mail server, or None when ``receipt.smtp`` is not set."""
    from pos.store import config
    from pos.base.errors import InvalidInput, NotAllowed
    from pos.store.mail_server import MailServer, check_address

    where = config.get(store, "receipt.smtp")
    if not where:
        return None
    host, _, port = where.rpartition(":")
    user = config.get(store, "receipt.smtp_user")
    sender = config.get(store, "receipt.sender")
    if not sender:
        try:
            sender = check_address(user)
        except InvalidInput:
            raise NotAllowed("Receipts need an address to come from: set it with 'pos config set receipt.sender "
                             "receipts@your-shop.example'.") from None
    return MailServer(host.strip("[]"), int(port), user, config.get(store, "receipt.smtp_password_file"),
                      config.get(store, "receipt.smtp_starttls") == "yes", sender)


def send(msg: EmailMessage, server: "MailServer", password: str | None, *, tls: Any = None,
         timeout_s: float = TIMEOUT_S) -> None:
    """Send ``msg`` (its ``To:`` the one recipient) through ``server``; :class:`ServiceUnavailable` if it cannot.

    ``password``: for ``server.user`` (None when it sends without logging in).  ``tls``: the
    :class:`ssl.SSLContext` that checks the server's certificate (the system's trusted authorities by default).
    """
    import smtplib
    import ssl

    from pos.base.errors import ServiceUnavailable

    where = server.where
    to = str(msg["To"] or "")
    if not to:
        raise ServiceUnavailable("The receipt has no address to go to: give one with --email.")
    if server.user and password is None:
        raise ServiceUnavailable(f"The mail server {where} needs the password of {server.user}: set POS_SMTP_PASSWORD "
                                 "or receipt.smtp_password_file. The receipt was not sent.")
    implicit_tls = server.port == 465  # SMTPS: TLS from the first byte
    if server.user and not (server.starttls or implicit_tls or server.local):
        raise ServiceUnavailable(f"A password is never sent unencrypted to another machine: turn STARTTLS on ('pos "
                                 f"config set receipt.smtp_starttls yes') for {where}. The receipt was not sent.")
    context = tls or ssl.create_default_context()
    not_sent = "The receipt was not sent."
    try:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout_s, context=context) if implicit_tls \
            else smtplib.SMTP(server.host, server.port, timeout=timeout_s)
        with client:
            client.ehlo()
            if server.starttls and not implicit_tls:
                if not client.has_extn("starttls"):
                    raise ServiceUnavailable(f"The mail server {where} does not offer STARTTLS, so nothing was sent "
                                             "unencrypted: use its TLS port, or, for a server on this machine or "
                                             "your own network, 'pos config set receipt.smtp_starttls no'. " + not_sent)
                client.starttls(context=context)
                client.ehlo()
            if server.user:
                client.login(server.user, password or "")
            client.send_message(msg, from_addr=server.sender, to_addrs=[to])
    except ServiceUnavailable:
        raise
    except smtplib.SMTPAuthenticationError:
        raise ServiceUnavailable(f"The mail server {where} refused the user name {server.user} or its password: "
                                 f"check receipt.smtp_user and the password. {not_sent}") from None
    except smtplib.SMTPNotSupportedError:
        raise ServiceUnavailable(f"The mail server {where} does not take a log-in: set receipt.smtp_user ''. "
                                 f"{not_sent}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise ServiceUnavailable(f"The mail server {where} refused the address {to}"
                                 f"{_said(next(iter(exc.recipients.values()), None))}. {not_sent}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise ServiceUnavailable(f"The mail server {where} refused to send from {server.sender}"
                                 f"{_said((exc.smtp_code, exc.smtp_error))}: check receipt.sender. {not_sent}") from None
    except smtplib.SMTPResponseException as exc:
        raise ServiceUnavailable(f"The mail server {where} refused the receipt{_said((exc.smtp_code, exc.smtp_error))}. "
                                 f"{not_sent}") from None
    except ssl.SSLCertVerificationError as exc:
        raise ServiceUnavailable(f"The mail server {where} is not who it says it is ({exc.verify_message}): nothing "
                                 f"was sent. {not_sent}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise ServiceUnavailable(f"Could not reach the mail server {where} ({_reason(exc)}): check receipt.smtp and "
                                 f"the network. {not_sent}") from None


def _said(reply: Any) -> str:
    """`` (550 No such user)``: a server's own words, escaped and kept short."""
    from pos.base.text import shown

    if not isinstance(reply, tuple) or len(reply) != 2:
        return ""
    code, words = reply
    words = words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)
    words = " ".join(shown(words).split())[:120]
    return f" ({code} {words})" if words else f" ({code})"


def _reason(exc: BaseException) -> str:
    import socket

    if isinstance(exc, ConnectionRefusedError):
        return "nothing answers on that port"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, socket.gaierror):
        return "no such host"
    if isinstance(exc, (ConnectionResetError, EOFError)) or type(exc).__name__ == "SMTPServerDisconnected":
        return "it closed the connection"
    return " ".join(str(getattr(exc, "strerror", None) or exc or type(exc).__name__).split())[:120]


def _named(receipt: "Receipt") -> str:
    """The order as the receipt names it: ``2026-12-06/14`` (``#14`` for a receipt made without its day)."""
    return receipt.order_ref or f"#{receipt.order_number}"


def _file_part(receipt: "Receipt") -> str:
    """The order in a file name or a message id: ``2026-12-06-14``."""
    return receipt.order_ref.replace("/", "-") if receipt.order_ref else str(receipt.order_number)
