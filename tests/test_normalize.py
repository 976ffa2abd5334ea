"""Normalize: schema-derived validation with a reject row for every refused mention."""

from __future__ import annotations

from datetime import date

import jsonschema
import polars as pl

from flows.model import event_json_schema
from flows.normalize import normalize


def _mention(**over) -> dict:
    base = dict(source="r.txt", source_sha256="abc", source_kind="report", event_type="detention",
                subtype="arrest", date_start=date(2016, 5, 1), date_end=date(2016, 5, 31), date_precision="month",
                country="KZ", extractor="test/1", confidence=0.8, char_start=10, char_end=60,
                quote="In May, police detained five activists in Almaty.")
    base.update(over)
    return base


def test_valid_mentions_pass_and_match_the_json_schema():
    valid, rejects = normalize(pl.DataFrame([_mention(), _mention(char_start=70, char_end=90, date_end=None)]))
    assert rejects.height == 0
    assert valid.height == 2
    assert valid["date_end"][1] == date(2016, 5, 1)          # filled from date_start
    assert valid["geo_precision"].to_list() == ["country", "country"]
    assert valid["mention_id"].n_unique() == 2
    for row in valid.iter_rows(named=True):
        doc = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items() if v is not None}
        jsonschema.validate(doc, event_json_schema())


def test_each_broken_mention_gets_its_own_reason():
    rows = [
        _mention(event_type="riot"),
        _mention(subtype="strike"),
        _mention(date_start=date(2016, 6, 1), date_end=date(2016, 5, 1)),
        _mention(lat=95.0),
        _mention(detained_low=10, detained_high=5),
        _mention(country="Kazakhstan"),
        _mention(date_start=None),
        _mention(confidence=1.5),
    ]
    valid, rejects = normalize(pl.DataFrame(rows))
    assert valid.height == 0
    assert rejects["reason"].to_list() == [
        "bad_event_type", "bad_subtype", "bad_date_order", "bad_lat", "bad_detained_range",
        "bad_country", "missing_date_start", "bad_confidence",
    ]
    assert set(rejects["stage"]) == {"normalize"}
    assert rejects["locator"][0] == "char:10-60"
    assert '"event_type":"riot"' in rejects["raw"][0]


def test_normalize_is_deterministic():
    df = pl.DataFrame([_mention(), _mention(subtype="mass_detention")])
    first, _ = normalize(df)
    second, _ = normalize(df)
    assert first["mention_id"].to_list() == second["mention_id"].to_list()


def test_mention_ids_survive_edits_elsewhere_in_the_source():
    """Overrides are keyed by mention_id: a re-exported dataset or an edited report keeps the ids of the rows and
    sentences that did not change."""
    from flows.model import with_mention_ids

    rows = [dict(source="acled.csv", source_sha256="v1", source_kind="acled", source_event_id=f"KAZ{i}",
                 row_number=i, event_type="protest", subtype="peaceful_protest") for i in (1, 2, 3)]
    first = with_mention_ids(pl.DataFrame(rows).with_columns(pl.lit(None, pl.Utf8).alias("mention_id"),
                                                             pl.lit(None, pl.Utf8).alias("quote"),
                                                             pl.lit(None, pl.Int64).alias("char_start"),
                                                             pl.lit(None, pl.Utf8).alias("linked_mention_id")))
    edited = first.filter(pl.col("source_event_id") != "KAZ1").with_columns(
        pl.col("row_number") - 1, pl.lit("v2").alias("source_sha256"), pl.lit(None, pl.Utf8).alias("mention_id"))
    again = with_mention_ids(edited)
    assert again["mention_id"].to_list() == first["mention_id"].to_list()[1:]


def test_report_mention_ids_follow_the_sentence_and_number_repeats():
    from flows.model import with_mention_ids

    def frame(offset: int) -> pl.DataFrame:
        quotes = ["Police detained five activists in May.", "Police detained five activists in May.",
                  "A court jailed him in June."]
        return pl.DataFrame([dict(mention_id=None, source="r.txt", source_kind="report", source_event_id=None,
                                  row_number=None, quote=q, char_start=offset + 100 * i, event_type=t,
                                  subtype=st, linked_mention_id=None)
                             for i, (q, t, st) in enumerate(zip(quotes, ["detention", "detention", "trial"],
                                                                ["arrest", "arrest", "conviction"], strict=True))],
                            schema_overrides={"mention_id": pl.Utf8, "source_event_id": pl.Utf8,
                                              "row_number": pl.Int64, "linked_mention_id": pl.Utf8})

    before, after = with_mention_ids(frame(0)), with_mention_ids(frame(250))   # text inserted before them
    assert before["mention_id"].to_list() == after["mention_id"].to_list()
    assert before["mention_id"].n_unique() == 3                                  # the repeat gets its own id
