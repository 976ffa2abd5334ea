"""Regions right on an inbox of dataset files, against a truth table (file, row_number, admin1_iso[, kind]).

    .venv/bin/python benchmarks/geo_inbox.py [INBOX] [--truth TRUTH.csv] [--maps DIR]

Defaults to the team's test inbox (tests/fixtures/world_inbox: ACLED rows with coordinates and admin1 names,
GDELT rows with coordinates and FIPS ADM1 codes, a log with only region names, a log with only towns and
countries). Every file is read as `eventflow run` reads it, geocoded in one call, and compared with the truth;
with --maps, the pages are published and each country with records must have its map. The same command
scores a held-out inbox: give its folder and truth file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.geocode import geocode_mentions  # noqa: E402
from flows.ingest.datasets import read_dataset  # noqa: E402

DEFAULT_INBOX = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "world_inbox"


def geocoded_inbox(inbox: Path) -> pl.DataFrame:
    """Every dataset file of the inbox read and geocoded; column `file` names the file."""
    frames = []
    for path in sorted(inbox.iterdir()):
        if path.name in ("truth.csv", "README.md") or path.name.endswith((".yaml", ".yml")):
            continue
        res = read_dataset(path, path.name, "sha")
        frames.append(res.mentions.with_columns(pl.lit(path.name).alias("file")))
    mentions = pl.concat(frames, how="diagonal_relaxed")
    return geocode_mentions(mentions.drop("file")).with_columns(mentions["file"])


def score(inbox: Path, truth_file: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(per-record comparison, summary by kind of record)."""
    truth = pl.read_csv(truth_file, infer_schema_length=0).with_columns(pl.col("row_number").cast(pl.Int64))
    if "kind" not in truth.columns:
        truth = truth.with_columns(pl.lit("all").alias("kind"))
    got = geocoded_inbox(inbox).select("file", "row_number", "country", "place_name",
                                       pl.col("admin1_iso").alias("got"))
    rows = truth.join(got, on=["file", "row_number"], how="left").with_columns(
        (pl.col("got") == pl.col("admin1_iso")).fill_null(False).alias("right"))
    summary = rows.group_by("kind").agg(pl.len().alias("records"), pl.col("right").sum().alias("right"),
                                        pl.col("right").mean().alias("share")).sort("kind")
    total = pl.DataFrame({"kind": ["all"], "records": [rows.height], "right": [int(rows["right"].sum())],
                          "share": [float(rows["right"].mean())]})
    return rows, pl.concat([summary, total], how="vertical_relaxed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inbox", nargs="?", type=Path, default=DEFAULT_INBOX)
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--maps", type=Path, default=None)
    args = parser.parse_args()
    rows, summary = score(args.inbox, args.truth or args.inbox / "truth.csv")
    countries = sorted(rows["admin1_iso"].str.slice(0, 2).unique().to_list())
    print(f"{rows.height} records in {len(countries)} countries: {', '.join(countries)}")
    with pl.Config(tbl_rows=20):
        print(summary)
        wrong = rows.filter(~pl.col("right"))
        if wrong.height:
            print(wrong.select("file", "row_number", "kind", "admin1_iso", "got", "place_name"))
    if args.maps:
        from flows.config import Settings
        from flows.publish import publish

        events = geocoded_inbox(args.inbox).with_columns(pl.col("mention_id").alias("event_id"))
        publish(events, args.maps, Settings())
        missing = [c for c in countries if not (args.maps / f"country_{c.lower()}.html").is_file()]
        print(f"maps in {args.maps}: {'every country has its map' if not missing else f'missing for {missing}'}")


if __name__ == "__main__":
    main()
