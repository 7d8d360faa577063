"""Store settings: what ``pos init`` asks for, validated once, read everywhere.

Settings live in the ``settings`` table as text key/value pairs.  They are
validated by :class:`StoreSettings` (pydantic) when written, so reading them
back on every command (the hot path) only converts types.
"""

from __future__ import annotations

import enum
import re
from datetime import time
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pos.errors import Conflict, InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from zoneinfo import ZoneInfo

    from pos.store import Store


class TaxMode(str, enum.Enum):
    """Whether catalog prices already include tax (EU style) or not (US style)."""

    EXCLUSIVE = "exclusive"
    INCLUSIVE = "inclusive"


_ROLLOVER = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class StoreSettings(BaseModel):
    """Validated store-wide settings."""

    model_config = ConfigDict(frozen=True, defer_build=True, extra="forbid")

    name: str
    address: str = ""
    currency: str = "USD"
    locale: str = "en_US"
    timezone: str = "UTC"
    tax_mode: TaxMode = TaxMode.EXCLUSIVE
    day_rollover: str = "04:00"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the store name is empty: give one, like --name \"Tony's Pizza\"")
        if len(value) > 80:
            raise ValueError("the store name is longer than 80 characters")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        from pos.money import exponent

        value = value.strip().upper()
        try:
            exponent(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        from babel import Locale, UnknownLocaleError

        try:
            return str(Locale.parse(value.strip().replace("-", "_")))
        except (UnknownLocaleError, ValueError):
            raise ValueError(f"unknown locale '{value}': use a code like en_US, de_DE or ko_KR") from None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone '{value}': use an IANA name like America/New_York or Europe/Berlin"
            ) from None
        return value.strip()

    @field_validator("day_rollover")
    @classmethod
    def _rollover(cls, value: str) -> str:
        value = value.strip()
        if len(value) == 4 and value[1] == ":":
            value = "0" + value
        if not _ROLLOVER.match(value):
            raise ValueError(f"day rollover '{value}' is not a time of day: use HH:MM, like 04:00")
        return value

    @property
    def rollover_time(self) -> time:
        hours, minutes = self.day_rollover.split(":")
        return time(int(hours), int(minutes))

    @property
    def zone(self) -> "ZoneInfo":
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)


def validate_settings(values: dict[str, object]) -> StoreSettings:
    """Validate settings given by a user; errors become one InvalidInput."""
    try:
        return StoreSettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"Setting {field}: {message}.") from None


def load_settings(store: "Store") -> StoreSettings:
    """Read the settings of an open store (validated when they were written)."""
    rows = store.all("SELECT key, value FROM settings")
    values: dict[str, object] = {row["key"]: row["value"] for row in rows}
    known = StoreSettings.model_fields
    values = {k: v for k, v in values.items() if k in known}
    values["tax_mode"] = TaxMode(values.get("tax_mode", TaxMode.EXCLUSIVE.value))
    # Trusted data written by save_settings: skip re-validation on the hot path.
    return StoreSettings.model_construct(**values)  # type: ignore[arg-type]


def save_settings(store: "Store", settings: StoreSettings) -> None:
    """Write every setting (inside the caller's transaction)."""
    with store.write() as conn:
        for key, value in settings.model_dump(mode="json").items():
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )
    store.forget_settings()


def ensure_uninitialised(store: "Store") -> None:
    """Refuse to initialise a store that already has settings."""
    if store.one("SELECT 1 FROM settings LIMIT 1") is not None:
        raise Conflict(f"The store at {store.path} is already set up; nothing was changed.")
