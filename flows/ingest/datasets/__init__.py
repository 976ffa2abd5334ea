"""Structured event datasets (ACLED, GDELT 2.0, Mass Mobilization, any CSV with a YAML column mapping)
into mentions, every data row either loaded or rejected with a reason.

    fmt = sniff_dataset(path)                     # 'acled' | 'gdelt' | 'mass_mobilization' | 'mapped_csv' | None
    res = read_dataset(path, source, sha256)      # DatasetResult(format, records_total, mentions, rejects)
"""

from __future__ import annotations

from pathlib import Path

from flows.ingest.datasets.acled import read_acled
from flows.ingest.datasets.gdelt import read_gdelt
from flows.ingest.datasets.mapped_csv import read_mapped_csv
from flows.ingest.datasets.mass_mobilization import read_mass_mobilization
from flows.ingest.datasets.result import DatasetResult
from flows.ingest.datasets.sniff import header_of, missing_columns, sniff_dataset, sniff_header
from flows.ingest.errors import UnreadableSource

__all__ = ["DatasetResult", "read_dataset", "sniff_dataset"]


def read_dataset(path: Path, source: str, sha256: str) -> DatasetResult:
    """Read one dataset file chosen by content; raise UnreadableSource('unknown_format', ...) otherwise."""
    path = Path(path)
    fmt = sniff_dataset(path)
    if fmt == "mapped_csv":
        return read_mapped_csv(path, source, sha256)
    fmt, has_header = sniff_header(path)
    if has_header and (missing := missing_columns(header_of(path), fmt)):
        label = {"acled": "ACLED", "mass_mobilization": "Mass Mobilization", "gdelt": "GDELT 2.0"}[fmt]
        raise UnreadableSource(
            "unknown_format",
            f"{path.name} looks like a{'n' * (label[0] in 'AEIOU')} {label} export but lacks the column(s) "
            f"{', '.join(missing)}; add them (or a .mapping.yaml sidecar) to read it",
        )
    if fmt == "acled":
        return read_acled(path, source, sha256)
    if fmt == "mass_mobilization":
        return read_mass_mobilization(path, source, sha256)
    if fmt == "gdelt":
        return read_gdelt(path, source, sha256, has_header=has_header)
    raise UnreadableSource(
        "unknown_format",
        f"{path.name} is not an ACLED, GDELT 2.0 or Mass Mobilization export and has no .mapping.yaml sidecar",
    )
