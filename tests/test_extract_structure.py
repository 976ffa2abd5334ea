"""Document structure before sentences: zones and the document's own date, on every input format.

The texts are the team's own, written in the layouts real reports have (file headers, bylines, captions,
reference lists, dated chronologies, hard-wrapped PDF text)."""

from datetime import date
from pathlib import Path

from flows.extract import coverage_year
from flows.extract.structure import EVENT_ZONES, structure
from flows.ingest.reports import ReportDoc, read_report


def _kinds(text: str, meta: dict | None = None) -> dict[str, str]:
    """The zone kind of each block, keyed by the block's first 30 characters."""
    st = structure(text, meta)
    return {text[z.start:z.end].strip()[:30]: z.kind for z in st.zones}


def _kind(kinds: dict[str, str], opening: str) -> str:
    """The kind of the one block that opens with `opening`."""
    [kind] = [k for t, k in kinds.items() if t.startswith(opening)]
    return kind


def test_txt_header_title_byline_caption_and_references():
    text = ("SOURCE: example/repo news/item.md @ abc123 | licence: CC0 | Police detain students | 2023-04-05\n"
            "Police detain students after campus rally\n\n"
            "By Aigul Sadykova\n\n"
            "Police detained 14 students on Tuesday after a rally at the state university, their lawyer said.\n\n"
            "Students gather outside the rectorate on Tuesday (pictured) before police arrived\n\n"
            "References\n\n"
            "[1] \"Students detained,\" Example News, April 4, 2023. https://example.org/a\n")
    kinds = _kinds(text)
    assert kinds["SOURCE: example/repo news/item"] == "source_header"
    assert kinds["Police detain students after c"] == "title"
    assert kinds["By Aigul Sadykova"] == "byline"
    assert kinds["Police detained 14 students on"] == "body"
    assert kinds["Students gather outside the re"] == "caption"
    assert kinds["[1] \"Students detained,\" Examp"] == "references"
    st = structure(text)
    assert (st.doc_date.date_start, st.doc_date.precision, st.doc_date.source) == (date(2023, 4, 5), "day", "header")


def test_markdown_front_matter_headings_images_footnotes_and_lists(tmp_path: Path):
    path = tmp_path / "brief.md"
    path.write_text("---\ntitle: \"Brief\"\ndate: March 2, 2022\n---\n\n# Arrests in the north\n\n"
                    "![Map of the region](figures/map.png)\n\n"
                    "In February, police arrested six bloggers in Osh.[^1]\n\n"
                    "- On 12 February, a court fined two of them.\n\n"
                    "[^1]:\tInterview, February 20, 2022.\n", encoding="utf-8")
    doc = read_report(path)
    kinds = _kinds(doc.text)
    assert {k for t, k in kinds.items() if t.startswith(("---", "title:", "date:"))} == {"front_matter"}
    assert kinds["In February, police arrested s"] == "body"
    assert kinds["- On 12 February, a court fine"] == "list_item"
    assert _kind(kinds, "[^1]:") == "references"
    assert "Map of the region" not in {t for t, k in kinds.items() if k in EVENT_ZONES}
    assert coverage_year(doc) == 2022


def test_html_title_byline_caption_and_reference_list(tmp_path: Path):
    path = tmp_path / "story.html"
    path.write_text(
        "<html><body><nav>Home | World</nav><h1>Strike at the copper mine enters its second week</h1>"
        "<p>Published: 2021-11-19</p>"
        "<p>Miners at the copper mine extended their strike on Friday, demanding back pay.</p>"
        "<figure><figcaption>Photo: strikers at the gate of the mine on Thursday</figcaption></figure>"
        "<h2>Sources</h2><ol><li>https://example.org/mine-strike</li></ol></body></html>", encoding="utf-8")
    doc = read_report(path)
    st = structure(doc.text)
    kinds = {doc.text[z.start:z.end].strip()[:20]: z.kind for z in st.zones}
    assert kinds["Strike at the copper"] == "title"
    assert kinds["Published: 2021-11-1"] == "byline"
    assert kinds["Miners at the copper"] == "body"
    assert kinds["Photo: strikers at t"] == "caption"
    assert kinds["https://example.org/"] == "references"
    assert (st.doc_date.date_start, st.doc_date.source) == (date(2021, 11, 19), "byline")


def _text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a text layer (Helvetica), written by hand: the test needs no PDF library."""
    body = "BT /F1 10 Tf 60 760 Td 12 TL " + " ".join(
        "(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for ln in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(body)} >>\nstream\n{body}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_hard_wrapped_lines_join_into_paragraphs_and_the_title_dates_the_report(tmp_path: Path):
    footer = "Example Report on Human Rights Practices              Page {} of 40"
    header = "EXAMPLELAND 2019 HUMAN RIGHTS REPORT"
    pages = [
        ["On March 3, security forces detained at least 30 members of the opposition party in the",
         "capital after they announced a march against the new electoral law, and held them for",
         "two days without charge before releasing them on bail pending an investigation into",
         "the organisation of an unauthorised gathering in the central square of the capital."],
        ["In June, a regional court convicted four journalists of spreading false information and",
         "sentenced each of them to three years in prison, a verdict that the union of journalists",
         "called an attack on the freedom of the press in the country and a warning to all of its",
         "members who had reported on the protests against the electoral law in the spring."],
        ["In September, teachers in three northern provinces went on strike for two weeks to demand",
         "the payment of salaries owed since the beginning of the year, and the ministry promised to",
         "pay half of the arrears by the end of October; the unions suspended the strike after the",
         "first payment was made and said that they would resume it if the rest was not paid in time."],
    ]
    lines = [ln for n, page in enumerate(pages, start=3) for ln in [header, *page, footer.format(n)]]
    path = tmp_path / "report.pdf"
    path.write_bytes(_text_pdf(lines))
    doc = read_report(path)
    st = structure(doc.text)
    body = [" ".join(doc.text[z.start:z.end].split()) for z in st.zones if z.kind == "body"]
    assert len(body) == 3 and all("Page" not in b and "REPORT" not in b for b in body)
    assert "held them for two days without charge before releasing" in body[0]
    assert sum(z.kind == "boilerplate" for z in st.zones) >= 2   # the running header and footer lines
    assert (st.doc_date.year, st.doc_date.source) == (2019, "title")


def test_document_date_from_series_titles_datelines_and_sidecars():
    def when(text: str, meta: dict | None = None):
        d = structure(text, meta).doc_date
        return (d.date_start if d.precision == "day" else d.year, d.precision, d.source)

    assert when("Freedom in the World 2021: Exampleland\n\nIn May, police arrested five.") == (2020, "year", "title")
    assert when("Exampleland: Events of 2022\n\nIn May, police arrested five.") == (2022, "year", "title")
    assert when("BISHKEK, March 15, 2024 (Wire) - Police detained 12 people on Friday.") == \
        (date(2024, 3, 15), "day", "dateline")
    assert when("Police detained 12 people.", {"coverage_year": 2018}) == (2018, "year", "sidecar")
    assert when("In 2015 and in 2015 protests grew; in 2014 fewer.") == (2015, "year", "years")


def test_a_full_date_moves_the_year_of_later_months_where_the_document_date_is_only_a_guess():
    from flows.extract.learned.scan import read

    text = ("The movement began long before.\n\n"
            "On 29 October 2016, thousands protested in the capital against the president.\n\n"
            "On 5 November, police detained 40 protesters near the palace.\n")
    scan = read(ReportDoc("r.txt", "", "txt", text, {}))
    dates = {c.det.event_type: c.det.date.date_start for c in scan.candidates}
    assert dates["detention"] == date(2016, 11, 5)


def test_a_news_month_without_a_year_is_the_latest_one_before_the_story():
    from flows.extract.learned.scan import read

    text = ("Police detain activist\n\nPublished: 2020-09-24\n\n"
            "His colleague was among 10 people police arrested in August on suspicion of sedition.\n\n"
            "He was first arrested in October after a march.\n")
    scan = read(ReportDoc("r.txt", "", "txt", text, {}))
    starts = sorted(c.det.date.date_start for c in scan.candidates if c.det.event_type == "detention")
    assert starts == [date(2019, 10, 1), date(2020, 8, 1)]
