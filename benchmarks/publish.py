"""Benchmark of flows.publish: N synthetic events in many countries -> index, world overview, a map per
country and the timeline; generation time (into an empty folder, again with the same events, and after 100
new events in one country), peak memory, page sizes and the time the pages take to open in headless Chromium
(until the map's regions are drawn).

    .venv/bin/python benchmarks/publish.py [--events 100000] [--countries KZ,KG,...] [--out /tmp/eventflow-bench-maps]

The events are spread over the countries' gazetteer places (the KZ pack, the world layer elsewhere; weighted by
population), 2014-2024 with bursts, 85 % with place precision (lat/lon of the place), 15 % with admin-1
precision (no point, current code only). Screenshots of the world overview, the KZ map and the timeline
(1400x900) are written next to the pages. The pages of an earlier run in --out are deleted first.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.config import Settings  # noqa: E402
from flows.geocode.gazetteer import load_gazetteer  # noqa: E402
from flows.publish import publish  # noqa: E402
from flows.publish.browser import load, open_page  # noqa: E402
from flows.publish.screenshot import screenshot  # noqa: E402
from flows.publish.state import STATE_NAME  # noqa: E402

COUNTRIES = "KZ,KG,UZ,TJ,TM,GE,AM,AZ,BY,RU,UA,MN,IR,TR,RS,CL,DE,US,BR,IN,MM,SD,NG,LB,IQ,FR,GB,MX,PK,EG"


def world_places(countries: list[str]) -> pl.DataFrame:
    """The gazetteer places of each country with their current admin-1 code (as the geocoder sees them)."""
    frames = []
    for country in countries:
        g = load_gazetteer(country)
        frames.append(g.candidates.filter(pl.col("kind") == "place").select(
            "name", "lat", "lon", pl.col("population").cast(pl.Float64),
            pl.col(g.code_columns[-1]).alias("admin1_iso"), pl.lit(country).alias("country")))
    return pl.concat(frames)


def synthetic_events(n: int, countries: list[str], seed: int = 6) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    places = world_places(countries)
    weight = np.sqrt(places["population"].to_numpy() + 1000)
    pick = rng.choice(places.height, size=n, p=weight / weight.sum())
    start = date(2014, 1, 1)
    days = rng.integers(0, (date(2024, 12, 31) - start).days, size=n)
    burst = rng.random(n) < 0.08                             # a wave of unrest in early January 2022
    days[burst] = (date(2022, 1, 2) - start).days + rng.integers(0, 10, size=burst.sum())
    types = rng.choice(["protest", "detention", "attack", "trial"], size=n, p=[0.45, 0.3, 0.1, 0.15])
    place_precision = rng.random(n) < 0.85
    chosen = places[pick]
    size = np.round(rng.lognormal(3.5, 1.4, size=n)).astype(np.int64)
    quotes = [f"Synthetic report {i}: <b>{t}</b> at \"place\" & co." for i, t in enumerate(types)]
    return pl.DataFrame({
        "event_id": [f"ev{i:06d}" for i in range(n)],
        "event_type": types,
        "date_start": [start + timedelta(days=int(d)) for d in days],
        "date_precision": "day",
        "place_name": np.where(place_precision, chosen["name"].to_numpy(), None),
        "location_text": chosen["name"],
        "lat": np.where(place_precision, chosen["lat"].to_numpy(), np.nan),
        "lon": np.where(place_precision, chosen["lon"].to_numpy(), np.nan),
        "geo_precision": np.where(place_precision, "place", "admin1"),
        "admin1_iso": chosen["admin1_iso"],
        "country": chosen["country"],
        "_size": size,
        "quote": quotes,
        "source": [f"report_{i % 250}.txt" for i in range(n)],
        "n_sources": 1,
    }, strict=False).with_columns(
        pl.col("lat").fill_nan(None), pl.col("lon").fill_nan(None),
        pl.when(pl.col("event_type") == "protest").then(pl.col("_size")).alias("participants_low"),
        pl.when(pl.col("event_type") == "protest").then(pl.col("_size") * 2).alias("participants_high"),
        pl.when(pl.col("event_type") == "detention").then(pl.col("_size") // 4 + 1).alias("detained_low"),
        pl.when(pl.col("event_type") == "detention").then(pl.col("_size") // 4 + 1).alias("detained_high"),
    ).drop("_size")


def open_time(html: Path, selector: str) -> float:
    """Seconds from navigation start until `selector` is drawn (fresh browser profile, network blocked)."""
    with open_page(1400, 900) as session:
        t0 = time.perf_counter()
        load(session, html, timeout_ms=60_000)
        session.page.wait_for_selector(selector, timeout=60_000)
        elapsed = time.perf_counter() - t0
    if session.blocked:
        raise RuntimeError(f"remote requests: {session.blocked[:3]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--countries", default=COUNTRIES)
    parser.add_argument("--out", type=Path, default=Path("/tmp/eventflow-bench-maps"))
    args = parser.parse_args()

    events = synthetic_events(args.events, args.countries.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    for old in {*args.out.glob("*.html"), *args.out.glob("timeline.*"), args.out / STATE_NAME}:
        old.unlink(missing_ok=True)                    # a first run that really writes every page
    t0 = time.perf_counter()
    result = publish(events, args.out, Settings())
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = publish(events, args.out, Settings())
    warm = time.perf_counter() - t0
    new = synthetic_events(100, ["KZ"], seed=7).with_columns(("new" + pl.col("event_id")).alias("event_id"))
    t0 = time.perf_counter()
    added = publish(pl.concat([events, new]), args.out, Settings())
    incremental = time.perf_counter() - t0
    print(f"events: {events.height:,} in {events['country'].n_unique()} countries, "
          f"{events.select('lat', 'lon').n_unique():,} distinct points")
    print(f"generation (first run in this process): {cold:.2f} s; files written: {len(result.written)}")
    print(f"re-run on the same events: {warm:.2f} s; rewritten: {len(again.written)}, unchanged: "
          f"{len(again.unchanged)}")
    print(f"100 new events in KZ: {incremental:.2f} s; rewritten: {', '.join(p.name for p in added.written)}")
    print(f"peak RSS of this process so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    sizes = sorted(((p.stat().st_size, p.name) for p in result.written), reverse=True)
    print(f"  total {sum(s for s, _ in sizes) / 1e6:.1f} MB; largest pages: "
          + ", ".join(f"{name} {size / 1e6:.2f} MB" for size, name in sizes[:6]))
    largest_country = next(name for _, name in sizes if name.startswith("country_"))
    for name, selector in [("index.html", "#ef-countries"), ("world.html", "path.ef-region"),
                           ("country_kz.html", "path.ef-region"), ("country_kz_2016.html", "path.ef-region"),
                           (largest_country, "path.ef-region"), ("timeline.html", "rect.ef-bar")]:
        times = [open_time(args.out / name, selector) for _ in range(3)]
        print(f"open {name} in headless Chromium until drawn: median {sorted(times)[1]:.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    for name in ("world", "country_kz", "timeline"):
        png = screenshot(args.out / f"{name}.html", args.out / f"{name}_screenshot.png")
        print(f"screenshot: {png}")


if __name__ == "__main__":
    main()
