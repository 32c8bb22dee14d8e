"""Prompt fingerprints and capability hints, computed once per distinct prompt text.

Raw prompt text never leaves this module: callers get keys and flags only.

Fingerprint kinds (each becomes a ``PromptFingerprint {key, kind}`` node):

``exact``
    keyed hash of the normalised text (Unicode NFKC, lower-case, whitespace collapsed). Catches the same
    prompt replayed from many accounts.
``template``
    keyed hash of the normalised text with the variable parts masked: fenced and inline code, URLs,
    e-mail addresses, quoted spans and numbers. Catches one task re-sent with different numbers or
    quoted inputs (``"Natalia sold 48 clips"`` and ``"Natalia sold 52 clips"`` share it).
``nearband``
    locality-sensitive buckets for *paraphrased templates*. A distillation prompt is a campaign's own
    wrapper around a task from a pool; the task changes every request, the wrapper barely does. So the
    MinHash (``permutations``) is taken over the *frame* of the masked text: its first and last
    ``frame_words`` (8) content words, stopwords dropped, as a word set (all of it when short), cut into
    ``bands`` LSH bands of ``rows_per_band`` rows. Texts with fewer than ``min_frame_words`` content words
    get no band keys (exact and template keys say everything). Measured rates: see ``docs/features.md``.
``upstream``
    an exporter's own fingerprint, keyed-hashed in its own domain (see ``privacy``).

Everything is keyed: exact/template are HMAC-SHA256; band keys come from MinHash over word hashes that are
blake2b keyed with a subkey of the same secret, so nobody without the key can test a guessed prompt.

Capability hints are cheap regular expressions over the normalised text, as a bit mask per prompt
(see ``CAPABILITIES``): chain-of-thought elicitation (also in Chinese, Spanish, French, German,
Portuguese, Russian, Japanese, Korean), coding, tool use / agentic, math, rubric / grading, rewrite /
"censorship-safe" rewriting. They describe the *mix* an account asks for; they never link accounts.

Speed: all text work is vectorised with ``pyarrow.compute`` (RE2 regular expressions, C++ kernels that
release the GIL), so a batch of texts is processed in a few passes over one buffer, in two threads.
Python only touches each *distinct* whitespace token of the frame region (cached across calls) and each
distinct text once for its HMACs. The scalar helpers (``normalise_text``, ``template_text``,
``capability_mask``) run the same vectorised code on one text, so they always agree with the batch path.
RE2 has no look-around and an ASCII ``\\b``; the patterns below emulate Python's Unicode ``\\w`` with
``[\\pL\\pN_]`` and the single-quote look-around with consumed boundary characters (see ``_QUOTES``).

Over 400 lines on purpose: normalisation, masking, MinHash and ``PromptFingerprinter`` share private patterns,
caches and array layouts, and in one module the batch and scalar paths visibly run the same code. The
capability rule table, which is data, lives in ``sockhound.capability_rules``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sockhound.capability_rules import CAPABILITIES as CAPABILITIES  # re-exported: callers name it from here
from sockhound.capability_rules import CAPABILITY_PATTERNS
from sockhound.privacy import KIND_PROMPT_EXACT, KIND_PROMPT_TEMPLATE, KeyedHasher
from sockhound.vocabulary import EvidenceKind

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

KIND_EXACT: Final = EvidenceKind.EXACT.value
KIND_TEMPLATE: Final = EvidenceKind.TEMPLATE.value
KIND_NEARBAND: Final = EvidenceKind.NEARBAND.value
KIND_UPSTREAM: Final = EvidenceKind.UPSTREAM.value
FINGERPRINT_KINDS: Final = (KIND_EXACT, KIND_TEMPLATE, KIND_NEARBAND, KIND_UPSTREAM)


@dataclass(frozen=True)
class FingerprintConfig:
    """Near-duplicate sketch parameters. Changing any of them changes every band key."""

    frame_words: int = 8
    min_frame_words: int = 4
    permutations: int = 72
    bands: int = 24
    bigrams: bool = False
    drop_stopwords: bool = True

    def __post_init__(self) -> None:
        if self.permutations % self.bands:
            raise ValueError("permutations must be a multiple of bands")

    @property
    def rows_per_band(self) -> int:
        return self.permutations // self.bands


DEFAULT_CONFIG: Final = FingerprintConfig()

# --------------------------------------------------------------------------------------------------------
# Normalisation and masking (RE2 patterns over NFKC, lower-cased text, applied in this order)

_SPACE_LIKE: Final = r"\t-\r\x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
"""Python's ``str.split()`` whitespace, except the plain space."""
_WHITESPACE_RUNS: Final = f"[ {_SPACE_LIKE}]{{2,}}|[{_SPACE_LIKE}]"
"""Runs that need rewriting to one space: two or more whitespace characters, or any non-space one."""
_NON_SPACE: Final = f"[^ {_SPACE_LIKE}]"
_UNICODE_QUOTE_OPENERS: Final = "[“«„「]"
_UNICODE_QUOTES: Final = "“[^”\\n]{1,300}”|«[^»\\n]{1,300}»|„[^“\\n]{1,300}“|「[^」\\n]{1,300}」"
"""Quoted spans of at most 300 characters within one line. Slow to match in RE2 (multi-byte negated classes
under a counted repeat), so only texts containing an opener are searched (see ``_masked``)."""
_MASKS: Final = (
    (r"(?s)```.*?(?:```|\z)|`[^`\n]{1,200}`", " zzcode "),
    (f"\\b(?:https?://|www\\.){_NON_SPACE}+", " zzurl "),
    (r"\b[\pL\pN_.+-]+@[\pL\pN_-]+\.[\pL\pN_.-]+\b", " zzemail "),
    ('"[^"\\n]{1,300}"', " zzquote "),
    # A single-quoted span must not touch a word character or another quote on either side (Python's
    # look-around); RE2 consumes those boundary characters as groups 1 and 2 and writes them back.
    ("(^|[^\\pL\\pN_'])'[^'\\n]{1,300}'([^\\pL\\pN_']|$)", "\\1 zzquote \\2"),
    (r"[-+]?[$€£¥]?\p{Nd}+(?:[.,:/]\p{Nd}+)*%?", " zznum "),
)
STOPWORDS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "not",
        "no",
        "do",
        "does",
        "did",
        "you",
        "your",
        "i",
        "me",
        "my",
        "we",
        "our",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "what",
        "which",
        "who",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "there",
        "here",
        "than",
        "into",
        "about",
    ]
)


_WORD: Final = re.compile(r"\w+")
_EDGE_TOKENS: Final = 40
"""Whitespace tokens read from each end of a template for its frame; texts whose ends hold too few
content words in them are tokenised whole instead (rare)."""
_PARALLEL_MIN_TEXTS: Final = 4096
"""Batches at least this large are split over two threads (the pyarrow kernels release the GIL)."""


def _to_arrow(texts: Sequence[str] | npt.NDArray[np.object_]) -> pa.StringArray:
    """Texts as an Arrow string array; unencodable code points (lone surrogates) become U+FFFD."""
    try:
        return pa.array(texts, type=pa.string())
    except (pa.ArrowException, UnicodeEncodeError):
        return pa.array([str(t).encode("utf-8", "replace").decode("utf-8") for t in texts], type=pa.string())


def _nfkc(texts: pa.Array) -> pa.Array:
    """Unicode NFKC. Python's ``unicodedata`` does it, for the non-ASCII texts only: pyarrow's
    ``utf8_normalize`` (25.0) leaves composed characters decomposed, which would break phrase matching."""
    non_ascii = np.flatnonzero(~pc.string_is_ascii(texts).to_numpy(zero_copy_only=False))
    if len(non_ascii) == 0:
        return texts
    values = texts.to_numpy(zero_copy_only=False).copy()
    values[non_ascii] = [unicodedata.normalize("NFKC", str(values[i])) for i in non_ascii.tolist()]
    return _to_arrow(values)


def _lowered(texts: pa.Array) -> pa.Array:
    return pc.utf8_lower(_nfkc(texts))


def _collapse_whitespace(values: pa.Array) -> pa.Array:
    return pc.utf8_trim(pc.replace_substring_regex(values, _WHITESPACE_RUNS, " "), characters=" ")


def _replace_where(values: pa.Array, candidate: str, pattern: str, replacement: str) -> pa.Array:
    """``replace_substring_regex`` run only on the elements matching the cheap ``candidate`` pattern."""
    hits = np.flatnonzero(pc.match_substring_regex(values, candidate).to_numpy(zero_copy_only=False))
    if len(hits) == 0:
        return values
    replaced = pc.replace_substring_regex(values.take(pa.array(hits)), pattern, replacement)
    positions = np.arange(len(values), dtype=np.int64)
    positions[hits] = len(values) + np.arange(len(hits), dtype=np.int64)
    return pa.concat_arrays([values, replaced]).take(pa.array(positions))


def _masked(lowered: pa.Array) -> pa.Array:
    for step, (pattern, replacement) in enumerate(_MASKS):
        lowered = pc.replace_substring_regex(lowered, pattern, replacement)
        if step == 3:  # the Unicode quotes go with the other double quotes, before single quotes
            lowered = _replace_where(lowered, _UNICODE_QUOTE_OPENERS, _UNICODE_QUOTES, " zzquote ")
    return lowered


def normalise_texts(texts: pa.Array) -> pa.Array:
    """NFKC, lower-case, whitespace collapsed, per element: the form the exact fingerprint hashes."""
    return _collapse_whitespace(_lowered(texts))


def template_texts(texts: pa.Array) -> pa.Array:
    """Per element: code, URLs, e-mails, quoted spans and numbers masked, then normalised."""
    return _collapse_whitespace(_masked(_lowered(texts)))


def capability_masks(normalised: pa.Array) -> I64:
    """Bit mask of CAPABILITIES matched in each normalised text."""
    masks = np.zeros(len(normalised), dtype=np.int64)
    for bit, pattern in enumerate(CAPABILITY_PATTERNS):
        hit = pc.match_substring_regex(normalised, pattern).to_numpy(zero_copy_only=False)
        masks |= hit.astype(np.int64) << bit
    return masks


def normalise_text(text: str) -> str:
    """NFKC, lower-case, whitespace collapsed: the form the exact fingerprint hashes."""
    return str(normalise_texts(_to_arrow([text]))[0].as_py())


def template_text(text: str) -> str:
    """``text`` with code, URLs, e-mails, quoted spans and numbers masked, then normalised."""
    return str(template_texts(_to_arrow([text]))[0].as_py())


def capability_mask(normalised: str, words: set[str] | None = None) -> int:
    """Bit mask of CAPABILITIES matched in one normalised text (``words`` is ignored; kept for callers)."""
    del words
    return int(capability_masks(_to_arrow([normalised]))[0])


def capability_names(mask: int) -> list[str]:
    """The capability names set in ``mask``."""
    return [name for bit, name in enumerate(CAPABILITIES) if mask >> bit & 1]


# --------------------------------------------------------------------------------------------------------
# Vectorised 64-bit hashing helpers (numpy uint64 arithmetic wraps modulo 2**64, which is what we want)

_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)
_MIX1: Final = np.uint64(0xBF58476D1CE4E5B9)
_MIX2: Final = np.uint64(0x94D049BB133111EB)


def mix64(values: U64) -> U64:
    """splitmix64 finaliser: a bijective, well-mixing map of uint64 arrays."""
    z = values + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def permutation_constants(seed: int, count: int) -> tuple[U64, U64]:
    """(xor, odd multiplier) pairs: x -> (x ^ xor) * mult are ``count`` fixed permutations of uint64."""
    state = mix64(np.arange(2 * count, dtype=np.uint64) + np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
    xors = mix64(state[:count])
    mults = mix64(state[count:]) | np.uint64(1)
    return xors, mults


def minhash_segments(values: U64, starts: I64, xors: U64, mults: U64) -> U64:
    """MinHash signature per segment: ``values[starts[i]:starts[i+1]]`` is set i (non-empty segments).

    Returns shape (len(starts), len(xors)). Work is blocked so memory stays ~16 MB per block.
    """
    n_sets, n_perm = len(starts), len(xors)
    signatures = np.empty((n_sets, n_perm), dtype=np.uint64)
    if n_sets == 0:
        return signatures
    block = max(1, 2_000_000 // n_perm)
    bounds = np.append(starts, len(values))
    first = 0
    while first < n_sets:
        last = int(np.searchsorted(bounds, bounds[first] + block, side="right")) - 1
        last = min(max(last, first + 1), n_sets)
        lo, hi = int(bounds[first]), int(bounds[last])
        permuted = (values[lo:hi, None] ^ xors[None, :]) * mults[None, :]
        signatures[first:last] = np.minimum.reduceat(permuted, bounds[first:last] - lo, axis=0)
        first = last
    return signatures


def band_keys(signatures: U64, bands: int, seed: int) -> U64:
    """LSH band values: one uint64 per (set, band), band index mixed in so bands never collide."""
    n_sets, n_perm = signatures.shape
    rows = n_perm // bands
    out = np.empty((n_sets, bands), dtype=np.uint64)
    for band in range(bands):
        value = np.full(n_sets, np.uint64((seed + band * 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF))
        for row in range(rows):
            value = mix64(value ^ signatures[:, band * rows + row])
        out[:, band] = value
    return out


def hex_keys(values: U64) -> list[str]:
    """16-hex-character strings of uint64 values."""
    return [f"{v:016x}" for v in values.tolist()]


def hex_keys_128(high: U64, low: U64) -> list[str]:
    """32-hex-character strings of 128-bit values given as (high, low) uint64 halves."""
    return [f"{h:016x}{lo:016x}" for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def _segment_starts(owner: I64, n_owners: int) -> I64:
    return np.searchsorted(owner, np.arange(n_owners, dtype=np.int64)).astype(np.int64)


# --------------------------------------------------------------------------------------------------------
# The batch pipeline


@dataclass(frozen=True)
class FingerprintArrays:
    """Fingerprints of n texts as numbers; row i belongs to text i.

    ``exact`` and ``template`` are the 128-bit keys as (high, low) uint64 columns, shape (n, 2): the high
    half identifies a fingerprint inside aggregation, both halves make the 32-hex key written out.
    ``bands`` is (n, bands) uint64, meaningful where ``has_bands``.
    """

    exact: U64
    template: U64
    bands: U64
    has_bands: npt.NDArray[np.bool_]
    capabilities: I64

    @staticmethod
    def concat(parts: Sequence[FingerprintArrays]) -> FingerprintArrays:
        return FingerprintArrays(
            exact=np.concatenate([p.exact for p in parts]),
            template=np.concatenate([p.template for p in parts]),
            bands=np.concatenate([p.bands for p in parts]),
            has_bands=np.concatenate([p.has_bands for p in parts]),
            capabilities=np.concatenate([p.capabilities for p in parts]),
        )


class PromptFingerprinter:
    """Fingerprints distinct prompt texts with one secret. Holds only derived seeds and the config."""

    def __init__(self, hasher: KeyedHasher, config: FingerprintConfig = DEFAULT_CONFIG) -> None:
        self.hasher = hasher
        self.config = config
        self._word_key = hasher.derive_key("prompt-words")
        self._xors, self._mults = permutation_constants(hasher.derive_seed("prompt-minhash"), config.permutations)
        self._band_seed = hasher.derive_seed("prompt-bands")
        self._token_cache: dict[str, tuple[int, ...]] = {}

    # -- frame words ---------------------------------------------------------------------------------------

    def _token_words(self, tokens: list[str]) -> tuple[U64, I64]:
        """Keyed content-word hashes (blake2b with a subkey) of each distinct whitespace token, concatenated,
        and how many each token has. Each distinct token is looked at once, then cached."""
        cache = self._token_cache
        if len(cache) > 2_000_000:
            cache.clear()
        key = self._word_key
        drop = STOPWORDS if self.config.drop_stopwords else frozenset()
        hashes: list[int] = []
        counts = np.empty(len(tokens), dtype=np.int64)
        for i, token in enumerate(tokens):
            words = cache.get(token)
            if words is None:
                words = tuple(
                    int.from_bytes(
                        hashlib.blake2b(word.encode("utf-8", "surrogatepass"), key=key, digest_size=8).digest(),
                        "little",
                    )
                    for word in _WORD.findall(token)
                    if word not in drop
                )
                cache[token] = words
            counts[i] = len(words)
            hashes.extend(words)
        return np.array(hashes, dtype=np.uint64), counts

    def _content_words(self, tokens: pa.Array, token_owner: I64, n_owners: int) -> tuple[U64, I64, I64]:
        """Content-word hashes of whitespace tokens in text order: (hashes, owner, content words per owner)."""
        encoded = pc.dictionary_encode(tokens)
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        vocabulary_hashes, per_token = self._token_words(encoded.dictionary.to_pylist())
        token_starts = np.cumsum(per_token) - per_token
        words_per_occurrence = per_token[indices]
        occurrence = np.repeat(np.arange(len(indices), dtype=np.int64), words_per_occurrence)
        first_word = np.cumsum(words_per_occurrence) - words_per_occurrence
        within = np.arange(len(occurrence), dtype=np.int64) - first_word[occurrence]
        hashes = vocabulary_hashes[token_starts[indices][occurrence] + within]
        owner = token_owner[occurrence]
        return hashes, owner, np.bincount(owner, minlength=n_owners).astype(np.int64)

    def _split_words(self, templates: pa.Array) -> tuple[U64, I64, I64]:
        """Content words of whole texts."""
        lists = pc.utf8_split_whitespace(templates)
        owner = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        return self._content_words(pc.list_flatten(lists), owner, len(templates))

    def _edge_words(self, templates: pa.Array, reverse: bool) -> tuple[U64, I64, I64, npt.NDArray[np.bool_]]:
        """Content words of the first (last, if ``reverse``) ``_EDGE_TOKENS`` whitespace tokens of each text,
        and whether those tokens are the whole text."""
        lists = pc.utf8_split_whitespace(templates, max_splits=_EDGE_TOKENS, reverse=reverse)
        lengths = pc.list_value_length(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        owner = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
        position = np.arange(len(owner), dtype=np.int64) - (np.cumsum(lengths) - lengths)[owner]
        truncated = lengths > _EDGE_TOKENS
        remainder = truncated[owner] & (position == (0 if reverse else _EDGE_TOKENS))
        flat = pc.list_flatten(lists).filter(pa.array(~remainder))
        hashes, word_owner, counts = self._content_words(flat, owner[~remainder], len(templates))
        return hashes, word_owner, counts, ~truncated

    def _frame_keep(
        self, owner: I64, counts: I64, head: npt.NDArray[np.bool_], tail: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.bool_]:
        """Which words (in text order, ``counts`` per owner) are among their owner's first ``frame_words``
        (where ``head[owner]``) or last ``frame_words`` (where ``tail[owner]``)."""
        frame = self.config.frame_words
        owner_counts = counts[owner]
        rank = np.arange(len(owner), dtype=np.int64) - (np.cumsum(counts) - counts)[owner]
        return (head[owner] & (rank < frame)) | (tail[owner] & (rank >= owner_counts - frame))

    def frame_signatures(self, templates: pa.Array) -> tuple[U64, npt.NDArray[np.bool_]]:
        """MinHash of each template's frame (first and last ``frame_words`` content words, as a set).

        Only both ends of each text are tokenised; the mask says which texts have a signature.
        """
        cfg = self.config
        n = len(templates)
        if cfg.bigrams:
            return self._signatures_with_bigrams(templates)
        need = max(cfg.frame_words, cfg.min_frame_words)
        head_hashes, head_owner, head_counts, whole = self._edge_words(templates, reverse=False)
        tail_hashes, tail_owner, tail_counts, _ = self._edge_words(templates, reverse=True)
        truncated_ok = ~whole & (head_counts >= need) & (tail_counts >= need)
        keep_head = self._frame_keep(head_owner, head_counts, whole | truncated_ok, whole)
        keep_tail = self._frame_keep(tail_owner, tail_counts, np.zeros(n, dtype=bool), truncated_ok)
        shingles = [head_hashes[keep_head], tail_hashes[keep_tail]]
        owners = [head_owner[keep_head], tail_owner[keep_tail]]
        words = np.where(whole, head_counts, need)
        fallback = np.flatnonzero(~whole & ~truncated_ok)
        if len(fallback):
            full_hashes, full_owner, full_counts = self._split_words(templates.take(pa.array(fallback)))
            everyone = np.ones(len(fallback), dtype=bool)
            keep = self._frame_keep(full_owner, full_counts, everyone, everyone)
            shingles.append(full_hashes[keep])
            owners.append(fallback[full_owner[keep]])
            words[fallback] = full_counts
        has_signature = words >= cfg.min_frame_words
        return self._signatures(np.concatenate(shingles), np.concatenate(owners), has_signature)

    def _signatures(
        self, shingles: U64, owner: I64, has_signature: npt.NDArray[np.bool_]
    ) -> tuple[U64, npt.NDArray[np.bool_]]:
        """MinHash per text with a signature, from (shingle, owner text) pairs in any order."""
        keep = has_signature[owner]
        shingles, owner = shingles[keep], owner[keep]
        order = np.argsort(owner, kind="stable")
        slot = np.cumsum(has_signature) - 1
        sig_owner = slot[owner[order]]
        starts = _segment_starts(sig_owner, int(has_signature.sum()))
        return minhash_segments(shingles[order], starts, self._xors, self._mults), has_signature

    def _signatures_with_bigrams(self, templates: pa.Array) -> tuple[U64, npt.NDArray[np.bool_]]:
        """The whole-text path, with bigrams of adjacent frame words (never across the head|tail gap)."""
        cfg = self.config
        frame = cfg.frame_words
        hashes, owner, counts = self._split_words(templates)
        everyone = np.ones(len(templates), dtype=bool)
        keep = self._frame_keep(owner, counts, everyone, everyone)
        kept, kept_owner = hashes[keep], owner[keep]
        kept_counts = np.bincount(kept_owner, minlength=len(templates)).astype(np.int64)
        position = np.arange(len(kept), dtype=np.int64) - (np.cumsum(kept_counts) - kept_counts)[kept_owner]
        full = (counts <= 2 * frame)[kept_owner]
        pair = (kept_owner[:-1] == kept_owner[1:]) & (full[:-1] | (position[:-1] != frame - 1))
        bigrams = mix64(kept[:-1][pair] * _GOLDEN + kept[1:][pair])
        shingles = np.concatenate((kept, bigrams))
        shingle_owner = np.concatenate((kept_owner, kept_owner[:-1][pair]))
        return self._signatures(shingles, shingle_owner, counts >= cfg.min_frame_words)

    # -- whole pipeline ------------------------------------------------------------------------------------

    def _fingerprint_part(self, texts: pa.Array) -> FingerprintArrays:
        cfg = self.config
        lowered = _lowered(texts)
        normalised = _collapse_whitespace(lowered)
        templates = _collapse_whitespace(_masked(lowered))
        capabilities = capability_masks(normalised)
        exact = self.hasher.digest_pairs(KIND_PROMPT_EXACT, pc.cast(normalised, pa.binary()).to_pylist())
        template = self.hasher.digest_pairs(KIND_PROMPT_TEMPLATE, pc.cast(templates, pa.binary()).to_pylist())
        signatures, has_signature = self.frame_signatures(templates)
        bands = np.zeros((len(texts), cfg.bands), dtype=np.uint64)
        if len(signatures):
            bands[has_signature] = band_keys(signatures, cfg.bands, self._band_seed)
        return FingerprintArrays(exact, template, bands, has_signature, capabilities)

    def fingerprint_arrays(self, texts: Sequence[str] | npt.NDArray[np.object_]) -> FingerprintArrays:
        """Fingerprints of ``texts`` (assumed distinct) as numbers; large batches use two threads."""
        array = _to_arrow(texts)
        if len(array) < _PARALLEL_MIN_TEXTS:
            return self._fingerprint_part(array)
        half = len(array) // 2
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="fingerprint") as pool:
            parts = list(pool.map(self._fingerprint_part, [array.slice(0, half), array.slice(half)]))
        return FingerprintArrays.concat(parts)

    def fingerprint(self, texts: Sequence[str]) -> pd.DataFrame:
        """One row per input text (assumed distinct; duplicates are just computed twice).

        Columns: ``exactKey``, ``templateKey`` (str), ``bandKeys`` (list[str], empty when the text is too
        short), ``capabilities`` (int bit mask over CAPABILITIES).
        """
        arrays = self.fingerprint_arrays(texts)
        bands: list[list[str]] = [[] for _ in range(len(arrays.capabilities))]
        rows = np.flatnonzero(arrays.has_bands)
        if len(rows):
            width = self.config.bands
            band_values = hex_keys(arrays.bands[rows].ravel())
            for slot, index in enumerate(rows.tolist()):
                bands[index] = band_values[slot * width : (slot + 1) * width]
        return pd.DataFrame(
            {
                "exactKey": hex_keys_128(arrays.exact[:, 0], arrays.exact[:, 1]),
                "templateKey": hex_keys_128(arrays.template[:, 0], arrays.template[:, 1]),
                "bandKeys": bands,
                "capabilities": arrays.capabilities,
            }
        )


def fingerprint_prompts(texts: pd.Series, fingerprinter: PromptFingerprinter) -> pd.DataFrame:
    """Fingerprint the distinct non-NA texts of ``texts``; the result is indexed by the text itself.

    Join it back with ``result.loc[texts]`` or, cheaper, via ``pd.factorize`` codes (see ``aggregate``).
    """
    uniques = pd.unique(texts.dropna())
    table = fingerprinter.fingerprint([str(t) for t in uniques])
    table.index = pd.Index(uniques, name="prompt")
    return table
