"""index.html: the list of countries with events (events, date range, regions covered), with links to the
world overview, each country's maps and the timeline. Plain self-contained HTML; every string escaped."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class CountryRow:
    code: str
    name: str
    events: int
    first: str | None
    last: str | None
    regions_with_events: int
    regions_total: int
    pages: tuple[tuple[str, str], ...]      # (label, file name)
    rich: bool                              # a country pack (districts, boundary history, population)


STYLE = """body{font:14px/1.45 "Helvetica Neue",Arial,"DejaVu Sans",sans-serif;margin:20px 28px;color:#222}
h1{font-size:21px;margin:0 0 6px}table{border-collapse:collapse;margin:12px 0}th,td{padding:4px 10px;
border-bottom:1px solid #ddd;text-align:left}th{background:#f3f3f3}td.n{text-align:right}.meta{color:#555}
.note{color:#444;margin:8px 0}"""


def index_html(rows: list[CountryRow], notes: list[str], attribution: list[str], total_events: int) -> str:
    def cell(value, cls: str = "") -> str:
        return f'<td{" class=" + chr(34) + cls + chr(34) if cls else ""}>{escape(str(value))}</td>'

    body = []
    for r in rows:
        span = f"{r.first} to {r.last}" if r.first and r.last and r.first != r.last else (r.first or "undated")
        links = " · ".join(f'<a href="{escape(f)}">{escape(label)}</a>' for label, f in r.pages)
        body.append("<tr>" + cell(r.name) + cell(r.code) + cell(f"{r.events:,}", "n") + cell(span)
                    + cell(f"{r.regions_with_events} of {r.regions_total}", "n")
                    + cell("country pack" if r.rich else "world layer") + f"<td>{links}</td></tr>")
    notes_html = "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
    attrib = "".join(f"<li>{escape(a)}</li>" for a in attribution)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>eventflow maps</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body data-eventflow-ready=\"1\">\n"
        "<h1>Protest, detention, attack and trial events: maps by country</h1>\n"
        f'<p class="meta">{total_events:,} events in {len(rows)} countries. '
        '<a href="world.html">World overview</a> · <a href="timeline.html">Timeline</a></p>\n'
        "<table id=\"ef-countries\">\n<thead><tr><th>country</th><th>code</th><th>events</th><th>dates</th>"
        "<th>regions with events</th><th>reference data</th><th>maps</th></tr></thead>\n<tbody>\n"
        + "\n".join(body) + "\n</tbody>\n</table>\n" + notes_html
        + f"<h2>Data sources</h2>\n<ul>{attrib}</ul>\n</body>\n</html>\n"
    )
