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
