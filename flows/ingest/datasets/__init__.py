"""Structured event datasets (ACLED, GDELT 2.0, Mass Mobilization, any CSV with a YAML column mapping)
into mentions, every data row either loaded or rejected with a reason. Plain, .gz or one-file .zip.

    fmt = sniff_dataset(path)                          # 'acled' | 'gdelt' | 'mass_mobilization' | 'mapped_csv' | None
    for batch in iter_dataset(path, source, sha256):   # streamed: memory bounded by the batch size
        batch.mentions, batch.rejects, batch.rows
    res = read_dataset(path, source, sha256)           # the whole file at once (small files, tests)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from flows.ingest.datasets.common import check_accounting, dataset_result
from flows.ingest.datasets.registry import FORMATS
from flows.ingest.datasets.result import DatasetResult
from flows.ingest.datasets.sniff import Sniffed, sniff, sniff_dataset
from flows.ingest.datasets.table import DEFAULT_BATCH_ROWS, ROW
from flows.ingest.errors import UnreadableSource
from flows.model import conform, with_mention_ids

__all__ = ["DatasetBatch", "DatasetResult", "Sniffed", "iter_dataset", "read_dataset", "sniff", "sniff_dataset"]


@dataclass
class DatasetBatch:
    format: str
    rows: int                  # data rows in this batch
    first_row: int             # 1-based number of its first data row in the file
    mentions: pl.DataFrame     # conformed mentions, mention_id filled
    rejects: pl.DataFrame      # source, locator ('row:N'), stage, reason, detail, raw


def _refuse(path: Path, sniffed: Sniffed | None) -> None:
    if sniffed is None:
        raise UnreadableSource(
            "unknown_format",
            f"{path.name} is not an ACLED, GDELT 2.0 or Mass Mobilization export and has no .mapping.yaml sidecar")
    if sniffed.missing:
        label = FORMATS[sniffed.format].label
        raise UnreadableSource(
            "unknown_format",
            f"{path.name} looks like a{'n' * (label[0] in 'AEIOU')} {label} export but lacks the column(s) "
            f"{', '.join(sniffed.missing)}; add them (or a .mapping.yaml sidecar) to read it",
        )


def iter_dataset(path: Path, source: str, sha256: str, batch_rows: int = DEFAULT_BATCH_ROWS,
                 sniffed: Sniffed | None = None) -> Iterator[DatasetBatch]:
    """The file's mentions and rejects, batch by batch (the format chosen by content, sniffed once; pass
    `sniffed` when it is known). Raise UnreadableSource for a file that is no known dataset."""
    path = Path(path)
    sniffed = sniffed or sniff(path)
    _refuse(path, sniffed)
    fmt = FORMATS[sniffed.format]
    for table in fmt.tables(sniffed, batch_rows):
        mentions, rejects = fmt.map_rows(table, sniffed, source, sha256)
        mentions = with_mention_ids(conform(mentions))
        rows = table.rows.height
        first = int(table.rows[ROW][0]) if rows else 1
        check_accounting(source, rows, mentions, rejects)
        yield DatasetBatch(fmt.name, rows, first, mentions, rejects)


def read_dataset(path: Path, source: str, sha256: str) -> DatasetResult:
    """Read one dataset file chosen by content, whole; raise UnreadableSource('unknown_format', ...) otherwise."""
    batches = list(iter_dataset(path, source, sha256))
    mentions = pl.concat([b.mentions for b in batches], how="vertical_relaxed")
    rejects = pl.concat([b.rejects for b in batches], how="vertical_relaxed")
    return dataset_result(batches[0].format, source, sum(b.rows for b in batches), mentions, rejects)
