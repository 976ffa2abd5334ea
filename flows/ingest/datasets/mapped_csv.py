"""Any other CSV, read through a YAML column mapping next to it (FILE.mapping.yaml or FILE.csv.mapping.yaml).

Example mapping (every key but `columns.date_start`, `event_type` and `defaults.country` is optional):

    delimiter: ","             # optional: sniffed from the header line (comma, semicolon, tab) when not given
    date_formats: ["%Y-%m-%d", "%d.%m.%Y"]
    columns:                    # mention field: column of the CSV
      source_event_id: id
      date_start: date
      date_end: end_date        # defaults to date_start
      location_text: town
      admin1_text: region
      lat: lat
      lon: lon
      actors: organisers
      targets: detainees
      quote: description
      participants: crowd       # count text ("hundreds", "50-100") -> participants_low/high
      detained: arrested        # likewise detained_, fatalities_, injured_
    event_type:                 # a column whose values map to [type, subtype]; other values: out_of_scope
      column: kind
      values:
        rally: [protest, peaceful_protest]
        arrest: [detention, arrest]
    row_complete_column: id     # optional: a column every complete row fills (else truncated_row)
    defaults:                   # constants for fields the file does not carry
      country: KZ
      date_precision: day
      geo_precision: place
      confidence: 0.7
"""

from __future__ import annotations

from collections.abc import Iterator
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from flows.ingest.datasets.common import split_rows
from flows.ingest.datasets.counts import NEGATIVE, count_ranges
from flows.ingest.datasets.fields import bad_coordinates, coordinate, mapping_frame, missing_names, parse_date, text
from flows.ingest.datasets.spec import load_yaml
from flows.ingest.datasets.table import EXTRA, ROW, RawTable, iter_tables
from flows.ingest.errors import UnreadableSource
from flows.model import MENTION_SCHEMA, typology

if TYPE_CHECKING:
    from flows.ingest.datasets.sniff import Sniffed

FORMAT = "mapped_csv"
LABEL = "mapped CSV"
MAPPING_KEYS = ("delimiter", "date_formats", "columns", "event_type", "row_complete_column", "defaults")
# The YAML shape of each key (the checks after this one read into them).
_SHAPES = {"delimiter": (str, "a string"), "date_formats": (list, "a list of formats"),
           "columns": (dict, "a mapping of mention field to column"), "event_type": (dict, "a mapping"),
           "row_complete_column": (str, "a column name"), "defaults": (dict, "a mapping of field to value")}
COUNT_FIELDS = ("participants", "detained", "fatalities", "injured")
TEXT_FIELDS = ("source_event_id", "source_url", "location_text", "admin1_text", "place_name", "actors",
               "targets", "charges", "notes", "quote", "subtype")


def mapping_path(path: Path) -> Path | None:
    """The mapping sidecar of a CSV, if there is one."""
    path = Path(path)
    for candidate in (path.with_name(path.stem + ".mapping.yaml"), path.with_name(path.name + ".mapping.yaml"),
                      path.with_name(path.stem + ".mapping.yml")):
        if candidate.is_file():
            return candidate
    return None


def load_mapping(path: Path) -> dict:
    """The mapping of a CSV, validated: raise UnreadableSource('bad_mapping', ...) when it cannot be used.
    Read once per version of the sidecar (a file's batches share it)."""
    sidecar = mapping_path(path)
    if sidecar is None:
        raise UnreadableSource("unknown_format", f"{Path(path).name} has no .mapping.yaml sidecar")
    stat = sidecar.stat()
    return _load_mapping(sidecar, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _load_mapping(sidecar: Path, _mtime_ns: int, _size: int) -> dict:
    try:
        mapping = load_yaml(sidecar)
    except Exception as exc:  # yaml errors, a list instead of a mapping
        raise UnreadableSource("bad_mapping", f"{sidecar.name}: {exc}") from exc
    shape = _shape_problems(mapping)
    if shape:
        raise UnreadableSource("bad_mapping", f"{sidecar.name}: " + "; ".join(shape))
    columns = mapping.get("columns") or {}
    problems = [f"unknown key '{k}'{_did_you_mean(str(k), MAPPING_KEYS)}" for k in mapping if k not in MAPPING_KEYS]
    if "date_start" not in columns:
        problems.append("columns.date_start is required")
    if not (mapping.get("event_type") or {}).get("column") or not (mapping["event_type"].get("values")):
        problems.append("event_type.column and event_type.values are required")
    if not (mapping.get("defaults") or {}).get("country") and "country" not in columns:
        problems.append("a country column or defaults.country is required")
    unknown = [f for f in columns if f not in MENTION_SCHEMA and f not in COUNT_FIELDS]
    if unknown:
        problems.append(f"unknown mention fields: {', '.join(unknown)}")
    problems += _type_problems((mapping.get("event_type") or {}).get("values") or {})
    if problems:
        raise UnreadableSource("bad_mapping", f"{sidecar.name}: " + "; ".join(problems))
    return mapping


def _shape_problems(mapping: dict) -> list[str]:
    """Values of the wrong YAML shape (`columns: 42`, a column given as a list), said as such."""
    problems = [f"{key} must be {what}, not {type(mapping[key]).__name__}"
                for key, (kind, what) in _SHAPES.items() if mapping.get(key) is not None
                and not isinstance(mapping[key], kind)]
    columns, event_type = mapping.get("columns"), mapping.get("event_type")
    if isinstance(columns, dict):
        problems += [f"columns.{field} must name one column" for field, column in columns.items()
                     if not isinstance(column, str)]
    if isinstance(event_type, dict) and event_type.get("column") is not None \
            and not isinstance(event_type["column"], str):
        problems.append("event_type.column must name one column")
    return problems


def _did_you_mean(word: str, known) -> str:
    close = get_close_matches(word, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _type_problems(values: dict) -> list[str]:
    """event_type.values checked against schemas/typology.yaml: each value maps to [type, subtype] of it."""
    types = typology()["types"]
    problems = []
    if not isinstance(values, dict):
        return ["event_type.values must map each value of the column to [type, subtype]"]
    for value, target in values.items():
        where = f"event_type.values.{value}"
        if target is None:          # a value mapped to nothing: its rows are out of scope
            continue
        if not isinstance(target, list | tuple) or len(target) != 2:
            problems.append(f"{where} must be [type, subtype], not {target!r}")
            continue
        event_type, subtype = (str(t) for t in target)
        if event_type not in types:
            problems.append(f"{where}: '{event_type}' is not an event type{_did_you_mean(event_type, types)} "
                            f"(types: {', '.join(types)})")
        elif subtype not in types[event_type]["subtypes"]:
            subtypes = types[event_type]["subtypes"]
            problems.append(f"{where}: '{subtype}' is not a subtype of {event_type}"
                            f"{_did_you_mean(subtype, subtypes)} (subtypes: {', '.join(subtypes)})")
    return problems


def tables(sniffed: Sniffed, batch_rows: int) -> Iterator[RawTable]:
    """The rows in batches, after the mapping is checked against the file's header (once)."""
    mapping = load_mapping(sniffed.path)
    cols: dict[str, str] = mapping["columns"]
    batches = iter_tables(sniffed.path, mapping.get("delimiter"), has_header=True, batch_rows=batch_rows)
    first = next(batches)
    absent = sorted({c for c in [*cols.values(), mapping["event_type"]["column"]] if c not in first.columns})
    if absent:
        raise UnreadableSource("bad_mapping", f"the mapping names columns the file lacks: {', '.join(absent)}")
    yield first
    yield from batches


def map_rows(table: RawTable, sniffed: Sniffed, source: str, sha256: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(mentions, rejects) of one batch of rows."""
    mapping = load_mapping(sniffed.path)
    cols: dict[str, str] = mapping["columns"]
    formats = mapping.get("date_formats") or ["%Y-%m-%d"]
    kind_col = mapping["event_type"]["column"]
    types = mapping_frame({str(k): v for k, v in mapping["event_type"]["values"].items()}, ["_kind"])
    rows = table.rows.with_columns(
        text(kind_col).alias("_kind"),
        parse_date(text(cols["date_start"]), formats).alias("_start"),
        (parse_date(text(cols["date_end"]), formats) if "date_end" in cols else pl.lit(None, dtype=pl.Date))
        .alias("_end"),
    ).join(types, on="_kind", how="left", maintain_order="left")
    lat, lon = cols.get("lat"), cols.get("lon")
    checks = [
        (table.bad_encoding_expr(), "bad_encoding", "ingest", "the row holds bytes that are not UTF-8"),
        (pl.col(EXTRA).is_not_null(), "extra_fields", "ingest", "the row has more fields than the header"),
        (missing_names([cols["date_start"], kind_col]) != "", "missing_field", "map",
         pl.format("empty required field(s): {}", missing_names([cols["date_start"], kind_col]))),
        (pl.col("_type").is_null(), "out_of_scope", "map",
         pl.format("{} '{}' is not mapped to an event type", pl.lit(kind_col), pl.col("_kind"))),
        (pl.col("_start").is_null(), "bad_date", "map",
         pl.format("{} '{}' is not a date", pl.lit(cols["date_start"]), text(cols["date_start"]))),
        (pl.col("_end").is_not_null() & (pl.col("_end") < pl.col("_start")), "bad_date", "map",
         "the end date is before the start date"),
    ]
    if mapping.get("row_complete_column") in table.columns:
        complete = mapping["row_complete_column"]
        checks.insert(2, (text(complete).is_null(), "truncated_row", "ingest",
                          f"the row ends early: '{complete}', set in every complete row, is empty"))
    for name in COUNT_FIELDS:
        if name in cols:
            checks.append((text(cols[name]).str.contains(NEGATIVE), "bad_count", "map",
                           pl.format("{} '{}' is a negative count", pl.lit(cols[name]), text(cols[name]))))
    if lat and lon:
        checks.append((bad_coordinates(lat, lon), "bad_coordinates", "map",
                       pl.format("'{}', '{}' out of range or not numbers", text(lat), text(lon))))
    passed, rejects = split_rows(table, rows, checks, source)
    return _mentions(passed, mapping, source, sha256), rejects


def _mentions(rows: pl.DataFrame, mapping: dict, source: str, sha256: str) -> pl.DataFrame:
    cols: dict[str, str] = mapping["columns"]
    defaults = {"date_precision": "day", "geo_precision": "place", "confidence": 0.7, **(mapping.get("defaults") or {})}
    for name in COUNT_FIELDS:
        if name in cols:
            rows = rows.hstack(count_ranges(rows[cols[name]], name))
    exprs = [
        pl.lit(source).alias("source"), pl.lit(sha256).alias("source_sha256"), pl.lit(FORMAT).alias("source_kind"),
        pl.col(ROW).cast(pl.Int64).alias("row_number"), pl.col("_type").alias("event_type"),
        pl.col("_start").alias("date_start"), pl.coalesce("_end", "_start").alias("date_end"),
        pl.lit(f"eventflow-mapped-csv/0.1 ({Path(source).name})").alias("extractor"),
    ]
    exprs.append(pl.coalesce(text(cols["subtype"]), pl.col("_subtype")).alias("subtype") if "subtype" in cols
                 else pl.col("_subtype").alias("subtype"))
    for name in TEXT_FIELDS:
        if name in cols and name != "subtype":
            exprs.append(text(cols[name]).alias(name))
    for name in ("lat", "lon", "sentence_months"):
        if name in cols:
            exprs.append(coordinate(cols[name]).alias(name))
    for name in COUNT_FIELDS:
        if name in cols:
            exprs += [pl.col(f"{name}_low"), pl.col(f"{name}_high")]
    named = {e.meta.output_name() for e in exprs}
    for name in ("country", "date_precision", "geo_precision", "confidence"):
        if name in cols and name not in named:
            exprs.append(pl.coalesce(text(cols[name]), pl.lit(str(defaults.get(name)))).alias(name))
        elif name not in named:
            exprs.append(pl.lit(defaults.get(name)).alias(name))
    return rows.select(exprs)
