"""API keys: `prp_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the whole
key is stored (a random 256-bit key needs no slow hash: there is nothing to guess from)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX_CHARS = 12


def new_key() -> tuple[str, str, str]:
    """(key, prefix, hash) for a fresh key."""
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    key = f"prp_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, digest(key)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def prefix_of(key: str) -> str | None:
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "prp" or len(parts[1]) != PREFIX_CHARS:
        return None
    return parts[1]


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(key), stored_hash)
