"""The one exception hierarchy of Anytender, rooted at :class:`AnytenderError`.

Every error the business core raises on purpose is a subclass of
``AnytenderError``.  Its ``message`` is written for the person at the register:
what went wrong, in their words, and what to do next.  The CLI prints that
message on one line and exits 1; anything that is *not* an ``AnytenderError``
is a bug and is allowed to show a traceback.

    AnytenderError
    ├── InvalidInput          the user typed something we cannot accept
    ├── NotFound              an order, item, staff member... does not exist
    ├── Conflict              it exists already, or is in the wrong state
    ├── NotAllowed            a rule forbids it (permissions, tips, locked day)
    │   └── Refused           a control refused an attempt (a limit, the table, a sign-in's scope): audited
    ├── StoreError            the database file itself is unusable
    │   ├── SchemaTooNew      written by a newer Anytender; refused, untouched
    │   ├── StoreReadOnly     the file, its folder or its disk cannot be written (reads still work)
    │   ├── DiskFull          no room left on the disk for the change
    │   └── DiskFailed        the disk reported an error while the store was read or written
    ├── ProcessorUnavailable  a payment processor could not be reached
    └── ServiceUnavailable    another service away from the counter (the mail server) could not be reached

Business outcomes that are not failures of the software (a card declined)
are result objects in ``payments/``, never exceptions.
"""

from __future__ import annotations


class AnytenderError(Exception):
    """Root of every expected error; ``message`` is safe to show a cashier.

    ``code`` names the kind of error for scripts (``pos ... --json`` prints it with the message):
    each class below has its own, and a subclass without one shares its parent's.
    """

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(AnytenderError):
    """Input that cannot be accepted as typed (bad amount, empty name...)."""

    code = "invalid_input"


class NotFound(AnytenderError):
    """A thing referred to by name, number or id does not exist."""

    code = "not_found"


class Conflict(AnytenderError):
    """The thing exists already, or its state forbids the change."""

    code = "conflict"


class NotAllowed(AnytenderError):
    """A business rule or permission forbids the action."""

    code = "not_allowed"


class Refused(NotAllowed):
    """A control refused what someone tried (a limit, the permission table, a sign-in's scope).

    Nothing is written for it but the refusal itself, which whoever caught it (the CLI, a screen)
    records in the audit trail: refused attempts are evidence too.
    """


class StoreError(AnytenderError):
    """The store file cannot be used (missing, corrupt, not initialised)."""

    code = "store_error"


class SchemaTooNew(StoreError):
    """The store was written by a newer version; we refuse to touch it."""

    code = "schema_too_new"


class StoreReadOnly(StoreError):
    """The store can be read but not written: a read-only file, folder or filesystem."""

    code = "read_only"


class DiskFull(StoreError):
    """The disk under the store has no room for the change; nothing was written."""

    code = "disk_full"


class DiskFailed(StoreError):
    """The operating system reported an I/O error for the store file."""

    code = "disk_failed"


class ProcessorUnavailable(AnytenderError):
    """A payment processor could not be reached or answered nonsense."""

    code = "processor_unavailable"


class ServiceUnavailable(AnytenderError):
    """A service away from the counter (the mail server that sends receipts) could not be reached, or refused."""

    code = "service_unavailable"
