"""Within one report: merge statements of one occurrence (a summary and the body, a backgrounded re-mention,
a vaguer restatement) into one mention, and attach a following casualty count to its event."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flows.extract.detect import Detection
from flows.extract.quantities import ROLE_CUES, count_ranges
from flows.extract.segment import Sentence

_CASUALTY = re.compile("|".join(ROLE_CUES[r].pattern for r in ("fatalities", "injured")), re.IGNORECASE)


SAME_PEOPLE_SHARE = 0.6


@dataclass
class Candidate:
    """One event as the report states it, before merging and output."""
    det: Detection
    sentence: int
    start: int
    end: int
    fields: dict = field(default_factory=dict)
    confidence: float = 0.5
    persons: set[str] = field(default_factory=set)
    in_summary: bool = False   # stated in an executive summary: the body's account of the event is preferred


def same_people(a: Candidate, b: Candidate) -> bool:
    """Most of the names of the sparser statement are in the other ('Bokayev and Ayan' and 'Maks Bokayev and
    Talgat Ayan'), not one shared name ('... fomenting the protests with Tuleshov')."""
    if not a.persons or not b.persons:
        return False
    return len(a.persons & b.persons) / min(len(a.persons), len(b.persons)) >= SAME_PEOPLE_SHARE


def _same_occurrence(a: Candidate, b: Candidate) -> bool:
    """Two statements of one occurrence in different places of the report (summary and body)."""
    if a.det.event_type != b.det.event_type or a.det.date is None or b.det.date is None:
        return False
    if a.det.event_type == "trial" and a.det.subtype != b.det.subtype:
        return False
    if not _overlap(a, b):
        return False
    da, db = a.det.date, b.det.date
    if same_people(a, b):
        return True
    if da.precision == "day" and db.precision == "day" and "context" not in (a.det.date_source, b.det.date_source):
        return True
    counts = [k for k in ("detained_low", "fatalities_low", "participants_low") if a.fields.get(k) is not None]
    return bool(counts) and all(_same_count(a.fields.get(k), b.fields.get(k)) for k in counts)


def _same_count(x: int | None, y: int | None) -> bool:
    """The same number, or two roundings of one large number ("nearly 10,000" and "9,900")."""
    if x is None or y is None:
        return False
    return x == y or (min(x, y) >= 100 and abs(x - y) <= 0.1 * max(x, y))


# What makes one statement of an event more worth quoting than another: its specifics.
_DETAIL_WEIGHTS = {"sentence_months": 2, "participants_low": 2, "detained_low": 2, "fatalities_low": 2,
                   "injured_low": 2, "charges": 1, "location_text": 1, "admin1_text": 1}


def _richness(c: Candidate) -> int:
    return sum(w for k, w in _DETAIL_WEIGHTS.items() if c.fields.get(k) is not None)


def _preference(c: Candidate) -> tuple:
    """Which statement of an occurrence to keep: the body's over a summary's, then the most confident (the
    event in its main clause, dated there), then the most specific; on a tie the earlier one stays."""
    return (not c.in_summary, c.confidence, _richness(c))


def _overlap(a: Candidate, b: Candidate) -> bool:
    da, db = a.det.date, b.det.date
    return da is not None and db is not None and da.date_start <= db.date_end and db.date_start <= da.date_end


def _firm(c: Candidate) -> bool:
    """Dated by the sentence itself, finer than a year."""
    return c.det.date_source in ("segment", "leading", "sentence") and c.det.date.precision != "year"


def _drop_background(cands: list[Candidate]) -> list[Candidate]:
    """A backgrounded mention of an event the report states elsewhere is dropped, not counted twice."""
    def restated(b: Candidate) -> bool:
        for c in cands:
            if c is b or c.det.backgrounded or c.det.event_type != b.det.event_type or not _overlap(b, c):
                continue
            if same_people(b, c) or (c.det.subtype == b.det.subtype and _firm(b) and _firm(c)):
                return True
        return False
    return [c for c in cands if not (c.det.backgrounded and restated(c))]


def _drop_vague_restatements(cands: list[Candidate]) -> list[Candidate]:
    """'protests in the spring' in a summary restates the finer 'In late April and early May, protests ...'."""
    def vaguer_twin(b: Candidate) -> bool:
        if b.det.date is None or b.det.date.precision not in ("season", "year") or (b.persons and not b.in_summary):
            return False   # a summary names the people of the body's finer account too
        return any(c is not b and c.det.event_type == b.det.event_type and c.det.subtype == b.det.subtype
                   and _overlap(b, c) and c.det.date.precision in ("day", "week", "month") for c in cands)
    return [c for c in cands if not vaguer_twin(c)]


def _same_story_event(a: Candidate, b: Candidate) -> bool:
    """In a news story, a statement dated only by its context restates the story's event of that type."""
    if a.det.event_type != b.det.event_type or "context" not in (a.det.date_source, b.det.date_source):
        return False
    if not ((a.det.event_type != "trial" or a.det.subtype == b.det.subtype) and _overlap(a, b)):
        return False
    # a day in the story's month is a later episode ("On 18 May ... During the operation, 21 were killed"),
    # not a restatement of the month-dated lead
    ctx, other = (a, b) if a.det.date_source == "context" else (b, a)
    return _PRECISION_RANK.get(ctx.det.date.precision, 9) >= _PRECISION_RANK.get(other.det.date.precision, 9)


_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "season": 3, "year": 4}


def dedupe(cands: list[Candidate], news: bool = False) -> list[Candidate]:
    """One mention per occurrence within a report: the most confident, most detailed statement wins; in a news
    story (`news`), a restatement dated only by its context is one too."""
    kept: list[Candidate] = []
    for cand in _drop_vague_restatements(_drop_background(cands)):
        twin = next((k for k in kept if _same_occurrence(k, cand)), None)
        story_twin = None if twin or not news else next((k for k in kept if _same_story_event(k, cand)), None)
        if story_twin is not None:   # a story tells its event first, then adds to it
            continue
        if twin is None:
            kept.append(cand)
            continue
        if _preference(cand) > _preference(twin):
            kept[kept.index(twin)] = cand
    return kept


def fill(target: Candidate, fields: dict) -> None:
    """Fill the fields the target lacks from another statement of the same event."""
    for key, value in fields.items():
        if target.fields.get(key) is None and value is not None:
            target.fields[key] = value


def attach_casualties(sentences: list[Sentence], cands: list[Candidate]) -> None:
    """A following sentence that only counts casualties ("Three people were injured") belongs to the event."""
    by_sentence = {c.sentence: c for c in cands}
    for index, cand in by_sentence.items():
        nxt = index + 1
        if nxt >= len(sentences) or nxt in by_sentence or sentences[nxt].paragraph != sentences[index].paragraph:
            continue
        follow = sentences[nxt].text
        if not _CASUALTY.search(follow) or cand.det.event_type not in ("protest", "attack"):
            continue
        counts = count_ranges(follow)
        for role in ("fatalities", "injured"):
            if role in counts and cand.fields.get(f"{role}_low") is None:
                cand.fields[f"{role}_low"], cand.fields[f"{role}_high"] = counts[role]
                cand.end = sentences[nxt].end
