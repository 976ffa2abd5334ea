"""Report text -> event mentions with evidence for every field (the `extract` stage).

Sentences pass a cheap trigger prefilter; detection and filters run on those (regular expressions only);
spaCy runs once, batched, on the sentences that still hold an event (people, places, parse). Undated
sentences take their date from context; statements of one occurrence are merged within the report.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl

from flows import geo_packs
from flows.export import neutralise_formulas
from flows.extract.context import carry_over, is_anaphoric, is_dateline, reference_day, relative_date
from flows.extract.dates import DateSpan, dateline_year, find_dates
from flows.extract.detect import Detection, detect
from flows.extract.entities import SentenceEntities, analyse, is_backgrounded
from flows.extract.fields import confidence, event_fields, person_names
from flows.extract.merge import Candidate, attach_casualties, dedupe, fill
from flows.extract.quantities import count_ranges
from flows.extract.segment import Sentence, clean_layout, split_sentences
from flows.extract.structure import structure
from flows.extract.triggers import is_candidate
from flows.ingest.reports import ReportDoc, read_report
from flows.model import EXPORT_COLUMNS, conform, with_mention_ids

EXTRACTOR_VERSION = "eventflow-extract/0.3"
UNKNOWN_COUNTRY = "ZZ"
GENERIC_SUBTYPES = {"peaceful_protest", "arrest", "armed_attack", "assault"}
MIN_CONFIDENCE = 0.3   # below this a mention is background talk, not a report of an event
_PRONOUN = re.compile(r"\b(?:he|she|they)\b", re.IGNORECASE)
_CASUALTY_TRIGGER = re.compile(r"^(?:kill\w*|shot\s+dead|shoot\w*\s+dead)$", re.IGNORECASE)


def coverage_year(doc: ReportDoc, year: int | None = None, clean: str | None = None) -> int | None:
    """The year the report covers: `year` if given, else the document's own date (sidecar, header, series
    title, byline, dateline; flows/extract/structure.py), else the year its prose is mostly about."""
    if year is not None:
        return int(year)
    meta_year = (doc.meta or {}).get("coverage_year")
    if meta_year not in (None, ""):
        return int(meta_year)
    found = structure(doc.text, doc.meta, clean_layout(doc.text) if clean is None else clean).doc_date
    return found.year if found else None


def home_country(text: str, country: str | None) -> tuple[str, set[str]]:
    """The report's country (ISO2, 'ZZ' if unknown) and the words that name it and its people: the country the
    text names most by name or demonym, else the one whose capital and large towns it names most, for any
    country of the world (flows/geocode/countries.py)."""
    from flows.geocode.countries import country_words, text_country

    code = (country or text_country(text) or UNKNOWN_COUNTRY).upper()
    if code == UNKNOWN_COUNTRY:
        return code, set()
    p = geo_packs.pack(code)
    words = country_words(code)
    return code, {*words.names, *words.demonyms, *((*p.names, *p.demonyms) if p else ())}


_LEADING_DATE = re.compile(r"^\W*(?:(?:in|on|during|by|at|from|since|throughout|early|late|mid)\b\W*)*",
                           re.IGNORECASE)


class _Context:
    """What an undated sentence can take its date from, updated sentence by sentence."""

    def __init__(self, year: int | None, ref_day: date | None, news: bool = False):
        self.year, self.ref_day = year, ref_day
        self.news = news                                # a news item: its paragraphs continue one story
        self.paragraph = -1
        self.last_date: DateSpan | None = None          # last explicit date in the paragraph
        self.any_date: DateSpan | None = None           # last explicit date of the report, across paragraphs
        self.any_events: list[Candidate] = []           # events of the last sentence with events, ditto
        self.seen = self.date_seen = self.events_seen = 0   # sentences entered; when last_date and last_events were
        self.lead_date: DateSpan | None = None          # the leading date of a sentence ("On May 16, ...")
        self.lead_seen = -1
        self.last_events: list[Candidate] = []          # events of the last sentence with events
        self.last_names: set[str] = set()               # people named in the last sentence with events

    def enter(self, sent: Sentence) -> None:
        self.seen += 1
        if sent.paragraph != self.paragraph and not (self.news and self.paragraph >= 0):
            self.paragraph, self.last_date, self.last_events, self.last_names = sent.paragraph, None, [], set()

    def names_for(self, sent: Sentence, names: set[str]) -> set[str]:
        """The people of a sentence; 'he', 'she', 'they' with no name refer to the previous sentence's."""
        if not names and _PRONOUN.search(sent.text):
            return set(self.last_names)
        return names

    def date_for(self, sent: Sentence, det: Detection) -> None:
        """Give an undated detection the date its context implies."""
        previous = [c.det.date for c in self.last_events if c.det.date is not None]
        later_date = self.last_date is not None and self.date_seen > self.events_seen   # a newer date, no event
        context = previous[-1] if previous and not later_date else self.last_date
        if context is None and is_anaphoric(sent.text):   # "66 people had been detained during the night"
            dated = [c.det.date for c in self.any_events if c.det.date is not None]  # opens a paragraph
            context = dated[-1] if dated and self.events_seen >= self.date_seen else self.any_date
        own = relative_date(sent.text, None, self.ref_day)   # "on Tuesday" in a news story: its own date
        # "Two days later" counts from the previous sentence's own (leading) date, not from an event it recalls
        anchor = self.lead_date if self.lead_seen == self.seen - 1 and self.lead_date is not None else context
        resolved = relative_date(sent.text, anchor, self.ref_day)
        if own is not None and resolved == own:
            det.date, det.date_source = own, "sentence"
        elif resolved is not None:
            det.date, det.date_source = resolved, "context"
        elif context is not None:   # a news story's next sentence stays on its day; a report's, in its month
            det.date, det.date_source = (context if self.news else carry_over(context)), "context"
        elif self.year is not None:
            det.date, det.date_source = DateSpan(0, 0, date(self.year, 1, 1), date(self.year, 12, 31), "year"), \
                "coverage"

    def see_dates(self, sent: Sentence) -> None:
        dates = [d for d in find_dates(sent.text, self.year) if not d.bounded]
        weekday = relative_date(sent.text, None, self.ref_day) if not dates and self.ref_day else None
        if dates or weekday:   # "Thousands gathered on Monday evening."; a leading date is the sentence's own
            lead = _LEADING_DATE.match(sent.text)
            own = dates[0] if dates and lead and dates[0].start <= lead.end() else (dates[-1] if dates else weekday)
            self.last_date, self.date_seen = own, self.seen
            self.any_date = own
            if dates and lead and dates[0].start <= lead.end():
                self.lead_date, self.lead_seen = dates[0], self.seen


def _detections(sentences: list[Sentence], year: int | None) -> dict[int, list[Detection]]:
    """Detections per sentence index; 'the following year' counts from the paragraph's last year named."""
    found: dict[int, list[Detection]] = {}
    paragraph, context_year = -1, year
    for i, sent in enumerate(sentences):
        if sent.paragraph != paragraph:
            paragraph, context_year = sent.paragraph, year
        if is_candidate(sent.text) and not sent.heading and not _is_fragment(sent.text) \
                and not _is_code_or_table(sent.text):
            dets = detect(sent.text, year, context_year)
            if dets:
                found[i] = dets
        named = [d.date_start.year for d in find_dates(sent.text, None) if d.precision == "year"]
        context_year = named[-1] if named else context_year
    return found


def _is_fragment(text: str) -> bool:
    """A label of four words or fewer without a number ('Spontaneous and counter-demonstrations.'): a run-in
    heading or a list entry, not a statement that something happened."""
    return len(text.split()) <= 4 and not re.search(r"\d", text)


_SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_SQL = re.compile(r"\b(?:SELECT|FROM|WHERE|GROUP BY|ORDER BY|INSERT|JOIN)\b")


def _is_code_or_table(text: str) -> bool:
    """A table row, code, a query or a schema listing ('| detention | arrest, mass_detention |',
    "WHERE event_type = 'detention'", '-- detentions by region'): event words there name fields and
    kinds of events, not occurrences."""
    return (text.count("|") >= 2 or text.count("`") >= 2 or len(_SNAKE_CASE.findall(text)) >= 2
            or len(_SQL.findall(text)) >= 2 or text.lstrip().startswith(("-- ", "# ", "//", "$ "))
            or bool(re.search(r"^\s*[\w-]+:\s", text, re.MULTILINE) and re.search(r"[\[\]{}=]", text)))


def _same_event_twin(ctx: _Context, det: Detection, index: int, sent: Sentence) -> Candidate | None:
    """The event of the previous sentence that an undated sentence continues ('Both were jailed for five
    years.'; 'One officer was killed and 79 people were injured.' after a clash)."""
    for c in ctx.last_events:
        if not (c.sentence == index - 1 or c.end >= sent.start - 2):
            continue
        if c.det.event_type == det.event_type and (c.det.subtype == det.subtype or det.subtype in GENERIC_SUBTYPES):
            return c
        casualties_only = det.event_type == "attack" and all(_CASUALTY_TRIGGER.match(t.word) for t in det.triggers)
        if casualties_only and c.det.event_type in ("protest", "attack"):
            return c
    return None


def _candidates(sentences: list[Sentence], year: int | None, ref_day: date | None, home: str,
                own_names: set[str], not_names: set[str], news: bool = False) -> list[Candidate]:
    detections = _detections(sentences, year)
    ents_by_index: dict[int, SentenceEntities] = dict(
        zip(detections, analyse([sentences[i].text for i in detections]), strict=True))
    out: list[Candidate] = []
    ctx = _Context(year, ref_day, news)
    for i, sent in enumerate(sentences):
        ctx.enter(sent)
        if i not in detections:
            ctx.see_dates(sent)
            continue
        ents, this = ents_by_index[i], []
        names = ctx.names_for(sent, person_names(ents, not_names))
        for det in detections[i]:
            det.backgrounded = det.backgrounded or all(is_backgrounded(ents, t.start, t.end) for t in det.triggers)
            if det.date is not None and det.date_source != "segment" and is_dateline(sent.text, det.date):
                on_weekday = relative_date(sent.text, None, det.date.date_start)   # "on Thursday"
                det.date = on_weekday   # the dateline dates the story, not its event: without a weekday, context
            if det.date is not None and det.date_source == "sentence" and ctx.ref_day is not None:
                on_weekday = relative_date(sent.text, None, ctx.ref_day)   # "blocked the road on Tuesday,
                if on_weekday is not None:                                  # demanding ... promised in 2019"
                    det.date = on_weekday
            if det.date is None:
                twin = _same_event_twin(ctx, det, i, sent)
                if twin is not None:   # two sentences, one event: the quote grows
                    twin.end = sent.end
                    fill(twin, event_fields(sent, det, ents, home, own_names))
                    _add_casualties(twin, sent)
                    twin.persons |= names
                    continue
                ctx.date_for(sent, det)
            fields = event_fields(sent, det, ents, home, own_names)
            cand = Candidate(det, i, sent.start, sent.end, fields, persons=set(names), in_summary=sent.in_summary)
            cand.confidence = confidence(det, fields)
            this.append(cand)
        ctx.see_dates(sent)
        ctx.last_names = names
        if this:
            ctx.last_events, ctx.events_seen = this, ctx.seen
            ctx.any_events = this
            out.extend(this)
    attach_casualties(sentences, out)
    return out


def _add_casualties(target: Candidate, sent: Sentence) -> None:
    counts = count_ranges(sent.text)
    for role in ("fatalities", "injured"):
        if role in counts and target.fields.get(f"{role}_low") is None:
            target.fields[f"{role}_low"], target.fields[f"{role}_high"] = counts[role]


def extract_rules(doc: ReportDoc, year: int | None = None, country: str | None = None) -> pl.DataFrame:
    """Every event mention the report states, with its quote, offsets, fields and confidence (the rules)."""
    text = doc.text
    clean = clean_layout(text)
    cov_year = coverage_year(doc, year, clean)
    home, own_names = home_country(text, country or (doc.meta or {}).get("country"))
    sentences = split_sentences(text, clean)
    ref_day = reference_day(clean, doc.meta)
    not_names = own_names | set(re.findall(r"\b[a-z][a-z’'-]{3,}\b", clean))   # words also written in lower case
    news = dateline_year(clean) is not None
    cands = [c for c in dedupe(_candidates(sentences, cov_year, ref_day, home, own_names, not_names, news), news)
             if c.confidence >= MIN_CONFIDENCE]
    return rows_frame(doc, cands, EXTRACTOR_VERSION)


def rows_frame(doc: ReportDoc, cands: list[Candidate], version: str) -> pl.DataFrame:
    """The mentions of a report's final candidates: quote, offsets, fields, extractor version, confidence."""
    text = doc.text
    rows = []
    for c in cands:
        d = c.det.date
        rows.append({
            "source": doc.source, "source_sha256": doc.sha256, "source_kind": "report",
            "source_url": (doc.meta or {}).get("url"),
            "event_type": c.det.event_type, "subtype": c.det.subtype,
            "date_start": d.date_start if d else None, "date_end": d.date_end if d else None,
            "date_precision": d.precision if d else None,
            **c.fields,
            "quote": text[c.start:c.end], "char_start": c.start, "char_end": c.end,
            "extractor": version, "confidence": c.confidence,
        })
    if not rows:
        return conform(pl.DataFrame(schema={"mention_id": pl.Utf8}))
    df = conform(pl.DataFrame(rows, infer_schema_length=None))
    return with_mention_ids(df).sort("char_start", "event_type", "subtype", "date_start")


def extract_file(path: str | Path, year: int | None = None, country: str | None = None,
                 extractor: str | None = None) -> pl.DataFrame:
    """Read one report file (.txt, .md, .html, .pdf) and extract its events."""
    from flows.extract.registry import extract_report

    path = Path(path)
    return extract_report(read_report(path, path.name), year=year, country=country, extractor=extractor)


def write_extract_csv(df: pl.DataFrame, out_path: str | Path) -> Path:
    """Write mentions as the export columns of DESIGN.md (event_id = mention_id, n_sources = 1)."""
    out = df.with_columns(pl.col("mention_id").alias("event_id"), pl.lit(1, dtype=pl.Int32).alias("n_sources"))
    out = out.select(EXPORT_COLUMNS)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(out).write_csv(out_path)
    return out_path
