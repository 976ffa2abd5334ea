"""Which dataset format a file is, by its content: header columns, column count, delimiter. A CSV with a
FILE.mapping.yaml sidecar is a mapped CSV (the analyst said so); a file that is none of them gives None."""

from __future__ import annotations

import re
from pathlib import Path

from flows.ingest.datasets.mapped_csv import mapping_path
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import parse_header, read_head

DELIMITERS = (",", "\t", ";", "|")
GDELT_DATE = re.compile(r"^\d{8}$")


def guess_delimiter(line: str) -> str:
    return max(DELIMITERS, key=line.count)


def _has_columns(header: list[str], fmt: str) -> bool:
    names = {h.strip().lower() for h in header}
    return all(c.lower() in names for c in source_spec(fmt)["sniff_columns"])


def _is_gdelt_row(line: str) -> bool:
    """A headerless GDELT 2.0 row: 61 tab-separated fields, a numeric id, then a YYYYMMDD date."""
    fields = line.split("\t")
    n = len(source_spec("gdelt")["columns"])
    return len(fields) == n and fields[0].strip().isdigit() and bool(GDELT_DATE.match(fields[1].strip()))


def sniff_header(path: Path) -> tuple[str | None, bool]:
    """(format, has_header) of a file from its first line; (None, False) for anything else."""
    try:
        head = read_head(path)
    except OSError:
        return None, False
    if "\x00" in head[:4096]:
        return None, False
    lines = head.splitlines()
    first = lines[0] if lines else ""
    if not first.strip():
        return None, False
    if _is_gdelt_row(first):
        return "gdelt", False
    header = parse_header(first, guess_delimiter(first))
    for fmt in ("acled", "mass_mobilization", "gdelt"):
        if _has_columns(header, fmt):
            return fmt, True
    return None, False


def sniff_dataset(path: Path) -> str | None:
    """'acled' | 'gdelt' | 'mass_mobilization' | 'mapped_csv' | None."""
    path = Path(path)
    if not path.is_file():
        return None
    if mapping_path(path) is not None:
        return "mapped_csv"
    return sniff_header(path)[0]
