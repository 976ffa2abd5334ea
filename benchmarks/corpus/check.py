"""Check annotation files against the coding guide (GUIDE.md): quotes found in the text, valid codes and dates.

    python benchmarks/corpus/check.py [--root DIR] [DOC ...]     # no DOC: every annotated document

DIR holds gold/, non_events/ and double/ (default: benchmarks/corpus). Exit 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import re
import sys
from datetime import date
from pathlib import Path

import pycountry
import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
RAW = PROJECT.parent / "shared" / "corpus" / "raw"
WORLD_ADMIN1 = PROJECT.parent / "shared" / "data" / "geo" / "world" / "admin1.geojson"

GOLD_COLUMNS = ["event_id", "doc", "event_type", "subtype", "date_start", "date_end", "date_precision",
                "location_text", "city", "admin1_at_event", "country", "admin1_iso", "actors",
                "target_or_defendants", "participants_low", "participants_high", "detained_low", "detained_high",
                "fatalities", "injured", "sentence_text", "charges", "quote", "also_quotes", "notes"]
NON_EVENT_COLUMNS = ["doc", "quote", "why_not_event"]
PRECISIONS = {"day", "week", "month", "season", "year"}
EXTRA_COUNTRIES = {"XK"}


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def subtypes() -> dict[str, set[str]]:
    typology = yaml.safe_load((PROJECT / "schemas" / "typology.yaml").read_text(encoding="utf-8"))
    return {t: set(v["subtypes"]) for t, v in typology["types"].items()}


def admin1_codes() -> set[str]:
    import json

    data = json.loads(WORLD_ADMIN1.read_text(encoding="utf-8"))
    return {f["properties"]["iso_3166_2"] for f in data["features"] if f["properties"].get("iso_3166_2")}


def countries() -> set[str]:
    return {c.alpha_2 for c in pycountry.countries} | EXTRA_COUNTRIES


def body_text(doc: str) -> str:
    """The text after line 1 (the SOURCE line), whitespace-normalised: quotes must come from here."""
    text = (RAW / f"{doc}.txt").read_text(encoding="utf-8")
    return norm_ws(text.split("\n", 1)[1] if "\n" in text else "")


def parse_date(s: str) -> date | None:
    try:
        return date.fromisoformat(s.strip())
    except ValueError:
        return None


def check_dates(r: dict) -> list[str]:
    d0, d1, prec = parse_date(r["date_start"]), parse_date(r["date_end"]), r["date_precision"].strip()
    if d0 is None or d1 is None:
        return [f"dates must be YYYY-MM-DD: {r['date_start']!r} {r['date_end']!r}"]
    errs = []
    if d1 < d0:
        errs.append("date_end before date_start")
    if prec not in PRECISIONS:
        errs.append(f"date_precision {prec!r} not one of {sorted(PRECISIONS)}")
    if not 1900 <= d0.year <= 2026 or not 1900 <= d1.year <= 2026:
        errs.append("year outside 1900-2026")
    if prec == "year" and not (d0.month, d0.day, d1.month, d1.day) == (1, 1, 12, 31):
        errs.append("year precision needs YYYY-01-01 … YYYY-12-31")
    if prec == "month" and not (d0.day == 1 and d1.day == calendar.monthrange(d1.year, d1.month)[1]):
        errs.append("month precision needs the first … last day of the month(s)")
    return errs


def check_count(value: str, name: str) -> list[str]:
    v = value.strip()
    if not v:
        return []
    if re.fullmatch(r"\d+", v):
        return []
    m = re.fullmatch(r"(\d+)-(\d*)", v)
    if m and (not m.group(2) or int(m.group(1)) <= int(m.group(2))):
        return []
    return [f"{name} {value!r} must be a number or a low-high range"]


def read_rows(path: Path, columns: list[str]) -> tuple[list[dict], list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        rows = list(reader)
    if header != columns:
        return rows, [f"{path.name}: header must be exactly {','.join(columns)}"]
    return rows, []


def check_gold(path: Path, doc: str, ref: dict) -> tuple[list[str], dict[str, int]]:
    rows, errs = read_rows(path, GOLD_COLUMNS)
    if errs:
        return errs, {}
    text, seen, by_type = body_text(doc), set(), {}
    for n, r in enumerate(rows, start=2):
        where = f"{path.name}:{n} {r.get('event_id', '')}"
        e = []
        if r["doc"] != doc:
            e.append(f"doc {r['doc']!r} should be {doc!r}")
        if r["event_id"] in seen:
            e.append("event_id repeated")
        seen.add(r["event_id"])
        t, st = r["event_type"].strip(), r["subtype"].strip()
        if t not in ref["types"]:
            e.append(f"event_type {t!r} unknown")
        elif st not in ref["types"][t]:
            e.append(f"subtype {st!r} is not a subtype of {t}")
        e += check_dates(r)
        cc = r["country"].strip()
        if cc not in ref["countries"]:
            e.append(f"country {cc!r} is not an ISO 3166-1 alpha-2 code")
        iso = r["admin1_iso"].strip()
        if iso and (iso not in ref["admin1"] or not iso.startswith(cc + "-")):
            e.append(f"admin1_iso {iso!r} unknown or not in {cc}")
        for lo, hi in (("participants_low", "participants_high"), ("detained_low", "detained_high")):
            e += check_count(r[lo], lo) + check_count(r[hi], hi)
            if r[lo].strip().isdigit() and r[hi].strip().isdigit() and int(r[lo]) > int(r[hi]):
                e.append(f"{lo} > {hi}")
        e += check_count(r["fatalities"], "fatalities") + check_count(r["injured"], "injured")
        quotes = [r["quote"]] + [q for q in r["also_quotes"].split(" || ") if q.strip()]
        for q in quotes:
            if len(norm_ws(q)) < 15:
                e.append(f"quote too short: {q!r}")
            elif norm_ws(q).strip('"') not in text:
                e.append(f"quote not found verbatim in the text (after line 1): {q[:90]!r}")
        errs += [f"{where}: {x}" for x in e]
        by_type[t] = by_type.get(t, 0) + 1
    return errs, by_type


def check_non_events(path: Path, doc: str) -> tuple[list[str], int]:
    rows, errs = read_rows(path, NON_EVENT_COLUMNS)
    if errs:
        return errs, 0
    text = body_text(doc)
    for n, r in enumerate(rows, start=2):
        if r["doc"] != doc:
            errs.append(f"{path.name}:{n}: doc {r['doc']!r} should be {doc!r}")
        if norm_ws(r["quote"]).strip('"') not in text:
            errs.append(f"{path.name}:{n}: quote not found verbatim in the text: {r['quote'][:90]!r}")
        if not r["why_not_event"].strip():
            errs.append(f"{path.name}:{n}: why_not_event is empty")
    return errs, len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=HERE)
    ap.add_argument("docs", nargs="*")
    a = ap.parse_args(argv)
    ref = {"types": subtypes(), "countries": countries(), "admin1": admin1_codes()}
    docs = a.docs or sorted({p.stem for d in ("gold", "double") for p in (a.root / d).glob("*.csv")})
    failed = False
    for doc in docs:
        doc = doc.removesuffix(".txt")
        if not (RAW / f"{doc}.txt").is_file():
            print(f"{doc}: no such document in {RAW}")
            failed = True
            continue
        for kind in ("gold", "double"):
            path = a.root / kind / f"{doc}.csv"
            if not path.is_file():
                if kind == "gold":
                    print(f"{doc}: no gold file at {path}")
                    failed = True
                continue
            errs, by_type = check_gold(path, doc, ref)
            summary = ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())) or "no events"
            print(f"{doc} [{kind}]: {sum(by_type.values())} events ({summary}); {len(errs)} problem(s)")
            for e in errs:
                print(f"  {e}")
            failed |= bool(errs)
        ne = a.root / "non_events" / f"{doc}.csv"
        if ne.is_file():
            errs, n = check_non_events(ne, doc)
            print(f"{doc} [non_events]: {n} rows; {len(errs)} problem(s)")
            for e in errs:
                print(f"  {e}")
            failed |= bool(errs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
