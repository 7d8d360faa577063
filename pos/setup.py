"""Creating a store: ``pos init``.

Validates every setting before the file exists, then creates the file, the
schema, the settings, the first tax category and the owner's recovery code in one go.  If anything
fails after the file was created, the new (empty) file is removed again, so
a failed ``init`` leaves nothing behind, and an existing store is never
touched.
"""

from __future__ import annotations

import os
from pathlib import Path

from pos.catalog import parse_rate
from pos.settings import save_settings, validate_settings
from pos.settings_record import StoreSettings, TaxMode
from pos.store import Store


def init_store(
    path: str | os.PathLike[str],
    *,
    name: str,
    currency: str = "USD",
    locale: str = "en_US",
    timezone: str = "UTC",
    tax_included: bool = False,
    tax_rate: str = "0",
    day_rollover: str = "04:00",
    address: str = "",
    training: bool = False,
) -> Store:
    """Create and set up a new store file; returns it open (with no recovery code: :func:`create_store` makes one)."""
    return _create(path, name=name, currency=currency, locale=locale, timezone=timezone, tax_included=tax_included,
                   tax_rate=tax_rate, day_rollover=day_rollover, address=address, training=training)[0]


def create_store(path: str | os.PathLike[str], **options: object) -> tuple[Store, str]:
    """``pos init``: :func:`init_store`, with the owner's recovery code (:mod:`pos.recovery`) made in the same go.

    Returns the store, open, and the code, to show once: the store keeps only its hash.
    """
    store, code = _create(path, recovery_code=True, **options)  # type: ignore[arg-type]
    assert code is not None
    return store, code


def _create(
    path: str | os.PathLike[str],
    *,
    name: str,
    currency: str = "USD",
    locale: str = "en_US",
    timezone: str = "UTC",
    tax_included: bool = False,
    tax_rate: str = "0",
    day_rollover: str = "04:00",
    address: str = "",
    training: bool = False,
    recovery_code: bool = False,
) -> tuple[Store, str | None]:
    settings: StoreSettings = validate_settings(
        {
            "name": name,
            "address": address,
            "currency": currency,
            "locale": locale,
            "timezone": timezone,
            "tax_mode": TaxMode.INCLUSIVE if tax_included else TaxMode.EXCLUSIVE,
            "day_rollover": day_rollover,
            "training": training,
        }
    )
    rate = parse_rate(tax_rate)
    store = Store.create(path)
    try:
        with store.write() as conn:
            save_settings(store, settings)
            conn.execute(
                "INSERT INTO tax_categories(code, name, rate_percent) VALUES ('standard', 'Standard', ?)",
                (str(rate),),
            )
            code = None
            if recovery_code:
                from pos import recovery

                code = recovery.issue(store)
    except BaseException:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return store, code
