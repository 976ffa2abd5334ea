"""Column expressions shared by the dataset readers: dates in several formats, coordinates, joined text."""

from __future__ import annotations

import polars as pl


def text(col: str) -> pl.Expr:
    """The column stripped, empty strings as null."""
    return pl.col(col).str.strip_chars().replace("", None)


def parse_date(expr: pl.Expr, formats: list[str]) -> pl.Expr:
    """The first format that parses (null when none does, e.g. 2022-02-30)."""
    return pl.coalesce([expr.str.to_date(fmt, strict=False, exact=True) for fmt in formats])


def parse_dates(values: pl.Series, formats: list[str]) -> pl.Series:
    """parse_date over a Series, once per distinct text (a million rows hold a few thousand dates)."""
    stripped = values.str.strip_chars()
    distinct = stripped.unique().drop_nulls().to_frame("t").with_columns(parse_date(pl.col("t"), formats).alias("d"))
    return stripped.to_frame("t").join(distinct, on="t", how="left", maintain_order="left")["d"]


def parse_dates_either_way(values: pl.Series, readings: tuple[str, str]) -> pl.DataFrame:
    """A date written one of two ways that share a form ("%d/%m/%Y" and "%m/%d/%Y"): columns `date`, the date
    when only one reading gives a date or both give the same one (25/05/2022, 05/25/2022, 05/05/2022), and
    `ambiguous`, true when the readings give two different dates (01/05/2022). Once per distinct text."""
    stripped = values.str.strip_chars()
    first, second = (pl.col("t").str.to_date(fmt, strict=False, exact=True) for fmt in readings)
    distinct = stripped.unique().drop_nulls().to_frame("t").with_columns(
        pl.when(first.is_null() | (first == second)).then(second)
        .when(second.is_null()).then(first).alias("date"),
        (first.is_not_null() & second.is_not_null() & (first != second)).alias("ambiguous"),
    )
    out = stripped.to_frame("t").join(distinct, on="t", how="left", maintain_order="left")
    return out.select("date", pl.col("ambiguous").fill_null(False))


def coordinate(col: str) -> pl.Expr:
    """A number; a decimal comma ("43,2567", from a semicolon-separated spreadsheet export) is read as a point."""
    return text(col).str.replace(r"^([+-]?\d+),(\d+)$", "${1}.${2}").cast(pl.Float64, strict=False)


def bad_coordinates(lat_col: str, lon_col: str) -> pl.Expr:
    """True when a latitude/longitude is given but is not a number or is out of range (0,0 included:
    the null island is never a real event place)."""
    def bad(pair: pl.Series) -> pl.Series:   # each column parsed once (an expression repeated is evaluated again)
        values = pair.struct.unnest().select(
            (text("y").is_not_null() | text("x").is_not_null()).alias("given"),
            coordinate("y").alias("lat"), coordinate("x").alias("lon"))
        lat, lon = pl.col("lat"), pl.col("lon")
        unusable = lat.is_null() | lon.is_null() | (lat.abs() > 90) | (lon.abs() > 180) | ((lat == 0) & (lon == 0))
        return values.select((pl.col("given") & unusable).fill_null(False)).to_series()

    return pl.struct(pl.col(lat_col).alias("y"), pl.col(lon_col).alias("x")).map_batches(bad, return_dtype=pl.Boolean)


def joined(cols: list[str], separator: str = "; ") -> pl.Expr:
    """Non-empty values of cols joined with separator (null when all are empty)."""
    return pl.concat_str([text(c) for c in cols], separator=separator, ignore_nulls=True).replace("", None)


def missing_names(cols: list[str]) -> pl.Expr:
    """The names of the empty columns among cols, comma-separated ('' when none is empty)."""
    return pl.concat_str(
        [pl.when(text(c).is_null()).then(pl.lit(c)) for c in cols], separator=", ", ignore_nulls=True
    ).fill_null("")


def mapping_frame(pairs: dict, key_names: list[str]) -> pl.DataFrame:
    """A join table from a typology mapping: {key: [type, subtype]} or {k1: {k2: [type, subtype]}}."""
    rows = []
    for k1, v1 in pairs.items():
        if len(key_names) == 2:
            for k2, v2 in v1.items():
                rows.append((str(k1), str(k2), *(v2 or (None, None))))
        else:
            rows.append((str(k1), *(v1 or (None, None))))
    cols = [*key_names, "_type", "_subtype"]
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in cols}, orient="row")
