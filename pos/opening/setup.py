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
from typing import TYPE_CHECKING, Required, TypedDict, Unpack

from pos.store.taxes import create_category, parse_rate
from pos.store.settings import save_settings, validate_settings
from pos.store.settings_record import StoreSettings, TaxMode
from pos.store.store import Store

if TYPE_CHECKING:  # pragma: no cover
    from pos.base.secret_files import KeyLocation


class StoreOptions(TypedDict, total=False):
    """A new store's settings, as ``pos init`` takes them (each but the name has a default)."""

    name: Required[str]
    currency: str  # USD
    locale: str  # en_US
    timezone: str  # UTC
    tax_included: bool  # False: prices exclude tax
    tax_rate: str  # "0": the standard category's rate, percent
    day_rollover: str  # 04:00
    address: str
    training: bool  # False


def init_store(path: str | os.PathLike[str], **options: Unpack[StoreOptions]) -> Store:
    """Create and set up a new store file; returns it open (with no recovery code: :func:`create_store` makes one)."""
    return _create(path, False, options)[0]


def create_store(path: str | os.PathLike[str], keys: "KeyLocation | None" = None,
                 **options: Unpack[StoreOptions]) -> tuple[Store, str]:
    """``pos init``: :func:`init_store`, with the owner's recovery code (:mod:`pos.people.recovery`) made in the same go,
    and, given ``keys``, the closing key (:func:`make_closing_key`).  A key that cannot be made leaves no store.

    Returns the store, open, and the code, to show once: the store keeps only its hash.
    """
    store, code = _create(path, True, options)
    assert code is not None
    if keys is not None:
        try:
            make_closing_key(store, keys)
        except BaseException:
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            raise
    return store, code


def make_closing_key(store: Store, keys: "KeyLocation") -> tuple[Path, str]:
    """``pos init``'s closing key (:mod:`pos.day.signing`): a new owner-only key file at ``keys`` for this store, its
    public key kept in the store.  Returns the file and the key's fingerprint.  Refused, leaving the store
    without a key (one is then made at its first close), when a file is already there."""
    from pos.day import signing

    path = signing.key_path(store, keys)
    public = signing.make_key(path)
    try:
        with store.write():
            fingerprint = signing.record_key(store, public)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, fingerprint


def _create(path: str | os.PathLike[str], recovery_code: bool, options: StoreOptions) -> tuple[Store, str | None]:
    settings: StoreSettings = validate_settings(
        {
            "name": options["name"],
            "address": options.get("address", ""),
            "currency": options.get("currency", "USD"),
            "locale": options.get("locale", "en_US"),
            "timezone": options.get("timezone", "UTC"),
            "tax_mode": TaxMode.INCLUSIVE if options.get("tax_included", False) else TaxMode.EXCLUSIVE,
            "day_rollover": options.get("day_rollover", "04:00"),
            "training": options.get("training", False),
        }
    )
    rate = parse_rate(options.get("tax_rate", "0"))
    store = Store.create(path)
    try:
        with store.write():
            save_settings(store, settings)
            create_category(store, "standard", "Standard", rate)
            code = None
            if recovery_code:
                from pos.people import recovery

                code = recovery.issue(store)
    except BaseException:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return store, code
