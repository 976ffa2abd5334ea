"""What the review desk can do, as plain methods (the HTTP server in flows/review/server.py only routes to them).

The desk shows the database's mentions (read-only, flows/review/snapshot.py) with every decision of the journal
applied at once, by the same flows.overrides functions a run uses; it writes only to the journal.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date, datetime
from pathlib import Path

import polars as pl

from flows.config import GEO_ROOT
from flows.model import COUNT_RANGES, MENTION_SCHEMA, event_json_schema, stable_id, typology
from flows.overrides import REVIEW_STATUSES, apply_overrides, check_override, review_status
from flows.review.journal import OVERRIDE_PREFIX, Change, Journal, journal_path
from flows.review.rules import review_rules
from flows.review.snapshot import DatabaseBusy, Snapshot, is_being_written, read_snapshot, read_text, signature
from flows.review.spans import quote_spans

PLACE_FIELDS = ("place_name", "lat", "lon", "geo_precision", "admin1_iso", "admin1_iso_at_event", "geo_flag")
DATE_FIELDS = ("date_start", "date_end")
DESK_STATUSES = (*REVIEW_STATUSES, "dropped")
DECISIONS = ("confirm", "drop", "split", "merge", "set")
TEXT_CACHE = 32             # source texts kept in memory
ORDER_CACHE = 16            # sorted queues kept (one per filter combination)


class ReviewError(Exception):
    """A request the desk refuses, with a message for the analyst (HTTP 400)."""


class NotFound(ReviewError):
    """No such mention (HTTP 404)."""


def _text(value: object) -> str:
    """A column value as the text an override stores ('' for null)."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _typed(columns: dict) -> pl.DataFrame:
    """One mention row, MENTION_SCHEMA-typed, from values given as text or typed ('' is null)."""
    text = {k: _text(columns.get(k)) or None for k in MENTION_SCHEMA}
    frame = pl.DataFrame([text], schema=dict.fromkeys(MENTION_SCHEMA, pl.Utf8))
    return frame.with_columns(
        [pl.col(c).str.to_date("%Y-%m-%d", strict=False) for c in DATE_FIELDS]
        + [pl.col(c).cast(t, strict=False) for c, t in MENTION_SCHEMA.items() if t != pl.Utf8 and c not in DATE_FIELDS])


def _plain(row: dict) -> dict:
    """A row as JSON-able values."""
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}


class Desk:
    """One analyst's desk over the database at `db` (and its journal beside it)."""

    def __init__(self, db: Path | str, analyst: str, geo_root: Path = GEO_ROOT):
        self.db, self.analyst, self.geo_root = Path(db), analyst, Path(geo_root)
        self.rules = review_rules()
        self.journal = Journal(journal_path(self.db))
        self._lock = threading.RLock()
        self._snapshot: Snapshot = read_snapshot(self.db)
        self._busy = False
        self._texts: OrderedDict[tuple, str | None] = OrderedDict()
        self._view_key: tuple | None = None
        self._view: pl.DataFrame | None = None
        self._order: dict[tuple, pl.Series] = {}

    # --- the data: database snapshot + journal ---------------------------------------------------------

    def data_status(self) -> dict:
        """When the shown data was read, and whether the database changed since (a run finished)."""
        try:
            changed = signature(self.db) != self._snapshot.signature
        except FileNotFoundError:
            changed = False
        return {"loaded_at": self._snapshot.loaded_at.isoformat(timespec="seconds"), "changed": changed,
                "busy": self._busy or is_being_written(self.db), "journal": str(self.journal.path)}

    def reload(self) -> dict:
        """Read the database again (the journal's decisions stay applied). If a run holds it, keep the data
        read last and say so."""
        try:
            snapshot = read_snapshot(self.db)
        except DatabaseBusy:
            with self._lock:
                self._busy = True
            return {**self.data_status(), "reloaded": False}
        with self._lock:
            self._snapshot, self._busy, self._view_key = snapshot, False, None
            self._texts.clear()
        return {**self.data_status(), "reloaded": True}

    def _overrides(self, mention_id: str | None = None) -> pl.DataFrame:
        """Overrides that apply now (of one mention, or all): hand-written ones of the database, and the
        journal's decisions."""
        hand = self._snapshot.overrides.filter(~pl.col("override_id").str.starts_with(OVERRIDE_PREFIX))
        if mention_id is not None:
            hand = hand.filter(pl.col("mention_id") == mention_id)
        return pl.concat([hand, self.journal.overrides(mention_id)])

    def _overlay(self, base: pl.DataFrame, overrides: pl.DataFrame, versions: dict[str, int]) -> pl.DataFrame:
        """Mentions as the next run will see them (added ones included, dropped ones kept and marked), with
        event_id, review_status and version."""
        applied, _ = apply_overrides(base.drop("event_id"), overrides.filter(pl.col("action") != "drop"))
        dropped = overrides.filter(pl.col("action") == "drop")["mention_id"].implode()
        version = pl.DataFrame(list(versions.items()), orient="row",
                               schema={"mention_id": pl.Utf8, "version": pl.Int64})
        status = pl.when(pl.col("mention_id").is_in(dropped)).then(pl.lit("dropped")).otherwise(
            pl.col("review_status").fill_null(REVIEW_STATUSES[0])).alias("review_status")
        return (applied.join(base.select("mention_id", "event_id"), on="mention_id", how="left")
                .join(review_status(overrides), on="mention_id", how="left").with_columns(status)
                .join(version, on="mention_id", how="left").with_columns(pl.col("version").fill_null(0)))

    def view(self) -> pl.DataFrame:
        """Every mention with every decision applied (rebuilt when the journal or the database changed)."""
        return self._keyed_view()[1]

    def _keyed_view(self) -> tuple[tuple, pl.DataFrame]:
        with self._lock:
            key = (self._snapshot.signature, self.journal.last_seq())
            if key != self._view_key or self._view is None:
                self._view = self._overlay(self._snapshot.mentions, self._overrides(), self.journal.versions())
                self._view_key = key
            return key, self._view

    def _row(self, mention_id: str) -> dict:
        """One mention with its decisions applied (computed for it alone: a decision need not rebuild the view)."""
        base = self._snapshot.mentions.filter(pl.col("mention_id") == mention_id)
        version = self.journal.versions(mention_id)
        hit = self._overlay(base, self._overrides(mention_id), version).filter(pl.col("mention_id") == mention_id)
        if hit.is_empty():
            raise NotFound(f"no mention {mention_id}")
        return hit.row(0, named=True)

    def _exists(self, mention_id: str) -> bool:
        try:
            self._row(mention_id)
        except NotFound:
            return False
        return True

    def _source_text(self, source: str) -> str | None:
        key = (self._snapshot.signature, source)
        with self._lock:
            if key in self._texts:
                self._texts.move_to_end(key)
                return self._texts[key]
        text = read_text(self.db, source)
        with self._lock:
            self._texts[key] = text
            while len(self._texts) > TEXT_CACHE:
                self._texts.popitem(last=False)
        return text

    # --- reading: the queue and one mention -------------------------------------------------------------

    def queue(self, filters: dict[str, str], offset: int = 0, limit: int | None = None) -> dict:
        """A page of the queue (least confident first unless `order` says otherwise), the progress within
        the filters (review status aside) and the values the filters can take."""
        limit = limit or self.rules.queue_page
        view_key, v = self._keyed_view()
        chosen = v
        for key, col in (("source", "source"), ("event_type", "event_type"), ("country", "country"),
                         ("region", "admin1_iso")):
            if filters.get(key):
                chosen = chosen.filter(pl.col(col) == filters[key])
        for key, op in (("date_from", "ge"), ("date_to", "le")):
            if filters.get(key):
                try:
                    day = date.fromisoformat(filters[key])
                except ValueError as exc:
                    raise ReviewError(f"{key} must be a date YYYY-MM-DD, not {filters[key]!r}") from exc
                chosen = chosen.filter(pl.col("date_end") >= day if op == "ge" else pl.col("date_start") <= day)
        reviewed = chosen.filter(pl.col("review_status") != REVIEW_STATUSES[0]).height
        total = chosen.height
        status = filters.get("status") or "all"
        if status == "reviewed":
            chosen = chosen.filter(pl.col("review_status") != REVIEW_STATUSES[0])
        elif status != "all":
            if status not in DESK_STATUSES:
                raise ReviewError(f"status must be all, reviewed or one of {', '.join(DESK_STATUSES)}")
            chosen = chosen.filter(pl.col("review_status") == status)
        order = {
            "confidence": ["confidence", "source", "char_start", "row_number", "mention_id"],
            "document": ["source", "char_start", "row_number", "mention_id"],
            "date": ["date_start", "source", "char_start", "row_number", "mention_id"],
        }.get(filters.get("order") or "confidence")
        if order is None:
            raise ReviewError("order must be confidence, document or date")
        with self._lock:     # the order of a filtered queue is kept while the view stays the same (paging)
            cache_key = (view_key, tuple(sorted(filters.items())))
            if cache_key not in self._order:
                if len(self._order) >= ORDER_CACHE:
                    self._order.clear()
                self._order[cache_key] = chosen.select(order).with_row_index("_i").sort(
                    order, nulls_last=True)["_i"]
            rows = self._order[cache_key].slice(offset, limit)
        page = chosen[rows]
        return {
            "items": [self._summary(r) for r in page.iter_rows(named=True)],
            "offset": offset, "count": chosen.height, "total": total, "reviewed": reviewed,
            "options": {
                "source": v["source"].unique().sort().to_list(),
                "event_type": list(typology()["types"]),
                "country": v["country"].drop_nulls().unique().sort().to_list(),
                "region": v["admin1_iso"].drop_nulls().unique().sort().to_list(),
                "status": ["all", "reviewed", *DESK_STATUSES],
            },
            "data": self.data_status(),
        }

    @staticmethod
    def _summary(r: dict) -> dict:
        return {"id": r["mention_id"], "event_type": r["event_type"], "subtype": r["subtype"],
                "date_start": _text(r["date_start"]), "date_end": _text(r["date_end"]),
                "place": r["place_name"] or r["location_text"] or r["country"], "country": r["country"],
                "confidence": r["confidence"], "status": r["review_status"], "version": r["version"],
                "source": r["source"], "event_id": r["event_id"]}

    def summary(self, mention_id: str) -> dict:
        return self._summary(self._row(mention_id))

    def mention(self, mention_id: str, before: int | None = None, after: int | None = None) -> dict:
        """One mention: its fields now and as extracted, the source text around its evidence with the spans
        of its fields, its event and the other mentions in it, merge candidates and its decisions."""
        row = self._row(mention_id)
        original = self._snapshot.mentions.filter(pl.col("mention_id") == mention_id)
        return {
            "mention": _plain({k: row[k] for k in MENTION_SCHEMA}),
            "extracted": _plain(original.drop("event_id").row(0, named=True)) if original.height else None,
            "summary": self._summary(row),
            "context": self._context(row, before, after),
            "event": self._event(row),
            "candidates": self._candidates(row),
            "history": self._history(mention_id),
            "data": self.data_status(),
        }

    def _context(self, row: dict, before: int | None, after: int | None) -> dict:
        """The text around the evidence (a report's source text; a dataset row's own quote) with spans in
        absolute offsets of that text."""
        quote = row["quote"] or ""
        cap = self.rules.max_context_chars
        before = min(max(before or self.rules.context_chars, 0), cap)
        after = min(max(after or self.rules.context_chars, 0), cap)
        text, note = None, None
        if row["char_start"] is not None and row["source_kind"] == "report":
            try:
                text = self._source_text(row["source"])
            except DatabaseBusy:
                note = "The source text cannot be read while a run holds the database; the quote is shown."
        if text is None or text[row["char_start"]:row["char_end"]] != quote:
            spans = quote_spans(row, quote)
            return {"text": quote, "start": 0, "quote": [0, len(quote)], "spans": spans, "length": len(quote),
                    "selectable": False, "note": note or ("Dataset row: its notes are shown." if text is None else
                                                          "The source text changed; the quote is shown.")}
        cs, ce = row["char_start"], row["char_end"]
        ws, we = max(0, cs - before), min(len(text), ce + after)
        while ws > 0 and not text[ws - 1].isspace() and cs - ws < before + 40:   # start and end on word breaks
            ws -= 1
        while we < len(text) and not text[we].isspace() and we - ce < after + 40:
            we += 1
        spans = [{**s, "start": s["start"] + cs, "end": s["end"] + cs} for s in quote_spans(row, quote)]
        return {"text": text[ws:we], "start": ws, "quote": [cs, ce], "spans": spans, "length": len(text),
                "selectable": True, "note": None}

    def _event(self, row: dict) -> dict | None:
        if row["event_id"] is None:
            return None
        members = self._snapshot.mentions.filter(pl.col("event_id") == row["event_id"]).sort("mention_id")
        return {"event_id": row["event_id"], "mentions": [
            {"id": m["mention_id"], "source": m["source"], "event_type": m["event_type"],
             "date_start": _text(m["date_start"]), "place": m["place_name"] or m["location_text"],
             "quote": (m["quote"] or "")[:300]} for m in members.iter_rows(named=True)]}

    def _candidates(self, row: dict) -> list[dict]:
        """Events that could be the same occurrence: same type and country, dates within candidate_days."""
        days = pl.duration(days=self.rules.candidate_days)
        ev = self._snapshot.events.filter(
            (pl.col("event_type") == row["event_type"]) & (pl.col("country") == row["country"])
            & (pl.col("date_start") <= pl.lit(row["date_end"]) + days)
            & (pl.col("date_end") >= pl.lit(row["date_start"]) - days)
            & (pl.col("event_id") != (row["event_id"] or "")))
        same_region = pl.col("admin1_iso").eq_missing(pl.lit(row["admin1_iso"], dtype=pl.Utf8))
        gap = (pl.col("date_start") - pl.lit(row["date_start"])).dt.total_days().abs()
        ev = ev.with_columns(same_region.alias("_r"), gap.alias("_gap")).sort(
            ["_r", "_gap", "event_id"], descending=[True, False, False]).head(self.rules.max_candidates)
        return [{"event_id": e["event_id"], "date_start": _text(e["date_start"]),
                 "place": e["place_name"] or e["location_text"], "n_mentions": e["n_mentions"],
                 "quote": (e["quote"] or "")[:200]} for e in ev.iter_rows(named=True)]

    def _history(self, mention_id: str) -> list[dict]:
        hand = self._snapshot.overrides.filter((pl.col("mention_id") == mention_id)
                                               & ~pl.col("override_id").str.starts_with(OVERRIDE_PREFIX))
        rows = [{"action": r["action"], "field": r["field"], "value": r["value"], "note": r["note"],
                 "who": r["created_by"] or "(SQL)", "at": _text(r["created_at"]), "undone": False,
                 "version": None} for r in hand.iter_rows(named=True)]
        for r in self.journal.history(mention_id):
            value = "(the new mention)" if r["action"] == "add" else r["value"]
            rows.append({"action": r["action"], "field": r["field"], "value": value, "note": r["note"],
                         "who": r["who"], "at": r["at"], "undone": r["undone"], "version": r["version"]})
        return rows

    # --- writing: decisions go to the journal ----------------------------------------------------------

    def decide(self, mention_id: str, version: int, action: str, fields: dict | None = None,
               other: str | None = None, note: str | None = None) -> dict:
        """Record one decision on a mention seen at `version`; returns the mention's new summary."""
        if action not in DECISIONS:
            raise ReviewError(f"action must be one of {', '.join(DECISIONS)}")
        row = self._row(mention_id)
        if row["review_status"] == "dropped":
            raise ReviewError("This mention is marked as not an event: undo that first (u).")
        if action == "set":
            changes = self._edit(row, fields or {})
        elif action == "merge":
            changes = [Change("merge", None, self._merge_target(row, (other or "").strip()))]
        else:
            changes = [Change(action)]
        self.journal.record(mention_id, int(version), changes, self.analyst, _clean_note(note))
        return self.summary(mention_id)

    def undo(self, mention_id: str, version: int) -> dict:
        """Take back the latest decision on the mention; an undone addition leaves the queue (removed)."""
        self._row(mention_id)
        self.journal.undo(mention_id, int(version), self.analyst)
        try:
            return self.summary(mention_id)
        except NotFound:
            return {"id": mention_id, "removed": True}

    def _merge_target(self, row: dict, other: str) -> str:
        if other[:2] not in ("m_", "e_"):
            raise ReviewError("Merge with: give an event id (e_...) or a mention id (m_...).")
        target = "m_" + other[2:]
        if target == row["mention_id"] or other == row["event_id"]:
            raise ReviewError("A mention cannot be merged with itself or its own event.")
        if not self._exists(target):
            raise ReviewError(f"No event or mention {other} in the database.")
        return other

    def _edit(self, row: dict, fields: dict) -> list[Change]:
        """The set changes an edit makes (only fields whose value changes), checked as a whole."""
        unknown = sorted(set(fields) - set(self.rules.editable_fields))
        if unknown:
            raise ReviewError(f"These fields cannot be edited: {', '.join(unknown)}")
        new = {f: str(v).strip() if v is not None else "" for f, v in fields.items()}
        changed = {f: v for f, v in new.items() if v != _text(row[f])}
        if not changed:
            raise ReviewError("Nothing changed.")
        if changed.keys() & set(DATE_FIELDS):    # both dates, as the analyst sees them (no implicit shift)
            changed = {**changed, **{f: new.get(f, _text(row[f])) for f in DATE_FIELDS}}
        if "location_text" in changed and not changed.keys() & set(PLACE_FIELDS):
            changed.update(self._geocoded(row, changed))
        for f, v in changed.items():
            problem = check_override("set", f, v)
            if problem:
                raise ReviewError(problem)
        changes = [Change("set", f, v) for f, v in changed.items()]
        self._validate({**row, **{c.field: c.value for c in changes}})
        return changes

    def _geocoded(self, row: dict, changed: dict) -> dict[str, str]:
        """The place fields for a new location text (geocoded as a run would); empty text: country level."""
        from flows.geocode import geocode_mentions

        probe = {**row, **dict.fromkeys(PLACE_FIELDS), "admin1_text": None,
                 "location_text": changed["location_text"], "country": changed.get("country", row["country"])}
        coded = geocode_mentions(_typed(probe), self.geo_root).row(0, named=True)
        return {f: _text(coded[f]) for f in PLACE_FIELDS}

    @staticmethod
    def _validate(columns: dict) -> pl.DataFrame:
        """The mention, typed; refused if a run would reject it (subtype of another type, end before start)."""
        from flows.normalize import normalize

        frame = _typed(columns)
        _, rejects = normalize(frame)
        if rejects.height:
            raise ReviewError(f"Not saved: {rejects['detail'][0]}.")
        return frame

    def add(self, source: str, char_start: int, char_end: int, quote: str, fields: dict,
            note: str | None = None) -> dict:
        """Add the event an analyst read in the selected text of a report; returns its summary."""
        try:
            text = self._source_text(source)
        except DatabaseBusy as exc:
            raise ReviewError("The source text cannot be read while a run holds the database; try again.") from exc
        if text is None:
            raise ReviewError(f"{source} is not a report with text; events can be added from report text only.")
        cs, ce = int(char_start), int(char_end)
        if not 0 <= cs < ce <= len(text) or text[cs:ce] != quote:
            raise ReviewError("The selection does not match the source text; select the sentence again.")
        cs += len(quote) - len(quote.lstrip())
        ce -= len(quote) - len(quote.rstrip())
        if ce - cs > self.rules.max_quote_chars:
            raise ReviewError(f"Select at most {self.rules.max_quote_chars} characters (a sentence or two).")
        unknown = sorted(set(fields) - set(self.rules.add_fields))
        if unknown:
            raise ReviewError(f"These fields cannot be given for an added event: {', '.join(unknown)}")
        given = {f: (str(v).strip() or None) if v is not None else None for f, v in fields.items()}
        for f, v in given.items():
            problem = check_override("set", f, v)
            if problem:
                raise ReviewError(problem)
        if not given.get("date_start"):
            raise ReviewError("An added event needs date_start.")
        sha = self._snapshot.sources.filter(pl.col("path") == source)["sha256"]
        columns = {f: None for f in MENTION_SCHEMA} | given | {
            "source": source, "source_sha256": sha[0] if sha.len() else None, "source_kind": "report",
            "date_end": given.get("date_end") or given["date_start"],
            "date_precision": given.get("date_precision") or "day", "quote": text[cs:ce], "char_start": cs,
            "char_end": ce, "extractor": self.rules.added_extractor, "confidence": self.rules.added_confidence}
        columns.update(self._geocoded(columns, {"location_text": columns.get("location_text") or ""}))
        typed = self._validate(columns).row(0, named=True)
        mention_id = stable_id(source, cs, ce, columns["event_type"], columns["subtype"], columns["date_start"],
                               columns.get("location_text"), prefix="m_add_")
        if self._exists(mention_id):
            raise ReviewError("This event was added already (same sentence, type, date and place).")
        value = json.dumps({k: v for k, v in _plain(typed).items() if v is not None and k != "mention_id"},
                           ensure_ascii=False, sort_keys=True)
        version = self.journal.versions(mention_id).get(mention_id, 0)   # > 0 when an earlier addition was undone
        self.journal.record(mention_id, version, [Change("add", None, value)], self.analyst, _clean_note(note))
        return self.summary(mention_id)

    def boot(self) -> dict:
        """What the page needs once: vocabularies and field lists (never source text)."""
        props = event_json_schema()["properties"]
        types = typology()["types"]
        return {
            "analyst": self.analyst, "database": self.db.name,
            "types": {t: list(spec["subtypes"]) for t, spec in types.items()},
            "precisions": [p for p in props["date_precision"]["enum"] if p],
            "geo_precisions": [p for p in props["geo_precision"]["enum"] if p],
            "editable": list(self.rules.editable_fields), "add_fields": list(self.rules.add_fields),
            "counts": [[lo, hi] for lo, hi in COUNT_RANGES], "statuses": list(DESK_STATUSES),
            "context_chars": self.rules.context_chars, "max_context_chars": self.rules.max_context_chars,
        }


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    return note[:2000] or None
