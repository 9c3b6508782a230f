"""Item ids: short, URL-safe, alphanumeric, and stable across refreshes."""
from __future__ import annotations

import base64
import hashlib


def item_id(channel_id: str, key: str) -> str:
    """16 lower-case base32 characters derived from the item's upstream identity."""
    digest = hashlib.sha256(f"{channel_id}\n{key}".encode()).digest()
    return base64.b32encode(digest[:10]).decode().lower()
