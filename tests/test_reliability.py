"""The reliability check of issue 9, with real `eventflow run` processes: a run beside an analyst's open
connection, a second run at the same time, a run killed with SIGKILL (no Prefect server left behind) and
run again, and failures said in one line that names the cause and the path."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from processes import alive, descendants
from support import SAMPLE_REPORT as SAMPLE

FIXTURES = Path(__file__).parent / "fixtures"
EVENTFLOW = [sys.executable, "-m", "flows"]


def lock_is_held(lock: Path) -> bool:
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.fixture
def workplace(tmp_path: Path, prefect_harness):
    """An inbox, and an environment whose runs use the test session's Prefect server (no server start each)."""
    from prefect.settings import PREFECT_API_URL

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(FIXTURES / "datasets" / "acled_kz.csv", inbox / "acled.csv")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(tmp_path / "prefect")}
    return tmp_path, inbox, env


def _run(tmp: Path, env: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*EVENTFLOW, "run", "--inbox", "inbox", "--db", "data/events.duckdb", "--maps", "maps",
                           *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)


def test_runs_beside_an_analyst_beside_each_other_and_after_a_kill(workplace):
    tmp, inbox, env = workplace
    db, lock = tmp / "data" / "events.duckdb", tmp / "data" / "events.duckdb.lock"
    first = _run(tmp, env)
    assert first.returncode == 0, first.stderr[-2000:]

    # an analyst keeps a read-only connection open on the database of the README, through the next run
    analyst = subprocess.Popen([sys.executable, "-c", "import duckdb, sys\ncon = duckdb.connect(sys.argv[1], "
                                "read_only=True)\nfor line in sys.stdin:\n    print(con.execute(line).fetchone()[0], "
                                "flush=True)\n", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(sql: str) -> str:
        analyst.stdin.write(sql + "\n")
        analyst.stdin.flush()
        return analyst.stdout.readline().strip()

    sources_before = ask("SELECT count(*) FROM sources")
    shutil.copy(FIXTURES / "inbox" / "acled_kz_sample.csv", inbox / "more.csv")
    second = _run(tmp, env)
    assert second.returncode == 0, second.stderr[-2000:]
    assert ask("SELECT count(*) FROM sources") == sources_before       # the analyst's version, unchanged
    with duckdb.connect(str(db), read_only=True) as con:               # a new connection sees the new one
        assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == int(sources_before) + 1

    # a run killed with SIGKILL while it holds the database, with a local Prefect server of its own
    shutil.copy(SAMPLE, inbox / "report.txt")
    own_server = {k: v for k, v in env.items() if k != "PREFECT_API_URL"}
    killed = subprocess.Popen([*EVENTFLOW, "run", "--inbox", "inbox", "--db", "data/events.duckdb", "--maps",
                               "maps"], cwd=tmp, env=own_server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not (lock_is_held(lock) and descendants(killed.pid)) and time.monotonic() < deadline:
        assert killed.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    children = descendants(killed.pid)
    assert children, "the run started no Prefect server"

    # meanwhile a second run waits for it, says so in one line, and gives up in one line, having touched nothing
    busy = _run(tmp, {**env, "EVENTFLOW_LOCK_TIMEOUT": "1"}, timeout=120)
    assert busy.returncode == 75, busy.stderr[-2000:]
    lines = busy.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("waiting up to 1 s for another eventflow run (pid ")
    assert lines[1].startswith("not run: gave up after waiting 1 s") and busy.stdout == ""

    time.sleep(1.0)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    deadline = time.monotonic() + 30
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if alive(c)], "a Prefect server outlived the killed run"

    # the killed run's database and snapshot still work, and a new run completes the work
    assert ask("SELECT count(*) FROM sources") == sources_before
    again = _run(tmp, env)
    assert again.returncode == 0, again.stderr[-2000:]
    with duckdb.connect(str(db), read_only=True) as con:
        paths = {p for (p,) in con.execute("SELECT path FROM sources").fetchall()}
        assert paths == {"inbox/acled.csv", "inbox/more.csv", "inbox/report.txt"}
        assert con.execute("SELECT count(*) FROM mentions WHERE source = 'inbox/report.txt'").fetchone()[0] > 10
    assert not list((tmp / "data").glob(".*tmp*")) and not list(tmp.glob(".maps.*"))
    analyst.stdin.close()
    analyst.wait(timeout=30)


def test_a_failure_is_one_line_naming_cause_and_path(workplace):
    tmp, _, env = workplace
    (tmp / "blocker").write_text("a file where the database folder should be")
    failed = _run(tmp, env, "--db", "blocker/events.duckdb")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr and "Traceback" not in failed.stdout
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("error: File exists: ") and str(tmp / "blocker") in last
    debug = subprocess.run([*EVENTFLOW, "--debug", "run", "--inbox", "inbox", "--db", "blocker/events.duckdb"],
                           cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr


def test_a_full_disk_is_named_in_one_line(workplace):
    tmp, _, env = workplace
    disk = tmp / "small_disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.decode().strip()}); the one-line "
                    "message is still tested by test_a_failure_is_one_line_naming_cause_and_path")
    try:
        failed = _run(tmp, env, "--db", "small_disk/events.duckdb")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the disk holding ") and "small_disk" in last and "No space left" in last
    assert len(failed.stderr.splitlines()) < 60          # progress lines and one error, not pages of traceback
