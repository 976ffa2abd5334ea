"""Scheduled runs fire (issue 9): `eventflow serve`, with no Prefect server configured, starts one on loopback
with its scheduler; a deployment due within a minute gets a scheduled flow run that completes and changes the
database; Prefect's own CLI works against that server (and registers prefect.yaml as the README says); and
killing serve leaves no server behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from processes import alive, descendants

FIXTURES = Path(__file__).parent / "fixtures"
PREFECT = Path(sys.executable).with_name("prefect")


def _wait(condition, timeout: float, what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"serve ended ({proc.returncode}) before {what}: {log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:.0f} s: {log.read_text()[-3000:]}")
        time.sleep(0.5)


def _sources(db: Path) -> int:
    if not db.exists():
        return 0
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM sources").fetchone()[0]


def test_serve_runs_the_schedule_on_a_local_server_and_leaves_nothing_behind(tmp_path: Path):
    (tmp_path / "inbox").mkdir()
    shutil.copy(FIXTURES / "datasets" / "acled_kz.csv", tmp_path / "inbox" / "acled.csv")
    (tmp_path / "eventflow.yaml").write_text("inbox: inbox\ndb: data/events.duckdb\nmaps: maps\n"
                                             "schedule_cron: '* * * * *'\n")      # due within a minute
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen([sys.executable, "-m", "flows", "serve"], cwd=tmp_path, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(lambda: "Prefect server:" in log.read_text(), 240, "server", serve, log)
        said = next(line for line in log.read_text().splitlines() if line.startswith("Prefect server:"))
        assert "none configured" in said and "with its scheduler" in said
        url = re.search(r"http://127\.0\.0\.1:\d+", said).group(0)
        # nothing triggers the deployment: only the server's scheduler can create the run that fills the database
        _wait(lambda: _sources(tmp_path / "data" / "events.duckdb") > 0, 240, "scheduled run", serve, log)
        assert (tmp_path / "maps" / "index.html").is_file()

        cli_env = {**env, "PREFECT_API_URL": f"{url}/api"}
        deployments = subprocess.run([str(PREFECT), "deployment", "ls"], env=cli_env, capture_output=True,
                                     text=True, timeout=120)
        assert deployments.returncode == 0 and "pipeline/inbox-daily" in deployments.stdout, deployments.stderr

        def completed() -> list[dict]:
            listed = subprocess.run([str(PREFECT), "flow-run", "ls", "--state-type", "COMPLETED", "-o", "json"],
                                    env=cli_env, capture_output=True, text=True, timeout=120)
            assert listed.returncode == 0, listed.stderr
            return json.loads(listed.stdout or "[]")

        _wait(lambda: completed(), 120, "completed flow run", serve, log)
        (run,) = completed()[:1]
        assert run["auto_scheduled"] is True and run["deployment_id"]

        # the prefect.yaml recipe of the README registers the same deployment for a worker of the pool `default`
        project = Path(__file__).resolve().parent.parent
        deploy_env = {**cli_env, "EVENTFLOW_HOME": str(project)}
        for command in (["work-pool", "create", "default", "--type", "process"], ["--no-prompt", "deploy", "--all"]):
            done = subprocess.run([str(PREFECT), *command], cwd=project, env=deploy_env, capture_output=True,
                                  text=True, timeout=180)
            assert done.returncode == 0, done.stdout + done.stderr
        inspected = subprocess.run([str(PREFECT), "deployment", "inspect", "pipeline/inbox-daily", "-o", "json"],
                                   env=cli_env, capture_output=True, text=True, timeout=120)
        deployment = json.loads(inspected.stdout)
        assert deployment["work_pool_name"] == "default"
        assert deployment["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"] == \
            str(project)
        assert deployment["schedules"][0]["schedule"]["cron"] == "0 6 * * *"

        server = descendants(serve.pid)
        assert server
        serve.send_signal(signal.SIGKILL)            # killed, with no chance to stop its server itself
        serve.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(alive(p) for p in server) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in server if alive(p)], "the Prefect server outlived serve"
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()


def test_a_local_server_stops_with_its_block():
    from flows.prefect_server import configured_api_url, local_server

    with local_server(scheduler=False) as server:
        assert configured_api_url() == server.api_url
        assert server.url.startswith("http://127.0.0.1:")
    assert server.process.poll() is not None
    assert configured_api_url() != server.api_url
