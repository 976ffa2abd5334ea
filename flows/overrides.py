"""Analyst overrides: corrections kept in the DuckDB `overrides` table and applied to the mentions before
every dedupe, so they survive re-runs and re-ingestion (mention ids are deterministic).

    drop    : the mention is not an event (a false positive); it joins no event
    set     : column `field` of the mention becomes `value` (typed as the column; '' or NULL sets NULL)
    split   : the mention is never merged with another one by the matching rules
    confirm : an analyst checked the mention: it stands as extracted (no change to its columns)
    merge   : the mention is the same occurrence as mention `value` (or the event `value`, 'e_...'): always
              merged with it, whatever the matching rules (and a split) say
    add     : a mention an analyst added (from a sentence the extractor missed): `value` holds its columns as
              JSON, mention_id its new id; later overrides (set, drop) apply to it like to any other

Several `set` rows on the same mention and field: the latest (created_at, then override_id) wins.
Every mention carries a review status derived from its overrides (REVIEW_STATUSES, weakest first): 'added' for
an added one (also after a correction), 'corrected' when a set applies, 'confirmed' after confirm, merge or split,
else 'unreviewed'.
"""

from __future__ import annotations

import json
import logging

import duckdb
import polars as pl

from flows.model import MENTION_SCHEMA, SCHEMAS_DIR, conform, event_json_schema, stable_id
from flows.store import transaction, utc_now

log = logging.getLogger(__name__)

ACTIONS = ("drop", "set", "split", "confirm", "merge", "add")
REVIEW_STATUSES = ("unreviewed", "confirmed", "added", "corrected")   # an event takes its mentions' strongest
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
    if action == "merge":
        return None if value and value[:2] in ("m_", "e_") else f"merge needs a mention or event id, not '{value}'"
    if action == "add":
        return _added_problem(value)
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


def _added_problem(value: str | None) -> str | None:
    """Why an `add` value is not a valid mention (None when it is)."""
    from flows.normalize import normalize

    try:
        columns = json.loads(value or "")
    except json.JSONDecodeError:
        return "add needs the new mention's columns as a JSON object"
    if not isinstance(columns, dict):
        return "add needs the new mention's columns as a JSON object"
    unknown = sorted(set(columns) - set(MENTION_SCHEMA))
    if unknown:
        return f"add names columns that mentions do not have: {', '.join(unknown)}"
    _, rejects = normalize(_mention_frame([{**columns, "mention_id": "m_added"}]))
    return f"added mention is not valid: {rejects['detail'][0]}" if rejects.height else None


def _mention_frame(rows: list[dict]) -> pl.DataFrame:
    """Mentions from JSON-like dicts (dates as YYYY-MM-DD text), conformed to MENTION_SCHEMA."""
    frame = pl.DataFrame(rows, infer_schema_length=None)
    dates = [pl.col(c).cast(pl.Utf8).str.to_date("%Y-%m-%d", strict=False)
             for c in ("date_start", "date_end") if c in frame.columns]
    return conform(frame.with_columns(dates))


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
    if overrides is None or overrides.is_empty():
        return mentions, set()
    good = valid_overrides(overrides)
    dropped = good.filter(pl.col("action") == "drop")["mention_id"]
    split = set(good.filter(pl.col("action") == "split")["mention_id"].to_list())
    out = pl.concat([mentions, added_mentions(good, mentions)])
    out = out.filter(~pl.col("mention_id").is_in(dropped.implode()))
    sets = good.filter(pl.col("action") == "set").unique(["mention_id", "field"], keep="last", maintain_order=True)
    out = out.with_columns(pl.col("date_start").alias("_old_start"))
    for field in sorted(sets["field"].unique().to_list()):
        out = _set_field(out, sets.filter(pl.col("field") == field), field)
    end_set = sets.filter(pl.col("field") == "date_end")["mention_id"]
    return _move_end_with_start(out, end_set), split


def valid_overrides(overrides: pl.DataFrame | None) -> pl.DataFrame | None:
    """The overrides that can be applied, oldest first; the others are skipped with a warning."""
    if overrides is None or overrides.is_empty():
        return overrides
    bad = invalid_overrides(overrides)
    for row in bad.select("override_id", "problem").iter_rows():
        log.warning("override %s skipped: %s", *row)
    good = overrides.join(bad.select("override_id"), on="override_id", how="anti")
    return good.sort([c for c in ("created_at", "override_id") if c in good.columns])


def added_mentions(overrides: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """The mentions of valid `add` overrides, with MENTION_SCHEMA columns (an id that a source's mention
    already uses is skipped with a warning)."""
    adds = overrides.filter(pl.col("action") == "add").unique("mention_id", keep="last", maintain_order=True)
    if adds.is_empty():
        return mentions.clear()
    added = _mention_frame([{**json.loads(value), "mention_id": mid}
                            for mid, value in adds.select("mention_id", "value").iter_rows()])
    taken = added.join(mentions.select("mention_id"), on="mention_id", how="semi")["mention_id"].to_list()
    for mid in taken:
        log.warning("added mention %s skipped: a source's mention has that id", mid)
    return added.filter(~pl.col("mention_id").is_in(taken)).cast(mentions.schema)


def merge_pairs(overrides: pl.DataFrame | None) -> pl.DataFrame:
    """(a, b): the pairs of mentions an analyst merged (an event id 'e_x' stands for its mention 'm_x', the
    smallest mention id of the event, which always belongs to it)."""
    empty = pl.DataFrame(schema={"a": pl.Utf8, "b": pl.Utf8})
    if overrides is None or overrides.is_empty():
        return empty
    merges = valid_overrides(overrides).filter(pl.col("action") == "merge")
    return merges.select(pl.col("mention_id").alias("a"),
                         pl.col("value").str.replace(r"^e_", "m_").alias("b")).unique(maintain_order=True)


def review_status(overrides: pl.DataFrame | None) -> pl.DataFrame:
    """mention_id, review_status for every mention an override other than drop touches (a dropped mention is in
    no event)."""
    if overrides is None or overrides.is_empty():
        return pl.DataFrame(schema={"mention_id": pl.Utf8, "review_status": pl.Utf8})
    added = len(REVIEW_STATUSES)          # an added mention stays 'added' when it is corrected later
    rank = {"add": added, "set": REVIEW_STATUSES.index("corrected")}
    ranked = valid_overrides(overrides).filter(pl.col("action") != "drop").select(
        "mention_id", pl.col("action").replace_strict(rank, default=1, return_dtype=pl.Int64).alias("_rank"))
    names = {**dict(enumerate(REVIEW_STATUSES)), added: "added"}
    return ranked.group_by("mention_id").agg(pl.col("_rank").max()).select(
        "mention_id", pl.col("_rank").replace_strict(names, return_dtype=pl.Utf8).alias("review_status")
    ).sort("mention_id")


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
    """Create the overrides table, or bring one made before the review actions to the current ACTIONS (DuckDB
    cannot alter a CHECK constraint: the rows move to a new table, in one transaction)."""
    ddl = (SCHEMAS_DIR / "duckdb" / "050_overrides.sql").read_text(encoding="utf-8")
    con.execute(ddl)
    check = con.execute("SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'overrides' "
                        "AND constraint_type = 'CHECK' AND database_name = current_database()").fetchone()
    if check is None or all(f"'{a}'" in check[0] for a in ACTIONS):
        return
    with transaction(con):
        con.execute("ALTER TABLE overrides RENAME TO overrides_before_review")
        con.execute(ddl)
        con.execute("INSERT INTO overrides BY NAME SELECT * FROM overrides_before_review")
        con.execute("DROP TABLE overrides_before_review")


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
         utc_now()],
    )
    return override_id


def remove_override(con: duckdb.DuckDBPyConnection, override_id: str) -> None:
    con.execute("DELETE FROM overrides WHERE override_id = ?", [override_id])


def list_overrides(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    ensure_table(con)
    return con.execute("SELECT * FROM overrides ORDER BY created_at, override_id").pl()
