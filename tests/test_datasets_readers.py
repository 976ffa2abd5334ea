"""The dataset readers on small files in each real format (tests/fixtures/datasets/): every row loaded or
rejected with its reason; types, dates, precision, places and counts as the codebooks define them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.ingest.datasets import DatasetResult, read_dataset, sniff_dataset
from flows.ingest.errors import UnreadableSource
from flows.model import MENTION_SCHEMA

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"
ACLED = FIXTURES / "acled_kz.csv"
GDELT = FIXTURES / "gdelt_kz.export.CSV"
MM = FIXTURES / "mass_mobilization_kz.csv"
MAPPED = FIXTURES / "ngo_monitoring_log.csv"


def read(path: Path) -> DatasetResult:
    return read_dataset(path, path.name, "sha-" + path.stem)


def reasons(res: DatasetResult) -> dict[str, str]:
    return dict(res.rejects.select("locator", "reason").iter_rows())


def by_row(res: DatasetResult, row: int, event_type: str | None = None) -> dict:
    rows = res.mentions.filter(pl.col("row_number") == row)
    if event_type:
        rows = rows.filter(pl.col("event_type") == event_type)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def assert_accounted(res: DatasetResult, expected_total: int) -> None:
    """Every data row is either loaded (>= 1 mention) or rejected, never both, never neither."""
    loaded = set(res.mentions["row_number"].to_list())
    rejected = {int(loc.removeprefix("row:")) for loc in res.rejects["locator"]}
    assert res.records_total == expected_total
    assert loaded.isdisjoint(rejected)
    assert loaded | rejected == set(range(1, expected_total + 1))
    assert res.records_loaded + res.records_rejected == res.records_total
    assert res.mentions.schema == pl.Schema(MENTION_SCHEMA)
    assert res.mentions["mention_id"].null_count() == 0
    assert res.mentions["mention_id"].n_unique() == res.mentions.height
    assert set(res.rejects["stage"]) <= {"ingest", "map"}
    assert res.rejects["raw"].null_count() == 0


@pytest.mark.parametrize(("path", "fmt"), [(ACLED, "acled"), (GDELT, "gdelt"), (MM, "mass_mobilization"),
                                           (MAPPED, "mapped_csv")])
def test_sniff_by_content(path: Path, fmt: str, tmp_path: Path) -> None:
    assert sniff_dataset(path) == fmt
    if fmt != "mapped_csv":   # a misleading name does not change the verdict
        renamed = tmp_path / "export.txt"
        renamed.write_bytes(path.read_bytes())
        assert sniff_dataset(renamed) == fmt


def test_unknown_file_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "budget.csv"
    other.write_text("year,amount\n2021,10\n", encoding="utf-8")
    assert sniff_dataset(other) is None
    with pytest.raises(UnreadableSource) as err:
        read_dataset(other, "budget.csv", "x")
    assert err.value.reason == "unknown_format"


def test_acled_every_row_accounted() -> None:
    res = read(ACLED)
    assert res.format == "acled"
    assert_accounted(res, 11)
    assert reasons(res) == {"row:5": "out_of_scope", "row:6": "bad_date", "row:7": "bad_coordinates",
                            "row:9": "unknown_country", "row:10": "truncated_row", "row:11": "bad_encoding"}
    raw = res.rejects.filter(pl.col("locator") == "row:6")["raw"][0]
    assert raw.startswith("KAZ4006,2022-02-30,")


def test_acled_fields() -> None:
    res = read(ACLED)
    oil = by_row(res, 1)
    assert (oil["event_type"], oil["subtype"], oil["country"]) == ("protest", "peaceful_protest", "KZ")
    assert (oil["date_start"], oil["date_end"], oil["date_precision"]) == (date(2022, 1, 5), date(2022, 1, 5), "day")
    assert (oil["participants_low"], oil["participants_high"]) == (200, 999)      # crowd size=hundreds
    assert (oil["location_text"], oil["admin1_text"], oil["geo_precision"]) == ("Almaty", "Almaty", "place")
    assert (oil["lat"], oil["lon"]) == (43.2567, 76.9286)
    assert oil["source_event_id"] == "KAZ4001" and oil["source_kind"] == "acled"
    assert oil["quote"].startswith("On 5 January 2022, hundreds of oil workers")
    assert oil["extractor"].startswith("eventflow-acled/")
    students = by_row(res, 2)
    assert (students["participants_low"], students["participants_high"]) == (40, 60)   # around 50
    arrest = by_row(res, 3)        # "06 January 2022", time_precision 2: the week around it
    assert (arrest["event_type"], arrest["subtype"]) == ("detention", "arrest")
    assert (arrest["date_start"], arrest["date_end"], arrest["date_precision"]) == (
        date(2022, 1, 3), date(2022, 1, 9), "week")
    assert arrest["targets"] == "Civilians (Kazakhstan); Journalists (Kazakhstan)"
    riot = by_row(res, 4)          # time_precision 3: the month; geo_precision 3: the province
    assert (riot["subtype"], riot["date_start"], riot["date_end"], riot["date_precision"]) == (
        "riot", date(2022, 1, 1), date(2022, 1, 31), "month")
    assert riot["geo_precision"] == "admin1"
    assert (riot["fatalities_low"], riot["fatalities_high"]) == (2, 2)
    force = by_row(res, 8)         # a quoted note spanning three lines stays one row
    assert (force["event_type"], force["subtype"]) == ("attack", "assault")
    assert force["quote"].count("\n") == 2


def test_gdelt_every_row_accounted() -> None:
    res = read(GDELT)
    assert res.format == "gdelt"
    assert_accounted(res, 10)
    assert reasons(res) == {"row:5": "out_of_scope", "row:6": "bad_date", "row:8": "bad_coordinates",
                            "row:9": "truncated_row"}


def test_gdelt_fields() -> None:
    res = read(GDELT)
    rally = by_row(res, 1)
    assert (rally["event_type"], rally["subtype"], rally["date_start"], rally["date_precision"]) == (
        "protest", "peaceful_protest", date(2022, 1, 5), "day")
    assert (rally["location_text"], rally["admin1_text"], rally["country"], rally["geo_precision"]) == (
        "Almaty", "KZ-75", "KZ", "place")          # the FIPS ADM1 code KZ02 as its ISO 3166-2 code
    assert rally["source_url"] == "https://example.kz/news/2022/01/05/students-rally-almaty"
    assert rally["source_event_id"] == "1023456701" and rally["actors"] == "STUDENT"
    assert rally["quote"] is None
    arrest = by_row(res, 4)        # CAMEO 173: detention, its ambiguity kept visible
    assert (arrest["event_type"], arrest["subtype"]) == ("detention", "arrest")
    assert "charge with legal action" in arrest["notes"]
    assert arrest["confidence"] < rally["confidence"]
    assert by_row(res, 7)["geo_precision"] == "country"                    # ActionGeo_Type 1
    assert by_row(res, 10)["subtype"] == "torture"                        # 1822: longest prefix wins


def test_gdelt_with_header(tmp_path: Path) -> None:
    """A GDELT export saved as CSV with its column names as header (e.g. from BigQuery)."""
    from flows.ingest.datasets.spec import source_spec

    cols = source_spec("gdelt")["columns"]
    lines = GDELT.read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "gdelt.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([cols, *(ln.split("\t") for ln in lines)])
    assert sniff_dataset(path) == "gdelt"
    res = read_dataset(path, "gdelt.csv", "x")
    assert res.records_total == 2 and res.records_loaded == 2
    assert set(res.mentions["location_text"]) == {"Almaty"}


def test_mass_mobilization_every_row_accounted() -> None:
    res = read(MM)
    assert res.format == "mass_mobilization"
    assert_accounted(res, 8)
    assert reasons(res) == {"row:2": "out_of_scope", "row:5": "bad_date", "row:6": "unknown_country",
                            "row:8": "truncated_row"}
    assert "not a protest" in res.rejects.filter(pl.col("locator") == "row:2")["detail"][0]


def test_mass_mobilization_protest_and_implied_events() -> None:
    res = read(MM)
    protest = by_row(res, 1, "protest")
    assert (protest["date_start"], protest["date_end"]) == (date(2022, 1, 5), date(2022, 1, 6))
    assert (protest["participants_low"], protest["participants_high"]) == (100, 999)    # "100s"
    assert (protest["actors"], protest["country"], protest["location_text"]) == ("oil workers", "KZ", "Almaty")
    detention = by_row(res, 1, "detention")          # stateresponse1 = arrests
    assert detention["subtype"] == "mass_detention"
    assert detention["linked_mention_id"] == protest["mention_id"]
    assert detention["targets"] == "oil workers"
    assert res.mentions.filter(pl.col("row_number") == 1).height == 2     # crowd dispersal implies nothing
    riot = by_row(res, 3, "protest")
    assert riot["subtype"] == "riot" and (riot["participants_low"], riot["participants_high"]) == (24, 99)
    attacks = res.mentions.filter((pl.col("row_number") == 3) & (pl.col("event_type") == "attack"))
    assert sorted(attacks["subtype"]) == ["armed_attack", "assault"]         # shootings+killings, beatings
    assert set(attacks["linked_mention_id"]) == {riot["mention_id"]}
    assert attacks.filter(pl.col("subtype") == "armed_attack")["fatalities_low"][0] == 1
    national = by_row(res, 4)
    assert national["geo_precision"] == "country" and national["location_text"] is None
    assert (national["participants_low"], national["participants_high"]) == (1000, 1999)   # category
    arrested = by_row(res, 7, "detention")                                  # "4000 arrested"
    assert (arrested["detained_low"], arrested["detained_high"]) == (4000, 4000)
    assert by_row(res, 7, "protest")["admin1_text"] == "Almaty region"


def test_mapped_csv() -> None:
    res = read(MAPPED)
    assert res.format == "mapped_csv"
    assert_accounted(res, 5)
    assert reasons(res) == {"row:3": "out_of_scope", "row:4": "bad_date", "row:5": "missing_field"}
    rally = by_row(res, 1)
    assert (rally["event_type"], rally["date_start"], rally["participants_low"], rally["participants_high"]) == (
        "protest", date(2022, 1, 5), 240, 360)
    detained = by_row(res, 2)
    assert (detained["date_start"], detained["date_end"]) == (date(2022, 1, 6), date(2022, 1, 8))
    assert (detained["detained_low"], detained["detained_high"], detained["country"]) == (24, 99, "KZ")


def test_mapped_csv_bad_mapping(tmp_path: Path) -> None:
    data = tmp_path / "log.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "log.mapping.yaml").write_text("columns: {date_start: a}\n", encoding="utf-8")
    with pytest.raises(UnreadableSource) as err:
        read_dataset(data, "log.csv", "x")
    assert err.value.reason == "bad_mapping"


@pytest.mark.parametrize(("yaml_text", "said"), [
    ("columns: 42\n", "columns must be a mapping of mention field to column, not int"),
    ("- columns\n", "must hold a mapping"),
    ("columns: {date_start: [a, b]}\nevent_type: {column: b, values: {x: [protest, peaceful_protest]}}\n"
     "defaults: {country: KZ}\n", "columns.date_start must name one column"),
    ("columns: {date_start: a}\nevent_type: [b]\ndefaults: {country: KZ}\n", "event_type must be a mapping"),
    ("columns: {date_start: a}\nevent_type: {column: b, values: {x: [protest, peaceful_protest]}}\n"
     "defaults: KZ\n", "defaults must be a mapping of field to value, not str"),
])
def test_a_mapping_of_the_wrong_shape_is_a_bad_mapping_that_says_which_key(tmp_path: Path, yaml_text: str,
                                                                            said: str) -> None:
    data = tmp_path / "log.csv"
    data.write_text("a,b\n2022-01-05,x\n", encoding="utf-8")
    (tmp_path / "log.mapping.yaml").write_text(yaml_text, encoding="utf-8")
    with pytest.raises(UnreadableSource) as err:
        read_dataset(data, "log.csv", "x")
    assert err.value.reason == "bad_mapping" and said in str(err.value), str(err.value)


def test_reading_twice_gives_the_same_mentions() -> None:
    first, second = read(ACLED), read(ACLED)
    assert first.mentions.equals(second.mentions) and first.rejects.equals(second.rejects)


def test_acled_regions_current_and_at_event_through_the_geocoder(tmp_path: Path) -> None:
    """The reader leaves regions to the geocoder: a 2017 ACLED row in Shymkent gets the region in force then
    (South Kazakhstan, KZ-YUZ) and the current one (Shymkent city, KZ-79)."""
    from flows.geocode import geocode_mentions

    header, first = ACLED.read_bytes().decode("utf-8", errors="replace").splitlines()[:2]
    row = (first.replace("KAZ4001", "KAZ1701").replace("2022-01-05", "2017-03-01")
           .replace("Almaty,,,Almaty,43.2567,76.9286", "South Kazakhstan,,,Shymkent,42.3,69.6"))
    path = tmp_path / "acled_2017.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    res = read_dataset(path, path.name, "x")
    assert res.records_loaded == 1, res.rejects
    located = geocode_mentions(res.mentions).row(0, named=True)
    assert (located["admin1_text"], located["place_name"]) == ("South Kazakhstan", "Shymkent")
    assert (located["admin1_iso"], located["admin1_iso_at_event"]) == ("KZ-79", "KZ-YUZ")
