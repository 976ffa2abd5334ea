"""Document structure before sentences: zones (header, title, byline, headings, body, list items, captions,
tables, references, boilerplate) and the document's own date.

Only `body` and `list_item` zones can report events; every other zone is apparatus. The document date comes
from, in order: the sidecar, a file header, a series title ("Freedom in the World 2021" covers 2020), a byline
or publication line, a news dateline, the first dated line at the top; else the year the text is mostly about.
Patterns are data: schemas/lexicon/structure.yaml.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache

from flows.extract.dates import DateSpan, find_dates
from flows.extract.lexicon import load_lexicon
from flows.extract.segment import clean_layout, is_heading, is_heading_line

EVENT_ZONES = frozenset({"body", "list_item"})
ZONE_KINDS = ("source_header", "front_matter", "title", "byline", "heading", "body", "list_item", "caption",
              "table", "references", "toc", "boilerplate")
TOP_CHARS = 1500          # where a title, byline or dateline may stand
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_BULLET = re.compile(r"^[ \t]*(?:[•▪●◦‣∙·*\-–]|\d{1,3}[.)])[ \t]+")
_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S")
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?\b")
_BARE_YEAR = re.compile(r"^\s*(" + _YEAR + r")\s*$")
_IN_YEAR = re.compile(r"\b(?:In|During|Throughout|in|during|throughout|Since|since|By|by)\s+(" + _YEAR + r")\b")
_ANY_YEAR = re.compile(r"(?<![\w$.,-])(" + _YEAR + r")(?![\w%-])")
_STOPS = ".!?:;,”\"’')]"   # a block ending in one of these ends a sentence or a clause
_TRAILING_MARKS = re.compile(r"(?:\s*\[\^?\d{1,4}\]|\d{1,3})+\s*$")   # footnote marks after the stop: "Osh.[^1]"


def _ends_clause(text: str) -> bool:
    """Does the text end a sentence or a clause (after any footnote marks glued to its end)?"""
    stripped = text.rstrip()
    return (_TRAILING_MARKS.sub("", stripped) or stripped)[-1:] in _STOPS
_DATELINE = re.compile(r"^[ \t]*(?:[A-Z][A-Z .’'-]{2,40},[ \t]*(?:[A-Z][A-Za-z .’'-]{2,30},[ \t]*)?)?(?=\S)")


@dataclass(frozen=True)
class Zone:
    kind: str
    start: int     # offsets into the document text
    end: int


@dataclass(frozen=True)
class DocDate:
    """The document's own date: a day for news, a year for an annual report; `source` says where from."""

    date_start: date
    date_end: date
    precision: str
    source: str

    @property
    def year(self) -> int:
        return self.date_end.year if self.precision == "year" else self.date_start.year

    @property
    def day(self) -> date | None:
        return self.date_start if self.precision == "day" else None


@dataclass(frozen=True)
class Structure:
    zones: tuple[Zone, ...]
    title: str | None
    doc_date: DocDate | None

    def kind_at(self, offset: int) -> str:
        """The kind of zone holding offset ('body' outside every zone)."""
        starts = [z.start for z in self.zones]
        i = bisect_right(starts, offset) - 1
        if i >= 0 and self.zones[i].start <= offset < self.zones[i].end:
            return self.zones[i].kind
        return "body"


@dataclass(frozen=True)
class _Patterns:
    source_header: re.Pattern
    caption: tuple[re.Pattern, ...]
    boilerplate: tuple[re.Pattern, ...]
    byline: tuple[re.Pattern, ...]
    references_heading: re.Pattern
    citation: tuple[re.Pattern, ...]
    toc_line: re.Pattern
    toc_heading: re.Pattern
    table_line: re.Pattern
    front_matter_fence: re.Pattern
    title_years: tuple[tuple[re.Pattern, int], ...]


@cache
def patterns() -> _Patterns:
    """schemas/lexicon/structure.yaml, compiled; a missing key or a bad pattern fails loudly here."""
    spec = load_lexicon("structure.yaml")
    one = lambda key: re.compile(spec[key])  # noqa: E731
    many = lambda key: tuple(re.compile(p) for p in spec[key])  # noqa: E731
    return _Patterns(
        source_header=one("source_header"), caption=many("caption"), boilerplate=many("boilerplate"),
        byline=many("byline"), references_heading=one("references_heading"), citation=many("citation"),
        toc_line=one("toc_line"), toc_heading=one("toc_heading"), table_line=one("table_line"),
        front_matter_fence=one("front_matter_fence"),
        title_years=tuple((re.compile(t["pattern"]), int(t["offset"])) for t in spec["title_years"]),
    )


def _wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped text (a PDF's text layer) was wrapped at, or None when its lines are
    paragraphs: wrapped lines cluster just under one width that no line passes."""
    lens = sorted(len(ln.rstrip()) for ln in lines if len(ln.strip()) > 20)
    if len(lens) < 10:
        return None
    width = lens[int(0.95 * (len(lens) - 1))]
    near = sum(1 for n in lens if n >= 0.7 * width)
    return width if width <= 140 and near >= 0.6 * len(lens) else None


def _own_line(line: str) -> bool:
    """A line that is a block by itself: a list item, a Markdown heading, a table row, a reference entry."""
    p = patterns()
    return bool(_BULLET.match(line) or _MD_HEADING.match(line) or p.table_line.search(line)
                or any(c.match(line) for c in p.citation[:2]))


def _continues(prev: str, line: str, width: int | None) -> bool:
    """Does line continue the block whose last line is prev? In hard-wrapped text a line continues unless the
    line before it ends a sentence well short of the wrap width, or is a short heading-like line. Elsewhere each
    line is a paragraph, unless the next one opens in lower case (a sentence broken over two lines)."""
    if _own_line(prev) or _own_line(line):
        return False
    stripped, nxt = prev.rstrip(), line.lstrip()
    if width is None:
        return nxt[:1].islower() and stripped[-1:] not in ".!?”\""
    if stripped[-1:] in ".!?”\"" and len(stripped) < 0.8 * width:
        return False
    return not (not _ends_clause(stripped) and len(stripped) < 0.6 * width and nxt[:1].isupper())


_DIGITS = re.compile(r"\d+")


def _shape(line: str) -> str:
    """A line with its numbers blanked: "Page 3 of 40" and "Page 4 of 40" are one running footer."""
    return _DIGITS.sub("#", line.strip())


def _running_lines(lines: list[str]) -> set[str]:
    """Line shapes repeated on three pages or more: a PDF's running header or footer."""
    counts = Counter(_shape(ln) for ln in lines if len(ln.strip()) > 15)
    return {ln for ln, n in counts.items() if n >= 3}


def _blocks(text: str) -> list[tuple[int, int]]:
    """Blocks: runs of lines that form one paragraph, a heading, a list item, a table row or a reference; a
    running header or footer is a block of its own wherever it interrupts a paragraph."""
    lines = text.split("\n")
    width = _wrap_width(lines)
    running = _running_lines(lines)
    out: list[tuple[int, int]] = []
    pos, cur, prev = 0, None, ""
    for line in lines:
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            if cur:
                out.append(cur)
            cur = None
            continue
        if cur is not None and _continues(prev, line, width) and _shape(line) not in running \
                and _shape(prev) not in running:
            cur = (cur[0], end)
        else:
            if cur:
                out.append(cur)
            cur = (start, end)
        prev = line
    if cur:
        out.append(cur)
    return out


def zones(text: str, clean: str | None = None) -> list[Zone]:
    """Every block of the text with its kind, in text order."""
    p = patterns()
    clean = clean_layout(text) if clean is None else clean
    out: list[Zone] = []
    in_references = in_toc = in_front_matter = False
    seen_body = False
    running = _running_lines(text.split("\n"))
    for i, (start, end) in enumerate(_blocks(text)):
        raw = text[start:end]
        line = raw.strip()
        kind = "body"
        if i == 0 and p.source_header.match(line):
            kind = "source_header"
        elif in_front_matter or (i <= 1 and p.front_matter_fence.match(line.split("\n")[0])):
            kind = "front_matter"
            fences = sum(bool(p.front_matter_fence.match(ln)) for ln in line.split("\n"))
            in_front_matter = (in_front_matter and fences == 0) or (not in_front_matter and fences == 1)
        elif p.references_heading.match(line):
            kind, in_references = "heading", True
        elif p.toc_heading.match(line):
            kind, in_toc = "heading", True
        elif any(c.search(line) for c in p.citation):
            kind = "references"
        elif p.table_line.search(line) and raw.count("|") >= 3:
            kind = "table"
        elif p.toc_line.search(line) and len(line) < 160:
            kind = "toc"
        elif any(c.search(line) for c in p.caption):
            kind = "caption"
        elif any(c.search(line) for c in p.boilerplate):
            kind = "boilerplate"
        elif start < TOP_CHARS and any(c.match(line) for c in p.byline) and len(line) < 160:
            kind = "byline"
        elif _MD_HEADING.match(line) or is_heading_line(clean[start:end]) or _is_heading_block(line):
            kind = "heading"
            in_references = in_toc = False
        elif in_references:
            kind = "references"
        elif in_toc:
            kind = "toc"
        elif _shape(line) in running and len(line) < 200:
            kind = "boilerplate"    # a running header or footer repeated on every page
        elif _is_caption_like(line):
            kind = "heading" if not seen_body and start < TOP_CHARS else "caption"   # a long first line: a title
        elif _BULLET.match(raw):
            kind = "list_item"
        if kind in ("heading", "caption", "body") and _dated_item(clean[start:end]):
            kind = "list_item"    # a chronology's entry: "2019-11-18 - Police ...", "20 JANUARY - An IED ..."
        if kind == "heading" and not seen_body and start < TOP_CHARS and len(line) < 200:
            kind = "title"    # the first heading before any prose; later ones are section headings
        seen_body = seen_body or kind in EVENT_ZONES or kind == "title"
        out.append(Zone(kind, start, end))
    return out


_ISO_LEAD = re.compile(r"^\s*(?:[•▪●◦‣∙·*\-–#]+\s+)?(?:19|20)\d\d-\d\d-\d\d\b\s*[-–—:|]")
_ITEM_MARK = re.compile(r"^[ \t]*(?:[•▪●◦‣∙·*\-–]|#{1,6}|\d{1,3}[.)])[ \t]+")
_ITEM_SEPARATOR = re.compile(r"\s*[-–—:|]")


def _dated_item(block: str) -> bool:
    """A block that opens with a day-precise date and a separator: an entry of a dated list."""
    if _ISO_LEAD.match(block):
        return True
    head = _ITEM_MARK.sub("", block[:60], count=1).lstrip()
    offset = len(block[:60]) - len(head)
    days = [d for d in find_dates(block[:60], None) if d.precision == "day" and d.start == offset]
    return bool(days) and bool(_ITEM_SEPARATOR.match(block, days[0].end))


def _is_heading_block(line: str) -> bool:
    """A short block without a sentence stop (on one line or wrapped over two): a heading or a headline."""
    return not _ends_clause(line) and is_heading(" ".join(line.split())) and len(line) < 160


def _is_caption_like(line: str) -> bool:
    """A one-line block of prose without a final stop, in a news body: a photo caption or a teaser. Real
    paragraphs end with punctuation; captions (MailOnline style) do not."""
    if "\n" in line or _ends_clause(line) or len(line.split()) < 8:
        return False
    return not _BULLET.match(line)


def structure(text: str, meta: dict | None = None, clean: str | None = None) -> Structure:
    """Zones, title and document date of a report."""
    clean = clean_layout(text) if clean is None else clean
    zs = zones(text, clean)
    title_zone = next((z for z in zs if z.kind == "title"), None)
    header = next((z for z in zs if z.kind == "source_header"), None)
    title = text[title_zone.start:title_zone.end].strip().lstrip("#").strip() if title_zone else None
    if title is None and header is not None:
        title = _header_fields(text[header.start:header.end])[-2] if "|" in text[header.start:header.end] else None
    return Structure(tuple(zs), title, document_date(text, zs, meta, clean))


def _header_fields(header: str) -> list[str]:
    return [f.strip() for f in header.split("|")]


def _year_span(year: int, source: str) -> DocDate:
    return DocDate(date(year, 1, 1), date(year, 12, 31), "year", source)


def _title_year(text: str) -> int | None:
    for pattern, offset in patterns().title_years:
        m = pattern.search(text)
        if m:
            return int(m.group(1)) + offset
    return None


def _iso_date(value: str) -> DocDate | None:
    """'2024-07-16 23:37' → that day; '2025-08' → that month; '2020' → that year."""
    m = _ISO_DATE.search(value)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
        try:
            if d:
                day = date(y, mo, int(d))
                return DocDate(day, day, "day", "")
            first = date(y, mo, 1)
        except ValueError:
            return None
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        return DocDate(first, date.fromordinal(nxt.toordinal() - 1), "month", "")
    y = _BARE_YEAR.match(value)
    return _year_span(int(y.group(1)), "") if y else None


def _with_source(d: DocDate | None, source: str) -> DocDate | None:
    return DocDate(d.date_start, d.date_end, d.precision, source) if d else None


def _first_day(span_text: str) -> DocDate | None:
    days = [d for d in find_dates(span_text, None) if d.precision == "day"]
    if days:
        return DocDate(days[0].date_start, days[0].date_start, "day", "")
    return _iso_date(span_text)


def document_date(text: str, zs: list[Zone], meta: dict | None = None, clean: str | None = None) -> DocDate | None:
    """The document's own date (see the module docstring for the order of the clues)."""
    meta = meta or {}
    for key in ("date", "published", "publication_date"):
        value = meta.get(key)
        if isinstance(value, date):
            return DocDate(value, value, "day", "sidecar")
        if isinstance(value, str) and _iso_date(value):
            return _with_source(_iso_date(value), "sidecar")
    if meta.get("coverage_year") not in (None, ""):
        return _year_span(int(meta["coverage_year"]), "sidecar")
    clean = clean_layout(text) if clean is None else clean
    by_kind = lambda kind: [text[z.start:z.end] for z in zs if z.kind == kind]  # noqa: E731
    headers = by_kind("source_header")
    titles = [h for h in by_kind("title") + headers]
    for t in titles:   # a series title names the year it covers
        year = _title_year(t)
        if year is not None:
            return _year_span(year, "title")
    top = [z for z in zs if z.start < TOP_CHARS]
    for z in top:
        if z.kind in ("byline", "front_matter"):
            found = _first_day(text[z.start:z.end])
            if found:
                return _with_source(found, "byline")
    for h in headers:   # the header's last field: the date or year of publication
        found = _iso_date(_header_fields(h)[-1]) or _first_day(_header_fields(h)[-1])
        if found and found.precision != "year":
            return _with_source(found, "header")
        named = {int(y) for t in titles for y in _ANY_YEAR.findall(_header_fields(t)[-2] if "|" in t else t)}
        if found and len(named) == 1:   # "Terrorist incidents in Pakistan in 2017", stored in 2019
            return _year_span(named.pop(), "title")
        if found:
            return _with_source(found, "header")
    for z in top:
        if z.kind == "body":
            found = _dateline(clean[z.start:z.end])
            if found:
                return _with_source(found, "dateline")
            break
    named = {int(y) for t in by_kind("title") for y in _ANY_YEAR.findall(t)}
    if len(named) == 1:   # "Kazakhstan 2024: a year of trials" names the year it is about
        return _year_span(named.pop(), "title")
    for z in top:   # a line near the top that opens with a day: "12 June 2022", "March 03, 2023 14:25 GMT"
        if z.kind in ("title", "heading", "body", "byline") and z.start < 600:
            block = clean[z.start:z.end]
            found = [d for d in find_dates(block[:300], None)
                     if d.precision == "day" and not block[:d.start].strip()]
            if found:
                return DocDate(found[0].date_start, found[0].date_start, "day", "top")
    year = _main_year(clean, zs)
    return _year_span(year, "years") if year else None


def _dateline(paragraph: str) -> DocDate | None:
    """'BISHKEK, March 15, 2024 (Reuters) - ...': the day at the head of a news item."""
    head = paragraph[:200]
    m = _DATELINE.match(head)
    if not m:
        return None
    for d in find_dates(head, None):
        if d.precision == "day" and d.start == m.end():
            return DocDate(d.date_start, d.date_start, "day", "")
    return None


def _main_year(clean: str, zs: list[Zone]) -> int | None:
    """The year the prose is mostly about: the most frequent 'in YYYY', else the most frequent year, counted
    in body zones only (reference lists and citations name the years of publications, not of events)."""
    body = " ".join(clean[z.start:z.end] for z in zs if z.kind in EVENT_ZONES)
    counted = Counter(int(y) for y in _IN_YEAR.findall(body))
    if counted:
        return counted.most_common(1)[0][0]
    years = Counter(int(y) for y in _ANY_YEAR.findall(body))
    return years.most_common(1)[0][0] if years else None


def running_year(span: DateSpan) -> int | None:
    """The year a full date moves the document's running year to: a date with a month and a year does
    ('On March 3, 2019, ...' makes a later 'On March 24' fall in 2019); a bare year does not."""
    return span.date_start.year if span.precision in ("day", "week", "month") else None
