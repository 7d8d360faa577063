"""The store's mail server for emailed receipts: the ``receipt.smtp*`` options, checked as typed, read as one record.

    receipt.smtp                 HOST:PORT of the server that sends receipts ('' for none: write the .eml instead)
    receipt.smtp_user            the user name to log in with ('' to send without logging in)
    receipt.smtp_password_file   an owner-only file holding the password ('' to read POS_SMTP_PASSWORD instead)
    receipt.smtp_starttls        yes (the default): encrypt with STARTTLS before anything is sent; no for a
                                 server on this machine or your own network that has no TLS
    receipt.sender               the address receipts come from (the user name, if it is an address)

The password itself is never in the store: it comes from the environment (read by the command, as
``pos/`` never reads it) or from the owner-only file, read here when a receipt is sent.  Port 465 is
TLS from the first byte (SMTPS); any other port speaks plain SMTP, upgraded with STARTTLS.
The options are read as one :class:`MailServer` by :func:`receipts.mail.mail_server`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from pos.base.errors import InvalidInput, NotAllowed

SUBMISSION_PORT = 587
"""The port a server is reached on when only its name is given (mail submission, RFC 6409)."""
SMTPS_PORT = 465
"""TLS from the first byte: STARTTLS does not apply."""

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


class MailServer(NamedTuple):
    host: str
    port: int
    user: str
    """'' to send without logging in."""
    password_file: str
    """'' to take the password from the environment (``POS_SMTP_PASSWORD``)."""
    starttls: bool
    sender: str
    """The envelope sender and ``From:`` address."""

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def local(self) -> bool:
        """On this machine: the only place a password may go over a connection that is not encrypted."""
        import ipaddress

        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def check_address(text: str) -> str:
    """One email address (``dana@example.com``), as a mail server takes it; an InvalidInput saying why not.

    No display name, no second address, no comment: only ``local@domain``, the domain a name with a dot
    (or written in another script, as IDNA encodes it), at most 254 characters.
    """
    value = (text or "").strip()
    from pos.base.text import shown

    quoted = shown(value if len(value) <= 60 else value[:57] + "...")
    problem = f"'{quoted}' is not an email address: give one like dana@example.com."
    if not value or len(value) > 254 or value.count("@") != 1 or not value.isprintable() or any(c.isspace() for c in value):
        raise InvalidInput(problem)
    local, domain = value.split("@")
    try:
        ascii_domain = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    except UnicodeError:
        raise InvalidInput(problem) from None
    if not (local and len(local) <= 64 and _LOCAL.match(local)) or "." not in ascii_domain.strip(".") \
            or not _HOST.match(ascii_domain) or ascii_domain.rsplit(".", 1)[1].isdigit():
        raise InvalidInput(problem)
    return f"{local}@{ascii_domain.lower()}"


def masked(address: str) -> str:
    """An address as the audit trail keeps it: its first character, ``***`` and the domain (``d***@example.com``),
    enough to tell which customer's it was with the receipt in hand, not enough to mail them."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


def parse_server(text: str) -> str:
    """``HOST:PORT`` (``HOST`` alone: port 587; ``[::1]:25`` for an IPv6 address), or '' for none."""
    value = (text or "").strip()
    if not value:
        return ""
    import ipaddress

    hint = "give HOST:PORT, like smtp.example.com:587, or '' for none"
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([^:\[\]]+)(?::(\d{1,5}))?", value)
    if match is None:
        raise InvalidInput(f"'{value[:60]}' is not a mail server: {hint}.")
    host, port_text = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    port = int(port_text) if port_text else SUBMISSION_PORT
    if not 1 <= port <= 65535:
        raise InvalidInput(f"Port {port} is not a port: ports go from 1 to 65535 (mail submission is 587).")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not _HOST.match(host) or len(host) > 253:
            raise InvalidInput(f"'{host[:60]}' is not a host name: {hint}.") from None
        return f"{host.lower()}:{port}"
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def parse_user(text: str) -> str:
    from pos.base.text import clean_line

    return clean_line(text, "mail server user name")


def parse_sender(text: str) -> str:
    value = (text or "").strip()
    return check_address(value) if value else ""


def parse_password_file(text: str) -> str:
    """An owner-only file that holds the password ('' for none): checked now, and again each time it is read."""
    from pos.base.text import clean_line

    value = clean_line(text, "mail password file")
    if not value:
        return ""
    path = Path(value).expanduser()
    read_password(path)  # exists, a file, owner-only, not empty
    return str(path.resolve())


def read_password(path: Path) -> str:
    """The password in ``path``: its first line.  A link, a file others may read or an empty one is refused."""
    from pos.base.secret_files import read_owner_only

    first = read_owner_only(path, "the mail password file", f"The mail password file {path} does not exist: create "
                            "it (owner-only), or set receipt.smtp_password_file ''.").splitlines()
    password = first[0].strip("\r\n") if first else ""
    if not password:
        raise NotAllowed(f"The mail password file {path} is empty: put the password on its first line.")
    return password
