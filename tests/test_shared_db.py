"""Sharing the database with analysts: the run lock, the working database, the read-only snapshot, and the
migration from the older layout (issue 9)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows import store
from flows.cli import app
from flows.shared_db import (
    DatabaseBusy,
    ensure_working,
    publish_snapshot,
    run_lock,
    wait_for_file,
    working_path,
    writing,
)

HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
os.write(fd, f"{os.getpid()} run since a while\\n".encode())
print("held", flush=True)
sys.stdin.readline()
"""
ANALYST = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
for line in sys.stdin:
    print(con.execute(line).fetchone()[0], flush=True)
"""


class Process:
    """A helper process driven line by line through stdin/stdout."""

    def __init__(self, code: str, *args: str):
        self.p = subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def ask(self, line: str) -> str:
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self) -> None:
        self.p.stdin.close()
        self.p.wait(timeout=30)


def _db_with_overrides(tmp_path: Path, n: int = 1) -> Path:
    """A database in the current layout: a working database and its snapshot."""
    db = tmp_path / "events.duckdb"
    with writing(db, 5) as con:
        for i in range(n):
            con.execute("INSERT INTO overrides (override_id, mention_id, action) VALUES (?, 'm', 'drop')", [f"o{i}"])
    return db


def test_a_second_writer_waits_then_gives_up_in_one_line_before_touching_anything(tmp_path: Path):
    db = tmp_path / "events.duckdb"
    holder = Process(HOLD_LOCK, str(tmp_path / "events.duckdb.lock"))
    assert holder.p.stdout.readline().strip() == "held"
    said: list[str] = []
    started = time.monotonic()
    with pytest.raises(DatabaseBusy) as caught, run_lock(db, 0.6, say=said.append):
        pytest.fail("the lock was taken twice")
    assert time.monotonic() - started >= 0.6
    assert len(said) == 1 and said[0].startswith("waiting up to 0.6 s for another eventflow run (pid ")
    message = str(caught.value)
    assert "\n" not in message and f"pid {holder.p.pid}" in message and "gave up after waiting 0.6 s" in message
    assert not working_path(db).exists()                      # nothing was touched
    holder.close()
    with run_lock(db, 5), run_lock(db, 5):                    # free again, and re-entrant in one process
        pass


def test_an_analyst_reading_the_snapshot_never_blocks_a_writer(tmp_path: Path):
    db = _db_with_overrides(tmp_path)
    analyst = Process(ANALYST, str(db), "ro")
    assert analyst.ask("SELECT count(*) FROM overrides") == "1"
    with writing(db, 5) as con:                               # a write while the analyst holds a connection
        con.execute("INSERT INTO overrides (override_id, mention_id, action) VALUES ('o9', 'm', 'drop')")
    assert analyst.ask("SELECT count(*) FROM overrides") == "1"   # the version the analyst opened
    with duckdb.connect(str(db), read_only=True) as con:          # a new reader sees the new snapshot
        assert con.execute("SELECT count(*) FROM overrides").fetchone()[0] == 2
    analyst.close()


def test_a_snapshot_is_copied_only_when_the_working_database_changed(tmp_path: Path):
    db = _db_with_overrides(tmp_path)
    before = db.stat().st_mtime_ns, db.stat().st_ino
    with run_lock(db, 5):
        assert publish_snapshot(db) is False                  # nothing written since: no copy
        with store.connect(working_path(db)) as con:
            con.execute("SELECT count(*) FROM events").fetchone()
        assert publish_snapshot(db) is False                  # reading is not changing
        assert publish_snapshot(db, changed=False) is False
    assert (db.stat().st_mtime_ns, db.stat().st_ino) == before
    (tmp_path / f".{db.name}.123.tmp").write_bytes(b"left by a killed publish")
    with writing(db, 5) as con:
        con.execute("DELETE FROM overrides")
    assert db.stat().st_ino != before[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.duckdb", "events.duckdb.lock",
                                                          "events.work.duckdb"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM overrides").fetchone()[0] == 0
        assert con.execute("SELECT working_database FROM snapshot_info").fetchone()[0].endswith("events.work.duckdb")


def test_a_log_written_into_the_snapshot_is_not_replayed_onto_the_next_one(tmp_path: Path):
    db = _db_with_overrides(tmp_path)
    analyst = Process(ANALYST, str(db), "rw")                 # a plain `duckdb data/events.duckdb`, writing
    assert analyst.ask("SELECT count(*) FROM (SELECT 1) t") == "1"
    analyst.ask("CREATE TABLE scratch AS SELECT 42 AS x")
    analyst.p.kill()                                          # crashed with its log beside the snapshot
    analyst.p.wait()
    assert db.with_name(db.name + ".wal").exists()
    said: list[str] = []
    with writing(db, 5, say=said.append) as con:
        con.execute("INSERT INTO overrides (override_id, mention_id, action) VALUES ('o2', 'm', 'drop')")
    assert not db.with_name(db.name + ".wal").exists() and "discarded" in said[-1]
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "scratch" not in tables and con.execute("SELECT count(*) FROM overrides").fetchone()[0] == 2


def test_a_database_of_the_older_layout_becomes_the_working_database(tmp_path: Path):
    db = tmp_path / "events.duckdb"
    # the older layout: one file written in place, here left with an unmerged write-ahead log by a kill
    code = ("import os, sys; from flows import store; con = store.connect(sys.argv[1]); "
            "con.execute(\"INSERT INTO overrides (override_id, mention_id, action) VALUES ('old', 'm', 'drop')\"); "
            "os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(db)], check=True)
    assert db.with_name(db.name + ".wal").exists()
    said: list[str] = []
    with run_lock(db, 5):
        work = ensure_working(db, say=said.append)
        assert publish_snapshot(db) is True
    assert work == tmp_path / "events.work.duckdb" and "older layout" in said[0]
    assert not db.with_name(db.name + ".wal").exists()
    for path in (work, db):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("SELECT override_id FROM overrides").fetchall() == [("old",)]
    result = CliRunner().invoke(app, ["sql", "SELECT override_id FROM overrides", "--db", str(db), "--csv"])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "old"


def test_read_only_commands_work_beside_a_writer_and_a_reader(tmp_path: Path):
    db = _db_with_overrides(tmp_path, n=3)
    analyst = Process(ANALYST, str(db), "ro")
    assert analyst.ask("SELECT count(*) FROM overrides") == "3"
    holder = Process(HOLD_LOCK, str(tmp_path / "events.duckdb.lock"))      # a run is writing
    assert holder.p.stdout.readline().strip() == "held"
    writer = Process(ANALYST, str(working_path(db)), "rw")                # and holds the working database
    assert writer.ask("SELECT count(*) FROM overrides") == "3"
    runner = CliRunner()
    result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM overrides", "--db", str(db), "--csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["n", "3"]
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["export", "--format", "csv", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0 and out.is_file(), result.output
    refused = runner.invoke(app, ["sql", "DELETE FROM overrides", "--db", str(db)])
    assert refused.exit_code == 1 and "use --write" in refused.output
    for p in (writer, holder, analyst):
        p.close()


def test_a_writer_waits_for_a_shell_left_open_on_the_working_database(tmp_path: Path):
    db = _db_with_overrides(tmp_path)
    shell = Process(ANALYST, str(working_path(db)), "rw")
    assert shell.ask("SELECT 1") == "1"
    said: list[str] = []
    with pytest.raises(DatabaseBusy, match=f"pid {shell.p.pid}"):
        wait_for_file(working_path(db), 0.5, say=said.append)
    assert said and f"pid {shell.p.pid}" in said[0]
    shell.close()
    wait_for_file(working_path(db), 0.5)


def test_sql_write_waits_for_the_run_and_exits_75_with_one_line(tmp_path: Path, monkeypatch):
    db = _db_with_overrides(tmp_path)
    monkeypatch.setenv("EVENTFLOW_LOCK_TIMEOUT", "0.5")
    holder = Process(HOLD_LOCK, str(tmp_path / "events.duckdb.lock"))
    assert holder.p.stdout.readline().strip() == "held"
    result = CliRunner().invoke(app, ["sql", "--write", "DELETE FROM overrides", "--db", str(db)])
    assert result.exit_code == 75
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("waiting up to 0.5 s for another eventflow run") and lines[1].startswith("not run: ")
    assert len(lines) == 2
    holder.close()
    assert CliRunner().invoke(app, ["sql", "--write", "DELETE FROM overrides", "--db", str(db)]).exit_code == 0
