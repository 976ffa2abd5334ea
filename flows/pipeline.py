"""The Prefect flow `pipeline`: inbox → ingest → extract/map → normalize → geocode → store → dedupe → publish.

Each task is a thin wrapper over a plain function in flows/stages.py; tests call those directly. The flow
writes the working database beside `db` under the run lock and publishes `db` as a read-only snapshot for
analysts at the end (flows/shared_db.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from flows import stages
from flows.config import load_settings
from flows.progress import announced
from flows.shared_db import on_working_database


@dataclass
class RunSummary:
    sources_new: int = 0
    sources_changed: int = 0
    sources_unchanged: int = 0
    sources_duplicate: int = 0
    sources_withdrawn: int = 0
    mentions: int = 0
    rejects: int = 0
    unresolved_places: int = 0
    events: int = 0
    files_written: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


_task = task(cache_policy=NONE, persist_result=False)

ingest = _task(stages.plan_ingest, name="ingest")
extract_or_map = _task(announced(stages.extract_or_map), name="extract-or-map")
normalize = _task(stages.normalize_batch, name="normalize")
geocode = _task(stages.geocode_batches, name="geocode")
store_sources = _task(stages.store_batches, name="store")
store_reference = _task(stages.store_reference, name="store-reference")
dedupe = _task(stages.dedupe_all, name="dedupe")
publish = _task(stages.publish_maps, name="publish")


@flow(name="pipeline", log_prints=True)
@on_working_database
def pipeline(inbox: str = "data/inbox", db: str = "data/events.duckdb", maps: str = "maps",
             year: int | None = None) -> dict:
    """One run over the inbox: only new or changed files are read; events and maps are refreshed."""
    settings = load_settings()
    inbox_p, db_p, maps_p = Path(inbox), Path(db), Path(maps)
    plan = ingest(inbox_p, db_p)
    summary = RunSummary(len(plan.new), len(plan.changed), len(plan.unchanged), len(plan.duplicates),
                         len(plan.withdrawn))
    batches = [normalize(extract_or_map(f, year)) for f in plan.to_process]
    batches += [stages.duplicate_batch(f, original) for f, original in plan.duplicates.items()]
    if batches:
        batches = geocode(batches, settings.geo_root)
        store_sources(db_p, batches)
        for key, value in stages.batch_summary(batches).items():
            setattr(summary, key, value)
    store_reference(db_p, settings.geo_root)
    summary.events, dedupe_notes = dedupe(db_p)
    published = publish(db_p, maps_p, settings)
    summary.files_written = [str(p) for p in published.written]
    summary.files_unchanged = [str(p) for p in published.unchanged]
    summary.notes = [*dedupe_notes, *published.notes]
    get_run_logger().info("run summary: %s", summary.as_dict())
    return summary.as_dict()
