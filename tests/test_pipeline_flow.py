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
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("sources", "mentions", "events", "event_mentions", "rejects")}
    ids_before = con.execute("SELECT list(event_id ORDER BY event_id) FROM events").fetchone()[0]
    con.close()

    second = pipeline(str(mixed_inbox), str(db), str(maps))
    assert second["sources_unchanged"] == n_files and second["sources_new"] == 0
    assert second["files_written"] == []
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
