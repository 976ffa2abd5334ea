"""Sharing the database with analysts.

DuckDB lets one process write a file, or several read it, never both. So the file analysts open (`db`, by
default `data/events.duckdb`) is not the file a run writes:

- the **working database** (`data/events.work.duckdb`) belongs to runs and to short, explicit writers
  (`eventflow sql --write`, `eventflow withdraw`), one at a time, under the **run lock**
  (`data/events.duckdb.lock`, an `flock`): a second one waits up to `lock_timeout` seconds, saying so in one
  line, then gives up with one line, before it has touched anything;
- at the end of a run or a write that changed anything, a complete **snapshot** of the working database is
  published at `db` by copy and atomic rename. Read-only commands and analysts open the snapshot; a reader
  who has it open keeps reading the version it opened until it reopens.

A database of an older layout (only `db`, written in place) becomes the working database on first use.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import inspect
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

Say = Callable[[str], None]
SNAPSHOT_TABLE = "snapshot_info"      # in the snapshot only: when it was published, from what content
_POLL_SECONDS = 0.25


class DatabaseBusy(RuntimeError):
    """Another run or writer kept the database for longer than the wait allowed (one-line message)."""


def working_path(db: Path | str) -> Path:
    """data/events.duckdb -> data/events.work.duckdb: the file runs write."""
    db = Path(db)
    return db.with_name(f"{db.stem}.work{db.suffix or '.duckdb'}")


def published_path(db: Path | str) -> Path:
    """data/events.work.duckdb -> data/events.duckdb: the snapshot a working database publishes (other paths are
    returned as they are). Files kept beside the database, like the review desk's journal, follow this name."""
    db = Path(db)
    stem = db.stem
    return db.with_name(stem.removesuffix(".work") + db.suffix) if stem.endswith(".work") else db


def lock_path(db: Path | str) -> Path:
    """data/events.duckdb -> data/events.duckdb.lock: held by the one run or writer at work."""
    db = Path(db)
    return db.with_name(db.name + ".lock")


def _quiet(message: str) -> None:
    """The default `say`: Prefect's run log inside a run, else Python's logging."""
    from flows.progress import log

    log(message)


# --- the run lock -------------------------------------------------------------------------------------------

_held: dict[Path, list] = {}   # lock file -> [fd, depth]: a process that holds the lock may take it again


@contextmanager
def run_lock(db: Path | str, timeout: float, purpose: str = "run", say: Say = _quiet) -> Iterator[None]:
    """Hold the run lock of `db` for the block. When another process holds it, wait up to `timeout` seconds
    (one line says who holds it), then raise DatabaseBusy. Re-entrant within one process."""
    path = Path(lock_path(db)).resolve()
    if path in _held:
        _held[path][1] += 1
        try:
            yield
        finally:
            _held[path][1] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = _holder(path)
            say(f"waiting up to {timeout:g} s for {holder} to finish (lock {path})")
            deadline = time.monotonic() + timeout
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(f"gave up after waiting {timeout:g} s: {_holder(path)} still holds the "
                                       f"lock {path} (raise lock_timeout to wait longer)")
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {purpose} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode(), 0)
        _held[path] = [fd, 1]
        try:
            yield
        finally:
            del _held[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    """'eventflow run (pid 123, since 2026-01-01 06:00:00 UTC)' from the lock file, as far as it tells."""
    try:
        pid, purpose, rest = (path.read_text(encoding="utf-8").strip().split(" ", 2) + ["", ""])[:3]
    except OSError:
        return "another eventflow process"
    return f"another eventflow {purpose} (pid {pid}, {rest})" if pid.isdigit() else "another eventflow process"


# --- the working database -----------------------------------------------------------------------------------

def ensure_working(db: Path | str, say: Say = _quiet) -> Path:
    """The working database of `db`; a database of the older layout (only `db`) is copied into it first.
    Call with the run lock held."""
    db, work = Path(db), working_path(db)
    if work.exists() or not db.exists():
        return work
    wal = db.with_name(db.name + ".wal")
    try:                                   # fold the old file's write-ahead log into it, so one file is all
        with duckdb.connect(str(db)) as con:
            con.execute("CHECKPOINT")
    except duckdb.Error:                   # someone has it open: copy the log along, DuckDB replays it
        pass
    tmp = work.with_name(f".{work.name}.{os.getpid()}.tmp")
    shutil.copyfile(db, tmp)
    if wal.exists():
        shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
    with duckdb.connect(str(tmp)) as con:
        con.execute("CHECKPOINT")
    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp, work)
    say(f"{db} is of the older layout: copied into the working database {work}; {db} is now a read-only "
        "snapshot that every run refreshes")
    return work


def wait_for_file(work: Path, timeout: float, say: Say = _quiet) -> None:
    """Wait (up to `timeout` s, one line saying so) while another program, e.g. a `duckdb` shell opened on the
    working database by hand, holds it; raise DatabaseBusy when it does not let go."""
    if not work.exists():
        return
    deadline, said = time.monotonic() + timeout, False
    while True:
        try:
            with duckdb.connect(str(work)):
                return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            holder = _lock_holder(str(exc))
            if time.monotonic() >= deadline:
                raise DatabaseBusy(f"gave up after waiting {timeout:g} s: {holder} keeps {work} open; "
                                   "close it (analysts open the snapshot, not the working database)") from None
            if not said:
                say(f"waiting up to {timeout:g} s for {holder} to close {work}")
                said = True
            time.sleep(_POLL_SECONDS)


def _lock_holder(message: str) -> str:
    m = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    return f"{Path(m.group(1)).name} (pid {m.group(2)})" if m else "another program"


# --- the snapshot -------------------------------------------------------------------------------------------

def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of the database's definitions and of where each table's data is stored (after a CHECKPOINT).
    Cheap (metadata only) and conservative: a table rewritten, even with the same rows, counts as changed;
    a database nobody wrote to keeps its digest."""
    parts = [str(con.execute(
        "SELECT list(sql ORDER BY sql) FROM (SELECT sql FROM duckdb_tables() WHERE database_name = current_database()"
        " UNION ALL SELECT sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal)"
    ).fetchone()[0])]
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        f"AND table_name <> '{SNAPSHOT_TABLE}' ORDER BY 1").fetchall()]
    for name in tables:
        storage = con.execute(
            "SELECT list((row_group_id, column_id, segment_id, count, block_id, block_offset, has_updates) "
            "ORDER BY row_group_id, column_id, segment_id) FROM pragma_storage_info(?)", [name]).fetchone()[0]
        parts.append(f"{name}:{storage}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def published_fingerprint(db: Path | str) -> str | None:
    """The fingerprint recorded in the snapshot at `db` (None when there is none or it cannot be read)."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.execute(f"SELECT fingerprint FROM {SNAPSHOT_TABLE}").fetchone()[0]
    except (duckdb.Error, TypeError):
        return None


def publish_snapshot(db: Path | str, changed: bool | None = None, say: Say = _quiet) -> bool:
    """Publish the working database as the read-only snapshot at `db`: copy, then atomic rename. Call with the
    run lock held. `changed=False` (the caller knows nothing changed) skips it; `None` compares content
    fingerprints and copies only when they differ. Returns True when a new snapshot was published."""
    db, work = Path(db), working_path(db)
    if not work.exists() or (changed is False and db.exists()):
        return False
    with duckdb.connect(str(work)) as con:
        con.execute("CHECKPOINT")
        digest = fingerprint(con)
    if db.exists() and published_fingerprint(db) == digest:
        return False
    for stale in db.parent.glob(f".{db.name}.*.tmp*"):        # left by a publish that was killed
        stale.unlink(missing_ok=True)
    tmp = db.with_name(f".{db.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(work, tmp)
        with duckdb.connect(str(tmp)) as con:
            con.execute(f"CREATE OR REPLACE TABLE {SNAPSHOT_TABLE} AS SELECT ?::TIMESTAMP AS published_at, "
                        "? AS fingerprint, ? AS working_database",
                        [datetime.now(UTC).replace(tzinfo=None), digest, str(work)])
            con.execute("CHECKPOINT")
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        wal = db.with_name(db.name + ".wal")
        if wal.exists():   # someone wrote into the old snapshot: DuckDB would replay that log onto the new one
            wal.unlink()
            say(f"discarded {wal}: changes written into the snapshot itself are not kept; write through "
                "`eventflow sql --write`")
        os.replace(tmp, db)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
    _fsync_dir(db.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_snapshot(db: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the snapshot analysts use (FileNotFoundError when there is none yet)."""
    db = Path(db)
    if not db.is_file():
        raise FileNotFoundError(f"no database at {db}; run `eventflow run` first")
    return duckdb.connect(str(db), read_only=True)


# --- what runs and writers use ------------------------------------------------------------------------------

@contextmanager
def run_database(db: Path | str, timeout: float, say: Say = _quiet) -> Iterator[Path]:
    """For one run: the run lock, then the working database's path; a snapshot is published when the block
    ends without an error (only if the content changed). A failed run leaves the last snapshot in place."""
    with run_lock(db, timeout, "run", say):
        work = ensure_working(db, say)
        wait_for_file(work, timeout, say)
        yield work
        publish_snapshot(db, say=say)


def on_working_database(flow_fn: Callable) -> Callable:
    """For a flow whose `db` parameter names the snapshot: its body runs under the run lock with `db` set to the
    working database (a DatabaseBusy error, before anything is touched, when the lock stays taken for
    lock_timeout seconds), and the snapshot is published when it returns."""
    @functools.wraps(flow_fn)
    def wrapper(*args, **kwargs):
        from flows.config import load_settings

        bound = inspect.signature(flow_fn).bind(*args, **kwargs)
        bound.apply_defaults()
        with run_database(Path(bound.arguments["db"]), load_settings().lock_timeout) as work:
            bound.arguments["db"] = str(work)
            return flow_fn(*bound.args, **bound.kwargs)

    return wrapper


@contextmanager
def writing(db: Path | str, timeout: float, say: Say = _quiet) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short, explicit write (`eventflow sql --write`, overrides, withdrawals): a connection to the working
    database under the run lock; the snapshot is refreshed afterwards so the change is visible at once."""
    from flows import store

    with run_lock(db, timeout, "writer", say):
        work = ensure_working(db, say)
        wait_for_file(work, timeout, say)
        try:
            with store.connect(work) as con:
                yield con
        finally:
            publish_snapshot(db, say=say)
