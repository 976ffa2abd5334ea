"""The geocoder against a table of place/date pairs written from public facts (not from the gazetteer),
and every spelling of every gazetteer town of 10,000+ people."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from flows.geocode import geocode_places, load_gazetteer
from flows.geocode.names import fold_expr, fold_text, parse_expr

TRUTH = Path(__file__).parent / "fixtures" / "geocode" / "kz_places_truth.csv"
EXPECTED = ["admin1_iso", "admin1_iso_at_event", "geo_precision"]


def _truth() -> pl.DataFrame:
    return pl.read_csv(TRUTH, infer_schema_length=0).with_columns(pl.col("date").str.to_date())


@pytest.fixture(scope="module")
def truth_results() -> pl.DataFrame:
    truth = _truth()
    got = geocode_places(truth["query"].to_list(), truth["date"].to_list())
    return truth.hstack(got.select(pl.col(c).alias("got_" + c) for c in ["place_name", *EXPECTED]))


def test_truth_table_is_big_enough():
    truth = _truth()
    assert truth.height >= 60
    assert truth.filter(pl.col("date") < pl.date(2018, 6, 19)).height >= 20      # 2016 division
    assert truth.filter(pl.col("date") >= pl.date(2022, 6, 8)).height >= 10      # current division


@pytest.mark.parametrize("i", range(_truth().height))
def test_truth_row(truth_results: pl.DataFrame, i: int):
    row = truth_results.row(i, named=True)
    got = {c: row["got_" + c] for c in EXPECTED}
    want = {c: row[c] for c in EXPECTED}
    assert got == want, f"{row['query']} on {row['date']} ({row['fact']}): got place {row['got_place_name']}"


def test_every_spelling_of_towns_over_10000():
    """Each name of each town of 10,000+ people gives that town, unless another place or region shares the
    name (then the rules of disambiguation decide) or the pack drops the name as misleading."""
    g = load_gazetteer("KZ")
    raw = pl.read_csv(g.pack.places, infer_schema_length=0).with_columns(pl.col("population").cast(pl.Int64))
    names = [pl.col("name")] + [pl.col(c).fill_null("").str.split("|") for c in ("alt_names", "extra_aliases")]
    spellings = (
        raw.filter(pl.col("population") >= 10_000)
        .select(pl.concat_str([pl.lit("p:"), pl.col("geonameid")]).alias("cand_id"), "name",
                pl.concat_list(names).alias("query"))
        .explode("query", empty_as_null=False).filter(pl.col("query") != "")
        .unique(["cand_id", "query"]).sort("cand_id", "query")
        .with_columns(parse_expr(fold_expr(pl.col("query")), g.words)["key"].alias("key"))
    )
    dropped = {fold_text(n) for n in g.pack.spec.drop_alt_names}
    spellings = spellings.filter(~fold_expr(pl.col("query")).is_in(list(dropped)))
    got = geocode_places(spellings["query"].to_list(), country="KZ")
    checked = spellings.hstack(got.select(pl.col("place_name").alias("got")))
    # Names that point at exactly one candidate must come back as that place.
    owners = g.names.group_by("key").agg(pl.col("cand_id").n_unique().alias("n"))
    unique_keys = owners.filter(pl.col("n") == 1)["key"].implode()
    must = checked.filter(pl.col("key").is_in(unique_keys))
    wrong = must.filter(pl.col("got") != pl.col("name"))
    assert must.height > 800
    assert wrong.is_empty(), wrong.to_dicts()[:10]
    # Shared names still resolve to a place or a region of the country, never to nothing.
    assert checked.filter(pl.col("got").is_null()).is_empty()
