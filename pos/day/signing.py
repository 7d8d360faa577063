"""The store's closing key: an Ed25519 key pair whose private half lives outside the store file.

Every day close is signed (:mod:`pos.day.closings`) with a private key kept in its own owner-only
file, never in the store: whoever can write the store file can recompute the journal's hash
chain, but cannot sign a closing without this key.  The store keeps only the public key and its
fingerprint, which the Z report prints.

Where the key file is, is the caller's to say (``pos/`` never reads the environment): the
commands pass a :class:`KeyLocation`, by default ``$XDG_DATA_HOME/anytender/keys/<store-id>.ed25519``.
One exception, :func:`key_path`: a training store that keeps its key in its own folder (``pos demo``'s,
:func:`keep_in_own_folder`) is found there, so deleting a demo's folder removes everything it made; a
file named outright (``--key-file``, ``POS_KEY_FILE``) still wins.

``cryptography`` is imported only when a key is made, loaded or checked: it costs start-up time
a cashier's command never needs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pos.base.errors import InvalidInput, NotAllowed, StoreError
from pos.base.private_folders import make_private_folder
from pos.base.secret_files import KEY_SUFFIX, KeyLocation  # noqa: F401 - where a key is, with the records of pos.base

if TYPE_CHECKING:  # pragma: no cover
    from pos.store.store import Store

_HEADER = "anytender closing key (Ed25519 private key, hex); keep it secret, back it up apart from the store"


OWN_FOLDER_SETTING = "closing.key_in_own_folder"
"""The settings row of a training store whose key is in its own folder: the key file's path relative to that folder."""


def keep_in_own_folder(store: "Store") -> KeyLocation:
    """Where a training store (``pos demo``'s) keeps its key in its own folder, ``keys/<store-id>.ed25519`` beside
    the store file, recorded in the store (inside the caller's transaction) so that every later command finds it."""
    if not store.settings.training:
        raise NotAllowed("Only a training store keeps its closing key in its own folder: a real store's key is kept "
                         "apart from it.")
    relative = f"keys/{store_id(store)}{KEY_SUFFIX}"
    store.conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                       "excluded.value", (OWN_FOLDER_SETTING, relative))
    return KeyLocation(file=store.path.parent / relative)


def key_path(store: "Store", location: KeyLocation | None) -> Path:
    """The file of this store's private key: one named outright (``location.file``), else, for a training store
    that keeps it in its own folder, there; else ``<store-id>.ed25519`` in ``location``'s folder."""
    if location is not None and location.file is not None:
        return location.file
    row = store.one("SELECT value FROM settings WHERE key = ?", (OWN_FOLDER_SETTING,))
    if row is not None and store.settings.training:
        relative = Path(row[0])
        if not relative.is_absolute() and ".." not in relative.parts:  # within the store's folder, never outside it
            return store.path.parent / relative
    if location is None:
        raise NotAllowed("This close must be signed, and no closing key file was given: nothing was written.")
    return location.path_for(store_id(store))


def canonical(record: dict[str, Any]) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, ASCII only."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def fingerprint_of(public_key: bytes) -> str:
    """A public key's fingerprint: the first 16 hex digits of its SHA-256, in groups of four."""
    digest = hashlib.sha256(public_key).hexdigest()[:16]
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


def store_id(store: "Store") -> str:
    """The store's own random id (made by migration 16), which names its key file."""
    return str(store.scalar("SELECT id FROM store_identity"))


def public_key(store: "Store") -> bytes | None:
    """The store's public closing key, or None before its first key was made."""
    row = store.one("SELECT public_key FROM closing_keys ORDER BY id LIMIT 1")
    return bytes.fromhex(row[0]) if row is not None else None


def fingerprint_of_store(store: "Store") -> str | None:
    key = public_key(store)
    return fingerprint_of(key) if key is not None else None


def make_key(path: Path) -> bytes:
    """A new private key in a new owner-only file at ``path`` (folders made 0700); its public key.

    Created with ``O_CREAT | O_EXCL | O_NOFOLLOW``: an existing file or a link planted there is
    refused, never overwritten or followed.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    try:
        make_private_folder(path.parent)  # 0700, the parents it makes too
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise StoreError(f"A file is already at {path}: the closing key was not made there, and it was left "
                         "untouched. Move it away, or name another key file (POS_KEY_FILE).") from None
    except OSError as exc:
        raise StoreError(f"Cannot make the closing key at {path} ({exc.strerror}): nothing was written. "
                         "Check the folder, or name another key file (POS_KEY_FILE).") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"# {_HEADER}\n{raw.hex()}\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_key(path: Path) -> Any:
    """The private key in ``path`` (an ``Ed25519PrivateKey``), refusing a link, a file others can read, garbage."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pos.base.secret_files import read_owner_only

    text = read_owner_only(path, "the closing key", f"The closing key is missing: it is expected at {path} (made by "
                           "'pos init'). Restore it from its backup, or point POS_KEY_FILE at it; nothing was written.",
                           "; nothing was written")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    try:
        raw = bytes.fromhex(lines[0]) if len(lines) == 1 else b""
        if len(raw) != 32:
            raise ValueError
        return Ed25519PrivateKey.from_private_bytes(raw)
    except ValueError:
        raise NotAllowed(f"{path} is not an Anytender closing key: nothing was written.") from None


def public_of(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def signature_ok(public: bytes, payload: bytes, signature_hex: str) -> bool:
    """Whether ``signature_hex`` is the Ed25519 signature of ``payload`` by ``public``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(bytes.fromhex(signature_hex), payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def record_key(store: "Store", public: bytes) -> str:
    """Keep ``public`` as the store's closing key (inside the caller's transaction); its fingerprint."""
    from pos.store.store import iso, utc_now

    value = fingerprint_of(public)
    store.conn.execute("INSERT INTO closing_keys(public_key, fingerprint, created_at) VALUES (?, ?, ?)",
                       (public.hex(), value, iso(utc_now())))
    return value


def signer_for(store: "Store", location: KeyLocation | None) -> Any:
    """The private key that signs this store's closings, checked against the public key the store keeps.

    A store made before closings were signed has no key yet: one is made now at ``location``
    (or an owner-only key file already there is adopted) and its public key recorded, inside the
    caller's transaction.  A store that has a key needs exactly that key's file.
    """
    path = key_path(store, location)
    known = public_key(store)
    if known is None:
        if not os.path.lexists(path):
            make_key(path)
        private = load_key(path)
        record_key(store, public_of(private))
        return private
    private = load_key(path)
    if public_of(private) != known:
        raise NotAllowed(f"The key at {path} is not this store's closing key (fingerprint "
                         f"{fingerprint_of(public_of(private))}, the store's is {fingerprint_of(known)}): nothing was "
                         "written. Point POS_KEY_FILE at the right key file.")
    return private


def sign(private: Any, payload: bytes) -> str:
    return bytes(private.sign(payload)).hex()


def check_signature_hex(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 128 or any(c not in "0123456789abcdef" for c in value):
        raise InvalidInput("A closing's signature is 128 hex digits.")
    return value
