"""Who-is-who building blocks shared by every population: countries and time zones, names and mail
domains, random ids, group partitions and payment instruments."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
DAY: Final = 86_400

COUNTRY_OFFSETS: Final = {
    "US": -6.0,
    "GB": 0.0,
    "DE": 1.0,
    "FR": 1.0,
    "IN": 5.5,
    "BR": -3.0,
    "JP": 9.0,
    "KR": 9.0,
    "CA": -5.0,
    "AU": 10.0,
    "NL": 1.0,
    "ES": 1.0,
    "MX": -6.0,
    "ID": 7.0,
    "NG": 1.0,
    "PL": 1.0,
    "IT": 1.0,
    "TR": 3.0,
    "VN": 7.0,
    "PH": 8.0,
    "SG": 8.0,
    "SE": 1.0,
    "MY": 8.0,
}
GENUINE_COUNTRIES: Final = np.array(list(COUNTRY_OFFSETS), dtype=object)
GENUINE_COUNTRY_WEIGHTS: Final = np.array(
    [30, 7, 6, 4, 9, 6, 4, 3, 4, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 1.5, 1, 1], dtype=float
)
FIRST_NAMES: Final = np.array(
    [
        "james",
        "mary",
        "wei",
        "li",
        "anna",
        "maria",
        "david",
        "sara",
        "john",
        "yuki",
        "hiro",
        "fatima",
        "omar",
        "lucas",
        "emma",
        "noah",
        "olivia",
        "liam",
        "ava",
        "ivan",
        "olga",
        "chen",
        "ming",
        "priya",
        "arjun",
        "rahul",
        "sofia",
        "mateo",
        "camila",
        "diego",
        "lena",
        "paul",
        "nina",
        "kim",
        "min",
        "jae",
        "ali",
        "aisha",
        "tom",
        "kate",
        "ben",
        "leo",
        "mia",
        "zoe",
        "sam",
        "alex",
        "max",
        "eva",
        "jan",
    ],
    dtype=object,
)
LAST_NAMES: Final = np.array(
    [
        "smith",
        "johnson",
        "wang",
        "zhang",
        "garcia",
        "mueller",
        "schmidt",
        "rossi",
        "silva",
        "santos",
        "kumar",
        "sharma",
        "tanaka",
        "sato",
        "kim",
        "lee",
        "park",
        "nguyen",
        "tran",
        "brown",
        "jones",
        "miller",
        "davis",
        "martin",
        "bernard",
        "dubois",
        "novak",
        "kowalski",
        "ivanov",
        "petrov",
        "khan",
        "ahmed",
        "lopez",
        "perez",
        "costa",
        "ferreira",
        "nakamura",
        "suzuki",
        "walker",
        "young",
        "hall",
        "allen",
    ],
    dtype=object,
)
WEBMAIL: Final = np.array(
    [
        "gmail.com",
        "outlook.com",
        "yahoo.com",
        "icloud.com",
        "proton.me",
        "hotmail.com",
        "gmx.de",
        "yandex.ru",
        "naver.com",
        "qq.com",
    ],
    dtype=object,
)
WEBMAIL_WEIGHTS: Final = np.array([40, 15, 8, 10, 3, 5, 3, 2, 2, 1], dtype=float)
THROWAWAY: Final = np.array(
    ["mailbox-fast.top", "inboxly.xyz", "tmpmail.click", "qmail7.shop", "fastinbox.site", "gmail.com"], dtype=object
)
WORDS: Final = np.array(
    [
        "blue",
        "nova",
        "quant",
        "vector",
        "lumen",
        "apex",
        "orbit",
        "delta",
        "atlas",
        "cedar",
        "pixel",
        "forge",
        "stack",
        "bright",
        "north",
        "river",
        "spark",
        "prime",
        "tidal",
        "echo",
        "zen",
        "core",
        "flux",
        "iron",
    ],
    dtype=object,
)
COMPANY_SUFFIXES: Final = np.array([".com", ".io", ".co", ".de"], dtype=object)

BRANDS: Final = np.array(["visa", "mastercard", "amex", "discover"], dtype=object)
BRAND_BIN_PREFIX: Final = {"visa": "4", "mastercard": "5", "amex": "37", "discover": "6011"}
PREPAID_BINS: Final = np.array(["404038", "423223", "435880", "511332", "533248", "540756", "411238"], dtype=object)
VIRTUAL_BINS: Final = np.array(["485932", "485933", "531993", "552433"], dtype=object)


def choose(
    rng: np.random.Generator, options: ObjectArray, count: int, weights: FloatArray | None = None
) -> ObjectArray:
    probabilities = None if weights is None else weights / weights.sum()
    chosen: ObjectArray = options[rng.choice(len(options), size=count, p=probabilities)]
    return chosen


def digits(rng: np.random.Generator, count: int, low: int, high: int) -> ObjectArray:
    return rng.integers(low, high, size=count).astype(str).astype(object)


def tz_offsets(countries: ObjectArray) -> FloatArray:
    return np.array([COUNTRY_OFFSETS.get(str(c), 0.0) for c in countries], dtype=float)


def unique_ids(rng: np.random.Generator, count: int, prefix: str) -> ObjectArray:
    """`count` distinct random ids like acct_7f3a9c21d04b, in random order."""
    candidates = rng.integers(1 << 40, 1 << 48, size=int(count * 1.05) + 16, dtype=np.int64)
    _, first = np.unique(candidates, return_index=True)
    chosen = candidates[np.sort(first)][:count]
    return np.array([f"{prefix}{value:012x}" for value in chosen.tolist()], dtype=object)


def group_sizes(rng: np.random.Generator, total: int, low: int, high: int, zipf: float | None) -> IntArray:
    """Partition `total` members into groups of sizes in [low, high] (Zipf-like when `zipf` is set)."""
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        size = int(rng.integers(low, high + 1)) if zipf is None else int(min(high, low - 1 + rng.zipf(zipf)))
        size = min(size, remaining)
        sizes.append(size)
        remaining -= size
    return np.array(sizes, dtype=np.int64)


def group_ids(sizes: IntArray) -> IntArray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def card_rows(
    rng: np.random.Generator,
    count: int,
    funding: str,
    bins: ObjectArray | None = None,
    countries: ObjectArray | None = None,
) -> pd.DataFrame:
    """`count` distinct payment instruments (fingerprints are processor tokens, never card numbers)."""
    fingerprints = unique_ids(rng, count, "pmfp_")
    if bins is None:
        brands = choose(rng, BRANDS, count, np.array([55, 35, 7, 3], dtype=float))
        prefixes = np.array([BRAND_BIN_PREFIX[b] for b in brands], dtype=object)
        tails = rng.integers(0, 10**6, size=count).astype(str).astype(object)
        bin_values = np.array([(p + t.zfill(6))[:6] for p, t in zip(prefixes, tails, strict=True)], dtype=object)
    else:
        bin_values = choose(rng, bins, count)
        brands = np.where(pd.Series(bin_values).str.startswith("4"), "visa", "mastercard").astype(object)
    return pd.DataFrame(
        {
            "payment_fingerprint": fingerprints,
            "brand": brands,
            "funding": funding,
            "bin": bin_values,
            "country": countries if countries is not None else choose(rng, GENUINE_COUNTRIES, count),
        }
    )


def person_names(rng: np.random.Generator, count: int) -> tuple[ObjectArray, ObjectArray]:
    return choose(rng, FIRST_NAMES, count), choose(rng, LAST_NAMES, count)


def label_rows(
    rng: np.random.Generator,
    accounts: IntArray,
    label: str,
    sources: tuple[str, ...],
    after: IntArray | int,
    within: int,
) -> pd.DataFrame:
    """`label` on each of `accounts`, from one of `sources`, dated `after` plus up to `within` seconds."""
    return pd.DataFrame(
        {
            "account_index": accounts,
            "label": label,
            "source": choose(rng, np.array(sources, dtype=object), len(accounts)),
            "at": after + rng.integers(0, within, size=len(accounts)),
        }
    )
