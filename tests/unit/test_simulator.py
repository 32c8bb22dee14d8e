"""The simulator's `small` world: contract-clean, deterministic, and every confounder and adversary
behaviour of issue 3 observable in the written files (asserted from the output, not the config)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detect.evaluation import evaluate_verdicts
from loaders.batch_files import discover_tables, read_batch_table
from loaders.contract import TableValidator
from reporting.baseline import baseline_verdicts
from simulator.config import preset_config
from simulator.prompts import pool_path
from simulator.world import simulate

RATE_LIMIT = 400


def _load(batch: Path) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    for table in discover_tables(batch):
        validator = TableValidator(table, table)
        frames = []
        for raw in read_batch_table(batch, table):
            chunk = validator.validate(raw.frame, raw.first_row_number, raw.file)
            assert chunk.quarantined == [], chunk.quarantined[:3]
            frames.append(chunk.good)
        tables[table] = pd.concat(frames, ignore_index=True)
    return tables


def digest(directory: Path) -> dict[str, str]:
    """SHA-256 of every file below `directory`, by relative path."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame], pd.DataFrame]:
    out = tmp_path_factory.mktemp("small")
    simulate(out, preset_config("small", seed=3))
    tables = _load(out)
    truth = pd.read_csv(out / "truth.csv")
    return out, tables, truth


@pytest.fixture(scope="module")
def joined(small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    _, tables, truth = small_world
    exchanges = tables["exchanges"].merge(truth, on="account_id", how="left")
    return exchanges.merge(
        tables["accounts"][["account_id", "country", "pathway", "org_id", "email"]], on="account_id", how="left"
    )


def test_batch_is_complete_and_truth_covers_every_account(
    small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    out, tables, truth = small_world
    assert set(tables) == {"accounts", "payment_methods", "exchanges", "labels"}
    assert sorted(p.name for p in discover_tables(out)["exchanges"])[0] == "part-00000.csv.gz"
    assert set(truth["account_id"]) == set(tables["accounts"]["account_id"])
    assert set(tables["exchanges"]["account_id"]) <= set(truth["account_id"])
    assert set(truth["actor"]) == {"benign", "tidewater", "kestrel", "mirage"}
    adversary_share = (truth["actor"] != "benign").mean()
    assert 0.02 < adversary_share < 0.1
    assert not (out / "bad_rows.csv").exists()


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    config = preset_config("small", seed=11, accounts=700)
    simulate(tmp_path / "one", config)
    simulate(tmp_path / "two", config)
    simulate(tmp_path / "three", replace(config, seed=12))
    assert digest(tmp_path / "one") == digest(tmp_path / "two")
    assert digest(tmp_path / "one")["accounts.csv"] != digest(tmp_path / "three")["accounts.csv"]


# --- Genuine confounders -------------------------------------------------------------------------------


def test_carrier_nat_and_vpn_exits_carry_many_unrelated_accounts(joined: pd.DataFrame) -> None:
    benign = joined[joined["actor"] == "benign"]
    per_ip = benign.groupby("ip").agg(accounts=("account_id", "nunique"), countries=("country", "nunique"))
    assert per_ip["accounts"].max() >= 25  # carrier-grade NAT
    assert (per_ip["countries"] >= 5).any()  # VPN exits used from many countries


def test_offices_share_nat_and_one_corporate_card(
    small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame],
    joined: pd.DataFrame,
) -> None:
    _, tables, truth = small_world
    cards = tables["payment_methods"].merge(tables["accounts"][["account_id", "org_id"]], on="account_id")
    cards = cards.merge(truth, on="account_id")
    corporate = (
        cards[cards["org_id"].notna() & (cards["actor"] == "benign")]
        .groupby("org_id")
        .agg(accounts=("account_id", "nunique"), cards=("payment_fingerprint", "nunique"))
    )
    assert ((corporate["accounts"] >= 5) & (corporate["cards"] == 1)).any()
    office = (
        joined[joined["org_id"].notna() & (joined["actor"] == "benign")]
        .groupby(["org_id", "ip"])["account_id"]
        .nunique()
    )
    assert office.max() >= 5


def test_families_share_a_card_without_an_org(
    small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    _, tables, truth = small_world
    cards = tables["payment_methods"].merge(tables["accounts"], on="account_id").merge(truth, on="account_id")
    personal = cards[cards["org_id"].isna() & (cards["actor"] == "benign") & (cards["pathway"] == "direct")]
    sizes = personal.groupby("payment_fingerprint")["account_id"].nunique()
    assert ((sizes >= 2) & (sizes <= 5)).sum() >= 20


def test_universities_education_pathway_on_campus_nat(joined: pd.DataFrame) -> None:
    campus = joined[
        (joined["actor"] == "benign")
        & (joined["pathway"] == "education")
        & joined["email"].str.contains(r"\.edu$|\.ac\.uk$", regex=True)
    ]
    assert campus.groupby("ip")["account_id"].nunique().max() >= 10


def test_legit_apps_send_one_template_at_volume_from_shared_cloud_subnets(joined: pd.DataFrame) -> None:
    benign = joined[joined["actor"] == "benign"]
    volume = benign.groupby("account_id").size()
    heavy = benign[
        benign["account_id"].isin(volume[volume >= 300].index)
        & benign["org_id"].notna()
        & benign["ip"].str.count(r"\.").eq(3)
    ].copy()
    heavy["subnet"] = heavy["ip"].str.rsplit(".", n=1).str[0]
    apps_per_subnet = heavy.groupby("subnet")["org_id"].nunique()
    assert apps_per_subnet.max() >= 2
    # an app's prompts share their opening words (one template)
    app = heavy.groupby("org_id").size().idxmax()
    openings = heavy[heavy["org_id"] == app]["prompt"].str.slice(0, 25).value_counts(normalize=True)
    assert openings.iloc[0] > 0.1


def test_popular_prompts_and_reseller_customers(joined: pd.DataFrame) -> None:
    benign = joined[joined["actor"] == "benign"]
    assert benign.groupby("prompt")["account_id"].nunique().max() >= 30
    reseller_ips = set(benign[benign["pathway"] == "reseller"]["ip"])
    adversary_ips = set(joined[joined["actor"] != "benign"]["ip"])
    home_ips = set(benign[benign["pathway"] == "direct"]["ip"])
    assert len(reseller_ips & adversary_ips) >= 20  # hydra exits shared with a reseller's customers
    assert len(reseller_ips & adversary_ips & home_ips) >= 3  # ... and they are real homes


def test_time_zones_and_daily_rhythms(joined: pd.DataFrame) -> None:
    benign = joined[joined["actor"] == "benign"]
    hours = benign["ts"].dt.hour
    peak = {country: hours[benign["country"] == country].value_counts().idxmax() for country in ("US", "IN")}
    assert abs(peak["US"] - peak["IN"]) >= 6
    people = benign[(benign["country"] == "US") & benign["org_id"].isna()]
    counts = people["ts"].dt.hour.value_counts()
    assert counts.max() > 3 * counts.min()  # nights are quiet


# --- Adversary behaviours ------------------------------------------------------------------------------


def test_hydra_exits_also_carry_genuine_traffic(joined: pd.DataFrame) -> None:
    shared = joined.groupby("ip")["actor"].agg(
        lambda actors: {"benign"} < set(actors) or ("benign" in set(actors) and len(set(actors)) > 1)
    )
    assert shared.sum() >= 20


def test_bans_are_labelled_and_replaced_on_the_same_infrastructure(
    small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame],
    joined: pd.DataFrame,
) -> None:
    _, tables, truth = small_world
    accounts = tables["accounts"].merge(truth, on="account_id")
    labels = tables["labels"].merge(truth, on="account_id")
    abusive = labels[labels["label"] == "abusive"]
    assert len(abusive) >= 3 and (abusive["actor"] != "benign").all()
    assert (labels[labels["label"] == "benign"]["actor"] == "benign").all()
    banned = accounts[(accounts["status"] == "banned") & (accounts["actor"] != "benign")]
    assert set(abusive["account_id"]) == set(banned["account_id"])
    assert len(banned) < 0.15 * (accounts["actor"] != "benign").sum()
    ips = joined.groupby("account_id")["ip"].agg(set)
    replaced = 0
    for _, ban in abusive.iterrows():
        same_op = accounts[
            (accounts["actor"] == ban["actor"])
            & (accounts["created_at"] > ban["at"] - pd.Timedelta(minutes=30))
            & (accounts["created_at"] < ban["at"] + pd.Timedelta(hours=3))
        ]
        banned_ips = ips.get(ban["account_id"], set())
        if any(banned_ips & ips.get(candidate, set()) for candidate in same_op["account_id"]):
            replaced += 1
    assert replaced >= 0.6 * len(abusive)


def test_volume_just_under_the_rate_limit(joined: pd.DataFrame) -> None:
    daily = joined.groupby(["account_id", joined["ts"].dt.floor("D")]).size()
    assert daily.max() <= RATE_LIMIT
    per_account = joined.groupby("account_id").agg(
        actor=("actor", "first"), first=("ts", "min"), last=("ts", "max"), exchanges=("ts", "size")
    )
    span_days = (per_account["last"] - per_account["first"]).dt.total_seconds() / 86_400
    sustained = per_account[span_days >= 0.5]
    rate = sustained["exchanges"] / span_days[span_days >= 0.5]
    for operation in ("kestrel", "mirage"):
        operation_rate = rate[sustained["actor"] == operation]
        assert 0.6 * RATE_LIMIT <= operation_rate.median() < RATE_LIMIT
    assert rate[sustained["actor"] == "benign"].median() < 0.2 * RATE_LIMIT


def test_pathways_and_payment_patterns(small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    _, tables, truth = small_world
    accounts = tables["accounts"].merge(truth, on="account_id")
    adversary_pathways = set(accounts[accounts["actor"] != "benign"]["pathway"])
    assert {"direct", "cloud", "education", "startup"} <= adversary_pathways
    cards = tables["payment_methods"].merge(truth, on="account_id")
    tidewater = cards[cards["actor"] == "tidewater"].groupby("payment_fingerprint")["account_id"].nunique()
    assert tidewater.max() >= 3  # shared cards
    kestrel = cards[cards["actor"] == "kestrel"]
    assert kestrel["payment_fingerprint"].is_unique and (kestrel["funding"] == "virtual").all()
    mirage = cards[cards["actor"] == "mirage"]
    assert (mirage["funding"] == "prepaid").mean() > 0.6
    # genuine people use the same virtual/prepaid issuers (BINs) too
    genuine_bins = set(cards[cards["actor"] == "benign"]["bin"])
    assert set(kestrel["bin"]) & genuine_bins


def test_synchronised_load_balanced_timing(joined: pd.DataFrame) -> None:
    seconds = joined["ts"].astype("int64") // 10**6 / 1000.0
    mirage = joined["actor"] == "mirage"
    in_window = (seconds % 30) < 2.5
    assert in_window[mirage].mean() > 0.95
    assert in_window[joined["actor"] == "benign"].mean() < 0.2
    per_wave = (seconds[mirage] // 30).value_counts()
    assert per_wave.max() >= 3  # several accounts fire in the same 2.5 s


def test_creation_bursts(small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    _, tables, truth = small_world
    accounts = tables["accounts"].merge(truth, on="account_id")
    for operation in ("tidewater", "mirage"):
        created = accounts[accounts["actor"] == operation]["created_at"].dt.floor("h")
        assert created.value_counts().max() >= 4


def test_templated_chain_of_thought_prompts_with_variants_and_noise(joined: pd.DataFrame) -> None:
    adversary = joined[joined["actor"] != "benign"]
    cot = adversary["prompt"].str.contains(
        r"step by step|step-by-step|one step at a time|chain of thought|all of your reasoning"
        r"|逐步|一步一步|思维链|推理|шаг",
        regex=True,
    )
    assert cot.mean() > 0.95
    benign = joined[joined["actor"] == "benign"]["prompt"].dropna()
    assert 0.01 < benign.str.contains("step by step").mean() < 0.2  # genuine look-alikes exist
    first_lines = adversary.groupby("actor")["prompt"].agg(lambda p: p.str.split("\n").str[0].nunique())
    assert (first_lines >= 3).all()  # paraphrased variants
    assert adversary["prompt"].str.contains(r"\[ref \d+\]|\(#\d+\)|ID: [0-9a-f]+", regex=True).mean() > 0.2
    assert adversary["prompt"].nunique() > 0.9 * len(adversary)  # noise keeps near-duplicates distinct


def test_templates_wrap_real_math_and_code_tasks(joined: pd.DataFrame) -> None:
    tasks = pd.read_json(pool_path("tasks.jsonl.gz"), lines=True)
    sample = joined[joined["actor"] != "benign"]["prompt"].sample(60, random_state=0)
    known = tasks["text"].tolist()
    wrapped = sum(any(task in prompt for task in known) for prompt in sample)
    assert wrapped >= 45


def test_narrow_capability_mix_and_multilingual(joined: pd.DataFrame) -> None:
    adversary = joined[joined["actor"] != "benign"]
    code = adversary["prompt"].str.contains("def ", regex=False)
    share = code.groupby(adversary["actor"]).mean()
    assert share["tidewater"] < 0.05 and share["mirage"] > 0.3
    assert adversary["prompt"].str.contains(r"[\u4e00-\u9fff]|[\u0400-\u04ff]", regex=True).mean() > 0.02
    rubric = adversary["prompt"].str.contains("rubric|评分标准", regex=True)
    assert set(adversary[rubric]["actor"]) == {"tidewater"}


def test_traffic_moves_to_the_new_model_within_a_day(joined: pd.DataFrame) -> None:
    release = joined[joined["model"] == "atlas-3"]["ts"].min()
    assert release is not pd.NaT
    assert (joined[joined["ts"] < release]["model"] != "atlas-3").all()
    day_after = joined[(joined["ts"] > release + pd.Timedelta(hours=24))]
    mirage_new = (day_after[day_after["actor"] == "mirage"]["model"] == "atlas-3").mean()
    first_day = joined[(joined["ts"] > release) & (joined["ts"] < release + pd.Timedelta(hours=24))]
    benign_new = (first_day[first_day["actor"] == "benign"]["model"] == "atlas-3").mean()
    assert mirage_new > 0.9 and benign_new < 0.5


def test_zero_retention_customers_export_fingerprints(joined: pd.DataFrame) -> None:
    hidden = joined["prompt"].isna()
    assert hidden.any() and joined.loc[hidden, "prompt_fingerprint"].str.startswith("sha256:").all()


def test_baseline_does_poorly(small_world: tuple[Path, dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    out, _, truth = small_world
    report = evaluate_verdicts(baseline_verdicts(out), truth)
    assert report["precision"] < 0.3
    assert report["benign_false_positive_rate"] > 0.2
    assert report["recall"] < 0.95


def test_inject_bad_rows_matches_what_the_validator_quarantines(tmp_path: Path) -> None:
    simulate(tmp_path, replace(preset_config("small", seed=5, accounts=800), inject_bad_rows=24))
    bad = pd.read_csv(tmp_path / "bad_rows.csv")
    assert len(bad) == 24 and bad["reason"].nunique() >= 10
    quarantined = []
    for table in discover_tables(tmp_path):
        validator = TableValidator(table, table)
        for raw in read_batch_table(tmp_path, table):
            quarantined += validator.validate(raw.frame, raw.first_row_number, raw.file).quarantined
    found = sorted((r.file, r.row_number, r.column) for r in quarantined)
    expected = sorted(zip(bad["file"], bad["row_number"], bad["column"], strict=True))
    assert found == expected
    card = [r for r in quarantined if r.column == "payment_fingerprint"]
    assert card and all(not re.search(r"\d{4}", r.value) for r in card)


def test_cli_writes_a_batch(tmp_path: Path) -> None:
    from cli.app import app

    result = CliRunner().invoke(
        app, ["simulate", "--out", str(tmp_path / "b"), "--preset", "small", "--accounts", "500", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "accounts" in result.output
    truth = pd.read_csv(tmp_path / "b" / "truth.csv")
    assert 400 < len(truth) < 700 and np.unique(truth["actor"]).size == 4
