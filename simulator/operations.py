"""An adversary operation's accounts: slots with creation times, activity spans, infrastructure,
identities and payment instruments, as the `OperationProfile` (and its tactics) says.

A slot is one seat the operator keeps busy; a banned slot becomes two accounts (the banned one and
its replacement on the same infrastructure). Fresh accounts are created in bursts (or rolling) just
before they start; `aged_days` ones were bought: created months before the window, spread out.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator.addresses import DATACENTER_FIRST_OCTETS, RESIDENTIAL_FIRST_OCTETS, AddressBook
from simulator.config import OperationProfile, WorldConfig
from simulator.identities import (
    DAY,
    FIRST_NAMES,
    LAST_NAMES,
    PREPAID_BINS,
    THROWAWAY,
    VIRTUAL_BINS,
    WORDS,
    card_rows,
    choose,
    digits,
    group_ids,
    group_sizes,
    label_rows,
    tz_offsets,
    unique_ids,
)
from simulator.parts import (
    ADVERSARY_SEGMENT,
    COMMERCIAL_VPN,
    DEDICATED_CLOUD,
    HYDRA,
    ISP_PROXY,
    STATIC_PROXY,
    Built,
    Infrastructure,
)

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
_CARD_COLUMNS = ["payment_fingerprint", "brand", "funding", "bin", "country", "slot"]


def _schedule(
    op: OperationProfile,
    slots: int,
    span_mean_days: float,
    span: IntArray,
    rng: np.random.Generator,
    window: tuple[int, int],
) -> tuple[IntArray, IntArray]:
    """Creation time and start of activity per slot."""
    start, end = window
    if op.aged_days is not None:
        created = start - (rng.uniform(*op.aged_days, size=slots) * DAY).astype(np.int64)
        latest = np.maximum(end - span, start)
        active_start = start + (rng.random(slots) * (latest - start)).astype(np.int64)
        return created, np.minimum(active_start, end - 3_600)
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
    return created, np.minimum(active_start, end - 3_600)


def _infrastructure(
    op: OperationProfile, slots: int, rng: np.random.Generator, book: AddressBook, shared: Infrastructure
) -> tuple[IntArray, IntArray]:
    """IP mode and address pool per slot: own static proxies, commercial VPN exits, one dedicated
    cloud IP, one residential ISP-proxy IP, or a rotating residential pool shared with genuine users."""
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
    pool[vpn_slots] = shared.vpn_pools[rng.integers(0, len(shared.vpn_pools), size=int(vpn_slots.sum()))]
    cloud_slots = np.flatnonzero(mode == DEDICATED_CLOUD)
    cloud_ips = book.add(
        book.hosts_in(shared.cloud_blocks[rng.integers(0, len(shared.cloud_blocks), size=len(cloud_slots))])
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
    pool[hydra_slots] = shared.hydra_pools[rng.integers(0, len(shared.hydra_pools), size=int(hydra_slots.sum()))]
    return mode, pool


def _emails(op: OperationProfile, pathway: ObjectArray, rng: np.random.Generator) -> ObjectArray:
    count = len(pathway)
    email: ObjectArray
    first = choose(rng, FIRST_NAMES, count)
    last = choose(rng, LAST_NAMES, count)
    if op.email_style == "webmail":
        email = (
            first
            + "."
            + last
            + digits(rng, count, 10, 9999)
            + "@"
            + choose(rng, np.array(["outlook.com", "gmail.com", "hotmail.com"], dtype=object), count)
        )
    elif op.email_style == "startup":
        startup_domains = choose(rng, WORDS, 12) + choose(rng, WORDS, 12) + ".ai"
        email = first + "@" + choose(rng, startup_domains, count)
    else:
        email = choose(rng, WORDS, count) + digits(rng, count, 100, 99999) + "@" + choose(rng, THROWAWAY, count)
        plus = np.flatnonzero(rng.random(count) < 0.2)
        email[plus] = first[plus] + "." + last[plus] + "+" + digits(rng, len(plus), 1, 999) + "@gmail.com"
    education = pathway == "education"
    email[education] = (
        first[education]
        + "."
        + last[education]
        + "@"
        + choose(
            rng,
            np.array(["student.univ-online.edu", "mail.freecampus.edu", "learners.example.edu"], dtype=object),
            int(education.sum()),
        )
    )
    return email


def _payments(
    op: OperationProfile,
    slot_of: IntArray,
    is_replacement: npt.NDArray[np.bool_],
    acc_created: IntArray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Shared cards in groups of consecutive slots (or all shared slots on `shared_card_count` cards);
    distinct prepaid/virtual cards; or no card."""
    slots = int(slot_of.max()) + 1
    card_kind = rng.choice(
        3,
        size=slots,
        p=[op.shared_card_share, op.distinct_card_share, max(0.0, 1 - op.shared_card_share - op.distinct_card_share)],
    )
    countries = np.array(op.countries, dtype=object)
    frames = []
    shared_slots = np.flatnonzero(card_kind == 0)
    if len(shared_slots):
        if op.shared_card_count is not None:
            cards = min(op.shared_card_count, len(shared_slots))
            bounds = np.linspace(0, len(shared_slots), cards + 1).astype(np.int64)
            sizes = bounds[1:] - bounds[:-1]
        else:
            sizes = group_sizes(rng, len(shared_slots), *op.shared_card_group, None)
        group_cards = card_rows(rng, len(sizes), "credit", countries=choose(rng, countries, len(sizes)))
        group_cards["funding"] = rng.choice(np.array(["credit", "debit", "prepaid"], dtype=object), size=len(sizes))
        slot_cards = group_cards.iloc[group_ids(sizes)].reset_index(drop=True)
        slot_cards["slot"] = shared_slots
        frames.append(slot_cards)
    distinct_slots = np.flatnonzero(card_kind == 1)
    bins = VIRTUAL_BINS if op.distinct_funding == "virtual" else PREPAID_BINS
    if len(distinct_slots):
        own = card_rows(
            rng,
            len(distinct_slots),
            op.distinct_funding,
            bins=bins,
            countries=choose(rng, countries, len(distinct_slots)),
        )
        own["slot"] = distinct_slots
        frames.append(own)
    slot_payments = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_CARD_COLUMNS)
    # Every account of a slot pays with the slot's instrument; a replacement of a distinct-card slot
    # brings a fresh card of the same kind (same issuer BINs).
    account_of_slot = pd.DataFrame({"slot": slot_of, "account_index": np.arange(len(slot_of))})
    payments = slot_payments.merge(account_of_slot, on="slot", how="inner").drop(columns="slot")
    fresh = (
        is_replacement[payments["account_index"].to_numpy(dtype=np.int64)]
        & (payments["funding"] == op.distinct_funding).to_numpy()
    )
    if fresh.any():
        replacement_cards = card_rows(
            rng, int(fresh.sum()), op.distinct_funding, bins=bins, countries=payments.loc[fresh, "country"].to_numpy()
        )
        payments.loc[fresh, "payment_fingerprint"] = replacement_cards["payment_fingerprint"].to_numpy()
    payments["added_at"] = acc_created[payments["account_index"].to_numpy(dtype=np.int64)] + rng.integers(
        30, 1_800, size=len(payments)
    )
    return payments


def build_operation(
    op_index: int,
    op: OperationProfile,
    config: WorldConfig,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
    window: tuple[int, int],
) -> Built:
    """Account slots of one operation; a banned slot becomes two accounts (banned + replacement)."""
    start, end = window
    slots = max(2, round(op.accounts / (1 + op.ban_share)))
    banned_slots = min(slots, max(1, round(slots * op.ban_share)))
    mean_rate = float(np.mean(op.daily_rate))
    span_mean_days = min(config.days * 0.9, op.exchanges / (slots * mean_rate * 0.93))
    span = (rng.uniform(0.5, 1.5, size=slots) * span_mean_days * DAY).astype(np.int64)
    span = np.clip(span, 3_600, end - start)
    created, active_start = _schedule(op, slots, span_mean_days, span, rng, window)
    active_end = np.minimum(active_start + span, end)
    rate = rng.integers(op.daily_rate[0], op.daily_rate[1] + 1, size=slots)
    mode, pool = _infrastructure(op, slots, rng, book, shared)

    # Slot -> accounts: banned slots split at the ban into the banned account and its replacement,
    # created minutes later on the same infrastructure (bought accounts: taken from the aged stock).
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
    if op.aged_days is not None:
        acc_created[slots:] = start - (rng.uniform(*op.aged_days, size=banned_slots) * DAY).astype(np.int64)
    status = np.full(account_count, "active", dtype=object)
    status[:slots][banned] = "banned"

    pathways = np.array([p for p, _ in op.pathways], dtype=object)
    pathway = choose(rng, pathways, slots, np.array([w for _, w in op.pathways]))[slot_of]
    country = choose(rng, np.array(op.countries, dtype=object), account_count)
    email = _emails(op, pathway, rng)
    org_id = np.full(account_count, None, dtype=object)
    startup = pathway == "startup"
    org_id[startup] = unique_ids(rng, account_count, "org_")[startup]

    family_count = len(op.families)
    primary_family = rng.integers(0, family_count, size=slots)
    secondary_family = rng.integers(0, family_count, size=slots)
    language = np.full(slots, "en", dtype=object)
    multilingual = rng.random(slots) < op.multilingual_share
    language[multilingual] = choose(rng, np.array(op.languages, dtype=object), int(multilingual.sum()))

    profile = pd.DataFrame(
        {
            "created_at": acc_created,
            "email": email,
            "country": country,
            "pathway": pathway,
            "org_id": org_id,
            "status": status,
            "actor": op.name,
            "group": None,
            "segment": ADVERSARY_SEGMENT + op_index,
            "tz_offset": tz_offsets(country),
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
    payments = _payments(op, slot_of, is_replacement, acc_created, rng)

    banned_accounts = np.flatnonzero(status == "banned")
    sources = ("ts-analyst-07", "ts-analyst-12", "abuse-auto/velocity")
    labels = label_rows(rng, banned_accounts, "abusive", sources, acc_end[banned_accounts], 1_800)
    return Built(profile=profile, payments=payments, labels=labels)
