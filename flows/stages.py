"""The pipeline's stages as plain functions; flows/pipeline.py wraps each in a Prefect task.

A file is read, mapped or extracted, normalized and geocoded by one function (`stage_file`) that may run in a
worker process or on a Dask worker: a dataset streams batch by batch, and each batch's mentions and rejects land
as Parquet files in the run's staging folder. One writer (`commit_sources`) then stores each source in one
transaction, reading those files with DuckDB. Nothing large passes between processes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows import store
from flows.config import load_settings
from flows.ingest.discover import InboxFile, discover, split_by_state
from flows.ingest.errors import UnreadableSource
from flows.ingest.reports import REPORT_SUFFIXES, read_report
from flows.model import MENTION_COLUMNS
from flows.rejects import REJECT_SCHEMA, cap_text, reject_frame

log = logging.getLogger("eventflow")
Progress = Callable[[str], None]


@dataclass
class IngestPlan:
    new: list[InboxFile]
    changed: list[InboxFile]
    unchanged: list[InboxFile]
    duplicates: dict[InboxFile, str] = field(default_factory=dict)   # file: the source with the same content
    withdrawn: list[InboxFile] = field(default_factory=list)          # withdrawn by an analyst: not read

    @property
    def to_process(self) -> list[InboxFile]:
        return self.new + self.changed


@dataclass
class StagedSource:
    """What reading one file gave, as the writer needs it: the sources row and the Parquet files of its
    mentions and rejects (small and picklable: it travels back from worker processes)."""

    file: InboxFile
    record: store.SourceRecord
    mention_files: list[str] = field(default_factory=list)
    reject_files: list[str] = field(default_factory=list)
    mentions: int = 0
    rejects: int = 0
    unresolved_places: int = 0
    seconds: float = 0.0
    folder: str = ""             # its folder in the staging area
    started_at: float = 0.0      # wall clock (epoch seconds) when its reading began and ended
    finished_at: float = 0.0
    # A report's mentions as extracted, not yet normalized and geocoded (stage_file with geocode_reports=False):
    # the flow's process finishes them with finish_extracted, all of a task's reports at once.
    extracted_files: list[str] = field(default_factory=list)
    pending: bool = False


def plan_ingest(inbox: Path, db: Path) -> IngestPlan:
    """Hash the inbox files and compare them with the stored sources."""
    from flows.withdraw import is_withdrawn, withdrawn_sources

    files = discover(inbox)
    with store.connect(db) as con:
        known = store.known_sources(con)
        blocked = withdrawn_sources(con)
    withdrawn = [f for f in files if is_withdrawn(f, blocked)]
    plan = IngestPlan(*split_by_state([f for f in files if f not in withdrawn], known))
    plan.withdrawn = withdrawn
    return plan


def staging_root(db: Path) -> Path:
    """Where workers write a run's Parquet files: beside the database (a Dask cluster's workers must see it)."""
    db = Path(db)
    return db.with_name(db.name + ".staging")


def new_staging_dir(db: Path) -> Path:
    """A fresh folder for this run's files. Folders of earlier runs that stopped half-way are removed."""
    root = staging_root(db)
    if root.exists():
        shutil.rmtree(root, ignore_errors=True)
    folder = root / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True)
    return folder


def _file_reject(f: InboxFile, reason: str, detail: str, stage: str = "ingest") -> pl.DataFrame:
    return reject_frame([{"source": f.relpath, "locator": "file", "stage": stage, "reason": reason, "detail": detail}])


class _Writer:
    """Writes one source's batches to Parquet files in its own folder of the staging area."""

    def __init__(self, staging: Path, f: InboxFile):
        self.folder = Path(staging) / f"{f.sha256[:16]}-{uuid.uuid4().hex[:6]}"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.staged = StagedSource(f, store.SourceRecord(path=f.relpath, sha256=f.sha256, format="unknown",
                                                         size_bytes=f.size_bytes), folder=str(self.folder))

    @classmethod
    def resume(cls, staged: StagedSource) -> _Writer:
        """A writer that goes on with a source staged earlier (in its folder)."""
        writer = cls.__new__(cls)
        writer.folder, writer.staged = Path(staged.folder), staged
        return writer

    def add(self, mentions: pl.DataFrame, rejects: pl.DataFrame) -> None:
        n = len(self.staged.mention_files) + len(self.staged.reject_files)
        if mentions.height:
            path = self.folder / f"mentions-{n:05d}.parquet"
            mentions.select(MENTION_COLUMNS).write_parquet(path, compression="lz4")
            self.staged.mention_files.append(str(path))
            self.staged.mentions += mentions.height
            self.staged.unresolved_places += int((mentions["geo_flag"] == "unresolved_place").sum() or 0)
        if rejects.height:
            path = self.folder / f"rejects-{n:05d}.parquet"
            rejects.select(list(REJECT_SCHEMA)).write_parquet(path, compression="lz4")
            self.staged.reject_files.append(str(path))
            self.staged.rejects += rejects.height

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.staged.mention_files, self.staged.reject_files, self.staged.extracted_files = [], [], []
        self.staged.mentions = self.staged.rejects = self.staged.unresolved_places = 0
        self.staged.pending = False


def unaccounted_rows(source: str, first_row: int, rows: int, mentions: pl.DataFrame, rejects: pl.DataFrame
                     ) -> tuple[int, pl.DataFrame]:
    """(rows loaded, rejects for the rows of [first_row, first_row + rows) that gave neither a mention nor a
    reject): a reader that loses a row without saying why makes the loss visible."""
    loaded = mentions["row_number"].drop_nulls().unique()
    locators = rejects["locator"].drop_nulls()
    rejected = locators.filter(locators.str.starts_with("row:")).str.slice(4).cast(pl.Int64, strict=False)
    batch = pl.int_range(first_row, first_row + rows, dtype=pl.Int64, eager=True)
    lost = batch.filter(~batch.is_in(pl.concat([loaded.cast(pl.Int64), rejected]).drop_nulls().implode()))
    extra = reject_frame([
        {"source": source, "locator": f"row:{n}", "stage": "map", "reason": "no_event",
         "detail": "the reader produced neither a mention nor a reject for this row"} for n in lost.to_list()])
    return loaded.len(), extra


def _normalize_geocode(mentions: pl.DataFrame, geo_root: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mentions validated (the settings' date window, count bounds and field sizes) and geocoded; the rejects
    with their long texts cut."""
    from flows.config import load_settings
    from flows.geocode import geocode_mentions
    from flows.normalize import normalize

    settings = load_settings()
    valid, bad = normalize(mentions, settings=settings)
    if valid.height:
        valid = geocode_mentions(valid, geo_root)
    return valid, cap_text(bad, settings.max_field_chars)


def stage_file(f: InboxFile, staging: Path, geo_root: Path, year: int | None = None,
               batch_rows: int | None = None, progress: Progress | None = None,
               reraise: Callable[[BaseException], bool] | None = None, geocode_reports: bool = True) -> StagedSource:
    """Read one inbox file into the staging area: a dataset's rows are mapped batch by batch, a report's
    text is extracted; mentions are normalized and geocoded (a report's are left to finish_extracted when
    not `geocode_reports`). A file that cannot be used yields a reject row with the reason (and nothing of it
    is half-kept); only errors for which `reraise` says so (a transient I/O error the caller retries) are
    raised."""
    from flows.ingest.datasets import DEFAULT_BATCH_ROWS, iter_dataset, sniff

    started, started_at = time.perf_counter(), time.time()
    out = _Writer(staging, f)
    record = out.staged.record
    try:
        if f.problem:   # a link out of the inbox, a pipe, an empty file, a report over the size limit: never read
            raise UnreadableSource(*f.problem)
        sniffed = sniff(f.path)
        if sniffed is not None:
            total_guess = max(int(f.size_bytes / max(sniffed.bytes_per_row, 1.0)), 1)
            for batch in iter_dataset(f.path, f.relpath, f.sha256, batch_rows or DEFAULT_BATCH_ROWS, sniffed):
                record.format = batch.format
                valid, bad = _normalize_geocode(batch.mentions, geo_root)
                rejects = pl.concat([batch.rejects, bad], how="vertical_relaxed")
                rejects = cap_text(rejects, load_settings().max_field_chars) if batch.rejects.height else rejects
                loaded, lost = unaccounted_rows(f.relpath, batch.first_row, batch.rows, valid, rejects)
                out.add(valid, pl.concat([rejects, lost], how="vertical_relaxed"))
                record.records_total += batch.rows
                record.records_loaded += loaded
                if progress:
                    progress(_rate_message(f.relpath, record.records_total, total_guess, started))
            record.records_rejected = record.records_total - record.records_loaded
        elif f.path.suffix.lower() in REPORT_SUFFIXES:
            _stage_report(f, record, out, geo_root if geocode_reports else None, year)
        else:
            detail = f"'{f.path.suffix}' files are neither a report nor a known dataset"
            raise UnreadableSource("unknown_format", detail)
    except UnreadableSource as exc:
        _file_failed(out, f, exc.reason, exc.detail)
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        if reraise is not None and reraise(exc):
            out.discard()
            raise
        detail = f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)[-600:]}"
        _file_failed(out, f, "reader_error", detail)
    out.staged.seconds = time.perf_counter() - started
    out.staged.started_at, out.staged.finished_at = started_at, time.time()
    return out.staged


def _stage_report(f: InboxFile, record: store.SourceRecord, out: _Writer, geo_root: Path | None,
                  year: int | None) -> None:
    """Extract a report's mentions; normalize and geocode them too unless geo_root is None (then they wait
    in an `extracted` Parquet file for finish_extracted)."""
    from flows.extract import coverage_year, extract_report
    from flows.model import conform

    doc = read_report(f.path, f.relpath, f.sha256)
    record.format, record.text = doc.format, doc.text
    record.title, record.publisher, record.url = (doc.meta.get(k) for k in ("title", "publisher", "url"))
    record.coverage_year = coverage_year(doc, year)
    mentions = extract_report(doc, year=record.coverage_year)
    if geo_root is None:
        out.staged.pending = True
        if mentions.height:
            path = out.folder / "extracted.parquet"
            conform(mentions).write_parquet(path, compression="lz4")
            out.staged.extracted_files.append(str(path))
        return
    valid, bad = _normalize_geocode(mentions, geo_root)
    out.add(valid, bad)
    _count_mentions(record, valid.height, bad.height)


WARM_UP_TEXT = "On 5 May 2022 police detained 12 protesters at a rally in Almaty, Kazakhstan."


def warm_worker(extractor: str | None = None) -> None:
    """Process-pool initializer: load the report extractor (its lexicons, model and spaCy pipeline) once, when
    the worker starts, so that its task runs extract instead of loading. A failure here is left for the tasks
    to meet (each file then becomes a reject with the reason), never a broken pool."""
    try:
        from flows.extract import extract_report
        from flows.extract.entities import nlp
        from flows.ingest.reports import ReportDoc

        nlp()
        extract_report(ReportDoc("warm-up.txt", "", "txt", WARM_UP_TEXT), year=2022, extractor=extractor)
    except Exception:  # noqa: BLE001 - reported by the tasks that need the extractor
        log.warning("worker warm-up failed: %s", traceback.format_exc(limit=2))


def finish_extracted(staged: list[StagedSource], geo_root: Path) -> None:
    """Normalize and geocode the extracted mentions of the pending reports among `staged` at once (the
    gazetteers of their countries are loaded once, in this process), then write each report's mentions and
    rejects to its staging folder as stage_file would have. A failure fails those reports (reader_error),
    never the run."""
    from flows.model import empty_mentions

    pending = [s for s in staged if s.pending]
    if not pending:
        return
    try:
        files = [p for s in pending for p in s.extracted_files]
        mentions = pl.concat([pl.read_parquet(p) for p in files], how="vertical_relaxed") if files \
            else empty_mentions()
        valid, bad = _normalize_geocode(mentions, geo_root)
        for s in pending:
            out = _Writer.resume(s)
            mine_valid = valid.filter(pl.col("source") == s.record.path)
            mine_bad = bad.filter(pl.col("source") == s.record.path)
            out.add(mine_valid, mine_bad)
            _count_mentions(s.record, mine_valid.height, mine_bad.height)
    except Exception as exc:  # a bug in normalizing or geocoding must not lose the other files of the run
        detail = f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)[-600:]}"
        for s in pending:
            _file_failed(_Writer.resume(s), s.file, "reader_error", detail)
    for s in pending:
        for p in s.extracted_files:
            Path(p).unlink(missing_ok=True)
        s.extracted_files, s.pending = [], False


def _count_mentions(record: store.SourceRecord, loaded: int, rejected: int) -> None:
    """A report (or a file refused whole) is counted in mentions, not rows."""
    record.records_loaded, record.records_rejected = loaded, rejected
    record.records_total = loaded + rejected


def _file_failed(out: _Writer, f: InboxFile, reason: str, detail: str) -> None:
    out.discard()
    out.staged.record = store.SourceRecord(path=f.relpath, sha256=f.sha256, format="unknown", size_bytes=f.size_bytes)
    out.add(pl.DataFrame(), _file_reject(f, reason, detail))
    _count_mentions(out.staged.record, 0, 1)


def _rate_message(name: str, done: int, total_guess: int, started: float) -> str:
    elapsed = max(time.perf_counter() - started, 1e-6)
    rate = done / elapsed
    total = max(total_guess, done)
    eta = (total - done) / rate if rate else 0.0
    return (f"{name}: {done:,} rows read of about {total:,} ({rate:,.0f} rows/s, "
            f"{'done' if done >= total else f'about {eta:.0f} s left'})")


@dataclass
class SourceBatch:
    """One file's rows read back into memory (small files, tests, tools)."""

    file: InboxFile
    record: store.SourceRecord
    mentions: pl.DataFrame
    rejects: pl.DataFrame


def extract_or_map(f: InboxFile, year: int | None = None) -> SourceBatch:
    """One inbox file read as a run reads it (stage_file), into memory: its mentions (normalized, geocoded)
    and rejects. Never raises for a file that cannot be used."""
    import tempfile

    from flows.model import empty_mentions
    from flows.rejects import empty_rejects

    with tempfile.TemporaryDirectory() as tmp:
        staged = stage_file(f, Path(tmp), load_settings().geo_root, year)
        mentions = pl.concat([pl.read_parquet(p) for p in staged.mention_files]) if staged.mention_files \
            else empty_mentions()
        rejects = pl.concat([pl.read_parquet(p) for p in staged.reject_files]) if staged.reject_files \
            else empty_rejects()
    return SourceBatch(f, staged.record, mentions, rejects)


def stage_duplicate(f: InboxFile, original: str, staging: Path) -> StagedSource:
    """A file whose content is already stored under another name: recorded, rejected once, not read again."""
    out = _Writer(staging, f)
    out.staged.record.format = "duplicate"
    out.add(pl.DataFrame(), _file_reject(
        f, "duplicate_file", f"same content as {original}, which is already ingested; not read again"))
    _count_mentions(out.staged.record, 0, 1)
    return out.staged


def stage_failed(f: InboxFile, staging: Path, reason: str, detail: str) -> StagedSource:
    """A file that could not be read even after retries: one reject row with the reason."""
    out = _Writer(staging, f)
    _file_failed(out, f, reason, detail)
    return out.staged


def remove_staging(staging: Path) -> None:
    """Remove a run's staging folder once its files are committed."""
    shutil.rmtree(staging, ignore_errors=True)


def commit_sources(db: Path, staged: list[StagedSource]) -> None:
    """The one writer: each source in its own transaction, from its Parquet files."""
    with store.connect(db) as con:
        for s in staged:
            store.store_source_files(con, s.record, s.mention_files, s.reject_files)


def dedupe_all(db: Path) -> tuple[int, list[str]]:
    """Every event rebuilt (reviews imported first): (events, notes). For callers of the earlier full-only
    stage; runs use dedupe_events, which rebuilds only what changed."""
    result = dedupe_events(db, full=True)
    return result.events, result.notes


def _pack_fingerprint(geo_root: Path) -> str:
    files = sorted(p for p in Path(geo_root).rglob("*") if p.is_file())
    parts = [f"{p.relative_to(geo_root)}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files]
    return hashlib.sha256("\n".join([str(Path(geo_root).resolve()), *parts]).encode("utf-8")).hexdigest()


def store_reference(db: Path, geo_root: Path) -> bool:
    """Refresh the regions and places tables from the country packs, when the pack files changed since they
    were last loaded. Returns True when the tables were rewritten."""
    fingerprint = _pack_fingerprint(geo_root)
    with store.connect(db) as con:
        if con.execute("SELECT count(*) FROM reference_state WHERE fingerprint = ?", [fingerprint]).fetchone()[0]:
            return False
        # imported here: the geocoder loads geopandas, needed only when the packs changed
        from flows.geocode import places_frame, regions_frame

        changed = store.replace_reference(con, "regions", regions_frame(geo_root))
        changed = store.replace_reference(con, "places", places_frame(geo_root)) or changed
        with store.transaction(con):
            con.execute("DELETE FROM reference_state")
            con.execute("INSERT INTO reference_state VALUES (?)", [fingerprint])
    return changed


def dedupe_events(db: Path, full: bool = False):
    """Bring the events up to date with the stored mentions and the analysts' overrides, the review desk's
    decisions imported first (flows/dedupe_db.py): only the events that changed mentions can reach are
    rebuilt."""
    from flows.dedupe_db import dedupe
    from flows.review.sync import import_reviews

    with store.connect(db) as con:
        review_notes = import_reviews(con, db)
        result = dedupe(con, full=full)
    result.notes = [*review_notes, *result.notes]
    return result


def _publish_fingerprint(con, settings) -> str:
    from flows import __version__

    version = con.execute("SELECT max(version) FROM events_version").fetchone()[0]
    return f"{__version__}|{version}|{settings.map_tiles}|{settings.tile_url}|{settings.geo_root}"


@dataclass
class Published:
    written: list[Path] = field(default_factory=list)     # pages rewritten (their content changed)
    unchanged: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def publish_maps(db: Path, maps_dir: Path, settings, force: bool = False) -> Published:
    """Write the maps and timelines from the events table, aggregated in DuckDB (only the pages whose data
    changed are drawn again). When neither the events nor the map settings changed since this folder was
    last published, and its pages are all there, nothing is drawn (and the drawing code is not even loaded)."""
    maps_dir = Path(maps_dir)
    with store.connect(db) as con:
        fingerprint = _publish_fingerprint(con, settings)
        key = str(maps_dir.resolve())
        last = con.execute("SELECT fingerprint, notes FROM published WHERE maps = ?", [key]).fetchone()
        pages = sorted(maps_dir.glob("*.html")) + sorted(maps_dir.glob("*.png")) if maps_dir.is_dir() else []
        present = all((maps_dir / name).is_file() for name in ("index.html", "timeline.html"))
        if not force and last and last[0] == fingerprint and present:
            return Published(unchanged=pages, notes=json.loads(last[1]))
        from flows.progress import log
        from flows.publish import publish
        from flows.publish.atomic import moved, swapped_folder

        with swapped_folder(maps_dir, say=log) as staging:   # readers see the old pages or the new ones
            drawn = publish(con, staging, settings, settings.geo_root)
        result = Published(moved(drawn.written, staging, maps_dir), moved(drawn.unchanged, staging, maps_dir),
                           drawn.notes)
        with store.transaction(con):
            con.execute("DELETE FROM published WHERE maps = ?", [key])
            con.execute("INSERT INTO published VALUES (?, ?, ?, ?)",
                        [key, fingerprint, json.dumps(result.notes), store.utc_now()])
    return result


def tasks_seconds(staged: list[StagedSource]) -> float:
    """Wall time from the first file's reading start to the last one's end."""
    timed = [s for s in staged if s.finished_at]
    return round(max(s.finished_at for s in timed) - min(s.started_at for s in timed), 2) if timed else 0.0


def staged_summary(staged: list[StagedSource]) -> dict:
    return {"mentions": sum(s.mentions for s in staged), "rejects": sum(s.rejects for s in staged),
            "unresolved_places": sum(s.unresolved_places for s in staged)}

