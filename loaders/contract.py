"""The batch-file contract (docs/contract.md, v1) as data, and vectorised validation of table chunks.

Everything here works on whole columns (pandas/numpy); per-value Python runs only on *unique* values
that the vector fast paths could not settle (IPv6 and malformed IPs), so a 16M-row exchanges table
validates in seconds-per-million, not minutes.

Why over 400 lines: the contract's table specs (data) and the one validator that applies them stay together,
so a rule and its check are read side by side.

Typical use (one validator per table, spanning all of that table's part files)::

    validator = TableValidator("exchanges", "exchanges/part-00000.csv.gz")
    for raw in read_table_chunks(path, "exchanges"):
        chunk = validator.validate(raw.frame, raw.first_row_number, file=raw.file)
        write(chunk.good); quarantine(chunk.quarantined)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from loaders.errors import BatchFileError
from sockhound.label_decisions import TIME_RULE, decision_times_refused
from sockhound.sensitive import REASON_CARD, card_number_mask, free_text_problems, shown_value
from sockhound.vocabulary import AccountStatus, Label, Verdict

ColumnKind = Literal[
    "account_id",
    "identifier",
    "email",
    "string",
    "free_text",
    "text",
    "timestamp",
    "decision_time",
    "ip",
    "count",
    "enum",
    "country",
    "bin",
    "payment_fingerprint",
]
IDENTIFYING_KINDS: Final[frozenset[str]] = frozenset(
    {"account_id", "identifier", "email", "text", "ip", "bin", "payment_fingerprint"}
)
"""Kinds the quarantine file shows only as a shape (``sockhound.sensitive.value_shape``)."""


@dataclass(frozen=True)
class ColumnSpec:
    """One contract column: its kind decides parsing, typing and the checks applied."""

    name: str
    kind: ColumnKind
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """One contract table. `key` is the duplicate key within a file; `one_of` needs a non-empty member."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    one_of: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def column(self, name: str) -> ColumnSpec:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


FUNDING_TYPES: Final = ("credit", "debit", "prepaid", "virtual", "unknown")
ACCOUNT_STATUSES: Final = tuple(str(status) for status in AccountStatus)
LABELS: Final = tuple(str(label) for label in Label)
VERDICTS: Final = tuple(str(verdict) for verdict in Verdict)
TRUTH_COLUMNS: Final = ("account_id", "actor")
ACCOUNT_ID_MAX_LENGTH: Final = 128

TABLES: Final[dict[str, TableSpec]] = {
    "accounts": TableSpec(
        name="accounts",
        columns=(
            ColumnSpec("account_id", "account_id", required=True),
            ColumnSpec("created_at", "timestamp", required=True),
            ColumnSpec("email", "email"),
            ColumnSpec("country", "country"),
            ColumnSpec("pathway", "free_text"),
            ColumnSpec("org_id", "free_text"),
            ColumnSpec("status", "enum", choices=ACCOUNT_STATUSES, default=AccountStatus.ACTIVE.value),
        ),
        key=("account_id",),
    ),
    "payment_methods": TableSpec(
        name="payment_methods",
        columns=(
            ColumnSpec("account_id", "account_id", required=True),
            ColumnSpec("payment_fingerprint", "payment_fingerprint", required=True),
            ColumnSpec("brand", "free_text"),
            ColumnSpec("funding", "enum", choices=FUNDING_TYPES),
            ColumnSpec("bin", "bin"),
            ColumnSpec("country", "country"),
            ColumnSpec("added_at", "timestamp"),
        ),
        key=("account_id", "payment_fingerprint"),
    ),
    "exchanges": TableSpec(
        name="exchanges",
        columns=(
            ColumnSpec("request_id", "identifier", required=True),
            ColumnSpec("account_id", "account_id", required=True),
            ColumnSpec("ts", "timestamp", required=True),
            ColumnSpec("ip", "ip", required=True),
            ColumnSpec("prompt", "text"),
            ColumnSpec("prompt_fingerprint", "identifier"),
            ColumnSpec("api_key_id", "identifier"),
            ColumnSpec("model", "free_text"),
            ColumnSpec("user_agent", "string"),
            ColumnSpec("input_tokens", "count"),
            ColumnSpec("output_tokens", "count"),
        ),
        key=("request_id",),
        one_of=("prompt", "prompt_fingerprint"),
    ),
    "labels": TableSpec(
        name="labels",
        columns=(
            ColumnSpec("account_id", "account_id", required=True),
            ColumnSpec("label", "enum", required=True, choices=LABELS),
            ColumnSpec("source", "free_text"),
            ColumnSpec("at", "decision_time"),
        ),
        key=("account_id", "label", "source", "at"),
    ),
}
TABLE_NAMES: Final = tuple(TABLES)

# ISO 3166-1 alpha-2 officially assigned codes, from pycountry (its copy of the Debian iso-codes list).
ISO_COUNTRIES: Final = frozenset(country.alpha_2 for country in pycountry.countries)

_IPV4_PATTERN: Final = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class QuarantineRecord:
    """One refused row: where it was, which column failed first, why, and a safe rendering of the value."""

    file: str
    row_number: int
    column: str
    reason: str
    value: str


QUARANTINE_COLUMNS: Final = ("file", "row_number", "column", "reason", "value")


@dataclass(frozen=True)
class ValidatedChunk:
    """Typed good rows (index = 1-based row numbers in the file) and the quarantined rest."""

    good: pd.DataFrame
    quarantined: list[QuarantineRecord]


# ---------------------------------------------------------------------------------------------------------
# Vectorised value checks


def arrow_text(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """A column as an Arrow string array (nulls kept), zero-copy when it is already Arrow-backed."""
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks()
    elif isinstance(values, pa.Array):
        array = values
    elif isinstance(values.dtype, pd.ArrowDtype):
        array = pa.array(values.array)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
    else:
        raw = values.to_numpy(dtype=object)
        try:
            array = pa.array(raw, type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            missing = pd.isna(raw)
            as_text = raw.astype(str).astype(object)
            as_text[missing] = None
            array = pa.array(as_text, type=pa.string())
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    return array


def _bools(array: pa.Array | pa.ChunkedArray, null_as: bool = False) -> BoolArray:
    filled = pc.fill_null(array, null_as)
    result: BoolArray = np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)
    return result


def _objects(array: pa.Array) -> npt.NDArray[np.object_]:
    result: npt.NDArray[np.object_] = np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
    return result


def normalise_ips(values: pd.Series | pa.Array) -> tuple[npt.NDArray[np.object_], BoolArray]:
    """Parse IPv4/IPv6 addresses; returns compressed forms (None where invalid) and the invalid mask.

    Canonical dotted-quad IPv4 is settled by one vectorised regex; everything else goes through
    `ipaddress` once per unique value.
    """
    text = pc.utf8_trim_whitespace(arrow_text(values))
    normalised = _objects(text)
    fast = _bools(pc.match_substring_regex(text, "^" + _IPV4_PATTERN + "$"))
    invalid = np.zeros(len(text), dtype=bool)
    slow_positions = np.flatnonzero(~fast)
    if len(slow_positions):
        slow_text = text.take(pa.array(slow_positions))
        uniques = pc.unique(slow_text)
        parsed: list[str | None] = []
        for raw in uniques.to_pylist():
            try:
                parsed.append(ipaddress.ip_address(raw).compressed if raw is not None else None)
            except ValueError:
                parsed.append(None)
        lookup = np.array(parsed, dtype=object)
        mapped = lookup[pc.index_in(slow_text, value_set=uniques).to_numpy(zero_copy_only=False)]
        normalised[slow_positions] = mapped
        invalid[slow_positions] = pd.isna(mapped)
    normalised[invalid] = None
    return normalised, invalid


class _SeenHashes:
    """A bounded-memory set of 64-bit key hashes: sorted numpy blocks merged like an LSM tree."""

    def __init__(self) -> None:
        self._blocks: list[npt.NDArray[np.uint64]] = []

    def __len__(self) -> int:
        return sum(len(block) for block in self._blocks)

    def contains(self, hashes: npt.NDArray[np.uint64]) -> BoolArray:
        found = np.zeros(len(hashes), dtype=bool)
        for block in self._blocks:
            positions = np.searchsorted(block, hashes)
            positions[positions == len(block)] = 0
            found |= block[positions] == hashes
        return found

    def add(self, hashes: npt.NDArray[np.uint64]) -> None:
        if len(hashes) == 0:
            return
        self._blocks.append(_sorted_unique(hashes))
        while len(self._blocks) > 1 and 2 * len(self._blocks[-1]) >= len(self._blocks[-2]):
            newest = self._blocks.pop()
            older = self._blocks.pop()
            self._blocks.append(_sorted_unique(np.concatenate([older, newest])))


def _sorted_unique(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Sort-based unique (numpy's hash-based np.unique is much slower on random 64-bit values)."""
    ordered = np.sort(values, kind="stable")
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    result: npt.NDArray[np.uint64] = ordered[keep]
    return result


# ---------------------------------------------------------------------------------------------------------
# Table validation


class TableValidator:
    """Validates successive chunks of one table, remembering keys across chunks (and parts).

    Each refused row yields one QuarantineRecord for the first failing column in contract order
    (duplicate keys are checked last, among otherwise good rows; the first occurrence wins).
    """

    def __init__(self, table: str, file: str) -> None:
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; expected one of {', '.join(TABLE_NAMES)}")
        self.spec = TABLES[table]
        self.file = file
        self.rows_seen = 0
        self.rows_quarantined = 0
        self._seen_keys = _SeenHashes()

    def check_columns(self, columns: pd.Index | list[str], file: str | None = None) -> None:
        """Raise BatchFileError if a required column (or every `one_of` column) is absent."""
        present = set(map(str, columns))
        missing = [name for name in self.spec.required_columns if name not in present]
        if missing:
            raise BatchFileError(file or self.file, f"missing required column(s) {', '.join(missing)}")
        if self.spec.one_of and not present.intersection(self.spec.one_of):
            raise BatchFileError(file or self.file, f"needs one of the columns {' or '.join(self.spec.one_of)}")

    def validate(self, frame: pd.DataFrame, first_row_number: int, file: str | None = None) -> ValidatedChunk:
        file_name = file or self.file
        self.check_columns(frame.columns, file_name)
        row_count = len(frame)
        row_numbers = np.arange(first_row_number, first_row_number + row_count, dtype=np.int64)
        failed_column = np.full(row_count, -1, dtype=np.int32)
        reasons = np.empty(row_count, dtype=object)
        column_names = [*self.spec.column_names, "(key)"]
        typed: dict[str, object] = {}
        raw_text: dict[str, pa.Array] = {}
        missing_of: dict[str, BoolArray] = {}

        def record(position_mask: BoolArray, column_index: int, reason: str | npt.NDArray[np.object_]) -> None:
            fresh = position_mask & (failed_column < 0)
            failed_column[fresh] = column_index
            reasons[fresh] = reason if isinstance(reason, str) else reason[fresh]

        for column_index, spec in enumerate(self.spec.columns):
            text = arrow_text(frame[spec.name]) if spec.name in frame.columns else pa.nulls(row_count, pa.string())
            raw_text[spec.name] = text
            missing = _bools(pc.match_substring_regex(text, r"^\s*$"), null_as=True)
            missing_of[spec.name] = missing
            if spec.required:
                record(missing, column_index, "missing required value")
            values, invalid, reason = _parse_column(spec, text, missing)
            record(invalid & ~missing, column_index, reason)
            typed[spec.name] = values

        if self.spec.one_of:
            neither = np.ones(row_count, dtype=bool)
            for name in self.spec.one_of:
                neither &= missing_of[name]
            record(neither, self.spec.column_names.index(self.spec.one_of[0]), f"needs {' or '.join(self.spec.one_of)}")

        good_mask = failed_column < 0
        key_index = len(column_names) - 1
        good_positions = np.flatnonzero(good_mask)
        if len(good_positions):
            key_frame = pd.DataFrame({name: _take(typed[name], good_positions) for name in self.spec.key})
            key_hashes: npt.NDArray[np.uint64] = np.asarray(
                pd.util.hash_pandas_object(key_frame, index=False).to_numpy(), dtype=np.uint64
            )
            duplicate = pd.Series(key_hashes).duplicated().to_numpy() | self._seen_keys.contains(key_hashes)
            self._seen_keys.add(key_hashes[~duplicate])
            duplicate_full = np.zeros(row_count, dtype=bool)
            duplicate_full[good_positions[duplicate]] = True
            record(duplicate_full, key_index, f"duplicate key ({', '.join(self.spec.key)}) within file")
            good_mask = failed_column < 0

        quarantined: list[QuarantineRecord] = []
        for position in np.flatnonzero(~good_mask):
            column_index = int(failed_column[position])
            if column_index == key_index:
                column_label = ",".join(self.spec.key)
                shown = " | ".join(self._shown(name, raw_text, int(position)) for name in self.spec.key)
            else:
                column_label = column_names[column_index]
                shown = self._shown(column_label, raw_text, int(position))
            quarantined.append(
                QuarantineRecord(file_name, int(row_numbers[position]), column_label, str(reasons[position]), shown)
            )

        keep = np.flatnonzero(good_mask)
        good = pd.DataFrame({name: _take(values, keep) for name, values in typed.items()})
        good.index = pd.Index(row_numbers[keep], name="row_number")
        self.rows_seen += row_count
        self.rows_quarantined += len(quarantined)
        return ValidatedChunk(good=good, quarantined=quarantined)

    def _shown(self, column: str, raw_text: dict[str, pa.Array], position: int) -> str:
        """A refused cell as the quarantine may show it: identifiers as a shape, nothing personal, no formula."""
        identifying = self.spec.column(column).kind in IDENTIFYING_KINDS
        return shown_value(raw_text[column][position].as_py(), identifying)


def _take(values: object, positions: npt.NDArray[np.int64]) -> pd.Series | npt.NDArray[np.object_]:
    if isinstance(values, pd.Series):
        return values.iloc[positions].reset_index(drop=True)
    assert isinstance(values, np.ndarray)
    taken: npt.NDArray[np.object_] = values[positions]
    return taken


def _parse_column(
    spec: ColumnSpec, text: pa.Array, missing: BoolArray
) -> tuple[pd.Series | npt.NDArray[np.object_], BoolArray, str | npt.NDArray[np.object_]]:
    """Typed values (NA where missing/invalid), the invalid mask, and the reason(s) for invalid values."""
    row_count = len(text)
    if spec.kind in ("timestamp", "decision_time"):
        raw = _objects(text)
        raw[missing] = None
        stamps = pd.to_datetime(pd.Series(raw, dtype=object), utc=True, format="ISO8601", errors="coerce")
        stamps = stamps.astype("datetime64[ns, UTC]")
        if spec.kind == "decision_time":  # a label's time: sockhound/label_decisions.py says why the range
            refused = stamps.isna().to_numpy() & ~missing | decision_times_refused(stamps)
            return stamps, refused, f"not an ISO-8601 timestamp, or out of range: {TIME_RULE}"
        return stamps, stamps.isna().to_numpy() & ~missing, "not an ISO-8601 timestamp"
    if spec.kind == "ip":
        addresses, invalid = normalise_ips(text)
        return addresses, invalid, "not an IPv4 or IPv6 address"
    if spec.kind == "count":
        # "12.0" is accepted: exporters that write integer columns with gaps as floats produce it.
        stripped = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"\.0+$", "")
        ok = _bools(pc.match_substring_regex(stripped, r"^\d{1,18}$"))
        counts = pd.array(np.zeros(row_count, dtype=np.int64), dtype="Int64")
        if ok.any():
            counts[ok] = pc.cast(stripped.filter(pa.array(ok)), pa.int64()).to_numpy()
        counts[~ok] = pd.NA
        return pd.Series(counts), ~ok, "not a non-negative integer"
    if spec.kind in ("enum", "country"):
        if spec.kind == "enum":
            normal = pc.utf8_lower(pc.utf8_trim_whitespace(text))
            allowed = pa.array(spec.choices, type=pa.string())
            reason = f"not one of {'|'.join(spec.choices)}"
        else:
            normal = pc.utf8_upper(pc.utf8_trim_whitespace(text))
            allowed = pa.array(sorted(ISO_COUNTRIES), type=pa.string())
            reason = "not an ISO 3166-1 alpha-2 country code"
        ok = _bools(pc.is_in(normal, value_set=allowed))
        values = _objects(normal)
        values[~ok] = spec.default
        return values, ~ok, reason
    if spec.kind == "bin":
        stripped = pc.utf8_trim_whitespace(text)
        ok = _bools(pc.match_substring_regex(stripped, r"^\d{6,8}$"))
        values = _objects(stripped)
        values[~ok] = None
        return values, ~ok, "bin must be 6-8 digits"
    values = _objects(text)
    values[missing] = None
    if spec.kind == "account_id":
        too_long = _bools(pc.greater(pc.utf8_length(text), ACCOUNT_ID_MAX_LENGTH))
        return values, too_long, f"account_id longer than {ACCOUNT_ID_MAX_LENGTH} characters"
    if spec.kind == "payment_fingerprint":
        card_like = card_number_mask(text)
        values[card_like] = None
        return values, card_like, REASON_CARD
    if spec.kind == "free_text":
        problems = free_text_problems(text)
        refused = np.asarray(pd.notna(problems), dtype=bool)
        values[refused] = None
        return values, refused, problems
    return values, np.zeros(row_count, dtype=bool), ""


def quarantine_frame(records: list[QuarantineRecord]) -> pd.DataFrame:
    """Records as a DataFrame with the quarantine file's columns."""
    return pd.DataFrame(
        [(r.file, r.row_number, r.column, r.reason, r.value) for r in records],
        columns=list(QUARANTINE_COLUMNS),
    )
