"""Which dataset format a file is, by its content: header columns, column count, delimiter. A CSV with a
FILE.mapping.yaml sidecar is a mapped CSV (the analyst said so); a file that is none of them gives None.

The head of the file is read once (decompressed for .gz and .zip) and what was learnt from it travels with the
file in a `Sniffed` record, so that no reader opens the file again to look at its header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from flows.ingest.datasets.mapped_csv import mapping_path
from flows.ingest.datasets.spec import source_spec
from flows.ingest.datasets.table import bytes_per_row, guess_delimiter, parse_header, read_head

GDELT_DATE = re.compile(r"^\d{8}$")


# A header holding at least this share of a format's identifying columns (but not all) looks like that
# format: the file is refused naming the columns it lacks, not as an unknown file.
LOOKS_LIKE_SHARE = 0.6
HEADERED_FORMATS = ("acled", "mass_mobilization", "gdelt")


@dataclass(frozen=True)
class Sniffed:
    """What the head of a dataset file told: its format and how to read it."""

    path: Path
    format: str                   # acled | gdelt | mass_mobilization | mapped_csv
    has_header: bool
    delimiter: str | None         # None: the reader sniffs it (a mapped CSV's sidecar may name it)
    header: list[str] = field(default_factory=list)
    bytes_per_row: float = 200.0
    missing: list[str] = field(default_factory=list)   # identifying columns the header lacks


def missing_columns(header: list[str], fmt: str) -> list[str]:
    """The identifying columns of `fmt` (sniff_columns) the header lacks (case-insensitive)."""
    names = {h.strip().lower() for h in header}
    return [c for c in source_spec(fmt)["sniff_columns"] if c.lower() not in names]


def _looks_like(header: list[str], fmt: str) -> bool:
    wanted = source_spec(fmt)["sniff_columns"]
    return len(wanted) - len(missing_columns(header, fmt)) >= LOOKS_LIKE_SHARE * len(wanted)


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


def sniff(path: Path) -> Sniffed | None:
    """The format of a dataset file from one read of its head; None for anything else (a report, a binary
    file, an unknown table). A broken archive raises UnreadableSource."""
    path = Path(path)
    if not path.is_file():
        return None
    if mapping_path(path) is not None:
        return Sniffed(path, "mapped_csv", True, None)
    try:
        head = read_head(path)
    except OSError:
        return None
    if "\x00" in head[:4096]:
        return None
    lines = head.splitlines()
    first = lines[0] if lines else ""
    if not first.strip():
        return None
    per_row = bytes_per_row(head)
    if _is_gdelt(lines):
        return Sniffed(path, "gdelt", False, "\t", bytes_per_row=per_row)
    delimiter = guess_delimiter(first)
    header = parse_header(first, delimiter)
    for fmt in HEADERED_FORMATS:
        if not missing_columns(header, fmt):
            return Sniffed(path, fmt, True, delimiter, header, per_row)
    for fmt in HEADERED_FORMATS:     # most identifying columns: the reader refuses it, naming the gaps
        if _looks_like(header, fmt):
            return Sniffed(path, fmt, True, delimiter, header, per_row, missing_columns(header, fmt))
    return None


def sniff_dataset(path: Path) -> str | None:
    """'acled' | 'gdelt' | 'mass_mobilization' | 'mapped_csv' | None."""
    found = sniff(path)
    return found.format if found else None
