"""Reliability benchmark (issue 9): what the audit's costly inputs cost now, and what sharing the database costs.

    .venv/bin/python benchmarks/reliability.py publish-span      # maps for events dated 0001 to 9999
    .venv/bin/python benchmarks/reliability.py big-report        # a 200 MB text report in the inbox
    .venv/bin/python benchmarks/reliability.py snapshot [--rows 1000000]   # publishing the analysts' snapshot

Each case runs in this process and prints wall time and peak RSS (resource.getrusage ru_maxrss); run one case
per process so that the peak belongs to it. Files go to benchmarks/out/ (git-ignored). The figures go in the
"## Reliability" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.config import Settings  # noqa: E402
from flows.publish import publish  # noqa: E402
from flows.shared_db import publish_snapshot, run_lock, working_path  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "reliability"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def publish_span() -> None:
    """The publish fixture's events plus one dated 0001-01-02 and one 9999-12-01 (what a database of an older
    version can still hold: new input outside the date window is refused before it is stored)."""
    events = pl.read_csv(ROOT / "tests" / "fixtures" / "publish" / "events.csv", infer_schema_length=0)
    def dated(day: str, event_id: str) -> pl.DataFrame:
        return events.head(1).with_columns(pl.lit(day).alias("date_start"), pl.lit(day).alias("date_end"),
                                           pl.lit(event_id).alias("event_id"))

    events = pl.concat([events, dated("0001-01-02", "e_far1"), dated("9999-12-01", "e_far2")])
    out = OUT / "maps"
    shutil.rmtree(out, ignore_errors=True)
    started = time.monotonic()
    result = publish(events, out, Settings())
    print(f"publish of {events.height} events dated 0001-01-02 to 9999-12-01 (119,988 months): "
          f"{time.monotonic() - started:.1f} s, peak RSS {peak_mb():,.0f} MB, {len(result.written)} files")


def big_report(mb: int = 200) -> None:
    """A report of `mb` MB of text in an inbox: discovered, hashed and refused (too_large) without being read."""
    from flows.ingest.discover import discover
    from flows.stages import extract_or_map

    inbox = OUT / "inbox_big"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    sentence = "On 5 May 2022, police detained 40 protesters in Almaty after a rally on Republic Square. "
    with (inbox / "huge.txt").open("w") as f:
        for _ in range(mb * 1_000_000 // len(sentence)):
            f.write(sentence)
    started = time.monotonic()
    (file,) = discover(inbox)
    batch = extract_or_map(file)
    print(f"{file.size_bytes / 1e6:,.0f} MB report: {batch.rejects['reason'][0]} in "
          f"{time.monotonic() - started:.1f} s (hashed, not read), peak RSS {peak_mb():,.0f} MB")


def snapshot(rows: int) -> None:
    """A working database with a mentions-like table of `rows` rows: the cost of publishing its snapshot, and
    of finding that nothing changed."""
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "snapshot.duckdb"
    for p in OUT.glob("snapshot*"):
        p.unlink()
    with duckdb.connect(str(working_path(db))) as con:
        con.execute(f"""CREATE TABLE mentions AS SELECT 'm_' || md5(i::VARCHAR)[:16] AS mention_id,
            'inbox/acled_' || (i % 20) || '.csv' AS source, DATE '2012-01-01' + (i % 4000)::INTEGER AS date_start,
            'Protesters gathered in front of the akimat of region ' || (i % 17) || ', case ' || md5(i::VARCHAR)
            || md5((i + 1)::VARCHAR) || md5((i + 2)::VARCHAR) AS quote, (i % 1000)::BIGINT AS participants_high,
            random() AS lat FROM range({rows}) t(i)""")
    size = working_path(db).stat().st_size / 1e6
    with run_lock(db, 10):
        started = time.monotonic()
        publish_snapshot(db)
        first = time.monotonic() - started
        started = time.monotonic()
        again = publish_snapshot(db)
        unchanged = time.monotonic() - started
    print(f"working database {size:,.0f} MB ({rows:,} rows): snapshot published in {first:.1f} s; "
          f"nothing changed: {'copied' if again else 'no copy'} in {unchanged:.2f} s; peak RSS {peak_mb():,.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("case", choices=["publish-span", "big-report", "snapshot"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    {"publish-span": publish_span, "big-report": big_report, "snapshot": lambda: snapshot(args.rows)}[args.case]()
