"""Benign look-alike crowds: genuine people who look coordinated (hard negatives, benign in truth).

- `hackathon` / `course` cohorts (20-200 people): sign up within an hour or two of the event's start,
  mostly `education` or `direct`, send the same numbered prompts from a shared exercise sheet in the
  same sessions, from a venue/campus NAT (in person) or their own homes (remote); own cards or none.
- `scheduled_jobs`: unrelated customers (own company, card and IPs each) of one popular tool, whose
  cron fires at the tool's documented minute, so they send one template in the same seconds.
- `office_burst`: a company onboarding a team: 10-60 accounts created the same day on one corporate
  card, one office NAT and one org_id, then ordinary work-hours traffic with diverse prompts.

Crowds come on top of `WorldConfig.genuine_accounts` (at most 15% of it); truth.csv names each
member's crowd in `group`.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from simulator.addresses import BUSINESS_FIRST_OCTETS, CAMPUS_FIRST_OCTETS, AddressBook
from simulator.config import CrowdPlan, WorldConfig
from simulator.crowd_prompts import TOOLS, exercise_sheet
from simulator.identities import (
    COMPANY_SUFFIXES,
    DAY,
    GENUINE_COUNTRIES,
    GENUINE_COUNTRY_WEIGHTS,
    WEBMAIL,
    WEBMAIL_WEIGHTS,
    WORDS,
    card_rows,
    choose,
    digits,
    person_names,
    tz_offsets,
    unique_ids,
)
from simulator.parts import (
    COMPANY,
    COURSE,
    HACKATHON,
    HOME,
    OFFICE_BURST,
    SCHEDULED_JOBS,
    Built,
    CrowdTable,
    Infrastructure,
)
from simulator.prompts import PromptPools

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]
HOUR: Final = 3_600
MAX_CROWD_SHARE: Final = 0.15  # of the genuine accounts


def _no_rows(*columns: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"account_index": np.zeros(0, dtype=np.int64), **{c: np.zeros(0, dtype=object) for c in columns}}
    )


def plan_crowds(plan: CrowdPlan, genuine_accounts: int, rng: np.random.Generator) -> list[tuple[str, int]]:
    """(kind, members) of each crowd; shrunk together to at most 15% of the genuine accounts."""
    crowds = [
        (HACKATHON, int(rng.integers(plan.cohort_size[0], plan.cohort_size[1] + 1))) for _ in range(plan.hackathons)
    ]
    crowds += [(COURSE, int(rng.integers(plan.cohort_size[0], plan.cohort_size[1] + 1))) for _ in range(plan.courses)]
    crowds += [
        (SCHEDULED_JOBS, int(rng.integers(plan.scheduled_customers[0], plan.scheduled_customers[1] + 1)))
        for _ in range(plan.scheduled_tools)
    ]
    crowds += [
        (OFFICE_BURST, int(rng.integers(plan.office_size[0], plan.office_size[1] + 1)))
        for _ in range(plan.office_bursts)
    ]
    total = sum(size for _, size in crowds)
    room = int(genuine_accounts * MAX_CROWD_SHARE)
    if total > room:
        crowds = [(kind, max(2, size * room // total)) for kind, size in crowds]
    return crowds


def _people(
    size: int,
    country: str | None,
    share: float,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
) -> pd.DataFrame:
    """Columns every crowd member has: country (`share` of them in `country`) and time zone, a home
    address, a mobile carrier, model habits."""
    countries = choose(rng, GENUINE_COUNTRIES, size, GENUINE_COUNTRY_WEIGHTS)
    if country is not None:
        countries[rng.random(size) < share] = country
    home = book.add(
        book.hosts_in(shared.residential_blocks[rng.integers(0, len(shared.residential_blocks), size=size)])
    )
    return pd.DataFrame(
        {
            "country": countries,
            "tz_offset": tz_offsets(countries),
            "lease0": home,
            "lease1": home,
            "lease2": home,
            "lease_count": 1,
            "carrier_pool": shared.carrier_pools[rng.integers(0, len(shared.carrier_pools), size=size)],
            "status": "active",
            "actor": "benign",
            "model_preference": rng.choice(3, size=size, p=[0.35, 0.5, 0.15]),
            "early_adopter": rng.random(size) < 0.05,
            "zero_retention": False,
        }
    )


def _webmail(size: int, rng: np.random.Generator) -> ObjectArray:
    first, last = person_names(rng, size)
    local = first + "." + last + digits(rng, size, 1, 999)
    result: ObjectArray = local + "@" + choose(rng, WEBMAIL, size, WEBMAIL_WEIGHTS)
    return result


def _personal_cards(
    members: IntArray, countries: ObjectArray, share: float, rng: np.random.Generator, created: IntArray
) -> pd.DataFrame:
    carded = members[rng.random(len(members)) < share]
    cards = card_rows(rng, len(carded), "credit", countries=countries[carded])
    cards["funding"] = rng.choice(np.array(["credit", "debit"], dtype=object), size=len(carded), p=[0.6, 0.4])
    cards["account_index"] = carded
    cards["added_at"] = created[carded] + rng.integers(60, 2 * DAY, size=len(carded))
    return cards


def _sessions(kind: str, tz: float, rng: np.random.Generator, window: tuple[int, int]) -> tuple[IntArray, IntArray]:
    """A hackathon: one or two long days; a course: 3-8 sessions of 1.5-3 h, weekly or every few days."""
    start, end = window
    days = (end - start) // DAY
    if kind == HACKATHON:
        first_day = int(rng.integers(1, max(2, days - 3)))
        local = [(10, 20), (9, 15)][: int(rng.integers(1, 3))]
        starts = [first_day * DAY + a * HOUR + k * DAY for k, (a, _) in enumerate(local)]
        ends = [first_day * DAY + b * HOUR + k * DAY for k, (_, b) in enumerate(local)]
    else:
        spacing = int(rng.choice([2, 3, 7]))
        count = min(int(rng.integers(3, 9)), max(2, int(days - 2) // spacing))
        first_day = int(rng.integers(1, max(2, days - spacing * (count - 1))))
        hour = int(rng.choice([10, 14, 18]))
        length = int(rng.uniform(1.5, 3.0) * HOUR)
        starts = [(first_day + k * spacing) * DAY + hour * HOUR for k in range(count)]
        ends = [s + length for s in starts]
    shift = int(tz * HOUR)
    first = np.array(starts, dtype=np.int64) + start - shift
    last = np.minimum(np.array(ends, dtype=np.int64) + start - shift, end - 1)
    keep = first < end - HOUR
    keep[0] = True  # the first session always starts a day or more into the window
    return first[keep], last[keep]


def _cohort(
    kind: str,
    size: int,
    crowd: int,
    sessions: tuple[IntArray, IntArray],
    pools: PromptPools,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
    country: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = _people(size, country, 0.8 if rng.random() < 0.7 else 0.0, rng, book, shared)
    in_person = rng.random() < (0.75 if kind == HACKATHON else 0.5)
    venue = -1
    if in_person:
        octets = BUSINESS_FIRST_OCTETS if kind == HACKATHON else CAMPUS_FIRST_OCTETS
        venue = book.nat_pool(octets, rng, 1, 4)
    created = sessions[0][0] + rng.integers(-2 * HOUR, HOUR, size=size)  # at the event, within ~2 hours
    existing = rng.random(size) < 0.15
    created[existing] = sessions[0][0] - (rng.uniform(30, 700, size=int(existing.sum())) * DAY).astype(np.int64)
    email = _webmail(size, rng)
    if kind == COURSE:
        pathway = choose(rng, np.array(["education", "direct"], dtype=object), size, np.array([0.75, 0.25]))
        school = str(choose(rng, WORDS, 1)[0]) + str(
            choose(rng, np.array(["-univ.edu", ".edu", ".ac.uk"], dtype=object), 1)[0]
        )
        edu = pathway == "education"
        email[edu] = np.array([e.split("@")[0] for e in email[edu]], dtype=object) + "@" + school
    else:
        pathway = choose(
            rng, np.array(["direct", "education", "startup"], dtype=object), size, np.array([0.7, 0.2, 0.1])
        )
    sdk = rng.random(size) < (0.5 if kind == HACKATHON else 0.1)
    attendance = rng.uniform(0.6, 0.95, size=size)
    session_rate = rng.uniform(10, 40, size=size) if kind == HACKATHON else rng.uniform(4, 15, size=size)
    frame = people.assign(
        **{
            "created_at": created,
            "email": email,
            "pathway": pathway,
            "org_id": None,
            "group": kind,
            "segment": HOME,
            "exchanges": np.floor(rng.exponential(3.0, size=size)).astype(np.int64),
            "crowd": crowd,
            "crowd_exchanges": (attendance * session_rate * len(sessions[0])).astype(np.int64),
            "ip_pool": venue,
            "attendance": attendance,
            "session_rate": session_rate,
            "user_agent_choice": sdk.astype(np.int64),
        }
    )
    frame["model_preference"] = int(rng.integers(0, 3))  # the sheet names a model
    cards = _personal_cards(np.arange(size), frame["country"].to_numpy(), 0.35, rng, created)
    return frame, cards


def _scheduled(
    size: int,
    crowd: int,
    tool: int,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
    window: tuple[int, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, _ = window
    people = _people(size, None, 0.0, rng, book, shared)
    default = TOOLS[tool]
    custom = rng.random(size) < 0.25
    offset = np.full(size, default.offset, dtype=np.int64)
    if default.period == HOUR:
        offset[custom] = rng.integers(0, 60, size=int(custom.sum())) * 60
        batch = rng.integers(1, 4, size=size)
    else:
        offset[custom] = rng.integers(0, 24, size=int(custom.sum())) * HOUR + rng.choice(
            [0, 1800], size=int(custom.sum())
        )
        batch = rng.integers(5, 41, size=size)
    own_cloud = rng.random(size) < 0.6
    pools = np.zeros(size, dtype=np.int64)
    for member in range(size):
        blocks = (
            shared.cloud_blocks[rng.integers(0, len(shared.cloud_blocks), size=int(rng.integers(1, 3)))]
            if own_cloud[member]
            else book.blocks(BUSINESS_FIRST_OCTETS, 1)
        )
        pools[member] = book.pool(book.add(book.hosts_in(blocks)))
    domains = choose(rng, WORDS, size) + choose(rng, WORDS, size) + choose(rng, COMPANY_SUFFIXES, size)
    first, _ = person_names(rng, size)
    org_id = unique_ids(rng, size, "org_")
    org_id[rng.random(size) < 0.4] = None
    created = start - (rng.uniform(20, 500, size=size) * DAY).astype(np.int64)
    firings = (window[1] - window[0]) / default.period
    frame = people.assign(
        **{
            "created_at": created,
            "email": first + "@" + domains,
            "pathway": choose(
                rng, np.array(["direct", "cloud", "startup"], dtype=object), size, np.array([0.6, 0.25, 0.15])
            ),
            "org_id": org_id,
            "group": SCHEDULED_JOBS,
            "segment": COMPANY,
            "exchanges": 0,
            "crowd": crowd,
            "crowd_exchanges": (firings * batch).astype(np.int64),
            "ip_pool": pools,
            "cron_period": default.period,
            "cron_offset": offset,
            "cron_batch": batch,
            "user_agent_choice": rng.integers(0, 4, size=size),
        }
    )
    cards = _personal_cards(np.arange(size), frame["country"].to_numpy(), 0.85, rng, created)
    return frame, cards


def _office_burst(
    size: int,
    crowd: int,
    config: WorldConfig,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
    window: tuple[int, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, _ = window
    country = str(choose(rng, GENUINE_COUNTRIES, 1, GENUINE_COUNTRY_WEIGHTS)[0])
    people = _people(size, country, 1.0, rng, book, shared)
    day = int(rng.integers(-1, max(0, config.days - 6)))
    local_nine = start + day * DAY + int((9 - float(people["tz_offset"].iloc[0])) * HOUR)
    created = local_nine + rng.integers(0, 7 * HOUR, size=size)
    office = book.nat_pool(BUSINESS_FIRST_OCTETS, rng, 1, 4)
    domain = str(choose(rng, WORDS, 1)[0]) + str(choose(rng, WORDS, 1)[0]) + str(choose(rng, COMPANY_SUFFIXES, 1)[0])
    first, last = person_names(rng, size)
    sigma = 1.1
    mu = np.log(2 * config.genuine_mean_exchanges * config.days / 28) - sigma**2 / 2
    frame = people.assign(
        **{
            "created_at": created,
            "email": first + "." + last + "@" + domain,
            "pathway": str(
                choose(rng, np.array(["direct", "startup", "cloud"], dtype=object), 1, np.array([0.6, 0.25, 0.15]))[0]
            ),
            "org_id": str(unique_ids(rng, 1, "org_")[0]),
            "group": OFFICE_BURST,
            "segment": COMPANY,
            "exchanges": np.maximum(3, np.floor(np.exp(rng.normal(mu, sigma, size=size)))).astype(np.int64),
            "office_pool": office,
            "crowd": crowd,
        }
    )
    card = card_rows(rng, 1, "credit", countries=np.array([country], dtype=object))
    cards = card.iloc[np.zeros(size, dtype=np.int64)].reset_index(drop=True)
    cards["account_index"] = np.arange(size)
    cards["added_at"] = created + rng.integers(60, 4 * HOUR, size=size)
    return frame, cards


def build_crowds(
    crowds: list[tuple[str, int]],
    config: WorldConfig,
    pools: PromptPools,
    rng: np.random.Generator,
    book: AddressBook,
    shared: Infrastructure,
    window: tuple[int, int],
) -> tuple[Built, CrowdTable]:
    table = CrowdTable()
    frames: list[pd.DataFrame] = []
    payments: list[pd.DataFrame] = []
    tools = rng.permutation(len(TOOLS))
    offset = 0
    for kind, size in crowds:
        crowd = len(table.kind)
        if kind in (HACKATHON, COURSE):
            country = str(choose(rng, GENUINE_COUNTRIES, 1, GENUINE_COUNTRY_WEIGHTS)[0])
            sessions = _sessions(kind, float(tz_offsets(np.array([country], dtype=object))[0]), rng, window)
            table.add(kind, sessions=sessions, sheet=exercise_sheet(pools, kind, rng))
            frame, cards = _cohort(kind, size, crowd, sessions, pools, rng, book, shared, country)
        elif kind == SCHEDULED_JOBS:
            tool = int(tools[sum(k == SCHEDULED_JOBS for k in table.kind) % len(TOOLS)])
            table.add(kind, tool=tool)
            frame, cards = _scheduled(size, crowd, tool, rng, book, shared, window)
        else:
            table.add(kind)
            frame, cards = _office_burst(size, crowd, config, rng, book, shared, window)
        cards["account_index"] += offset
        frames.append(frame)
        payments.append(cards)
        offset += len(frame)
    labels = _no_rows("label", "source", "at")
    if not frames:
        return Built(pd.DataFrame(), _no_rows("payment_fingerprint", "added_at"), labels), table
    return Built(pd.concat(frames, ignore_index=True), pd.concat(payments, ignore_index=True), labels), table
