"""The fields of one event mention from its sentence: place, country, actors and targets, counts, prison
term, charges, and the confidence of the mention."""

from __future__ import annotations

import re

from flows.extract.detect import Detection
from flows.extract.entities import (
    SentenceEntities,
    actors_and_targets,
    admin1_text,
    country_of_event,
    location_text,
)
from flows.extract.filters import clause_of
from flows.extract.quantities import count_ranges, sentence_months
from flows.extract.segment import Sentence

_CHARGES = re.compile(
    r"\b(?:on\s+(?:the\s+)?charges?\s+of|charged\s+with|convicted\s+of|accused\s+of|on\s+suspicion\s+of|"
    r"suspected\s+of|found\s+guilty\s+of|for\s+allegedly|for(?=\s+\w+ing\b))\s+(?P<c>[^,;.]{4,120})", re.IGNORECASE)
_NOT_A_CHARGE = re.compile(r"\s*(?:up\s+to|\d|(?:one|two|three|four|five|six|seven|eight|nine|ten|a|an)\b|"
                           r"\w+\s+(?:years?|months?|days?)|the\s+(?:first|second|last)|which|what)", re.IGNORECASE)
# Where the words of a charge end: a clause, a time ("the following year", "in May", "two days later").
_CHARGE_END = re.compile(
    r"\s+(?:(?:the\s+)?(?:following|next|same|previous|last|this)\s+(?:year|month|week|day)|"
    r"that|which|who|whom|where|while|when|in\s+a\s+case|following|because|after|before|during|"
    r"(?:on|in|last)\s+(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\d{4})|"
    r"(?:a|one|two|three)\s+(?:days?|weeks?|months?|years?)\s+(?:later|earlier|ago))\b", re.IGNORECASE)
MAX_CHARGE_CHARS = 80
_CHARGES_BEFORE = re.compile(r"\bon\s+(?P<c>(?:[\w-]+\s+){0,3}?[\w-]+)\s+charges\b", re.IGNORECASE)

# Counts each event type carries ("hundreds of protesters were detained" is a detention count).
COUNTS_BY_TYPE = {"protest": ("participants", "detained", "fatalities", "injured"), "detention": ("detained",),
                  "attack": ("fatalities", "injured"), "trial": ()}
MASS_DETENTION_AT = 20


def charges_of(text: str) -> str | None:
    """What people were charged with or convicted of ("disseminating false information")."""
    for m in _CHARGES.finditer(text):
        charge = _CHARGE_END.split(m.group("c").split("(")[0])[0]
        if not _NOT_A_CHARGE.match(charge):
            return _shorten(charge.strip().strip("“”\"").strip())
    m = _CHARGES_BEFORE.search(text)
    return m.group("c").strip() if m else None


def _shorten(charge: str) -> str:
    if len(charge) <= MAX_CHARGE_CHARS:
        return charge
    return charge[:MAX_CHARGE_CHARS].rsplit(" ", 1)[0] + "..."


def confidence(det: Detection, fields: dict) -> float:
    """How sure the extractor is that the mention reports an occurrence: by where its date came from,
    how much it says, and whether it is background to its sentence."""
    score = 0.55
    score += {"segment": 0.15, "leading": 0.15, "sentence": 0.05, "context": 0.0, "coverage": -0.15}.get(
        det.date_source, -0.2)
    if det.date is not None and det.date.precision == "day":
        score += 0.05
    if fields.get("targets") or any(fields.get(k) is not None for k in ("detained_low", "fatalities_low",
                                                                         "participants_low", "injured_low")):
        score += 0.1
    if det.backgrounded:   # a counted toll in a reduced relative ("the six people killed in ...") still reports
        counted = any(fields.get(k) is not None for k in ("detained_low", "fatalities_low", "injured_low"))
        score -= 0.1 if counted else 0.25
    return round(min(max(score, 0.05), 0.95), 2)


def event_fields(sent: Sentence, det: Detection, ents: SentenceEntities, home: str, own_names: set[str]) -> dict:
    """Place, country, actors, targets, counts, prison term and charges; may refine det.subtype."""
    text = sent.text
    trig = det.triggers[0]
    c_start, c_end = clause_of(text, trig.start, trig.end)
    counts = count_ranges(text)
    actors, targets = actors_and_targets(ents, trig.start, trig.end)
    out = {
        "location_text": location_text(text, ents.places, trig.start, own_names),
        "admin1_text": admin1_text(text),
        "country": country_of_event(text[c_start:c_end], home),
        "actors": actors, "targets": targets,
    }
    for role in COUNTS_BY_TYPE[det.event_type]:
        if role in counts:
            out[f"{role}_low"], out[f"{role}_high"] = counts[role]
    if det.event_type == "detention" and "detained_low" in out and out["detained_low"] >= MASS_DETENTION_AT \
            and det.subtype == "arrest":
        det.subtype = "mass_detention"
    if det.event_type == "trial":
        out["sentence_months"] = sentence_months(text) if det.subtype in ("conviction", "sentence_suspended",
                                                                           "release") else None
        out["charges"] = charges_of(text)
    elif det.event_type == "detention":
        out["charges"] = charges_of(text)
    if det.event_type == "protest" and det.subtype == "peaceful_protest" and re.search(
            r"\bprotests\b.*\b(?:various|several|many)\s+(?:towns|cities|regions)|\bnationwide\s+protests\b",
            text, re.IGNORECASE):
        det.subtype = "protest_wave"
    return out


def person_names(ents: SentenceEntities, exclude: set[str]) -> set[str]:
    """Words of people's names in the sentence (to tell restatements of one event apart from others);
    `exclude` holds the country's own names and the words the report also writes in lower case."""
    words = {w for _s, _e, name in ents.persons for w in name.split() if len(w) > 2 and w[0].isupper()}
    return {w for w in words | ents.names if w not in exclude and w.lower() not in exclude}
