"""The Prefect flow `pipeline`: inbox → read/extract, normalize, geocode (per file, in parallel) → store (one
writer) → dedupe (what changed) → publish (when the events changed).

Each task is a thin wrapper over a plain function in flows/stages.py; tests call those directly. The flow
writes the working database beside `db` under the run lock and publishes `db` as a read-only snapshot for
analysts at the end (flows/shared_db.py). Files are
mapped over a task runner: a local process pool by default, threads, or a Dask cluster (prefect-dask's
DaskTaskRunner) when `dask_address` is given. Workers write Parquet files into a staging folder beside the
database; the flow's own process is the one writer that commits them.
"""

# No `from __future__ import annotations` here: the flow's parameter types must be real objects, since
# on_working_database wraps the flow and Prefect reads the types through the wrapper (in another module).
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.futures import as_completed

from flows import stages
from flows.config import Settings, check_runner, load_settings
from flows.ingest.discover import InboxFile
from flows.ingest.reports import REPORT_SUFFIXES
from flows.shared_db import on_working_database

TaskRunnerName = Literal["process", "thread", "dask"]


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
    dedupe: str = "none"                 # none | incremental | full
    events_rebuilt: int = 0              # mentions whose events the dedupe rebuilt with its full rules
    read_seconds: float = 0.0            # reading, extracting, normalizing and geocoding the files (in parallel)
    tasks_seconds: float = 0.0           # from the first read task's start to the last one's end (workers' start-up
                                         # before their first task not included)
    peak_mb: dict = field(default_factory=dict)   # the flow process's peak memory after each stage
    files_written: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _transient(exc: BaseException | None) -> bool:
    """Worth another try: a failed read or write of a file, a database locked by another process."""
    import duckdb

    return isinstance(exc, OSError | duckdb.IOException) and not isinstance(exc, FileNotFoundError | PermissionError)


def _retry_on_io(task_, task_run, state) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the condition inspects the failure
        return _transient(exc)
    return False


_task = task(cache_policy=NONE, persist_result=False)
_io_task = task(cache_policy=NONE, persist_result=False, retries=2, retry_delay_seconds=1,
                retry_condition_fn=_retry_on_io)


def _files_task_name() -> str:
    """'extract: samples/report.txt' for a report, 'read: inbox/acled.csv' for a dataset; a group of small files
    is named by its first and how many more."""
    from prefect.runtime import task_run

    files = task_run.parameters.get("files") or []
    if not files:
        return "read"
    reports = [f.path.suffix.lower() in REPORT_SUFFIXES for f in files]
    verb = "extract" if all(reports) else "read" if not any(reports) else "read and extract"
    more = f" (+{len(files) - 1} more)" if len(files) > 1 else ""
    return f"{verb}: {files[0].relpath}{more}"


def _read_files(files: list[InboxFile], staging: Path, geo_root: Path, year: int | None, batch_rows: int
                ) -> list[stages.StagedSource]:
    """Files into the staging folder, one after the other (a transient I/O error is raised, so that the task
    retries). Reports are extracted only: the flow's process normalizes and geocodes them (finish_extracted),
    so that no worker loads the gazetteers of every country its reports name."""
    logger = get_run_logger()
    return [stages.stage_file(f, staging, geo_root, year, batch_rows, progress=logger.info, reraise=_transient,
                              geocode_reports=False) for f in files]


def work_units(files: list[InboxFile], workers: int, per_worker: int = 4) -> list[list[InboxFile]]:
    """The files in groups of about equal size for the task runner: each file alone when there are few, else
    about per_worker groups per worker, largest files first, each to the lightest group. A Prefect task run
    costs about 0.15 s of the flow's and the API's time; forty small reports as forty tasks spend more time on
    that than on extraction."""
    n_groups = max(workers, 1) * per_worker
    if len(files) <= n_groups:
        return [[f] for f in files]
    groups: list[list[InboxFile]] = [[] for _ in range(n_groups)]
    sizes = [0] * n_groups
    for f in sorted(files, key=lambda f: (-f.size_bytes, f.relpath)):
        i = sizes.index(min(sizes))
        groups[i].append(f)
        sizes[i] += f.size_bytes
    return [sorted(g, key=lambda f: f.relpath) for g in groups if g]


ingest = _io_task(stages.plan_ingest, name="hash inbox")
read_files = _io_task(_read_files, name="read files", task_run_name=_files_task_name)
commit = _io_task(stages.commit_sources, name="store (one writer)")
store_reference = _io_task(stages.store_reference, name="store reference data")
dedupe = _io_task(stages.dedupe_events, name="dedupe")
publish = _io_task(stages.publish_maps, name="publish maps")


def task_runner_for(settings: Settings, n_files: int, reports: bool = False):
    """The runner that maps the files: a Dask cluster when an address is set; a process pool for several
    files (one file gains nothing from a second process: polars and DuckDB use every core within it), whose
    workers load the report extractor when they start if there are `reports` to extract."""
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    if settings.task_runner == "thread" or n_files < 2:
        return ThreadPoolTaskRunner(max_workers=1 if n_files < 2 else (settings.workers or None))
    _share_api_with_workers()
    _one_thread_per_worker()
    warm = {"initializer": stages.warm_worker, "initargs": (settings.extractor,)} if reports else {}
    return ProcessPoolTaskRunner(max_workers=min(n_files, settings.workers or os.cpu_count() or 1), **warm)


# Each worker process of the pool is meant to use one core. Numerical libraries start a thread per core by
# default (OpenBLAS under spaCy, polars): N processes of N threads on N cores spend their time waiting on each
# other (measured: two such workers extracted 40 reports slower than one). Set for the worker processes,
# which inherit the environment when they start; the user's own values win.
WORKER_THREAD_LIMITS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS")


def _one_thread_per_worker() -> None:
    for name in WORKER_THREAD_LIMITS:
        os.environ.setdefault(name, "1")


def _share_api_with_workers() -> None:
    """Worker processes inherit the environment: give them this run's API (a temporary server's address lives
    only in this process), or each would start a temporary server of its own."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    if ctx is not None and ctx.client is not None and not os.environ.get("PREFECT_API_URL"):
        os.environ["PREFECT_API_URL"] = str(ctx.client.api_url).rstrip("/")


def _read_all(files: list[InboxFile], staging: Path, settings: Settings, year: int | None) -> list:
    """Map the files over the task runner; report progress as they finish. The reports of each finished task
    are normalized and geocoded here, while the workers extract the next ones. A file whose read still fails
    after the retries becomes a reject, and the run goes on."""
    logger = get_run_logger()
    if not files:
        return []
    staged: dict[str, stages.StagedSource] = {}
    started, done = time.perf_counter(), 0
    workers = settings.workers or os.cpu_count() or 1
    units = work_units(files, workers)
    reports = any(f.path.suffix.lower() in REPORT_SUFFIXES for f in files)
    with task_runner_for(settings, len(units), reports) as runner:
        futures = runner.map(read_files, {"files": units, "staging": staging, "geo_root": settings.geo_root,
                                          "year": year, "batch_rows": settings.batch_rows})
        unit_of = {id(fut): unit for fut, unit in zip(futures, units, strict=True)}
        for fut in as_completed(futures):
            unit = unit_of[id(fut)]
            try:
                read = fut.result()
            except Exception as exc:  # noqa: BLE001 - still failing after the retries
                read = [stages.stage_failed(f, staging, "io_error", f"{type(exc).__name__}: {exc}") for f in unit]
            stages.finish_extracted(read, settings.geo_root)
            staged.update({s.record.path: s for s in read})
            done += len(unit)
            if len(files) > 1:
                elapsed = time.perf_counter() - started
                rate = done / elapsed if elapsed else 0.0
                left = (len(files) - done) / rate if rate else 0.0
                logger.info("files read %d/%d (%.2f files/s, about %.0f s left)", done, len(files), rate, left)
    return [staged[f.relpath] for f in files]


@flow(name="pipeline", log_prints=True, validate_parameters=True)
@on_working_database
def pipeline(inbox: Path = Path("data/inbox"), db: Path = Path("data/events.duckdb"), maps: Path = Path("maps"),
             year: int | None = None, task_runner: TaskRunnerName | None = None, dask_address: str | None = None,
             workers: int | None = None, batch_rows: int | None = None, full_dedupe: bool = False) -> dict:
    """One run over the inbox: only new or changed files are read; only the events they can reach are rebuilt;
    maps are drawn again only when the events changed. Settings not given here come from eventflow.yaml."""
    started = time.perf_counter()
    settings = _with_overrides(load_settings(), task_runner, dask_address, workers, batch_rows)
    logger = get_run_logger()
    plan = ingest(inbox, db)
    summary = RunSummary(len(plan.new), len(plan.changed), len(plan.unchanged), len(plan.duplicates),
                         len(plan.withdrawn))
    todo = plan.to_process
    staging = stages.new_staging_dir(db) if todo or plan.duplicates else None
    read_started = time.perf_counter()
    staged = _read_all(todo, staging, settings, year) if todo else []
    summary.read_seconds = round(time.perf_counter() - read_started, 2)
    summary.tasks_seconds = stages.tasks_seconds(staged)
    summary.peak_mb["read"] = _peak_mb()
    staged += [stages.stage_duplicate(f, original, staging) for f, original in plan.duplicates.items()]
    if staged:
        commit(db, staged)
        for key, value in stages.staged_summary(staged).items():
            setattr(summary, key, value)
    summary.peak_mb["store"] = _peak_mb()
    if staging is not None:
        stages.remove_staging(staging)
    store_reference(db, settings.geo_root)
    result = dedupe(db, full_dedupe)
    summary.events, summary.dedupe, summary.events_rebuilt = result.events, result.mode, result.scope
    summary.peak_mb["dedupe"] = _peak_mb()
    published = publish(db, maps, settings)
    summary.peak_mb["publish"] = _peak_mb()
    summary.files_written = [str(p) for p in published.written]
    summary.files_unchanged = [str(p) for p in published.unchanged]
    summary.notes = [*result.notes, *published.notes]
    summary.seconds = round(time.perf_counter() - started, 2)
    logger.info("run summary: %s", summary.as_dict())
    _artifacts(summary, staged, Path(maps), logger)
    return summary.as_dict()


def _peak_mb() -> int:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _with_overrides(settings: Settings, task_runner, dask_address, workers, batch_rows) -> Settings:
    given = {k: v for k, v in {"task_runner": task_runner, "dask_address": dask_address, "workers": workers,
                               "batch_rows": batch_rows}.items() if v is not None}
    settings = settings.model_copy(update=given)
    if settings.dask_address and "task_runner" not in given:    # an address means the cluster
        settings = settings.model_copy(update={"task_runner": "dask"})
    check_runner(settings)
    return settings


def _artifacts(summary: RunSummary, staged: list, maps: Path, logger) -> None:
    """The run summary (a table) and the rejects of this run (markdown, with links to the maps) as Prefect
    artifacts of the flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    rows = [{"measure": k.replace("_", " "), "value": str(v)} for k, v in summary.as_dict().items()
            if not isinstance(v, list)]
    create_table_artifact(key="eventflow-run-summary", table=rows, description="eventflow run summary")
    lines = ["# Rejects of this run", ""]
    counted = [s for s in staged if s.rejects]
    if counted:
        lines += ["| source | rows or mentions read | loaded | rejected |", "|---|---|---|---|"]
        lines += [f"| {s.record.path} | {s.record.records_total} | {s.record.records_loaded} | {s.rejects} |"
                  for s in counted]
        lines += ["", "Reasons: `eventflow sql \"SELECT * FROM reject_summary\"`."]
    else:
        lines.append("No record was rejected in this run.")
    pages = [Path(p) for p in summary.files_written + summary.files_unchanged if p.endswith(".html")]
    if pages:
        lines += ["", "## Maps", ""] + [f"- [{p.name}]({p.resolve().as_uri()})" for p in pages]
    if summary.notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in summary.notes]
    create_markdown_artifact(key="eventflow-rejects", markdown="\n".join(lines), description="eventflow rejects")
