"""Geocoding benchmark: 1,000,000 place strings in many countries (distinct spellings from the world
gazetteer and the KZ pack, some misspelled, some unknown, some with coordinates from a structured source)
through geocode_mentions, each with its country as the event's context.

    .venv/bin/python benchmarks/geocode.py [--rows 1000000] [--seed 7] [--countries KZ,KG,...]

Prints the timings and the share of each kind of string resolved as expected; the figures go in the
"## Geocoding" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import polars as pl

from flows.geocode import geocode_mentions, load_gazetteer
from flows.geocode.gazetteer import read_places
from flows.model import MENTION_SCHEMA

# The test inbox's 25 countries and five more: the pack country KZ and world-layer countries of every size.
COUNTRIES = ("KZ,KG,UZ,TJ,TM,GE,AM,AZ,BY,RU,UA,MN,IR,TR,RS,CL,DE,US,BR,IN,MM,SD,NG,LB,IQ,FR,GB,MX,PK,EG")
PLACES_PER_COUNTRY = 400          # the most populous places of each country, every spelling of each

DECORATIONS = ["{}", "{}", "{}", "city of {}", "{} city", "in {}", "{} ", " {}", "the town of {}"]
UNKNOWN_SYLLABLES = ["ka", "zy", "ul", "mor", "tek", "bai", "sar", "ozen", "lyk", "tau", "bek", "qum", "vil", "pra"]
COUNTRY_LEVEL = ["nationwide", "across Kazakhstan", "various towns", "several cities", "throughout the country"]


def _misspell(word: str, rng: np.random.Generator) -> str:
    """One random edit (delete, swap or replace a letter) inside the word."""
    if len(word) < 6:
        return word
    i = int(rng.integers(1, len(word) - 2))
    kind = rng.integers(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + "aeiouy"[int(rng.integers(6))] + word[i + 1:]


def distinct_strings(rng: np.random.Generator, countries: list[str]) -> pl.DataFrame:
    """Distinct (string, country) pairs with what they should give: kind (known|misspelled|unknown|country) and
    the place."""
    rows = []
    for country in countries:
        raw = read_places(load_gazetteer(country).pack).with_columns(
            pl.col("population").cast(pl.Int64, strict=False).fill_null(0))
        top = raw.sort("population", descending=True).head(PLACES_PER_COUNTRY)
        names = (top.select("name", pl.concat_list(pl.col("name"), pl.col("alt_names").fill_null("").str.split("|"))
                            .alias("spelling"))
                 .explode("spelling", empty_as_null=False)
                 .filter((pl.col("spelling").str.len_chars() >= 4) & pl.col("spelling").str.contains(r"^\p{Latin}"))
                 .unique("spelling").sort("spelling"))
        for name, spelling in names.iter_rows():
            deco = DECORATIONS[int(rng.integers(len(DECORATIONS)))]
            text = deco.format(spelling)
            rows.append((text.upper() if rng.random() < 0.1 else text, country, "known", name))
            if spelling.isascii() and rng.random() < 0.3:
                rows.append((_misspell(spelling, rng), country, "misspelled", name))
        for _ in range(60):
            word = "".join(UNKNOWN_SYLLABLES[int(i)] for i in rng.integers(0, len(UNKNOWN_SYLLABLES), 3)).capitalize()
            rows.append((word + "ovka", country, "unknown", None))
        rows += [(text, country, "country", None) for text in COUNTRY_LEVEL if "Kazakhstan" not in text]
    frame = pl.DataFrame(rows, schema=["location_text", "country", "kind", "expected"], orient="row")
    return frame.unique(["location_text", "country"], keep="first", maintain_order=True)


def mention_batch(n: int, seed: int, countries: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    distinct = distinct_strings(rng, countries)
    weights = 1.0 / np.arange(1, distinct.height + 1) ** 0.8               # a few names are very common
    pick = rng.choice(distinct.height, size=n, p=weights / weights.sum())
    days = rng.integers(date(2005, 1, 1).toordinal(), date(2024, 12, 31).toordinal(), n)
    rows = distinct[pick]
    batch = pl.DataFrame({
        "location_text": rows["location_text"],
        "country": rows["country"],
        "date_start": [date.fromordinal(int(d)) for d in days],
    }, schema={"location_text": pl.Utf8, "country": pl.Utf8, "date_start": pl.Date})
    return batch.select(*(pl.col(c) if c in batch.columns else pl.lit(None, dtype=t).alias(c)
                          for c, t in MENTION_SCHEMA.items())), rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--countries", default=COUNTRIES)
    args = parser.parse_args()
    countries = args.countries.split(",")

    t0 = time.perf_counter()
    for country in countries:
        load_gazetteer(country)
    t_load = time.perf_counter() - t0
    batch, truth = mention_batch(args.rows, args.seed, countries)
    print(f"rows {batch.height:,}; countries {len(countries)}; distinct strings "
          f"{batch.select('location_text', 'country').n_unique():,}; "
          f"gazetteer load of {len(countries)} countries {t_load:.2f} s (once per process)")

    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = geocode_mentions(batch)
        runs.append(time.perf_counter() - t0)
    print("geocode_mentions, 3 runs: " + ", ".join(f"{t:.2f} s" for t in runs)
          + f" (first run {batch.height / runs[0]:,.0f} rows/s)")

    # With coordinates from a structured source (one fixed point per place, as ACLED gives): checked, kept.
    with_points = batch.with_columns(lat=out["lat"] + 0.01, lon=out["lon"] - 0.01,
                                     admin1_text=pl.lit("Capital Region"))
    t0 = time.perf_counter()
    geocode_mentions(with_points)
    t_points = time.perf_counter() - t0
    print(f"geocode_mentions with coordinates and a named region on every row: {t_points:.2f} s")

    res = truth.select("kind", "expected").hstack(out.select("place_name", "geo_precision", "geo_flag"))
    summary = res.group_by("kind").agg(
        pl.len().alias("rows"),
        (pl.col("geo_precision") != "country").mean().alias("resolved"),
        (pl.col("place_name") == pl.col("expected")).fill_null(False).mean().alias("expected_place"),
        ((pl.col("geo_precision") != "country") & (pl.col("place_name") != pl.col("expected")).fill_null(True))
        .mean().alias("other_place_or_region"),
        (pl.col("geo_flag") == "unresolved_place").fill_null(False).mean().alias("flagged_unresolved"),
    ).sort("kind")
    with pl.Config(tbl_rows=10, tbl_width_chars=120):
        print(summary)


if __name__ == "__main__":
    main()
