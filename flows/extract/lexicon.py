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
def load_lexicon(name: str) -> dict:   # parsed once per process (callers only read it)
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


def _trigger_sections(extended: bool) -> list[dict]:
    spec = load_lexicon("triggers.yaml")
    return [spec["triggers"], spec.get("candidate_triggers", {})] if extended else [spec["triggers"]]


@cache
def trigger_patterns(extended: bool = False) -> list[tuple[str, str, re.Pattern]]:
    """(event_type, subtype, compiled pattern) for every trigger entry; subtypes are checked against typology.
    `extended` adds the candidate triggers that only the learned extractor proposes."""
    spec = load_lexicon("triggers.yaml")
    irregular = spec.get("irregular", {})
    known = typology()["types"]
    out = []
    for event_type, subtypes in ((t, s) for section in _trigger_sections(extended) for t, s in section.items()):
        for subtype, entries in subtypes.items():
            if subtype not in known[event_type]["subtypes"]:
                raise ValueError(f"triggers.yaml: unknown subtype {event_type}.{subtype}")
            for entry in entries:
                pattern = re.compile(_BEFORE + _phrase_pattern(entry, irregular) + _AFTER, re.IGNORECASE)
                out.append((event_type, subtype, pattern))
    return out


_PIECE = re.compile(r"[a-z0-9]+")


def _first_pieces(entry: str, irregular: dict[str, list[str]]) -> set[str]:
    """The first alphanumeric piece of every form an entry's first word can take ("detain" -> detain,
    detains, detained, detaining; "=sit-in" -> sit): the key under which its pattern is tried."""
    if entry.startswith("="):
        return set(_PIECE.findall(entry[1:].split()[0].lower())[:1])
    words = entry.split()
    first = words[0].rstrip("*")
    marked = next((i for i, w in enumerate(words) if w.endswith("*")), 0)
    forms = inflections(first, irregular) if marked == 0 else {first}
    return {p[0] for f in forms for p in [_PIECE.findall(f.lower())] if p}


@cache
def trigger_index(extended: bool = False) -> dict[str, list[int]]:
    """Positions in trigger_patterns() keyed by the first piece of each entry's first word: a sentence tries
    only the patterns whose first word it contains (hundreds of patterns, a handful per sentence)."""
    irregular = load_lexicon("triggers.yaml").get("irregular", {})
    entries = [e for section in _trigger_sections(extended) for subtypes in section.values()
               for es in subtypes.values() for e in es]
    index: dict[str, list[int]] = {}
    for position, entry in enumerate(entries):
        for piece in _first_pieces(entry, irregular):
            index.setdefault(piece, []).append(position)
    return index


def candidate_patterns(text: str, extended: bool = False) -> list[tuple[str, str, re.Pattern]]:
    """The trigger patterns worth trying on `text`, in lexicon order."""
    index, patterns = trigger_index(extended), trigger_patterns(extended)
    positions = {i for piece in set(_PIECE.findall(text.lower())) for i in index.get(piece, ())}
    return [patterns[i] for i in sorted(positions)]


@cache
def assembly_pattern() -> re.Pattern:
    """An assembly verb followed, within the sentence, by a protest's purpose (triggers.yaml assembly_verbs)."""
    spec = load_lexicon("triggers.yaml")
    verbs = "|".join(r"\s+".join(map(re.escape, v.split())) for v in spec.get("assembly_verbs", []))
    purposes = "|".join(spec.get("protest_purposes", []))
    return re.compile(rf"{_BEFORE}(?P<verb>{verbs}){_AFTER}(?=[^.;:!?]{{0,120}}?\b(?:{purposes})\b)", re.IGNORECASE)


@cache
def actor_nouns() -> frozenset[str]:
    """People nouns that are triggers only as the ones acting (protesters, rioters, mob)."""
    return frozenset(w.lower() for w in load_lexicon("triggers.yaml").get("actor_nouns", []))


@cache
def needs() -> dict[str, str]:
    return dict(load_lexicon("triggers.yaml").get("needs", {}))


@cache
def cues(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as one case-insensitive word-bounded alternation."""
    entries = load_lexicon("filters.yaml")[name]
    return re.compile(r"(?<![\w-])(?:" + "|".join(entries) + r")(?![\w-])", re.IGNORECASE)


@cache
def line_cues(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as one case-insensitive, multi-line alternation (no word bounds)."""
    entries = load_lexicon("filters.yaml")[name]
    return re.compile("|".join(f"(?:{e})" for e in entries), re.IGNORECASE | re.MULTILINE)


@cache
def sentence_openers(name: str) -> re.Pattern:
    """The cue list `name` of filters.yaml as verbs that open a sentence, case-sensitive (after an optional
    fronted 'Pending ...,' phrase)."""
    entries = load_lexicon("filters.yaml")[name]
    return re.compile(r"^[\s\"“‘(*•-]*(?:Pending\s[^,]{1,80},\s*)?(?:" + "|".join(entries) + r")\b")
