"""Benchmark the network page on a network of the demo's largest size (1,119 members) in headless Chromium.

Target (issue 18, item 5): interactive within 2 s, the renderer under 500 MB. Debian's `chromium`, driven through
Python playwright as tests/integration/test_network_page.py does (never `playwright install`).

The page's files, the palette and the two API answers are served by playwright's request interception, so the
figures are the page's own (no database, no API time): `/v1/networks/{id}` and `/v1/networks/{id}/graph` answer
with a synthetic network in the demo's shape (1,119 members of which the graph endpoint's cap lets 1,000 be
drawn; 25 evidence nodes per kind: cards shared by 3-8 members, proxy addresses by 15-60, subnets by 40-200,
prompt templates by 60-400, sync buckets by 15-80), cut to `member_limit` like the real endpoint.

Baseline in the same run: the page as it is on `main` (git show main:api/static/...), which asks for the
default 300 riskiest members and lays all of them out with their evidence.

Per run: time from navigation to `data-state=ready` (data in, drawn), main-thread CPU (DevTools ThreadTime), the
time a real mouse click on the largest group (the baseline: on an account) takes to show its details, whether that
click selected the node clicked, and the renderer's peak RSS (sampled every 0.1 s).

Run: .venv/bin/python bench/network_page.py [--runs 3] [--baseline-ref main]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import random
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import psutil
from playwright.sync_api import Browser, Route, sync_playwright

from sockhound import palette

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "api" / "static"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ORIGIN = "http://sockhound.bench"
NETWORK_ID = "net-bench000001"
MEMBERS = 1_119
MB = 2**20
KINDS = {"payment": (3, 8), "ip": (15, 60), "subnet": (40, 200), "template": (60, 400), "sync": (15, 80)}


def synthetic_network(seed: int = 5) -> dict[str, Any]:
    """The graph endpoint's full answer (every member, 25 evidence nodes per kind), riskiest member first."""
    rng = random.Random(seed)
    accounts = [{"account_id": f"acct_{rng.getrandbits(48):012x}", "risk": round(0.99 - 0.5 * i / MEMBERS, 4),
                 "verdict": "sockpuppet" if i < 1_000 else "suspect", "label": None, "status": "active"}
                for i in range(MEMBERS)]
    evidence, edges = [], []
    for kind, (low, high) in KINDS.items():
        for _ in range(25):
            holders = rng.sample(range(MEMBERS), rng.randint(low, high))
            key = f"{rng.getrandbits(128):032x}"
            evidence.append({"id": f"{kind}:{key}", "kind": kind, "key": key,
                             "shared_by": len(holders) + rng.randint(0, 3),
                             "weight": round(rng.uniform(0.2, 1.0), 3), "ignored": None, "holders": holders})
            edges += [{"account_id": accounts[i]["account_id"], "evidence_id": f"{kind}:{key}",
                       "count": rng.randint(1, 400), "first_seen": "2026-02-01T00:00:00Z",
                       "last_seen": "2026-03-01T00:00:00Z"} for i in holders]
    return {"accounts": accounts, "evidence": evidence, "edges": edges}


def graph_answer(full: dict[str, Any], member_limit: int) -> dict[str, Any]:
    """What GET /v1/networks/{id}/graph?member_limit=N answers: the N riskiest members and the links among them."""
    shown = {account["account_id"] for account in full["accounts"][:member_limit]}
    edges = [edge for edge in full["edges"] if edge["account_id"] in shown]
    members_of: dict[str, int] = {}
    for edge in edges:
        members_of[edge["evidence_id"]] = members_of.get(edge["evidence_id"], 0) + 1
    evidence = [{key: value for key, value in node.items() if key != "holders"} | {"members": members_of[node["id"]]}
                for node in full["evidence"] if members_of.get(node["id"], 0) >= 2]
    kept = {node["id"] for node in evidence}
    return {"network_id": NETWORK_ID, "size": MEMBERS, "accounts": full["accounts"][:member_limit],
            "evidence": evidence, "edges": [edge for edge in edges if edge["evidence_id"] in kept],
            "kinds": [{"kind": kind, "shown": 25, "available": 25} for kind in KINDS],
            "member_limit": member_limit, "evidence_per_kind": 25, "truncated": True}


SUMMARY = {"network_id": NETWORK_ID, "verdict": "sockpuppet", "risk": 0.97, "size": MEMBERS, "status": "active",
           "run_id": "run-bench"}


def baseline_static(ref: str, into: Path) -> Path:
    """The page's files as they are at `ref`."""
    for name in ("network.html", "network.js", "session.js", "ui.css"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:api/static/{name}"], check=True,
                              capture_output=True, text=True).stdout
        (into / name).write_text(text)
    (into / "vendor").symlink_to(STATIC / "vendor")
    return into


class RendererWatch:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for process in psutil.Process().children(recursive=True):
                try:
                    if "--type=renderer" in process.cmdline():
                        self.peak = max(self.peak, process.memory_info().rss)
                except psutil.Error:
                    continue

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def one_run(browser: Browser, static: Path, full: dict[str, Any], overview_page: bool) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def serve(route: Route) -> None:
        url = urlparse(route.request.url)
        path = url.path
        if path.startswith("/ui/networks/"):
            route.fulfill(body=(static / "network.html").read_text(), content_type="text/html")
        elif path.startswith("/ui/static/"):
            file = static / path.removeprefix("/ui/static/")
            route.fulfill(body=file.read_bytes(), content_type=mimetypes.guess_type(file.name)[0] or "text/plain")
        elif path == "/ui/palette.json":
            route.fulfill(json=palette.as_json())
        elif path == f"/v1/networks/{NETWORK_ID}/graph":
            limit = int(parse_qs(url.query).get("member_limit", ["300"])[0])
            route.fulfill(json=graph_answer(full, limit))
        elif path == f"/v1/networks/{NETWORK_ID}":
            route.fulfill(json=SUMMARY)
        elif path.startswith("/v1/accounts/"):
            route.fulfill(json={"network_id": NETWORK_ID, "prior_risk": 0.01, "top_evidence": []})
        else:
            route.fulfill(status=404, json={"title": "not found"})

    page.route(f"{ORIGIN}/**", serve)
    session = context.new_cdp_session(page)
    session.send("Performance.enable")
    watch = RendererWatch()
    started = time.perf_counter()
    page.goto(f"{ORIGIN}/ui/networks/{NETWORK_ID}#key=bench-key")
    page.wait_for_selector("body[data-state='ready']", state="attached", timeout=120_000)
    ready_s = time.perf_counter() - started
    ready_page_s = (page.evaluate("() => window.sockhoundReadyMs ?? performance.now()")) / 1000
    metrics = session.send("Performance.getMetrics")["metrics"]
    cpu_s = next(float(metric["value"]) for metric in metrics if metric["name"] == "ThreadTime")
    # A real click on the largest group (overview) or the riskiest account (baseline), where it is drawn.
    target = page.evaluate("""(overview) => { const graph = window.sockhoundGraph;
        const nodes = overview ? graph.nodes("[type = 'group']").sort((a, b) => b.data("count") - a.data("count"))
                               : graph.nodes("[type = 'account']");
        const node = nodes[0]; graph.fit(undefined, 30);
        const p = node.renderedPosition(); return { id: node.id(), x: p.x, y: p.y }; }""", overview_page)
    box = page.locator("#graph").bounding_box()
    assert box is not None
    clicked = time.perf_counter()
    page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    page.locator("#details h2").wait_for(timeout=60_000)
    click_s = time.perf_counter() - clicked
    selected = page.evaluate("() => window.sockhoundGraph.$(':selected').map((n) => n.id())")
    drawn = page.evaluate("() => ({ nodes: window.sockhoundGraph.nodes().length, "
                          "edges: window.sockhoundGraph.edges().length })")
    peak = watch.stop()
    context.close()
    if errors:
        raise RuntimeError(f"page errors: {errors}")
    return {"ready_s": ready_s, "ready_page_s": ready_page_s, "cpu_s": cpu_s, "click_s": click_s,
            "hit": float(selected == [target["id"]]),
            "rss_mb": peak / MB, "nodes": drawn["nodes"], "edges": drawn["edges"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline-ref", default="main")
    arguments = parser.parse_args()
    full = synthetic_network()
    load = os.getloadavg()
    print(f"network page, {MEMBERS} members; load average {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        old = baseline_static(arguments.baseline_ref, Path(scratch))
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        results: dict[str, list[dict[str, float]]] = {"this page (overview)": [], f"{arguments.baseline_ref} page": []}
        for _ in range(arguments.runs):  # interleaved, so both see the same machine load
            results["this page (overview)"].append(one_run(browser, STATIC, full, overview_page=True))
            results[f"{arguments.baseline_ref} page"].append(one_run(browser, old, full, overview_page=False))
        browser.close()
    medians = {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
               for name, runs in results.items()}
    for name, figures in medians.items():
        print(f"{name:24} ready {figures['ready_s']:.2f} s (page clock {figures['ready_page_s']:.2f} s)  "
              f"main-thread CPU {figures['cpu_s']:.2f} s  "
              f"click -> details {1000 * figures['click_s']:.0f} ms  hit {figures['hit']:.0%}  "
              f"renderer peak {figures['rss_mb']:.0f} MB  drawn {figures['nodes']:.0f} nodes / "
              f"{figures['edges']:.0f} edges  (median of {arguments.runs})")
    ours, base = medians["this page (overview)"], medians[f"{arguments.baseline_ref} page"]
    print(f"ratio to baseline: ready {ours['ready_s'] / base['ready_s']:.2f}x, "
          f"CPU {ours['cpu_s'] / base['cpu_s']:.2f}x")
    interactive = ours["ready_s"] + ours["click_s"]
    print(f"target: interactive within 2 s -> {interactive:.2f} s ({'met' if interactive <= 2 else 'MISSED'}); "
          f"renderer under 500 MB -> {ours['rss_mb']:.0f} MB ({'met' if ours['rss_mb'] < 500 else 'MISSED'})")
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
