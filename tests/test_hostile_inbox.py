"""The audit's hostile inbox (issue 9), built by code: one run takes all of it, every file is accounted for
with its reason, nothing outside the inbox is read, no impossible date or count reaches the events, the
export cannot run a spreadsheet formula, and a second run changes nothing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hostile_inbox import FORMULAS, build_hostile_inbox


@pytest.fixture(scope="module")
def hostile_run(prefect_harness, tmp_path_factory):
    from flows.pipeline import pipeline

    root = tmp_path_factory.mktemp("hostile")
    h = build_hostile_inbox(root)
    db, maps = root / "events.duckdb", root / "maps"
    first = pipeline(str(h.inbox), str(db), str(maps))
    second = pipeline(str(h.inbox), str(db), str(maps))
    return h, db, maps, first, second


def _query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_hostile_file_gets_its_reason(hostile_run):
    h, db, _, first, _ = hostile_run
    found: dict[str, set[str]] = {}
    for source, reason in _query(db, "SELECT DISTINCT source, reason FROM rejects"):
        found.setdefault(source, set()).add(reason)
    for source, required in h.rejects.items():
        for alternatives in required:
            assert found.get(source, set()) & alternatives, f"{source}: expected one of {alternatives}, got " \
                                                             f"{found.get(source)}"
    assert first["rejects"] >= sum(len(r) for r in h.rejects.values())


def test_good_rows_of_hostile_files_still_load(hostile_run):
    h, db, *_ = hostile_run
    loaded = {s for (s,) in _query(db, "SELECT DISTINCT source FROM mentions")}
    assert h.loaded <= loaded, h.loaded - loaded
    assert not h.no_events & loaded


def test_nothing_outside_the_inbox_is_read_or_stored(hostile_run):
    h, db, *_ = hostile_run
    stored = {p: (sha, fmt) for p, sha, fmt in _query(db, "SELECT path, sha256, format FROM sources")}
    assert not h.no_source & set(stored)
    passwd = Path("/etc/passwd").read_bytes()
    import hashlib

    assert hashlib.sha256(passwd).hexdigest() not in {sha for sha, _ in stored.values()}
    for name in ("passwd.txt", "link_outside.txt", "linked_folder"):
        assert stored[h.name(name)][1] == "unknown"           # recorded with its reject, never read
    texts = " ".join(t for (t,) in _query(db, "SELECT coalesce(text, '') FROM sources"))
    assert "root:" not in texts
    assert _query(db, "SELECT count(*) FROM mentions WHERE source LIKE '%link_outside%'")[0][0] == 0


def test_no_impossible_date_or_count_reaches_the_events(hostile_run):
    _, db, *_ = hostile_run
    lo, hi = _query(db, "SELECT min(date_start), max(date_end) FROM events")[0]
    assert lo >= date(1800, 1, 1) and hi <= date.today() + timedelta(days=1)
    (biggest,) = _query(db, "SELECT max(greatest(coalesce(participants_high, 0), coalesce(detained_high, 0), "
                            "coalesce(fatalities_high, 0), coalesce(injured_high, 0))) FROM events")[0]
    assert biggest <= 500_000_000
    (negative,) = _query(db, "SELECT count(*) FROM mentions WHERE least(participants_low, detained_low, "
                             "fatalities_low, injured_low) < 0")[0]
    assert negative == 0
    # the sentence dated 31 December 9999 is refused, not re-dated to the report's year
    rows = _query(db, "SELECT reason, detail FROM rejects WHERE source LIKE '%report_year_9999%'")
    assert ("bad_date", ) == tuple({r for r, _ in rows}) and any("9999-12-31" in d for _, d in rows)
    assert _query(db, "SELECT count(*) FROM mentions WHERE source LIKE '%9999%'")[0][0] == 0
    # "-40 detained" stays -40 and is refused, never stored as 40
    assert _query(db, "SELECT count(*) FROM mentions WHERE source LIKE '%report_counts%' AND detained_high = 40"
                  )[0][0] == 0


def test_huge_fields_are_refused_and_never_stored_whole(hostile_run):
    _, db, *_ = hostile_run
    assert _query(db, "SELECT max(length(quote)) FROM mentions")[0][0] <= 100_000
    assert _query(db, "SELECT max(length(raw)) FROM rejects")[0][0] <= 100_100


def test_the_export_cannot_run_a_spreadsheet_formula(hostile_run, tmp_path: Path):
    from typer.testing import CliRunner

    from flows.cli import app

    _, db, *_ = hostile_run
    out = tmp_path / "events.csv"
    result = CliRunner().invoke(app, ["export", "--format", "csv", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        cells = {c for row in csv.reader(f) for c in row}
    for formula in FORMULAS:            # readers strip the leading tab or carriage return; the rest stays text
        assert "'" + formula.strip() in cells and formula.strip() not in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_the_run_finishes_maps_and_a_second_run_changes_nothing(hostile_run):
    _, db, maps, first, second = hostile_run
    assert (maps / "index.html").is_file() and (maps / "timeline.png").is_file()
    assert first["events"] > 10
    assert second["sources_new"] == second["sources_changed"] == 0
    assert second["files_written"] == [] and second["events"] == first["events"]
