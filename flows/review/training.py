"""Reviewed mentions as training material for the extractor (`eventflow train --with-reviews`).

For every report source with at least one reviewed mention: its text, and the spans analysts stood behind
(confirmed as extracted; corrected, with the values after correction; added from a selected sentence) and the
spans they rejected (dropped: not an event). A mention an analyst only merged or kept apart counts as
confirmed (it was judged a real event); hand-written overrides of the database count like the desk's.
Dataset rows have no text to learn from and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import polars as pl

from flows.overrides import apply_overrides, review_status
from flows.review.journal import OVERRIDE_PREFIX, Journal, journal_path
from flows.review.snapshot import read_snapshot, read_text


class ReviewedSpan(NamedTuple):
    """An event mention as an analyst accepted it."""

    event_type: str
    date_start: date
    date_end: date
    char_start: int
    char_end: int
    subtype: str
    country: str


class DroppedSpan(NamedTuple):
    """A mention an analyst said is not an event."""

    char_start: int
    char_end: int
    event_type: str


@dataclass
class ReviewedDoc:
    """One report with its reviewed mentions (spans are offsets into `text`)."""

    source: str                     # the source's name in the database (inbox-relative path)
    sha256: str
    title: str | None
    text: str
    confirmed: list[ReviewedSpan] = field(default_factory=list)
    corrected: list[ReviewedSpan] = field(default_factory=list)
    added: list[ReviewedSpan] = field(default_factory=list)
    dropped: list[DroppedSpan] = field(default_factory=list)


def reviewed_documents(db_path: Path | str) -> list[ReviewedDoc]:
    """The report sources of the database at `db_path` with reviewed mentions, sorted by source name; the
    decisions are those of the journal beside it (undone ones excluded) and the hand-written overrides."""
    db = Path(db_path)
    snapshot = read_snapshot(db)
    hand = snapshot.overrides.filter(~pl.col("override_id").str.starts_with(OVERRIDE_PREFIX))
    overrides = pl.concat([hand, Journal(journal_path(db), create=False).overrides()])
    if overrides.is_empty():
        return []
    mentions = snapshot.mentions.drop("event_id")
    dropped_ids = overrides.filter(pl.col("action") == "drop")["mention_id"].implode()
    kept, _ = apply_overrides(mentions, overrides.filter(pl.col("action") != "drop"))
    reviewed = kept.join(review_status(overrides), on="mention_id").filter(
        ~pl.col("mention_id").is_in(dropped_ids))
    dropped = kept.filter(pl.col("mention_id").is_in(dropped_ids)).with_columns(
        pl.lit("dropped").alias("review_status"))
    spans = pl.concat([reviewed, dropped]).filter(
        (pl.col("source_kind") == "report") & pl.col("char_start").is_not_null())
    sources = snapshot.sources.filter(pl.col("has_text")).select("path", "sha256", "title")
    docs = []
    for (source,), rows in sorted(spans.group_by("source"), key=lambda g: g[0][0]):
        meta = sources.filter(pl.col("path") == source)
        text = read_text(db, source) if meta.height else None
        if text is None:
            continue
        doc = ReviewedDoc(source, meta["sha256"][0], meta["title"][0], text)
        lists = {"confirmed": doc.confirmed, "corrected": doc.corrected, "added": doc.added}
        for r in rows.sort("char_start", "char_end", "mention_id").iter_rows(named=True):
            if r["review_status"] == "dropped":
                doc.dropped.append(DroppedSpan(r["char_start"], r["char_end"], r["event_type"]))
                continue
            lists[r["review_status"]].append(ReviewedSpan(
                r["event_type"], r["date_start"], r["date_end"], r["char_start"], r["char_end"], r["subtype"],
                r["country"]))
        docs.append(doc)
    return docs
