"""Structured datasets benchmark: N ACLED-format rows (default 1,000,000) read, geocoded and deduplicated.

    .venv/bin/python benchmarks/datasets.py [--rows 1000000] [--seed 11] [--country KZ] [--duplicates 0.2]

The file is generated once into benchmarks/out/ (git-ignored) by a separate process, so the peak memory
measured here (resource.getrusage ru_maxrss of this process) is that of ingest + geocode + dedupe only.
Rows are spread over the places of the country pack (weighted by population), 2012-2023, all ACLED
(event_type, sub_event_type) pairs plus 5% out-of-scope rows, both event_date spellings, the three
time_precision and geo_precision codes, crowd-size tags and fatalities. The figures go in the
"## Structured datasets: ingest, geocode, dedupe" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.geo_packs import pack  # noqa: E402
from flows.ingest.datasets import read_dataset  # noqa: E402
from flows.ingest.datasets.spec import source_spec  # noqa: E402
from flows.model import typology  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
GROUPS = ["Students", "Labour Group", "Oil Workers", "Teachers", "Farmers", "Pensioners", "Journalists",
          "Women", "Opposition party supporters", "Miners", "Doctors", "Drivers", "Traders", "Residents"]
CROWDS = ["crowd size=no report", "crowd size=hundreds", "crowd size=dozens", "crowd size=around 50",
          "crowd size=between 100 and 200", "crowd size=thousands", "crowd size=large", ""]


def generate(path: Path, rows: int, seed: int, country: str, id_prefix: str = "BEN") -> None:
    """Write `rows` ACLED-format rows (31 columns) to path, vectorised; event ids are id_prefix + row index."""
    rng = np.random.default_rng(seed)
    spec = source_spec("acled")
    places = pl.read_csv(pack(country).places, infer_schema_length=0).select(
        "name", "admin1_name", pl.col("lat").cast(pl.Float64), pl.col("lon").cast(pl.Float64),
        pl.col("population").cast(pl.Float64).fill_null(1000.0))
    weights = places["population"].to_numpy() ** 0.5
    pick = rng.choice(places.height, size=rows, p=weights / weights.sum())
    pairs = [(et, st) for et, subs in typology()["acled"].items() for st in subs]
    pairs_idx = rng.integers(0, len(pairs), size=rows)
    out_of_scope = rng.random(rows) < 0.05
    days = rng.integers(0, 12 * 365, size=rows)
    dates = pl.Series(np.datetime64("2012-01-01") + days.astype("timedelta64[D]")).cast(pl.Date)
    long_form = rng.random(rows) < 0.5
    name = pycountry.countries.get(alpha_2=country).name
    numeric = pycountry.countries.get(alpha_2=country).numeric
    df = pl.DataFrame({
        "event_id_cnty": pl.Series([f"{id_prefix}{i}" for i in range(rows)]),
        "_date": dates,
        "time_precision": pl.Series(rng.choice(["1", "2", "3"], size=rows, p=[0.85, 0.1, 0.05])),
        "event_type": pl.Series([pairs[i][0] for i in range(len(pairs))])[pairs_idx],
        "sub_event_type": pl.Series([pairs[i][1] for i in range(len(pairs))])[pairs_idx],
        "_group": pl.Series(GROUPS)[rng.integers(0, len(GROUPS), size=rows)],
        "_place": pick,
        "geo_precision": pl.Series(rng.choice(["1", "2", "3"], size=rows, p=[0.8, 0.15, 0.05])),
        "fatalities": pl.Series(rng.choice([0, 0, 0, 0, 1, 2, 5], size=rows)).cast(pl.Utf8),
        "tags": pl.Series(CROWDS)[rng.integers(0, len(CROWDS), size=rows)],
        "_oos": out_of_scope, "_long": long_form,
    })
    p = places.with_row_index("_place").with_columns(pl.col("_place").cast(pl.Int64))
    df = df.with_columns(pl.col("_place").cast(pl.Int64)).join(p, on="_place", how="left", maintain_order="left")
    df = df.with_columns(
        pl.when("_oos").then(pl.lit("Strategic developments")).otherwise("event_type").alias("event_type"),
        pl.when("_oos").then(pl.lit("Agreement")).otherwise("sub_event_type").alias("sub_event_type"),
        pl.when("_long").then(pl.col("_date").dt.strftime("%d %B %Y")).otherwise(pl.col("_date").cast(pl.Utf8))
        .alias("event_date"),
    ).select(
        "event_id_cnty", "event_date", pl.col("_date").dt.year().cast(pl.Utf8).alias("year"), "time_precision",
        pl.lit("Demonstrations").alias("disorder_type"), "event_type", "sub_event_type",
        pl.format("Protesters ({})", pl.lit(name)).alias("actor1"),
        pl.format("{} ({})", "_group", pl.lit(name)).alias("assoc_actor_1"), pl.lit("6").alias("inter1"),
        pl.lit("").alias("actor2"), pl.lit("").alias("assoc_actor_2"), pl.lit("0").alias("inter2"),
        pl.lit("60").alias("interaction"), pl.lit("").alias("civilian_targeting"), pl.lit(numeric).alias("iso"),
        pl.lit("Caucasus and Central Asia").alias("region"), pl.lit(name).alias("country"),
        pl.col("admin1_name").alias("admin1"), pl.lit("").alias("admin2"), pl.lit("").alias("admin3"),
        pl.col("name").alias("location"), pl.col("lat").round(4).cast(pl.Utf8).alias("latitude"),
        pl.col("lon").round(4).cast(pl.Utf8).alias("longitude"), "geo_precision",
        pl.lit("Benchmark source").alias("source"), pl.lit("National").alias("source_scale"),
        pl.format("On {}, {} gathered in {}.", "event_date", "_group", "name").alias("notes"),
        "fatalities", "tags", pl.lit("1700000000").alias("timestamp"),
    )
    assert df.columns == spec["columns"], "generated columns differ from the ACLED export"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(path)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--country", default="KZ")
    ap.add_argument("--duplicates", type=float, default=0.2,
                    help="share of events reported again by a second source in an extra dedupe run (0: skip)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    path = OUT / f"acled_{args.country.lower()}_{args.rows}_{args.seed}.csv"
    if args.generate_only:
        generate(path, args.rows, args.seed, args.country)
        return
    if not path.exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--seed", str(args.seed),
                        "--country", args.country, "--generate-only"], check=True)
        print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    from flows.dedupe import build_events

    base_mb = peak_mb()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    res = read_dataset(path, path.name, "benchmark")
    timings["ingest"] = time.perf_counter() - t0
    mentions = res.mentions
    try:
        from flows.geocode import geocode_mentions
    except ImportError as exc:
        print(f"flows.geocode not importable ({exc}): measuring ingest + dedupe only")
        geocode_mentions = None
    if geocode_mentions is not None:
        t = time.perf_counter()
        mentions = geocode_mentions(mentions)
        timings["geocode"] = time.perf_counter() - t
    t = time.perf_counter()
    events, links = build_events(mentions)
    timings["dedupe"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    print(f"rows {res.records_total:,}: loaded {res.records_loaded:,}, rejected {res.records_rejected:,} "
          f"({dict(res.rejects['reason'].value_counts().iter_rows())})")
    print(f"mentions {mentions.height:,} -> events {events.height:,} "
          f"(merged events: {events.filter(pl.col('n_mentions') > 1).height:,})")
    for stage, seconds in timings.items():
        print(f"{stage:>8}: {seconds:6.1f} s")
    print(f"   total: {total:6.1f} s; peak RSS {peak_mb():,.0f} MB (after imports: {base_mb:,.0f} MB)")
    if args.duplicates:
        dedupe_with_duplicates(mentions, args.duplicates, args.seed)


def dedupe_with_duplicates(mentions: pl.DataFrame, share: float, seed: int) -> None:
    """Dedupe again with a second source (GDELT-like: no actors, no counts) reporting `share` of the events,
    so that the cross-source matching path runs at scale; each copy should join its original."""
    from flows.dedupe import build_events

    copies = mentions.sample(fraction=share, seed=seed).with_columns(
        pl.lit("gdelt_benchmark.csv").alias("source"), pl.lit("gdelt").alias("source_kind"),
        ("m_dup" + pl.col("mention_id").str.slice(5)).alias("mention_id"),
        *[pl.lit(None, dtype=pl.Int64).alias(c) for c in ("participants_low", "participants_high",
                                                          "fatalities_low", "fatalities_high")],
        pl.lit(None, dtype=pl.Utf8).alias("actors"), pl.lit(0.5).alias("confidence"))
    both = pl.concat([mentions, copies])
    t = time.perf_counter()
    events, links = build_events(both)
    seconds = time.perf_counter() - t
    merged = events.filter(pl.col("n_sources") > 1).height
    print(f"dedupe with {copies.height:,} cross-source copies: {both.height:,} mentions -> {events.height:,} events "
          f"({merged:,} with 2 sources) in {seconds:.1f} s; peak RSS {peak_mb():,.0f} MB")


if __name__ == "__main__":
    main()
