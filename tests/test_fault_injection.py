"""Crash safety: a run killed with SIGKILL at any of 12 points (each stage, inside a store, reference, dedupe and
migration transaction, in the middle of publishing), then run again, leaves the database and the maps exactly as
one clean run does. The incremental path is killed too: a fourth inbox file arriving after a first run of three
must end where one clean run of the four ends."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

DRIVER = Path(__file__).parent / "faults" / "driver.py"
FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
POINTS = ["after_hash", "mid_read", "after_read", "mid_store_transaction", "between_sources", "after_store",
          "mid_reference", "mid_dedupe_transaction", "before_dedupe_commit", "mid_publish", "after_publish_pages",
          "mid_migration"]
FIRST = ["acled_kz.csv", "mass_mobilization_kz.csv", "ngo_monitoring_log.csv"]
LATER = "gdelt_kz.export.CSV"
CONTENT = {
    "sources": "SELECT path, sha256, format, records_total, records_loaded, records_rejected FROM sources",
    "mentions": "SELECT * FROM mentions",
    "events": "SELECT * FROM events",
    "event_mentions": "SELECT * FROM event_mentions",
    "rejects": "SELECT source, locator, stage, reason, detail, raw FROM rejects",
    "pending": "SELECT * FROM dedupe_pending",
}


def _drive(inbox: Path, db: Path, maps: Path, point: str | None = None) -> int:
    args = [sys.executable, str(DRIVER), str(inbox), str(db), str(maps), *([point] if point else [])]
    return subprocess.run(args, capture_output=True, timeout=600).returncode


def _inbox(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
        if name == "ngo_monitoring_log.csv":
            shutil.copy(FIXTURES / "ngo_monitoring_log.mapping.yaml", folder / "ngo_monitoring_log.mapping.yaml")
    return folder


def _state(db: Path, maps: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        state = {k: sorted(map(repr, con.execute(q).fetchall())) for k, q in CONTENT.items()}
    state["maps"] = {p.name: p.read_bytes() for p in sorted(maps.iterdir()) if not p.name.startswith(".")}
    return state


def _killed_then_rerun(root: Path, point: str, incremental: bool) -> tuple[int, dict]:
    """Kill a run of the four files (or, incremental, a run of the fourth after a clean run of three), then run
    again without a fault."""
    inbox = _inbox(root / "inbox", FIRST if incremental else [*FIRST, LATER])
    db, maps = root / "e.duckdb", root / "maps"
    if incremental:
        assert _drive(inbox, db, maps) == 0
        _inbox(inbox, [LATER])
    killed = _drive(inbox, db, maps, point)
    assert _drive(inbox, db, maps) == 0
    return killed, _state(db, maps)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("clean")
    inbox = _inbox(root / "inbox", [*FIRST, LATER])
    assert _drive(inbox, root / "e.duckdb", root / "maps") == 0
    return _state(root / "e.duckdb", root / "maps")


def test_a_run_killed_anywhere_recovers_to_a_clean_run(clean: dict, tmp_path: Path):
    cases = [(p, False) for p in POINTS] + [(p, True) for p in ("mid_store_transaction", "mid_dedupe_transaction",
                                                                  "mid_publish")]
    with ThreadPoolExecutor(max_workers=2) as pool:   # two subprocesses at a time: the machine has two cores
        results = list(pool.map(lambda c: (c, _killed_then_rerun(tmp_path / f"{c[0]}-{c[1]}", *c)), cases))
    for (point, incremental), (killed, state) in results:
        assert killed == -signal.SIGKILL, f"{point}: the driver was not killed there (exit {killed})"
        for key in clean:
            assert state[key] == clean[key], f"killed at {point} (incremental={incremental}): {key} differs"
