"""Who is on the platform: genuine people and organisations (with the confounders that fool naive
linkage) and adversary operations' account slots, with their infrastructure, cards and labels.

Everything per account lives in one `Population.profile` frame (hidden behaviour columns next to the
public account columns); traffic generation reads it chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator.addresses import (
    BUSINESS_FIRST_OCTETS,
    CAMPUS_FIRST_OCTETS,
    CLOUD_FIRST_OCTETS,
    DATACENTER_FIRST_OCTETS,
    MOBILE_FIRST_OCTETS,
    RESIDENTIAL_FIRST_OCTETS,
    AddressBook,
)
from simulator.config import OperationProfile, WorldConfig
from simulator.prompts import PromptPools

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
DAY: Final = 86_400

# Genuine segments
HOME, POWER, MOBILE, VPN, COMPANY, FAMILY, UNIVERSITY, RESELLER, APP, LAB = range(10)
SEGMENT_NAMES: Final = (
    "home",
    "power_user",
    "mobile",
    "vpn",
    "company",
    "family",
    "university",
    "reseller_customer",
    "app",
    "research_lab",
)
ADVERSARY_SEGMENT: Final = 100  # + operation index
_SEGMENT_SHARES: Final = {
    HOME: 0.30,
    POWER: 0.02,
    MOBILE: 0.20,
    VPN: 0.05,
    COMPANY: 0.17,
    FAMILY: 0.07,
    UNIVERSITY: 0.13,
    RESELLER: 0.045,
}

# Adversary infrastructure modes
STATIC_PROXY, COMMERCIAL_VPN, DEDICATED_CLOUD, ISP_PROXY, HYDRA = range(5)

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
_GENUINE_COUNTRIES: Final = np.array(list(COUNTRY_OFFSETS), dtype=object)
_GENUINE_COUNTRY_WEIGHTS: Final = np.array(
    [30, 7, 6, 4, 9, 6, 4, 3, 4, 2, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 1.5, 1, 1], dtype=float
)
_FIRST_NAMES: Final = np.array(
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
_LAST_NAMES: Final = np.array(
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
_WEBMAIL: Final = np.array(
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
_WEBMAIL_WEIGHTS: Final = np.array([40, 15, 8, 10, 3, 5, 3, 2, 2, 1], dtype=float)
_THROWAWAY: Final = np.array(
    ["mailbox-fast.top", "inboxly.xyz", "tmpmail.click", "qmail7.shop", "fastinbox.site", "gmail.com"], dtype=object
)
_WORDS: Final = np.array(
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

_BRANDS: Final = np.array(["visa", "mastercard", "amex", "discover"], dtype=object)
_BRAND_BIN_PREFIX: Final = {"visa": "4", "mastercard": "5", "amex": "37", "discover": "6011"}
_PREPAID_BINS: Final = np.array(["404038", "423223", "435880", "511332", "533248", "540756", "411238"], dtype=object)
_VIRTUAL_BINS: Final = np.array(["485932", "485933", "531993", "552433"], dtype=object)


_INTEGER_COLUMNS: Final = (
    "created_at",
    "segment",
    "exchanges",
    "lease0",
    "lease1",
    "lease2",
    "lease_count",
    "carrier_pool",
    "vpn_pool",
    "office_pool",
    "campus_pool",
    "proxy_pool",
    "app_pool",
    "app_template",
    "model_preference",
    "active_start",
    "active_end",
    "daily_rate",
    "phase_seed",
    "ip_mode",
    "ip_pool",
    "primary_family",
    "secondary_family",
    "user_agent_choice",
)


@dataclass
class Population:
    """All accounts (public columns + behaviour), payment rows, labels and the address book."""

    profile: pd.DataFrame
    payment_methods: pd.DataFrame
    labels: pd.DataFrame
    addresses: AddressBook
    start: int  # window start, unix seconds
    end: int
    release: int


def _choose(
    rng: np.random.Generator, options: ObjectArray, count: int, weights: FloatArray | None = None
) -> ObjectArray:
    probabilities = None if weights is None else weights / weights.sum()
    chosen: ObjectArray = options[rng.choice(len(options), size=count, p=probabilities)]
    return chosen


def _digits(rng: np.random.Generator, count: int, low: int, high: int) -> ObjectArray:
    return rng.integers(low, high, size=count).astype(str).astype(object)


def unique_ids(rng: np.random.Generator, count: int, prefix: str) -> ObjectArray:
    """`count` distinct random ids like acct_7f3a9c21d04b, in random order."""
    candidates = rng.integers(1 << 40, 1 << 48, size=int(count * 1.05) + 16, dtype=np.int64)
    _, first = np.unique(candidates, return_index=True)
    chosen = candidates[np.sort(first)][:count]
    return np.array([f"{prefix}{value:012x}" for value in chosen.tolist()], dtype=object)


def _group_sizes(rng: np.random.Generator, total: int, low: int, high: int, zipf: float | None) -> IntArray:
    """Partition `total` members into groups of sizes in [low, high] (Zipf-like when `zipf` is set)."""
    sizes: list[int] = []
    remaining = total
    while remaining > 0:
        size = int(rng.integers(low, high + 1)) if zipf is None else int(min(high, low - 1 + rng.zipf(zipf)))
        size = min(size, remaining)
        sizes.append(size)
        remaining -= size
    return np.array(sizes, dtype=np.int64)


def _group_ids(sizes: IntArray) -> IntArray:
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _card_rows(
    rng: np.random.Generator,
    count: int,
    funding: str,
    bins: ObjectArray | None = None,
    countries: ObjectArray | None = None,
) -> pd.DataFrame:
    """`count` distinct payment instruments (fingerprints are processor tokens, never card numbers)."""
    fingerprints = unique_ids(rng, count, "pmfp_")
    if bins is None:
        brands = _choose(rng, _BRANDS, count, np.array([55, 35, 7, 3], dtype=float))
        prefixes = np.array([_BRAND_BIN_PREFIX[b] for b in brands], dtype=object)
        tails = rng.integers(0, 10**6, size=count).astype(str).astype(object)
        bin_values = np.array([(p + t.zfill(6))[:6] for p, t in zip(prefixes, tails, strict=True)], dtype=object)
    else:
        bin_values = _choose(rng, bins, count)
        brands = np.where(pd.Series(bin_values).str.startswith("4"), "visa", "mastercard").astype(object)
    return pd.DataFrame(
        {
            "payment_fingerprint": fingerprints,
            "brand": brands,
            "funding": funding,
            "bin": bin_values,
            "country": countries if countries is not None else _choose(rng, _GENUINE_COUNTRIES, count),
        }
    )


def build_population(config: WorldConfig, pools: PromptPools, rng: np.random.Generator) -> Population:
    start = int(np.datetime64(config.start, "s").astype(np.int64))
    end = start + config.days * DAY
    release = start + round(config.release_day * DAY / 60) * 60
    book = AddressBook(rng)
    genuine = _build_genuine(config, pools, rng, book, start, end)
    adversaries = [
        _build_operation(index, op, config, rng, book, genuine, start, end)
        for index, op in enumerate(config.operations)
    ]
    book.freeze()
    offset_account_indices([genuine, *adversaries])
    profile = pd.concat([genuine.profile] + [a.profile for a in adversaries], ignore_index=True)
    for column in _INTEGER_COLUMNS:
        profile[column] = profile[column].fillna(-1).astype(np.int64)
    for column in ("zero_retention", "early_adopter", "is_replacement"):
        profile[column] = profile[column].eq(True).to_numpy(dtype=bool)
    profile["tz_offset"] = profile["tz_offset"].fillna(0.0)
    payments = pd.concat([genuine.payments] + [a.payments for a in adversaries], ignore_index=True)
    labels = pd.concat([genuine.labels] + [a.labels for a in adversaries], ignore_index=True)
    # Public account ids are assigned last, over everyone at once, so ids carry no segment order.
    ids = unique_ids(rng, len(profile), "acct_")
    profile.insert(0, "account_id", ids)
    payments["account_id"] = ids[payments.pop("account_index").to_numpy()]
    labels["account_id"] = ids[labels.pop("account_index").to_numpy()]
    payments = payments.sort_values(["added_at", "account_id"], kind="stable").reset_index(drop=True)
    labels = labels.sort_values(["at", "account_id"], kind="stable").reset_index(drop=True)
    return Population(
        profile=profile, payment_methods=payments, labels=labels, addresses=book, start=start, end=end, release=release
    )


@dataclass
class _Built:
    profile: pd.DataFrame
    payments: pd.DataFrame
    labels: pd.DataFrame
    # shared infrastructure adversaries reuse
    hydra_pools: IntArray
    vpn_pools: IntArray
    cloud_blocks: npt.NDArray[np.uint32]
    residential_blocks: npt.NDArray[np.uint32]


def _build_genuine(
    config: WorldConfig, pools: PromptPools, rng: np.random.Generator, book: AddressBook, start: int, end: int
) -> _Built:
    total = config.genuine_accounts
    n_app = max(6, round(total * config.app_share))
    n_lab = max(2, round(total * 0.0004))
    rest = total - n_app - n_lab
    counts = {segment: int(share * rest / sum(_SEGMENT_SHARES.values())) for segment, share in _SEGMENT_SHARES.items()}
    counts[HOME] += rest - sum(counts.values())
    counts[APP], counts[LAB] = n_app, n_lab
    segment = rng.permutation(np.repeat(np.array(list(counts), dtype=np.int64), list(counts.values())))
    index = np.arange(total, dtype=np.int64)
    members = {seg: index[segment == seg] for seg in counts}

    country = _choose(rng, _GENUINE_COUNTRIES, total, _GENUINE_COUNTRY_WEIGHTS)
    tz_offset = np.array([COUNTRY_OFFSETS[c] for c in country], dtype=float)
    us = country == "US"
    tz_offset[us] = rng.choice([-5.0, -6.0, -7.0, -8.0], size=int(us.sum()), p=[0.47, 0.29, 0.07, 0.17])
    first = _choose(rng, _FIRST_NAMES, total)
    last = _choose(rng, _LAST_NAMES, total)
    local = first + np.where(rng.random(total) < 0.5, ".", "").astype(object) + last
    numbered = rng.random(total) < 0.45
    local[numbered] = local[numbered] + _digits(rng, int(numbered.sum()), 1, 9999)
    plus = rng.random(total) < 0.02  # some genuine people use plus-addressing too
    local[plus] = local[plus] + "+" + _choose(rng, np.array(["ai", "work", "news"], dtype=object), int(plus.sum()))
    domain = _choose(rng, _WEBMAIL, total, _WEBMAIL_WEIGHTS)
    pathway = np.full(total, "direct", dtype=object)
    org_id = np.full(total, None, dtype=object)

    # Creation: mostly long before the window, some during it.
    history_start = start - 900 * DAY
    created = (history_start + (rng.random(total) ** 0.6) * (start - history_start)).astype(np.int64)
    during = rng.random(total) < 0.12
    created[during] = start + (rng.random(int(during.sum())) * (end - start - DAY)).astype(np.int64)

    # --- Homes: ISP blocks, leases that churn within the block (unrelated homes collide on an address).
    home_like = total
    residential_blocks = book.blocks(RESIDENTIAL_FIRST_OCTETS, max(8, home_like // 14))
    lease_block = rng.integers(0, len(residential_blocks), size=total)
    lease_ips = np.zeros((total, 3), dtype=np.int64)
    for column in range(3):
        lease_ips[:, column] = book.add(book.hosts_in(residential_blocks[lease_block]))
    ipv6_home = rng.random(total) < 0.15
    v6 = book.add(book.ipv6_hosts(int(ipv6_home.sum()), "2a02:8108"))
    lease_ips[ipv6_home, 0] = v6
    lease_ips[ipv6_home, 1] = v6
    lease_ips[ipv6_home, 2] = v6
    lease_count = rng.integers(1, 4, size=total)

    # Families share a card and a home connection.
    family_members = members[FAMILY]
    family_sizes = _group_sizes(rng, len(family_members), 2, 5, None)
    family_of = _group_ids(family_sizes)
    family_head = family_members[np.concatenate([[0], np.cumsum(family_sizes)[:-1]])]
    lease_ips[family_members] = lease_ips[family_head[family_of]]
    lease_count[family_members] = lease_count[family_head[family_of]]
    country[family_members] = country[family_head[family_of]]
    tz_offset[family_members] = tz_offset[family_head[family_of]]

    # --- Mobile carriers behind CGNAT: thousands of accounts on a few hundred addresses.
    n_carriers = 14
    carrier_users = max(1, counts[MOBILE] + total // 10)
    carrier_pools = np.array(
        [
            book.pool(
                book.add(
                    book.hosts_in(
                        book.blocks(MOBILE_FIRST_OCTETS, 1).repeat(
                            int(np.clip(carrier_users / n_carriers / 15, 12, 400))
                        )
                    )
                )
            )
            for _ in range(n_carriers)
        ],
        dtype=np.int64,
    )
    carrier = carrier_pools[rng.integers(0, n_carriers, size=total)]

    # --- Commercial VPN providers: exits shared by everyone on the provider.
    n_vpn_users = max(1, counts[VPN] + counts[POWER])
    vpn_pools = np.array(
        [
            book.pool(
                book.add(
                    book.hosts_in(
                        book.blocks(DATACENTER_FIRST_OCTETS, 4).repeat(int(np.clip(n_vpn_users / 4 / 8 / 4, 6, 150)))
                    )
                )
            )
            for _ in range(4)
        ],
        dtype=np.int64,
    )
    vpn = vpn_pools[rng.integers(0, 4, size=total)]

    # --- Companies: one office NAT and one corporate card for everyone.
    company_members = members[COMPANY]
    company_sizes = _group_sizes(rng, len(company_members), 3, 400, 1.6)
    company_of = _group_ids(company_sizes)
    n_companies = len(company_sizes)
    office_pools = np.array(
        [
            book.pool(book.add(book.hosts_in(book.blocks(BUSINESS_FIRST_OCTETS, 1).repeat(int(rng.integers(1, 4))))))
            for _ in range(n_companies)
        ],
        dtype=np.int64,
    )
    office = np.full(total, -1, dtype=np.int64)
    office[company_members] = office_pools[company_of]
    company_names = _choose(rng, _WORDS, n_companies) + _choose(rng, _WORDS, n_companies)
    company_domains = company_names + _choose(rng, np.array([".com", ".io", ".co", ".de"], dtype=object), n_companies)
    company_ids = unique_ids(rng, n_companies, "org_")
    org_id[company_members] = company_ids[company_of]
    domain[company_members] = company_domains[company_of]
    company_pathway = _choose(
        rng, np.array(["direct", "cloud", "startup"], dtype=object), n_companies, np.array([0.7, 0.15, 0.15])
    )
    pathway[company_members] = company_pathway[company_of]
    zero_retention_company = rng.random(n_companies) < 0.15
    zero_retention = np.zeros(total, dtype=bool)
    zero_retention[company_members] = zero_retention_company[company_of]

    # --- Universities: education pathway, campus NAT, .edu mail; research labs run CoT eval harnesses.
    uni_members = members[UNIVERSITY]
    n_unis = max(2, len(uni_members) // 600)
    uni_of = rng.integers(0, n_unis, size=len(uni_members))
    campus_pools = np.array(
        [
            book.pool(book.add(book.hosts_in(book.blocks(CAMPUS_FIRST_OCTETS, 1).repeat(int(rng.integers(8, 40))))))
            for _ in range(n_unis)
        ],
        dtype=np.int64,
    )
    campus = np.full(total, -1, dtype=np.int64)
    campus[uni_members] = campus_pools[uni_of]
    uni_domains = _choose(rng, _WORDS, n_unis) + _choose(
        rng, np.array(["-univ.edu", ".edu", ".ac.uk"], dtype=object), n_unis
    )
    domain[uni_members] = uni_domains[uni_of]
    pathway[uni_members] = "education"
    lab_members = members[LAB]
    lab_uni = rng.integers(0, n_unis, size=len(lab_members))
    campus[lab_members] = campus_pools[lab_uni]
    domain[lab_members] = uni_domains[lab_uni]
    pathway[lab_members] = "education"

    # --- Residential proxy networks ("hydra clusters"): real home connections resold as exits; the
    # reseller's own customers and adversaries use them, and the homes themselves are genuine users.
    n_proxy_users = counts[RESELLER] + sum(round(op.accounts * op.hydra_share) for op in config.operations)
    n_clusters = max(2, n_proxy_users // 400)
    cluster_size = int(np.clip(n_proxy_users / n_clusters * 0.6, 40, 600))
    hydra_pools = []
    for _ in range(n_clusters):
        borrowed = rng.choice(lease_ips[:, 0], size=cluster_size // 3, replace=False)
        fresh = book.add(
            book.hosts_in(
                residential_blocks[rng.integers(0, len(residential_blocks), size=cluster_size - len(borrowed))]
            )
        )
        hydra_pools.append(book.pool(np.concatenate([borrowed, fresh])))
    hydra = np.array(hydra_pools, dtype=np.int64)
    proxy = np.full(total, -1, dtype=np.int64)
    reseller_members = members[RESELLER]
    proxy[reseller_members] = hydra[rng.integers(0, len(hydra), size=len(reseller_members))]
    pathway[reseller_members] = "reseller"

    # --- Legitimate apps: one template at volume from cloud IPs; several apps per cloud /24, some
    # sharing a serverless NAT address.
    app_members = members[APP]
    app_sizes = _group_sizes(rng, len(app_members), 1, 5, None)
    app_of = _group_ids(app_sizes)
    n_apps = len(app_sizes)
    cloud_blocks = book.blocks(CLOUD_FIRST_OCTETS, max(2, n_apps // 5))
    app_block = rng.integers(0, len(cloud_blocks), size=n_apps)
    app_pool_ids = np.zeros(n_apps, dtype=np.int64)
    previous_in_block: dict[int, IntArray] = {}
    for app in range(n_apps):
        own = book.add(book.hosts_in(cloud_blocks[np.repeat(app_block[app], int(rng.integers(1, 5)))]))
        block = int(app_block[app])
        if block in previous_in_block and rng.random() < 0.25:
            own = np.concatenate([own, previous_in_block[block][:1]])
        previous_in_block[block] = own
        app_pool_ids[app] = book.pool(own)
    app_pool = np.full(total, -1, dtype=np.int64)
    app_pool[app_members] = app_pool_ids[app_of]
    app_template = np.full(total, -1, dtype=np.int64)
    app_template[app_members] = (rng.permutation(max(n_apps, len(pools.app_names)))[:n_apps] % len(pools.app_names))[
        app_of
    ]
    app_org_ids = unique_ids(rng, n_apps, "org_")
    org_id[app_members] = app_org_ids[app_of]
    app_domains = _choose(rng, _WORDS, n_apps) + "app.io"
    domain[app_members] = app_domains[app_of]
    pathway[app_members] = _choose(rng, np.array(["cloud", "direct"], dtype=object), n_apps)[app_of]
    zero_retention[app_members] = (rng.random(n_apps) < 0.1)[app_of]
    created[app_members] = np.minimum(created[app_members], start - 30 * DAY)

    # --- Volumes.
    sigma = 1.1
    mu = np.log(config.genuine_mean_exchanges * config.days / 28) - sigma**2 / 2
    exchanges = np.floor(np.exp(rng.normal(mu, sigma, size=total))).astype(np.int64)
    exchanges[rng.random(total) < 0.12] = 0
    window_scale = config.days / 28
    power = members[POWER]
    exchanges[power] = np.exp(rng.uniform(np.log(50), np.log(800), size=len(power))) * window_scale
    app_daily = np.minimum(395, np.exp(rng.normal(np.log(90), 0.9, size=len(app_members))))
    exchanges[app_members] = (app_daily * config.days).astype(np.int64)
    exchanges[lab_members] = (rng.uniform(500, 3_000, size=len(lab_members)) * window_scale).astype(np.int64)

    status = np.full(total, "active", dtype=object)
    status[rng.random(total) < 0.003] = "suspended"
    status[rng.random(total) < 0.0003] = "banned"

    profile = pd.DataFrame(
        {
            "created_at": created,
            "email": local + "@" + domain,
            "country": country,
            "pathway": pathway,
            "org_id": org_id,
            "status": status,
            "actor": "benign",
            "segment": segment,
            "tz_offset": tz_offset,
            "exchanges": exchanges,
            "lease0": lease_ips[:, 0],
            "lease1": lease_ips[:, 1],
            "lease2": lease_ips[:, 2],
            "lease_count": lease_count,
            "carrier_pool": carrier,
            "vpn_pool": vpn,
            "office_pool": office,
            "campus_pool": campus,
            "proxy_pool": proxy,
            "app_pool": app_pool,
            "app_template": app_template,
            "zero_retention": zero_retention,
            "early_adopter": (segment == POWER) | (rng.random(total) < 0.05),
            "model_preference": rng.choice(3, size=total, p=[0.35, 0.5, 0.15]),
        }
    )

    # --- Payment methods.
    payment_frames = []
    carded = np.flatnonzero(np.isin(segment, [HOME, POWER, MOBILE, VPN, UNIVERSITY]) & (rng.random(total) < 0.5))
    cards = _card_rows(rng, len(carded), "credit", countries=country[carded])
    funding = rng.choice(
        np.array(["credit", "debit", "prepaid", "virtual", "unknown"], dtype=object),
        size=len(carded),
        p=[0.55, 0.33, 0.05, 0.04, 0.03],
    )
    cards["funding"] = funding
    cards.loc[funding == "prepaid", "bin"] = _choose(rng, _PREPAID_BINS, int((funding == "prepaid").sum()))
    cards.loc[funding == "virtual", "bin"] = _choose(rng, _VIRTUAL_BINS, int((funding == "virtual").sum()))
    cards["account_index"] = carded
    payment_frames.append(cards)
    family_cards = _card_rows(rng, len(family_sizes), "credit", countries=country[family_head])
    family_payments = family_cards.iloc[family_of].reset_index(drop=True)
    family_payments["account_index"] = family_members
    payment_frames.append(family_payments)
    corporate = _card_rows(
        rng,
        n_companies,
        "credit",
        countries=country[company_members[np.concatenate([[0], np.cumsum(company_sizes)[:-1]])]],
    )
    corporate_payments = corporate.iloc[company_of].reset_index(drop=True)
    corporate_payments["account_index"] = company_members
    payment_frames.append(corporate_payments)
    app_cards = _card_rows(rng, n_apps, "credit")
    app_payments = app_cards.iloc[app_of].reset_index(drop=True)
    app_payments["account_index"] = app_members
    payment_frames.append(app_payments)
    reseller_billed = reseller_members[rng.random(len(reseller_members)) < 0.6]
    reseller_cards = _card_rows(rng, 4, "credit")
    reseller_payments = reseller_cards.iloc[rng.integers(0, 4, size=len(reseller_billed))].reset_index(drop=True)
    reseller_payments["account_index"] = reseller_billed
    payment_frames.append(reseller_payments)
    payments = pd.concat(payment_frames, ignore_index=True)
    payments["added_at"] = created[payments["account_index"].to_numpy()] + rng.integers(60, 3 * DAY, size=len(payments))

    # --- Benign labels: verified enterprise apps, labs and some company staff; support appeals.
    verified = np.concatenate(
        [
            app_members[rng.random(len(app_members)) < 0.5],
            lab_members,
            company_members[rng.random(len(company_members)) < 0.01],
            index[rng.random(total) < 0.002],
        ]
    )
    verified = np.unique(verified)
    labels = pd.DataFrame(
        {
            "account_index": verified,
            "label": "benign",
            "source": _choose(
                rng,
                np.array(["enterprise-verification", "support-appeal", "ts-analyst-03"], dtype=object),
                len(verified),
            ),
            "at": start - 20 * DAY + rng.integers(0, 40 * DAY, size=len(verified)),
        }
    )
    return _Built(
        profile=profile,
        payments=payments,
        labels=labels,
        hydra_pools=hydra,
        vpn_pools=vpn_pools,
        cloud_blocks=cloud_blocks,
        residential_blocks=residential_blocks,
    )


def _build_operation(
    op_index: int,
    op: OperationProfile,
    config: WorldConfig,
    rng: np.random.Generator,
    book: AddressBook,
    genuine: _Built,
    start: int,
    end: int,
) -> _Built:
    """Account slots of one operation; a banned slot becomes two accounts (banned + replacement)."""
    slots = max(2, round(op.accounts / (1 + op.ban_share)))
    banned_slots = min(slots, max(1, round(slots * op.ban_share)))
    mean_rate = float(np.mean(op.daily_rate))
    span_mean_days = min(config.days * 0.9, op.exchanges / (slots * mean_rate * 0.93))
    span = (rng.uniform(0.5, 1.5, size=slots) * span_mean_days * DAY).astype(np.int64)
    span = np.clip(span, 3_600, end - start)

    # Creation bursts: many accounts created within minutes of each other.
    if op.creation_bursts > 0:
        burst_times = np.sort(
            rng.uniform(start - 3 * DAY, end - span_mean_days * DAY * 0.8, size=op.creation_bursts)
        ).astype(np.int64)
    else:
        rolling = np.arange(start - DAY, end - int(span_mean_days * DAY / 2), 6 * 3_600)
        burst_times = rolling[rng.random(len(rolling)) < 0.8]
    burst = rng.integers(0, len(burst_times), size=slots)
    created = burst_times[burst] + rng.integers(0, 40 * 60, size=slots)
    active_start = np.maximum(created + rng.integers(1_800, 8 * 3_600, size=slots), start)
    active_start = np.minimum(active_start, end - 3_600)
    active_end = np.minimum(active_start + span, end)
    rate = rng.integers(op.daily_rate[0], op.daily_rate[1] + 1, size=slots)

    # Infrastructure per slot.
    mode_shares = np.array(
        [op.static_proxy_share, op.vpn_share, op.dedicated_cloud_share, op.isp_proxy_share, op.hydra_share]
    )
    mode = rng.choice(5, size=slots, p=mode_shares / mode_shares.sum())
    pool = np.full(slots, -1, dtype=np.int64)
    static_pool_size = max(3, slots // 8)
    static_ips = book.add(
        book.hosts_in(book.blocks(DATACENTER_FIRST_OCTETS, 2)[rng.integers(0, 2, size=static_pool_size)])
    )
    for slot in np.flatnonzero(mode == STATIC_PROXY):
        pool[slot] = book.pool(static_ips[[slot % static_pool_size, (slot + 1) % static_pool_size]])
    vpn_slots = mode == COMMERCIAL_VPN
    pool[vpn_slots] = genuine.vpn_pools[rng.integers(0, len(genuine.vpn_pools), size=int(vpn_slots.sum()))]
    cloud_slots = np.flatnonzero(mode == DEDICATED_CLOUD)
    cloud_ips = book.add(
        book.hosts_in(genuine.cloud_blocks[rng.integers(0, len(genuine.cloud_blocks), size=len(cloud_slots))])
    )
    for slot, ip in zip(cloud_slots, cloud_ips, strict=True):
        pool[slot] = book.pool(np.array([ip]))
    isp_slots = np.flatnonzero(mode == ISP_PROXY)
    isp_ips = book.add(
        book.hosts_in(
            book.blocks(RESIDENTIAL_FIRST_OCTETS, max(1, len(isp_slots) // 3))[
                rng.integers(0, max(1, len(isp_slots) // 3), size=len(isp_slots))
            ]
        )
    )
    for slot, ip in zip(isp_slots, isp_ips, strict=True):
        pool[slot] = book.pool(np.array([ip]))
    hydra_slots = mode == HYDRA
    pool[hydra_slots] = genuine.hydra_pools[rng.integers(0, len(genuine.hydra_pools), size=int(hydra_slots.sum()))]

    # Slot -> accounts: banned slots split at the ban into the banned account and its replacement,
    # created minutes later on the same infrastructure.
    banned = np.zeros(slots, dtype=bool)
    banned[rng.choice(slots, size=banned_slots, replace=False)] = True
    ban_time = active_start + (rng.uniform(0.3, 0.8, size=slots) * (active_end - active_start)).astype(np.int64)
    slot_of = np.concatenate([np.arange(slots), np.flatnonzero(banned)])
    is_replacement = np.concatenate([np.zeros(slots, dtype=bool), np.ones(banned_slots, dtype=bool)])
    account_count = len(slot_of)
    acc_created = created[slot_of].copy()
    acc_start = active_start[slot_of].copy()
    acc_end = active_end[slot_of].copy()
    acc_end[:slots][banned] = ban_time[banned]
    replace_delay = (rng.uniform(*op.replace_minutes, size=banned_slots) * 60).astype(np.int64)
    acc_created[slots:] = ban_time[banned] + replace_delay
    acc_start[slots:] = acc_created[slots:] + rng.integers(60, 600, size=banned_slots)
    status = np.full(account_count, "active", dtype=object)
    status[:slots][banned] = "banned"

    pathways = np.array([p for p, _ in op.pathways], dtype=object)
    pathway = _choose(rng, pathways, slots, np.array([w for _, w in op.pathways]))[slot_of]
    country = _choose(rng, np.array(op.countries, dtype=object), account_count)
    first = _choose(rng, _FIRST_NAMES, account_count)
    last = _choose(rng, _LAST_NAMES, account_count)
    if op.email_style == "webmail":
        email = (
            first
            + "."
            + last
            + _digits(rng, account_count, 10, 9999)
            + "@"
            + _choose(rng, np.array(["outlook.com", "gmail.com", "hotmail.com"], dtype=object), account_count)
        )
    elif op.email_style == "startup":
        startup_domains = _choose(rng, _WORDS, 12) + _choose(rng, _WORDS, 12) + ".ai"
        email = first + "@" + _choose(rng, startup_domains, account_count)
    else:
        email = (
            _choose(rng, _WORDS, account_count)
            + _digits(rng, account_count, 100, 99999)
            + "@"
            + _choose(rng, _THROWAWAY, account_count)
        )
        plus = np.flatnonzero(rng.random(account_count) < 0.2)
        email[plus] = first[plus] + "." + last[plus] + "+" + _digits(rng, len(plus), 1, 999) + "@gmail.com"
    education = pathway == "education"
    email[education] = (
        first[education]
        + "."
        + last[education]
        + "@"
        + _choose(
            rng,
            np.array(["student.univ-online.edu", "mail.freecampus.edu", "learners.example.edu"], dtype=object),
            int(education.sum()),
        )
    )
    org_id = np.full(account_count, None, dtype=object)
    startup = pathway == "startup"
    org_id[startup] = unique_ids(rng, account_count, "org_")[startup]

    family_count = len(op.families)
    primary_family = rng.integers(0, family_count, size=slots)
    secondary_family = rng.integers(0, family_count, size=slots)
    language = np.full(slots, "en", dtype=object)
    multilingual = rng.random(slots) < op.multilingual_share
    language[multilingual] = _choose(rng, np.array(op.languages, dtype=object), int(multilingual.sum()))

    profile = pd.DataFrame(
        {
            "created_at": acc_created,
            "email": email,
            "country": country,
            "pathway": pathway,
            "org_id": org_id,
            "status": status,
            "actor": op.name,
            "segment": ADVERSARY_SEGMENT + op_index,
            "exchanges": ((acc_end - acc_start) / DAY * rate[slot_of] * 0.93).astype(np.int64),
            "active_start": acc_start,
            "active_end": acc_end,
            "daily_rate": rate[slot_of],
            "phase_seed": rng.integers(0, 1 << 30, size=slots)[slot_of],
            "ip_mode": mode[slot_of],
            "ip_pool": pool[slot_of],
            "primary_family": primary_family[slot_of],
            "secondary_family": secondary_family[slot_of],
            "language": language[slot_of],
            "user_agent_choice": rng.integers(0, len(op.user_agents), size=slots)[slot_of],
            "is_replacement": is_replacement,
        }
    )

    # Payment: shared cards in groups of consecutive slots; distinct prepaid/virtual cards; or none.
    card_kind = rng.choice(
        3,
        size=slots,
        p=[op.shared_card_share, op.distinct_card_share, max(0.0, 1 - op.shared_card_share - op.distinct_card_share)],
    )
    frames = []
    shared_slots = np.flatnonzero(card_kind == 0)
    if len(shared_slots):
        group_sizes = _group_sizes(rng, len(shared_slots), *op.shared_card_group, None)
        group_cards = _card_rows(
            rng,
            len(group_sizes),
            "credit",
            countries=_choose(rng, np.array(op.countries, dtype=object), len(group_sizes)),
        )
        group_cards["funding"] = rng.choice(
            np.array(["credit", "debit", "prepaid"], dtype=object), size=len(group_sizes)
        )
        slot_cards = group_cards.iloc[_group_ids(group_sizes)].reset_index(drop=True)
        slot_cards["slot"] = shared_slots
        frames.append(slot_cards)
    distinct_slots = np.flatnonzero(card_kind == 1)
    if len(distinct_slots):
        bins = _VIRTUAL_BINS if op.distinct_funding == "virtual" else _PREPAID_BINS
        own = _card_rows(
            rng,
            len(distinct_slots),
            op.distinct_funding,
            bins=bins,
            countries=_choose(rng, np.array(op.countries, dtype=object), len(distinct_slots)),
        )
        own["slot"] = distinct_slots
        frames.append(own)
    slot_payments = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["payment_fingerprint", "slot"])
    )
    # Every account of a slot pays with the slot's instrument; a replacement of a distinct-card slot
    # brings a fresh card of the same kind (same issuer BINs).
    account_of_slot = pd.DataFrame({"slot": slot_of, "account_index": np.arange(account_count)})
    payments = slot_payments.merge(account_of_slot, on="slot", how="inner").drop(columns="slot")
    fresh = (
        is_replacement[payments["account_index"].to_numpy()] & (payments["funding"] == op.distinct_funding).to_numpy()
    )
    if fresh.any():
        bins = _VIRTUAL_BINS if op.distinct_funding == "virtual" else _PREPAID_BINS
        replacement_cards = _card_rows(
            rng, int(fresh.sum()), op.distinct_funding, bins=bins, countries=payments.loc[fresh, "country"].to_numpy()
        )
        payments.loc[fresh, "payment_fingerprint"] = replacement_cards["payment_fingerprint"].to_numpy()
    payments["added_at"] = acc_created[payments["account_index"].to_numpy()] + rng.integers(
        30, 1_800, size=len(payments)
    )

    banned_accounts = np.flatnonzero(status == "banned")
    labels = pd.DataFrame(
        {
            "account_index": banned_accounts,
            "label": "abusive",
            "source": _choose(
                rng,
                np.array(["ts-analyst-07", "ts-analyst-12", "abuse-auto/velocity"], dtype=object),
                len(banned_accounts),
            ),
            "at": acc_end[banned_accounts] + rng.integers(0, 1_800, size=len(banned_accounts)),
        }
    )
    return _Built(
        profile=profile,
        payments=payments,
        labels=labels,
        hydra_pools=genuine.hydra_pools,
        vpn_pools=genuine.vpn_pools,
        cloud_blocks=genuine.cloud_blocks,
        residential_blocks=genuine.residential_blocks,
    )


def offset_account_indices(built: list[_Built]) -> None:
    """Shift each part's account_index columns so they index the concatenated profile."""
    offset = 0
    for part in built:
        part.payments["account_index"] += offset
        part.labels["account_index"] += offset
        offset += len(part.profile)
