"""Dates a sentence takes from its context: the previous sentence ("Two were fined the following day"), the
paragraph's last explicit date, or a news item's dateline ("on Saturday" before "12 June 2022")."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from flows.extract.dates import DateSpan, find_dates

WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_WEEKDAY = re.compile(r"\b(?:on|last|this\s+past)\s+(" + "|".join(WEEKDAYS) + r")\b", re.IGNORECASE)
# A bare weekday after a noun or verb of the event ("a rally Sunday", "detained Tuesday"), not a name ("Sunday Times").
_BARE_WEEKDAY = re.compile(r"(?<=[a-z] )(" + "|".join(d.capitalize() for d in WEEKDAYS) + r")(?!\s+[A-Z])\b")
# "the ministry said on Tuesday", "announced in a statement on May 3": the date of the statement, not the event.
REPORTED_BEFORE = re.compile(r"\b(?:said|says|told\s+\w+|reported|announced|stated|confirmed|added|wrote|tweeted|"
                             r"claimed|declared|disclosed|revealed)(?:\s+in\s+a\s+(?:statement|post|interview))?"
                             r"\s+(?:on\s+|late\s+|early\s+)?$", re.IGNORECASE)
_NEXT_DAY = re.compile(r"\b(?:the\s+(?:following|next)\s+day|a\s+day\s+later|the\s+day\s+after)\b", re.IGNORECASE)
_SAME_DAY = re.compile(r"\b(?:the\s+same\s+day|that\s+day|on\s+the\s+same\s+day|later\s+that\s+day|"
                       r"(?:that|the\s+same)\s+(?:first\s+)?(?:morning|afternoon|evening|night)|overnight|"
                       r"(?:in|by|during|throughout)\s+the\s+(?:morning|afternoon|evening|night))\b", re.IGNORECASE)
# "in the weeks that followed", "over the following days", "months later": a period after the context date.
_FOLLOWING = re.compile(r"\b(?:(?:in|over|during|within)\s+the\s+(?:following|next|subsequent|ensuing)\s+(?:few\s+)?"
                        r"(days|weeks|months)|(?:in|over)\s+the\s+(days|weeks|months)\s+that\s+followed|"
                        r"(?:a\s+few\s+|several\s+)?(weeks|months)\s+later)\b", re.IGNORECASE)
_FOLLOWING_DAYS = {"days": 10, "weeks": 42, "months": 183}
_DAYS_LATER = re.compile(r"\b(two|three|four|five|six|\d)\s+days\s+later\b", re.IGNORECASE)
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def is_anaphoric(text: str) -> bool:
    """Does the sentence date itself by reference to a day told before ('during the night', 'the next day',
    'in the weeks that followed')?"""
    return bool(_SAME_DAY.search(text) or _NEXT_DAY.search(text) or _DAYS_LATER.search(text)
                or _FOLLOWING.search(text))


def reference_day(text: str, meta: dict | None) -> date | None:
    """The day a news item was written: meta 'date'/'published', else a day-precise dateline at its top."""
    for key in ("date", "published", "publication_date"):
        value = (meta or {}).get(key)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                pass
    head = find_dates(text[:400], None)
    days = [d for d in head if d.precision == "day"]
    return days[0].date_start if days else None


def carry_over(span: DateSpan) -> DateSpan:
    """A date carried over from another sentence: the same month, not the same day."""
    if span.precision not in ("day", "week"):
        return span
    first = span.date_start.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return DateSpan(span.start, span.end, first, last, "month")


def _day(d: date) -> DateSpan:
    return DateSpan(0, 0, d, d, "day")


def relative_date(text: str, context: DateSpan | None, ref_day: date | None) -> DateSpan | None:
    """Resolve 'the following day', 'three days later', 'that day' against the context date and
    'on Saturday' against the reference day (the most recent such weekday on or before it)."""
    if context is not None:
        later = _DAYS_LATER.search(text)
        if _NEXT_DAY.search(text) or later:
            if context.precision != "day":
                return carry_over(context)
            n = 1 if not later else (_SMALL.get(later.group(1).lower()) or int(later.group(1)))
            return _day(context.date_start + timedelta(days=n))
        if _SAME_DAY.search(text):
            return context
        following = _FOLLOWING.search(text)
        if following:
            unit = next(g for g in following.groups() if g).lower()
            end = context.date_end + timedelta(days=_FOLLOWING_DAYS[unit])
            return DateSpan(0, 0, context.date_start, end, "month" if unit == "months" else "week")
    weekday = next((m for m in (*_WEEKDAY.finditer(text), *_BARE_WEEKDAY.finditer(text))
                    if not REPORTED_BEFORE.search(text[max(0, m.start(1) - 40):m.start(1)])), None)
    if weekday and ref_day is not None:
        back = (ref_day.weekday() - WEEKDAYS[weekday.group(1).lower()]) % 7
        return _day(ref_day - timedelta(days=back))
    return None


_DATELINE_END = re.compile(r"\s*(?:\([A-Za-z .]{2,30}\)\s*)?[-—–:]")


def is_dateline(text: str, span: DateSpan) -> bool:
    """'BISHKEK, March 15, 2024 (Reuters) - ...': the date at the head of a news item, not of the event."""
    return span.precision == "day" and span.start < 40 and bool(_DATELINE_END.match(text, span.end))
