"""The candidate scan: every event a report's prose may state, with its date, before any model or parser runs.

Structure first (flows/extract/structure.py): only body and list-item sentences are scanned, the document's
own date gives the year of month-only dates and the day that "on Tuesday" counts back from. The rules'
detection proposes candidates; its filters no longer drop them but say why they would (`det.rejected`), so a
trained model can weigh them against everything else the sentence says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from flows.extract.context import is_dateline, relative_date
from flows.extract.dates import find_dates
from flows.extract.detect import detect
from flows.extract.extractor import _Context, _is_code_or_table, _is_fragment, _same_event_twin
from flows.extract.merge import Candidate
from flows.extract.segment import SUMMARY_HEADING, Sentence, clean_layout, split_sentences
from flows.extract.structure import Structure, running_year, structure
from flows.extract.triggers import is_candidate
from flows.ingest.reports import ReportDoc


@dataclass
class Scan:
    """A report read for extraction: its text, structure, prose sentences and candidate events."""

    doc: ReportDoc
    clean: str
    structure: Structure
    year: int | None                 # the year month-only dates fall in (the document's, unless given)
    ref_day: date | None             # a news item's day
    news: bool
    sentences: list[Sentence]        # the prose sentences (body and list items), in text order
    zones: list[str]                 # the zone kind of each sentence
    headings: list[str]              # the heading each sentence stands under ("" before the first)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def by_type(self) -> dict[str, list[Candidate]]:
        """The candidates of each event type (computed once)."""
        if self._by_type is None:
            self._by_type = {}
            for c in self.candidates:
                self._by_type.setdefault(c.det.event_type, []).append(c)
        return self._by_type

    _by_type: dict[str, list[Candidate]] | None = field(default=None, repr=False)


# Where the document's date is only a guess from the years its prose names (or a file header's year), a full
# date in the text moves the year of later month-only dates ("On 29 October 2016 ... On 5 November"); a date
# from a series title or a sidecar holds for the whole report (a background "In March 2015" in a report on
# 2016 does not make its next "In May" 2015).
MOVABLE_DATE_SOURCES = ("years", "header")


def read(doc: ReportDoc, year: int | None = None) -> Scan:
    """Zone the report, keep its prose sentences and scan them for candidates. `year` overrides the document
    date's year."""
    clean = clean_layout(doc.text)
    st = structure(doc.text, doc.meta, clean)
    doc_year = year if year is not None else (st.doc_date.year if st.doc_date else None)
    ref_day = st.doc_date.day if st.doc_date and year is None else None
    prose, kinds, headings = [], [], []
    heads = [(z.start, doc.text[z.start:z.end]) for z in st.zones if z.kind == "heading"]
    h = 0
    for s in split_sentences(doc.text, clean):
        kind = st.kind_at(s.start)
        while h < len(heads) and heads[h][0] <= s.start:
            h += 1
        if kind == "list_item" or (kind == "body" and not s.heading):
            heading = heads[h - 1][1] if h else ""
            prose.append(replace(s, in_summary=bool(SUMMARY_HEADING.match(heading))))
            kinds.append(kind)
            headings.append(heading)
    scan = Scan(doc, clean, st, doc_year, ref_day, ref_day is not None, prose, kinds, headings)
    move_year = year is None and st.doc_date is not None and st.doc_date.source in MOVABLE_DATE_SOURCES \
        and st.doc_date.precision == "year"
    scan.candidates = _candidates(scan, move_year)
    return scan


def _before_the_story(det, text: str, ref_day: date) -> None:
    """A news item's month without a year is the latest such month up to the story's day ("arrested in
    August" in a September story; "last October" in a September story is the October before)."""
    d = det.date
    if d is None or det.date_source not in ("segment", "leading", "sentence") or d.date_start <= ref_day:
        return
    if _YEAR.search(text, d.start, d.end):
        return
    try:
        det.date = replace(d, date_start=d.date_start.replace(year=d.date_start.year - 1),
                           date_end=d.date_end.replace(year=d.date_end.year - 1))
    except ValueError:   # 29 February
        return


def _candidates(scan: Scan, move_year: bool) -> list[Candidate]:
    """Candidates in text order, dated by their sentence or its context (the rules' context logic)."""
    ctx = _Context(scan.year, scan.ref_day, scan.news)
    out: list[Candidate] = []
    paragraph, context_year, year = -1, scan.year, scan.year
    first_body = next((i for i, kind in enumerate(scan.zones) if kind == "body"), -1)
    for i, sent in enumerate(scan.sentences):
        ctx.enter(sent)
        if sent.paragraph != paragraph:
            paragraph, context_year = sent.paragraph, year
        this: list[Candidate] = []
        if is_candidate(sent.text, extended=True) and not _is_fragment(sent.text) and not _is_code_or_table(sent.text):
            for det in detect(sent.text, year, context_year, keep_rejected=True):
                if det.date is not None and det.date_source != "segment" and i == first_body \
                        and is_dateline(sent.text, det.date):   # "BISHKEK, March 15 (Reuters) - ..." dates the story
                    det.date = relative_date(sent.text, None, det.date.date_start)
                if det.date is not None and det.date_source == "sentence" and ctx.ref_day is not None:
                    on_weekday = relative_date(sent.text, None, ctx.ref_day)
                    if on_weekday is not None:
                        det.date = on_weekday
                if ctx.ref_day is not None:
                    _before_the_story(det, sent.text, ctx.ref_day)
                if det.date is None and ctx.ref_day is not None:   # "On Monday, she was detained"
                    det.date = relative_date(sent.text, None, ctx.ref_day)
                    det.date_source = "sentence" if det.date else det.date_source
                if det.date is None:
                    twin = _same_event_twin(ctx, det, i, sent)
                    if twin is not None and not det.rejected:
                        twin.end = sent.end
                        continue
                    ctx.date_for(sent, det)
                this.append(Candidate(det, i, sent.start, sent.end, {}, in_summary=sent.in_summary))
        dates = find_dates(sent.text, year, context_year)
        ctx.see_dates(sent)
        named = [d.date_start.year for d in dates if d.precision == "year" and not d.bounded]
        context_year = named[-1] if named else context_year
        if move_year:   # "On March 3, 2019, ..." moves the year of a later "On March 24"
            moved = [running_year(d) for d in dates
                     if not d.bounded and running_year(d) and _YEAR.search(sent.text, d.start, d.end)]
            if moved:
                year = ctx.year = moved[-1]
        if this:
            ctx.last_events, ctx.events_seen = this, ctx.seen
            ctx.any_events = this
            out.extend(this)
    return out


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
