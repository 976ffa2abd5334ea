"""Reject rows of a dataset: every data row that does not become a mention, with a reason code."""

from __future__ import annotations

import polars as pl

from flows.rejects import REJECT_SCHEMA, empty_rejects

__all__ = ["REJECT_SCHEMA", "empty_rejects", "first_reason", "rejects_of"]


def first_reason(checks: list[tuple[str, str, str, pl.Expr | str]]) -> list[pl.Expr]:
    """Columns `_reason`, `_stage` and `_detail` from (flag column, reason, stage, detail) checks, the first
    set flag wins: a row is rejected once, for the first thing wrong with it."""
    reason = stage = detail = pl.lit(None, dtype=pl.Utf8)
    for flag, code, stage_name, text in reversed(checks):
        text_expr = pl.lit(text) if isinstance(text, str) else text.cast(pl.Utf8)
        reason = pl.when(pl.col(flag)).then(pl.lit(code)).otherwise(reason)
        stage = pl.when(pl.col(flag)).then(pl.lit(stage_name)).otherwise(stage)
        detail = pl.when(pl.col(flag)).then(text_expr).otherwise(detail)
    return [reason.alias("_reason"), stage.alias("_stage"), detail.alias("_detail")]


def rejects_of(rows: pl.DataFrame, source: str, raw: pl.Expr) -> pl.DataFrame:
    """The rejects table rows of the rows whose `_reason` is set; `_row` gives the locator and `raw` the
    raw row text (computed for the rejected rows only)."""
    bad = rows.filter(pl.col("_reason").is_not_null())
    return bad.select(
        pl.lit(source).alias("source"),
        pl.format("row:{}", pl.col("_row")).alias("locator"),
        pl.col("_stage").alias("stage"),
        pl.col("_reason").alias("reason"),
        pl.col("_detail").fill_null("").alias("detail"),
        raw.alias("raw"),
    ).cast(REJECT_SCHEMA)
