"""Find event triggers in a sentence with the lexicon of schemas/lexicon/triggers.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.extract.lexicon import assembly_pattern, candidate_patterns, needs

_MONTH_CONTEXT = re.compile(r"(?:\b(?:in|on|of|since|until|by|from|to|early|late|mid|last|next|this|that)\s+|-)$",
                            re.IGNORECASE)


@dataclass(frozen=True)
class Trigger:
    start: int          # offsets within the sentence text
    end: int
    event_type: str
    subtype: str
    word: str


def is_candidate(text: str, extended: bool = False) -> bool:
    """Cheap test: does the text hold any trigger word at all? (`extended`: the learned extractor's too)"""
    return any(p.search(text) for _, _, p in candidate_patterns(text, extended)) \
        or assembly_pattern().search(text) is not None


def _is_month_march(text: str, start: int, end: int) -> bool:
    """'March' the month, not a march: capitalised mid-sentence, before a day number or after 'in'/'on'."""
    word = text[start:end]
    if word.lower() != "march":
        return False
    after = text[end:end + 6]
    return bool(re.match(r"\s*(?:\d|,?\s*(?:19|20)\d\d)", after) or _MONTH_CONTEXT.search(text[:start])
                or (word[0] == "M" and start > 0))


def find_triggers(text: str, extended: bool = False) -> list[Trigger]:
    """All non-overlapping trigger matches in `text`; the longest match wins where two overlap. `extended` adds
    the candidate triggers of the learned extractor."""
    found: list[Trigger] = []
    for event_type, subtype, pattern in candidate_patterns(text, extended):
        for m in pattern.finditer(text):
            if event_type == "protest" and _is_month_march(text, m.start(), m.end()):
                continue
            found.append(Trigger(m.start(), m.end(), event_type, subtype, m.group(0)))
    for m in assembly_pattern().finditer(text):   # "gathered outside parliament to demand ..."
        found.append(Trigger(m.start("verb"), m.end("verb"), "protest", "peaceful_protest", m.group("verb")))
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    kept: list[Trigger] = []
    for trig in found:
        if kept and trig.start < kept[-1].end:
            continue
        kept.append(trig)
    # A subtype listed in `needs` (a raid) makes an event only beside another trigger of the needed type.
    present = {t.event_type for t in kept if t.subtype not in needs()}
    return [t for t in kept if t.subtype not in needs() or needs()[t.subtype] in present]
