"""Read a delimited file into string columns, columnar and in batches, keeping what is needed to account for
every row: its 1-based data row number, whether it had more fields than the header, whether it was valid UTF-8.

Files are streamed: `iter_tables` reads a bounded chunk of bytes at a time (ending on a record boundary, a newline
outside double quotes) and parses it with polars, so memory is bounded by the batch size, not the file size.
`.gz` files and `.zip` archives of one file (GDELT publishes its exports so) are decompressed as they stream."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl
from polars.exceptions import NoDataError

from flows.ingest.errors import UnreadableSource

EXTRA = "_extra"          # a field beyond the header's last column: the row is too long
ROW = "_row"              # 1-based data row number (header not counted; a quoted newline stays in its row)
NFIELDS = "_nfields"      # how many fields the row has (known for unquoted files; null for quoted CSV)
REPLACEMENT_CHAR = "\ufffd"
# Delimiters a header line is sniffed for (a semicolon from European spreadsheet programs, a tab from
# database exports); the first wins a tie, so a one-column header reads as comma-separated.
DELIMITERS = (",", ";", "\t", "|")
COMPRESSED_SUFFIXES = (".gz", ".zip")
DEFAULT_BATCH_ROWS = 250_000
HEAD_BYTES = 65536


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


@contextmanager
def open_stream(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes as a stream: a .gz decompressed, the one data file of a .zip; plain files as they are.
    A broken archive raises UnreadableSource('bad_archive')."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                yield f
        elif name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
                if len(members) != 1:
                    raise UnreadableSource("bad_archive", f"{path.name} holds {len(members)} files; one was expected")
                with archive.open(members[0]) as f:
                    yield f
        else:
            with path.open("rb") as f:
                yield f
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise UnreadableSource("bad_archive", f"{path.name} cannot be decompressed: {exc}") from exc


def read_head(path: Path, n_bytes: int = HEAD_BYTES) -> str:
    """The first bytes of a file (decompressed) as text (undecodable bytes replaced, BOM dropped)."""
    with open_stream(path) as f:
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


def bytes_per_row(head: str) -> float:
    """Average bytes of a line in the head of a file (to turn a batch size in rows into bytes)."""
    lines = head.count("\n")
    return max(len(head.encode("utf-8")) / max(lines, 1), 16.0)


def iter_chunks(stream: BinaryIO, quote: bytes | None, chunk_bytes: int) -> Iterator[bytes]:
    """Chunks of about chunk_bytes that end on a record boundary: a newline outside quotes (an even number of
    quote characters before it, as polars and RFC 4180 count them). A chunk with no such newline grows until
    one comes (a record longer than the chunk)."""
    carry = b""
    while True:
        block = stream.read(chunk_bytes)
        if not block:
            if carry:
                yield carry
            return
        odd = bool(quote) and carry.count(quote) % 2 == 1     # a record left open in the carried part
        cut = _record_boundary(block, quote, odd)
        if cut < 0:
            carry += block
            continue
        yield carry + block[: cut + 1] if carry else block[: cut + 1]    # one copy of the block, not two
        carry = block[cut + 1:]


def _record_boundary(data: bytes, quote: bytes | None, odd_before: bool = False) -> int:
    """Index of the last newline of data that ends a record (-1 when none does); `odd_before`: an odd number of
    quote characters came before data."""
    pos = data.rfind(b"\n")
    if quote is None or pos < 0:
        return pos
    quotes_before = data.count(quote, 0, pos) + odd_before
    while pos >= 0 and quotes_before % 2:
        prev = data.rfind(b"\n", 0, pos)
        quotes_before -= data.count(quote, prev + 1, pos)
        pos = prev
    return pos


def iter_tables(path: Path, delimiter: str | None, has_header: bool, names: list[str] | None = None,
                quote_char: str | None = '"', batch_rows: int = DEFAULT_BATCH_ROWS,
                header: list[str] | None = None, row_bytes: float | None = None) -> Iterator[RawTable]:
    """The data rows of the file in batches of about batch_rows, as RawTables whose ROW numbers run on across
    batches. With has_header the header names the columns (else `names`); a delimiter of None is sniffed from
    the header line (comma when there is no header). `header`, `delimiter` and `row_bytes` (bytes per row)
    known from sniffing save reading the head of the file again."""
    path = Path(path)
    known = row_bytes is not None and delimiter is not None and (header is not None or not has_header)
    head = "" if known else read_head(path)
    first = head.splitlines()[0] if head else ""
    if has_header:
        if delimiter is None:
            delimiter = guess_delimiter(first) if first else ","
        columns = header if header is not None else (parse_header(first, delimiter) if first else [])
    else:
        columns = list(names or [])
    delimiter = delimiter or ","
    columns = _unique_names(columns)
    if not columns:
        yield RawTable([], delimiter, pl.DataFrame(schema={ROW: pl.UInt32, EXTRA: pl.Utf8, NFIELDS: pl.Int64}))
        return
    chunk_bytes = max(int(batch_rows * (row_bytes or bytes_per_row(head))), 1024)
    quote = quote_char.encode() if quote_char else None
    offset, skip_header, produced = 1, has_header, False
    with open_stream(path) as stream:
        for i, chunk in enumerate(iter_chunks(stream, quote, chunk_bytes)):
            if i == 0 and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            if quote_char is None:
                df = _split_lines(chunk, delimiter, columns)
            else:
                df = _parse_quoted(chunk, delimiter, quote_char, columns)
            if skip_header and df.height:
                df, skip_header = df.slice(1), False
            if not df.height:
                continue
            yield RawTable(columns, delimiter, df.with_row_index(ROW, offset=offset))
            offset += df.height
            produced = True
    if not produced:
        empty = _parse_quoted(b"", delimiter, quote_char or '"', columns)
        yield RawTable(columns, delimiter, empty.with_row_index(ROW, offset=1))


def _parse_quoted(chunk: bytes, delimiter: str, quote_char: str, columns: list[str]) -> pl.DataFrame:
    internal = [f"_c{i}" for i in range(len(columns) + 1)]
    try:
        df = pl.read_csv(
            chunk, has_header=False, separator=delimiter, quote_char=quote_char,
            schema={c: pl.Utf8 for c in internal}, truncate_ragged_lines=True, encoding="utf8-lossy",
        )
    except NoDataError:
        df = pl.DataFrame(schema={c: pl.Utf8 for c in internal})
    df = df.rename(dict(zip(internal, [*columns, EXTRA], strict=True)))
    return df.with_columns(pl.lit(None, dtype=pl.Int64).alias(NFIELDS))


def _split_lines(chunk: bytes, delimiter: str, columns: list[str]) -> pl.DataFrame:
    """An unquoted file (GDELT's TSV): one row per non-empty line, split on the delimiter, so that the number
    of fields of each row is known (a row cut short is told from a row with empty last fields)."""
    text = chunk.decode("utf-8", errors="replace")
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
