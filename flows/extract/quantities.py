"""Quantities as ranges: numerals, number words ("Fifty-one"), vague amounts ("hundreds" 200-999),
prison terms in months ("two and a half years" -> 30) and which count a number is (participants, detained,
fatalities, injured)."""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
TENS = {w: 10 * i for i, w in enumerate("_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if i > 1}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague amounts as ranges (coding rules: "hundreds" 200-999, "dozens" 24-99, "several" 3-9).
VAGUE = {
    "a few": (2, 5), "a couple of": (2, 2), "several": (3, 9), "a dozen": (12, 12), "dozens": (24, 99),
    "scores": (40, 99), "hundreds": (200, 999), "several hundred": (300, 999), "a hundred": (100, 100),
    "thousands": (2000, 9999), "several thousand": (3000, 9999), "tens of thousands": (20000, 99999),
    "hundreds of thousands": (200000, 999999), "a handful of": (2, 5), "many": (10, None),
    "a number of": (3, None), "a group of": (3, None), "a crowd of": (20, None),
}
_NUMBER_WORD = "|".join(sorted([*UNITS, *TENS, *SCALES], key=len, reverse=True))
# "and" only joins a number after hundred/thousand ("two hundred and five"); "six and five years" is two numbers.
_WORD_NUMBER = rf"(?:(?:{_NUMBER_WORD})(?:(?:[\s-]+|(?<=hundred)[\s-]+and[\s-]+|(?<=thousand)[\s-]+and[\s-]+)"\
               rf"(?:{_NUMBER_WORD}))*)"
_DIGITS = r"\d{1,3}(?:,\d{3})+|\d+"
_VAGUE = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(VAGUE, key=len, reverse=True))
_QUALIFIER = r"(?P<q>more\s+than|over|at\s+least|nearly|almost|about|around|some|up\s+to|fewer\s+than|less\s+than)\s+"
# A range: "30 to 40", "30-40", "30–40", "between 30 and 40" (one count, not two to be added).
NUMBER = re.compile(
    rf"(?<![\w$€£.,])(?P<between>between\s+)?(?:{_QUALIFIER})?(?P<n>{_DIGITS}|{_WORD_NUMBER}|{_VAGUE})(?![\w%])"
    rf"(?:(?:\s+(?:to|or)\s+|\s*[-–]\s*(?=\d)|\s+[-–]\s+|(?(between)\s+and\s+|(?!)))"
    rf"(?P<n2>{_DIGITS}|{_WORD_NUMBER}))?",
    re.IGNORECASE,
)
_NOT_A_COUNT_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:percent|per\s+cent|%|years?|months?|weeks?|days?|hours?|minutes?|million|billion|dollars|"
    r"euros|tenge|rupees|km|kilometers|kilometres|miles|times|points|votes|seats|st\b|nd\b|rd\b|th\b|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)",
    re.IGNORECASE,
)
_TERM = re.compile(
    rf"(?:(?P<n0>{_DIGITS}|{_WORD_NUMBER})\s+and\s+)?"   # "six and five years (respectively)"
    rf"(?P<n>{_DIGITS}|{_WORD_NUMBER}|a|an|one)(?P<half>[\s-]+and[\s-]+a[\s-]+half)?[\s-]+"
    r"(?P<unit>years?|months?|weeks?|days?)(?![\w])",
    re.IGNORECASE,
)
_TERM_CONTEXT = re.compile(
    r"\b(?:sentenced|jailed|imprisoned|prison|jail|sentence|term|restricted\s+freedom|custody|detention|"
    r"colony|behind\s+bars|serving|served|penal)\b", re.IGNORECASE)

# Which count a number is, from the words near it.
ROLE_CUES: dict[str, re.Pattern] = {
    "fatalities": re.compile(r"\b(?:killed|killing|dead|died|deaths?|shot\s+dead|lost\s+their\s+lives|"
                             r"bodies|fatalities|murdered|lynched)\b", re.IGNORECASE),
    "injured": re.compile(r"\b(?:injured|injuring|injuries|wounded|wounding|hurt|hospitali[sz]ed)\b", re.IGNORECASE),
    "detained": re.compile(r"\b(?:arrested|arresting|arrests|detained|detaining|detentions|held|"
                           r"rounded\s+up|taken\s+into\s+custody|in\s+custody|jailed|charged|picked\s+up)\b",
                           re.IGNORECASE),
    "participants": re.compile(r"\b(?:gathered|rallied|marched|took\s+part|joined|attended|turned\s+out|protested|"
                               r"demonstrated|went\s+on\s+strike|walked\s+out)\b", re.IGNORECASE),
}
# People nouns that make a number a participant count when no verb cue follows ("2,000 protesters").
_PARTICIPANT_NOUNS = re.compile(r"^\s*(?:\w+\s+)?(?:protesters|protestors|demonstrators|marchers|strikers|rioters|"
                                r"participants)\b(?!\s+(?:were|was|had\s+been)\s+(?:detained|arrested|killed|injured))",
                                re.IGNORECASE)


_PARTICIPANT_BEFORE = re.compile(r"\b(?:rally|rallies|protests?|demonstrations?|march(?:es)?|gatherings?|crowds?|"
                                 r"strikes?|pickets?|sit-ins?)\s+of\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    low: int
    high: int | None


def words_to_int(words: str) -> int | None:
    """'Fifty-one' -> 51, 'two hundred and five' -> 205, '1,200' -> 1200; None if not a number."""
    words = words.strip().lower()
    if re.fullmatch(_DIGITS, words):
        return int(words.replace(",", ""))
    total, current = 0, 0
    for token in re.split(r"[\s-]+", words):
        if token == "and":
            continue
        if token in UNITS:
            current += UNITS[token]
        elif token in TENS:
            current += TENS[token]
        elif token in SCALES:
            current = max(current, 1) * SCALES[token]
            if SCALES[token] >= 1000:
                total, current = total + current, 0
        else:
            return None
    return total + current


def _range(n: str, n2: str | None, qualifier: str | None) -> tuple[int, int | None] | None:
    key = re.sub(r"\s+", " ", n.lower())
    if key in VAGUE:
        return VAGUE[key]
    low = words_to_int(n)
    if low is None:
        return None
    high: int | None = low
    if n2:
        high = words_to_int(n2)
    q = re.sub(r"\s+", " ", (qualifier or "").lower())
    if q in ("more than", "over", "at least"):
        low, high = low + (q != "at least"), None
    elif q in ("up to", "fewer than", "less than"):
        low, high = 1, high - (q != "up to")
    return low, high


_NEGATIVE_BEFORE = re.compile(r"(?:^|(?<=[\s(]))[-−]$")


def find_quantities(text: str) -> list[Quantity]:
    """Counts of people in `text` (not years, money, percentages, ages or days of a month)."""
    out = []
    for m in NUMBER.finditer(text):
        if _NOT_A_COUNT_AFTER.match(text, m.end()):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", m.group("n")):
            continue
        if re.search(r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"\s+$", text[max(0, m.start() - 12):m.start()]):
            continue
        rng = _range(m.group("n"), m.group("n2"), m.group("q"))
        if rng is None or (rng[0] == 0 and rng[1] == 0):
            continue
        if _NEGATIVE_BEFORE.search(text, 0, m.start()):   # "-40 detained": kept negative, so it is refused
            out.append(Quantity(m.start() - 1, m.end(), -rng[0], None if rng[1] is None else -rng[1]))
            continue
        out.append(Quantity(m.start(), m.end(), rng[0], rng[1]))
    return out


def _role_of(text: str, q: Quantity) -> str | None:
    """The count a number is: the role whose cue word is nearest after it (or just before it) in its clause."""
    after = re.split(r"[;:—–()]|,\s+(?:and|but|while)\b|\.\s|\s(?:as|when|while|after|before)\s",
                     text[q.end:q.end + 90])[0]
    before = re.split(r"[;:—–(),]", text[max(0, q.start - 40):q.start])[-1]
    for role, cue in ROLE_CUES.items():   # the verb right before the number: "police detained 20 people"
        m = list(cue.finditer(before))[-1] if cue.search(before) else None
        if m is not None and re.fullmatch(r"\s*(?:(?:a\s+total\s+of|some|about|around|at\s+least|more\s+than|"
                                          r"over|nearly|almost|up\s+to)\s*)?", before[m.end():]):
            return role
    best, best_pos = None, 10**6
    for role, cue in ROLE_CUES.items():
        m = cue.search(after)
        if m and m.start() < best_pos:
            best, best_pos = role, m.start()
    if best is None and (_PARTICIPANT_NOUNS.match(text, q.end) or _PARTICIPANT_BEFORE.search(before)):
        return "participants"
    if best is None:
        for role, cue in ROLE_CUES.items():
            if cue.search(before):
                return role
    return best


_SUBSET = re.compile(r"\b(?:including|among\s+(?:them|whom)|of\s+(?:them|whom)|of\s+which)\s+(?:\w+\s+)?$",
                     re.IGNORECASE)
_PART_OF = re.compile(r"\s+of\s+(?:whom|them|those|these)\b", re.IGNORECASE)


def count_ranges(text: str) -> dict[str, tuple[int, int | None]]:
    """{role: (low, high)} for the counts in a sentence; coordinated counts of one role add up
    ("four civilians and three soldiers were killed" -> fatalities 7), a part of a count does not
    ("238 people, including 19 officers, were killed" -> 238)."""
    totals: dict[str, tuple[int, int | None]] = {}
    for q in find_quantities(text):
        role = _role_of(text, q)
        part = _SUBSET.search(text[max(0, q.start - 30):q.start]) or _PART_OF.match(text, q.end)
        if role is None or (role in totals and part):
            continue
        if role in totals:
            low, high = totals[role]
            totals[role] = (low + q.low, None if high is None or q.high is None else high + q.high)
        else:
            totals[role] = (q.low, q.high)
    return totals


def sentence_months(text: str) -> float | None:
    """The longest prison or restricted-freedom term in a sentence, in months ("21 years" -> 252)."""
    if not _TERM_CONTEXT.search(text):
        return None
    best = None
    for m in _TERM.finditer(text):
        n = 1 if m.group("n").lower() in ("a", "an") else words_to_int(m.group("n"))
        if n is None:
            continue
        if m.group("n0") and not m.group("half"):
            n = max(n, words_to_int(m.group("n0")) or 0)
        value = n + (0.5 if m.group("half") else 0)
        unit = m.group("unit").lower().rstrip("s")
        months = {"year": 12 * value, "month": value, "week": value * 7 / 30.4375, "day": value / 30.4375}[unit]
        preceding = text[max(0, m.start() - 40):m.start()].lower()
        if re.search(r"\b(?:after|ago|over|within|for\s+the\s+(?:last|past)|since|in\s+the\s+(?:last|past))\s*$",
                     preceding) and not re.search(r"(?:sentenced|jailed|imprisoned)\s+(?:to|for)\s*$", preceding):
            continue
        if best is None or months > best:
            best = round(months, 2)
    return best
