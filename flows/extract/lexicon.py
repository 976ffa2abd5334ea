"""Load the extractor's lexicon files from schemas/lexicon/ and compile them to regular expressions."""

from __future__ import annotations

import re
from functools import cache

import yaml

from flows.model import SCHEMAS_DIR, typology

LEXICON_DIR = SCHEMAS_DIR / "lexicon"
# Trigger boundaries: a hyphen before or after joins a compound that still names the event ("protest-march",
# "anti-government protests", "counter-protest"), so only letters and digits bound a trigger.
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"
_VOWELS = "aeiou"


@cache
def _load(name: str) -> dict:   # parsed once per process (callers only read it)
    return yaml.safe_load((LEXICON_DIR / name).read_text(encoding="utf-8"))


def inflections(lemma: str, irregular: dict[str, list[str]] | None = None) -> set[str]:
    """Regular English inflections of a verb or noun lemma (detain -> detains, detained, detaining)."""
    forms = {lemma, *((irregular or {}).get(lemma, []))}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z")):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    elif lemma.endswith("y") and len(lemma) > 2 and lemma[-2] not in _VOWELS:
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
        short_cvc = (len(lemma) <= 4 and len(lemma) >= 3 and lemma[-1] not in _VOWELS + "wxy"
                     and lemma[-2] in _VOWELS and lemma[-3] not in _VOWELS)
        if short_cvc:
            forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


def _phrase_pattern(entry: str, irregular: dict[str, list[str]]) -> str:
    if entry.startswith("="):
        return r"\s+".join(re.escape(w) for w in entry[1:].split())
    words = entry.split()
    marked = next((i for i, w in enumerate(words) if w.endswith("*")), 0)
    parts = []
    for i, word in enumerate(words):
        word = word.rstrip("*")
        if i == marked:
            forms = sorted((re.escape(f) for f in inflections(word, irregular)), key=len, reverse=True)
            parts.append("(?:" + "|".join(forms) + ")")
        else:
            parts.append(re.escape(word))
    return r"\s+".join(parts)


@cache
def trigger_patterns() -> list[tuple[str, str, re.Pattern]]:
    """(event_type, subtype, compiled pattern) for every trigger entry; subtypes are checked against typology."""
    spec = _load("triggers.yaml")
    irregular = spec.get("irregular", {})
    known = typology()["types"]
    out = []
    for event_type, subtypes in spec["triggers"].items():
        for subtype, entries in subtypes.items():
            if subtype not in known[event_type]["subtypes"]:
                raise ValueError(f"triggers.yaml: unknown subtype {event_type}.{subtype}")
            for entry in entries:
                pattern = re.compile(_BEFORE + _phrase_pattern(entry, irregular) + _AFTER, re.IGNORECASE)
                out.append((event_type, subtype, pattern))
    return out


@cache
def trigger_prefilter() -> re.Pattern:
    """One alternation of every trigger: a cheap test for candidate sentences."""
    spec = _load("triggers.yaml")
    irregular = spec.get("irregular", {})
    parts = [_phrase_pattern(e, irregular) for subtypes in spec["triggers"].values()
             for entries in subtypes.values() for e in entries]
    return re.compile(_BEFORE + "(?:" + "|".join(parts) + ")" + _AFTER, re.IGNORECASE)


@cache
def assembly_pattern() -> re.Pattern:
    """An assembly verb followed, within the sentence, by a protest's purpose (triggers.yaml assembly_verbs)."""
    spec = _load("triggers.yaml")
    verbs = "|".join(r"\s+".join(map(re.escape, v.split())) for v in spec.get("assembly_verbs", []))
    purposes = "|".join(spec.get("protest_purposes", []))
    return re.compile(rf"{_BEFORE}(?P<verb>{verbs}){_AFTER}(?=[^.;:!?]{{0,120}}?\b(?:{purposes})\b)", re.IGNORECASE)


@cache
def actor_nouns() -> frozenset[str]:
    """People nouns that are triggers only as the ones acting (protesters, rioters, mob)."""
    return frozenset(w.lower() for w in _load("triggers.yaml").get("actor_nouns", []))


@cache
def needs() -> dict[str, str]:
    return dict(_load("triggers.yaml").get("needs", {}))


@cache
def cues(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as one case-insensitive word-bounded alternation."""
    entries = _load("filters.yaml")[name]
    return re.compile(r"(?<![\w-])(?:" + "|".join(entries) + r")(?![\w-])", re.IGNORECASE)


@cache
def line_cues(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as one case-insensitive, multi-line alternation (no word bounds)."""
    entries = _load("filters.yaml")[name]
    return re.compile("|".join(f"(?:{e})" for e in entries), re.IGNORECASE | re.MULTILINE)


@cache
def sentence_openers(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as verbs that open a sentence, case-sensitive (after an optional
    fronted 'Pending ...,' phrase)."""
    entries = _load("filters.yaml")[name]
    return re.compile(r"^[\s\"“‘(*•-]*(?:Pending\s[^,]{1,80},\s*)?(?:" + "|".join(entries) + r")\b")


@cache
def places_abroad() -> list[tuple[str, re.Pattern]]:
    """(ISO2, pattern of the country's names, adjectives and main cities) from countries.yaml."""
    spec = _load("countries.yaml")["countries"]
    out = []
    for code, words in spec.items():
        alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        out.append((code, re.compile(r"(?<![\w-])(?:" + alternation + r")(?![\w-])")))
    return out
