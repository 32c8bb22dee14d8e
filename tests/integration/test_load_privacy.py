"""Disguised card numbers and personal values in free text, loaded into the real Neo4j: refused, and on no disk.

"No disk" is the graph (every string of every node and relationship), the quarantine file, the load report,
the log records of the load, and the aggregation engine's files (DuckDB's database, WAL and the temporary
files it spills to under its memory limit) while they exist.
"""

from __future__ import annotations

import gzip
import logging
import stat
import threading
from pathlib import Path

import pandas as pd
import pytest
from neo4j import Driver

from loaders.load_batch import BatchLoader, write_report
from queries import load_query
from sockhound.graph import Graph
from sockhound.privacy import KIND_PAYMENT, KeyedHasher
from sockhound.sensitive import luhn_valid, normalise_for_card_scan
from sockhound.settings import Settings
from tests.batch_builder import RAW_CARD_NUMBER, RAW_EMAIL, RAW_IP, RAW_PROMPT, write_small_batch
from tests.integration.graph_state import all_stored_strings, run_test_query

# disguise -> the card number it hides (a different test card each, so a leak names its disguise)
DISGUISED_CARDS = {
    " 4111111111111111": "4111111111111111",  # `acct, 4111...` in a CSV line
    "5555555555554444 ": "5555555555554444",
    "4012.8888.8888.1881": "4012888888881881",
    "3782\u00a0822463\u00a010005": "378282246310005",
    "6011\u20131111\u20131111\u20131117": "6011111111111117",
    "4242424242424242|12/27": "4242424242424242",
}
BIN_CARD = " 4000 0566 5566 5556"
MODEL_CARD = "4917 6100 0000 0000"
FREE_TEXT_PERSONAL = {
    "brand": "jane.doe@corp.example",
    "pathway": "proxy 203.0.113.99",
    "org_id": "2001:db8::77",
    "source": "analyst bob.smith@corp.example",
}
CARDS = [*DISGUISED_CARDS.values(), "4000056655665556", "4917610000000000"]


def _write_personal_batch(directory: Path) -> Path:
    """The small batch, plus rows that hide card numbers and personal values the way exports do."""
    write_small_batch(directory)
    header = "account_id,payment_fingerprint,brand,funding,bin,country,added_at\n"
    good = (directory / "payment_methods.csv").read_text().splitlines()[1:]
    lines = [*good, f"acct-009,{next(iter(DISGUISED_CARDS))},visa,credit,411111,US,"]  # written unquoted, as seen
    lines += [f"acct-010,\"{disguise}\",visa,credit,411111,US," for disguise in list(DISGUISED_CARDS)[1:]]
    lines += [
        f"acct-009,{next(iter(DISGUISED_CARDS))},visa,credit,411111,US,",  # a duplicated disguised card row
        good[0],  # a plain duplicate: its key columns are shown masked
        f"acct-011,pm_bin_row,visa,credit,\"{BIN_CARD}\",US,",
        f"acct-011,pm_brand_row,{FREE_TEXT_PERSONAL['brand']},credit,411111,US,",
    ]
    (directory / "payment_methods.csv").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    with (directory / "accounts.csv").open("a", encoding="utf-8") as stream:
        stream.write(f"acct-100,2026-03-01T00:00:00Z,x@example.org,US,{FREE_TEXT_PERSONAL['pathway']},,active\n")
        stream.write(f"acct-101,2026-03-01T00:00:00Z,y@example.org,US,direct,{FREE_TEXT_PERSONAL['org_id']},active\n")
    with (directory / "labels.csv").open("a", encoding="utf-8") as stream:
        stream.write(f"acct-001,benign,{FREE_TEXT_PERSONAL['source']},2026-03-09T12:00:00Z\n")
    with gzip.open(directory / "exchanges.csv.gz", "rt") as stream:
        exchanges = pd.read_csv(stream, dtype=str, keep_default_na=False)
    extra = exchanges.iloc[[0]].assign(request_id="req-card-model", model=MODEL_CARD)
    with gzip.open(directory / "exchanges.csv.gz", "wt", newline="") as stream:
        pd.concat([exchanges, extra]).to_csv(stream, index=False)
    return directory


def _leaks(text: str, what: str) -> list[str]:
    """Which hidden card numbers or personal values a text holds, in any disguise."""
    flat = normalise_for_card_scan(text)
    found = [f"{what}: card {card[:4]}..." for card in CARDS if card in flat]
    return found + [f"{what}: {value}" for value in FREE_TEXT_PERSONAL.values() if value in text]


def test_disguised_card_numbers_and_personal_free_text_are_refused_and_on_no_disk(
    neo4j_settings: Settings, empty_graph: Driver, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    assert all(luhn_valid(card) for card in CARDS)
    batch = _write_personal_batch(tmp_path / "batch-personal")
    reports = tmp_path / "report"
    spilled: list[str] = []

    def look_at_spill(stage: str, _rows: int) -> None:
        for path in reports.glob("spill-*/**/*"):
            if path.is_file():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
                spilled.append(path.read_bytes().decode("latin-1"))

    caplog.set_level(logging.DEBUG)
    loader = BatchLoader(Graph(neo4j_settings, empty_graph), chunk_rows=1_000, progress=look_at_spill)
    report = loader.load(batch, reports)
    write_report(report, reports)

    assert spilled, "the spill must have been seen while the load ran"
    assert report.tables["payment_methods"].rows_loaded == 8
    assert report.tables["payment_methods"].rows_quarantined == len(DISGUISED_CARDS) + 4
    assert report.tables["accounts"].rows_quarantined == 2 and report.tables["labels"].rows_quarantined == 1
    assert report.tables["exchanges"].rows_quarantined == 1

    quarantine = pd.read_csv(reports / "quarantine.csv", dtype=str, keep_default_na=False)
    refused = {(str(row.table), str(row.column), str(row.reason).split(";")[0]) for row in quarantine.itertuples()}
    assert refused == {
        ("payment_methods", "payment_fingerprint", "looks like a card number (Luhn-valid digits)"),
        ("payment_methods", "account_id,payment_fingerprint", "duplicate key (account_id, payment_fingerprint) "
                                                              "within file"),
        ("payment_methods", "bin", "bin must be 6-8 digits"),
        ("payment_methods", "brand", "contains an e-mail address"),
        ("accounts", "pathway", "contains an IP address"),
        ("accounts", "org_id", "contains an IP address"),
        ("labels", "source", "contains an e-mail address"),
        ("exchanges", "model", "contains a card number (Luhn-valid digits)"),
    }
    assert all(value.startswith("shape ") for value in quarantine["value"])
    for name in ("quarantine.csv", "report.json", "report.txt"):
        assert stat.S_IMODE((reports / name).stat().st_mode) == 0o600, name

    stored = all_stored_strings(neo4j_settings, empty_graph)
    hasher = KeyedHasher(neo4j_settings.hash_key())
    stripped_keys = {hasher.hash_one(KIND_PAYMENT, disguise.strip()) for disguise in DISGUISED_CARDS}
    assert stripped_keys.isdisjoint(stored), "a disguised card number was hashed into the graph"
    leaks = [leak for text in stored for leak in _leaks(text, "graph")]
    leaks += [leak for name in ("quarantine.csv", "report.json", "report.txt")
              for leak in _leaks((reports / name).read_text(encoding="utf-8"), name)]
    leaks += [leak for text in spilled for leak in _leaks(text, "spill")]
    leaks += _leaks(caplog.text, "log")
    assert leaks == []


def test_the_graph_keeps_the_batch_name_and_no_email_domain(neo4j_settings: Settings, empty_graph: Driver,
                                                            tmp_path: Path) -> None:
    batch = write_small_batch(tmp_path / "nested" / "batch-7").directory
    report = BatchLoader(Graph(neo4j_settings, empty_graph), chunk_rows=1_000).load(batch, tmp_path / "report")
    stored = all_stored_strings(neo4j_settings, empty_graph)
    assert "batch-7" in stored and report.batch == "batch-7"
    assert not any(str(tmp_path) in text or "nested" in text for text in stored)
    assert not {"gmail.com", "example.org"} & stored
    assert "nested" not in report.summary() and str(tmp_path) not in str(report.as_json()["batch"])


def test_migration_drops_clear_email_domains_and_batch_paths(neo4j_settings: Settings, empty_graph: Driver) -> None:
    """Graphs loaded before data minimisation lose the clear domain and the local path."""
    run_test_query(neo4j_settings, empty_graph, "legacy_personal_properties")
    Graph(neo4j_settings, empty_graph).run_statements(load_query("schema/0005_data_minimisation"))
    stored = all_stored_strings(neo4j_settings, empty_graph)
    assert "gmail.com" not in stored
    assert not any("/" in text for text in stored)
    assert {"batch-old", "batch-win"} <= stored


class SpillWatcher(threading.Thread):
    """Reads every file under ``reports/spill-*`` as often as it can while a load runs (DuckDB's temporary
    files live only while it needs them): names, modes and contents, each version once."""

    def __init__(self, reports: Path) -> None:
        super().__init__(daemon=True)
        self.reports = reports
        self.stop = threading.Event()
        self.modes: dict[str, int] = {}
        self.contents: list[bytes] = []
        self.temporary: list[bytes] = []  # of them, DuckDB's temporary (spill) files
        self._read: set[tuple[str, int, int]] = set()

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self._listing():
                try:
                    status = path.stat()
                    if not stat.S_ISREG(status.st_mode):
                        continue
                    version = (str(path), status.st_size, status.st_mtime_ns)
                    if version not in self._read:
                        self._read.add(version)
                        self.modes[str(path.relative_to(self.reports))] = stat.S_IMODE(status.st_mode)
                        self.contents.append(path.read_bytes())
                        if path.parent.name == "tmp":
                            self.temporary.append(self.contents[-1])
                except FileNotFoundError:  # removed between the listing and the read
                    continue
            self.stop.wait(0.005)

    def _listing(self) -> list[Path]:
        """The spill files now; a directory removed while it is walked ends this listing, not the watcher."""
        try:
            return list(self.reports.glob("spill-*/**/*"))
        except FileNotFoundError:
            return []


def test_the_engine_spill_is_private_and_holds_no_raw_value(
    neo4j_settings: Settings, empty_graph: Driver, tmp_path: Path,
) -> None:
    """Under a small memory limit DuckDB spills to ``tmp/`` inside the load's private directory: every file
    there is 0600 and holds no raw IP, e-mail, card or prompt, and nothing is left after the load."""
    batch = write_small_batch(tmp_path / "batch", exchange_ids=range(0, 30_000), account_count=600).directory
    settings = neo4j_settings.model_copy(update={"sockhound_load_memory_limit": "40MB"})
    reports = tmp_path / "report"
    watcher = SpillWatcher(reports)
    watcher.start()
    try:
        BatchLoader(Graph(settings, empty_graph), chunk_rows=5_000).load(batch, reports)
    finally:
        watcher.stop.set()
        watcher.join()

    # DuckDB's temporary files: its `tmp` directory inside the load's private spill directory (not the machine's).
    spilled = [name for name in watcher.modes if Path(name).parent.name == "tmp"]
    assert spilled, f"DuckDB did not spill under a 40MB limit; files seen: {sorted(watcher.modes)}"
    assert {name: mode for name, mode in watcher.modes.items() if mode != 0o600} == {}
    assert all(name.startswith("spill-") for name in watcher.modes)
    raw = [RAW_IP, RAW_EMAIL, RAW_PROMPT, "198.51.", "@example.org", "Think carefully"]
    leaks = [value for content in watcher.contents for value in raw if value.encode() in content]
    leaks += [RAW_CARD_NUMBER for content in watcher.contents
              if RAW_CARD_NUMBER.replace(" ", "") in normalise_for_card_scan(content.decode("latin-1"))]
    assert leaks == []
    # The search above could find a raw value: the spill holds strings as written (account ids are not secret).
    assert any(b"acct-" in content for content in watcher.temporary)
    assert not list(reports.glob("spill-*")), "the engine's directory is removed after the load"
