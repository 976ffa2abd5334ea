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

# "sentenced four to administrative detention", "a sentence of 15 days' detention": the penalty, not a detention.
_PENALTY_BEFORE = re.compile(r"(?:\b(?:sentenced|sentencing|given|handed(?:\s+down)?)\b[^.;]{0,60}?\bto|"
                             r"\bsentences?\s+of)\s+(?:[\w’'-]+\s+){0,3}$", re.IGNORECASE)
# "Allegations of assaults ... should be investigated": the trigger is in the subject of an obligation.
_MODAL_AFTER = re.compile(r"^(?:(?!\b(?:was|were|had|did|has|have)\b)[^;:,.])*?\b(?:should|must|ought\s+to|"
                          r"needs?\s+to)\s+(?:be|have|not|also)\b", re.IGNORECASE)
_APPEAL_BEFORE = re.compile(r"\b(?:quash\w*|overturn\w*|upheld|uphold\w*|annul\w*|appeal\w*|review\w*|revers\w*|"
                            r"aside|against|confirm\w*|expunge\w*|spent|previous|prior|earlier)\b", re.IGNORECASE)
_TRIAL_IN_PHRASE = re.compile(r"\b(?:of|on|in|at|about|during|throughout|into|for)\s+"
                              r"(?:the|this|that|a|an|their|his|her)\s+(?:[\w’'-]+\s+)?$", re.IGNORECASE)
_LATER_BEFORE = re.compile(r"\blater\s+(?:\w+\s+)?$", re.IGNORECASE)
_HELD_SUBJECT = re.compile(r"\W*(?:an?|the|this|that|its|their|our)\s+(?:[\w’'-]+\s+){0,2}$", re.IGNORECASE)


_DETERMINER_WORDS = {"the", "these", "those", "this", "its", "their", "his", "her"}
_REPORTING_VERB = re.compile(r"\W*\w+\s+[\w’'-]+\s+(?:[\w’'-]+\s+)?(?:reported|described|recounted|recalled|alleged|"
                             r"documented|witnessed|suffered|endured|faced|saw|heard|told\s+of|complained\s+of|"
                             r"spoke\s+of|testified\s+to|said)\s+(?:[\w’'-]+\s+)?$", re.IGNORECASE)
_INSTRUMENT_USE = re.compile(r"\b(?:with|using|used|uses|use|fired|firing|deployed|deploying|sprayed)\s+"
                            r"(?:[\w’'-]+\s+){0,2}$", re.IGNORECASE)


def _ends_with(cue: re.Pattern, before: str) -> bool:
    """Does a match of `cue` end right before the trigger (only spaces between)?"""
    return any(not before[m.end():].strip() for m in cue.finditer(before))


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
    if cues("framing").search(text) and not any(d.precision == "day" for d in find_dates(text, 2000)):
        return "framing"
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
    if _ends_with(cues("institution_before"), text[max(0, trig.start - 80):trig.start]):
        return "institution_name"   # "the Special Rapporteur on torture", "the Convention against Torture"
    if cues("negation").search(before4):
        return "negation"
    coordinated = _COORDINATED_BEFORE.search(text, phrase_start, trig.start)   # "not ... torture or other ill-..."
    if coordinated and cues("negation").search(_words_before(text, coordinated.start(), 4, phrase_start)):
        return "negation"
    if cues("hypothetical").search(before8) or cues("hypothetical_after").search(
            _words_after(text[:c_end], trig.end, 6)):
        return "hypothetical"
    if not find_dates(text, 2000) and _MODAL_AFTER.search(_words_after(text[:c_end], trig.end, 12)):
        return "hypothetical"   # "Allegations of assaults and arrests should be investigated."
    if _is_infinitive(text, trig):
        return "infinitive"
    if trig.event_type == "detention" and _PENALTY_BEFORE.search(text[max(0, trig.start - 100):trig.start]):
        return "penalty"
    if trig.word.lower() == "conviction" and (not find_dates(text[phrase_start:c_end], 2000) or _APPEAL_BEFORE.search(
            _words_before(text, trig.start, 3) + " ")):
        return "conviction_reference"   # "quash her conviction", "his conviction was upheld": not the verdict
    if trig.word.lower().startswith("to house") and re.search(
            r"\b(?:sentenced|sentences?|convicted|condemned|punished)\b[^.;]{0,60}$", text[:trig.start], re.IGNORECASE):
        return "penalty"   # "sentenced to house arrest" is the sentence, not a release from custody
    if trig.subtype == "release" and _LATER_BEFORE.search(text[max(0, trig.start - 25):trig.start]) \
            and not find_dates(clause, 2000):
        return "undated_later_release"   # "was later released": not coded without a date of its own
    if trig.word.lower().endswith("held") and cues("held_in_court_after").match(_words_after(text, trig.end, 5)):
        return "held_thing"   # "defendants were held in a metal cage": the courtroom, not custody
    if trig.word.lower().endswith("held") and (
            cues("held_things").search(_words_before(text, trig.start, 4, c_start))
            or cues("held_things").search(" ".join(_without_relatives(text[:trig.start]).split()[-4:]))
            or _held_subject(text, c_start, trig.start)):
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
    if _generic(text, clause) or (_PRESENT_HABITUAL.search(clause) and not _COUNT.search(text)):
        return "generic"
    if _aggregate(clause, text) or cues("aggregate_trend").search(
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
            cues("protest_modifier_after").match(_words_after(text, trig.end, 3)):
        return "modifier"
    if _is_reference(text, trig, phrase_start):
        return "reference_to_known_event"
    if trig.word.lower().startswith("trial of") and _TRIAL_IN_PHRASE.search(
            text, max(0, trig.start - 60), trig.start):
        return "reference_to_known_event"   # "the monitoring of the criminal trial of 24 activists"
    if trig.word[:1].isupper() and trig.start > 0 and not text[:trig.start].strip(" \"“‘(") == "":
        return "proper_name"
    return None


_CONTINUED = re.compile(r"continu\w*\s+to$", re.IGNORECASE)


def _generic(text: str, clause: str) -> bool:
    """A habit or a pattern; 'continued to chase them until the early hours of 8 March' on a given day is not
    one (a day-precise date makes the clause an occurrence)."""
    found = [m.group(0) for m in cues("generic").finditer(clause)]
    if not found:
        return False
    if all(_CONTINUED.match(w) for w in found):
        return not any(d.precision == "day" for d in find_dates(text, 2000))
    return True


_SUBSET = re.compile(r"(?:most|some) (?:were|of (?:those|them))$", re.IGNORECASE)


def _aggregate(clause: str, text: str) -> bool:
    """Statistics over a period; 'most were released' is one occurrence when its clause has a date
    ('most were released on 12 May'), and so is 'detained 24 people, most of them at home' on a day or in
    a month."""
    found = [m.group(0) for m in cues("aggregate").finditer(clause)]
    if not found:
        return False
    if all(_SUBSET.match(w) for w in found):   # any date expression, with or without its year
        return not find_dates(clause, 2000) and not any(
            d.precision in ("day", "week", "month") for d in find_dates(text, 2000))
    return True


def _held_subject(text: str, c_start: int, trig_start: int) -> bool:
    """'A round table on torture, organised by the Ombudsman, was held': a held thing heads the clause."""
    m = cues("held_things").search(text, c_start, trig_start)
    return bool(m) and bool(_HELD_SUBJECT.match(text[c_start:m.start()])) \
        and text[m.end():m.end() + 2] not in ("'s", "’s")


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
    if trig.event_type == "attack" and _INSTRUMENT_USE.search(text, max(phrase_start, trig.start - 60), trig.start):
        return False   # "dispersed the gathering with tear gas": the force used is the act itself
    determined = _DETERMINER.search(text, phrase_start, trig.start) or _TIME_POSSESSIVE.search(
        text, phrase_start, trig.start)
    verb = _REPORTING_VERB.match(text, determined.start(), trig.start) if determined else None
    if verb:   # "his relatives reported beatings": the determiner belongs to the reporter
        determined = _DETERMINER.search(text, verb.end(0) - len(verb.group(0).split()[-1]) - 1, trig.start) \
            if verb.group(0).split()[-1].lower() in _DETERMINER_WORDS else None
    chain = _COORDINATED_NOUNS.search(text, phrase_start, trig.start)   # "allegations of torture and other ..."
    head = chain.start() if chain else trig.start
    if not (determined or cues("reference").search(_words_before(text, trig.start, 4, phrase_start))
            or cues("reference").search(_words_before(text, head, 4, phrase_start))):
        return False
    return not cues("occurrence_after").search(_words_after(text, trig.end, 5))
