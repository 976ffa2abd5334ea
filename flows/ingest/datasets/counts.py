"""Counts as ranges: "100s", "dozens", "4000 arrested", "between 100 and 200", "around 50", ">10000".

A vague word becomes a range, never a guess (schemas/sources/counts.yaml). Parsing runs once per distinct
text and is joined back, so a million rows with a few hundred distinct texts cost a few hundred calls.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from flows.ingest.datasets.spec import source_spec

CountRange = tuple[int | None, int | None]

_NUM = r"(\d+(?:\.\d+)?)\s*(k)?"
_RANGE = re.compile(rf"between\s+{_NUM}\s*(?:and|-|–|to)\s*{_NUM}|{_NUM}\s*(?:-|–|—|to)\s*{_NUM}")
_ORDER = re.compile(r"(\d+)\s*'?s\b")                     # 100s, 1000's
_ABOVE = re.compile(rf"(?:>\s*|more than\s+|over\s+|above\s+){_NUM}")
_AT_LEAST = re.compile(rf"(?:at least\s+|>=\s*|{_NUM}\s*\+)(?:{_NUM})?")
_BELOW = re.compile(rf"(?:<\s*|less than\s+|fewer than\s+|under\s+){_NUM}")
_UP_TO = re.compile(rf"up to\s+{_NUM}")
_ONE = re.compile(_NUM)
# A count below zero ("-5"): never its absolute value, never dropped; normalize rejects it (bad_count).
NEGATIVE = r"^\s*[-−]\s*\d"


def _num(digits: str | None, kilo: str | None) -> int | None:
    if digits is None:
        return None
    return int(round(float(digits) * (1000 if kilo else 1)))


@cache
def _vocabulary() -> tuple[list[tuple[re.Pattern, CountRange]], set[str], re.Pattern, float]:
    spec = source_spec("counts")
    words = sorted(spec["words"].items(), key=lambda kv: len(kv[0]), reverse=True)
    patterns = [(re.compile(rf"\b{re.escape(w)}\b"), (lo, hi)) for w, (lo, hi) in words]
    approx = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in spec["approximate_words"]) + rf")\s+{_NUM}")
    return patterns, {u.lower() for u in spec["unknown"]}, approx, float(spec["approximate_margin"])


def parse_count(text: str | None) -> CountRange:
    """(low, high) of a count text; (None, None) when it gives no count. high None means open-ended."""
    if text is None:
        return None, None
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", str(text).strip().lower())
    words, unknown, approx, margin = _vocabulary()
    if not t or t in unknown:
        return None, None
    if re.match(NEGATIVE, t):   # kept negative, so that normalize refuses it (bad_count): never made positive
        n = _num(*_ONE.search(t).groups())
        return -n, -n
    if m := _RANGE.search(t):
        g = m.groups()
        lo, hi = (_num(g[0], g[1]), _num(g[2], g[3])) if g[0] else (_num(g[4], g[5]), _num(g[6], g[7]))
        return (min(lo, hi), max(lo, hi))
    if m := _ORDER.search(t):
        n = int(m.group(1))
        return n, n * 10 - 1
    if m := _ABOVE.search(t):
        return _num(m.group(1), m.group(2)) + 1, None
    if m := _AT_LEAST.search(t):
        n = _num(m.group(1), m.group(2)) if m.group(1) else _num(m.group(3), m.group(4))
        return n, None
    if m := _BELOW.search(t):
        n = _num(m.group(1), m.group(2))
        return min(1, n - 1), n - 1
    if m := _UP_TO.search(t):
        return 1, _num(m.group(1), m.group(2))
    if m := approx.search(t):
        n = _num(m.group(1), m.group(2))
        return int(n * (1 - margin)), int(round(n * (1 + margin)))
    if m := _ONE.search(t):
        n = _num(m.group(1), m.group(2))
        return n, n
    for pattern, rng in words:
        if pattern.search(t):
            return rng
    return None, None


def count_ranges(values: pl.Series, prefix: str) -> pl.DataFrame:
    """`{prefix}_low`, `{prefix}_high` (Int64) for each value of a text Series, parsed once per distinct text."""
    distinct = values.unique().drop_nulls()
    parsed = [parse_count(v) for v in distinct.to_list()]
    table = pl.DataFrame(
        {"_text": distinct, f"{prefix}_low": [p[0] for p in parsed], f"{prefix}_high": [p[1] for p in parsed]},
        schema={"_text": pl.Utf8, f"{prefix}_low": pl.Int64, f"{prefix}_high": pl.Int64},
    )
    return values.rename("_text").to_frame().join(table, on="_text", how="left", maintain_order="left").drop("_text")
