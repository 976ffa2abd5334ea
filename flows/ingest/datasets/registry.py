"""The registry of dataset formats: one module (flows/ingest/datasets/<name>.py) and one YAML file
(schemas/sources/<name>.yaml, or the FILE.mapping.yaml sidecar of a mapped CSV) per format.

Each module gives two functions: `tables(sniffed, batch_rows)`, the file's rows streamed in batches, and
`map_rows(table, sniffed, source, sha256)`, the (mentions, rejects) of one batch. A new format is a new module
and YAML file and one line here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from flows.ingest.datasets import acled, gdelt, mapped_csv, mass_mobilization
from flows.ingest.datasets.sniff import Sniffed
from flows.ingest.datasets.table import RawTable


@dataclass(frozen=True)
class DatasetFormat:
    name: str
    label: str                                                     # for messages: "ACLED", "GDELT 2.0"
    tables: Callable[[Sniffed, int], Iterator[RawTable]]
    map_rows: Callable[[RawTable, Sniffed, str, str], tuple[pl.DataFrame, pl.DataFrame]]


FORMATS: dict[str, DatasetFormat] = {
    module.FORMAT: DatasetFormat(module.FORMAT, module.LABEL, module.tables, module.map_rows)
    for module in (acled, gdelt, mass_mobilization, mapped_csv)
}
