"""The steps every dataset reader shares: the ingest checks on raw rows, splitting checked rows into
passed rows and rejects, and the DatasetResult with its accounting invariant."""

from __future__ import annotations

import polars as pl

from flows.ingest.datasets.fields import missing_names, text
from flows.ingest.datasets.rejects import first_reason, rejects_of
from flows.ingest.datasets.result import DatasetResult
from flows.ingest.datasets.table import EXTRA, NFIELDS, RawTable
from flows.model import conform, with_mention_ids

Check = tuple[pl.Expr, str, str, "pl.Expr | str"]


def ingest_checks(table: RawTable, spec: dict) -> list[Check]:
    """Checks on the raw row, before any mapping: encoding, length, required fields."""
    complete = spec["row_complete_column"]
    required = spec["required"]
    return [
        (table.bad_encoding_expr(), "bad_encoding", "ingest", "the row holds bytes that are not UTF-8"),
        (pl.col(EXTRA).is_not_null(), "extra_fields", "ingest",
         f"the row has more fields than the {len(table.columns)} columns of the header"),
        (pl.col(NFIELDS) < len(table.columns), "truncated_row", "ingest",
         pl.format("the row ends early: {} of the {} fields", pl.col(NFIELDS), pl.lit(len(table.columns)))),
        (text(complete).is_null(), "truncated_row", "ingest",
         f"the row ends early: '{complete}', set in every complete row, is empty"),
        (missing_names(required) != "", "missing_field", "map",
         pl.format("empty required field(s): {}", missing_names(required))),
    ]


def split_rows(table: RawTable, rows: pl.DataFrame, checks: list[Check], source: str
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows that passed every check, rejects of the others: the first failing check's reason).
    Each condition is evaluated once, in parallel; details and raw text only for the rejected rows."""
    flags = [f"_check{i}" for i in range(len(checks))]
    flagged = rows.with_columns([cond.fill_null(False).alias(f) for f, (cond, *_) in zip(flags, checks, strict=True)])
    failed = pl.any_horizontal(flags)
    passed = flagged.filter(~failed).drop(flags)
    bad = flagged.filter(failed)
    bad = bad.with_columns(first_reason([(f, *rest) for f, (_, *rest) in zip(flags, checks, strict=True)]))
    return passed, rejects_of(bad, source, table.raw_expr())


def check_accounting(source: str, rows: int, mentions: pl.DataFrame, rejects: pl.DataFrame) -> None:
    """Every row of a batch is loaded (gives a mention) or rejected, once."""
    loaded = mentions["row_number"].n_unique() if mentions.height else 0
    if loaded + rejects.height != rows:
        raise AssertionError(f"{source}: {rows} rows but {loaded} loaded + {rejects.height} rejected")


def dataset_result(fmt: str, source: str, records_total: int, mentions: pl.DataFrame,
                   rejects: pl.DataFrame) -> DatasetResult:
    """The whole file's result: conformed mentions with ids, and every row loaded or rejected, once."""
    result = DatasetResult(fmt, records_total, with_mention_ids(conform(mentions)), rejects)
    check_accounting(source, records_total, result.mentions, rejects)
    return result
