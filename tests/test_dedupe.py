"""Deduplication: the same occurrence from several sources becomes one event; different ones stay apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.dedupe import build_events
from flows.geocode import geocode_mentions
from flows.ingest.datasets import read_dataset
from flows.model import EVENT_SCHEMA, conform, with_mention_ids

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
FILES = ["acled_kz.csv", "gdelt_kz.export.CSV", "mass_mobilization_kz.csv"]


@pytest.fixture(scope="module")
def stored() -> pl.DataFrame:
    """The fixtures' mentions as the pipeline stores them: read, then geocoded."""
    parts = [read_dataset(FIXTURES / f, f, "sha-" + f).mentions for f in FILES]
    return geocode_mentions(pl.concat(parts))


def mention(stored: pl.DataFrame, source: str, row: int, event_type: str | None = None) -> str:
    rows = stored.filter((pl.col("source") == source) & (pl.col("row_number") == row))
    if event_type:
        rows = rows.filter(pl.col("event_type") == event_type)
    assert rows.height == 1
    return rows["mention_id"][0]


def event_of(links: pl.DataFrame, mention_id: str) -> str:
    return links.filter(pl.col("mention_id") == mention_id)["event_id"][0]


def test_output_shape(stored: pl.DataFrame) -> None:
    events, links = build_events(stored)
    assert events.schema == pl.Schema(EVENT_SCHEMA)
    assert links.columns == ["event_id", "mention_id", "is_representative", "merge_reason"]
    assert sorted(links["mention_id"]) == sorted(stored["mention_id"])         # every mention in one event
    assert links.group_by("event_id").agg(pl.col("is_representative").sum())["is_representative"].to_list() == [
        1] * events.height
    assert events["n_mentions"].sum() == stored.height
    assert links["merge_reason"].null_count() == 0


def test_acled_and_gdelt_same_protest_one_event(stored: pl.DataFrame) -> None:
    events, links = build_events(stored)
    acled = mention(stored, "acled_kz.csv", 2)                   # students, Almaty, 5 January 2022
    gdelt = [mention(stored, "gdelt_kz.export.CSV", r) for r in (1, 2)]   # two GDELT reports of it
    event_id = event_of(links, acled)
    assert {event_of(links, g) for g in gdelt} == {event_id}
    event = events.filter(pl.col("event_id") == event_id).row(0, named=True)
    assert (event["n_sources"], event["n_mentions"]) == (2, 3)
    assert event["source"] == "acled_kz.csv"                    # the curated row represents the event
    assert (event["participants_low"], event["participants_high"]) == (40, 60)
    assert event["admin1_iso"] == "KZ-75" and event["place_name"] == "Almaty"
    reason = links.filter(pl.col("mention_id") == gdelt[1])["merge_reason"][0]
    assert "same type protest" in reason and "2022-01-05" in reason and "Almaty (KZ-75)" in reason
    assert "student" in reason


def test_two_protests_same_day_same_town_stay_two(stored: pl.DataFrame) -> None:
    _, links = build_events(stored)
    oil = mention(stored, "acled_kz.csv", 1)
    students = mention(stored, "acled_kz.csv", 2)
    assert event_of(links, oil) != event_of(links, students)
    # each found its own GDELT report: workers with workers, students with students
    assert event_of(links, mention(stored, "gdelt_kz.export.CSV", 3)) == event_of(links, oil)
    # and the Mass Mobilization row about the oil workers joins the oil workers' event
    assert event_of(links, mention(stored, "mass_mobilization_kz.csv", 1, "protest")) == event_of(links, oil)


def test_implied_detention_stays_its_own_event(stored: pl.DataFrame) -> None:
    events, links = build_events(stored)
    protest = mention(stored, "mass_mobilization_kz.csv", 1, "protest")
    detention = mention(stored, "mass_mobilization_kz.csv", 1, "detention")
    assert event_of(links, protest) != event_of(links, detention)
    ev = events.filter(pl.col("event_id") == event_of(links, detention))
    assert ev["event_type"][0] == "detention" and ev["linked_mention_id"][0] == protest


def test_deterministic(stored: pl.DataFrame) -> None:
    first = build_events(stored)
    second = build_events(stored.sample(fraction=1.0, shuffle=True, seed=3))
    assert first[0].equals(second[0]) and first[1].equals(second[1])
    # the event id is derived from the smallest mention id of the cluster
    for event_id, ids in first[1].group_by("event_id").agg("mention_id").iter_rows():
        assert event_id == "e_" + min(ids).removeprefix("m_")


def make(rows: list[dict]) -> pl.DataFrame:
    """Hand-made mentions: a protest in Almaty on 2022-01-05 unless said otherwise."""
    base = {"source": "r.txt", "source_sha256": "s", "source_kind": "report", "event_type": "protest",
            "subtype": "peaceful_protest", "date_start": date(2022, 1, 5), "date_end": date(2022, 1, 5),
            "date_precision": "day", "place_name": "Almaty", "location_text": "Almaty", "geo_precision": "place",
            "admin1_iso": "KZ-75", "country": "KZ", "extractor": "test", "confidence": 0.8}
    frame = pl.DataFrame([{**base, "char_start": i * 100, **r} for i, r in enumerate(rows)])
    return with_mention_ids(conform(frame))


def groups(mentions: pl.DataFrame) -> list[set[int]]:
    """The events as sets of char_start (the hand-made mentions' index * 100)."""
    _, links = build_events(mentions)
    joined = links.join(mentions.select("mention_id", "char_start"), on="mention_id")
    return sorted(({int(x) // 100 for x in ids} for ids in joined.group_by("event_id").agg("char_start")["char_start"]),
                  key=min)


def test_counts_and_actors_decide() -> None:
    m = make([
        {"participants_low": 20, "participants_high": 20, "source": "a.txt"},
        {"participants_low": 2000, "participants_high": 3000, "source": "b.txt"},     # another crowd
        {"participants_low": 200, "participants_high": 999, "source": "c.txt", "actors": "Teachers"},
        {"participants_low": 300, "participants_high": 300, "source": "d.txt", "actors": "teachers; parents"},
        {"participants_low": 300, "participants_high": 300, "source": "e.txt", "actors": "Miners"},
    ])
    assert groups(m) == [{0}, {1, 2, 3}, {4}]
    events, _ = build_events(m)
    merged = events.filter(pl.col("n_mentions") == 3).row(0, named=True)
    assert (merged["participants_low"], merged["participants_high"]) == (2000, 3000)   # max lows, max highs
    assert merged["n_sources"] == 3


def test_dates_must_overlap_and_types_match() -> None:
    m = make([
        {"source": "a.txt"},
        {"source": "b.txt", "date_start": date(2022, 1, 6), "date_end": date(2022, 1, 6)},
        {"source": "c.txt", "date_start": date(2022, 1, 3), "date_end": date(2022, 1, 9), "date_precision": "week"},
        {"source": "d.txt", "event_type": "detention", "subtype": "arrest"},
    ])
    # the week-long mention overlaps both days, so it joins them into one occurrence; the detention stays
    assert groups(m) == [{0, 1, 2}, {3}]


def test_rows_of_one_dataset_file_never_merge() -> None:
    acled = {"source": "acled.csv", "source_kind": "acled"}
    gdelt = {"source": "gdelt.csv", "source_kind": "gdelt"}
    # a GDELT report that fits two ACLED rows of the same day and town cannot say which: it joins neither
    m = make([{**acled, "row_number": 1}, {**acled, "row_number": 2}, gdelt])
    assert groups(m) == [{0}, {1}, {2}]
    # a chain through near-duplicate reports that would join the two rows is not merged at all
    m = make([{**acled, "row_number": 1, "actors": "Students"}, {**acled, "row_number": 2, "actors": "Workers"},
              {**gdelt, "row_number": 1, "actors": "STUDENT"}, {**gdelt, "row_number": 2, "actors": "WORKER"},
              {**gdelt, "row_number": 3}])
    assert groups(m) == [{0}, {1}, {2}, {3}, {4}]
    _, links = build_events(m)
    assert links.filter(pl.col("merge_reason").str.contains("rows 1, 2 of acled.csv")).height == 5
    # without the bridging report, each ACLED row gets its own report
    assert groups(m.filter(pl.col("row_number") != 3)) == [{0, 2}, {1, 3}]


def test_region_level_mention_joins_only_an_unambiguous_event() -> None:
    region = {"place_name": "Almaty", "location_text": "Almaty", "geo_precision": "admin1"}
    one = make([{"source": "a.txt"}, {"source": "b.txt", **region, "admin1_text": "Almaty"}])
    assert groups(one) == [{0, 1}]
    two = make([{"source": "a.txt", "actors": "teachers"},
                {"source": "b.txt", "place_name": "Kaskelen", "location_text": "Kaskelen", "admin1_iso": "KZ-75",
                 "actors": "miners"},
                {"source": "c.txt", **region}])
    assert groups(two) == [{0}, {1}, {2}]
    _, links = build_events(two)
    assert links.filter(pl.col("merge_reason").str.contains("matches 2 events"))["mention_id"].len() == 1


def test_different_places_stay_apart() -> None:
    m = make([{"source": "a.txt"}, {"source": "b.txt", "place_name": "Astana", "location_text": "Astana",
                                   "admin1_iso": "KZ-71"}])
    assert groups(m) == [{0}, {1}]


def test_empty_input() -> None:
    events, links = build_events(conform(pl.DataFrame({"mention_id": []}, schema={"mention_id": pl.Utf8})))
    assert events.is_empty() and links.is_empty()


def test_one_sentence_two_types_stay_two_events() -> None:
    """A report sentence that gives a protest and the detentions at it: two mentions, same span, never merged."""
    span = {"char_start": 120, "char_end": 260, "source": "report.txt"}
    m = with_mention_ids(conform(make([{}, {}]).drop("mention_id").with_columns(
        pl.Series("event_type", ["protest", "detention"]), pl.Series("subtype", ["peaceful_protest", "arrest"]),
        pl.lit(span["char_start"]).alias("char_start"), pl.lit(span["char_end"]).alias("char_end"))))
    events, links = build_events(m)
    assert events.height == 2 and links["event_id"].n_unique() == 2
    assert set(events["event_type"]) == {"protest", "detention"}


def test_region_level_row_never_joins_an_event_holding_a_row_of_its_file() -> None:
    acled = {"source": "acled.csv", "source_kind": "acled"}
    m = make([{**acled, "row_number": 1}, {"source": "gdelt.csv", "source_kind": "gdelt"},
              {**acled, "row_number": 2, "geo_precision": "admin1"}])
    assert groups(m) == [{0, 1}, {2}]


def _report_mention(source: str, start: date, end: date, char_start: int, **extra) -> dict:
    return dict(source=source, source_sha256="sha-" + source, source_kind="report", event_type="trial",
                subtype="conviction", date_start=start, date_end=end,
                date_precision="day" if start == end else "month", country="KZ", geo_precision="country",
                extractor="t/1", confidence=0.8, char_start=char_start, char_end=char_start + 50, **extra)


def test_two_mentions_of_one_report_stay_two_events() -> None:
    may = (date(2016, 5, 1), date(2016, 5, 31))
    rows = [_report_mention("fh.txt", *may, 100, targets="Guzyal Baydalinova"),
            _report_mention("fh.txt", *may, 900, targets="a prison guard")]
    events, _ = build_events(with_mention_ids(conform(pl.DataFrame(rows))))
    assert events.height == 2


def test_country_level_mentions_merge_only_on_one_shared_day() -> None:
    may = (date(2016, 5, 1), date(2016, 5, 31))
    day = (date(2016, 5, 21), date(2016, 5, 21))
    month_level = [_report_mention("a.txt", *may, 10), _report_mention("b.txt", *may, 10)]
    day_level = [_report_mention("a.txt", *day, 500), _report_mention("b.txt", *day, 500)]
    events, _ = build_events(with_mention_ids(conform(pl.DataFrame(month_level))))
    assert events.height == 2                     # a month in one country: not evidence of one occurrence
    events, _ = build_events(with_mention_ids(conform(pl.DataFrame(day_level))))
    assert events.height == 1 and events["n_sources"][0] == 2
