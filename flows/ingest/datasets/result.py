"""What reading one dataset file gives: its mentions, its rejects and the row count that ties them."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass
class DatasetResult:
    format: str               # acled | gdelt | mass_mobilization | mapped_csv
    records_total: int        # data rows in the file (header not counted)
    mentions: pl.DataFrame    # conformed mentions (flows.model.MENTION_SCHEMA), mention_id filled
    rejects: pl.DataFrame     # source, locator ('row:N'), stage, reason, detail, raw

    @property
    def records_rejected(self) -> int:
        return self.rejects.height

    @property
    def records_loaded(self) -> int:
        """Rows that produced at least one mention (a Mass Mobilization row may produce several)."""
        return self.mentions["row_number"].n_unique() if self.mentions.height else 0
