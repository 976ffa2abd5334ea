"""Regressions from the QA pass on the dataset readers: country-only GDELT places, sniffed delimiters, short
GDELT rows, ambiguous ACLED dates, contradictory country codes, mapping and format errors that say what is
wrong, negative counts. Every test checks that each row is loaded or rejected once."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.geocode import geocode_mentions
from flows.ingest.datasets import DatasetResult, read_dataset, sniff_dataset
from flows.ingest.datasets.counts import parse_count
from flows.ingest.errors import UnreadableSource

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
ACLED = FIXTURES / "acled_kz.csv"
GDELT = FIXTURES / "gdelt_kz.export.CSV"
MM = FIXTURES / "mass_mobilization_kz.csv"
MAPPED = FIXTURES / "ngo_monitoring_log.csv"


def read(path: Path) -> DatasetResult:
    res = read_dataset(path, path.name, "x")
    assert res.records_loaded + res.records_rejected == res.records_total
    return res


def reasons(res: DatasetResult) -> dict[str, str]:
    return dict(res.rejects.select("locator", "reason").iter_rows())


def detail(res: DatasetResult, row: int) -> str:
    return res.rejects.filter(pl.col("locator") == f"row:{row}")["detail"][0]


def acled_rows(n: int = 4) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the first n rows of the ACLED fixture, as dicts."""
    with ACLED.open(encoding="utf-8", errors="replace", newline="") as f:   # its last row is not UTF-8
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), [row for _, row in zip(range(n), reader, strict=False)]


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, header, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def gdelt_line(n: int) -> list[str]:
    return GDELT.read_text(encoding="utf-8").splitlines()[n - 1].split("\t")


# 1. GDELT records known only to the country carry no point (their lat/lon is the country's centroid).

def test_gdelt_country_only_row_has_no_point_and_no_region(tmp_path: Path) -> None:
    path = tmp_path / "one.export.CSV"
    path.write_text("\t".join(gdelt_line(7)) + "\n", encoding="utf-8")
    res = read(path)
    assert (res.records_total, res.records_loaded, res.records_rejected) == (1, 1, 0)
    row = res.mentions.row(0, named=True)
    assert (row["geo_precision"], row["lat"], row["lon"], row["location_text"]) == ("country", None, None, None)
    located = geocode_mentions(res.mentions).row(0, named=True)
    assert (located["geo_precision"], located["lat"], located["lon"]) == ("country", None, None)
    assert (located["admin1_iso"], located["admin1_iso_at_event"], located["geo_flag"]) == (None, None, None)


def test_gdelt_world_state_is_admin1_precision(tmp_path: Path) -> None:
    fields = gdelt_line(1)
    fields[51] = "5"                                   # ActionGeo_Type 5: a first-level division abroad
    fields[52] = "Almaty, Kazakhstan"
    path = tmp_path / "state.export.CSV"
    path.write_text("\t".join(fields) + "\n", encoding="utf-8")
    row = read(path).mentions.row(0, named=True)
    assert (row["geo_precision"], row["admin1_text"]) == ("admin1", "KZ-75")   # FIPS KZ02 as its ISO 3166-2 code
    fields[54] = "KZ99"                                 # an ADM1 code no table knows: the name from the place name
    path.write_text("\t".join(fields) + "\n", encoding="utf-8")
    assert read(path).mentions.row(0, named=True)["admin1_text"] == "Almaty"
    assert (row["lat"], row["lon"]) == (43.25, 76.95)


# 2. A delimiter other than a comma is sniffed from the header line.

def test_semicolon_acled_export_reads_like_the_comma_one(tmp_path: Path) -> None:
    header, rows = acled_rows(4)
    comma = read(write_csv(tmp_path / "comma.csv", header, rows))
    european = [{**r, "latitude": r["latitude"].replace(".", ","), "longitude": r["longitude"].replace(".", ",")}
                for r in rows]                          # decimal commas, as such a spreadsheet writes them
    semi_path = write_csv(tmp_path / "semi.csv", header, european, delimiter=";")
    assert sniff_dataset(semi_path) == "acled"
    semi = read(semi_path)
    assert (semi.records_total, semi.records_loaded, semi.records_rejected) == (4, 4, 0), semi.rejects
    cols = ["event_type", "subtype", "date_start", "lat", "lon", "location_text", "actors", "quote"]
    assert semi.mentions.select(cols).equals(comma.mentions.select(cols))


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_mass_mobilization_and_mapped_csv_with_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    for src, name in ((MM, "mm.csv"), (MAPPED, "log.csv")):
        with src.open(encoding="utf-8", newline="") as f:
            records = list(csv.reader(f))
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=delimiter).writerows(records)
        if src == MAPPED:   # the mapping names no delimiter: sniffed
            mapping = (FIXTURES / "ngo_monitoring_log.mapping.yaml").read_text(encoding="utf-8")
            (tmp_path / "log.mapping.yaml").write_text(mapping.replace('delimiter: ","\n', ""), encoding="utf-8")
        original, copy = read(src), read(path)
        assert (copy.records_total, copy.records_loaded) == (original.records_total, original.records_loaded)
        assert reasons(copy) == reasons(original)


# 3. A GDELT row with fewer than 61 fields is cut short.

def test_gdelt_row_without_sourceurl_field_is_truncated(tmp_path: Path) -> None:
    cut = gdelt_line(1)[:60]                            # DATEADDED kept, SOURCEURL field gone
    empty_url = [*gdelt_line(2)[:60], ""]               # all 61 fields, SOURCEURL empty: complete
    path = tmp_path / "cut.export.CSV"
    path.write_text("\t".join(cut) + "\n" + "\t".join(empty_url) + "\n", encoding="utf-8")
    assert sniff_dataset(path) == "gdelt"               # a short first row does not hide the format
    res = read(path)
    assert (res.records_total, res.records_loaded, res.records_rejected) == (2, 1, 1)
    assert reasons(res) == {"row:1": "truncated_row"}
    assert "60 of the 61 fields" in detail(res, 1)
    assert res.mentions["source_url"].to_list() == [None]


# 4. ACLED dates: its documented formats; a slash date only when it cannot be read two ways.

def test_acled_slash_dates(tmp_path: Path) -> None:
    header, rows = acled_rows(1)
    dates = ["01/05/2022", "25/05/2022", "05/25/2022", "05/05/2022", "2022-05-01", "01 May 2022"]
    out = [{**rows[0], "event_id_cnty": f"KAZ9{i}", "event_date": d} for i, d in enumerate(dates)]
    res = read(write_csv(tmp_path / "dates.csv", header, out))
    assert (res.records_total, res.records_loaded, res.records_rejected) == (6, 5, 1)
    assert reasons(res) == {"row:1": "bad_date"}
    assert "ambiguous" in detail(res, 1) and "01/05/2022" in detail(res, 1)
    got = dict(res.mentions.select("row_number", "date_start").iter_rows())
    assert got == {2: date(2022, 5, 25), 3: date(2022, 5, 25), 4: date(2022, 5, 5), 5: date(2022, 5, 1),
                   6: date(2022, 5, 1)}


# 5. Coordinates outside the row's country are flagged, never moved; a row naming two countries is refused.

def test_acled_kazakh_row_with_coordinates_in_tashkent_is_flagged(tmp_path: Path) -> None:
    header, rows = acled_rows(1)
    tashkent = {**rows[0], "latitude": "41.31", "longitude": "69.28"}
    res = read(write_csv(tmp_path / "tashkent.csv", header, [tashkent]))
    assert res.records_loaded == 1
    row = geocode_mentions(res.mentions).row(0, named=True)
    assert row["country"] == "KZ"
    assert (row["lat"], row["lon"], row["geo_precision"]) == (41.31, 69.28, "place")
    assert "coords_outside_country" in row["geo_flag"].split(";")


def test_acled_iso_and_country_name_disagree(tmp_path: Path) -> None:
    header, rows = acled_rows(2)
    edited = {**rows[0], "iso": "860"}                 # Uzbekistan's code, "Kazakhstan" as the country
    res = read(write_csv(tmp_path / "conflict.csv", header, [edited, rows[1]]))
    assert (res.records_total, res.records_loaded, res.records_rejected) == (2, 1, 1)
    assert reasons(res) == {"row:1": "unknown_country"}
    assert "two countries" in detail(res, 1) and "UZ" in detail(res, 1) and "KZ" in detail(res, 1)


# 6. Mapping and format errors name what is wrong.

def _mapped(tmp_path: Path, mapping: str) -> Path:
    data = tmp_path / "log.csv"
    data.write_bytes(MAPPED.read_bytes())
    (tmp_path / "log.mapping.yaml").write_text(mapping, encoding="utf-8")
    return data


def test_mapping_subtype_typo_is_named_once(tmp_path: Path) -> None:
    mapping = (FIXTURES / "ngo_monitoring_log.mapping.yaml").read_text(encoding="utf-8")
    data = _mapped(tmp_path, mapping.replace("[protest, peaceful_protest]", "[protest, peaceful_protets]"))
    with pytest.raises(UnreadableSource) as err:
        read_dataset(data, "log.csv", "x")
    assert err.value.reason == "bad_mapping"
    assert "event_type.values.rally: 'peaceful_protets' is not a subtype of protest" in err.value.detail
    assert "did you mean 'peaceful_protest'" in err.value.detail


def test_mapping_unknown_key_is_named(tmp_path: Path) -> None:
    mapping = (FIXTURES / "ngo_monitoring_log.mapping.yaml").read_text(encoding="utf-8")
    data = _mapped(tmp_path, mapping.replace("columns:", "colums:"))
    with pytest.raises(UnreadableSource) as err:
        read_dataset(data, "log.csv", "x")
    assert err.value.reason == "bad_mapping"
    assert "unknown key 'colums' (did you mean 'columns'?)" in err.value.detail


def test_acled_looking_file_without_event_date_names_the_missing_column(tmp_path: Path) -> None:
    header, rows = acled_rows(2)
    header = [c for c in header if c != "event_date"]
    path = write_csv(tmp_path / "acled.csv", header, [{k: v for k, v in r.items() if k in header} for r in rows])
    assert sniff_dataset(path) == "acled"
    with pytest.raises(UnreadableSource) as err:
        read_dataset(path, "acled.csv", "x")
    assert err.value.reason == "unknown_format"
    assert "looks like an ACLED export" in err.value.detail and "event_date" in err.value.detail


def test_unrelated_csv_is_still_unknown(tmp_path: Path) -> None:
    path = tmp_path / "budget.csv"
    path.write_text("year,amount,country,location\n2021,10,KZ,Almaty\n", encoding="utf-8")
    assert sniff_dataset(path) is None


# 7. A negative count is refused, never made positive.

def test_negative_counts_are_rejected(tmp_path: Path) -> None:
    text = MAPPED.read_text(encoding="utf-8").replace('"around 300"', '"-5"')
    data = tmp_path / "log.csv"
    data.write_text(text, encoding="utf-8")
    (tmp_path / "log.mapping.yaml").write_bytes((FIXTURES / "ngo_monitoring_log.mapping.yaml").read_bytes())
    res = read(data)
    assert reasons(res)["row:1"] == "bad_count"
    assert detail(res, 1) == "crowd '-5' is a negative count"
    assert res.records_total == 5 and res.records_loaded == 1
    assert parse_count("-5") == (-5, -5) and parse_count("5") == (5, 5) and parse_count("5-10") == (5, 10)

    header, rows = acled_rows(2)
    res = read(write_csv(tmp_path / "acled.csv", header, [{**rows[0], "fatalities": "-1"}, rows[1]]))
    assert reasons(res) == {"row:1": "bad_count"}
    assert (res.records_loaded, res.records_rejected) == (1, 1)
