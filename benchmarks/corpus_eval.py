"""Extraction quality on the annotated real-text corpus (benchmarks/corpus/), scored by the shared scorer.

Every document of a split is extracted, written as the export CSV and scored with
../shared/eval/score_events.py against its gold file; figures are micro-averaged over the split (sums of
matched, predicted and gold events), per type and per style, with dates exact and country agreement among
matched events. `--agreement` scores the second, independent coding of the double-coded documents against the
first: the human ceiling.

    .venv/bin/python benchmarks/corpus_eval.py --split dev [--extractor learned|rules] [--per-doc] [--json OUT]
    .venv/bin/python benchmarks/corpus_eval.py --agreement

The test split is frozen: report it once per release (RESULTS.md), never develop on it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.extract import corpus  # noqa: E402

SHARED = ROOT.parent / "shared"
TYPES = ("protest", "detention", "attack", "trial")


def scorer():
    spec = importlib.util.spec_from_file_location("score_events", SHARED / "eval" / "score_events.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(text_path: Path, gold: Path, doc: str, pred: Path) -> dict:
    """The shared scorer's JSON result for one document."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        scorer().main(["--text", str(text_path), "--gold", str(gold), "--doc", doc, "--pred", str(pred), "--json"])
    return json.loads(out.getvalue())


def _prf(tp: int, npred: int, ngold: int) -> dict:
    p = tp / npred if npred else 0.0
    r = tp / ngold if ngold else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
            "matched": tp, "pred": npred, "gold": ngold}


def aggregate(results: dict[str, dict], styles: dict[str, str]) -> dict:
    """Micro figures over documents: overall, per type, per style; dates exact and country right."""
    tot = _prf(*(sum(r[k] for r in results.values()) for k in ("matched", "pred", "gold")))
    same_date = sum(round(r["date_exact_among_matched"] * r["matched"]) for r in results.values())
    tot["date_exact_among_matched"] = round(same_date / tot["matched"], 3) if tot["matched"] else 0.0
    cc = [(r["country_agree_among_matched"], r["matched"]) for r in results.values()
          if r["country_agree_among_matched"] is not None]
    n_cc = sum(n for _, n in cc)
    tot["country_right_among_matched"] = round(sum(a * n for a, n in cc) / n_cc, 3) if n_cc else None
    per_type = {}
    for t in TYPES:
        g = sum(r["per_type"][t]["gold"] for r in results.values())
        p = sum(r["per_type"][t]["pred"] for r in results.values())
        tp = sum(round(r["per_type"][t]["recall"] * r["per_type"][t]["gold"]) for r in results.values())
        per_type[t] = _prf(tp, p, g)
    by_style: dict[str, list] = defaultdict(list)
    for doc, r in results.items():
        by_style[styles[doc]].append(r)
    per_style = {s: {**_prf(*(sum(r[k] for r in rs) for k in ("matched", "pred", "gold"))), "documents": len(rs)}
                 for s, rs in sorted(by_style.items())}
    return {"micro": tot, "per_type": per_type, "per_style": per_style, "documents": len(results)}


def extract_split(split: str, extractor: str) -> dict[str, dict]:
    """Run the extractor on every annotated document of the split and score each."""
    from flows.extract import extract_file, write_extract_csv
    from flows.geocode import geocode_mentions
    from flows.normalize import normalize

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for d in corpus.load((split,)):
            mentions, _ = normalize(extract_file(d.path, extractor=extractor))
            pred = Path(tmp) / f"{d.doc}.csv"
            write_extract_csv(geocode_mentions(mentions), pred)
            results[d.doc] = score(d.path, corpus.CORPUS_DIR / "gold" / f"{d.doc}.csv", d.doc, pred)
    return results


def agreement() -> dict[str, dict]:
    """The second coding of each double-coded document scored against the first."""
    results = {}
    for d in corpus.load(corpus.SPLITS):
        second = corpus.CORPUS_DIR / "double" / f"{d.doc}.csv"
        if second.is_file():
            results[d.doc] = score(d.path, corpus.CORPUS_DIR / "gold" / f"{d.doc}.csv", d.doc, second)
    return results


def styles() -> dict[str, str]:
    return {d["doc"]: d["style"] for d in corpus.documents()}


def report(title: str, results: dict[str, dict], per_doc: bool) -> dict:
    agg = aggregate(results, styles())
    m = agg["micro"]
    print(f"{title}: {agg['documents']} documents, gold {m['gold']}, predicted {m['pred']}, matched {m['matched']}")
    print(f"  micro P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}; dates exact among matched "
          f"{m['date_exact_among_matched']}; country right among matched {m['country_right_among_matched']}")
    for t, v in agg["per_type"].items():
        print(f"  {t:10s} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}  (gold {v['gold']}, "
              f"pred {v['pred']})")
    for s, v in agg["per_style"].items():
        print(f"  style {s:7s} P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f}  ({v['documents']} docs, "
              f"gold {v['gold']}, pred {v['pred']})")
    if per_doc:
        for doc, r in sorted(results.items()):
            print(f"    {doc:60s} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
                  f"(gold {r['gold']}, pred {r['pred']}, matched {r['matched']})")
    return agg


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=corpus.SPLITS, default="dev")
    ap.add_argument("--extractor", default=None, help="extractor name (default: the configured one)")
    ap.add_argument("--agreement", action="store_true", help="human ceiling: second coding against the first")
    ap.add_argument("--per-doc", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON")
    a = ap.parse_args(argv)
    if a.agreement:
        out = report("inter-annotator agreement (second coding scored against the first)", agreement(), a.per_doc)
    else:
        out = report(f"{a.split} split, extractor {a.extractor or 'default'}", extract_split(a.split, a.extractor),
                     a.per_doc)
    if a.json:
        a.json.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
