"""The learned extractor: the candidate scan, a trained scorer that keeps the candidates that report real
occurrences (with a calibrated confidence), then the rules' resolvers for fields and the merge of restatements."""

from __future__ import annotations

from functools import cache

import polars as pl

from flows.extract.entities import analyse
from flows.extract.extractor import UNKNOWN_COUNTRY, home_country, rows_frame
from flows.extract.fields import event_fields, person_names
from flows.extract.learned.features import candidate_features, content_words
from flows.extract.learned.model import ScorerModel, default_model
from flows.extract.learned.scan import Scan, read
from flows.extract.lexicon import load_lexicon
from flows.extract.merge import Candidate, attach_casualties
from flows.ingest.reports import ReportDoc

LEARNED_VERSION = "eventflow-learned/1.1"


@cache
def final_reasons() -> frozenset[str]:
    """The rules' reasons for rejecting a trigger that the model never overrules (filters.yaml)."""
    return frozenset(load_lexicon("filters.yaml")["final_for_learned"])


def score_candidates(scan: Scan, model: ScorerModel) -> None:
    """Set each candidate's confidence: the calibrated probability that it reports a real occurrence (0 for a
    candidate the rules reject for a reason that is final)."""
    per_sentence: dict[int, int] = {}
    for c in scan.candidates:
        per_sentence[c.sentence] = per_sentence.get(c.sentence, 0) + 1
    words = [content_words(s.text) for s in scan.sentences]
    feats = [candidate_features(scan, c, per_sentence[c.sentence], words) for c in scan.candidates]
    for c, conf in zip(scan.candidates, model.confidence(feats), strict=True):
        c.confidence = 0.0 if c.det.rejected in final_reasons() else round(float(conf), 3)


def resolve(scan: Scan, kept: list[Candidate], country: str | None) -> list[Candidate]:
    """Fields of the kept candidates (spaCy on their sentences only), then one mention per occurrence."""
    home, own_names = home_country(scan.doc.text, country or (scan.doc.meta or {}).get("country"))
    order = sorted({c.sentence for c in kept})
    ents = dict(zip(order, analyse([scan.sentences[i].text for i in order]), strict=True))
    not_names = own_names | {w for w in scan.clean.split() if w.islower() and len(w) > 3}
    for c in kept:
        sent = scan.sentences[c.sentence]
        c.fields = event_fields(sent, c.det, ents[c.sentence], home, own_names)
        c.persons = person_names(ents[c.sentence], not_names)
    attach_casualties(scan.sentences, kept)
    return one_per_statement(kept)


def one_per_statement(cands: list[Candidate]) -> list[Candidate]:
    """One mention per event a sentence states: candidates of one sentence with the same type, date (and
    subtype, for trials) are one statement; the most confident stays. Restatements in other sentences were
    already scored down by the model (its restatement features)."""
    best: dict[tuple, Candidate] = {}
    for c in cands:
        d = c.det.date
        key = (c.sentence, c.det.event_type, c.det.subtype if c.det.event_type == "trial" else None,
               (d.date_start, d.date_end) if d else None)
        if key not in best or c.confidence > best[key].confidence:
            best[key] = c
    return sorted(best.values(), key=lambda c: (c.start, c.det.event_type))


def extract_learned(doc: ReportDoc, year: int | None = None, country: str | None = None,
                    model: ScorerModel | None = None, threshold: float | None = None) -> pl.DataFrame:
    """Every event mention the report states, kept by the trained scorer, with a calibrated confidence."""
    model = model or default_model()
    scan = read(doc, year)
    score_candidates(scan, model)
    cut = model.threshold if threshold is None else threshold
    kept = resolve(scan, [c for c in scan.candidates if c.confidence >= cut], country)
    return rows_frame(doc, kept, LEARNED_VERSION)


__all__ = ["LEARNED_VERSION", "UNKNOWN_COUNTRY", "extract_learned", "read", "resolve", "score_candidates"]
