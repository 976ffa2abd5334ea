"""Where a mention's fields come from in its text, for highlighting in the desk.

A mention records the offsets of its quote only; within the quote, the date, place, counts, actors, targets and
charges are found again the way the extractor reads them (its date and quantity resolvers, the words of the
fields), and a span is kept only when it agrees with the mention's value (a date span that resolves to the
mention's dates, a number equal to one of its counts).
"""

from __future__ import annotations

import re
from datetime import date

from flows.extract.dates import find_dates
from flows.extract.quantities import find_quantities
from flows.model import COUNT_RANGES


def _find_words(quote: str, phrase: str | None) -> list[tuple[int, int]]:
    """Every whole-word, case-insensitive occurrence of phrase in quote."""
    phrase = (phrase or "").strip()
    if len(phrase) < 2:
        return []
    pattern = re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(quote)]


def _parts(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[;,]", text or "") if p.strip()]


def quote_spans(mention: dict, quote: str) -> list[dict]:
    """[{start, end, field, label}] within quote (offsets into quote), sorted; fields: date, place, count,
    actor, target, charge."""
    spans: list[dict] = []
    start, end = mention.get("date_start"), mention.get("date_end")
    if isinstance(start, date):
        for d in find_dates(quote, start.year):
            if not d.bounded and d.date_start <= (end or start) and start <= d.date_end:
                spans.append({"start": d.start, "end": d.end, "field": "date", "label": "date"})
    for col in ("location_text", "place_name", "admin1_text"):
        for s, e in _find_words(quote, mention.get(col)):
            spans.append({"start": s, "end": e, "field": "place", "label": "place"})
    counts = {}
    for low, high in COUNT_RANGES:
        if mention.get(low) is not None or mention.get(high) is not None:
            counts[(mention.get(low), mention.get(high))] = low.removesuffix("_low")
    for q in find_quantities(quote):
        role = counts.get((q.low, q.high)) or next(
            (r for (lo, hi), r in counts.items() if q.low in (lo, hi) or (q.high is not None and q.high in (lo, hi))),
            None)
        if role:
            spans.append({"start": q.start, "end": q.end, "field": "count", "label": role})
    for col, field in (("actors", "actor"), ("targets", "target"), ("charges", "charge")):
        for part in _parts(mention.get(col)):
            for s, e in _find_words(quote, part):
                spans.append({"start": s, "end": e, "field": field, "label": field})
    unique = {(s["start"], s["end"], s["field"]): s for s in spans}
    return sorted(unique.values(), key=lambda s: (s["start"], -s["end"]))
