"""Normalize: bring mentions from any reader or extractor to the canonical schema and validate them.

The checks are derived from schemas/event.schema.json (required fields, enums, numeric bounds, patterns)
and from the settings' input limits (the date window, a plausible bound per count, the longest text field),
and run as polars expressions over the whole batch. A row that fails goes to rejects with the first failed
check as its reason; nothing is dropped without a reject row, and no value is silently changed.
"""

from __future__ import annotations

import polars as pl

from flows.config import Settings, load_settings
from flows.model import COUNT_RANGES, MENTION_SCHEMA, conform, event_json_schema, typology, with_mention_ids
from flows.rejects import REJECT_SCHEMA

TEXT_FIELDS = [name for name, dtype in MENTION_SCHEMA.items() if dtype == pl.Utf8]

# Filled by the geocoder, so not required before it runs.
GEOCODER_FIELDS = {"geo_precision"}


def _limit_checks(settings: Settings) -> list[tuple[str, pl.Expr, str | pl.Expr]]:
    """Input limits from the settings: no field longer than max_field_chars, dates within the window, counts
    neither negative nor above their plausible bound."""
    limit = settings.max_field_chars
    too_long = pl.coalesce([pl.when(pl.col(c).str.len_chars() > limit).then(pl.lit(c)) for c in TEXT_FIELDS])
    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = [(
        "field_too_long", too_long.is_null(),
        pl.format("field {} has {} characters, over the limit of {} (setting max_field_chars)", too_long,
                  pl.max_horizontal([pl.col(c).str.len_chars() for c in TEXT_FIELDS]), pl.lit(f"{limit:,}")))]
    first, last = settings.date_window()
    for col in ("date_start", "date_end"):
        checks.append(("bad_date", pl.col(col).is_null() | pl.col(col).is_between(first, last),
                       pl.format("{} {} is outside the accepted window {} to {} (settings date_min, date_max)",
                                 pl.lit(col), pl.col(col), pl.lit(str(first)), pl.lit(str(last)))))
    bounds = settings.count_bounds()
    for low, high in COUNT_RANGES:
        name = low.removesuffix("_low")
        value = pl.max_horizontal(low, high)
        checks.append(("bad_count", (~((pl.col(low) < 0) | (pl.col(high) < 0))).fill_null(True),
                       pl.format("{} count {} is negative", pl.lit(name), pl.min_horizontal(low, high))))
        checks.append(("implausible_count", value.is_null() | (value <= bounds[name]),
                       pl.format("{} count {} is above the plausible bound {} (setting max_{})", pl.lit(name),
                                 value, pl.lit(f"{bounds[name]:,}"), pl.lit(name))))
    return checks


def _checks() -> list[tuple[str, pl.Expr, str]]:
    """(reason, expression that is True when the row is valid, detail) from the schema and typology."""
    schema = event_json_schema()
    props = schema["properties"]
    checks: list[tuple[str, pl.Expr, str]] = []
    for name in schema["required"]:
        if name not in GEOCODER_FIELDS:
            checks.append((f"missing_{name}", pl.col(name).is_not_null(), f"{name} is required"))
    for name, prop in props.items():
        col = pl.col(name)
        if "enum" in prop:
            allowed = [v for v in prop["enum"] if v is not None]
            checks.append((f"bad_{name}", col.is_null() | col.is_in(allowed), f"{name} must be one of {allowed}"))
        if "minimum" in prop:
            checks.append((f"bad_{name}", col.is_null() | (col >= prop["minimum"]),
                           f"{name} must be >= {prop['minimum']}"))
        if "maximum" in prop:
            checks.append((f"bad_{name}", col.is_null() | (col <= prop["maximum"]),
                           f"{name} must be <= {prop['maximum']}"))
        if "pattern" in prop:
            checks.append((f"bad_{name}", col.is_null() | col.str.contains(prop["pattern"]),
                           f"{name} must match {prop['pattern']}"))
    subtype_ok = pl.lit(False)
    for event_type, spec in typology()["types"].items():
        in_type = (pl.col("event_type") == event_type) & pl.col("subtype").is_in(list(spec["subtypes"]))
        subtype_ok = subtype_ok | in_type
    checks.append(("bad_subtype", subtype_ok, "subtype is not a subtype of event_type in schemas/typology.yaml"))
    checks.append(("bad_date_order", pl.col("date_start") <= pl.col("date_end"), "date_start is after date_end"))
    for low, high in (("participants_low", "participants_high"), ("detained_low", "detained_high"),
                      ("fatalities_low", "fatalities_high"), ("injured_low", "injured_high")):
        checks.append((f"bad_{low[:-4]}_range", pl.col(low).is_null() | pl.col(high).is_null()
                       | (pl.col(low) <= pl.col(high)), f"{low} is greater than {high}"))
    checks.append(("bad_char_span", pl.col("char_start").is_null() | (pl.col("char_start") <= pl.col("char_end")),
                   "char_start is after char_end"))
    return checks


def normalize(df: pl.DataFrame, stage: str = "normalize", settings: Settings | None = None
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid mentions, rejects). Fills date_end from date_start and a null geo_precision with 'country'.
    Input limits come from `settings` (default: load_settings())."""
    settings = settings or load_settings()
    df = conform(df).with_columns(
        pl.col("date_end").fill_null(pl.col("date_start")),
        pl.col("geo_precision").fill_null("country"),
        pl.col("confidence").fill_null(0.5),
    )
    df = with_mention_ids(df)
    checks = [*_limit_checks(settings), *_checks()]
    # Each check is evaluated once; details only for the rows that fail one (the first failing check wins).
    reason = pl.lit(None, dtype=pl.Utf8)
    for code, ok, _ in reversed(checks):
        reason = pl.when(~ok.fill_null(False)).then(pl.lit(code)).otherwise(reason)
    flagged = df.with_columns(reason.alias("_reason"))
    valid = flagged.filter(pl.col("_reason").is_null()).drop("_reason")
    detail = pl.lit(None, dtype=pl.Utf8)
    for _, ok, text in reversed(checks):
        detail = pl.when(~ok.fill_null(False)).then(text if isinstance(text, pl.Expr) else pl.lit(text)) \
            .otherwise(detail)
    bad = flagged.filter(pl.col("_reason").is_not_null()).with_columns(detail.alias("_detail"))
    rejects = bad.select(
        pl.col("source").fill_null("(unknown)"),
        pl.when(pl.col("row_number").is_not_null())
        .then(pl.lit("row:") + pl.col("row_number").cast(pl.Utf8))
        .otherwise(pl.format("char:{}-{}", pl.col("char_start"), pl.col("char_end")))
        .alias("locator"),
        pl.lit(stage).alias("stage"),
        pl.col("_reason").alias("reason"),
        pl.col("_detail").alias("detail"),
        pl.struct(_capped(bad.drop("_reason", "_detail").columns, settings.max_field_chars))
        .struct.json_encode().alias("raw"),
    ).cast(REJECT_SCHEMA)
    return valid, rejects


def _capped(columns: list[str], limit: int) -> list[pl.Expr]:
    """The columns, with text longer than `limit` cut to it (a reject keeps what the record was, not 10 MB)."""
    return [pl.when(pl.col(c).str.len_chars() > limit).then(pl.col(c).str.slice(0, limit) + "…(cut)")
            .otherwise(pl.col(c)).alias(c) if c in TEXT_FIELDS else pl.col(c) for c in columns]
