"""The command-line contract: names, options and outputs that outside scripts rely on."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from flows import store
from flows.cli import app
from flows.model import EVENT_SCHEMA, EXPORT_COLUMNS
from flows.normalize import normalize

runner = CliRunner()


def _db_with_events(tmp_path: Path) -> Path:
    rows = [dict(source="r.txt", source_sha256="s", source_kind="report", event_type=t, subtype=st,
                 date_start=date(2016, 5, d), date_precision="day", country="KZ", extractor="t/1",
                 confidence=0.9, char_start=d, char_end=d + 5, quote="<b>q</b>", lat=lat, lon=lon,
                 geo_precision="place" if lat else "country", admin1_iso="KZ-75" if lat else None)
            for t, st, d, lat, lon in [("protest", "peaceful_protest", 21, 43.25, 76.91),
                                       ("detention", "mass_detention", 22, None, None)]]
    mentions, _ = normalize(pl.DataFrame(rows))
    events = mentions.with_columns(pl.col("mention_id").alias("event_id"), pl.lit(1).alias("n_sources"),
                                   pl.lit(1).alias("n_mentions"), pl.lit("unreviewed").alias("review_status")
                                   ).cast(EVENT_SCHEMA, strict=False)
    links = events.select("event_id", "mention_id", pl.lit(True).alias("is_representative"),
                          pl.lit("single mention").alias("merge_reason"))
    db = tmp_path / "e.duckdb"
    con = store.connect(db)
    store.replace_events(con, events, links)
    con.close()
    return db


@pytest.mark.parametrize("command", ["run", "extract", "geocode", "export", "sql", "serve", "deployments",
                                     "screenshot", "packs install", "packs list", "review"])
def test_every_command_has_help(command: str):
    result = runner.invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_deployments_lists_the_schedule_from_configuration(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eventflow.yaml").write_text("schedule_cron: '30 2 * * 1'\n")
    result = runner.invoke(app, ["deployments"])
    assert result.exit_code == 0, result.output
    assert "inbox-daily" in result.output and "30 2 * * 1" in result.output


def test_deployments_default_is_daily_at_six(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["deployments"])
    assert "0 6 * * *" in result.output


def test_sql_prints_a_table(tmp_path: Path):
    db = _db_with_events(tmp_path)
    result = runner.invoke(app, ["sql", "SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
                                 "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "detention" in result.output and "protest" in result.output


def test_sql_reports_errors_with_exit_1(tmp_path: Path):
    db = _db_with_events(tmp_path)
    result = runner.invoke(app, ["sql", "SELECT nope FROM events", "--db", str(db)])
    assert result.exit_code == 1
    assert "nope" in result.output


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geojson"])
def test_export_writes_the_export_columns(tmp_path: Path, fmt: str):
    db = _db_with_events(tmp_path)
    out = tmp_path / f"events.{fmt}"
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        with out.open() as f:
            header = next(csv.reader(f))
        assert header[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    elif fmt == "parquet":
        assert pl.read_parquet(out).columns[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS
    else:
        doc = json.loads(out.read_text())
        geoms = sorted((f["properties"]["event_type"], f["geometry"] is None) for f in doc["features"])
        assert geoms == [("detention", True), ("protest", False)]
        assert doc["features"][0]["properties"]["quote"] == "<b>q</b>"


def test_export_rejects_an_unknown_format(tmp_path: Path):
    db = _db_with_events(tmp_path)
    result = runner.invoke(app, ["export", "--format", "xlsx", "--out", str(tmp_path / "x"), "--db", str(db)])
    assert result.exit_code != 0


def test_sql_is_read_only_unless_asked(tmp_path: Path):
    db = _db_with_events(tmp_path)
    insert = "INSERT INTO overrides (override_id, mention_id, action) VALUES ('o1', 'm_x', 'drop')"
    refused = runner.invoke(app, ["sql", insert, "--db", str(db)])
    assert refused.exit_code == 1 and "read-only" in refused.output.lower()
    assert runner.invoke(app, ["sql", insert, "--db", str(db), "--write"]).exit_code == 0
    listed = runner.invoke(app, ["sql", "SELECT override_id, action FROM overrides", "--db", str(db)])
    assert "o1" in listed.output and "drop" in listed.output


def test_sql_can_print_csv(tmp_path: Path):
    db = _db_with_events(tmp_path)
    result = runner.invoke(app, ["sql", "SELECT event_type, quote FROM events ORDER BY 1", "--db", str(db), "--csv"])
    assert result.exit_code == 0, result.output
    assert list(csv.reader(result.output.splitlines())) == [
        ["event_type", "quote"], ["detention", "<b>q</b>"], ["protest", "<b>q</b>"]]


def test_run_without_an_inbox_says_so(tmp_path: Path):
    result = runner.invoke(app, ["run", "--inbox", str(tmp_path / "missing"), "--db", str(tmp_path / "e.duckdb")])
    assert result.exit_code == 2
    assert "no inbox folder" in result.output


def test_unknown_settings_are_warned_about(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eventflow.yaml").write_text("shedule_timezone: Asia/Almaty\n")
    result = runner.invoke(app, ["deployments"])
    assert result.exit_code == 0
    assert "unknown setting(s) ignored: shedule_timezone" in result.output


def test_export_and_geocode_refuse_bad_input_with_one_line(tmp_path: Path):
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                                 "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 2 and "no database at" in result.output
    assert not (tmp_path / "missing.duckdb").exists()
    result = runner.invoke(app, ["geocode", "Shymkent", "--date", "2018-13-45"])
    assert result.exit_code == 2 and "is not a date in the form YYYY-MM-DD" in " ".join(result.output.split())


def test_run_refuses_a_maps_path_it_cannot_write(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    blocker = tmp_path / "maps"
    blocker.write_text("a file, not a folder")
    result = runner.invoke(app, ["run", "--inbox", str(inbox), "--db", str(tmp_path / "e.duckdb"),
                                 "--maps", str(blocker)])
    assert result.exit_code == 2 and "cannot write maps to" in " ".join(result.output.split())
    assert not (tmp_path / "e.duckdb").exists()
