"""The annotated corpus: hand-coded events of real documents (benchmarks/corpus/), located in their texts.

Annotations live in the project (`benchmarks/corpus/gold/DOC.csv`, `non_events/DOC.csv`, `documents.csv` with
the frozen split); the texts stay third-party in `../shared/corpus/raw/` and are read in place. Quotes are found
in the text the way the shared scorer finds them (whitespace-normalised), so spans agree with scoring.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS_DIR = PROJECT_ROOT / "benchmarks" / "corpus"
RAW_DIR = PROJECT_ROOT.parent / "shared" / "corpus" / "raw"
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class GoldEvent:
    event_type: str
    subtype: str
    date_start: date
    date_end: date
    precision: str
    country: str
    admin1_iso: str
    span: tuple[int, int]                                  # the quote's span in the text
    also: tuple[tuple[int, int], ...] = ()                 # other sentences reporting the same occurrence
    row: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return (self.span, *self.also)


@dataclass
class AnnotatedDoc:
    doc: str
    path: Path
    style: str
    country: str
    year: int | None
    split: str
    text: str
    events: list[GoldEvent]
    non_events: list[tuple[int, int]]


class Locator:
    """Finds a quote in a text after normalising whitespace, and maps the match back to text offsets."""

    def __init__(self, text: str):
        out, back, prev_space = [], [], True
        for i, ch in enumerate(text):
            if ch.isspace():
                if not prev_space:
                    out.append(" ")
                    back.append(i)
                prev_space = True
            else:
                out.append(ch)
                back.append(i)
                prev_space = False
        self.flat, self.back = "".join(out), back

    def find(self, quote: str) -> tuple[int, int] | None:
        q = re.sub(r"\s+", " ", quote).strip().strip('"')
        k = self.flat.find(q) if q else -1
        if k < 0:
            return None
        return self.back[k], self.back[k + len(q) - 1] + 1


def documents(corpus_dir: Path = CORPUS_DIR) -> list[dict]:
    """Rows of documents.csv: doc, file, style, country, year, split."""
    with (corpus_dir / "documents.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _events(path: Path, loc: Locator) -> list[GoldEvent]:
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            span = loc.find(r["quote"])
            if span is None:
                raise ValueError(f"{path.name}: quote not found in the text: {r['quote'][:80]!r}")
            also = tuple(s for q in (r.get("also_quotes") or "").split(" || ") if q.strip()
                         for s in [loc.find(q)] if s is not None)
            out.append(GoldEvent(r["event_type"].strip(), r["subtype"].strip(), date.fromisoformat(r["date_start"]),
                                 date.fromisoformat(r["date_end"]), r["date_precision"].strip(),
                                 r["country"].strip().upper(), (r.get("admin1_iso") or "").strip().upper(), span,
                                 also, r))
    return out


def load(splits: tuple[str, ...] = ("train",), corpus_dir: Path = CORPUS_DIR, raw_dir: Path = RAW_DIR,
         gold_dir: str = "gold") -> list[AnnotatedDoc]:
    """The annotated documents of the given splits (documents not yet annotated are left out)."""
    out = []
    for d in documents(corpus_dir):
        gold = corpus_dir / gold_dir / f"{d['doc']}.csv"
        if d["split"] not in splits or not gold.is_file():
            continue
        path = raw_dir / d["file"]
        text = path.read_text(encoding="utf-8")
        loc = Locator(text)
        non_events = []
        ne = corpus_dir / "non_events" / f"{d['doc']}.csv"
        if ne.is_file():
            with ne.open(encoding="utf-8", newline="") as f:
                non_events = [s for r in csv.DictReader(f) for s in [loc.find(r["quote"])] if s is not None]
        out.append(AnnotatedDoc(d["doc"], path, d["style"], d["country"], int(d["year"]) if d["year"] else None,
                                d["split"], text, _events(gold, loc), non_events))
    return out
