"""Emailed receipts: ``pos receipt N --email ADDRESS`` writes the ``To:`` and, with the store's mail server set
(``receipt.smtp``), sends it: against a real SMTP server (aiosmtpd) on 127.0.0.1, with and without a log-in,
over STARTTLS with a certificate made for the test, and to a port where nothing answers."""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from email import policy
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import given, strategies as st

from payments import service
from pos.store import config
from pos.store.catalog import add_item
from pos.cash.drawer import open_drawer
from pos.base.errors import InvalidInput, NotAllowed, ServiceUnavailable
from pos.store.mail_server import MailServer, check_address, parse_server
from pos.sales.orders import add_line, new_order
from pos.sales.order_records import resolve
from pos.store.store import Store
from receipts import mail, model
from receipts.mail import mail_server

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd is in the test extras: pip install -e '.[test]'")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """What the server received: (envelope sender, recipients, the message as bytes), and who logged in."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logins: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"till", b"s3cret pw")
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)


def smtp_server(inbox: Inbox, **kwargs: Any) -> Iterator[Controller]:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def plain_server(inbox: Inbox) -> Iterator[Controller]:
    """A server on 127.0.0.1 without TLS that takes a log-in (as a local relay may)."""
    yield from smtp_server(inbox, authenticator=inbox.authenticate, auth_require_tls=False)


@pytest.fixture
def shop(make_store) -> Store:
    store = make_store("mail.db", training=True)
    add_item(store, "SODA", "Soda 20oz", "2.49")
    open_drawer(store, 1, "100")
    order = new_order(store, "counter")
    add_line(store, order.id, "SODA")
    service.pay(store, order.id, "cash", "5")
    return store


def local(store: Store, controller: Controller, **options: str) -> None:
    config.set_option(store, "receipt.smtp", f"127.0.0.1:{controller.port}")
    config.set_option(store, "receipt.smtp_starttls", options.pop("starttls", "no"))
    config.set_option(store, "receipt.sender", "receipts@tonys.example")
    for key, value in options.items():
        config.set_option(store, f"receipt.{key}", value)


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


# -- the address ----------------------------------------------------------------------------


def test_the_eml_gets_a_to_and_a_bad_address_writes_nothing(shop: Store, cli_for, tmp_path: Path) -> None:
    cli = cli_for(shop)
    letter = tmp_path / "r.eml"
    cli.ok("receipt", "1", "--eml", str(letter), "--email", "Dana@Example.COM")
    message = parsed(letter.read_bytes())
    assert message["To"] == "Dana@example.com"  # the domain in lower case, the mailbox as given
    assert "Soda 20oz" in message.get_body(("plain",)).get_content()
    for bad in ("dana", "dana@example", "Dana <dana@example.com>", "a@example.com, b@example.com",
                "dana@example.com\r\nBcc: all@example.com", ""):
        target = tmp_path / "bad.eml"
        result = cli.fails("receipt", "1", "--eml", str(target), "--pdf", str(tmp_path / "bad.pdf"), "--email", bad,
                           says="is not an email address")
        assert len(result.output.strip().splitlines()) == 1 and "\r" not in result.output
        assert not target.exists() and not (tmp_path / "bad.pdf").exists()


def test_without_a_mail_server_the_address_needs_an_eml(shop: Store, cli_for, tmp_path: Path) -> None:
    cli_for(shop).fails("receipt", "1", "--email", "dana@example.com", says="No mail server is set up")


@given(st.emails())
def test_every_address_accepted_is_one_bare_address_in_the_header(address: str) -> None:
    try:
        checked = check_address(address)
    except InvalidInput:
        return  # a few valid-but-unusual forms (an IP literal domain) are refused, never garbled
    assert checked.split("@")[0] == address.split("@")[0]
    header = parsed(f"To: {checked}\r\n\r\n".encode())["To"]
    assert [a.addr_spec for a in header.addresses] == [checked]


def test_a_mail_server_is_host_and_port() -> None:
    assert parse_server("SMTP.Example.com") == "smtp.example.com:587"
    assert parse_server("[::1]:2525") == "[::1]:2525" and parse_server("") == ""
    for bad in ("smtp example.com", "host:0", "host:70000", "::1", "host:port"):
        with pytest.raises(InvalidInput):
            parse_server(bad)


# -- sending ----------------------------------------------------------------------------------


def test_the_receipt_is_sent_through_the_stores_server(shop: Store, cli_for, inbox: Inbox,
                                                       plain_server: Controller, tmp_path: Path) -> None:
    local(shop, plain_server)
    result = cli_for(shop).ok("receipt", "1", "--email", "dana@example.com", "--eml", str(tmp_path / "r.eml"))
    day = resolve(shop, 1).business_day.isoformat()  # the day it was rung: the receipt names the order by it
    assert f"Sent the receipt for order {day}/1 to dana@example.com." in result.stdout
    ((sender, recipients, data),) = inbox.received
    assert (sender, recipients) == ("receipts@tonys.example", ["dana@example.com"])
    sent, written = parsed(data), parsed((tmp_path / "r.eml").read_bytes())
    assert sent["To"] == written["To"] == "dana@example.com"
    assert sent["From"] == "Test Pizza <receipts@tonys.example>" and sent["Message-ID"] == written["Message-ID"]
    body = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")  # the wire's line ends
    assert body == written.get_body(("plain",)).get_content() and "Soda 20oz" in body
    (attachment,) = sent.iter_attachments()
    assert attachment.get_filename() == f"receipt-{day}-1.pdf" and attachment.get_content().startswith(b"%PDF")
    assert inbox.logins == []


def test_a_log_in_takes_the_password_from_the_environment_or_an_owner_only_file(
        shop: Store, cli_for, inbox: Inbox, plain_server: Controller, tmp_path: Path, monkeypatch) -> None:
    cli = cli_for(shop)
    local(shop, plain_server, smtp_user="till")
    cli.fails("receipt", "1", "--email", "dana@example.com", says="needs the password of till")
    monkeypatch.setenv("POS_SMTP_PASSWORD", "wrong")
    cli.fails("receipt", "1", "--email", "dana@example.com", says="refused the user name till or its password")
    monkeypatch.setenv("POS_SMTP_PASSWORD", "s3cret pw")
    cli.ok("receipt", "1", "--email", "dana@example.com")
    monkeypatch.delenv("POS_SMTP_PASSWORD")
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret pw\n", encoding="utf-8")
    secret.chmod(0o644)
    cli.fails("config", "set", "receipt.smtp_password_file", str(secret), says="chmod 600")
    secret.chmod(0o600)
    cli.ok("config", "set", "receipt.smtp_password_file", str(secret))
    cli.ok("receipt", "1", "--email", "sam@example.org")
    secret.chmod(0o640)  # loosened afterwards: refused when it is read
    cli.fails("receipt", "1", "--email", "sam@example.org", says="can be read by other users")
    assert inbox.logins == ["till", "till"] and [r[1] for r in inbox.received] == [["dana@example.com"],
                                                                                   ["sam@example.org"]]
    assert "s3cret" not in "\n".join(r[0] for r in shop.all("SELECT value FROM settings"))


def test_a_server_without_starttls_gets_nothing_when_starttls_is_on(shop: Store, cli_for, inbox: Inbox,
                                                                    plain_server: Controller) -> None:
    local(shop, plain_server, starttls="yes")
    cli_for(shop).fails("receipt", "1", "--email", "dana@example.com", says="does not offer STARTTLS")
    assert inbox.received == []


def test_a_password_never_goes_unencrypted_to_another_machine(shop: Store) -> None:
    server = MailServer("smtp.example.com", 587, "till", "", False, "receipts@tonys.example")
    letter = mail.message(model.build(shop, 1), to="dana@example.com")
    with pytest.raises(ServiceUnavailable, match="never sent unencrypted"):
        mail.send(letter, server, "s3cret pw")


def test_an_unreachable_server_is_one_clear_line(shop: Store, cli_for, tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    config.set_option(shop, "receipt.smtp", f"127.0.0.1:{port}")
    config.set_option(shop, "receipt.sender", "receipts@tonys.example")
    result = cli_for(shop).fails("receipt", "1", "--email", "dana@example.com",
                                 says=f"Could not reach the mail server 127.0.0.1:{port} (nothing answers on that port)")
    assert len(result.output.strip().splitlines()) == 1 and "not sent" in result.output


def test_a_sender_is_needed(shop: Store, cli_for, plain_server: Controller) -> None:
    config.set_option(shop, "receipt.smtp", f"127.0.0.1:{plain_server.port}")
    cli_for(shop).fails("receipt", "1", "--email", "dana@example.com", says="set it with 'pos config set receipt.sender")
    config.set_option(shop, "receipt.smtp_user", "receipts@tonys.example")  # a user name that is an address will do
    assert mail_server(shop).sender == "receipts@tonys.example"  # type: ignore[union-attr]


# -- STARTTLS with a certificate -------------------------------------------------------------


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), as a test's own authority."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_starttls_then_log_in_and_an_untrusted_certificate_is_refused(shop: Store, cli_for, inbox: Inbox,
                                                                      tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    for controller in smtp_server(inbox, authenticator=inbox.authenticate, tls_context=server_tls,
                                  require_starttls=True):
        trusted = ssl.create_default_context(cafile=str(cert))
        server = MailServer("127.0.0.1", controller.port, "till", "", True, "receipts@tonys.example")
        mail.send(mail.message(model.build(shop, 1), to="dana@example.com"), server, "s3cret pw", tls=trusted)
        assert inbox.logins == ["till"] and inbox.received[0][1] == ["dana@example.com"]
        # The command trusts the system's authorities only: a certificate nobody vouches for gets nothing.
        local(shop, controller, starttls="yes")
        cli_for(shop).fails("receipt", "1", "--email", "dana@example.com", says="is not who it says it is")
        assert len(inbox.received) == 1


def test_config_refuses_what_cannot_be_a_mail_setting(shop: Store, cli_for, tmp_path: Path) -> None:
    cli = cli_for(shop)
    cli.fails("config", "set", "receipt.smtp", "smtp example.com", says="is not a host name")
    cli.fails("config", "set", "receipt.sender", "receipts", says="is not an email address")
    cli.fails("config", "set", "receipt.smtp_password_file", str(tmp_path / "none"), says="does not exist")
    cli.fails("config", "set", "receipt.smtp_starttls", "maybe", says="is not yes or no")
    with pytest.raises(NotAllowed, match="is empty"):
        empty = tmp_path / "empty"
        empty.write_text("", encoding="utf-8")
        empty.chmod(0o600)
        config.set_option(shop, "receipt.smtp_password_file", str(empty))


# -- who may send one, and the trail -----------------------------------------------------------------------


def test_emailing_a_receipt_needs_a_sign_in_that_may_and_is_audited_with_the_address_masked(
        shop: Store, cli_for, inbox: Inbox, plain_server: Controller, tmp_path: Path, monkeypatch) -> None:
    """Issue 24, 8: `pos receipt N --email` was not in the permission table: anyone at the till sent any order
    anywhere through the store's mail server, and nothing said so."""
    import sqlite3

    from pos.store import audit
    from tests.helpers import signin_on

    local(shop, plain_server)
    signin_on(shop, tmp_path, monkeypatch, (("Alice", "cashier", "2580"), ("Kit", "kitchen", "2580")))
    cli = cli_for(shop)
    assert "Soda 20oz" in cli.ok("receipt", "1").stdout  # printing one is anyone's, as before
    cli.fails("receipt", "1", "--email", "dana@example.com",
              says="'pos receipt' with --email sends a receipt away: sign in first with 'pos login NAME'")
    cli.ok("login", "Kit", input="2580\n")
    cli.fails("receipt", "1", "--email", "dana@example.com", audited=True,
              says="Kit is kitchen staff and may not email a receipt ('pos receipt 1'): that needs an owner, a "
                   "manager, a cashier or a server.")
    assert inbox.received == []
    cli.ok("login", "Alice", input="2580\n")
    cli.ok("receipt", "1", "--email", "dana@example.com")
    assert len(inbox.received) == 1
    (sent,) = [r for r in audit.records(shop) if r.event is audit.Event.RECEIPT_EMAILED]
    assert (sent.staff, sent.detail["to"], sent.detail["sent"]) == ("Alice", "d***@example.com", True)
    assert sent.detail["target"].startswith("order ") and sent.terminal
    conn = sqlite3.connect(shop.path)
    try:
        trail = "\n".join(row[0] for row in conn.execute("SELECT detail FROM audit_log"))
    finally:
        conn.close()
    assert "dana@" not in trail  # the address itself is nowhere in the trail
    from pos.books import ledger
    from pos.books import journal_check

    assert journal_check.verify(shop).problem is None


def test_a_store_that_cannot_record_it_sends_nothing(shop: Store, cli_for, inbox: Inbox, plain_server: Controller,
                                                     tmp_path: Path) -> None:
    """An emailed receipt is audited: a store made read-only (to send one unrecorded) sends nothing."""
    from tests.test_store_unwritable import unwritable

    local(shop, plain_server)
    shop.close()
    with unwritable(shop.path):
        cli_for(shop).fails("receipt", "1", "--email", "dana@example.com", says="read-only")
    assert inbox.received == []
