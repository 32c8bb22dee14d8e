"""Randomised operation tactics and benign look-alike crowds (issue 13), asserted from the written
files of small `varied` worlds: every tactic value is produced as asked, include/exclude hold,
world.json records the tactics, truth.csv marks the crowds, and a seed fixes the world."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loaders.batch_files import discover_tables, read_batch_table
from loaders.contract import TableValidator
from simulator.addresses import RESIDENTIAL_FIRST_OCTETS
from simulator.config import OperationProfile, WorldConfig, preset_config
from simulator.identities import COUNTRY_OFFSETS
from simulator.prompts import load_pools
from simulator.tactics import SIZE_RANGES, TACTICS, draw_operation
from simulator.world import simulate
from tests.unit.test_simulator import digest

DAY = pd.Timedelta(days=1)
CROWDS = ("hackathon", "course", "scheduled_jobs", "office_burst")


@dataclass
class World:
    config: WorldConfig
    accounts: pd.DataFrame  # with truth columns
    payments: pd.DataFrame
    exchanges: pd.DataFrame
    meta: dict[str, object]
    start: pd.Timestamp

    def operations(self) -> list[OperationProfile]:
        return list(self.config.operations)

    def rows(self, name: str) -> pd.DataFrame:
        return self.exchanges[self.exchanges["actor"] == name]

    def members(self, name: str) -> pd.DataFrame:
        return self.accounts[self.accounts["actor"] == name]

    def cards(self, name: str) -> pd.DataFrame:
        return self.payments[self.payments["actor"] == name]


def _read(out: Path, config: WorldConfig) -> World:
    truth = pd.read_csv(out / "truth.csv", dtype=str, keep_default_na=False)
    accounts = pd.read_csv(out / "accounts.csv", dtype=str, keep_default_na=False).merge(truth, on="account_id")
    accounts["created_at"] = pd.to_datetime(accounts["created_at"], utc=True)
    payments = pd.read_csv(out / "payment_methods.csv", dtype=str, keep_default_na=False).merge(truth, on="account_id")
    exchanges = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((out / "exchanges").glob("*.csv.gz"))],
        ignore_index=True,
    ).merge(truth, on="account_id")
    exchanges["ts"] = pd.to_datetime(exchanges["ts"], utc=True, format="ISO8601")
    exchanges["seconds"] = exchanges["ts"].astype("int64") / 1e9
    meta = json.loads((out / "world.json").read_text())
    return World(config, accounts, payments, exchanges, meta, pd.Timestamp(config.start, tz="UTC"))


def _world(factory: pytest.TempPathFactory, seed: int, include: dict[str, str]) -> World:
    """A varied world of 1,500 genuine accounts whose every operation uses the `include` tactics."""
    config = preset_config("varied", seed, 1_500, include=include)
    out = factory.mktemp(f"varied{seed}")
    simulate(out, config)
    return _read(out, config)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> World:
    include = {"payment": "few_cards", "proxy": "static_datacenter", "prompt": "upstream_only", "timing": "human"}
    return _world(tmp_path_factory, 5, {**include, "age": "aged", "volume": "low_and_slow", "pathway": "education"})


@pytest.fixture(scope="module")
def loud(tmp_path_factory: pytest.TempPathFactory) -> World:
    include = {"payment": "distinct_prepaid", "proxy": "commercial_vpn", "prompt": "paraphrases", "size": "tiny"}
    include |= {"timing": "synchronised", "age": "fresh_bursts", "volume": "near_limit", "pathway": "startup"}
    return _world(tmp_path_factory, 6, include)


@pytest.fixture(scope="module")
def cloudy(tmp_path_factory: pytest.TempPathFactory) -> World:
    include = {"payment": "distinct_virtual", "proxy": "dedicated_cloud", "prompt": "task_lists", "timing": "shifted"}
    return _world(tmp_path_factory, 7, {**include, "age": "rolling", "volume": "moderate", "pathway": "cloud"})


@pytest.fixture(scope="module")
def resold(tmp_path_factory: pytest.TempPathFactory) -> World:
    include = {"payment": "shared_cards", "proxy": "isp_proxy", "prompt": "templates", "timing": "jittered"}
    return _world(tmp_path_factory, 8, {**include, "pathway": "reseller"})


@pytest.fixture(scope="module")
def hydra(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _world(tmp_path_factory, 9, {"payment": "none", "proxy": "residential_hydra", "pathway": "direct"})


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> World:
    return _world(tmp_path_factory, 10, {"payment": "mixed", "proxy": "mixed", "pathway": "mixed"})


def _per_day(world: World, name: str) -> pd.Series:
    """Exchanges per active day of each account active for at least half a day."""
    per_account = world.rows(name).groupby("account_id")["seconds"].agg(["min", "max", "size"])
    span = (per_account["max"] - per_account["min"]) / 86_400
    rate: pd.Series = per_account["size"][span >= 0.5] / span[span >= 0.5]
    return rate


def _on_clock(world: World, name: str, wave: int, within: float) -> float:
    return float(((world.rows(name)["seconds"] % wave) < within).mean())


def _creation_clusters(created: pd.Series) -> int:
    ordered = created.sort_values()
    return int((ordered.diff() > pd.Timedelta(hours=1)).sum()) + 1


# --- The tactic space and draw_operation ---------------------------------------------------------------


def test_tactic_space_and_sizes() -> None:
    assert set(TACTICS) == {"size", "payment", "proxy", "prompt", "timing", "age", "pathway", "volume"}
    assert TACTICS["size"] == ("tiny", "small", "medium", "large")
    rng = np.random.default_rng(0)
    for size, (low, high) in SIZE_RANGES.items():
        drawn = [draw_operation(rng, "x", include={"size": size}, exchange_budget=50_000)[0] for _ in range(12)]
        assert all(low <= op.accounts <= high for op in drawn)
        assert all(op.exchanges <= 50_000 for op in drawn)
    ranges = {"near_limit": (300, 395), "moderate": (80, 200), "low_and_slow": (15, 40)}
    for volume, (low, high) in ranges.items():  # a budget that does not bind leaves the tactic's rate
        profile, _ = draw_operation(rng, "x", include={"size": "tiny", "volume": volume}, exchange_budget=10**7)
        assert low <= profile.daily_rate[0] <= profile.daily_rate[1] <= high
    capped, _ = draw_operation(rng, "x", include={"size": "large"}, max_accounts=2_000)
    assert capped.accounts <= 2_000


def test_draw_respects_include_and_exclude() -> None:
    rng = np.random.default_rng(1)
    for _ in range(30):
        profile, tactics = draw_operation(
            rng, "op", include={"prompt": "paraphrases"}, exclude={"proxy": {"commercial_vpn", "mixed"}}
        )
        assert tactics["prompt"] == "paraphrases" == profile.prompt_style
        assert tactics["proxy"] not in {"commercial_vpn", "mixed"}
        assert dict(profile.tactics) == tactics and set(tactics) == set(TACTICS)
    with pytest.raises(ValueError, match="unknown"):
        draw_operation(rng, "op", include={"proxy": "carrier_pigeon"})
    with pytest.raises(ValueError, match="both"):
        draw_operation(rng, "op", include={"age": "aged"}, exclude={"age": ["aged"]})


def test_varied_presets_with_and_without_a_tactic() -> None:
    for seed in range(12):
        every = preset_config("varied", seed, include={"timing": "human"})
        assert 2 <= len(every.operations) <= 4
        assert all(dict(op.tactics)["timing"] == "human" for op in every.operations)
        some = preset_config("varied", seed, include={"timing": "human"}, scope="any")
        assert any(dict(op.tactics)["timing"] == "human" for op in some.operations)
        without = preset_config("varied", seed, exclude={"timing": ["human", "jittered"]})
        assert all(dict(op.tactics)["timing"] in {"synchronised", "shifted"} for op in without.operations)
        # every world can show recall on a tiny operation, and stays within its exchange budget
        assert any(dict(op.tactics)["size"] == "tiny" and op.accounts <= 30 for op in every.operations)
        assert every.operation_exchange_budget is not None
        assert sum(op.exchanges for op in every.operations) <= every.operation_exchange_budget
    with pytest.raises(ValueError):
        preset_config("small", 0, include={"timing": "human"})


# --- Each tactic value, from the written files ----------------------------------------------------------


def test_few_cards_none_and_distinct_cards(quiet: World, hydra: World, loud: World, cloudy: World) -> None:
    for op in quiet.operations():
        cards = quiet.cards(op.name)
        assert 1 <= cards["payment_fingerprint"].nunique() <= 3
        assert cards["account_id"].nunique() == len(quiet.members(op.name))
    for op in hydra.operations():
        assert hydra.cards(op.name).empty
    for world, funding in ((loud, "prepaid"), (cloudy, "virtual")):
        for op in world.operations():
            cards = world.cards(op.name)
            assert cards["payment_fingerprint"].is_unique and (cards["funding"] == funding).all()
            assert len(cards) >= 0.7 * len(world.members(op.name))


def test_shared_and_mixed_cards(resold: World, mixed: World) -> None:
    for op in resold.operations():
        per_card = resold.cards(op.name).groupby("payment_fingerprint")["account_id"].nunique()
        assert per_card.max() >= 3 and per_card.max() <= 20
        assert per_card[per_card >= 2].sum() >= 0.8 * per_card.sum()
    cards = pd.concat([mixed.cards(op.name) for op in mixed.operations()])
    per_card = cards.groupby("payment_fingerprint")["account_id"].nunique()
    members = sum(len(mixed.members(op.name)) for op in mixed.operations())
    assert (per_card >= 2).any() and (per_card == 1).any()
    assert set(cards["funding"]) & {"prepaid", "virtual"} and cards["account_id"].nunique() < members


def test_static_datacenter_and_isp_proxies(quiet: World, resold: World) -> None:
    benign_ips = set(quiet.exchanges.loc[quiet.exchanges["actor"] == "benign", "ip"])
    for op in quiet.operations():
        ips = quiet.rows(op.name)["ip"]
        assert ips.str.rsplit(".", n=1).str[0].nunique() <= 2 and not set(ips) & benign_ips
    for op in resold.operations():
        rows = resold.rows(op.name)
        assert (rows.groupby("account_id")["ip"].nunique() == 1).all()
        assert rows["ip"].str.split(".").str[0].astype(int).isin(RESIDENTIAL_FIRST_OCTETS).all()


def test_vpn_exits_cloud_ips_and_hydra_pools_are_shared_with_genuine_users(
    loud: World, cloudy: World, hydra: World
) -> None:
    for world in (loud, hydra):
        benign_ips = set(world.exchanges.loc[world.exchanges["actor"] == "benign", "ip"])
        for op in world.operations():
            ips = set(world.rows(op.name)["ip"])
            assert len(ips & benign_ips) >= 3
    for op in hydra.operations():
        ips_per_account = hydra.rows(op.name).groupby("account_id")["ip"].nunique()
        assert ips_per_account.median() >= 5  # rotating pool
    benign = cloudy.exchanges[cloudy.exchanges["actor"] == "benign"]
    benign_subnets = set(benign["ip"].str.rsplit(".", n=1).str[0])
    for op in cloudy.operations():
        rows = cloudy.rows(op.name)
        assert (rows.groupby("account_id")["ip"].nunique() == 1).all()
        assert set(rows["ip"].str.rsplit(".", n=1).str[0]) & benign_subnets


def test_mixed_proxy_draws_several_modes(mixed: World) -> None:
    for op in mixed.operations():
        shares = (op.static_proxy_share, op.vpn_share, op.dedicated_cloud_share, op.isp_proxy_share, op.hydra_share)
        assert sum(share > 0 for share in shares) >= 2 and abs(sum(shares) - 1) < 1e-9


def test_upstream_only_sends_fingerprints_with_template_reuse(quiet: World) -> None:
    for op in quiet.operations():
        rows = quiet.rows(op.name)
        assert (rows["prompt"] == "").all() and rows["prompt_fingerprint"].str.match(r"^sha256:[0-9a-f]{40}$").all()
        accounts_per_fingerprint = rows.groupby("prompt_fingerprint")["account_id"].nunique()
        assert rows["prompt_fingerprint"].nunique() < 0.5 * len(rows)
        if rows["account_id"].nunique() >= 2:
            assert accounts_per_fingerprint.max() >= 2


def test_templates_paraphrases_and_task_lists(resold: World, loud: World, cloudy: World) -> None:
    for op in resold.operations():
        first_lines = resold.rows(op.name)["prompt"].str.split("\n").str[0]
        assert first_lines.nunique() < 0.1 * len(first_lines)  # a few template openers
    for op in loud.operations():
        prompts = loud.rows(op.name)["prompt"]
        assert prompts.is_unique and (prompts != "").all()
        assert prompts.str.slice(0, 40).value_counts(normalize=True).iloc[0] < 0.05
    pools = load_pools()
    tasks = [str(t) for t in np.concatenate([pools.math_tasks, pools.code_tasks, pools.user_texts[:427]])]
    for op in cloudy.operations():
        prompts = cloudy.rows(op.name)["prompt"]
        assert prompts.nunique() > 0.8 * len(prompts)  # little reuse
        sample = prompts.sample(min(40, len(prompts)), random_state=0)
        assert all(any(p.endswith(t) for t in tasks) for p in sample)
        assert prompts.str.contains("step by step", regex=False).mean() <= 0.2


def test_synchronised_and_shifted_share_a_wave_clock(loud: World, cloudy: World) -> None:
    for op in loud.operations():
        assert _on_clock(loud, op.name, op.wave_seconds, op.jitter_seconds + 0.01) > 0.99
        waves = loud.rows(op.name).groupby(loud.rows(op.name)["seconds"] // op.wave_seconds)["account_id"].nunique()
        assert waves.max() >= 2
    for op in cloudy.operations():
        assert op.shift_utc_hours is not None
        hours = cloudy.rows(op.name)["ts"].dt.hour
        assert hours.between(op.shift_utc_hours[0], op.shift_utc_hours[1] - 1).all()
        assert _on_clock(cloudy, op.name, op.wave_seconds, op.jitter_seconds + 0.01) > 0.99


def test_jittered_and_human_timing_leave_no_tight_clock(resold: World, quiet: World) -> None:
    for op in resold.operations():
        assert op.clock == "waves" and op.jitter_seconds >= 90
        assert _on_clock(resold, op.name, op.wave_seconds, 2.5) < 0.5
    for op in quiet.operations():
        assert op.clock == "sessions"
        for period in (15, 30, 60, 120, 300):
            assert _on_clock(quiet, op.name, period, 2.0) < 0.25
    rows = pd.concat([quiet.rows(op.name) for op in quiet.operations()])
    members = quiet.accounts.set_index("account_id")["country"]
    local = rows["ts"] + pd.to_timedelta(rows["account_id"].map(members).map(COUNTRY_OFFSETS), unit="h")
    by_hour = local.dt.hour.value_counts().reindex(range(24), fill_value=0)
    assert by_hour.max() > 3 * max(1, by_hour.min())  # diurnal, like people


def test_account_age(quiet: World, loud: World, cloudy: World) -> None:
    for op in quiet.operations():
        assert (quiet.members(op.name)["created_at"] < quiet.start - 40 * DAY).all()
        assert _creation_clusters(quiet.members(op.name)["created_at"]) >= 0.5 * len(quiet.members(op.name))
    for op in loud.operations():
        members = loud.members(op.name)
        banned = int((members["status"] == "banned").sum())
        assert (members["created_at"] > loud.start - 4 * DAY).all()
        assert _creation_clusters(members["created_at"]) <= 8 + banned
    for op in cloudy.operations():
        members = cloudy.members(op.name)
        assert (members["created_at"] > cloudy.start - 2 * DAY).all()
        assert _creation_clusters(members["created_at"]) >= min(0.4 * len(members), 40)
        assert members["created_at"].max() - members["created_at"].min() > 5 * DAY


def test_volume(loud: World, cloudy: World, quiet: World) -> None:
    for world in (loud, cloudy, quiet):
        for op in world.operations():  # the drawn daily rate is what accounts send
            assert 0.75 * op.daily_rate[0] <= _per_day(world, op.name).median() <= op.daily_rate[1] + 5
    for op in loud.operations():  # tiny operations: within budget, so really near the limit
        assert 240 <= _per_day(loud, op.name).median() <= 400
    for op in quiet.operations():
        assert _per_day(quiet, op.name).median() <= 45
    daily = loud.exchanges.groupby(["account_id", loud.exchanges["ts"].dt.floor("D")]).size()
    assert daily.max() <= 400


def test_pathways(quiet: World, loud: World, cloudy: World, mixed: World) -> None:
    for world, pathway in ((quiet, "education"), (loud, "startup"), (cloudy, "cloud")):
        members = world.accounts[world.accounts["actor"] != "benign"]
        assert (members["pathway"] == pathway).mean() >= 0.6
    assert mixed.accounts.loc[mixed.accounts["actor"] != "benign", "pathway"].nunique() >= 3


def test_every_world_has_a_tiny_operation(quiet: World, hydra: World, mixed: World) -> None:
    for world in (quiet, hydra, mixed):
        sizes = world.accounts[world.accounts["actor"] != "benign"].groupby("actor").size()
        assert sizes.min() <= 32 and len(sizes) == len(world.operations())


# --- world.json, truth.csv, crowds, determinism --------------------------------------------------------


def test_world_json_lists_each_operations_tactics(mixed: World) -> None:
    tactics = mixed.meta["operation_tactics"]
    assert isinstance(tactics, dict)
    assert tactics == {op.name: dict(op.tactics) for op in mixed.operations()}
    assert all(set(t) == set(TACTICS) for t in tactics.values())
    assert mixed.meta["operations"] == [op.name for op in mixed.operations()]


def test_truth_marks_look_alike_crowds_as_benign(mixed: World) -> None:
    groups = mixed.accounts.groupby("group")["actor"].agg(set)
    assert all(actors == {"benign"} for group, actors in groups.items() if group)
    assert {"scheduled_jobs", "office_burst", "company", "family"} <= set(groups.index)
    assert {"hackathon", "course"} & set(groups.index)
    assert (mixed.accounts.loc[mixed.accounts["actor"] != "benign", "group"] == "").all()


def test_small_preset_has_every_crowd(tmp_path: Path) -> None:
    config = preset_config("small", 3)
    simulate(tmp_path, config)
    truth = pd.read_csv(tmp_path / "truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["account_id", "actor", "group"]
    crowd = truth[truth["group"].isin(CROWDS)]
    assert set(crowd["group"]) == set(CROWDS) and (crowd["actor"] == "benign").all()
    assert len(crowd) <= 0.05 * len(truth)
    world = _read(tmp_path, config)
    _cohorts_look_coordinated(world)
    _scheduled_jobs_fire_together_but_share_nothing(world)
    _office_bursts_onboard_in_a_day(world)


def _cohorts_look_coordinated(world: World) -> None:
    cohorts = world.accounts[world.accounts["group"].isin(["hackathon", "course"])]
    rows = world.exchanges[world.exchanges["group"].isin(["hackathon", "course"])]
    shared = rows.groupby("prompt")["account_id"].nunique()
    assert shared.max() >= 5  # the same sheet item, verbatim, from many people
    for group in ("hackathon", "course"):
        members = cohorts[cohorts["group"] == group]["created_at"]
        busiest = max(((members >= t) & (members < t + pd.Timedelta(hours=3))).sum() for t in members)
        assert busiest >= 0.7 * len(members)  # signed up within an hour or two of each other


def _scheduled_jobs_fire_together_but_share_nothing(world: World) -> None:
    rows = world.exchanges[world.exchanges["group"] == "scheduled_jobs"]
    assert ((rows["seconds"] % 3_600) < 30).mean() > 0.4  # the tool's default cron minute
    cards = world.payments[world.payments["group"] == "scheduled_jobs"]
    assert cards["payment_fingerprint"].is_unique
    assert (rows.groupby("ip")["account_id"].nunique() == 1).all()


def _office_bursts_onboard_in_a_day(world: World) -> None:
    members = world.accounts[world.accounts["group"] == "office_burst"]
    assert members["org_id"].nunique() == 1
    assert members["created_at"].max() - members["created_at"].min() < DAY
    assert world.payments[world.payments["group"] == "office_burst"]["payment_fingerprint"].nunique() == 1
    office = world.exchanges[world.exchanges["group"] == "office_burst"].groupby("ip")["account_id"].nunique()
    assert office.max() >= 5


def test_varied_world_is_contract_clean_and_fixed_by_its_seed(tmp_path: Path) -> None:
    config = preset_config("varied", 21, 500, include={"prompt": "upstream_only"}, scope="any")
    simulate(tmp_path / "one", config)
    simulate(tmp_path / "two", preset_config("varied", 21, 500, include={"prompt": "upstream_only"}, scope="any"))
    assert digest(tmp_path / "one") == digest(tmp_path / "two")
    other = tmp_path / "three"
    simulate(other, preset_config("varied", 22, 500))
    assert digest(tmp_path / "one")["accounts.csv"] != digest(other)["accounts.csv"]
    for table in discover_tables(tmp_path / "one"):
        validator = TableValidator(table, table)
        for raw in read_batch_table(tmp_path / "one", table):
            assert validator.validate(raw.frame, raw.first_row_number, raw.file).quarantined == []
