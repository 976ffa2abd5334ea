"""review_status in what users get: the export columns and the map's data (counts of reviewed events, popups)."""

from __future__ import annotations

from datetime import date

import polars as pl

from flows.export import export_frame
from flows.model import EVENT_SCHEMA, EXPORT_COLUMNS
from flows.publish.eventdata import conform_events
from flows.publish.markers import place_markers


def _events() -> pl.DataFrame:
    rows = [dict(event_id=f"e_{i}", event_type="protest", subtype="peaceful_protest", date_start=date(2022, 1, 5),
                 date_end=date(2022, 1, 5), country="KZ", lat=43.25, lon=76.91, place_name="Almaty",
                 geo_precision="place", admin1_iso="KZ-75", review_status=status, quote=f"q{i}")
            for i, status in enumerate(["confirmed", "unreviewed", "corrected", "added", None])]
    return conform_events(pl.DataFrame(rows))


def test_export_has_review_status_after_the_contract_columns():
    frame = export_frame(_events().select(list(EVENT_SCHEMA)))
    assert frame.columns[:len(EXPORT_COLUMNS)] == EXPORT_COLUMNS and frame.columns[-1] == "review_status"


def test_map_markers_count_reviewed_events_and_popups_name_the_status():
    (almaty,), _total = place_markers(_events(), ["2022-01"])
    assert almaty["c"] == [[0, 0, 5, 3]]               # type, month, events, reviewed (confirmed/corrected/added)
    statuses = sorted(e["rs"] for e in almaty["ev"])
    assert statuses == ["added", "confirmed", "corrected", "unreviewed", "unreviewed"]
    assert sum(e["r"] for e in almaty["ev"]) == 3
