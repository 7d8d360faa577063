"""The store's settings as every command reads them: a plain record, loaded through a store handle.

:class:`StoreSettings` is what ``store.settings`` returns (cached by the
store).  It is cheap to build and needs nothing but the standard library,
so :mod:`pos.store.store` can load it without importing :mod:`pos.store.settings`,
which validates what a user types (pydantic, babel) and writes it.
"""

from __future__ import annotations

import enum
from datetime import time
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3
    from zoneinfo import ZoneInfo


class TaxMode(str, enum.Enum):
    """Whether catalog prices already include tax (EU style) or not (US style)."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"


class StoreSettings(NamedTuple):
    """Store-wide settings, as read on every command (a plain record: cheap to build)."""

    name: str
    address: str = ""
    currency: str = "USD"
    locale: str = "en_US"
    timezone: str = "UTC"
    tax_mode: TaxMode = TaxMode.EXCLUSIVE
    day_rollover: str = "04:00"
    training: bool = False
    """A training store: card payments go to the built-in training processor; everything says TRAINING."""

    @property
    def rollover_time(self) -> time:
        hours, minutes = self.day_rollover.split(":")
        return time(int(hours), int(minutes))

    @property
    def zone(self) -> "ZoneInfo":
        return zone(self.timezone)

    def as_dict(self) -> dict[str, str]:
        """The settings as text, the way they are stored."""
        return {k: (v.value if isinstance(v, enum.Enum) else str(v)) for k, v in self._asdict().items()}


def zone(name: str) -> "ZoneInfo":
    """The time zone of an IANA name (imported on first use: zoneinfo costs start-up time)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def load_settings(conn: sqlite3.Connection) -> StoreSettings:
    """Read the settings of an open store's connection (validated when they were written:
    :func:`pos.store.settings.save_settings`)."""
    rows = conn.execute("SELECT key, value FROM settings").fetchall()
    values: dict[str, object] = {row["key"]: row["value"] for row in rows}
    values = {k: v for k, v in values.items() if k in StoreSettings._fields}
    values["tax_mode"] = TaxMode(values.get("tax_mode", TaxMode.EXCLUSIVE.value))
    values["training"] = values.get("training") == "True"
    # Validated when written (save_settings): no re-validation on the hot path.
    return StoreSettings(**values)  # type: ignore[arg-type]
