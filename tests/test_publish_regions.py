"""Assignment of events to the units of each division of a pack (the README's rules)."""

from pathlib import Path

import polars as pl
import pytest

from flows.geo_packs import packs
from flows.publish.eventdata import conform_events
from flows.publish.regions import assign, nesting, population_table, units_of

FIXTURE = Path(__file__).parent / "fixtures" / "publish" / "events.csv"


@pytest.fixture(scope="module")
def kz():
    return packs()["KZ"]


@pytest.fixture(scope="module")
def events():
    df = conform_events(pl.read_csv(FIXTURE, infer_schema_length=0))
    return df.filter(pl.col("admin1_iso").is_null() | pl.col("admin1_iso").str.starts_with("KZ-"))


def _placed(events, pack, layer) -> dict[str, str | None]:
    names = units_of(layer).column("name")
    return {e: (names[i] if i >= 0 else None) for e, i in zip(events["event_id"], assign(events, pack, layer),
                                                               strict=True)}


def test_current_division_uses_current_codes_and_points(kz, events):
    got = _placed(events, kz, kz.current_layer)
    assert got["e05"] == "Astana"                 # Nur-Sultan 2020 lands in Astana, not outside every region
    assert got["e06"] == "Shymkent"               # 2017 event coded KZ-YUZ, point in today's Shymkent
    assert got["e08"] == "Abai Region"            # Semey: Abai since 2022
    assert got["e09"] == "Abai Region"            # no point, current code KZ-10
    assert got["e07"] is None                     # South Kazakhstan without a point: split, cannot be placed


def test_2016_division_by_code_in_validity_and_nesting(kz, events):
    layer = next(x for x in kz.admin1_layers if x.vintage == "2016")
    got = _placed(events, kz, layer)
    assert got["e06"] == "South Kazakhstan Region"
    assert got["e07"] == "South Kazakhstan Region"   # code of the unit in force on the event date
    assert got["e09"] == "East Kazakhstan Region"    # KZ-63 (2018 division) is the same unit in 2016
    assert got["e05"] == "Astana"


def test_2018_division_does_not_nest_a_split_region(kz, events):
    layer = next(x for x in kz.admin1_layers if x.vintage == "2018")
    got = _placed(events, kz, layer)
    assert got["e06"] == "Shymkent"
    assert got["e07"] is None                     # South Kazakhstan 2016 is Turkistan + Shymkent in 2018
    assert got["e08"] == "East Kazakhstan Region"


def test_nesting_maps_split_units_only_when_wholly_inside(kz):
    by_vintage = {x.vintage: units_of(x) for x in kz.admin1_layers}
    current, v2016 = by_vintage["current"], by_vintage["2016"]
    nest = nesting(current, v2016)
    names_now, names_2016 = current.column("name"), v2016.column("name")
    mapped = {names_now[i]: (names_2016[t] if t >= 0 else None) for i, t in enumerate(nest)}
    assert mapped["Shymkent"] == "South Kazakhstan Region"
    assert mapped["Ulytau Region"] == "Karaganda Region"
    assert mapped["Abai Region"] == "East Kazakhstan Region"
    back = nesting(v2016, current)
    assert back[names_2016.index("South Kazakhstan Region")] == -1


def test_population_uses_the_division_frame_and_the_nearest_year(kz):
    units = units_of(kz.current_layer)
    table = population_table(kz, units, [2010, 2022, 2023, 2030])
    names = units.column("name")
    shymkent = table[names.index("Shymkent")]
    assert shymkent[0] == shymkent[1]             # 2010 is before the current frame: nearest year (2022)
    assert shymkent[3] == shymkent[2]             # 2030 -> 2023
    assert all(v and v > 100_000 for row in table for v in row)


def test_map_note_tells_country_level_events_from_unplaceable_ones():
    from datetime import date

    import polars as pl

    from flows.geo_packs import pack
    from flows.publish.choropleth import map_payload
    from flows.publish.eventdata import conform_events, events_connection
    from flows.publish.scope import create_scope

    kz = pack("KZ")
    events = conform_events(pl.DataFrame([
        {"event_id": "a", "event_type": "protest", "date_start": date(2016, 5, 21), "geo_precision": "country",
         "country": "KZ"},
        {"event_id": "b", "event_type": "protest", "date_start": date(2017, 5, 21), "geo_precision": "admin1",
         "country": "KZ", "admin1_iso_at_event": "KZ-YUZ"},      # South Kazakhstan, split in 2018, no point
        {"event_id": "c", "event_type": "trial", "date_start": date(2016, 7, 1), "geo_precision": "place",
         "country": "KZ", "admin1_iso": "KZ-75", "admin1_iso_at_event": "KZ-75", "lat": 43.25, "lon": 76.91},
    ]))
    scope = create_scope(events_connection(events), "KZ", kz)
    notes = map_payload(scope, kz, kz.current_layer, ([], 0))["notes"]
    assert (notes["countryOnly"], notes["unplaced"], notes["total"]) == (1, 1, 3)
