"""Build a world and write it as a batch directory per docs/contract.md, plus truth.csv (and bad_rows.csv).

Layout of OUT:
  accounts.csv, payment_methods.csv, labels.csv, exchanges/part-NNNNN.csv.gz   (the batch)
  truth.csv (account_id, actor, group), world.json (parameters, counts, each operation's tactics),
  bad_rows.csv with --inject-bad-rows
truth.csv `group` names the look-alike crowd a benign account belongs to (company, family, campus,
lab, app, reseller, hackathon, course, scheduled_jobs, office_burst), empty for everyone else.
The loader only reads the four table names, so the extra files beside them are never loaded.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from simulator.bad_rows import BAD_ROWS_COLUMNS, PlacedBadRow, insert_bad_rows, plan_bad_rows
from simulator.config import NEW_MODEL, RATE_LIMIT_PER_DAY, WorldConfig
from simulator.crowd_traffic import crowd_traffic
from simulator.identities import unique_ids
from simulator.operation_traffic import adversary_traffic
from simulator.output import PartWriter, write_csv
from simulator.parts import ADVERSARY_SEGMENT
from simulator.population import Population, build_population
from simulator.prompts import PromptPools, load_pools
from simulator.traffic import ExchangeBatch, enforce_rate_limit, exchanges_table, genuine_traffic

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SimulationSummary:
    out_dir: str
    preset: str
    seed: int
    accounts: int
    adversary_accounts: int
    exchanges: int
    adversary_exchanges: int
    exchange_parts: int
    bad_rows: int
    seconds: float


def _iso(seconds: pd.Series | npt.NDArray[np.int64], suffix: str) -> npt.NDArray[np.str_]:
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    text: npt.NDArray[np.str_] = np.char.add(np.datetime_as_string(values, unit="s"), suffix)
    return text


def _text_tables(population: Population) -> dict[str, pd.DataFrame]:
    """The three small tables as text frames (timestamps deliberately in three ISO-8601 styles)."""
    profile = population.profile
    accounts = pd.DataFrame(
        {
            "account_id": profile["account_id"],
            "created_at": _iso(profile["created_at"], ""),  # no offset: UTC by contract
            "email": profile["email"],
            "country": profile["country"],
            "pathway": profile["pathway"],
            "org_id": profile["org_id"],
            "status": profile["status"],
        }
    )
    payments = population.payment_methods
    payment_methods = pd.DataFrame(
        {
            "account_id": payments["account_id"],
            "payment_fingerprint": payments["payment_fingerprint"],
            "brand": payments["brand"],
            "funding": payments["funding"],
            "bin": payments["bin"],
            "country": payments["country"],
            "added_at": _iso(payments["added_at"], "Z"),
        }
    )
    labels = population.labels
    label_frame = pd.DataFrame(
        {
            "account_id": labels["account_id"],
            "label": labels["label"],
            "source": labels["source"],
            "at": _iso(labels["at"], "+00:00"),
        }
    )
    return {"accounts": accounts, "payment_methods": payment_methods, "labels": label_frame}


def _frame_to_table(frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        text = values.astype(str).astype(object)
        text[missing] = None
        columns[name] = pa.array(text, type=pa.string())
    return pa.table(columns)


def _chunk_plan(population: Population, chunk_rows: int, rng: np.random.Generator) -> list[IntArray]:
    """Accounts shuffled into chunks of about `chunk_rows` expected exchanges (whole accounts each).
    The look-alike crowds (the last profile rows) get chunks of their own after everyone else's, so
    the other accounts' traffic does not depend on whether a world has crowds."""
    profile = population.profile
    crowd = profile["crowd"].to_numpy() >= 0
    first_crowd = len(profile) - int(crowd.sum())
    if not crowd[first_crowd:].all():
        raise RuntimeError("crowd members must be the last profile rows")
    expected = profile["exchanges"].to_numpy() + np.maximum(profile["crowd_exchanges"].to_numpy(), 0)
    plan = []
    for begin, stop in ((0, first_crowd), (first_crowd, len(profile))):
        order = rng.permutation(stop - begin)
        chunk_of = np.cumsum(expected[begin:stop][order]) // chunk_rows
        plan += [begin + np.sort(order[chunk_of == chunk]) for chunk in np.unique(chunk_of)]
    return plan


def _chunk_traffic(
    population: Population, pools: PromptPools, config: WorldConfig, rows: IntArray, rng: np.random.Generator
) -> ExchangeBatch:
    segment = population.profile["segment"].to_numpy()[rows]
    genuine = rows[segment < ADVERSARY_SEGMENT]
    batches = [genuine_traffic(population, pools, genuine, rng), crowd_traffic(population, pools, genuine, rng)]
    for index, operation in enumerate(config.operations):
        batches.append(adversary_traffic(population, pools, operation, rows[segment == ADVERSARY_SEGMENT + index], rng))
    return enforce_rate_limit(ExchangeBatch.concat(batches))


def simulate(out_dir: Path, config: WorldConfig, pools: PromptPools | None = None) -> SimulationSummary:
    began = time.perf_counter()
    prompt_pools = pools or load_pools()
    if out_dir.exists():
        for name in ("accounts.csv", "payment_methods.csv", "labels.csv", "truth.csv", "bad_rows.csv", "world.json"):
            (out_dir / name).unlink(missing_ok=True)
        shutil.rmtree(out_dir / "exchanges", ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    population = build_population(config, prompt_pools, np.random.default_rng([config.seed, 0]))
    profile = population.profile

    bad_rng = np.random.default_rng([config.seed, 7])
    plan = plan_bad_rows(config.inject_bad_rows)
    fresh_keys = list(unique_ids(bad_rng, config.inject_bad_rows + 1, "acct_bad_"))
    placed: list[tuple[str, PlacedBadRow]] = []
    for table, frame in _text_tables(population).items():
        if table in plan:
            frame, placed_rows = insert_bad_rows(frame, plan[table], table, bad_rng, fresh_keys)
            placed += [(f"{table}.csv", row) for row in placed_rows]
        write_csv(_frame_to_table(frame), out_dir / f"{table}.csv")
    write_csv(_frame_to_table(profile[["account_id", "actor", "group"]]), out_dir / "truth.csv")

    writer = PartWriter(out_dir / "exchanges", config.part_rows)
    rows_written = 0
    adversary_exchanges = 0
    plan_rng = np.random.default_rng([config.seed, 1])
    for chunk_index, rows in enumerate(_chunk_plan(population, config.chunk_rows, plan_rng)):
        chunk_rng = np.random.default_rng([config.seed, 2, chunk_index])
        batch = _chunk_traffic(population, prompt_pools, config, rows, chunk_rng)
        adversary_exchanges += int((profile["segment"].to_numpy()[batch.account] >= ADVERSARY_SEGMENT).sum())
        table = exchanges_table(batch, population, config.seed, rows_written)
        if chunk_index == 0 and "exchanges" in plan:
            request_keys = [f"req_bad{index:012x}" for index in range(len(plan["exchanges"]))]
            frame = table.to_pandas(types_mapper=None).astype(object)
            frame = frame.where(frame.notna(), None)
            frame, bad = insert_bad_rows(frame, plan["exchanges"], "exchanges", bad_rng, request_keys)
            placed += [
                (
                    "exchanges/" + writer.position_of(row.position)[0],
                    PlacedBadRow(row.table, writer.position_of(row.position)[1] - 1, row.column, row.reason),
                )
                for row in bad
            ]
            table = _frame_to_table(frame)
        writer.write(table)
        rows_written += table.num_rows
    parts = writer.close()

    if placed:
        bad_frame = pd.DataFrame(
            [(file, row.position + 1, row.column, row.reason) for file, row in placed],
            columns=list(BAD_ROWS_COLUMNS),
        ).sort_values(["file", "row_number"], kind="stable")
        write_csv(_frame_to_table(bad_frame.astype(str)), out_dir / "bad_rows.csv")

    adversaries = int((profile["actor"] != "benign").sum())
    summary = SimulationSummary(
        out_dir=str(out_dir),
        preset=config.preset,
        seed=config.seed,
        accounts=len(profile),
        adversary_accounts=adversaries,
        exchanges=rows_written - sum(1 for f, _ in placed if "exchanges" in f),
        adversary_exchanges=adversary_exchanges,
        exchange_parts=len(parts),
        bad_rows=len(placed),
        seconds=round(time.perf_counter() - began, 2),
    )
    world = {
        "preset": config.preset,
        "seed": config.seed,
        "window_start": config.start,
        "days": config.days,
        "new_model": NEW_MODEL,
        "new_model_released_at": str(np.datetime64(population.release, "s")) + "Z",
        "rate_limit_per_account_per_day": RATE_LIMIT_PER_DAY,
        "operations": [op.name for op in config.operations],
        "operation_accounts": {
            str(name): int(count)
            for name, count in profile.loc[profile["actor"] != "benign", "actor"].value_counts().items()
        },
        "operation_tactics": {op.name: dict(op.tactics) for op in config.operations},
        "groups": {str(group): int(count) for group, count in profile["group"].value_counts().items()},
        "accounts": summary.accounts,
        "adversary_accounts": summary.adversary_accounts,
        "exchanges": summary.exchanges,
        "adversary_exchanges": summary.adversary_exchanges,
        "exchange_parts": [{"file": f"exchanges/{name}", "rows": count} for name, count in parts],
    }
    (out_dir / "world.json").write_text(json.dumps(world, indent=2, sort_keys=True) + "\n")
    return summary
