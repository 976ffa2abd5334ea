"""The pipeline's stages as plain functions; flows/pipeline.py wraps each in a Prefect task."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from flows import store
from flows.config import load_settings
from flows.ingest.discover import InboxFile, discover, split_by_state
from flows.ingest.errors import UnreadableSource
from flows.ingest.reports import REPORT_FORMATS, REPORT_SUFFIXES, read_report
from flows.model import empty_mentions
from flows.normalize import normalize
from flows.progress import log
from flows.publish import PublishResult, publish
from flows.publish.atomic import moved, swapped_folder
from flows.rejects import cap_text, conform_rejects, empty_rejects, reject_frame


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
class SourceBatch:
    """What one source yields before geocoding and storing."""

    file: InboxFile
    record: store.SourceRecord
    mentions: pl.DataFrame = field(default_factory=empty_mentions)
    rejects: pl.DataFrame = field(default_factory=empty_rejects)


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


def duplicate_batch(f: InboxFile, original: str) -> SourceBatch:
    """A file whose content is already stored under another name: recorded, rejected once, not read again."""
    record = store.SourceRecord(path=f.relpath, sha256=f.sha256, format="duplicate", size_bytes=f.size_bytes,
                                records_total=1, records_rejected=1)
    return SourceBatch(f, record, rejects=_file_reject(
        f, "duplicate_file", f"same content as {original}, which is already ingested; not read again"))


def _file_reject(f: InboxFile, reason: str, detail: str, stage: str = "ingest") -> pl.DataFrame:
    return reject_frame([{"source": f.relpath, "locator": "file", "stage": stage, "reason": reason, "detail": detail}])


def extract_or_map(f: InboxFile, year: int | None = None) -> SourceBatch:
    """Read one inbox file: a dataset's rows are mapped, a report's text is extracted.

    Never raises: a file that cannot be used yields a reject row with the reason."""
    record = store.SourceRecord(path=f.relpath, sha256=f.sha256, format="unknown", size_bytes=f.size_bytes)
    batch = SourceBatch(f, record)
    if f.problem:   # a link out of the inbox, a pipe, an empty file, a report over the size limit: never read
        batch.rejects = _file_reject(f, *f.problem)
        return batch
    try:
        from flows.ingest.datasets import read_dataset, sniff_dataset

        fmt = sniff_dataset(f.path)
        if fmt is not None:
            res = read_dataset(f.path, f.relpath, f.sha256)
            record.format, record.records_total = res.format, res.records_total
            batch.mentions, batch.rejects = res.mentions, conform_rejects(res.rejects)
        elif f.path.suffix.lower() in REPORT_SUFFIXES:
            from flows.extract import coverage_year, extract_report

            doc = read_report(f.path, f.relpath, f.sha256)
            record.format, record.text = doc.format, doc.text
            record.title, record.publisher, record.url = (doc.meta.get(k) for k in ("title", "publisher", "url"))
            record.coverage_year = coverage_year(doc, year)
            batch.mentions = extract_report(doc, year=record.coverage_year)
        else:
            detail = f"'{f.path.suffix}' files are neither a report nor a known dataset"
            raise UnreadableSource("unknown_format", detail)
    except UnreadableSource as exc:
        batch.rejects = _file_reject(f, exc.reason, exc.detail)
    except Exception as exc:  # a reader bug must not lose the rest of the batch
        detail = f"{type(exc).__name__}: {exc} | {traceback.format_exc(limit=3)[-600:]}"
        batch.rejects = _file_reject(f, "reader_error", detail)
    return batch


def normalize_batch(batch: SourceBatch) -> SourceBatch:
    """Validate the batch's mentions; failures join its rejects."""
    settings = load_settings()
    valid, bad = normalize(batch.mentions, settings=settings)
    batch.mentions = valid
    batch.rejects = cap_text(pl.concat([batch.rejects, bad], how="vertical_relaxed"), settings.max_field_chars)
    _account(batch)
    return batch


def _account(batch: SourceBatch) -> None:
    """records_total = records_loaded + records_rejected, for datasets (rows) and reports (mentions)."""
    rec, m, r = batch.record, batch.mentions, batch.rejects
    if rec.format in REPORT_FORMATS | {"unknown", "duplicate"}:   # counted in mentions, not rows
        rec.records_loaded = m.height
        rec.records_rejected = r.height
        rec.records_total = rec.records_loaded + rec.records_rejected
        return
    loaded_rows = set(m["row_number"].drop_nulls().to_list())
    rec.records_loaded = len(loaded_rows)
    rec.records_rejected = rec.records_total - rec.records_loaded
    rejected_rows = {int(loc[4:]) for loc in r["locator"].drop_nulls().to_list() if loc.startswith("row:")}
    unaccounted = set(range(1, rec.records_total + 1)) - loaded_rows - rejected_rows
    if unaccounted:  # a reader lost rows without saying why: make the loss visible
        batch.rejects = pl.concat([batch.rejects, reject_frame([
            {"source": rec.path, "locator": f"row:{n}", "stage": "map", "reason": "no_event",
             "detail": "the reader produced neither a mention nor a reject for this row"} for n in sorted(unaccounted)
        ])])


def geocode_batches(batches: list[SourceBatch], geo_root: Path) -> list[SourceBatch]:
    """Geocode the mentions of all batches in one vectorised call."""
    from flows.geocode import geocode_mentions

    frames = [b.mentions for b in batches if b.mentions.height]
    if not frames:
        return batches
    sizes = [b.mentions.height for b in batches]
    coded = geocode_mentions(pl.concat(frames, how="vertical_relaxed"), geo_root)
    offset = 0
    for b, n in zip(batches, sizes, strict=True):
        b.mentions = coded.slice(offset, n)
        offset += n
    return batches


def store_batches(db: Path, batches: list[SourceBatch]) -> None:
    """One transaction per source."""
    with store.connect(db) as con:
        for b in batches:
            store.store_source(con, b.record, b.mentions, b.rejects)


def store_reference(db: Path, geo_root: Path) -> None:
    """Refresh the regions and places tables from the country packs."""
    from flows.geocode import places_frame, regions_frame

    with store.connect(db) as con:
        store.replace_reference(con, "regions", regions_frame(geo_root))
        store.replace_reference(con, "places", places_frame(geo_root))


def dedupe_all(db: Path) -> tuple[int, list[str]]:
    """Rebuild events from every stored mention, with the analysts' overrides applied (the review desk's
    decisions imported first). Returns the event count and notes on overrides that could not be applied."""
    from flows.dedupe import build_events
    from flows.review.sync import import_reviews

    with store.connect(db) as con:
        review_notes = import_reviews(con, db)
        mentions, overrides = store.load_mentions(con), store.load_overrides(con)
        events, links = build_events(mentions, overrides)
        store.replace_events(con, events, links)
        return events.height, [*review_notes, *override_notes(mentions, overrides)]


def override_notes(mentions: pl.DataFrame, overrides: pl.DataFrame) -> list[str]:
    """Overrides that did nothing this run: their mention is gone (its source changed or was withdrawn), or
    they cannot be applied as written. Said in the run summary, never silently skipped."""
    from flows.overrides import invalid_overrides

    notes = []
    added = overrides.filter(pl.col("action") == "add").select("mention_id")   # in no source's mentions
    known = pl.concat([mentions.select("mention_id"), added])
    orphans = overrides.join(known, on="mention_id", how="anti")["override_id"].to_list()
    if orphans:
        notes.append(f"{len(orphans)} override(s) match no mention and were not applied: {', '.join(orphans[:10])}")
    for oid, problem in invalid_overrides(overrides).select("override_id", "problem").iter_rows():
        notes.append(f"override {oid} was not applied: {problem}")
    return notes


def publish_maps(db: Path, maps_dir: Path, settings) -> PublishResult:
    """Write the maps and timelines from the events table (only files whose content changed), swapped in as a
    complete set: a reader of maps_dir sees the old pages or the new ones, never a mix."""
    with store.connect(db) as con:
        events = store.load_events(con)
    with swapped_folder(maps_dir, say=log) as staging:
        result = publish(events, staging, settings, settings.geo_root)
    result.written, result.unchanged = moved(result.written, staging, maps_dir), moved(result.unchanged, staging,
                                                                                        maps_dir)
    return result


def batch_summary(batches: list[SourceBatch]) -> dict:
    mentions = sum(b.mentions.height for b in batches)
    rejects = sum(b.rejects.height for b in batches)
    unresolved = sum(
        int((b.mentions["geo_flag"] == "unresolved_place").sum() or 0) for b in batches if b.mentions.height
    )
    return {"mentions": mentions, "rejects": rejects, "unresolved_places": unresolved}
