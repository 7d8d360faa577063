"""The mail server's password, read where a command may read the environment: ``POS_SMTP_PASSWORD``, else the
owner-only file ``receipt.smtp_password_file``; one reading for ``pos receipt --email`` and the closings' email
witness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from pos.base.errors import NotAllowed

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.mail_server import MailServer


def smtp_password(server: "MailServer") -> Optional[str]:
    """The password to log in to ``server`` (None when it is used without logging in); refused, saying where to put
    it, when it needs one and none is given."""
    from pos.store.mail_server import read_password

    if not server.user:
        return None
    if os.environ.get("POS_SMTP_PASSWORD"):
        return os.environ["POS_SMTP_PASSWORD"]
    if server.password_file:
        return read_password(Path(server.password_file))
    raise NotAllowed(f"The mail server {server.where} needs the password of {server.user}: put it in an owner-only "
                     "file and 'pos config set receipt.smtp_password_file FILE', or set POS_SMTP_PASSWORD. Nothing "
                     "was sent.")
