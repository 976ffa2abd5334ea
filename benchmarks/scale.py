"""Whole-run scale benchmark: `eventflow run` on an N-row ACLED export beside DuckDB's floor, in one session.

    .venv/bin/python benchmarks/scale.py [--rows 1000000] [--steps floor,warm,first,rerun,add100] [--api URL]
    .venv/bin/python benchmarks/scale.py --code /tmp/main   # the same on another tree (git archive main | tar -x)
    .venv/bin/python benchmarks/scale.py --own-server       # against a Prefect server that is already running

Steps (each a separate process timed with /usr/bin/time -v; peak RSS is that of the largest process, and the
sum over the run's process tree sampled every 0.2 s is given too):
  floor   DuckDB `CREATE TABLE AS SELECT * FROM read_csv(FILE)` into a new database file; polars read_csv
  warm    `eventflow run` on an empty inbox (the fixed cost of any run: imports, Prefect API, flow)
  first   `eventflow run` with the file alone in a new inbox and a new database
  rerun   the same again (inbox unchanged)
  add100  a 100-row ACLED file (new event ids) added to the inbox, run again
"Beyond flow start" is the flow's own duration: from Prefect's "Beginning flow run" line to the flow's
"Finished in state" line. Results are printed as a table and written to benchmarks/out/scale-N.json; the
figures go in the "Whole pipeline at scale" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable
EVENTFLOW = str(Path(PY).with_name("eventflow"))
STAMP = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) \| INFO")


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    """Run cmd under /usr/bin/time -v; wall, CPU, peak RSS (largest process) and sampled tree RSS."""
    proc = subprocess.Popen(["/usr/bin/time", "-v", *cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, **(env or {})}, cwd=cwd or ROOT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", out).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out).group(1))
    cpu = re.search(r"Percent of CPU this job got: (\d+)%", out).group(1)
    return {"wall_s": round(seconds, 2), "cpu_pct": int(cpu), "peak_rss_mb": round(rss_kb / 1024),
            "tree_rss_mb": round(peak[0] / 1e6), "output": out}


def flow_seconds(output: str) -> float | None:
    """From Prefect's 'Beginning flow run' line to the flow's 'Finished in state' line."""
    begin = end = None
    for line in output.splitlines():
        m = STAMP.match(line)
        if not m:
            continue
        if "Beginning flow run" in line:
            begin = m.group(1)
        elif "Flow run" in line and "Finished in state" in line:
            end = m.group(1)
    if not begin or not end:
        return None
    fmt = "%H:%M:%S.%f"
    return round((datetime.strptime(end, fmt) - datetime.strptime(begin, fmt)).total_seconds(), 2)


def start_server(env: dict) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on 127.0.0.1:4299 (this benchmark's own), once it answers."""
    import urllib.request

    def answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url + "/health", timeout=0.5) as response:  # noqa: S310 - loopback
                return response.status == 200
        except OSError:
            return False

    api = "http://127.0.0.1:4299/api"
    proc = subprocess.Popen([str(Path(PY).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
                             "--port", "4299"], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        if answers(api):
            return proc, api
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("the Prefect server did not start")


def floor(path: Path, work: Path) -> dict:
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    sql = f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')"
    duck = timed([PY, "-c", f"import duckdb; duckdb.connect('{db}').execute(\"{sql}\")"])
    pol = timed([PY, "-c", f"import polars as pl; pl.read_csv('{path}', infer_schema_length=0)"])
    db.unlink(missing_ok=True)
    return {"duckdb": duck, "polars": pol}


def run(inbox: Path, db: Path, maps: Path, env: dict, code: Path | None = None) -> dict:
    """One `eventflow run`; with `code`, the eventflow of that source tree (python -m flows from it)."""
    cmd = [PY, "-m", "flows"] if code else [EVENTFLOW]
    env = {**env, "PYTHONPATH": str(code)} if code else env
    res = timed([*cmd, "run", "--inbox", str(inbox.resolve()), "--db", str(db.resolve()), "--maps",
                 str(maps.resolve())], env, cwd=code)
    res["flow_s"] = flow_seconds(res["output"])
    summary = re.search(r"run summary: (\{.*\})", res["output"])
    res["summary"] = summary.group(1)[:600] if summary else None
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--steps", default="floor,warm,first,rerun,add100")
    ap.add_argument("--api", default="", help="a running Prefect server's API URL (default: a temporary server)")
    ap.add_argument("--own-server", action="store_true",
                    help="start a Prefect server of the benchmark's own (port 4299) and run against it")
    ap.add_argument("--code", type=Path, default=None,
                    help="run the eventflow of another source tree (e.g. `git archive main` unpacked) to compare")
    args = ap.parse_args()
    steps = args.steps.split(",")
    path = OUT / f"acled_kz_{args.rows}_{args.seed}.csv"
    if not path.exists():
        subprocess.run([PY, str(ROOT / "benchmarks" / "datasets.py"), "--rows", str(args.rows), "--seed",
                        str(args.seed), "--generate-only"], check=True)
    label = f"scale-{args.rows}" + ("-" + args.code.name if args.code else "")
    work = OUT / label
    shutil.rmtree(work, ignore_errors=True)
    (work / "inbox").mkdir(parents=True)
    os.link(path, work / "inbox" / "acled.csv")
    # a temporary server per run (eventflow's own), unless --api or --own-server names one
    env = {"PREFECT_HOME": str(OUT / "prefect-home"), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    env.pop("PREFECT_API_URL", None)
    server = None
    if args.own_server:
        server, args.api = start_server(env)
    if args.api:
        env["PREFECT_API_URL"] = args.api
    results: dict = {"rows": args.rows, "file_mb": round(path.stat().st_size / 1e6), "started": time.ctime(),
                     "load_before": os.getloadavg()}
    db, maps = work / "events.duckdb", work / "maps"
    if "floor" in steps:
        results["floor"] = floor(path, work)
    if "warm" in steps:
        (work / "empty").mkdir()
        results["warm"] = run(work / "empty", work / "empty.duckdb", work / "empty_maps", env, args.code)
    if "first" in steps:
        results["first"] = run(work / "inbox", db, maps, env, args.code)
    if "rerun" in steps:
        results["rerun"] = run(work / "inbox", db, maps, env, args.code)
    if "add100" in steps:
        sys.path.insert(0, str(ROOT))
        from benchmarks.datasets import generate

        generate(work / "inbox" / "acled_new100.csv", 100, args.seed + 1, "KZ", id_prefix="NEW")
        results["add100"] = run(work / "inbox", db, maps, env, args.code)
    results["load_after"] = os.getloadavg()
    results["prefect_api"] = args.api or "temporary server per run"
    if server is not None:
        server.terminate()
        server.wait(timeout=30)
    report(results)
    for step in ("warm", "first", "rerun", "add100"):
        if step in results:
            results[step].pop("output")
    for tool in results.get("floor", {}).values():
        tool.pop("output")
    (OUT / f"{label}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


def report(r: dict) -> None:
    print(f"{r['rows']:,} ACLED rows ({r['file_mb']} MB), {r['started']}, load average before {r['load_before']}")
    fl = r.get("floor")
    if fl:
        print(f"floor: DuckDB CREATE TABLE AS read_csv {fl['duckdb']['wall_s']} s ({fl['duckdb']['cpu_pct']}% CPU, "
              f"{fl['duckdb']['peak_rss_mb']} MB); polars read_csv {fl['polars']['wall_s']} s")
    print("| run | wall s | x floor | rows/s of whole run | flow s (beyond flow start) | CPU % | peak RSS MB "
          "(largest process) | tree RSS MB (sampled) |")
    print("|---|---|---|---|---|---|---|---|")
    for step in ("warm", "first", "rerun", "add100"):
        if step not in r:
            continue
        s = r[step]
        ratio = f"{s['wall_s'] / fl['duckdb']['wall_s']:.1f}" if fl else "-"
        rate = f"{r['rows'] / s['wall_s']:,.0f}" if step == "first" else "-"
        print(f"| {step} | {s['wall_s']} | {ratio} | {rate} | {s['flow_s']} | {s['cpu_pct']} | {s['peak_rss_mb']} "
              f"| {s['tree_rss_mb']} |")
        if s.get("summary"):
            print(f"    {s['summary'][:300]}")
    print(f"load average after {r['load_after']}; Prefect API: {r['prefect_api']}")


if __name__ == "__main__":
    main()
