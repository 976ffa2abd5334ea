"""Which dataset format a file is, by its content: header columns, column count, delimiter. A CSV with a
FILE.mapping.yaml sidecar is a mapped CSV (the analyst said so); a file that is none of them gives None."""

from __future__ import annotations

import re
from pathlib import Path

from flows.ingest.datasets.mapped_csv import mapping_path
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import guess_delimiter, parse_header, read_head

GDELT_DATE = re.compile(r"^\d{8}$")


# A header holding at least this share of a format's identifying columns (but not all) looks like that
# format: the file is refused naming the columns it lacks, not as an unknown file.
LOOKS_LIKE_SHARE = 0.6
HEADERED_FORMATS = ("acled", "mass_mobilization", "gdelt")


def missing_columns(header: list[str], fmt: str) -> list[str]:
    """The identifying columns of `fmt` (sniff_columns) the header lacks (case-insensitive)."""
    names = {h.strip().lower() for h in header}
    return [c for c in source_spec(fmt)["sniff_columns"] if c.lower() not in names]


def _has_columns(header: list[str], fmt: str) -> bool:
    return not missing_columns(header, fmt)


def _looks_like(header: list[str], fmt: str) -> bool:
    wanted = source_spec(fmt)["sniff_columns"]
    return len(wanted) - len(missing_columns(header, fmt)) >= LOOKS_LIKE_SHARE * len(wanted)


def header_of(path: Path) -> list[str]:
    """The column names of a file's first line (delimiter sniffed); [] when it cannot be read."""
    try:
        lines = read_head(path).splitlines()
    except OSError:
        return []
    return parse_header(lines[0], guess_delimiter(lines[0])) if lines else []


def _is_gdelt_row(line: str, n_fields: int | None = None) -> bool:
    """A headerless GDELT 2.0 row: a numeric id, then a YYYYMMDD date, tab-separated; with n_fields, exactly
    that many fields."""
    fields = line.split("\t")
    if n_fields is not None and len(fields) != n_fields:
        return False
    return len(fields) > 2 and fields[0].strip().isdigit() and bool(GDELT_DATE.match(fields[1].strip()))


def _is_gdelt(lines: list[str]) -> bool:
    """Headerless GDELT 2.0: the first line starts like a GDELT row and one of the first lines has all 61
    fields (the first row may be cut short: it is then read and rejected as truncated_row)."""
    n = len(source_spec("gdelt")["columns"])
    return bool(lines) and _is_gdelt_row(lines[0]) and any(_is_gdelt_row(ln, n) for ln in lines[:5])


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
    if _is_gdelt(lines):
        return "gdelt", False
    header = parse_header(first, guess_delimiter(first))
    for fmt in HEADERED_FORMATS:
        if _has_columns(header, fmt):
            return fmt, True
    for fmt in HEADERED_FORMATS:     # most identifying columns: read_dataset refuses it, naming the gaps
        if _looks_like(header, fmt):
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
