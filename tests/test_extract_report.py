"""extract_report end to end on reports of our own (Markdown with a sidecar, HTML news, plain text)."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.extract import EXTRACTOR_VERSION, write_extract_csv
from flows.extract import extract_file as _extract_file
from flows.extract import extract_report as _extract_report
from flows.ingest.errors import UnreadableSource
from flows.ingest.reports import ReportDoc, read_report
from flows.model import EXPORT_COLUMNS, MENTION_COLUMNS


def extract_report(doc, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_report(doc, extractor="rules", **kw)


def extract_file(path, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_file(path, extractor="rules", **kw)

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


@pytest.fixture(scope="module")
def brief() -> tuple[ReportDoc, pl.DataFrame]:
    doc = read_report(FIXTURES / "kyrgyz_brief.md", "inbox/kyrgyz_brief.md", "abc123")
    return doc, extract_report(doc)


def rows(df: pl.DataFrame, event_type: str) -> list[dict]:
    return df.filter(pl.col("event_type") == event_type).to_dicts()


def test_every_mention_has_a_quote_that_its_offsets_reproduce(brief):
    doc, df = brief
    assert df.height > 0 and df.columns == MENTION_COLUMNS
    for r in df.iter_rows(named=True):
        assert doc.text[r["char_start"]:r["char_end"]] == r["quote"]
        assert r["source"] == "inbox/kyrgyz_brief.md" and r["source_sha256"] == "abc123"
        assert r["source_kind"] == "report" and r["extractor"] == EXTRACTOR_VERSION
        assert 0 <= r["confidence"] <= 1 and r["mention_id"].startswith("m_")
        assert r["place_name"] is None and r["lat"] is None   # the geocoder's columns stay empty


def test_policy_and_plans_yield_nothing(brief):
    doc, df = brief
    overview_end = doc.text.index("Protests")
    assert df.filter(pl.col("char_start") < overview_end).is_empty()
    assert not df["quote"].str.contains("regularly convict").any()
    assert not df["quote"].is_in(["Protests", "Courts", "Kyrgyzstan: Civic Space Brief 2019"]).any()   # headings


def test_protest_with_its_detentions_and_a_fine_the_following_day(brief):
    _, df = brief
    march = df.filter(pl.col("date_start") == date(2019, 3, 1))
    assert sorted(march["event_type"].to_list()) == ["detention", "protest", "trial"]
    protest = rows(march, "protest")[0]
    assert (protest["participants_low"], protest["participants_high"]) == (300, 300)
    assert protest["location_text"] == "Bishkek" and protest["date_precision"] == "month"
    detention = rows(march, "detention")[0]
    assert (detention["detained_low"], detention["detained_high"]) == (12, 12)
    assert rows(march, "trial")[0]["subtype"] == "fine"


def test_clash_and_its_casualties_in_the_next_sentence_are_one_event(brief):
    _, df = brief
    clash = df.filter(pl.col("date_start") == date(2019, 10, 7)).to_dicts()
    assert len(clash) == 1
    c = clash[0]
    assert (c["event_type"], c["subtype"], c["date_precision"]) == ("protest", "riot", "day")
    assert (c["fatalities_low"], c["injured_low"]) == (1, 79)
    assert c["quote"].endswith("79 people were injured.") and c["admin1_text"] == "Chui Region"


def test_conviction_term_charges_and_a_release_ruled_abroad(brief):
    _, df = brief
    conviction = df.filter(pl.col("subtype") == "conviction").to_dicts()[0]
    assert conviction["date_start"] == date(2019, 11, 1) and conviction["sentence_months"] == 66
    assert conviction["charges"] == "forgery" and "Bolot Temirov" in conviction["targets"]
    release = df.filter(pl.col("subtype") == "release").to_dicts()[0]
    assert release["date_start"] == date(2019, 12, 1) and release["country"] == "TR"


def test_coverage_year_from_sidecar_and_year_override(brief):
    doc, df = brief
    assert doc.meta["coverage_year"] == 2019
    shifted = extract_report(doc, year=2020)
    assert set(shifted["date_start"].dt.year().to_list()) == {2020}
    assert df.height == shifted.height


def test_news_item_dateline_resolves_the_weekday():
    df = extract_file(FIXTURES / "news_item.html")
    assert sorted(df["event_type"].to_list()) == ["detention", "protest"]
    assert set(df["date_start"].to_list()) == {date(2022, 6, 11)}   # the Saturday before Sunday 12 June
    protest = rows(df, "protest")[0]
    assert protest["participants_low"] == 200
    assert not df["quote"].str.contains("arrested 99").any()   # script text is not read


def test_rerun_is_identical_and_csv_has_the_export_columns(brief, tmp_path):
    doc, df = brief
    again = extract_report(doc)
    assert again.equals(df)
    out = write_extract_csv(df, tmp_path / "events.csv")
    back = pl.read_csv(out)
    assert back.columns == EXPORT_COLUMNS
    assert back["event_id"].to_list() == df["mention_id"].to_list()
    assert set(back["n_sources"].to_list()) == {1}


def test_country_from_pack_abroad_and_unknown():
    text = ("In 2016, Kazakhstan's courts were busy. In May, police detained 5 activists in Almaty. "
            "In December, a French court ordered the release of a Kazakh banker from custody.")
    df = extract_report(ReportDoc("kz.txt", "", "txt", text, {}))
    assert dict(zip(df["event_type"], df["country"], strict=True)) == {"detention": "KZ", "trial": "FR"}
    unknown = extract_report(ReportDoc("x.txt", "", "txt", "On May 3, 2015, police arrested two bloggers.", {}))
    assert unknown["country"].to_list() == ["ZZ"] and unknown["date_start"].to_list() == [date(2015, 5, 3)]


def test_event_free_text_and_unreadable_input(tmp_path):
    calm = ("The ministry published its annual budget. Growth slowed to 1 percent in 2016, and the central bank "
            "may cut rates. The law allows police to detain suspects for 72 hours.")
    df = extract_report(ReportDoc("calm.txt", "", "txt", calm, {}))
    assert df.is_empty() and df.columns == MENTION_COLUMNS
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(UnreadableSource):
        extract_file(scan)


def test_two_sentences_one_event_the_quote_spans_both():
    text = ("In October, two prominent journalists were jailed on corruption charges after a closed trial. "
            "Arman Seitov and his son Daniyar Seitov were sentenced to six and five years in jail respectively.")
    df = extract_report(ReportDoc("t.txt", "", "txt", text, {"coverage_year": 2016}))
    assert df.height == 1
    row = df.to_dicts()[0]
    assert (row["event_type"], row["subtype"], row["date_start"]) == ("trial", "conviction", date(2016, 10, 1))
    assert row["quote"] == text and row["sentence_months"] == 72 and row["charges"] == "corruption"


def test_a_summary_restatement_is_merged_into_the_body_account():
    text = ("EXECUTIVE SUMMARY\n\nIn July, activist Aigerim Tolegen was jailed over a protest.\n\n"
            "JUDICIAL FRAMEWORK\n\nIn July, activist Aigerim Tolegen was jailed for 18 months on charges of "
            "organising an unsanctioned rally.\n")
    df = extract_report(ReportDoc("t.txt", "", "txt", text, {"coverage_year": 2016}))
    trials = df.filter(pl.col("event_type") == "trial")
    assert trials.height == 1
    assert trials["char_start"][0] > text.index("JUDICIAL") and trials["sentence_months"][0] == 18


def test_backgrounded_mention_of_an_event_stated_elsewhere_is_dropped():
    text = ("In May, police detained Bolat Seitov and Marat Aliyev in Atyrau. "
            "In November, Seitov and Aliyev, who were detained in May, were convicted of inciting discord.")
    df = extract_report(ReportDoc("t.txt", "", "txt", text, {"coverage_year": 2016}))
    assert sorted(zip(df["event_type"], df["char_start"], strict=True)) == [
        ("detention", 0), ("trial", text.index("In November"))]


def test_coverage_year_helper():
    from flows.extract import coverage_year

    doc = ReportDoc("r.txt", "", "txt", "Nations in Transit 2017\n\nIn 2016, police detained 5 people.", {})
    assert coverage_year(doc) == 2016 and coverage_year(doc, 2015) == 2015
    assert coverage_year(ReportDoc("r.txt", "", "txt", "x", {"coverage_year": 2019})) == 2019


def test_the_following_year_counts_from_the_year_named_before():
    text = "Ilyas Mamyrov was arrested in 2013 in Bishkek. He was convicted of fraud the following year."
    df = extract_report(ReportDoc("t.txt", "", "txt", text, {"coverage_year": 2016}))
    assert df.select("event_type", "date_start", "date_precision").rows() == [
        ("detention", date(2013, 1, 1), "year"), ("trial", date(2014, 1, 1), "year")]
    assert df.filter(pl.col("event_type") == "trial")["charges"].to_list() == ["fraud"]


def test_a_pronoun_carries_the_name_so_restatements_still_merge():
    text = ("EXECUTIVE SUMMARY\n\nActivist Aigerim Tolegen was jailed in July over a protest.\n\n"
            "CIVIL SOCIETY\n\nAigerim Tolegen was detained in May. In July, she was jailed for 18 months.\n")
    df = extract_report(ReportDoc("t.txt", "", "txt", text, {"coverage_year": 2016}))
    trials = df.filter(pl.col("event_type") == "trial")
    assert trials.height == 1 and trials["char_start"][0] == text.index("In July, she")


def test_a_report_that_never_names_its_country_is_placed_by_its_towns(tmp_path):
    path = tmp_path / "aktobe.txt"
    path.write_text("On 3 March 2021, police detained 40 protesters in Aktobe after a rally outside the akimat.")
    assert set(extract_file(path)["country"]) == {"KZ"}       # a detention and the rally, both in KZ
    other = tmp_path / "bishkek.txt"
    other.write_text("On 3 March 2021, police in Bishkek detained 40 protesters who had come from Almaty.")
    assert set(extract_file(other)["country"]) != {"KZ"}     # a country without a pack is named: not guessed
    told = tmp_path / "told.txt"
    told.write_text("On 3 March 2021, police detained 40 protesters after a rally.")
    (tmp_path / "told.meta.yaml").write_text("country: KZ\n")
    assert set(extract_file(told)["country"]) == {"KZ"}         # the sidecar says so
