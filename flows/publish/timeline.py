"""Timelines: monthly event counts by type with the largest events annotated, as an interactive offline
HTML page (hand-written SVG, static/timeline.js) and a PNG for reports (matplotlib). Counted from the summary
of every event (summary.py); only the largest events are read into Python."""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import duckdb
import polars as pl

from flows.publish.assets import json_for_html, static_text
from flows.publish.eventdata import (
    EVENT_TYPES,
    EVENTS_VIEW,
    KNOWN_TYPE_SQL,
    SIZE_SQL,
    TYPE_COLOURS,
    counts_text,
    month_number,
    month_range,
)
from flows.publish.summary import MONTHLY_PRECISIONS, Summary

N_ANNOTATED = 5
# The PNG draws at most this many bars (a bar per month up to 20 years, then a bar per N months): narrower
# bars are thinner than a pixel, and a bar per month made a span of centuries cost minutes (issue 9).
MAX_BARS = 240
Events = pl.DataFrame | duckdb.DuckDBPyConnection | Summary     # a frame of events, pub_events or their summary


@dataclass(frozen=True)
class TimelineData:
    """What both timelines draw."""
    months: list[str]
    series: dict[str, list[int]]      # events of each type per month
    largest: list[dict]               # the N_ANNOTATED largest events
    coarse: dict[str, int]            # {year: events} known only to the season or year
    undated: int
    other_type: int


def monthly_counts(events: Events) -> tuple[list[str], dict[str, list[int]]]:
    """Every month from first to last event dated to a month or finer, and the events of each type per month."""
    summary = Summary.of(events)
    first, last = summary.dates("monthly")
    months = month_range(first, last)
    series = {t: [0] * len(months) for t in EVENT_TYPES}
    for event_type, month, n in summary.rows("event_type, mon", f"monthly AND mon IS NOT NULL AND {KNOWN_TYPE_SQL}",
                                             "event_type, mon"):
        series[event_type][month - month_number(first)] = n
    return months, series


def coarse_counts(events: Events) -> dict[str, int]:
    """{year: number of events} of the dated events known only to a season or a year (not in the bars)."""
    return dict(Summary.of(events).rows("(mon // 12)::VARCHAR AS y",
                                        f"NOT monthly AND mon IS NOT NULL AND {KNOWN_TYPE_SQL}", "y"))


def display_date(day, precision: str | None) -> str:
    """A date as precise as it is known: 2016-05-21, May 2016, 2016."""
    if precision in ("season", "year"):
        return f"{day:%Y}"
    if precision == "month":
        return f"{day:%B %Y}"
    if precision == "week":
        return f"week of {day:%Y-%m-%d}"
    return f"{day:%Y-%m-%d}"


def largest_events(events: Events, n: int = N_ANNOTATED) -> list[dict]:
    """The n largest dated events (by participants/detained/killed/injured), as plain dicts."""
    top = Summary.of(events).con.execute(f"""SELECT *, {SIZE_SQL} AS size FROM {EVENTS_VIEW}
        WHERE date_start IS NOT NULL AND {KNOWN_TYPE_SQL} AND {SIZE_SQL} > 0
        ORDER BY size DESC, date_start, event_id NULLS LAST, _row LIMIT {int(n)}""").pl()
    return [
        {"date": display_date(r["date_start"], r["date_precision"]),
         "month": str(r["date_start"])[:7] if r["date_precision"] in (None, *MONTHLY_PRECISIONS) else None,
         "type": r["event_type"],
         "place": r["place_name"] or r["location_text"] or "", "counts": counts_text(r), "size": r["size"],
         "quote": r["quote"] or "", "source": r["source"] or ""}
        for r in top.iter_rows(named=True)
    ]


def timeline_data(events: Events) -> TimelineData:
    summary = Summary.of(events)
    months, series = monthly_counts(summary)
    return TimelineData(months, series, largest_events(summary), coarse_counts(summary),
                        summary.count("mon IS NULL"), summary.count(f"NOT {KNOWN_TYPE_SQL}"))


def _label(event: dict) -> str:
    place = f"{event['place']}, " if event["place"] else ""
    return f"{place}{event['date']}: {event['counts']}"


def timeline_png(data: TimelineData | Events, width_px: int = 1600, height_px: int = 700) -> bytes:
    """Stacked monthly bars by type with the largest events annotated (deterministic PNG bytes)."""
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator, StrMethodFormatter

    data = data if isinstance(data, TimelineData) else timeline_data(data)
    months, series = data.months, data.series
    dpi = 100
    fig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    ax = fig.add_subplot()
    if not months:
        ax.text(0.5, 0.5, "No dated events", ha="center", va="center", transform=ax.transAxes, fontsize=16)
        ax.set_axis_off()
    else:
        every = -(-len(months) // MAX_BARS)            # months per bar: never more than MAX_BARS bars
        index = {m: i // every for i, m in enumerate(months)}
        unit = "month" if every == 1 else f"{every} months"
        first_month, last_month = months[0], months[-1]
        months = months[::every]
        series = {t: [sum(v[i:i + every]) for i in range(0, len(v), every)] for t, v in series.items()}
        x = list(range(len(months)))
        bottom = [0] * len(months)
        for t in EVENT_TYPES:       # one collection of boxes per type: ax.bar draws a patch per bar, 5x slower
            boxes = [[(i - 0.45, low), (i + 0.45, low), (i + 0.45, low + n), (i - 0.45, low + n)]
                     for i, (low, n) in enumerate(zip(bottom, series[t], strict=True)) if n]
            ax.add_collection(PolyCollection(boxes, facecolors=TYPE_COLOURS[t], linewidths=0))
            bottom = [a + b for a, b in zip(bottom, series[t], strict=True)]
        top = max(bottom) or 1
        ax.set_ylim(0, top * (1.2 + 0.07 * N_ANNOTATED))
        if every > 1:
            ticks = x[::-(-len(months) // 12)]
        else:
            ticks = [i for i, m in enumerate(months) if m.endswith("-01")] if len(months) > 24 \
                else x[::max(1, len(months) // 12)]
        ax.set_xticks(ticks, [months[i][:4] if len(months) > 24 else months[i] for i in ticks],
                      rotation=0 if len(months) > 24 else 45)
        ax.set_xlim(-0.8, len(months) - 0.2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_ylabel(f"Events per {unit}")
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        largest = sorted((e for e in data.largest if e["month"] in index),
                         key=lambda e: (e["month"], -e["size"]))
        for slot, event in enumerate(largest):         # one height per label, in date order: no overlaps
            i = index[event["month"]]
            label = _label(event).replace("$", r"\$")        # no mathtext from source text
            x_text = min(max(i, len(months) * 0.12), len(months) * 0.88)   # keep the label inside the axes
            ax.annotate(label, xy=(i, bottom[i]), xytext=(x_text, top * (1.08 + 0.07 * slot)),
                        ha="center", va="bottom", fontsize=9,
                        color="#222222", arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.8})
        ax.legend(handles=[Patch(color=TYPE_COLOURS[t], label=t.capitalize()) for t in EVENT_TYPES],
                  loc="upper left", ncols=4, frameon=False, fontsize=10)
        total = sum(bottom)
        ax.set_title(f"Events per {unit} by type ({total:,} events, {first_month} to {last_month})", loc="left",
                     fontsize=13)
    coarse = data.coarse
    if coarse:
        per_year = ", ".join(f"{year}: {n:,}" for year, n in coarse.items())
        fig.text(0.01, 0.01, f"Not in the bars, known only to the season or year: {per_year}", fontsize=9,
                 color="#444444")
    fig.tight_layout(rect=(0, 0.03, 1, 1) if coarse else None)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def timeline_html(data: TimelineData | Events) -> str:
    """A self-contained interactive timeline page (no external resource)."""
    data = data if isinstance(data, TimelineData) else timeline_data(data)
    payload = {
        "months": data.months, "types": list(EVENT_TYPES), "colours": TYPE_COLOURS,
        "series": [data.series[t] for t in EVENT_TYPES], "largest": data.largest,
        "undated": data.undated, "coarse": data.coarse, "otherType": data.other_type,
    }
    title = "Events per month by type"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{static_text('timeline.css')}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<div id=\"ef-timeline\"></div>\n"
        f"<script type=\"application/json\" id=\"eventflow-timeline\">{json_for_html(payload)}</script>\n"
        f"<script>{static_text('timeline.js')}</script>\n</body>\n</html>\n"
    )
