"""Personal values hidden inside other values: card numbers, e-mail addresses, IP addresses.

Two jobs, one vocabulary:

* **Refusing.** A payment value, or a free-text column (brand, pathway, org id, model, label source), that
  holds a card number, e-mail or IP is refused by the validator, so it is never hashed or stored.
* **Showing.** What the quarantine file may show of a refused row: identifiers only as a *shape* (``#`` per
  digit, ``a``/``A`` per ASCII letter, ``x`` per other letter), other values in clear unless they hold one of
  the above, and nothing a spreadsheet would run as a formula.

A card number is found after normalisation, because exporters and attackers disguise them: NFKC (full-width
digits, NBSP), every Unicode decimal digit as ASCII, then whitespace, format characters, ``. - _ /`` and the
dashes U+2010-U+2015 (and the minus sign U+2212) removed. Any run of 13-19 digits that passes the Luhn check is
a card number; a longer run is one when a 13-19 digit piece at either end passes (a card glued to an expiry
date or a CVV once the separators are gone). Known processor token formats (``KNOWN_TOKEN_PREFIXES``, then
letters and digits only) are not scanned inside, unless the whole body is itself a card number.

Everything runs on *distinct* values, after a vectorised pre-filter, so a 16M-row column with a few models
costs a few dozen Python calls.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

BoolArray = npt.NDArray[np.bool_]

KNOWN_TOKEN_PREFIXES: Final = ("pmfp_", "pm_", "card_", "src_", "tok_")
"""Processor token formats (sockhound's simulator, Stripe-style ids) whose bodies are random letters and digits:
a digit run inside one is chance, not a card. An explicit list: add a prefix only for a documented format."""

CARD_MIN_DIGITS: Final = 13
CARD_MAX_DIGITS: Final = 19
MAX_SHOWN_CHARS: Final = 120
MAX_SHAPE_CHARS: Final = 60

REASON_CARD: Final = "looks like a card number (Luhn-valid digits); refused, not stored"
REASON_FREE_TEXT_CARD: Final = "contains a card number (Luhn-valid digits); refused, not stored"
REASON_FREE_TEXT_EMAIL: Final = "contains an e-mail address; refused, not stored"
REASON_FREE_TEXT_IP: Final = "contains an IP address; refused, not stored"

_SEPARATORS: Final = re.compile(r"[\s._/\-\u2010-\u2015\u2212]")
_DIGIT_RUN: Final = re.compile(r"\d{13,}", re.ASCII)
_TOKEN_BODY: Final = re.compile(r"[A-Za-z0-9]+")
_EMAIL: Final = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"'.\d]{2,}")
_IPV4_OCTET: Final = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4: Final = re.compile(rf"(?<![\d.]){_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}(?!\.?\d)", re.ASCII)
_IPV6_CANDIDATE: Final = re.compile(r"(?<![0-9A-Za-z:])[0-9A-Fa-f]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?![0-9A-Za-z:])")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------------------
# One value


def _format_or_space(character: str) -> bool:
    return unicodedata.category(character) in ("Cf", "Zs", "Zl", "Zp")


def _ascii_digits(text: str) -> str:
    """NFKC, then every Unicode decimal digit (Arabic-Indic, Devanagari, ...) as its ASCII digit."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(character)) if character.isdecimal()
        else " " if _format_or_space(character) else character
        for character in text
    )


def normalise_for_card_scan(value: str) -> str:
    """The value as the card check sees it: NFKC, ASCII digits, trimmed, no whitespace and no separators."""
    return _SEPARATORS.sub("", _ascii_digits(value).strip())


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a string of ASCII digits."""
    total = 0
    for index, character in enumerate(reversed(digits)):
        digit = ord(character) - 48
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _card_in_run(run: str) -> bool:
    if len(run) < CARD_MIN_DIGITS:
        return False
    if len(run) <= CARD_MAX_DIGITS:
        return luhn_valid(run)
    lengths = range(CARD_MIN_DIGITS, CARD_MAX_DIGITS + 1)
    return any(luhn_valid(run[:length]) or luhn_valid(run[-length:]) for length in lengths)


def _known_token(value: str) -> bool:
    text = unicodedata.normalize("NFKC", value).strip()
    for prefix in KNOWN_TOKEN_PREFIXES:
        if text.startswith(prefix):
            body = text[len(prefix):]
            if not _TOKEN_BODY.fullmatch(body):
                return False
            return not (body.isdigit() and CARD_MIN_DIGITS <= len(body) <= CARD_MAX_DIGITS and luhn_valid(body))
    return False


def contains_card_number(value: str) -> bool:
    """True when a Luhn-valid 13-19 digit run hides anywhere in the normalised value (see the module doc)."""
    if _known_token(value):
        return False
    return any(_card_in_run(run) for run in _DIGIT_RUN.findall(normalise_for_card_scan(value)))


def contains_email(value: str) -> bool:
    return _EMAIL.search(unicodedata.normalize("NFKC", value)) is not None


def contains_ip(value: str) -> bool:
    """An IPv4 dotted quad, or an IPv6 address (with at least three hex digits), anywhere in the value."""
    text = _ascii_digits(value)
    if _IPV4.search(text):
        return True
    for candidate in _IPV6_CANDIDATE.findall(text):
        if sum(character not in ":." for character in candidate) < 3:
            continue
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            continue
        return True
    return False


def free_text_problem(value: str) -> str | None:
    """Why a free-text value is refused (card number, e-mail, IP), or None when it holds none of them."""
    if contains_card_number(value):
        return REASON_FREE_TEXT_CARD
    if contains_email(value):
        return REASON_FREE_TEXT_EMAIL
    if contains_ip(value):
        return REASON_FREE_TEXT_IP
    return None


def neutralise_formula(text: str) -> str:
    """A cell a spreadsheet would run (starting with ``= + - @``, tab or CR) gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _shape_class(character: str) -> str:
    if character.isascii():
        if character.isdigit():
            return "#"
        if character.islower():
            return "a"
        if character.isupper():
            return "A"
        return character if character.isprintable() else "?"
    if character.isdecimal():
        return "#"
    return "x" if character.isalpha() else "?"


def value_shape(value: str) -> str:
    """A value's shape, nothing of its content: ``4111 1111`` -> ``shape #{4} #{4}``, ``Ab-12`` -> ``shape Aa-##``."""
    classes = [_shape_class(character) for character in value]
    parts: list[str] = []
    index = 0
    while index < len(classes):
        end = index
        while end < len(classes) and classes[end] == classes[index]:
            end += 1
        run = end - index
        parts.append(f"{classes[index]}{{{run}}}" if run > 3 else classes[index] * run)
        index = end
    shape = "".join(parts)
    if len(shape) > MAX_SHAPE_CHARS:
        shape = shape[:MAX_SHAPE_CHARS] + f"... ({len(value)} chars)"
    return f"shape {shape}"


def shown_value(value: object, identifying: bool) -> str:
    """What the quarantine shows of one cell: identifiers and values holding a card, e-mail or IP as a shape,
    the rest truncated; never a spreadsheet formula."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    if identifying or free_text_problem(text) is not None:
        return value_shape(text)
    if len(text) > MAX_SHOWN_CHARS:
        text = text[:MAX_SHOWN_CHARS] + f"... ({len(text)} chars)"
    return neutralise_formula(text)


# ---------------------------------------------------------------------------------------------------------
# Whole columns


def _per_distinct(text: pa.Array, candidate: BoolArray, check: Callable[[str], object]) -> npt.NDArray[np.object_]:
    """``check(value)`` for each distinct candidate value, mapped back onto every position (None elsewhere)."""
    out = np.full(len(text), None, dtype=object)
    positions = np.flatnonzero(candidate)
    if not len(positions):
        return out
    taken = text.take(pa.array(positions))
    uniques = pc.unique(taken)
    results = np.array([None if raw is None else check(raw) for raw in uniques.to_pylist()], dtype=object)
    out[positions] = results[pc.index_in(taken, value_set=uniques).to_numpy(zero_copy_only=False)]
    return out


def _filled(array: pa.Array | pa.ChunkedArray) -> BoolArray:
    result: BoolArray = np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)
    return result


def _may_hide_digits(text: pa.Array, at_least: int) -> BoolArray:
    many_digits = pc.greater_equal(pc.count_substring_regex(text, r"[0-9]"), at_least)
    return _filled(pc.or_(many_digits, pc.invert(pc.string_is_ascii(text))))


def card_number_mask(text: pa.Array) -> BoolArray:
    """Per element of a string array: does it hide a card number (``contains_card_number``)."""
    found = _per_distinct(text, _may_hide_digits(text, CARD_MIN_DIGITS), contains_card_number)
    return np.asarray(found, dtype=bool)


def card_number_like(values: pd.Series | pa.Array) -> BoolArray:
    """``card_number_mask`` of a Series or array (nulls are not card numbers)."""
    array = values if isinstance(values, pa.Array) else pa.array(values.astype(object), type=pa.string(),
                                                                 from_pandas=True)
    return card_number_mask(array)


def free_text_problems(text: pa.Array) -> npt.NDArray[np.object_]:
    """Per element: the refusal reason of ``free_text_problem``, or None."""
    candidate = _filled(pc.or_(pc.match_substring_regex(text, r"[@:]|\d\.\d+\.\d+\.\d"),
                               pc.greater_equal(pc.count_substring_regex(text, r"[0-9]"), CARD_MIN_DIGITS)))
    candidate |= _filled(pc.invert(pc.string_is_ascii(text)))
    return _per_distinct(text, candidate, free_text_problem)
