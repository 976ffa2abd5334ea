"""Read a delimited file into string columns, columnar, keeping what is needed to account for every row:
its 1-based data row number, whether it had more fields than the header, whether it was valid UTF-8."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from polars.exceptions import NoDataError

EXTRA = "_extra"          # a field beyond the header's last column: the row is too long
ROW = "_row"              # 1-based data row number (header not counted; a quoted newline stays in its row)
NFIELDS = "_nfields"      # how many fields the row has (known for unquoted files; null for quoted CSV)
REPLACEMENT_CHAR = "\ufffd"
# Delimiters a header line is sniffed for (a semicolon from European spreadsheet programs, a tab from
# database exports); the first wins a tie, so a one-column header reads as comma-separated.
DELIMITERS = (",", ";", "\t", "|")


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


def guess_delimiter(line: str) -> str:
    """The delimiter of a header line: the candidate that occurs most often outside double quotes."""
    unquoted = re.sub(r'"[^"]*"', "", line)
    return max(DELIMITERS, key=unquoted.count)


def parse_header(first_line: str, delimiter: str) -> list[str]:
    """Column names of a header line (quotes handled by the csv module), stripped."""
    fields = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    return [f.strip() for f in fields]


def read_table(path: Path, delimiter: str | None, has_header: bool, names: list[str] | None = None,
               quote_char: str | None = '"') -> RawTable:
    """All data rows of the file as strings; with has_header the header names the columns (else `names`).
    A delimiter of None is sniffed from the header line (comma when there is no header)."""
    path = Path(path)
    if has_header:
        first = read_head(path).splitlines()
        if delimiter is None:
            delimiter = guess_delimiter(first[0]) if first else ","
        columns = parse_header(first[0], delimiter) if first else []
    else:
        columns = list(names or [])
    delimiter = delimiter or ","
    columns = _unique_names(columns)
    if not columns:
        return RawTable([], delimiter, pl.DataFrame(schema={ROW: pl.UInt32, EXTRA: pl.Utf8, NFIELDS: pl.Int64}))
    if quote_char is None:
        df = _split_lines(path, delimiter, columns)
        if has_header:
            df = df.slice(1)
        return RawTable(columns, delimiter, df.with_row_index(ROW, offset=1))
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
    df = df.with_columns(pl.lit(None, dtype=pl.Int64).alias(NFIELDS)).with_row_index(ROW, offset=1)
    return RawTable(columns, delimiter, df)


def _split_lines(path: Path, delimiter: str, columns: list[str]) -> pl.DataFrame:
    """An unquoted file (GDELT's TSV): one row per non-empty line, split on the delimiter, so that the number
    of fields of each row is known (a row cut short is told from a row with empty last fields)."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = pl.Series("line", [text]).str.split("\n").explode(empty_as_null=False).str.strip_suffix("\r").to_frame()
    lines = lines.filter(pl.col("line") != "")
    fields = pl.col("line").str.split(delimiter)
    n = len(columns)
    blank_null = lambda e: pl.when(e == "").then(None).otherwise(e)  # noqa: E731
    extra = fields.list.slice(n).list.join(delimiter).str.strip_chars(delimiter)
    return lines.select(
        *[blank_null(fields.list.get(i, null_on_oob=True)).alias(c) for i, c in enumerate(columns)],
        blank_null(extra).alias(EXTRA),
        fields.list.len().cast(pl.Int64).alias(NFIELDS),
    )


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
