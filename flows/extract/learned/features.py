"""Features of one candidate event: what its sentence says, what the rules saw, how it is dated.

Features are strings; the model hashes them (flows/extract/learned/model.py). Every feature is emitted plain
and joined with the candidate's event type, so one model learns what holds for all types and what for one.
"""

from __future__ import annotations

import re

from flows.extract.learned.scan import Scan
from flows.extract.merge import Candidate

_TOKEN = re.compile(r"[A-Za-z]+(?:['’][a-z]+)?|\d+(?:[.,]\d+)*|[%$€£]")
WINDOW = 6   # words on each side of a trigger that describe its sense ("released a report", "released from")


def tokens(text: str) -> list[str]:
    """Lower-cased words; numbers become <year> or <num>."""
    out = []
    for t in _TOKEN.findall(text):
        if t[0].isdigit():
            out.append("<year>" if re.fullmatch(r"(?:19|20)\d\d", t) else "<num>")
        else:
            out.append(t.lower().replace("’", "'"))
    return out


def _year_relation(cand: Candidate, year: int | None) -> str:
    d = cand.det.date
    if d is None:
        return "none"
    if year is None:
        return "noyear"
    y = d.date_start.year
    return "same" if y == year else "prev" if y == year - 1 else "older" if y < year else "later"


_CONTENT = re.compile(r"[A-Za-z][a-z]{3,}|[A-Z][A-Za-z]+|\d+")


def content_words(text: str) -> set[str]:
    return {w.lower() for w in _CONTENT.findall(text)}


_PRECISION = {"day": 0, "week": 1, "month": 2, "season": 3, "year": 4}


def twin_features(scan: Scan, cand: Candidate, words: list[set[str]]) -> list[str]:
    """How the candidate relates to others of its type and time elsewhere in the report: a restatement (a
    summary of an event the body tells, a story's later recap) is not where the event is reported."""
    feats = []
    mine = words[cand.sentence]
    d = cand.det.date
    if d is None:
        return ["twin:none"]
    for other in scan.by_type.get(cand.det.event_type, ()):
        od = other.det.date
        if other.sentence == cand.sentence or od is None or od.date_start > d.date_end or d.date_start > od.date_end:
            continue
        shared = len(mine & words[other.sentence]) / max(1, min(len(mine), len(words[other.sentence])))
        side = "before" if other.sentence < cand.sentence else "after"
        feats.append(f"twin:{side}")
        if shared >= 0.3:
            feats.append(f"twin_lex:{side}")
        finer = _PRECISION.get(other.det.date.precision, 5) < _PRECISION.get(cand.det.date.precision, 5)
        if finer:
            feats.append(f"twin_finer:{side}")
            if shared >= 0.3:
                feats.append(f"twin_lex_finer:{side}")
    return sorted(set(feats)) or ["twin:none"]


def candidate_features(scan: Scan, cand: Candidate, same_sentence: int,
                       sentence_words: list[set[str]] | None = None) -> list[str]:
    """The features of one candidate; `same_sentence` is how many candidates its sentence holds;
    `sentence_words` the content words of every sentence (for the restatement features)."""
    det = cand.det
    sent = scan.sentences[cand.sentence]
    text = sent.text
    words = tokens(text)
    feats = [f"w:{w}" for w in set(words)]
    feats += [f"b:{a}_{b}" for a, b in set(zip(words, words[1:], strict=False))]
    for trig in det.triggers:
        feats.append(f"trig:{trig.word.lower()}")
        left = tokens(text[max(0, trig.start - 60):trig.start])[-WINDOW:]
        right = tokens(text[trig.end:trig.end + 60])[:WINDOW]
        feats += [f"l:{w}" for w in left] + [f"r:{w}" for w in right]
        feats += [f"l1:{left[-1]}" if left else "l1:<s>", f"r1:{right[0]}" if right else "r1:</s>"]
    d = det.date
    feats += [
        f"sub:{det.subtype}", f"rej:{det.rejected or 'none'}", f"bg:{det.backgrounded}",
        f"dsrc:{det.date_source}", f"dprec:{d.precision if d else 'none'}",
        f"dyear:{_year_relation(cand, scan.year)}", f"zone:{scan.zones[cand.sentence]}",
        f"summary:{sent.in_summary}", f"ncand:{min(same_sentence, 4)}", f"news:{scan.news}",
        f"len:{min(len(words) // 10, 6)}", f"first:{words[0] if words else ''}",
        f"ntrig:{min(len(det.triggers), 3)}",
        f"pos:{min(int(10 * cand.sentence / max(1, len(scan.sentences))), 9)}",
    ]
    feats += [f"hd:{w}" for w in set(tokens(scan.headings[cand.sentence])[:8])]
    if sentence_words is not None:
        feats += twin_features(scan, cand, sentence_words)
    typed = [f"{det.event_type}|{f}" for f in feats]
    return [*feats, *typed, f"type:{det.event_type}"]
