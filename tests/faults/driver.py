"""Runs the pipeline's stages in the order of flows/pipeline.py (without Prefect's server) over an inbox, and
kills its own process with SIGKILL at the named point when one is given: the fault-injection test's driver.

    python tests/faults/driver.py INBOX DB MAPS [POINT]
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flows import dedupe_db, stages, store  # noqa: E402
from flows.config import load_settings  # noqa: E402


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _after(owner, name: str, nth: int = 1) -> None:
    """Kill the process right after the nth call of owner.name returns."""
    real, calls = getattr(owner, name), [0]

    def wrapped(*args, **kwargs):
        result = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] >= nth:
            _die()
        return result

    setattr(owner, name, wrapped)


def _mid_sql(owner, name: str, marker: str) -> None:
    """Kill the process inside a transaction: when owner.name runs a statement containing marker."""
    real = getattr(owner, name)

    def wrapped(con, *args, **kwargs):
        class Killing:
            def __getattr__(self, attr):
                return getattr(con, attr)

            def execute(self, sql, *a, **k):
                out = con.execute(sql, *a, **k)
                if marker in sql:
                    _die()
                return out
        return real(Killing(), *args, **kwargs)

    setattr(owner, name, wrapped)


POINTS = {
    "after_hash": lambda: _after(stages, "plan_ingest"),
    "mid_read": lambda: _after(stages._Writer, "add", 1),
    "after_read": lambda: _after(stages, "stage_file", 3),
    "mid_store_transaction": lambda: _mid_sql(store, "_replace_source_rows", "INSERT INTO sources"),
    "between_sources": lambda: _after(store, "store_source_files", 2),
    "after_store": lambda: _after(stages, "commit_sources"),
    "mid_reference": lambda: _after(store, "replace_reference", 1),
    "mid_dedupe_transaction": lambda: _after(dedupe_db, "_write"),
    "before_dedupe_commit": lambda: _after(dedupe_db, "_finish"),
    "mid_publish": lambda: _after(__import__("flows.publish", fromlist=["x"]), "write_if_changed", 2),
    "after_publish_pages": lambda: _after(__import__("flows.publish", fromlist=["x"]), "publish"),
    "mid_migration": lambda: _mid_sql(store, "_apply_repeatable", "COMMENT ON"),
}


def run(inbox: Path, db: Path, maps: Path) -> None:
    settings = load_settings()
    plan = stages.plan_ingest(inbox, db)
    staging = stages.new_staging_dir(db)
    staged = [stages.stage_file(f, staging, settings.geo_root) for f in plan.to_process]
    staged += [stages.stage_duplicate(f, o, staging) for f, o in plan.duplicates.items()]
    if staged:
        stages.commit_sources(db, staged)
    stages.remove_staging(staging)
    stages.store_reference(db, settings.geo_root)
    stages.dedupe_events(db)
    stages.publish_maps(db, maps, settings)


if __name__ == "__main__":
    if len(sys.argv) > 4:
        POINTS[sys.argv[4]]()
    run(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
