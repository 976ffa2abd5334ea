"""The extractor on three report styles written for these tests: an annual-report chapter, a wire story with
a dateline, and a questionnaire with policy text (which must yield no event)."""

from datetime import date
from pathlib import Path

import polars as pl

from flows.extract import extract_file as _extract_file


def extract_file(path, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_file(path, extractor="rules", **kw)

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def _events(name: str) -> list[tuple]:
    df = extract_file(FIXTURES / name).sort("char_start", "event_type")
    return [(r["event_type"], r["subtype"], r["date_start"], r["date_end"]) for r in df.iter_rows(named=True)]


def test_questionnaire_and_policy_text_yield_no_event():
    assert _events("cso_questionnaire.md") == []


def test_annual_chapter_events_with_their_dates_and_counts():
    df = extract_file(FIXTURES / "annual_chapter.txt")
    assert _events("annual_chapter.txt") == [
        ("protest", "peaceful_protest", date(2022, 1, 1), date(2022, 1, 31)),
        ("protest", "riot", date(2022, 1, 5), date(2022, 1, 5)),
        ("detention", "mass_detention", date(2022, 1, 5), date(2022, 1, 15)),   # "in the days that followed" Jan 5
        ("trial", "conviction", date(2022, 3, 3), date(2022, 3, 3)),
        ("detention", "arrest", date(2022, 4, 1), date(2022, 4, 30)),
    ]
    riot = df.filter(pl.col("subtype") == "riot").row(0, named=True)
    assert riot["fatalities_low"] == 238             # "238 people, including 19 officers": a part is not added
    conviction = df.filter(pl.col("subtype") == "conviction").row(0, named=True)
    assert conviction["sentence_months"] == 72
    april = df.filter(pl.col("subtype") == "arrest").row(0, named=True)
    assert (april["detained_low"], april["detained_high"]) == (8, 8)


def test_wire_story_dates_weekdays_from_its_dateline():
    events = _events("wire_story.txt")
    assert ("protest", "riot", date(2022, 1, 5), date(2022, 1, 5)) in events      # "on Wednesday" before Jan 11
    assert ("detention", "arrest", date(2022, 1, 11), date(2022, 1, 11)) in events  # remanded "on Tuesday"
    assert not [e for e in events if e[0] == "protest" and e[2] == date(2022, 1, 11)]   # "last week's unrest"
    # "nearly 10,000" in the lead and "9,900" in the next paragraph are one mass detention
    assert [e[1] for e in events if e[0] == "detention"].count("mass_detention") == 1
