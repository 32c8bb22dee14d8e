"""Genuine people and organisations, with the confounders that fool naive linkage: homes whose
leases churn inside ISP blocks, families on one card, carrier-grade NAT, commercial VPN exits,
offices behind one NAT on one corporate card, campuses, residential proxy pools resold to customers
(and rented by operations), legitimate apps sending one template from shared cloud /24s, and
research labs running chain-of-thought evaluation harnesses.
"""

from __future__ import annotations

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
from simulator.config import WorldConfig
from simulator.identities import (
    COMPANY_SUFFIXES,
    COUNTRY_OFFSETS,
    DAY,
    FIRST_NAMES,
    GENUINE_COUNTRIES,
    GENUINE_COUNTRY_WEIGHTS,
    LAST_NAMES,
    PREPAID_BINS,
    VIRTUAL_BINS,
    WEBMAIL,
    WEBMAIL_WEIGHTS,
    WORDS,
    card_rows,
    choose,
    digits,
    group_ids,
    group_sizes,
    label_rows,
    unique_ids,
)
from simulator.parts import (
    APP,
    COMPANY,
    FAMILY,
    HOME,
    LAB,
    MOBILE,
    POWER,
    RESELLER,
    SEGMENT_GROUPS,
    UNIVERSITY,
    VPN,
    Built,
    Infrastructure,
)
from simulator.prompts import PromptPools

IntArray = npt.NDArray[np.int64]

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


def build_genuine(
    config: WorldConfig,
    pools: PromptPools,
    rng: np.random.Generator,
    book: AddressBook,
    window: tuple[int, int],
) -> tuple[Built, Infrastructure]:
    """The ordinary genuine accounts, and the infrastructure they own that others reuse."""
    start, end = window
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

    country = choose(rng, GENUINE_COUNTRIES, total, GENUINE_COUNTRY_WEIGHTS)
    tz_offset = np.array([COUNTRY_OFFSETS[c] for c in country], dtype=float)
    us = country == "US"
    tz_offset[us] = rng.choice([-5.0, -6.0, -7.0, -8.0], size=int(us.sum()), p=[0.47, 0.29, 0.07, 0.17])
    first = choose(rng, FIRST_NAMES, total)
    last = choose(rng, LAST_NAMES, total)
    local = first + np.where(rng.random(total) < 0.5, ".", "").astype(object) + last
    numbered = rng.random(total) < 0.45
    local[numbered] = local[numbered] + digits(rng, int(numbered.sum()), 1, 9999)
    plus = rng.random(total) < 0.02  # some genuine people use plus-addressing too
    local[plus] = local[plus] + "+" + choose(rng, np.array(["ai", "work", "news"], dtype=object), int(plus.sum()))
    domain = choose(rng, WEBMAIL, total, WEBMAIL_WEIGHTS)
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
    family_sizes = group_sizes(rng, len(family_members), 2, 5, None)
    family_of = group_ids(family_sizes)
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
    company_sizes = group_sizes(rng, len(company_members), 3, 400, 1.6)
    company_of = group_ids(company_sizes)
    n_companies = len(company_sizes)
    office_pools = np.array(
        [book.nat_pool(BUSINESS_FIRST_OCTETS, rng, 1, 4) for _ in range(n_companies)], dtype=np.int64
    )
    office = np.full(total, -1, dtype=np.int64)
    office[company_members] = office_pools[company_of]
    company_names = choose(rng, WORDS, n_companies) + choose(rng, WORDS, n_companies)
    company_domains = company_names + choose(rng, COMPANY_SUFFIXES, n_companies)
    company_ids = unique_ids(rng, n_companies, "org_")
    org_id[company_members] = company_ids[company_of]
    domain[company_members] = company_domains[company_of]
    company_pathway = choose(
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
    campus_pools = np.array([book.nat_pool(CAMPUS_FIRST_OCTETS, rng, 8, 40) for _ in range(n_unis)], dtype=np.int64)
    campus = np.full(total, -1, dtype=np.int64)
    campus[uni_members] = campus_pools[uni_of]
    uni_domains = choose(rng, WORDS, n_unis) + choose(
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
    app_sizes = group_sizes(rng, len(app_members), 1, 5, None)
    app_of = group_ids(app_sizes)
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
    app_domains = choose(rng, WORDS, n_apps) + "app.io"
    domain[app_members] = app_domains[app_of]
    pathway[app_members] = choose(rng, np.array(["cloud", "direct"], dtype=object), n_apps)[app_of]
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
            "group": np.array([SEGMENT_GROUPS.get(int(s)) for s in segment], dtype=object),
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
    cards = card_rows(rng, len(carded), "credit", countries=country[carded])
    funding = rng.choice(
        np.array(["credit", "debit", "prepaid", "virtual", "unknown"], dtype=object),
        size=len(carded),
        p=[0.55, 0.33, 0.05, 0.04, 0.03],
    )
    cards["funding"] = funding
    cards.loc[funding == "prepaid", "bin"] = choose(rng, PREPAID_BINS, int((funding == "prepaid").sum()))
    cards.loc[funding == "virtual", "bin"] = choose(rng, VIRTUAL_BINS, int((funding == "virtual").sum()))
    cards["account_index"] = carded
    payment_frames.append(cards)
    family_cards = card_rows(rng, len(family_sizes), "credit", countries=country[family_head])
    family_payments = family_cards.iloc[family_of].reset_index(drop=True)
    family_payments["account_index"] = family_members
    payment_frames.append(family_payments)
    corporate = card_rows(
        rng,
        n_companies,
        "credit",
        countries=country[company_members[np.concatenate([[0], np.cumsum(company_sizes)[:-1]])]],
    )
    corporate_payments = corporate.iloc[company_of].reset_index(drop=True)
    corporate_payments["account_index"] = company_members
    payment_frames.append(corporate_payments)
    app_cards = card_rows(rng, n_apps, "credit")
    app_payments = app_cards.iloc[app_of].reset_index(drop=True)
    app_payments["account_index"] = app_members
    payment_frames.append(app_payments)
    reseller_billed = reseller_members[rng.random(len(reseller_members)) < 0.6]
    reseller_cards = card_rows(rng, 4, "credit")
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
    sources = ("enterprise-verification", "support-appeal", "ts-analyst-03")
    labels = label_rows(rng, verified, "benign", sources, start - 20 * DAY, 40 * DAY)
    infrastructure = Infrastructure(
        hydra_pools=hydra,
        vpn_pools=vpn_pools,
        carrier_pools=carrier_pools,
        cloud_blocks=cloud_blocks,
        residential_blocks=residential_blocks,
    )
    return Built(profile=profile, payments=payments, labels=labels), infrastructure
