"""Resolve date expressions ("In November", "late May", "on May 21", "in 2012", "that August",
"the following year", "in the spring") to intervals, against the report's coverage year."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
MONTHS["sept"] = 9
SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MOD = r"(?:(?:early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of|the\s+middle\s+of)[\s-]+)?"
# "May" and "March" are months only when capitalised (or before a day number).
_MONTH = rf"(?:(?-i:May|March|Mar)|(?i:(?!may\b|march\b|mar\b)(?:{_MONTH_NAMES})))\.?"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso_day", re.compile(r"(?<![\w-])(?P<y>(?:19|20)\d\d)-(?P<mo>0[1-9]|1[0-2])-(?P<d>[0-3]\d)(?![\w-])")),
    ("month_range", re.compile(
        rf"\b(?:between\s+|from\s+)?{_MOD}(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?\s+(?:and|to|through|until|-|–)\s+"
        rf"{_MOD}(?P<m2>{_MONTH})(?:\s+(?P<y2>{_YEAR}))?\b", re.IGNORECASE)),
    ("day_range", re.compile(rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:and|to|-|–)\s*"
                             rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})"
                             rf"(?:,?\s+(?P<y>{_YEAR}))?\b", re.IGNORECASE)),
    ("day_range", re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:and|to|-|–)\s*"
                             rf"(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>{_YEAR}))?\b", re.IGNORECASE)),
    ("day", re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>{_YEAR}))?\b",
                       re.IGNORECASE)),
    ("day", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?\b",
                       re.IGNORECASE)),
    ("that_month", re.compile(rf"\b(?:that|the\s+same)\s+(?P<m>{_MONTH})\b", re.IGNORECASE)),
    ("month", re.compile(rf"\b{_MOD}(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?\b", re.IGNORECASE)),
    ("season", re.compile(rf"\b(?:in\s+)?(?:the\s+)?(?:early\s+|late\s+)?(?P<s>spring|summer|autumn|fall|winter)"
                          rf"(?:\s+of)?(?:\s+(?P<y>{_YEAR}))?\b", re.IGNORECASE)),
    ("year_end", re.compile(r"\b(?:at|by)\s+(?:the\s+)?(?:year[’']s\s+end|end\s+of\s+the\s+year)\b", re.IGNORECASE)),
    ("relative_year", re.compile(r"\b(?P<rel>the\s+following\s+year|the\s+next\s+year|a\s+year\s+later|"
                                 r"the\s+previous\s+year|a\s+year\s+earlier|the\s+year\s+before|last\s+year|"
                                 r"this\s+year|that\s+year|the\s+same\s+year)\b", re.IGNORECASE)),
    ("year", re.compile(rf"(?<![\w$€£.,-])(?P<y>{_YEAR})(?![\w%-]|\.\d|\s*(?:percent|per\s+cent))")),
]
# A four-digit year the patterns above do not read (before 1950 or after 2049), stated right after a day or a
# month and closing its phrase ("on 31 December 9999,", "in May 1916."), or after "in" ("in 0001,"): the date is
# that year's, so that normalize can refuse it (bad_date), never the coverage year's.
_STATED_YEAR = re.compile(r",?\s+(?P<y>\d{4})(?=\s*(?:[,.;:)]|$))")
_PATTERNS.append(("year", re.compile(r"(?i:\b(?:in|during)\s+)(?P<y>(?!" + _YEAR + r")\d{4})(?=\s*(?:[,.;:)]|$))")))
_SEASON_LEAD = re.compile(r"\b(?:during|throughout|over|through|all)\s+$", re.IGNORECASE)
_SINCE = re.compile(r"\b(?:since|until|till|before|by|as\s+of)\s+(?:early\s+|late\s+|mid-?)?$", re.IGNORECASE)
_RELATIVE_OFFSET = {"following": 1, "next": 1, "later": 1, "previous": -1, "earlier": -1, "before": -1,
                    "last": -1, "this": 0, "that": 0, "same": 0}


@dataclass(frozen=True)
class DateSpan:
    start: int            # offsets within the searched text
    end: int
    date_start: date
    date_end: date
    precision: str        # day|week|month|season|year
    bounded: bool = False  # "since 2004", "until December": a boundary, not the time of an event


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _month(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def _resolve(kind: str, m: re.Match, year: int | None, context_year: int | None) -> tuple | None:
    """(date_start, date_end, precision) of one match, or None when it needs a year that is unknown."""
    g = m.groupdict()
    base = int(g["y"]) if g.get("y") else year
    if kind == "iso_day":
        try:
            day = date(int(g["y"]), int(g["mo"]), int(g["d"]))
        except ValueError:
            return None
        return day, day, "day"
    if kind == "year":
        y = min(max(int(g["y"]), 1), 9999)
        return date(y, 1, 1), date(y, 12, 31), "year"
    if kind == "relative_year":
        anchor = context_year or year
        if anchor is None:
            return None
        y = anchor + _RELATIVE_OFFSET[g["rel"].split()[-2 if g["rel"].lower().endswith("year") else -1].lower()]
        return date(y, 1, 1), date(y, 12, 31), "year"
    if kind == "year_end":
        return (*_month_bounds(year, 12), "month") if year else None
    if kind == "month_range":
        y1 = int(g["y1"]) if g.get("y1") else (int(g["y2"]) if g.get("y2") else year)
        y2 = int(g["y2"]) if g.get("y2") else y1
        if y1 is None:
            return None
        m1, m2 = _month(g["m1"]), _month(g["m2"])
        if m2 < m1 and y2 == y1:
            y2 += 1
        return _month_bounds(y1, m1)[0], _month_bounds(y2, m2)[1], "month"
    if base is None:
        return None
    if kind == "day_range":   # "on 1 and 2 July 2022", "May 5-7"
        month, d1, d2 = _month(g["m"]), int(g["d1"]), int(g["d2"])
        last = calendar.monthrange(base, month)[1]
        if not 1 <= d1 < d2 <= last:
            return None
        return date(base, month, d1), date(base, month, d2), ("week" if d2 - d1 <= 7 else "month")
    if kind == "day":
        day = int(g["d"])
        month = _month(g["m"])
        if not 1 <= day <= calendar.monthrange(base, month)[1]:
            return None
        return date(base, month, day), date(base, month, day), "day"
    if kind in ("month", "that_month"):
        return (*_month_bounds(base, _month(g["m"])), "month")
    if kind == "season":
        first, last = SEASONS[g["s"].lower()]
        if first > last:   # winter: December of the year before to February
            return date(base - 1, 12, 1), _month_bounds(base, last)[1], "season"
        return _month_bounds(base, first)[0], _month_bounds(base, last)[1], "season"
    return None


def find_dates(text: str, year: int | None, context_year: int | None = None) -> list[DateSpan]:
    """Date expressions in `text`, resolved; month names without a year take `year` (the coverage year)."""
    return list(_find_dates(text, year, context_year))


# Every date pattern needs a digit, a month, a season or the word "year": a sentence with none has no date.
_DATE_CUE = re.compile(r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|spring|summer|autumn|fall|winter|"
                       r"year)", re.IGNORECASE)


@lru_cache(maxsize=4096)   # a sentence's dates are asked for by detection, context and the scan alike
def _find_dates(text: str, year: int | None, context_year: int | None) -> tuple[DateSpan, ...]:
    if not _DATE_CUE.search(text):
        return ()
    taken: list[tuple[int, int]] = []
    out: list[DateSpan] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if kind == "season" and not re.match(r"(?i)in\s", m.group(0)) and not m.group("y") \
                    and not _SEASON_LEAD.search(text[max(0, m.start() - 12):m.start()]):
                continue   # "summer camps" is not a date; "in the spring", "throughout the summer" are
            end, stated = m.end(), None
            if kind in ("day", "day_range", "month") and not m.groupdict().get("y"):
                stated = _STATED_YEAR.match(text, m.end())
            if stated:
                end = stated.end()
                resolved = _resolve(kind, m, min(max(int(stated.group("y")), 1), 9999), context_year)
            else:
                resolved = _resolve(kind, m, year, context_year)
            if resolved is None:
                continue
            taken.append((m.start(), end))
            bounded = bool(_SINCE.search(text[max(0, m.start() - 20):m.start()]))
            out.append(DateSpan(m.start(), end, *resolved, bounded=bounded))
    return tuple(sorted(out, key=lambda d: d.start))


# A news item's dateline or date line: "BISHKEK, Oct 6, 2020 (Reuters) -", "March 03, 2023 14:25 GMT".
_DATELINE = re.compile(r"(?m)^[ \t]*(?:[A-Z][A-Z .’'-]{2,40},[ \t]*(?:[A-Z][A-Za-z .’'-]{2,30},[ \t]*)?)?(?=\S)")


def dateline_year(text: str) -> int | None:
    """The year of a day-precise date that opens a line in the first 400 characters (a news dateline)."""
    head = text[:400]
    starts = {m.end() for m in _DATELINE.finditer(head)}
    for d in find_dates(head, None):
        if d.precision == "day" and d.start in starts and d.date_end.year == d.date_start.year:
            return d.date_start.year
    return None
