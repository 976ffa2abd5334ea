"""Shared fixtures. The Prefect test harness starts once per session, and only for tests that ask for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import PROJECT_ROOT, SAMPLE_REPORT, SAMPLES, SHARED, make_geo_root  # noqa: F401


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox holding a copy of the sample report."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLE_REPORT, folder / SAMPLE_REPORT.name)
    return folder


# A small report for the review desk's tests: three mentions the extractor found, one sentence it missed
# (Zhanaozen), markup that must stay text, and a dataset row without text.
REVIEW_REPORT = (
    "Monitoring notes, January 2022.\n"
    "On 5 January 2022, police detained 40 protesters <script>window.__xss = 1</script> in Almaty.\n"
    "On 6 January 2022, about 2,000 people rallied in Aktau \"><img src=x onerror=\"window.__xss = 2\">.\n"
    "Oil workers in Zhanaozen laid down their tools on 3 March 2022 {{ 7*7 }}.\n"
    "On 11 January 2022, a court in Astana sentenced an activist to five years.\n"
)
REVIEW_PLACES = {"Almaty": (43.25, 76.91, "KZ-75"), "Aktau": (43.65, 51.16, "KZ-47"), "Astana": (51.13, 71.43, "KZ-71")}


@pytest.fixture
def review_text() -> str:
    """The text of the report in review_db."""
    return REVIEW_REPORT


@pytest.fixture
def review_db(tmp_path: Path) -> Path:
    """A database with the mentions of REVIEW_REPORT and one dataset row, deduplicated into events."""
    import polars as pl

    from flows import stages, store
    from flows.normalize import normalize
    from flows.rejects import empty_rejects

    def sentence(start_words: str, **fields) -> dict:
        start = REVIEW_REPORT.index(start_words)
        end = REVIEW_REPORT.index("\n", start)
        lat, lon, iso = REVIEW_PLACES[fields["location_text"]]
        return dict(source="inbox/notes.txt", source_sha256="sha-notes", source_kind="report",
                    quote=REVIEW_REPORT[start:end], char_start=start, char_end=end, extractor="test/1",
                    country="KZ", date_precision="day", place_name=fields["location_text"], lat=lat, lon=lon,
                    geo_precision="place", admin1_iso=iso, admin1_iso_at_event=iso, **fields)

    rows = [
        sentence("On 5 January", event_type="detention", subtype="mass_detention", date_start="2022-01-05",
                 location_text="Almaty", detained_low=40, detained_high=40, actors="police", targets="protesters",
                 confidence=0.85),
        sentence("On 6 January", event_type="protest", subtype="peaceful_protest", date_start="2022-01-06",
                 location_text="Aktau", participants_low=2000, participants_high=2000, confidence=0.6),
        sentence("On 11 January", event_type="trial", subtype="conviction", date_start="2022-01-11",
                 location_text="Astana", sentence_months=60.0, confidence=0.7),
    ]
    frame = pl.DataFrame(rows).with_columns(pl.col("date_start").str.to_date(), pl.col("date_start").str.to_date()
                                            .alias("date_end"))
    mentions, rejects = normalize(frame)
    assert rejects.is_empty(), rejects
    acled = pl.DataFrame([dict(source="inbox/acled.csv", source_kind="acled", source_event_id="KAZ1", row_number=1,
                               event_type="protest", subtype="peaceful_protest", date_start="2022-01-06",
                               date_precision="day", country="KZ", location_text="Aktau", place_name="Aktau",
                               lat=43.65, lon=51.16, geo_precision="place", admin1_iso="KZ-47",
                               participants_low=1500, participants_high=1500, quote="Gas price protest",
                               extractor="acled", confidence=0.9)])
    acled, _ = normalize(acled.with_columns(pl.col("date_start").str.to_date()))
    db = tmp_path / "events.duckdb"
    with store.connect(db) as con:
        report = store.SourceRecord("inbox/notes.txt", "sha-notes", "txt", len(REVIEW_REPORT), text=REVIEW_REPORT,
                                    title="Monitoring notes")
        store.store_source(con, report, mentions, empty_rejects())
        store.store_source(con, store.SourceRecord("inbox/acled.csv", "sha-acled", "acled", 10, 1, 1), acled,
                           empty_rejects())
    stages.dedupe_all(db)
    return db
