"""Resolvers of the report extractor: segmentation, dates, quantities, prison terms."""

from datetime import date

import pytest

from flows.extract import coverage_year
from flows.extract.dates import find_dates
from flows.extract.quantities import count_ranges, sentence_months, words_to_int
from flows.extract.segment import clean_layout, split_sentences
from flows.ingest.reports import ReportDoc


def test_clean_layout_blanks_glued_footnotes_and_keeps_offsets():
    text = "A court blocked106 an order. Protesters gathered.19 Police came,42 then left in 2015,52 it said."
    clean = clean_layout(text)
    assert len(clean) == len(text)
    assert "blocked    an order" in clean
    assert "gathered.   Police" in clean
    assert "came,   then" in clean and "2015,   it" in clean


def test_clean_layout_keeps_real_numbers():
    text = "The rating fell from 6.50 to 6.75 and 1,200 people marched at EXPO-17."
    assert clean_layout(text) == text


def test_split_sentences_bullets_footnotes_and_abbreviations():
    text = ("  • In May, Dr. Smith was detained.3 Two days later he was freed.\n"
            "- Police raided the office of the U.S. charity in Osh.")
    sents = split_sentences(text)
    quotes = [text[s.start:s.end] for s in sents]
    assert quotes == ["In May, Dr. Smith was detained.", "Two days later he was freed.",
                      "Police raided the office of the U.S. charity in Osh."]
    assert sents[0].paragraph == sents[1].paragraph != sents[2].paragraph


def test_split_sentences_markdown_link_keeps_its_words():
    text = "Activists were [arrested in Bishkek](https://example.org/a?b=1) on Monday. Nobody was hurt."
    sents = split_sentences(text)
    assert len(sents) == 2
    assert "arrested in Bishkek" in sents[0].text and "example.org" not in sents[0].text


@pytest.mark.parametrize("phrase, start, end, precision", [
    ("In November, police detained him.", date(2016, 11, 1), date(2016, 11, 30), "month"),
    ("In late May, the authorities reacted.", date(2016, 5, 1), date(2016, 5, 31), "month"),
    ("Protests were held on May 21.", date(2016, 5, 21), date(2016, 5, 21), "day"),
    ("He was convicted in 2012.", date(2012, 1, 1), date(2012, 12, 31), "year"),
    ("In late April and early May, protests proceeded.", date(2016, 4, 1), date(2016, 5, 31), "month"),
    ("Workers struck in the spring.", date(2016, 3, 1), date(2016, 5, 31), "season"),
    ("They were freed on 3 March 2015.", date(2015, 3, 3), date(2015, 3, 3), "day"),
])
def test_find_dates_against_coverage_year(phrase, start, end, precision):
    found = find_dates(phrase, 2016)
    assert [(d.date_start, d.date_end, d.precision) for d in found] == [(start, end, precision)]


def test_relative_dates_use_the_context_year():
    assert find_dates("that August", 2016)[0].date_start == date(2016, 8, 1)
    nxt = find_dates("He was charged the following year.", 2016, context_year=2013)[0]
    assert (nxt.date_start, nxt.precision) == (date(2014, 1, 1), "year")


def test_may_the_modal_is_not_a_month_and_since_is_a_bound():
    assert find_dates("Police may detain protesters.", 2016) == []
    assert find_dates("in force since 2004", 2016)[0].bounded


def _year(text: str) -> int | None:
    return coverage_year(ReportDoc("r.txt", "", "txt", text, {}))


def test_infer_coverage_year():
    assert _year("Nations in Transit 2017\nKazakhstan ...") == 2016
    assert _year("In 2019, the army... In 2019, courts... in 2018 too.") == 2019
    assert _year("No years here.") is None


@pytest.mark.parametrize("words, value", [("Fifty-one", 51), ("two hundred and five", 205), ("1,200", 1200),
                                          ("twenty one", 21), ("seven", 7)])
def test_words_to_int(words, value):
    assert words_to_int(words) == value


def test_count_ranges_roles_and_vague_amounts():
    assert count_ranges("On May 21, hundreds of protesters were detained in Almaty.") == {"detained": (200, 999)}
    assert count_ranges("Four civilians and three soldiers were killed; 18 attackers died.")["fatalities"] == (25, 25)
    assert count_ranges("Dozens were injured when police fired tear gas.") == {"injured": (24, 99)}
    assert count_ranges("Several thousand workers gathered in the square.") == {"participants": (3000, 9999)}
    assert count_ranges("Some 2,000 protesters marched in 2016 and 3 percent of them were women.") == {
        "participants": (2000, 2000)}


def test_sentence_months():
    assert sentence_months("He was jailed for 21 years.") == 252
    assert sentence_months("sentenced to two and a half years of restricted freedom") == 30
    assert sentence_months("She was jailed for 18 months on the charge of fraud.") == 18
    paroled = "was paroled after serving four-and-a-half years of his seven-and-a-half year sentence"
    assert sentence_months(paroled) == 90
    assert sentence_months("The economy grew for five years.") is None


def test_overlong_run_without_stops_is_cut_into_bounded_sentences():
    text = "; ".join(f"row {i} police detained {i} people in district {i}" for i in range(400))
    sents = split_sentences(text)
    assert len(sents) > 1 and all(s.end - s.start <= 1500 for s in sents)
    assert all(text[s.start:s.end].strip() == text[s.start:s.end] for s in sents)


def test_relative_days_and_weekdays_from_context():
    from flows.extract.context import reference_day, relative_date
    from flows.extract.dates import DateSpan

    day = DateSpan(0, 0, date(2019, 3, 8), date(2019, 3, 8), "day")
    month = DateSpan(0, 0, date(2019, 3, 1), date(2019, 3, 31), "month")
    assert relative_date("Two were fined the following day.", day, None).date_start == date(2019, 3, 9)
    assert relative_date("Three days later he was freed.", day, None).date_start == date(2019, 3, 11)
    assert relative_date("Two were fined the following day.", month, None) == month
    assert relative_date("He was released on Friday.", None, date(2024, 3, 17)).date_start == date(2024, 3, 15)
    assert relative_date("He was released.", None, date(2024, 3, 17)) is None
    assert reference_day("ALMATY, 12 June 2022. Police said ...", {}) == date(2022, 6, 12)
    assert reference_day("No dateline here.", {"published": "2021-05-04"}) == date(2021, 5, 4)


def test_a_part_of_a_count_is_not_added_to_it():
    assert count_ranges("Officials said 238 people, including 19 police officers, were killed in the unrest.") == {
        "fatalities": (238, 238)}
    assert count_ranges("Police detained 120 people, 30 of whom were later charged.")["detained"] == (120, 120)
    assert count_ranges("Four civilians and three soldiers were killed.")["fatalities"] == (7, 7)


@pytest.mark.parametrize("text", ["Police detained 30-40 protesters.", "Police detained 30–40 protesters.",
                                  "Between 30 and 40 protesters were detained.", "30 to 40 people were arrested."])
def test_a_range_of_numbers_is_one_count_not_a_sum(text: str):
    assert count_ranges(text)["detained"] == (30, 40)
