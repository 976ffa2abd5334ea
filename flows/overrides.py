"""Analyst overrides: corrections kept in the DuckDB `overrides` table and applied to the mentions before
every dedupe, so they survive re-runs and re-ingestion (mention ids are deterministic).

    drop  : the mention is not an event (a false positive); it joins no event
    set   : column `field` of the mention becomes `value` (typed as the column; '' or NULL sets NULL)
    split : the mention is never merged with another one

Several `set` rows on the same mention and field: the latest (created_at, then override_id) wins.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import duckdb
import polars as pl

from flows.model import MENTION_SCHEMA, SCHEMAS_DIR, event_json_schema, stable_id

log = logging.getLogger(__name__)

ACTIONS = ("drop", "set", "split")
OVERRIDE_SCHEMA: dict[str, pl.DataType] = {
    "override_id": pl.Utf8, "mention_id": pl.Utf8, "action": pl.Utf8, "field": pl.Utf8, "value": pl.Utf8,
    "note": pl.Utf8, "created_by": pl.Utf8, "created_at": pl.Datetime("us"),
}
NOT_SETTABLE = {"mention_id"}


def _allowed_values(field: str) -> list[str] | None:
    return event_json_schema()["properties"].get(field, {}).get("enum")


def check_override(action: str, field: str | None, value: str | None) -> str | None:
    """Why an override cannot be applied (None when it can)."""
    if action not in ACTIONS:
        return f"action '{action}' is not one of {', '.join(ACTIONS)}"
    if action != "set":
        return None
    if field not in MENTION_SCHEMA or field in NOT_SETTABLE:
        return f"field '{field}' is not a settable mention column"
    if value in (None, ""):
        return None
    allowed = _allowed_values(field)
    if allowed and value not in allowed:
        return f"value '{value}' is not one of {', '.join(allowed)} for {field}"
    cast = pl.Series([value], dtype=pl.Utf8)
    dtype = MENTION_SCHEMA[field]
    typed = cast.str.to_date("%Y-%m-%d", strict=False) if dtype == pl.Date else cast.cast(dtype, strict=False)
    if typed.null_count():
        return f"value '{value}' is not a valid {dtype} for {field}"
    return None


def invalid_overrides(overrides: pl.DataFrame | None) -> pl.DataFrame:
    """The overrides that cannot be applied, with a `problem` column (for rejects or an analyst's check)."""
    if overrides is None or overrides.is_empty():
        return pl.DataFrame(schema={**OVERRIDE_SCHEMA, "problem": pl.Utf8})
    problems = [check_override(a, f, v) for a, f, v in
                overrides.select("action", "field", "value").iter_rows()]   # one per override: few
    return overrides.with_columns(pl.Series("problem", problems, dtype=pl.Utf8)).filter(
        pl.col("problem").is_not_null())


def apply_overrides(mentions: pl.DataFrame, overrides: pl.DataFrame | None
                    ) -> tuple[pl.DataFrame, set[str]]:
    """(mentions after drop and set, ids of mentions that must not merge). Invalid overrides are skipped
    with a warning (list them with invalid_overrides); overrides of absent mentions do nothing."""
    if overrides is None or overrides.is_empty() or mentions.is_empty():
        return mentions, set()
    bad = invalid_overrides(overrides)
    for row in bad.select("override_id", "problem").iter_rows():
        log.warning("override %s skipped: %s", *row)
    good = overrides.join(bad.select("override_id"), on="override_id", how="anti")
    good = good.sort([c for c in ("created_at", "override_id") if c in good.columns])
    dropped = good.filter(pl.col("action") == "drop")["mention_id"]
    split = set(good.filter(pl.col("action") == "split")["mention_id"].to_list())
    out = mentions.filter(~pl.col("mention_id").is_in(dropped.implode()))
    sets = good.filter(pl.col("action") == "set").unique(["mention_id", "field"], keep="last", maintain_order=True)
    out = out.with_columns(pl.col("date_start").alias("_old_start"))
    for field in sorted(sets["field"].unique().to_list()):
        out = _set_field(out, sets.filter(pl.col("field") == field), field)
    end_set = sets.filter(pl.col("field") == "date_end")["mention_id"]
    return _move_end_with_start(out, end_set), split


def _set_field(mentions: pl.DataFrame, sets: pl.DataFrame, field: str) -> pl.DataFrame:
    dtype = MENTION_SCHEMA[field]
    value = pl.when(pl.col("value") == "").then(None).otherwise(pl.col("value"))
    typed = value.str.to_date("%Y-%m-%d", strict=False) if dtype == pl.Date else value.cast(dtype, strict=False)
    table = sets.select("mention_id", typed.alias("_new"), pl.lit(True).alias("_hit"))
    joined = mentions.join(table, on="mention_id", how="left", maintain_order="left")
    return joined.with_columns(
        pl.when(pl.col("_hit")).then(pl.col("_new")).otherwise(pl.col(field)).alias(field)
    ).drop("_new", "_hit")


def _move_end_with_start(mentions: pl.DataFrame, end_set: pl.Series) -> pl.DataFrame:
    """A moved date_start moves date_end by the same number of days (unless date_end was set too), so
    moving a day-precision event keeps it one day long; date_end is never left before date_start."""
    shift = pl.col("date_start") - pl.col("_old_start")
    moved = pl.when(pl.col("mention_id").is_in(end_set.implode())).then(pl.col("date_end")).otherwise(
        pl.col("date_end") + shift.fill_null(pl.duration(days=0)))
    return mentions.with_columns(moved.alias("date_end")).with_columns(
        pl.max_horizontal("date_start", "date_end").alias("date_end")).drop("_old_start")


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute((SCHEMAS_DIR / "duckdb" / "050_overrides.sql").read_text(encoding="utf-8"))


def add_override(con: duckdb.DuckDBPyConnection, mention_id: str, action: str, field: str | None = None,
                 value: str | None = None, note: str | None = None, created_by: str | None = None) -> str:
    """Write one override (validated) and return its id. The id is derived from (mention, action, field,
    value): writing the same correction again refreshes it rather than adding a duplicate."""
    problem = check_override(action, field, None if value is None else str(value))
    if problem:
        raise ValueError(problem)
    ensure_table(con)
    override_id = stable_id(mention_id, action, field, value, prefix="o_")
    con.execute(
        "INSERT OR REPLACE INTO overrides (override_id, mention_id, action, field, value, note, created_by, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [override_id, mention_id, action, field, None if value is None else str(value), note, created_by,
         datetime.now(UTC).replace(tzinfo=None)],
    )
    return override_id


def remove_override(con: duckdb.DuckDBPyConnection, override_id: str) -> None:
    con.execute("DELETE FROM overrides WHERE override_id = ?", [override_id])


def list_overrides(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    ensure_table(con)
    return con.execute("SELECT * FROM overrides ORDER BY created_at, override_id").pl()
