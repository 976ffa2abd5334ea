"""Detect event occurrences in one sentence: kept triggers, grouped into one event per type (per subtype for
trials) and date, each with the date expression that governs it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from flows.extract.context import REPORTED_BEFORE
from flows.extract.dates import DateSpan, find_dates
from flows.extract.filters import reject_reason
from flows.extract.lexicon import cues
from flows.extract.triggers import Trigger, find_triggers

_SEGMENT_BREAK = re.compile(r"[,;:—–()]|\band\b|\bbut\b")
_LEADING = re.compile(r"^\W*(?:(?:in|on|during|by|at|from|between|since|throughout|early|late|mid)\b\W*)*",
                      re.IGNORECASE)
_RELATIVE_CLAUSE = re.compile(r"\b(?:who|which|that)\s+(?:had\s+|have\s+)?(?:been\s+|was\s+|were\s+|is\s+|are\s+)?"
                              r"(?:\w+\s+)?$", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:to\s+be\s+\w+|scheduled\s+for|due|planned\s+for|will\s+be\s+\w+)\s+(?:in|on|by)?\s*$",
                     re.IGNORECASE)
_TEMPORAL_ADJUNCT = re.compile(r"\b(?:following|after|before|since|upon|until)\s+(?:his|her|their|its)\s+$",
                               re.IGNORECASE)
_OFFENCE = re.compile(r"\b(?:charges?\s+of|for|over|accused\s+of|convicted\s+of|guilty\s+of)\b", re.IGNORECASE)
SUBTYPE_PRIORITY = {
    "protest": ["intercommunal_clash", "riot", "strike", "protest_wave", "peaceful_protest"],
    "detention": ["preemptive_detention", "mass_detention", "raid", "arrest"],
    "attack": ["torture", "bombing", "armed_attack", "assault", "other"],
}


@dataclass
class Detection:
    """One event a sentence reports, with the triggers that name it and the date that governs them."""
    event_type: str
    subtype: str
    triggers: list[Trigger]
    date: DateSpan | None
    date_source: str            # segment|leading|sentence|context|coverage|none
    backgrounded: bool = False  # reported inside a relative clause ("who were arrested in May")
    rejected: str | None = None  # why the rules' filters would drop it (kept only when asked: a model decides)


def _armed_clash(text: str, trig: Trigger) -> Trigger:
    """A clash that involves troops, militants or rebels is fighting (an armed attack), not a riot."""
    if trig.word.lower().startswith("clash") and trig.subtype == "riot" and cues("armed_groups").search(text):
        return replace(trig, event_type="attack", subtype="armed_attack")
    return trig


def _segments(text: str) -> list[tuple[int, int]]:
    bounds, last = [], 0
    for m in _SEGMENT_BREAK.finditer(text):
        bounds.append((last, m.start()))
        last = m.end()
    bounds.append((last, len(text)))
    return bounds


def _segment_index(segments: list[tuple[int, int]], pos: int) -> int:
    for i, (s, e) in enumerate(segments):
        if s <= pos < e or (pos < s):
            return i
    return len(segments) - 1


def _governing_date(text: str, trig: Trigger, dates: list[DateSpan],
                    segments: list[tuple[int, int]]) -> tuple[DateSpan | None, str]:
    """The date of a trigger: one in its own segment, else the sentence's leading date, else the nearest."""
    if not dates:
        return None, "none"
    seg = _segment_index(segments, trig.start)
    if trig.event_type == "trial":   # "jailed on charges of fomenting unrest in 2011": 2011 dates the offence
        kept = [d for d in dates if not (d.start > trig.end and _OFFENCE.search(text, trig.end, d.start))]
        if not kept:   # only the offence is dated: a weak date ("sentenced on Thursday for torture in 2021")
            return min(dates, key=lambda d: _gap(d, trig)), "sentence"
        dates = kept
    own = [d for d in dates if _segment_index(segments, d.start) == seg]
    if own:
        return min(own, key=lambda d: _gap(d, trig)), "segment"
    when = [d for d in dates if d.end <= trig.start and _WHEN_CLAUSE.match(text, d.end, trig.start)]
    if when:   # "the events of March 1, 2008, when police broke up protests": the clause happens then
        return when[-1], "segment"
    lead = _LEADING.match(text)
    if lead and dates[0].start <= lead.end():
        return dates[0], "leading"
    outside = [d for d in dates if not _in_other_relative(text, d.start, trig)]
    if not outside:
        return None, "none"
    return min(outside, key=lambda d: _gap(d, trig)), "sentence"


def _gap(d: DateSpan, trig: Trigger) -> int:
    """Characters between a date and a trigger ('released in 2014 after a conviction in 2011': 2011 is nearer)."""
    return d.start - trig.end if d.start >= trig.end else max(0, trig.start - d.end)


_WHEN_CLAUSE = re.compile(r"\s*,?\s+when\b[^;:.]*$", re.IGNORECASE)
_RELATIVE_OPEN = re.compile(r",\s+(?:who|which|whom|whose)\b", re.IGNORECASE)


def _in_other_relative(text: str, pos: int, trig: Trigger) -> bool:
    """Is `pos` inside a relative clause (', who was jailed in June ...') that neither holds the trigger nor
    describes it? Its date belongs to that clause ('Protesters freed Atambayev, who was jailed in June' is not a
    June protest; 'a strike, which broke out in September' is a September strike)."""
    for m in _RELATIVE_OPEN.finditer(text, 0, pos):
        end = _CLAUSE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        holds = trig.start < stop and m.start() < trig.end
        describes = 0 <= m.start() - trig.end <= 3
        if m.start() <= pos < stop and not holds and not describes:
            return True
    return False


_CLAUSE_END = re.compile(r"[,;:—–()]")


def detect(text: str, year: int | None, context_year: int | None = None,
           keep_rejected: bool = False) -> list[Detection]:
    """Events the sentence `text` (clean text) reports, one per type and date (per subtype too for trials).
    With `keep_rejected` (the learned extractor), the candidate triggers are looked for too, and triggers the
    filters reject are kept, their reason in `rejected`."""
    triggers = [_armed_clash(text, t) for t in find_triggers(text, extended=keep_rejected)]
    if not triggers:
        return []
    types = {t.event_type for t in triggers}
    dates = [d for d in find_dates(text, year, context_year)
             if not d.bounded and not _FUTURE.search(text[max(0, d.start - 30):d.start])
             and not REPORTED_BEFORE.search(text[max(0, d.start - 40):d.start])]
    if not dates:
        triggers = _drop_kind_lists(text, triggers)
    segments = _segments(text)
    groups: dict[tuple, Detection] = {}
    for trig in triggers:
        reason = reject_reason(text, trig, types)
        if reason and not keep_rejected:
            continue
        date, source = _governing_date(text, trig, dates, segments)
        key = (trig.event_type, trig.subtype if trig.event_type == "trial" else None,
               (date.date_start, date.date_end) if date else None, reason)
        background = bool(_RELATIVE_CLAUSE.search(text[max(0, trig.start - 40):trig.start])
                           or _TEMPORAL_ADJUNCT.search(text[max(0, trig.start - 30):trig.start]))
        if key in groups:
            det = groups[key]
            det.triggers.append(trig)
            det.backgrounded = det.backgrounded and background
            ranks = SUBTYPE_PRIORITY.get(trig.event_type)
            if ranks and ranks.index(trig.subtype) < ranks.index(det.subtype):
                det.subtype = trig.subtype
        else:
            groups[key] = Detection(trig.event_type, trig.subtype, [trig], date, source, background, reason)
    return _fold_releases(_fold_casualties(text, _violent_protests(text, list(groups.values()))))


_VERB_FORM = re.compile(r"(?:ed|en|held|shot|struck|fought|took|went|stood|broke|threw|sent|brought|beat|put|"
                        r"freed)$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"\s*(?:[,;/]\s*(?:and|or)?|and|or|and/or)\s*", re.IGNORECASE)


def _drop_kind_lists(text: str, triggers: list[Trigger]) -> list[Trigger]:
    """'protest, detention, attack and trial events', 'arrests or attacks on journalists': nouns of different
    event types listed together, in an undated sentence, name kinds of events, not occurrences."""
    listed: set[int] = set()
    for i in range(len(triggers) - 1):
        a, b = triggers[i], triggers[i + 1]
        gap = text[a.end:b.start]
        if a.event_type != b.event_type and len(gap) <= 7 and _LIST_JOIN.fullmatch(gap) \
                and not any(_VERB_FORM.search(w) for t in (a, b) for w in t.word.split()):
            listed |= {i, i + 1}
    return [t for i, t in enumerate(triggers) if i not in listed]


_STATE_SUBJECT = re.compile(r"\b(?:police|policemen|officers|troops|soldiers|security forces|guards|authorities)"
                            r"\s+(?:\w+\s+)?$", re.IGNORECASE)


def _violent_protests(text: str, found: list[Detection]) -> list[Detection]:
    """A protest whose participants storm, burn or loot in the same sentence is a riot (not when the police
    or troops do it: "police stormed the rally")."""
    by_protesters = [m for m in cues("protest_violence").finditer(text)
                     if not _STATE_SUBJECT.search(text[max(0, m.start() - 40):m.start()])]
    if by_protesters:
        for d in found:
            if d.event_type == "protest" and d.subtype == "peaceful_protest":
                d.subtype = "riot"
    return found


_IN_WHICH = re.compile(r"\b(?:in|during)\s+which\b[^,;.]{0,40}$", re.IGNORECASE)
# "five people were killed in riots that followed the election": the riot's toll, not a separate attack
_IN_THE_PROTEST = re.compile(r"\s+(?:\w+\s+){0,2}(?:in|during|before|as|while|until)\s+(?:the\s+)?(?:[\w-]+\s+)?"
                             r"(?:riots?|clash(?:es)?|"
                             r"protests?|unrest|demonstrations?|disturbances)\b", re.IGNORECASE)


def _fold_casualties(text: str, found: list[Detection]) -> list[Detection]:
    """Killings told inside a protest ('riots ... in which police shot dead 15 civilians') are the protest's
    casualties, not a separate attack."""
    if not any(d.event_type == "protest" for d in found):
        return found
    return [d for d in found if not (d.event_type == "attack" and all(
        _IN_WHICH.search(text[max(0, t.start - 60):t.start]) or (
            t.word.lower().startswith(("kill", "die", "dead")) and _IN_THE_PROTEST.match(text, t.end))
        for t in d.triggers))]


_RULINGS_THAT_FREE = ("sentence_suspended", "acquittal", "extradition_ruling")


def _fold_releases(found: list[Detection]) -> list[Detection]:
    """'commuted to a suspended one and she was freed', 'blocked the extradition and ordered his release':
    the release is what the ruling did, not a second event."""
    def when(d: Detection) -> tuple | None:
        return (d.date.date_start, d.date.date_end) if d.date else None
    rulings = {when(d) for d in found if d.subtype in _RULINGS_THAT_FREE}
    return [d for d in found if not (d.subtype == "release" and when(d) in rulings)]
