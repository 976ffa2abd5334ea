"""Offline geocoding of event mentions in every country: a country pack's gazetteer and boundary vintages
where there is one (data/geo/<CC>/), the world layer (Natural Earth admin-1, GeoNames places) elsewhere.

    from flows.geocode import geocode_mentions, geocode_places, countries_in_text
    geocode_places(["Alma-Ata", "Zhanaozen"], dates=[date(2011, 12, 16)] * 2)
    geocode_places(["Osh", "Khorog"], country="KG")
    countries_in_text("Police in Osh detained 12 Kyrgyz activists.")     # [CountryMention('KG', ...)]
"""

from __future__ import annotations

from flows.geocode.countries import CountryMention, countries_in_text, text_country
from flows.geocode.gazetteer import load_gazetteer, places_frame, region_name, regions_frame
from flows.geocode.mentions import geocode_mentions
from flows.geocode.places import geocode_places

__all__ = ["CountryMention", "countries_in_text", "geocode_mentions", "geocode_places", "load_gazetteer",
           "places_frame", "region_name", "regions_frame", "text_country"]
