"""Read a delimited file into string columns, columnar, keeping what is needed to account for every row:
its 1-based data row number, whether it had more fields than the header, whether it was valid UTF-8."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from polars.exceptions import NoDataError

EXTRA = "_extra"          # a field beyond the header's last column: the row is too long
ROW = "_row"              # 1-based data row number (header not counted; a quoted newline stays in its row)
REPLACEMENT_CHAR = "\ufffd"


@dataclass
class RawTable:
    columns: list[str]       # the file's columns (header names, or the format's names for a headerless file)
    delimiter: str
    rows: pl.DataFrame       # ROW, the columns as Utf8 (null when empty or missing), EXTRA

    def raw_expr(self) -> pl.Expr:
        """The row's fields joined again with the delimiter (empty fields as empty strings)."""
        fields = [pl.col(c).fill_null("") for c in [*self.columns, EXTRA]]
        return pl.concat_str(fields, separator=self.delimiter).str.strip_chars_end(self.delimiter)

    def bad_encoding_expr(self) -> pl.Expr:
        """True for a row that held bytes that are not UTF-8 (decoded as U+FFFD)."""
        return pl.any_horizontal(
            [pl.col(c).str.contains(REPLACEMENT_CHAR, literal=True).fill_null(False) for c in self.columns]
        )


def read_head(path: Path, n_bytes: int = 65536) -> str:
    """The first bytes of a file as text (undecodable bytes replaced, BOM dropped)."""
    with Path(path).open("rb") as f:
        head = f.read(n_bytes)
    return head.decode("utf-8", errors="replace").removeprefix("\ufeff")


def parse_header(first_line: str, delimiter: str) -> list[str]:
    """Column names of a header line (quotes handled by the csv module), stripped."""
    fields = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    return [f.strip() for f in fields]


def read_table(path: Path, delimiter: str, has_header: bool, names: list[str] | None = None,
               quote_char: str | None = '"') -> RawTable:
    """All data rows of the file as strings; with has_header the header names the columns (else `names`)."""
    path = Path(path)
    if has_header:
        first = read_head(path).splitlines()
        columns = parse_header(first[0], delimiter) if first else []
    else:
        columns = list(names or [])
    columns = _unique_names(columns)
    if not columns:
        return RawTable([], delimiter, pl.DataFrame(schema={ROW: pl.UInt32, EXTRA: pl.Utf8}))
    internal = [f"_c{i}" for i in range(len(columns) + 1)]
    try:
        df = pl.read_csv(
            path, has_header=False, separator=delimiter, quote_char=quote_char,
            schema={c: pl.Utf8 for c in internal}, truncate_ragged_lines=True, encoding="utf8-lossy",
        )
    except NoDataError:
        df = pl.DataFrame(schema={c: pl.Utf8 for c in internal})
    if has_header:
        df = df.slice(1)
    df = df.rename(dict(zip(internal, [*columns, EXTRA], strict=True)))
    df = df.with_row_index(ROW, offset=1)
    return RawTable(columns, delimiter, df)


def _unique_names(names: list[str]) -> list[str]:
    """Header names made unique and non-empty (a repeated or blank name gets a suffix)."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def align_columns(table: RawTable, expected: list[str], aliases: dict[str, str] | None = None) -> pl.DataFrame:
    """The rows with the file's columns renamed to the expected spelling (matched case-insensitively, or
    through `aliases` {other spelling: expected}) and expected columns the file lacks added as nulls."""
    lower = {c.lower(): c for c in expected}
    present = {c.lower() for c in table.columns}
    for alias, name in (aliases or {}).items():
        if alias.lower() not in lower and name.lower() not in present:
            lower[alias.lower()] = name
    renames = {c: lower[c.lower()] for c in table.columns if c.lower() in lower and c != lower[c.lower()]}
    rows = table.rows.rename(renames)
    table.columns = [renames.get(c, c) for c in table.columns]
    missing = [pl.lit(None, dtype=pl.Utf8).alias(c) for c in expected if c not in rows.columns]
    return rows.with_columns(missing) if missing else rows
