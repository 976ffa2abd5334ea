"""How the learned extractor improves as analysts review its mentions (issue 13), with reviews simulated from gold.

The dev split's documents are dealt by country into two halves. One half is the review pool: the shipped model
extracts its mentions, and a simulated analyst works through them in a queue order, confirming a mention that
reports a gold event where it is told, merging a restatement into it, dropping a mention that reports no
event, and correcting one of the right sentence and type with the wrong dates to the gold dates. After every
N decisions the scorer is refitted on the train split plus the reviewed mentions (the same partial labels
`eventflow train --with-reviews` uses) and scored on the other half, at the shipped model's raw decision
threshold. Then the halves swap; the
two F1 are averaged. Queue orders compared: least confident first (the desk's default; the queue holds the
mentions the extractor kept, so these are also the ones nearest its threshold), most confident first, document
order, and a random order.

    .venv/bin/python benchmarks/review_curve.py [--steps 0,25,50,100,200,400]

Takes a few minutes (one refit per order and step). Figures go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.extract import corpus  # noqa: E402
from flows.extract.learned.model import default_model  # noqa: E402
from flows.extract.learned.train import (  # noqa: E402
    Example,
    _agrees,
    _overlaps,
    examples,
    final_mentions,
    fit,
    match,
    table,
)

ORDERS = ("least confident", "most confident", "document", "random")


def halves(docs: list[Example]) -> tuple[list[Example], list[Example]]:
    """The dev documents dealt by country, alternately, into two halves."""
    by_country = {d["doc"]: d["country"] for d in corpus.documents()}
    countries = sorted({by_country[ex.doc] for ex in docs})
    first = set(countries[0::2])
    return [ex for ex in docs if by_country[ex.doc] in first], [ex for ex in docs if by_country[ex.doc] not in first]


def queue(pool: list[Example], model, order: str, seed: int = 0) -> list[tuple[Example, object]]:
    """The pool's mentions (extracted by the shipped model) in a review order."""
    items = [(ex, m) for ex in pool for m in final_mentions(ex, model, model.threshold)]
    keys = {
        "least confident": lambda it: it[1].confidence,
        "most confident": lambda it: -it[1].confidence,
        "document": lambda it: 0,
    }
    if order == "random":
        random.Random(seed).shuffle(items)
        return items
    return sorted(items, key=keys[order])


def decide(ex: Example, mention) -> tuple[str, object | None]:
    """The simulated analyst: confirm (the sentence where the event is told), merge (a restatement of an
    event told elsewhere: no new event), correct (to the gold event of that sentence and type), or drop."""
    for g in ex.gold:
        if _agrees(mention, g, (g.span,)):
            return "confirm", g
    for g in ex.gold:
        if _agrees(mention, g, g.also):
            return "merge", None
    for g in ex.gold:
        if g.event_type == mention.det.event_type and any(_overlaps((mention.start, mention.end), s) for s in g.spans):
            return "correct", g
    return "drop", None


def reviewed(items: list[tuple[Example, object]], adds: bool = True) -> list[Example]:
    """The reviewed mentions as partially labelled documents (one per pool document). With `adds`, the analyst
    also adds the events the extractor missed in the sentences shown around each mention (two either side),
    as the desk lets them do by selecting the sentence."""
    by_doc: dict[str, Example] = {}
    for ex, m in items:
        rev = by_doc.setdefault(ex.doc, Example(ex.doc, ex.scan, [], [], partial=True))
        action, g = decide(ex, m)
        if action in ("drop", "merge"):
            rev.dropped.append((m.start, m.end))
        else:
            rev.gold.append(g.__class__(g.event_type, g.subtype, g.date_start, g.date_end, g.precision, g.country,
                                        g.admin1_iso, (m.start, m.end)))
        if adds:
            near = ex.scan.sentences[max(0, m.sentence - 2):m.sentence + 3]
            window = (near[0].start, near[-1].end)
            rev.gold += [g for g in ex.gold if _overlaps(g.span, window) and g not in rev.gold]
    return list(by_doc.values())


def f1(docs: list[Example], model, raw_cut: float) -> float:
    tp = npred = ngold = 0
    for ex in docs:
        pred = final_mentions(ex, model, model.calibrate(np.array([raw_cut]))[0])
        tp += len(match(pred, ex.gold))
        npred += len(pred)
        ngold += len(ex.gold)
    p, r = (tp / npred if npred else 0.0), tp / ngold
    return 2 * p * r / (p + r) if p + r else 0.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", default="0,25,50,100,200,400")
    ap.add_argument("--no-adds", action="store_true", help="the analyst only judges mentions, adds nothing")
    ap.add_argument("--orders", default=",".join(ORDERS))
    a = ap.parse_args(argv)
    steps = [int(x) for x in a.steps.split(",")]
    shipped = default_model()
    c = shipped.card["C"]
    train_ex, dev_ex = examples(("train",), with_extra=True), examples(("dev",))
    base_feats, base_labels = table(train_ex)
    halves_ = halves(dev_ex)
    print(f"dev halves: {len(halves_[0])} and {len(halves_[1])} documents; refit C={c}")
    for order in a.orders.split(","):
        row = []
        for n in steps:
            scores = []
            for pool, held in (halves_, halves_[::-1]):
                items = queue(pool, shipped, order)[:n]
                feats, labels = table(reviewed(items, adds=not a.no_adds))
                model = fit(base_feats + feats, np.concatenate([base_labels, labels]), c) if n else fit(
                    base_feats, base_labels, c)
                model.calib_x, model.calib_y = shipped.calib_x, shipped.calib_y
                raw_cut = float(np.interp(shipped.threshold, shipped.calib_y, shipped.calib_x))
                scores.append(f1(held, model, raw_cut))
            row.append(round(float(np.mean(scores)), 3))
        print(f"  {order:16s} " + "  ".join(f"{n}: {v:.3f}" for n, v in zip(steps, row, strict=True)))


if __name__ == "__main__":
    main()
