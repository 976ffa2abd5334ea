"""Rules of extractor 0.3 (the independent held-out round), on sentences of our own."""

from datetime import date

import pytest

from flows.extract import extract_report as _extract_report
from flows.extract.context import relative_date
from flows.extract.dates import DateSpan
from flows.extract.detect import Detection, detect
from flows.extract.merge import Candidate, dedupe
from flows.ingest.reports import ReportDoc


def extract_report(doc, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_report(doc, extractor="rules", **kw)


def kinds(sentence: str, year: int = 2021) -> list[tuple[str, str | None]]:
    return sorted((d.event_type, d.date and d.date.date_start.isoformat()) for d in detect(sentence, year))


def report(text: str, year: int | None = 2021, name: str = "r.txt"):
    return extract_report(ReportDoc(name, "", "txt", text, {}), year=year)



@pytest.mark.parametrize("sentence", [
    # names of offices, treaties and bodies
    "The Special Rapporteur on torture visited the country's prisons in 2019 at the invitation of the government.",
    "Armenia ratified the Convention against Torture in 1993.",
    "The Subcommittee on Prevention of Torture published its findings in March 2020.",
    # a trigger in the subject of an obligation, in an undated recommendation
    "Reports of beatings and arbitrary arrests of voters should be examined by an independent body.",
    # a persistent problem, not an occurrence
    "Ill-treatment in police custody remains a major problem.",
    # negative quantifiers
    "The commission examined hundreds of complaints, but few were ever prosecuted.",
    # things that are held
    "A seminar for judges, organised by the bar association, was held in Almaty on 3 May.",
    # statistics over part of a year
    "The ministry said 870 people were detained for petty hooliganism in the first half of the year.",
    # quashing or upholding a conviction is not the verdict; an undated conviction noun is a reference
    "The appeal court upheld his conviction in June.",
    "Lawyers asked the court to overturn the conviction.",
])
def test_not_events(sentence):
    assert kinds(sentence) == []


@pytest.mark.parametrize("sentence", [
    # the riot called for is the offence, not an occurrence
    "In May, the court convicted the two bloggers, Aibek Osmonov and Dina Sultanova, of public calls to mass riots.",
    # a trial named inside another noun phrase is a reference
    "This paper sets out the findings of our observation of the appeal trial of the six teachers in 2020.",
    # the courtroom, not custody
    "Throughout the hearings in 2020, the accused were held in a glass cage.",
    # a treaty article states the law
    "Article 9 of the Covenant prohibits arbitrary arrest, and anyone detained must be brought before a judge.",
])
def test_not_events_round3(sentence):
    found = kinds(sentence)
    assert all(t == "trial" for t, _ in found) if "convicted" in sentence else found == []


def test_framing_of_a_letter_reports_nothing_new():
    text = ("We would like to bring to the attention of your Government information concerning the arrest and "
            "ill-treatment of two journalists in April 2021.\n")
    assert report(text).height == 0
    dated = "We are deeply concerned about the arrest of two journalists in Osh on 12 April 2021.\n"
    assert report(dated)["event_type"].to_list() == ["detention"]


def test_subset_in_a_dated_sentence_is_not_an_aggregate():
    found = kinds("On 2 March, police detained 30 villagers, most of them at their homes.")
    assert found == [("detention", "2021-03-02")]


def test_penalty_of_detention_is_not_a_detention():
    found = kinds("On 4 May, a district court sentenced the two organisers to administrative detention of ten days.")
    assert found == [("trial", "2021-05-04")]


def test_undated_later_release_is_not_coded():
    assert "trial" not in {t for t, _ in kinds("The student was held overnight and later released without charge.")}


def test_a_few_were_still_convicted():
    assert kinds("A few officers were convicted in May 2019.") == [("trial", "2019-05-01")]


def test_dated_most_were_released():
    found = kinds("In June, 40 demonstrators were detained; most were released on 12 June.")
    assert ("trial", "2021-06-12") in found and ("detention", "2021-06-01") in found


def test_force_used_to_disperse_is_an_attack():
    assert kinds("On 3 April, riot police dispersed the sit-in with water cannon and stun grenades.") == \
        [("attack", "2021-04-03")]


def test_possessive_of_the_reporter_is_not_a_reference():
    assert kinds("In March, her family reported beatings by prison guards.") == [("attack", "2021-03-01")]
    assert kinds("His lawyer described the beatings in detail.") == []   # "the beatings": a reference


def test_conviction_noun_dated():
    found = kinds("She was pardoned in 2019, eight years after a conviction in 2011 for embezzlement.")
    assert ("trial", "2011-01-01") in found


def test_transfer_to_house_arrest_is_a_release():
    found = detect("In August, the judge transferred three of the accused to house arrest.", 2021)
    assert [(d.subtype, d.date.date_start.isoformat()) for d in found] == [("release", "2021-08-01")]
    sentenced = detect("In August, the judge sentenced him to house arrest for a year.", 2021)
    assert [d.subtype for d in sentenced] == ["conviction"]


def test_killings_before_the_unrest_was_quelled_are_its_toll():
    found = kinds("Riots broke out in the port on 4 May; eleven people were killed before the unrest was quelled.")
    assert found == [("protest", "2021-05-04")]


def test_continued_on_a_given_day_is_not_a_habit():
    found = kinds("Police used tear gas on the crowd and continued to chase people until the morning of 9 May.")
    assert found == [("attack", "2021-05-09")]
    assert kinds("The authorities continued to detain critics in 2021.") == []


def test_following_weeks_and_same_evening():
    anchor = DateSpan(0, 0, date(2021, 11, 20), date(2021, 11, 20), "day")
    span = relative_date("Three more reporters were detained in the weeks that followed.", anchor, None)
    assert span.date_start == date(2021, 11, 20) and span.date_end > date(2021, 12, 20)
    same = relative_date("By the evening, twelve had been fined.", anchor, None)
    assert (same.date_start, same.precision) == (date(2021, 11, 20), "day")


def test_anaphoric_time_reaches_into_a_new_paragraph():
    df = report("On 14 October, thousands marched to the parliament in the capital.\n\n"
                "Police said that 40 people had been detained during the night.\n")
    det = df.filter(df["event_type"] == "detention")
    assert det.height == 1 and det["date_start"][0] == date(2021, 10, 14)


def test_weekday_beats_a_background_year_in_news():
    text = ("Regional news\n\n12 August 2021\n\n"
            "Dozens of traders blocked the road outside the town hall on Tuesday, demanding the stalls they were "
            "promised when the market was demolished in 2019.\n")
    df = report(text, year=None)
    assert df.height == 1 and df["date_start"][0] == date(2021, 8, 10)


def test_specific_day_is_not_swallowed_by_a_month_summary():
    def cand(start: date, end: date, precision: str, source: str) -> Candidate:
        det = Detection("attack", "armed_attack", [], DateSpan(0, 0, start, end, precision), source)
        return Candidate(det, 0, 0, 10)
    summary = cand(date(2021, 5, 1), date(2021, 5, 31), "month", "sentence")
    episode = cand(date(2021, 5, 18), date(2021, 5, 18), "day", "context")
    assert dedupe([summary, episode], news=True) == [summary, episode]
    restated = cand(date(2021, 5, 1), date(2021, 5, 31), "month", "context")
    assert dedupe([summary, restated], news=True) == [summary]


@pytest.mark.parametrize("text", [
    "| type | subtypes |\n|---|---|\n| detention | arrest, mass_detention, raid |\n",
    "SELECT admin1_iso, count(*) FROM events WHERE event_type = 'detention' GROUP BY 1;\n",
    "-- detentions by region and year\n",
    "Columns: date_start, date_end, detained_low, detained_high (arrests of the event).\n",
])
def test_tables_code_and_schemas_give_no_events(text):
    assert report(text).height == 0


@pytest.mark.parametrize("sentence", [
    "A strike and protest event-data tracker for the region, updated in 2021.",
    "The dataset counts protest events by month since May 2021.",
])
def test_prose_about_event_types(sentence):
    assert kinds(sentence) == []
