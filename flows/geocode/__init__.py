"""Offline geocoding of event mentions from the country packs in data/geo/<CC>/.

    from flows.geocode import geocode_mentions, geocode_places
    geocode_places(["Alma-Ata", "Zhanaozen"], dates=[date(2011, 12, 16)] * 2)
"""

from __future__ import annotations

from flows.geocode.gazetteer import load_gazetteer, places_frame, region_name, regions_frame
from flows.geocode.mentions import geocode_mentions
from flows.geocode.places import geocode_places

__all__ = ["geocode_mentions", "geocode_places", "load_gazetteer", "places_frame", "region_name", "regions_frame"]
