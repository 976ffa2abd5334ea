"""Monthly counts, largest events and the place markers behind the pages."""

from datetime import date

import polars as pl

from flows.publish.eventdata import conform_events
from flows.publish.markers import MAX_POPUP_EVENTS, place_markers
from flows.publish.timeline import largest_events, monthly_counts, timeline_png


def _events(rows: list[dict]) -> pl.DataFrame:
    return conform_events(pl.DataFrame(rows))


def test_monthly_counts_fill_empty_months_and_split_by_type():
    events = _events([
        {"event_id": "a", "event_type": "protest", "date_start": date(2021, 11, 3)},
        {"event_id": "b", "event_type": "protest", "date_start": date(2022, 1, 5)},
        {"event_id": "c", "event_type": "trial", "date_start": date(2022, 1, 20)},
        {"event_id": "d", "event_type": "trial", "date_start": None},
    ])
    months, series = monthly_counts(events)
    assert months == ["2021-11", "2021-12", "2022-01"]
    assert series["protest"] == [1, 0, 1]
    assert series["trial"] == [0, 0, 1]
    assert series["attack"] == [0, 0, 0]


def test_largest_events_rank_by_the_biggest_count_range():
    events = _events([
        {"event_id": "a", "event_type": "protest", "date_start": date(2022, 1, 5), "place_name": "Almaty",
         "participants_low": 5000, "participants_high": 10000},
        {"event_id": "b", "event_type": "detention", "date_start": date(2022, 1, 6), "detained_low": 12000},
        {"event_id": "c", "event_type": "attack", "date_start": date(2022, 1, 7), "fatalities_low": 3,
         "fatalities_high": 4},
        {"event_id": "d", "event_type": "trial", "date_start": date(2022, 1, 8)},
    ])
    top = largest_events(events)
    assert [e["type"] for e in top] == ["detention", "protest", "attack"]   # d has no count: not ranked
    assert top[1]["counts"] == "5,000–10,000 participants"
    assert top[2]["counts"] == "3–4 killed"


def test_markers_are_one_per_place_with_capped_popups():
    rows = [{"event_id": f"e{i}", "event_type": "protest", "date_start": date(2022, 1, 1 + i % 28),
             "geo_precision": "place", "lat": 43.25, "lon": 76.91, "place_name": "Almaty",
             "participants_low": i} for i in range(40)]
    rows.append({"event_id": "x", "event_type": "trial", "date_start": date(2022, 2, 1), "geo_precision": "admin1",
                 "lat": 43.0, "lon": 77.0, "place_name": "Almaty Region"})
    events = _events(rows)
    markers, _ = place_markers(events, ["2022-01", "2022-02"])
    assert len(markers) == 1                                   # admin-1 precision events get no marker
    almaty = markers[0]
    assert sum(c[2] for c in almaty["c"]) == 40
    assert len(almaty["ev"]) == MAX_POPUP_EVENTS
    assert almaty["ev"][0]["n"] == "39 participants"           # the largest first


def test_timeline_png_for_no_events_is_a_png():
    assert timeline_png(_events([])).startswith(b"\x89PNG")


def test_events_known_only_to_the_year_stay_out_of_the_monthly_bars():
    from flows.publish.timeline import coarse_counts, display_date

    events = _events([
        {"event_id": "a", "event_type": "protest", "date_start": date(2011, 1, 1), "date_precision": "year"},
        {"event_id": "b", "event_type": "trial", "date_start": date(2016, 5, 1), "date_precision": "month",
         "detained_low": 40, "detained_high": 40},
        {"event_id": "c", "event_type": "trial", "date_start": date(2016, 7, 21), "date_precision": "day"},
    ])
    months, series = monthly_counts(events)
    assert months[0] == "2016-05" and series["trial"] == [1, 0, 1]
    assert coarse_counts(events) == {"2011": 1}
    assert largest_events(events)[0]["date"] == "May 2016"
    assert display_date(date(2011, 1, 1), "year") == "2011"
    assert timeline_png(events).startswith(b"\x89PNG")
