"""Filters that tell a trigger reporting an occurrence from one that does not: negation, hypotheticals and
plans, laws and policies, generic or habitual statements, aggregates over long periods, and a few
sense checks (a release of documents, an attack that is the offence in a conviction)."""

from __future__ import annotations

import re
from functools import lru_cache

from flows.extract.dates import find_dates
from flows.extract.lexicon import actor_nouns, cues, line_cues, sentence_openers
from flows.extract.triggers import Trigger, find_triggers

_CLAUSE_BREAK = re.compile(r"[;:—–()\[\]]|\s-\s|,\s+(?:but|while|whereas|although|though|which|who)\b|"
                           r"\b(?:but|although|though|whereas)\b")
# Forecasting or reporting verbs whose complement is not an occurrence.
_PRESENT_HABITUAL = re.compile(r"\b(?:courts?|police|authorities|officials|judges)\s+(?:regularly\s+|often\s+)?"
                               r"(?:convict|arrest|detain|jail|fine|sentence|beat|torture)s?\b", re.IGNORECASE)


_COUNT = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds|thousands)\b",
                    re.IGNORECASE)
_INFINITIVE_TO = re.compile(r"(?<!due )(?<!owing )(?<!according )(?<!prior )(?<!related )(?<!response )"
                            r"(?<!leading )(?<!contrary )(?<!subjected )(?<!exposed )(?<!led )\bto\s+$", re.IGNORECASE)
_FACTUAL_TO = re.compile(r"\b(?:able|managed|lucky|succeeded|went\s+on|proceeded|moved\s+in)\s+to\s+$", re.IGNORECASE)
_DETERMINER = re.compile(r"\b(?:the|these|those|this|its|their|his|her)\s+"
                         r"(?:(?!(?:of|a|an|to|by|in|for|on|at)\b)[\w’'-]+\s+){0,3}$", re.IGNORECASE)


# "last week's unrest", "last year's protests": an event of a past period named in the possessive is one
# reported before ("Saturday's protest drew 500 people" still reports its protest).
_TIME_POSSESSIVE = re.compile(r"\b(?:last|past|previous)\s+(?:week|weekend|month|year)['’]s\s+(?:[\w’'-]+\s+){0,2}$",
                              re.IGNORECASE)


# The offence named in a charge: "charged with \"calls to mass riots\"", "on charges of organising a protest".
_CHARGE_BEFORE = re.compile(r"\b(?:charged\s+with|charges?\s+of|convicted\s+of|accused\s+of|suspicion\s+of|"
                            r"suspected\s+of|guilty\s+of|indicted\s+for|prosecuted\s+for)\s+[\"“‘']?[^,;.\"”]{0,60}$",
                            re.IGNORECASE)
_PERFECT_BEFORE = re.compile(r"\b(?:have|has)\s+(?:\w+\s+)?been\s+$", re.IGNORECASE)
# "of detained journalists", "the jailed activist": a participle that describes people, not an occurrence.
_ATTRIBUTIVE_BEFORE = re.compile(r"(?:^|\b(?:the|a|an|of|for|with|their|his|her|its|our|all|other|about|including|"
                                 r"against|on|to|behalf\s+of)\s+)$", re.IGNORECASE)
_NOT_A_HEAD_NOUN = re.compile(r"(?:by|in|on|at|for|after|before|during|without|over|and|or|as|with|from|under|since|"
                              r"until|to|because|while|when|following|amid|near|outside|inside|the|a|an|him|her|them|"
                              r"it|us|me|his|their|its|our|without|again|briefly|overnight|here|there|earlier|later|"
                              r"last|this|that|these|those|who|which|is|was|were|are|been|being)$", re.IGNORECASE)
_COORDINATED_NOUNS = re.compile(r"(?:[\w’'-]+\s+(?:or|and)\s+(?:other\s+)?)+$", re.IGNORECASE)
_COORDINATED_BEFORE = re.compile(r"(?:[\w’'-]+\s+(?:or|nor)\s+(?:other\s+|any\s+)?)+$", re.IGNORECASE)

def clause_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): between the nearest clause breaks on either side."""
    left = 0
    for m in _CLAUSE_BREAK.finditer(text, 0, start):
        left = m.end()
    m = _CLAUSE_BREAK.search(text, end)
    return left, (m.start() if m else len(text))


def _words_before(text: str, start: int, n: int, floor: int = 0) -> str:
    words = re.findall(r"\S+", text[max(floor, start - 25 * n):start])
    return " ".join(words[-n:])


def _words_after(text: str, end: int, n: int) -> str:
    return " ".join(re.findall(r"\S+", text[end:end + 25 * n])[:n])


@lru_cache(maxsize=256)
def _sentence_reason(text: str) -> str | None:
    """Reasons that hold for every trigger of the sentence: a law or policy, a question or instruction."""
    if cues("law_policy").search(text):
        return "law_policy"
    if line_cues("question_or_instruction").search(text):
        return "question_or_instruction"
    return None


def reject_reason(text: str, trig: Trigger, sentence_types: set[str]) -> str | None:
    """Why the trigger in the sentence `text` does not report an occurrence (None: it does)."""
    c_start, c_end = clause_of(text, trig.start, trig.end)
    clause = text[c_start:c_end]
    phrase_start = max(c_start, text.rfind(",", 0, trig.start) + 1)
    before4 = _words_before(text, trig.start, 4, phrase_start)
    before8 = _words_before(text, trig.start, 10, phrase_start)
    if cues("negation").search(before4):
        return "negation"
    coordinated = _COORDINATED_BEFORE.search(text, phrase_start, trig.start)   # "not ... torture or other ill-..."
    if coordinated and cues("negation").search(_words_before(text, coordinated.start(), 4, phrase_start)):
        return "negation"
    if cues("hypothetical").search(before8) or cues("hypothetical_after").search(
            _words_after(text[:c_end], trig.end, 6)):
        return "hypothetical"
    if _is_infinitive(text, trig):
        return "infinitive"
    if trig.word.lower().endswith("held") and (
            cues("held_things").search(_words_before(text, trig.start, 4, c_start))
            or cues("held_things").search(" ".join(_without_relatives(text[:trig.start]).split()[-4:]))):
        return "held_thing"
    if trig.word.lower() in actor_nouns() and not _counted_subject(text, trig, c_start) and (
            cues("actor_noun_before").search(_words_before(text, trig.start, 2, c_start))
            or cues("actor_noun_after").match(_words_after(text, trig.end, 4))):
        return "people_acted_upon"
    if cues("state").search(_words_before(text, trig.start, 3, c_start)):
        return "state_not_event"
    if _is_attributive(text, trig):
        return "attributive"
    if trig.event_type in ("protest", "attack") and _CHARGE_BEFORE.search(text[max(0, trig.start - 90):trig.start]):
        return "offence_charged"
    if cues("nonspecific").search(_words_before(text, trig.start, 2, c_start)):
        return "nonspecific"
    sentence_reason = _sentence_reason(text)
    if sentence_reason:
        return sentence_reason
    if _is_imperative(text, trig):
        return "question_or_instruction"
    if cues("generic").search(clause) or (_PRESENT_HABITUAL.search(clause) and not _COUNT.search(text)):
        return "generic"
    if cues("aggregate").search(clause) or cues("aggregate_trend").search(
            _words_before(text, trig.start, 6, c_start) + " "):
        return "aggregate"
    if cues("vague_plural").search(text[c_start:trig.start]) and not find_dates(clause, None):
        return "aggregate"   # "Several officials of the former government were prosecuted" (the trigger's subject)
    if _PERFECT_BEFORE.search(text[max(0, trig.start - 30):trig.start]) and cues("perfect_tally_after").search(
            _words_after(text, trig.end, 4)):
        return "aggregate"
    if trig.subtype == "release" and cues("release_of_things").search(_words_after(text, trig.end, 3)):
        return "release_of_things"
    if trig.subtype == "release" and re.search(r"\b(?:press|news)\s*$", text[:trig.start], re.IGNORECASE):
        return "release_of_things"
    if trig.subtype == "release" and _freed_by_non_state(text, trig):
        return "freed_by_non_state"
    if trig.event_type == "attack" and "trial" in sentence_types and cues("offence").search(
            _words_before(text, trig.start, 4, c_start)):
        return "offence_in_trial"
    if trig.subtype == "extradition_ruling" and not cues("ruling").search(text):
        return "no_ruling"
    if trig.word.lower() in ("detention", "detentions") and (
            cues("state_noun_before").search(_words_before(text, trig.start, 2, c_start))
            or cues("state_after").search(_words_after(text, trig.end, 2))):
        return "state_not_event"
    if trig.word.lower().startswith("demonstrat") and trig.word.lower() != "demonstration" and \
            cues("not_protest_after").match(_words_after(text, trig.end, 2)):
        return "not_a_protest"
    if trig.word.lower().endswith("s") and trig.event_type in ("protest", "attack") and re.search(
            r"\b(?:two|three|four|five|six|seven|eight|nine|ten|several|many|numerous|(?<!\d)\d{1,3})\s+(?:\w+\s+)?$",
            text[max(0, trig.start - 30):trig.start], re.IGNORECASE):
        return "plural_summary"
    if trig.event_type == "attack" and trig.subtype in ("armed_attack", "bombing") and _is_disaster(text):
        return "disaster_or_accident"
    if trig.event_type == "protest" and trig.subtype == "peaceful_protest" and not re.match(
            r"(?:protest|demonstration)s?$", trig.word, re.IGNORECASE) and cues("military_subject").search(
            _words_before(text, trig.start, 6, c_start)):   # "troops marched"; "troops broke up protests" is one
        return "military_movement"
    if trig.event_type in ("protest", "attack") and not trig.word.lower().endswith("ed") and \
            cues("legal_matter_after").match(_words_after(text, trig.end, 2)):
        return "legal_matter"
    if trig.event_type == "protest" and not trig.word.lower().endswith(("ed", "ers", "ors")) and \
            cues("protest_modifier_after").match(_words_after(text, trig.end, 2)):
        return "modifier"
    if _is_reference(text, trig, phrase_start):
        return "reference_to_known_event"
    if trig.word[:1].isupper() and trig.start > 0 and not text[:trig.start].strip(" \"“‘(") == "":
        return "proper_name"
    return None


def _counted_subject(text: str, trig: Trigger, c_start: int) -> bool:
    """'Hundreds of protesters braved the cold': a counted people noun that opens its clause is its subject."""
    return bool(re.match(r"\W*(?:(?:about|some|several|many|more\s+than|at\s+least|tens\s+of|hundreds\s+of|"
                         r"thousands\s+of|dozens\s+of|scores\s+of|hundreds|thousands|dozens|scores|crowds|groups)"
                         r"\s+)+of\s+$|\W*(?:hundreds|thousands|dozens|scores|crowds|groups|tens\s+of\s+thousands)"
                         r"\s+of\s+$", text[c_start:trig.start], re.IGNORECASE))


def _is_imperative(text: str, trig: Trigger) -> bool:
    return _opens_with_imperative(text[:80]) or bool(sentence_openers("instruction_openers").match(text[:120]))


def _without_relatives(text: str) -> str:
    """The text with its parenthetical relative clauses cut out ("The trial, which opened in January, was")."""
    return re.sub(r",\s+(?:which|who|whom|whose)\b[^,;]*,", "", text)


def _is_attributive(text: str, trig: Trigger) -> bool:
    """'the cases of detained journalists': a participle before the people it describes, after a determiner
    or a preposition, reports no occurrence."""
    word = trig.word
    if " " in word or not word.lower().endswith(("ed", "en")) or trig.event_type == "protest":
        return False
    if not _ATTRIBUTIVE_BEFORE.search(text[max(0, trig.start - 20):trig.start]) or trig.start == 0:
        return False
    nxt = re.match(r"\s+([a-z][\w’'-]*)", text[trig.end:trig.end + 40])
    return bool(nxt) and not _NOT_A_HEAD_NOUN.match(nxt.group(1)) and not nxt.group(1).endswith("ly")


def _freed_by_non_state(text: str, trig: Trigger) -> bool:
    """'protesters stormed the building and freed the former president': freed by a crowd or armed men,
    not released by a court or the authorities."""
    found = list(cues("non_state_captors").finditer(text, 0, trig.start))
    if not found:
        return False
    m = found[-1]
    between = text[m.end():trig.start]   # the captors are the subject of the verb that frees
    return bool(re.search(r"\band\s+(?:also\s+)?$", between)) and len(between.split()) <= 14 \
        and not re.search(r"[,;:()—–]", between)


@lru_cache(maxsize=256)
def _opens_with_imperative(head: str) -> bool:
    """'Release all political prisoners and drop the charges.': a sentence that opens with a bare verb
    trigger recommends; nothing in it is an occurrence."""
    m = re.match(r"[\s\"“‘(*•-]*([A-Z][a-z]+)\s+(?:all|the|a|an|those|these|them|him|her|any|every|their|his|its|"
                 r"our|political|immediately)\b", head)
    if not m or re.search(r"(?:ed|ing|s)$", m.group(1)):
        return False
    opener = [t for t in find_triggers(head[:m.end(1) + 20]) if t.start == m.start(1)]
    return bool(opener) and opener[0].event_type in ("detention", "trial", "attack")


@lru_cache(maxsize=256)
def _is_disaster(text: str) -> bool:
    """Deaths or an explosion in a disaster or an accident, with no one attacking."""
    return bool(cues("disaster").search(text)) and not cues("attacker").search(text)


def _is_infinitive(text: str, trig: Trigger) -> bool:
    """'granted the police 20 days to arrest him': a verb after 'to' is not (yet) an occurrence; 'due to
    police firing' and 'an order to extradite' (the ruling itself) are not infinitives of that kind."""
    first = trig.word.split()[0].lower()
    before = text[max(0, trig.start - 30):trig.start]
    if not _INFINITIVE_TO.search(before) or _FACTUAL_TO.search(before):
        return False
    return not re.search(r"(?:ed|ing|s)$", first) and first not in ("protest", "police") \
        and trig.subtype != "extradition_ruling"


def _is_reference(text: str, trig: Trigger, phrase_start: int) -> bool:
    """A protest or attack noun that refers back to an event ('the land protests', 'during the protests')
    rather than reporting one; 'The protests began in April' still reports it."""
    words = trig.word.lower().split()
    if trig.event_type not in ("protest", "attack") or any(w.endswith(("ed", "ing")) for w in words) \
            or words[0] in ("shot", "struck", "beat", "beaten", "fired", "gunned"):
        return False
    determined = _DETERMINER.search(text, phrase_start, trig.start) or _TIME_POSSESSIVE.search(
        text, phrase_start, trig.start)
    chain = _COORDINATED_NOUNS.search(text, phrase_start, trig.start)   # "allegations of torture and other ..."
    head = chain.start() if chain else trig.start
    if not (determined or cues("reference").search(_words_before(text, trig.start, 4, phrase_start))
            or cues("reference").search(_words_before(text, head, 4, phrase_start))):
        return False
    return not cues("occurrence_after").search(_words_after(text, trig.end, 5))
