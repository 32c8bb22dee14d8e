"""Benchmark the REST API from a separate process over loopback, on the graph currently loaded (`demo`).

Starts `sockhound serve` as its own process (one uvicorn worker; or use --url for a server you started), then
drives it with a minimal asyncio HTTP/1.1 client over keep-alive connections:
  1. single lookups `GET /v1/accounts/{id}` open-loop at --rate requests/s for --seconds (latency is measured
     from each request's scheduled time, so a stall counts against every request it delays);
  2. single lookups closed-loop with --concurrency requests in flight: the most it serves;
  2b. baseline: the same query straight through the async driver at --rate, no HTTP (same run, same machine);
  3. 1,000-id batch lookups `POST /v1/accounts:lookup`, one at a time, --batches times;
  4. sign-up checks `POST /v1/signals:check` open-loop at --signal-rate, with raw signals drawn from the batch the
     graph was loaded from (--batch, default var/demo): an account's e-mail, payment fingerprint and one of its
     IPs; every --prompt-every-th body (default 4) also carries one of its prompts, and every tenth is a
     stranger's (fresh values), so hits, misses and the prompt fingerprinting are all in the mix.
Prints p50 / p90 / p99 / max latency and throughput per phase, beside the targets: single-lookup p99 <= 10 ms
at 500 requests/s; a 1,000-id batch <= 100 ms; a sign-up check p99 <= 20 ms at 200 requests/s.

Run: .venv/bin/python bench/api.py            (uses NEO4J_URI or the local runtime, e.g. after `make demo`)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sockhound.graph import Graph, connected_driver
from sockhound.settings import get_settings


class Connection:
    """One keep-alive HTTP/1.1 connection; just enough of the protocol for this API's responses."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return status, await self.reader.readexactly(length)


def get_head(path: str, key: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode()


def post_head(path: str, key: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()


def summary(label: str, latencies_s: list[float], wall_s: float, errors: int) -> dict[str, Any]:
    values = np.asarray(latencies_s) * 1000
    figures = {
        "phase": label, "requests": len(values), "errors": errors, "wall_s": round(wall_s, 2),
        "throughput_rps": round(len(values) / wall_s, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 2), "p90_ms": round(float(np.percentile(values, 90)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2), "max_ms": round(float(values.max()), 2),
    }
    print(f"{label:<34} {figures['requests']:>7,} req  {figures['throughput_rps']:>8,.1f} req/s  "
          f"p50 {figures['p50_ms']:>7.2f} ms  p90 {figures['p90_ms']:>7.2f} ms  p99 {figures['p99_ms']:>7.2f} ms  "
          f"max {figures['max_ms']:>8.2f} ms  errors {errors}")
    return figures


async def at_fixed_rate(send: Callable[[float, str], Coroutine[Any, Any, None]], ids: list[str], rate: float,
                        seconds: float) -> float:
    """Start `send(scheduled_time, random_id)` at `rate` per second for `seconds`, whatever the answers take
    (open loop); returns the wall time until the last one finished."""
    rng = random.Random(1)
    start = time.perf_counter()
    tasks: list[asyncio.Task[None]] = []
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(scheduled, rng.choice(ids))))
    await asyncio.gather(*tasks)
    return time.perf_counter() - start


async def open_loop(host: str, port: int, key: str, requests: list[tuple[bytes, bytes]], rate: float,
                    seconds: float, connections: int, label: str) -> dict[str, Any]:
    """Send (head, body) pairs drawn at random at `rate` per second over a pool of keep-alive connections."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(host, port))
    latencies: list[float] = []
    errors = 0

    async def one(scheduled: float, index: str) -> None:
        nonlocal errors
        head, body = requests[int(index)]
        connection = await pool.get()
        try:
            status, _ = await connection.request(head, body)
            if status != 200:
                errors += 1
        finally:
            pool.put_nowait(connection)
        latencies.append(time.perf_counter() - scheduled)

    wall = await at_fixed_rate(one, [str(n) for n in range(len(requests))], rate, seconds)
    return summary(f"{label}, open loop at {rate:.0f}/s", latencies, wall, errors)


def lookups(ids: list[str], key: str) -> list[tuple[bytes, bytes]]:
    return [(get_head(f"/v1/accounts/{account_id}", key), b"") for account_id in ids]


def signal_checks(bodies: list[bytes], key: str) -> list[tuple[bytes, bytes]]:
    return [(post_head("/v1/signals:check", key, body), body) for body in bodies]


async def driver_open_loop(ids: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """The baseline: the same lookup query straight through the async Neo4j driver at the same rate, from
    this process, no HTTP and no API. What the machine and database allow, measured in the same run."""
    from neo4j import READ_ACCESS, AsyncGraphDatabase, Query

    from queries import load_query

    settings = get_settings()
    named = load_query("api/account")
    driver = AsyncGraphDatabase.driver(settings.bolt_uri, auth=settings.neo4j_auth(),
                                       notifications_min_severity="OFF")
    latencies: list[float] = []

    async def one(scheduled: float, account_id: str) -> None:
        async with driver.session(database=settings.neo4j_database, default_access_mode=READ_ACCESS) as session:
            result = await session.run(Query(named.text, metadata=named.metadata), {"accountId": account_id})
            [record async for record in result]
        latencies.append(time.perf_counter() - scheduled)

    try:
        for account_id in ids[:200]:  # warm the pool and the plan cache
            await one(time.perf_counter(), account_id)
        latencies.clear()
        wall = await at_fixed_rate(one, ids, rate, seconds)
    finally:
        await driver.close()
    return summary(f"baseline: driver only at {rate:.0f}/s", latencies, wall, 0)


async def closed_loop(host: str, port: int, key: str, ids: list[str], concurrency: int,
                      seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        connection = await Connection.open(host, port)
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            status, _ = await connection.request(get_head(f"/v1/accounts/{rng.choice(ids)}", key))
            latencies.append(time.perf_counter() - sent)
            if status != 200:
                errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(seed) for seed in range(concurrency)))
    return summary(f"single, closed loop x{concurrency}", latencies, time.perf_counter() - start, errors)


async def batches(host: str, port: int, key: str, ids: list[str], count: int) -> dict[str, Any]:
    connection = await Connection.open(host, port)
    rng = random.Random(2)
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    for _ in range(count):
        body = json.dumps({"account_ids": rng.sample(ids, 1_000)}).encode()
        sent = time.perf_counter()
        status, answer = await connection.request(post_head("/v1/accounts:lookup", key, body), body)
        latencies.append(time.perf_counter() - sent)
        if status != 200 or len(json.loads(answer)["accounts"]) != 1_000:
            errors += 1
    return summary("1,000-id batch lookups", latencies, time.perf_counter() - start, errors)


def signal_bodies(batch_dir: Path, count: int, prompt_every: int) -> list[bytes]:
    """Sign-up check bodies from the raw batch (the graph holds only keyed values, so the bench reads the files)."""
    import pandas as pd

    from loaders.batch_files import read_batch_table

    def table(name: str, columns: list[str]) -> pd.DataFrame:
        frames = []
        for chunk in read_batch_table(batch_dir, name, columns=columns):
            frames.append(chunk.frame)
            if sum(len(frame) for frame in frames) >= 200_000:
                break
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    accounts = table("accounts", ["account_id", "email"]).set_index("account_id")["email"].to_dict()
    cards = table("payment_methods", ["account_id", "payment_fingerprint"]).groupby("account_id")[
        "payment_fingerprint"].first().to_dict()
    exchanges = table("exchanges", ["account_id", "ip", "prompt"]).dropna(subset=["ip"])
    if exchanges.empty:
        raise SystemExit(f"no exchanges in {batch_dir}; pass --batch with the batch the graph was loaded from")
    rng = random.Random(3)
    rows = exchanges.sample(n=count, replace=len(exchanges) < count, random_state=3).itertuples(index=False)
    bodies = []
    for n, row in enumerate(rows):
        if n % 10 == 9:  # a stranger: nothing of it is in the graph
            body: dict[str, str] = {"ip": f"198.18.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                                    "email": f"new{rng.randrange(10**9)}@example.org",
                                    "payment_fingerprint": f"pmfp_{secrets.token_hex(8)}"}
        else:
            body = {"ip": str(row.ip)}
            if isinstance(accounts.get(row.account_id), str):
                body["email"] = accounts[row.account_id]
            if isinstance(cards.get(row.account_id), str):
                body["payment_fingerprint"] = cards[row.account_id]
            if prompt_every and n % prompt_every == 0 and isinstance(row.prompt, str) and row.prompt:
                body["prompt"] = row.prompt[:32_768]
        bodies.append(json.dumps(body).encode())
    return bodies


def wait_until_ready(host: str, port: int, server: subprocess.Popen[bytes] | None) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise SystemExit("the API server exited during start")
        try:
            if httpx.get(f"http://{host}:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the API server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="A running API (then also pass --key); default: start one here.")
    parser.add_argument("--key", help="API key with the read scope, for --url.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--signal-rate", type=float, default=200.0)
    parser.add_argument("--prompt-every", type=int, default=4,
                        help="Every n-th sign-up check carries prompt text (0: none).")
    parser.add_argument("--batch", type=Path, default=Path("var/demo"),
                        help="The batch the graph was loaded from (raw signals for the sign-up checks).")
    parser.add_argument("--out", type=Path, help="Write the figures as JSON here too.")
    args = parser.parse_args()

    settings = get_settings()
    with connected_driver(settings) as driver:
        ids = [str(record["accountId"]) for record in Graph(settings, driver).read("bench/account_ids",
                                                                 {"limit": 20_000})]
    if len(ids) < 1_000:
        raise SystemExit(f"the graph holds {len(ids)} accounts; load the demo first (`make demo`)")
    bodies = signal_bodies(args.batch, 4_000, args.prompt_every)

    server = None
    if args.url:
        host, port = args.url.removeprefix("http://").rstrip("/").split(":")
        key = args.key or ""
    else:
        host, port, key = "127.0.0.1", str(args.port), secrets.token_urlsafe(32)
        # The demo's hash key (the graph was loaded with it) unless one is given; no rate limit: this measures
        # throughput, not the guard.
        environment = {**os.environ, "SOCKHOUND_API_KEYS": f"bench:read:{key}", "SOCKHOUND_API_RATE_LIMIT": "",
                       "SOCKHOUND_API_MAX_CONCURRENT": "100000"}
        if not environment.get("SOCKHOUND_HASH_KEY") and not environment.get("SOCKHOUND_HASH_KEY_FILE"):
            environment["SOCKHOUND_HASH_KEY_FILE"] = str(Path(__file__).resolve().parent.parent / "var" /
                                                         "demo-hash-key")
        server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", port], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_ready(host, int(port), server)
        print(f"API at http://{host}:{port}; {len(ids):,} account ids; load average "
              f"{os.getloadavg()[0]:.2f} (2 cores shared by client, API and Neo4j)")

        async def run() -> list[dict[str, Any]]:
            gc.collect()
            gc.freeze()  # the client's own garbage collection must not add pauses to what it measures
            gc.disable()
            # warm-up: connection pools, query plans, JIT of the server
            await closed_loop(host, int(port), key, ids, 8, 3.0)
            await batches(host, int(port), key, ids, 5)
            await open_loop(host, int(port), key, signal_checks(bodies, key), 50, 2.0, 8, "warm-up")
            print("--- measured ---")
            return [
                await open_loop(host, int(port), key, lookups(ids, key), args.rate, args.seconds, args.connections,
                                "single"),
                await driver_open_loop(ids, args.rate, args.seconds),
                await closed_loop(host, int(port), key, ids, args.concurrency, args.seconds / 2),
                await batches(host, int(port), key, ids, args.batches),
                await open_loop(host, int(port), key, signal_checks(bodies, key), args.signal_rate, args.seconds,
                                args.connections, "sign-up checks"),
            ]

        figures = asyncio.run(run())
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
    single, baseline, _, batch, signals = figures
    print(f"targets: single-lookup p99 <= 10 ms at {args.rate:.0f}/s: {single['p99_ms']} ms "
          f"({'met' if single['p99_ms'] <= 10 and single['errors'] == 0 else 'MISSED'}); "
          f"1,000-id batch <= 100 ms: p50 {batch['p50_ms']} ms, p99 {batch['p99_ms']} ms "
          f"({'met' if batch['p99_ms'] <= 100 and batch['errors'] == 0 else 'MISSED'}); API p99 / driver-only p99 "
          f"at the same rate: {single['p99_ms'] / max(baseline['p99_ms'], 0.01):.1f}x; sign-up check p99 <= 20 ms "
          f"at {args.signal_rate:.0f}/s: {signals['p99_ms']} ms "
          f"({'met' if signals['p99_ms'] <= 20 and signals['errors'] == 0 else 'MISSED'})")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
