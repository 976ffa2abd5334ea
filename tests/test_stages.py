"""The stages as plain functions: bad input becomes rejects, every dataset row is accounted for, a streamed
dataset gives what a whole read gives, and the one writer stores what the workers staged."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from flows import stages, store
from flows.config import GEO_ROOT
from flows.ingest.datasets import read_dataset
from flows.ingest.discover import discover

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"


def _file(tmp_path: Path, name: str, content: bytes):
    (tmp_path / name).write_bytes(content)
    return next(f for f in discover(tmp_path) if f.relpath == f"{tmp_path.name}/{name}")


def _rejects(staged: stages.StagedSource) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(p) for p in staged.reject_files]) if staged.reject_files else pl.DataFrame()


def _mentions(staged: stages.StagedSource) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(p) for p in staged.mention_files])


def test_unreadable_files_become_rejects_not_errors(tmp_path: Path):
    inbox, staging = tmp_path / "inbox", tmp_path / "staging"
    inbox.mkdir()
    cases = {"bad.txt": (b"\xfa\xfb\xfc", "bad_encoding"), "x.docx": (b"PK\x03\x04", "unknown_format"),
             "scan.pdf": (b"%PDF-1.4", "unreadable_pdf"), "cut.csv.gz": (b"\x1f\x8b\x08 cut", "bad_archive")}
    for name, (content, reason) in cases.items():
        staged = stages.stage_file(_file(inbox, name, content), staging, GEO_ROOT)
        assert staged.mention_files == []
        expected = (f"inbox/{name}", "file", "ingest", reason)
        assert _rejects(staged).select("source", "locator", "stage", "reason").row(0) == expected
        assert staged.record.records_total == staged.record.records_rejected == 1


def test_a_reader_crash_is_caught_as_a_reject(tmp_path: Path, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(stages, "read_report", boom)
    staged = stages.stage_file(_file(tmp_path, "r.md", b"# text"), tmp_path / "staging", GEO_ROOT)
    rejects = _rejects(staged)
    assert rejects["reason"].to_list() == ["reader_error"]
    assert "parser exploded" in rejects["detail"][0]


def test_a_transient_io_error_is_raised_for_a_retry_when_asked(tmp_path: Path, monkeypatch):
    def flaky(*_a, **_k):
        raise OSError("stale file handle")

    monkeypatch.setattr(stages, "read_report", flaky)
    f = _file(tmp_path, "r.md", b"# text")
    with pytest.raises(OSError):
        stages.stage_file(f, tmp_path / "staging", GEO_ROOT, reraise=lambda e: isinstance(e, OSError))
    assert _rejects(stages.stage_file(f, tmp_path / "staging", GEO_ROOT))["reason"].to_list() == ["reader_error"]


def test_rows_a_reader_lost_become_rejects():
    mentions = pl.DataFrame({"row_number": [1]}, schema={"row_number": pl.Int64})
    rejects = pl.DataFrame({"locator": ["row:2"]})
    loaded, lost = stages.unaccounted_rows("d.csv", 1, 4, mentions, rejects)
    assert loaded == 1
    assert lost["locator"].to_list() == ["row:3", "row:4"] and set(lost["reason"]) == {"no_event"}


@pytest.mark.parametrize("name", ["acled_kz.csv", "gdelt_kz.export.CSV", "mass_mobilization_kz.csv"])
def test_a_dataset_streamed_in_small_batches_gives_what_a_whole_read_gives(tmp_path: Path, name: str):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURES / name, inbox / name)
    f = discover(inbox)[0]
    staged = stages.stage_file(f, tmp_path / "staging", GEO_ROOT, batch_rows=3)
    whole = read_dataset(f.path, f.relpath, f.sha256)
    assert len(staged.mention_files) > 1                       # it was streamed
    assert staged.record.records_total == whole.records_total
    assert staged.record.records_loaded + staged.record.records_rejected == whole.records_total
    streamed = _mentions(staged)
    assert sorted(streamed["mention_id"]) == sorted(whole.mentions["mention_id"])
    assert sorted(_rejects(staged)["locator"]) == sorted(whole.rejects["locator"])


def test_the_writer_stores_staged_files_and_a_repeated_dataset_id_is_numbered_on(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    text = (FIXTURES / "acled_kz.csv").read_bytes().splitlines()
    header, first = text[0], text[1]
    (inbox / "twice.csv").write_bytes(b"\n".join([header, first, *text[2:], first]) + b"\n")
    f = discover(inbox)[0]
    staged = stages.stage_file(f, tmp_path / "staging", GEO_ROOT, batch_rows=3)   # the repeat is in another batch
    db = tmp_path / "e.duckdb"
    stages.commit_sources(db, [staged])
    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT mention_id FROM mentions").fetchall()]
        assert len(ids) == len(set(ids)) == staged.mentions
        whole = read_dataset(f.path, f.relpath, f.sha256)
        assert staged.mentions == whole.mentions.height
        total = whole.records_total
        assert con.execute("SELECT records_total, records_loaded + records_rejected FROM sources").fetchone() == (
            total, total)
        # no events yet: the next dedupe rebuilds everything, so nothing is listed for it
        assert con.execute("SELECT count(*) FROM dedupe_pending").fetchone()[0] == 0


def test_reference_tables_are_loaded_once_per_version_of_the_packs(tmp_path: Path):
    db = tmp_path / "e.duckdb"
    assert stages.store_reference(db, GEO_ROOT) is True
    assert stages.store_reference(db, GEO_ROOT) is False
    with store.connect(db) as con:
        assert store.table_counts(con)["regions"] > 0


def test_a_run_without_changes_is_recorded_and_not_published_again(tmp_path: Path):
    from flows.config import load_settings

    db, maps = tmp_path / "e.duckdb", tmp_path / "maps"
    with store.connect(db) as con:
        store.store_source(con, store.SourceRecord(path="r.txt", sha256="s", format="txt", size_bytes=1),
                           _one_mention(), pl.DataFrame(schema={"source": pl.Utf8, "locator": pl.Utf8,
                                                                "stage": pl.Utf8, "reason": pl.Utf8,
                                                                "detail": pl.Utf8, "raw": pl.Utf8}))
    assert stages.dedupe_events(db).mode == "full"
    assert stages.dedupe_events(db).mode == "none"
    first = stages.publish_maps(db, maps, load_settings())
    assert first.written
    again = stages.publish_maps(db, maps, load_settings())
    assert again.written == [] and again.notes == first.notes


def _one_mention() -> pl.DataFrame:
    from flows.normalize import normalize

    valid, _ = normalize(pl.DataFrame([dict(
        source="r.txt", source_kind="report", event_type="protest", subtype="peaceful_protest",
        date_start=date(2020, 1, 1), date_precision="day", country="KZ", extractor="t", confidence=0.9,
        char_start=0, char_end=5, quote="x" * 5, location_text="Almaty")]))
    return valid


def test_the_maps_drawn_from_the_published_columns_equal_those_drawn_from_all(tmp_path: Path):
    from flows.config import load_settings
    from flows.model import EVENT_SCHEMA
    from flows.publish import publish
    from flows.publish.eventdata import PUBLISH_COLUMNS

    events = pl.read_csv(Path(__file__).parent / "fixtures" / "publish" / "events.csv", try_parse_dates=True)
    others = [c for c in EVENT_SCHEMA if c not in events.columns and c not in PUBLISH_COLUMNS]
    filled = events.with_columns([pl.lit("x" if EVENT_SCHEMA[c] == pl.Utf8 else 1).cast(EVENT_SCHEMA[c]).alias(c)
                                  for c in others if EVENT_SCHEMA[c] != pl.Date])
    settings = load_settings()
    publish(filled, tmp_path / "all", settings, settings.geo_root)
    publish(events.select([c for c in PUBLISH_COLUMNS if c in events.columns]), tmp_path / "some", settings,
            settings.geo_root)
    pages = sorted(p.name for p in (tmp_path / "all").iterdir())
    assert pages and pages == sorted(p.name for p in (tmp_path / "some").iterdir())
    for name in pages:
        assert (tmp_path / "all" / name).read_bytes() == (tmp_path / "some" / name).read_bytes(), name


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True) if frame.height else frame


def test_reports_geocoded_together_in_the_flow_give_what_each_gives_alone(tmp_path: Path):
    """A worker only extracts; the flow's process normalizes and geocodes the reports of a task at once
    (finish_extracted). The mentions, rejects and counts are those of each report read on its own."""
    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for report in sorted(samples.glob("*.txt")):
        shutil.copy(report, inbox / report.name)
    (inbox / "empty-of-events.txt").write_text("A note on the weather. It rained.\n")
    files = discover(inbox)
    alone = {f.relpath: stages.stage_file(f, tmp_path / "alone", GEO_ROOT) for f in files}
    deferred = [stages.stage_file(f, tmp_path / "flow", GEO_ROOT, geocode_reports=False) for f in files]
    assert all(s.pending and not s.mention_files for s in deferred)
    stages.finish_extracted(deferred, GEO_ROOT)
    assert sum(s.mentions for s in deferred) > 10
    for s in deferred:
        a = alone[s.record.path]
        assert not s.pending and not s.extracted_files
        assert (s.record, s.mentions, s.rejects, s.unresolved_places) == (a.record, a.mentions, a.rejects,
                                                                         a.unresolved_places)
        if a.mention_files:
            assert _sorted(_mentions(s)).equals(_sorted(_mentions(a)))
        assert _sorted(_rejects(s)).equals(_sorted(_rejects(a)))


def test_a_geocoding_failure_in_the_flow_fails_those_reports_only(tmp_path: Path, monkeypatch):
    f = _file(tmp_path, "r.txt", b"On 5 May 2022 police detained 12 protesters at a rally in Almaty, Kazakhstan.")
    staged = stages.stage_file(f, tmp_path / "staging", GEO_ROOT, geocode_reports=False)

    def boom(*_a, **_k):
        raise RuntimeError("gazetteer exploded")

    monkeypatch.setattr(stages, "_normalize_geocode", boom)
    stages.finish_extracted([staged], GEO_ROOT)
    assert staged.mention_files == [] and not staged.pending
    assert _rejects(staged)["reason"].to_list() == ["reader_error"]
    assert staged.record.records_total == staged.record.records_rejected == 1
