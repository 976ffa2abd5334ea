"""Train the candidate scorer from the annotated corpus (`eventflow train`).

1. Every training document is scanned (flows/extract/learned/scan.py); a candidate is a positive example when a
   gold event of its type, with an overlapping date, is told in its sentence (by the gold quote or one of the
   sentences that restate it), else a negative.
2. A logistic regression is fitted for each regularisation strength of a small grid; the one with the best F1
   on the dev split is kept.
3. On dev, the kept model's scores of the extractor's final mentions are mapped to how often such mentions
   match a gold event (isotonic regression): the confidence means a probability. The threshold is the
   calibrated confidence that gives the best dev F1.
4. The model and its card (data, splits, figures) are written to one .npz file.

The test split is never read here. Matching follows the shared scorer's rule (type, overlapping dates,
overlapping evidence; one-to-one); final figures are measured with the shared scorer (benchmarks/corpus_eval.py).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from flows.extract import corpus
from flows.extract.learned import LEARNED_VERSION, resolve, score_candidates
from flows.extract.learned.features import candidate_features, content_words
from flows.extract.learned.model import DEFAULT_MODEL, HASH_BITS, ScorerModel, feature_index
from flows.extract.learned.scan import Scan, read
from flows.extract.merge import Candidate
from flows.ingest.reports import ReportDoc, read_report

C_GRID = (0.1, 0.3, 1.0, 3.0)
SHARED = corpus.PROJECT_ROOT.parent / "shared"
DEV_REPORT = ("fh-nit-2017", SHARED / "corpus" / "freedomhouse-nit2017-kazakhstan.txt",
              SHARED / "eval" / "dev" / "freedomhouse-nit2017_gold.csv")
TEAM_FIXTURES = corpus.PROJECT_ROOT / "tests" / "fixtures" / "extract"


@dataclass
class Example:
    """A scanned document and what is known of its events: all of them (an annotated document), or, when
    `partial`, only those of the sentences an analyst reviewed (its other candidates are not examples)."""

    doc: str
    scan: Scan
    gold: list[corpus.GoldEvent]
    dropped: list[tuple[int, int]] = field(default_factory=list)   # spans an analyst said are no event
    partial: bool = False

    def labels(self) -> list[int | None]:
        """Each candidate's label (None: unknown, not an example)."""
        spans = [g.span for g in self.gold] + self.dropped
        return [label(c, self.gold) if not self.partial or any(_overlaps((c.start, c.end), s) for s in spans)
                else None for c in self.scan.candidates]


def _report(path: Path, text: str | None = None) -> ReportDoc:
    doc = read_report(path, path.name)
    if text is not None:
        doc.text = text
    return doc


def _gold_file(path: Path, doc_id: str, text: str) -> list[corpus.GoldEvent]:
    loc = corpus.Locator(text)
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["doc"] != doc_id:
                continue
            span = loc.find(r["quote"])
            if span is None:
                continue
            out.append(corpus.GoldEvent(r["event_type"], r.get("subtype", ""), date.fromisoformat(r["date_start"]),
                                        date.fromisoformat(r["date_end"]), r.get("date_precision", ""),
                                        (r.get("country") or "").upper(), (r.get("admin1_iso") or "").upper(),
                                        span, (), r))
    return out


def extra_training_documents() -> list[tuple[str, ReportDoc, list[corpus.GoldEvent]]]:
    """Besides the corpus's train split: the Kazakhstan dev report (its country, KZ, is in train) and the
    team's own held-out-style documents (tests/fixtures/extract/heldout*/, written and coded by the team)."""
    out = []
    doc_id, text_path, gold = DEV_REPORT
    if text_path.is_file():
        doc = _report(text_path)
        out.append((doc_id, doc, _gold_file(gold, doc_id, doc.text)))
    for folder in sorted(TEAM_FIXTURES.glob("heldout*")):
        with (folder / "gold.csv").open(encoding="utf-8", newline="") as f:
            names = list(dict.fromkeys(r["doc"] for r in csv.DictReader(f)))
        for name in names:
            doc = _report(folder / name)
            out.append((f"team/{folder.name}/{name}", doc, _gold_file(folder / "gold.csv", name, doc.text)))
    return out


def examples(splits: tuple[str, ...], with_extra: bool = False) -> list[Example]:
    """Scanned documents with their gold events."""
    out = [Example(d.doc, read(_report(d.path)), d.events) for d in corpus.load(splits)]
    if with_extra:
        out += [Example(doc_id, read(doc), gold) for doc_id, doc, gold in extra_training_documents()]
    return out


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _agrees(c: Candidate, g: corpus.GoldEvent, spans: tuple[tuple[int, int], ...]) -> bool:
    d = c.det.date
    return (c.det.event_type == g.event_type and d is not None and d.date_start <= g.date_end
            and g.date_start <= d.date_end and any(_overlaps((c.start, c.end), s) for s in spans))


def label(c: Candidate, gold: list[corpus.GoldEvent]) -> int:
    """1 when the candidate's sentence is where a gold event of its type and time is reported (its quote);
    a sentence that only restates it (one of its also_quotes) is a negative: the extractor reports each event
    once, where it is told best."""
    return int(any(_agrees(c, g, (g.span,)) for g in gold))


def table(exs: list[Example]) -> tuple[list[list[str]], np.ndarray]:
    feats, labels = [], []
    for ex in exs:
        per_sentence: dict[int, int] = {}
        for c in ex.scan.candidates:
            per_sentence[c.sentence] = per_sentence.get(c.sentence, 0) + 1
        words = [content_words(s.text) for s in ex.scan.sentences]
        for c, y in zip(ex.scan.candidates, ex.labels(), strict=True):
            if y is not None:
                feats.append(candidate_features(ex.scan, c, per_sentence[c.sentence], words))
                labels.append(y)
    return feats, np.array(labels)


def review_examples(db: Path) -> list[Example]:
    """Analysts' review decisions (flows/review/training.py) as partially labelled documents: confirmed,
    corrected and added mentions are events, dropped ones are not; unreviewed sentences teach nothing."""
    from flows.review.training import reviewed_documents

    out = []
    for rd in reviewed_documents(db):
        gold = [corpus.GoldEvent(s.event_type, s.subtype, s.date_start, s.date_end, "", s.country or "", "",
                                 (s.char_start, s.char_end)) for s in (*rd.confirmed, *rd.corrected, *rd.added)]
        doc = ReportDoc(rd.source, rd.sha256, "txt", rd.text, {})
        out.append(Example(f"review/{rd.source}", read(doc), gold, [(d.char_start, d.char_end) for d in rd.dropped],
                           partial=True))
    return out


def hashed(feats: list[list[str]], bits: int = HASH_BITS):
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, fs in enumerate(feats):
        idx = {feature_index(f, bits) for f in fs}
        rows += [i] * len(idx)
        cols += sorted(idx)
    return csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(feats), 1 << bits))


def fit(feats: list[list[str]], labels: np.ndarray, c: float) -> ScorerModel:
    """A logistic regression over the hashed features (uncalibrated, threshold 0.5)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, solver="liblinear", max_iter=2000)
    clf.fit(hashed(feats), labels)
    coef = clf.coef_.ravel()
    nz = np.flatnonzero(coef)
    return ScorerModel(nz.astype(np.int64), coef[nz], float(clf.intercept_[0]), 0.5, np.empty(0), np.empty(0))


def match(pred: list[Candidate], gold: list[corpus.GoldEvent]) -> dict[int, int]:
    """One-to-one matching of final mentions to gold events by the shared scorer's rule (gold quote span)."""
    edges = {i: [j for j, c in enumerate(pred) if _agrees(c, g, (g.span,))] for i, g in enumerate(gold)}
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in edges:
        augment(i, set())
    return owner   # pred index -> gold index


def final_mentions(ex: Example, model: ScorerModel, cut: float) -> list[Candidate]:
    score_candidates(ex.scan, model)
    kept = [c for c in ex.scan.candidates if c.confidence >= cut]
    return resolve(ex.scan, kept, None)


def outcomes(exs: list[Example], model: ScorerModel, cut: float = 0.0) -> list[tuple[float, int, str]]:
    """(confidence, matched, doc) of every final mention; plus (nan, -1, doc) per gold event, for recall."""
    out = []
    for ex in exs:
        pred = final_mentions(ex, model, cut)
        owner = match(pred, ex.gold)
        out += [(c.confidence, int(j in owner), ex.doc) for j, c in enumerate(pred)]
        out += [(float("nan"), -1, ex.doc)] * len(ex.gold)
    return out


def prf(rows: list[tuple[float, int, str]], cut: float) -> dict:
    kept = [m for conf, m, _ in rows if m >= 0 and conf >= cut]
    gold = sum(1 for _, m, _ in rows if m < 0)
    tp, npred = sum(kept), len(kept)
    p = tp / npred if npred else 0.0
    r = tp / gold if gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "matched": tp, "pred": npred, "gold": gold}


def calibrate(model: ScorerModel, rows: list[tuple[float, int, str]]) -> ScorerModel:
    """Fit the map raw score -> match rate on the dev mentions (isotonic, increasing)."""
    from sklearn.isotonic import IsotonicRegression

    raw = np.array([conf for conf, m, _ in rows if m >= 0])
    hit = np.array([m for _, m, _ in rows if m >= 0])
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, hit)
    model.calib_x, model.calib_y = iso.X_thresholds_, iso.y_thresholds_
    return model


def best_threshold(rows: list[tuple[float, int, str]]) -> tuple[float, dict]:
    cuts = sorted({round(conf, 3) for conf, m, _ in rows if m >= 0})
    scored = [(prf(rows, c)["f1"], -c, c) for c in cuts] or [(0.0, -0.5, 0.5)]
    _, _, cut = max(scored)
    return cut, prf(rows, cut)


def reliability(rows: list[tuple[float, int, str]], bins: int = 10) -> list[dict]:
    """Calibration table: per confidence bin, mentions and how many matched a gold event."""
    out = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        sel = [m for conf, m, _ in rows if m >= 0 and (lo <= conf < hi or (b == bins - 1 and conf == 1.0))]
        if sel:
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "mentions": len(sel), "matched": sum(sel),
                        "match_rate": round(sum(sel) / len(sel), 3)})
    return out


def train(out: Path = DEFAULT_MODEL, with_extra: bool = True, reviews: Path | None = None, log=print) -> dict:
    """Train, choose C on dev, calibrate on dev, choose the threshold on dev; save the model; return the card.
    `reviews`: a database whose analysts' review decisions are added to the training examples."""
    log("scanning the train and dev documents ...")
    train_ex, dev_ex = examples(("train",), with_extra), examples(("dev",))
    reviewed = review_examples(reviews) if reviews is not None else []
    if reviews is not None:
        log(f"reviews: {len(reviewed)} reviewed reports from {reviews}")
    train_ex = train_ex + reviewed
    feats, labels = table(train_ex)
    log(f"train: {len(train_ex)} documents, {len(labels)} candidates, {int(labels.sum())} positive")
    best = None
    for c in C_GRID:
        model = fit(feats, labels, c)
        rows = outcomes(dev_ex, model, 0.0)
        cut, figures = best_threshold(rows)
        log(f"  C={c}: dev F1 {figures['f1']:.3f} at raw threshold {cut:.3f} (P {figures['precision']:.3f}, "
            f"R {figures['recall']:.3f})")
        if best is None or figures["f1"] > best[0]:
            best = (figures["f1"], c, model, rows)
    _, c, model, rows = best
    model = calibrate(model, rows)
    rows = outcomes(dev_ex, model, 0.0)
    cut, dev_figures = best_threshold(rows)
    model.threshold = cut
    model.card = {
        "version": LEARNED_VERSION, "C": c, "hash_bits": model.bits, "threshold": cut,
        "train_documents": sorted(ex.doc for ex in train_ex if not ex.partial),
        "reviewed_documents": sorted(ex.doc for ex in reviewed), "dev_documents": sorted(ex.doc for ex in dev_ex),
        "train_candidates": int(len(labels)), "train_positive": int(labels.sum()),
        "dev_internal": dev_figures, "dev_reliability": reliability(rows),
    }
    model.save(out)
    log(f"chose C={c}; calibrated; threshold {cut:.3f}: dev P {dev_figures['precision']:.3f} "
        f"R {dev_figures['recall']:.3f} F1 {dev_figures['f1']:.3f}; written {out}")
    return model.card
