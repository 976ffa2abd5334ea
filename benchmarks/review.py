"""Review desk benchmark: how quickly the desk answers over a large database, and what a run's import of the
decisions costs.

    .venv/bin/python benchmarks/review.py [--rows 100000] [--decisions 1000] [--seed 11]

N ACLED-format rows (benchmarks/datasets.py's generator, file cached in benchmarks/out/) are ingested, geocoded,
stored and deduplicated into a fresh database; then the desk is timed as an analyst uses it: start (one
read-only read of the database), the first page of the queue, one mention with its source context, a decision
(a journal write), the queue again after the decision (the journal's decisions applied to every mention), an
undo; and a run's import of `--decisions` decisions into `overrides` plus the dedupe that applies them.
Figures go in the "## Review desk" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.datasets import OUT, generate, peak_mb  # noqa: E402


def timed(label: str, fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    print(f"{label:>44}: {statistics.median(times) * 1000:8.1f} ms" + (f" (median of {repeat})" if repeat > 1 else ""))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--decisions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    from flows import stages, store
    from flows.geocode import geocode_mentions
    from flows.ingest.datasets import read_dataset
    from flows.review.desk import Desk
    from flows.review.journal import Change, Journal, journal_path

    path = OUT / f"acled_kz_{args.rows}_{args.seed}.csv"
    if not path.exists():
        generate(path, args.rows, args.seed, "KZ")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "events.duckdb"
        res = read_dataset(path, "inbox/" + path.name, "benchmark")
        with store.connect(db) as con:
            store.store_source(con, store.SourceRecord("inbox/" + path.name, "benchmark", "acled", 0,
                                                       res.records_total), geocode_mentions(res.mentions),
                               res.rejects.head(0))
        stages.dedupe_all(db)
        print(f"database: {res.mentions.height:,} mentions")
        desk = timed("desk start (read the database)", lambda: Desk(db, "bench"))
        queue = timed("queue, first page (view built)", lambda: desk.queue({}))
        timed("queue again (view cached)", lambda: desk.queue({}), repeat=5)
        first = queue["items"][0]["id"]
        timed("one mention with context and candidates", lambda: desk.mention(first), repeat=5)
        items = queue["items"]
        timed("a decision (journal write)", lambda: desk.decide(items.pop()["id"], 0, "confirm"), repeat=20)
        timed("queue after a decision (view rebuilt)", lambda: desk.queue({}))
        timed("queue filtered by type and region", lambda: desk.queue({"event_type": "detention",
                                                                       "region": "KZ-75"}), repeat=5)
        journal = Journal(journal_path(db))
        ids = desk.view()["mention_id"].head(args.decisions).to_list()
        versions = journal.versions()
        for n, mid in enumerate(ids):
            journal.record(mid, versions.get(mid, 0), [Change("set", "participants_high", "500")] if n % 3 == 0 else
                           [Change("confirm")], "bench")
        print(f"journal: {journal.last_seq():,} rows")
        timed(f"run: import {args.decisions:,} decisions + dedupe", lambda: stages.dedupe_all(db))
        timed("run: dedupe without decisions", lambda: stages.dedupe_all(Path(_no_journal(db, tmp))))
        print(f"peak RSS {peak_mb():,.0f} MB")


def _no_journal(db: Path, tmp: str) -> Path:
    """A copy of the database without the journal beside it (and without imported decisions)."""
    import shutil

    import duckdb

    copy = Path(tmp) / "plain" / "events.duckdb"
    if not copy.exists():
        copy.parent.mkdir()
        shutil.copy(db, copy)
        with duckdb.connect(str(copy)) as con:
            con.execute("DELETE FROM overrides")
    return copy


if __name__ == "__main__":
    main()
