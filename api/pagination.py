"""Opaque page cursors: URL-safe base64 of a small JSON object; a bad cursor is a 422 naming `query.cursor`."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from api.problems import FieldError, ProblemError


class BadCursorError(ProblemError):
    def __init__(self) -> None:
        super().__init__(422, "invalid-request", "invalid value in: query.cursor",
                         errors=[FieldError(field="query.cursor", message="not a cursor this API issued")])


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, expected: dict[str, type]) -> dict[str, Any] | None:
    """The position a cursor holds, checked against `expected` field types; None for the first page."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadCursorError() from None
    if not isinstance(position, dict) or set(position) != set(expected):
        raise BadCursorError()
    for field, kind in expected.items():
        value = position[field]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            position[field] = float(value)
        elif not isinstance(value, kind) or isinstance(value, bool):
            raise BadCursorError()
    return position


def offset_of(cursor: str | None) -> int:
    position = decode_cursor(cursor, {"offset": int})
    offset = 0 if position is None else int(position["offset"])
    if offset < 0 or offset > 10_000_000:
        raise BadCursorError()
    return offset
