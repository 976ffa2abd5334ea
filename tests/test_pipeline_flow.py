"""One real run of the Prefect flow (under prefect_test_harness), twice, over a real report and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def mixed_inbox(inbox: Path) -> Path:
    """The sample report, an unreadable file, a scanned-looking PDF and a file of unknown format."""
    (inbox / "broken.txt").write_bytes(b"\xfa\xfb\xfc not utf-8 at all")
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.4 truncated")
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 zip")
    shutil.copy(inbox / "freedomhouse-nit2017-kazakhstan.txt", inbox / "zz-copy.txt")   # one report, two names
    for extra in sorted((FIXTURES / "inbox").glob("*")) if (FIXTURES / "inbox").is_dir() else []:
        shutil.copy(extra, inbox / extra.name)
    return inbox


def test_pipeline_runs_end_to_end_and_is_idempotent(prefect_harness, mixed_inbox: Path, tmp_path: Path):
    from flows.pipeline import pipeline

    db, maps = tmp_path / "events.duckdb", tmp_path / "maps"
    first = pipeline(str(mixed_inbox), str(db), str(maps))
    n_files = len([p for p in mixed_inbox.iterdir()])
    assert first["sources_new"] == n_files - 1
    assert first["events"] > 10
    assert (maps / "index.html").is_file() and (maps / "timeline.html").is_file()
    assert (maps / "country_kz.html").is_file()

    con = duckdb.connect(str(db), read_only=True)
    # every event keeps a quote that its offsets reproduce from the stored source text
    bad_quotes = con.execute("""
        SELECT count(*) FROM events e JOIN sources s ON s.path = e.source
        WHERE s.text IS NOT NULL AND substr(s.text, e.char_start + 1, e.char_end - e.char_start) <> e.quote
    """).fetchone()[0]
    report_events = con.execute("SELECT count(*) FROM events WHERE source_kind = 'report'").fetchone()[0]
    assert report_events > 10 and bad_quotes == 0
    # the files that could not be read are in rejects with their reasons, and the run went on
    reasons = dict(con.execute("SELECT source, reason FROM rejects WHERE locator = 'file'").fetchall())
    assert reasons == {"inbox/broken.txt": "bad_encoding", "inbox/scan.pdf": "unreadable_pdf",
                       "inbox/notes.docx": "unknown_format", "inbox/zz-copy.txt": "duplicate_file"}
    assert first["sources_duplicate"] == 1
    # events abroad (the report's French court rulings) are stored and mapped from the world layer
    assert con.execute("SELECT count(*) FROM events WHERE country = 'FR'").fetchone()[0] > 0
    assert (maps / "country_fr.html").is_file() and (maps / "world.html").is_file()
    assert con.execute("SELECT count(*) FROM mentions WHERE source = 'inbox/zz-copy.txt'").fetchone()[0] == 0
    # every event has its regions filled where it has a place
    unfilled = con.execute("SELECT count(*) FROM events WHERE geo_precision IS NULL").fetchone()[0]
    assert unfilled == 0
    _check_prefect_records()
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("sources", "mentions", "events", "event_mentions", "rejects")}
    ids_before = con.execute("SELECT list(event_id ORDER BY event_id) FROM events").fetchone()[0]
    con.close()

    second = pipeline(str(mixed_inbox), str(db), str(maps))
    assert second["sources_unchanged"] == n_files and second["sources_new"] == 0
    assert second["files_written"] == [] and second["dedupe"] == "none"
    con = duckdb.connect(str(db), read_only=True)
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before
    assert con.execute("SELECT list(event_id ORDER BY event_id) FROM events").fetchone()[0] == ids_before
    con.close()


def test_embedded_samples_give_maps_of_several_countries(prefect_harness, tmp_path: Path):
    """`make run` on data/samples (the team's own texts and files) draws world and country maps."""
    from support import SAMPLES

    from flows.pipeline import pipeline

    summary = pipeline(str(SAMPLES), str(tmp_path / "e.duckdb"), str(tmp_path / "maps"))
    assert summary["rejects"] == 0 and summary["notes"] == []
    countries = {p.stem.split("_")[1] for p in (tmp_path / "maps").glob("country_*.html")}
    assert {"kz", "ge", "kg", "uz", "by", "ru", "am", "mn"} <= countries
    con = duckdb.connect(str(tmp_path / "e.duckdb"), read_only=True)
    placed = con.execute("SELECT count(*) FILTER (WHERE admin1_iso IS NOT NULL) / count(*) FROM events "
                         "WHERE source_kind <> 'report'").fetchone()[0]
    con.close()
    assert placed == 1.0                                   # every dataset record has its region


def _content(db: Path) -> dict:
    queries = {
        "sources": "SELECT path, sha256, format, records_total, records_loaded, records_rejected FROM sources",
        "mentions": "SELECT * FROM mentions", "events": "SELECT * FROM events",
        "event_mentions": "SELECT * FROM event_mentions",
        "rejects": "SELECT source, locator, stage, reason, detail, raw FROM rejects",
    }
    with duckdb.connect(str(db), read_only=True) as con:
        return {k: sorted(map(repr, con.execute(q).fetchall())) for k, q in queries.items()}


def test_a_dask_cluster_of_two_workers_gives_the_same_database(prefect_harness, mixed_inbox: Path, tmp_path: Path):
    """The files of a run mapped over a Dask LocalCluster (prefect-dask's DaskTaskRunner) give the database a
    plain run gives: workers write Parquet, the flow's process is the one writer."""
    from dask.distributed import LocalCluster

    from flows.pipeline import pipeline

    plain = pipeline(mixed_inbox, tmp_path / "plain.duckdb", tmp_path / "plain_maps", task_runner="thread")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = pipeline(mixed_inbox, tmp_path / "dask.duckdb", tmp_path / "dask_maps",
                           dask_address=cluster.scheduler_address)
    assert on_dask["sources_new"] == plain["sources_new"] > 3
    assert _content(tmp_path / "dask.duckdb") == _content(tmp_path / "plain.duckdb")
    assert not (tmp_path / "dask.duckdb.staging").exists() or not any((tmp_path / "dask.duckdb.staging").iterdir())


def _check_prefect_records() -> None:
    """Task runs are named after what they process, and the run and reject summaries are artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import TaskRunSort

    with get_client(sync_client=True) as client:
        names = {t.name for t in client.read_task_runs(limit=200, sort=TaskRunSort.EXPECTED_START_TIME_DESC)}
        artifacts = {}
        for key in ("eventflow-run-summary", "eventflow-rejects"):   # (the client's read_artifacts sends null
            found = client._client.post("/artifacts/filter", json={     # filters this server refuses)
                "artifacts": {"key": {"any_": [key]}}, "limit": 1, "offset": 0, "sort": "UPDATED_DESC"}).json()
            artifacts[key] = str(found[0]["data"]) if found else ""
    assert "extract: inbox/freedomhouse-nit2017-kazakhstan.txt" in names
    assert "read: inbox/acled_kz_sample.csv" in names
    assert "sources new" in artifacts["eventflow-run-summary"]
    assert "inbox/broken.txt" in artifacts["eventflow-rejects"] and "index.html" in artifacts["eventflow-rejects"]


def test_many_small_files_are_mapped_in_groups_of_about_equal_size(tmp_path: Path):
    from flows.ingest.discover import InboxFile
    from flows.pipeline import work_units

    files = [InboxFile(tmp_path / f"r{i:02d}.txt", f"inbox/r{i:02d}.txt", str(i), 1000 + i) for i in range(40)]
    assert work_units(files[:5], workers=2) == [[f] for f in files[:5]]          # few files: one task each
    units = work_units(files, workers=2)
    assert len(units) == 8 and sorted(f.relpath for u in units for f in u) == [f.relpath for f in files]
    sizes = [sum(f.size_bytes for f in u) for u in units]
    assert max(sizes) - min(sizes) <= 1100
