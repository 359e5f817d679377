"""Canonical JSON (spec §2): sorted keys, no whitespace, JSON.stringify's escapes, raw UTF-8.

``json.dumps(..., ensure_ascii=False)`` escapes exactly what JSON.stringify escapes (quote,
backslash, \\b \\f \\n \\r \\t, other controls as lowercase \\u00xx) and sorts keys by code point.
The one difference, lone surrogates, cannot reach here: string checks reject them."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing, which the guest pays for
if TYPE_CHECKING:
    from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
