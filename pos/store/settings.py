"""Store settings: what ``pos init`` asks for, validated once and written; read everywhere.

Settings live in the ``settings`` table as text key/value pairs.  What a user
types is validated by a pydantic model derived from
:class:`pos.store.settings_record.StoreSettings` when written; reading them back on
every command (the hot path, ``store.settings``) only builds that plain record
(:mod:`pos.store.settings_record`), because importing pydantic's model machinery
costs more than a cashier's whole command.  The store never imports this module.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pos.base.errors import Conflict, InvalidInput
from pos.store.settings_record import StoreSettings, zone

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store


_ROLLOVER = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# -- validation of what a user typed (pydantic; only at init and config time) ------


def _check_name(value: str) -> str:
    from pos.base.text import clean_line

    value = clean_line(value, "store name")  # an InvalidInput goes through pydantic as it is
    if not value:
        raise ValueError("the store name is empty: give one, like --name \"Tony's Pizza\"")
    return value


def _check_address(value: str) -> str:
    from pos.base.text import clean_line

    return clean_line(value, "store address")


def _check_currency(value: str) -> str:
    from pos.base.money import exponent

    value = value.strip().upper()
    try:
        exponent(value)
    except InvalidInput as exc:
        raise ValueError(exc.message.rstrip(".")) from None
    return value


def _check_locale(value: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(value.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown locale '{value}': use a code like en_US, de_DE or ko_KR") from None


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfoNotFoundError

    try:
        zone(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}': use an IANA name like America/New_York or Europe/Berlin"
        ) from None
    return value.strip()


def _check_rollover(value: str) -> str:
    value = value.strip()
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    if not _ROLLOVER.match(value):
        raise ValueError(f"day rollover '{value}' is not a time of day: use HH:MM, like 04:00")
    return value


_CHECKS = {
    "name": _check_name,
    "address": _check_address,
    "currency": _check_currency,
    "locale": _check_locale,
    "timezone": _check_timezone,
    "day_rollover": _check_rollover,
}


@lru_cache(maxsize=1)
def _input_model() -> Any:
    """A pydantic model derived from :class:`StoreSettings` and the checks above.

    Built on first use: pydantic costs more start-up time than a whole
    cashier command, and only ``init`` and ``config`` validate input.
    """
    from pydantic import ConfigDict, create_model, field_validator

    from typing import get_type_hints

    hints = get_type_hints(StoreSettings)
    fields: dict[str, Any] = {
        name: (hints[name], StoreSettings._field_defaults.get(name, ...)) for name in StoreSettings._fields
    }
    validators: dict[str, Any] = {
        f"_check_{field}": field_validator(field)(classmethod(lambda cls, v, f=check: f(v)))
        for field, check in _CHECKS.items()
    }
    return create_model(
        "StoreSettingsInput", __config__=ConfigDict(extra="forbid"), __validators__=validators, **fields
    )


def validate_settings(values: dict[str, object]) -> StoreSettings:
    """Validate settings given by a user; the first problem becomes one InvalidInput."""
    from pydantic import ValidationError

    try:
        model = _input_model().model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"Setting {field}: {message}.") from None
    return StoreSettings(**model.model_dump())


def save_settings(store: "Store", settings: StoreSettings) -> None:
    """Write every setting (inside the caller's transaction)."""
    with store.write() as conn:
        for key, value in settings.as_dict().items():
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )
        store.forget_settings()
        from pos.base.money_format import store_facts

        store_facts(store)
    store.forget_settings()


def ensure_uninitialised(store: "Store") -> None:
    """Refuse to initialise a store that already has settings."""
    if store.one("SELECT 1 FROM settings LIMIT 1") is not None:
        raise Conflict(f"The store at {store.path} is already set up; nothing was changed.")
