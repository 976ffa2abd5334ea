"""Report extraction over one and two local worker processes: 40 real reports, the same run twice.

    .venv/bin/python benchmarks/extract_workers.py [--reports 40] [--workers 1,2]

The reports are taken from ../shared/corpus/raw, every k-th file of the sorted list so that sizes and styles mix,
and copied into a temporary inbox outside the project for the run (a run refuses links that leave its inbox),
removed afterwards. Each setting is a fresh
`eventflow run --workers N` on a new database; the figure compared is the flow's read_seconds (reading,
extracting, normalizing and geocoding the files, mapped over the process pool, worker start-up included), and
the whole run's wall time is given too. The figures go in benchmarks/RESULTS.md ("Report extraction on
several workers").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = (ROOT / ".." / "shared" / "corpus" / "raw").resolve()
OUT = ROOT / "benchmarks" / "out" / "extract_workers"
EVENTFLOW = str(Path(sys.executable).with_name("eventflow"))


def inbox_of(n: int, folder: Path) -> Path:
    files = sorted(p for p in CORPUS.glob("*.txt"))
    step = max(len(files) // n, 1)
    chosen = files[::step][:n]
    inbox = folder / "inbox"
    inbox.mkdir(parents=True)
    for f in chosen:
        shutil.copy(f, inbox / f.name)
    print(f"{len(chosen)} reports, {sum(f.stat().st_size for f in chosen) / 1e3:,.0f} KB, from {CORPUS}")
    return inbox


def run(inbox: Path, workers: int) -> dict:
    work = OUT / f"w{workers}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "PREFECT_HOME": str(ROOT / "benchmarks" / "out" / "prefect-home"),
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    started = time.perf_counter()
    out = subprocess.run([EVENTFLOW, "run", "--inbox", str(inbox), "--db", str(work / "e.duckdb"), "--maps",
                          str(work / "maps"), "--workers", str(workers)], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    wall = time.perf_counter() - started
    if out.returncode:
        raise RuntimeError(out.stdout[-3000:] + out.stderr[-3000:])
    text = out.stdout + out.stderr
    summary = re.search(r"run summary: (\{.*\})", text).group(1)
    read = float(re.search(r"'read_seconds': ([\d.]+)", summary).group(1))
    tasks = float(re.search(r"'tasks_seconds': ([\d.]+)", summary).group(1))
    mentions = int(re.search(r"'mentions': (\d+)", summary).group(1))
    return {"workers": workers, "tasks_seconds": tasks, "read_seconds": read, "wall_s": round(wall, 1),
            "mentions": mentions}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=40)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="eventflow-extract-") as tmp:
        inbox = inbox_of(args.reports, Path(tmp))
        results = [run(inbox, int(w)) for w in args.workers.split(",")]
    base, base_read = results[0]["tasks_seconds"], results[0]["read_seconds"]
    print("| workers | extraction (s) | speed-up | read stage (s) | speed-up | whole run (s) | mentions |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['workers']} | {r['tasks_seconds']} | {base / r['tasks_seconds']:.2f}x | {r['read_seconds']} "
              f"| {base_read / r['read_seconds']:.2f}x | {r['wall_s']} | {r['mentions']} |")
    print(f"load average {os.getloadavg()}")
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
