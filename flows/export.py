"""Export the events table (the export columns of DESIGN.md) to CSV, Parquet or GeoJSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl

from flows.model import EXPORT_COLUMNS

FORMATS = ("csv", "parquet", "geojson")
# A cell a spreadsheet would run as a formula starts with one of these (OWASP, CSV injection): =, +, -, @, tab,
# carriage return, and their full-width forms.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would evaluate as a formula, prefixed with a single quote (OWASP), so
    `=HYPERLINK(...)` from a source is shown as text; numbers and dates are untouched."""
    leads = "^[" + "".join(re.escape(c) for c in FORMULA_LEADS) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(leads)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.Utf8
    )


def export_frame(events: pl.DataFrame) -> pl.DataFrame:
    """The export columns first, in contract order, then any extra columns."""
    extra = [c for c in events.columns if c not in EXPORT_COLUMNS]
    return events.select(EXPORT_COLUMNS + extra)


def write_events(events: pl.DataFrame, fmt: str, out: Path) -> Path:
    """Write events as fmt to out (parent folders created)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = export_frame(events)
    if fmt == "csv":
        neutralise_formulas(frame).write_csv(out)
    elif fmt == "parquet":
        frame.write_parquet(out)
    else:
        out.write_text(json.dumps(to_geojson(frame), ensure_ascii=False, default=str), encoding="utf-8")
    return out


def to_geojson(frame: pl.DataFrame) -> dict:
    """A FeatureCollection; events without coordinates have a null geometry (RFC 7946 §3.2)."""
    features = []
    for row in frame.iter_rows(named=True):
        lat, lon = row.get("lat"), row.get("lon")
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        features.append({"type": "Feature", "id": row["event_id"], "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}
