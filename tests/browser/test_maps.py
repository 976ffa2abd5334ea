"""The generated pages in a real headless Chromium (Debian's chromium, network blocked).

In CI (CI=true) a missing Chromium or Playwright is a failure; locally these tests skip with the reason
(the `chromium` fixture of conftest.py).
"""

from pathlib import Path

import polars as pl
import pytest

from flows.config import Settings
from flows.publish import publish

FIXTURE = Path(__file__).parent.parent / "fixtures" / "publish" / "events.csv"


@pytest.fixture(scope="module")
def maps(chromium, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("maps")
    publish(pl.read_csv(FIXTURE, infer_schema_length=0), out, Settings())
    return out


@pytest.fixture
def browser(maps):
    from flows.publish.browser import open_page

    with open_page(1400, 900) as session:
        yield session
    # nothing the page did may have left the machine, and nothing may have run from the data
    assert session.blocked == [], session.blocked
    assert all(url.startswith(("file:", "data:", "about:", "blob:")) for url in session.requests), session.requests
    assert session.dialogs == []
    assert session.errors == [], session.errors


def _fills(page) -> list[str]:
    return page.eval_on_selector_all(
        "path.ef-region", "ps => ps.map(p => p.getAttribute('fill'))")


def test_country_map_draws_regions_markers_and_controls(browser, maps):
    from flows.publish.browser import load

    page = browser.page
    load(browser, maps / "country_kz.html")
    assert len(_fills(page)) == 20                          # every current region is drawn
    assert page.locator(".ef-place, .ef-cluster").count() >= 3
    assert page.locator(".ef-label").count() == 20
    before = _fills(page)
    assert len(set(before)) > 2                             # a real scale, not one colour
    page.select_option("#ef-type", "protest")
    protest = _fills(page)
    assert protest != before
    assert "Protest events" in page.inner_text(".ef-legend")
    page.select_option("#ef-type", "detention")
    assert _fills(page) != protest
    page.select_option("#ef-type", "all")
    assert _fills(page) == before
    page.select_option("#ef-measure", "rate")
    assert "per 100,000 people" in page.inner_text(".ef-legend")
    # the time control: only the last month (2023-04: one detention in Oral) leaves one region coloured
    page.eval_on_selector("#ef-from", "s => { s.value = s.max; s.dispatchEvent(new Event('input')); }")
    assert "2023-04" in page.inner_text(".ef-period")
    fills = _fills(page)
    assert len([f for f in fills if f != "#e8e8e8"]) == 1
    # a region tooltip shows name, counts and rate
    page.hover("path.ef-region >> nth=2", force=True)
    assert "Per 100,000 people" in page.inner_text(".leaflet-tooltip-pane")


def test_injected_markup_in_sources_renders_as_text(browser, maps):
    from flows.publish.browser import load

    page = browser.page
    load(browser, maps / "country_kz.html")
    # zoom to the deepest level at Almaty so every place is its own marker, then open every popup there
    texts = page.evaluate("""() => {
        const ef = window.eventflow;
        ef.map.setView([43.25249, 76.9115], ef.map.getMaxZoom(), {animate: false});
        const out = [];
        ef.map.eachLayer(l => { if (l instanceof L.CircleMarker && l.getPopup()) {
            l.openPopup(); out.push(l.getPopup().getElement().innerText); l.closePopup(); } });
        return out;
    }""")
    assert len(texts) == 10                                    # every place is its own marker at this zoom
    joined = "\n".join(texts)
    assert "<script>window.__xss = 1</script>" in joined       # shown as text ...
    assert '"><img src=x onerror="window.__xss=2">' in joined
    assert "<b>Almaty</b> {{ 7*7 }}" in joined
    assert page.evaluate("typeof window.__xss") == "undefined"  # ... and never executed
    assert page.locator("img[src=x], .leaflet-popup-pane b:text-is('Almaty')").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0


def test_older_division_map_names_its_division(browser, maps):
    from flows.publish.browser import load

    page = browser.page
    load(browser, maps / "country_kz_2016.html")
    assert len(_fills(page)) == 16
    assert "Regions: 2016 division" in page.inner_text(".ef-note")
    assert "South Kazakhstan Region" in page.inner_text(".leaflet-ef-labels-pane")


def test_world_overview_and_index_link_the_country_maps(browser, maps):
    from flows.publish.browser import load

    page = browser.page
    load(browser, maps / "world.html")
    fills = _fills(page)
    assert len(fills) > 200 and len([f for f in fills if f != "#e8e8e8"]) == 2     # Kazakhstan and Uzbekistan
    assert page.locator(".ef-label").count() == 2
    assert "Made with Natural Earth" in page.inner_text(".ef-note")
    load(browser, maps / "index.html")
    rows = page.locator("#ef-countries tbody tr")
    assert rows.count() == 2 and "Kazakhstan" in rows.nth(0).inner_text()
    page.click("a[href='country_uz.html']")
    page.wait_for_selector("body[data-eventflow-ready='1']", state="attached")
    assert page.url.endswith("country_uz.html")
    assert len(_fills(page)) == 14                                                  # Uzbekistan's regions


def test_timeline_draws_bars_and_type_toggles(browser, maps):
    from flows.publish.browser import load

    page = browser.page
    load(browser, maps / "timeline.html")
    bars = page.locator("rect.ef-bar").count()
    assert bars == 13                                        # one segment per (month, type) with events
    assert page.locator(".ef-ann circle").count() == 5
    page.uncheck("#ef-type-protest")
    assert page.locator("rect.ef-protest").count() == 0
    assert 0 < page.locator("rect.ef-bar").count() < bars
    assert "Thousands marched in Almaty." in page.inner_text(".ef-largest")


def test_the_harness_catches_a_remote_request(chromium, tmp_path):
    """Negative control: a page that asks for a remote image is seen and blocked."""
    from flows.publish.browser import open_page

    page_file = tmp_path / "leaky.html"
    page_file.write_text('<img src="https://example.org/pixel.png"><body data-eventflow-ready="1"></body>')
    with open_page() as session:
        session.page.goto(page_file.as_uri(), wait_until="load")
    assert session.blocked == ["https://example.org/pixel.png"]


def test_pages_without_events_open_cleanly(browser, tmp_path):
    from flows.publish.browser import load

    publish(pl.DataFrame(schema={"event_id": pl.Utf8, "event_type": pl.Utf8}), tmp_path, Settings())
    load(browser, tmp_path / "world.html")
    assert len(_fills(browser.page)) > 200                       # every country outline
    assert set(_fills(browser.page)) == {"#e8e8e8"}
    assert "No dated events" in browser.page.inner_text(".ef-period")
    load(browser, tmp_path / "timeline.html")
    assert browser.page.locator("rect.ef-bar").count() == 0
