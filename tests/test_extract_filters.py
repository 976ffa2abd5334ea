"""Detection and filters of the report extractor on sentences of our own (no spaCy needed)."""

import pytest

from flows.extract.detect import detect
from flows.extract.triggers import find_triggers, is_candidate


def kinds(sentence: str, year: int = 2016) -> list[tuple[str, str | None]]:
    return sorted((d.event_type, d.date and d.date.date_start.isoformat()) for d in detect(sentence, year))


@pytest.mark.parametrize("sentence", [
    # negation
    "Police did not arrest anyone at the rally in Osh in March.",
    "No journalists were detained during the election in May.",
    # hypotheticals and plans
    "The opposition plans to hold a protest in Bishkek in June.",
    "Activists said they would stage a hunger strike in October if the law passed.",
    "Attacks on civilians cannot be ruled out in 2017.",
    # laws and policies
    "The new law allows police to detain suspects for 72 hours without charge.",
    "Amendments adopted in 2014 made unsanctioned rallies punishable by fines of up to $1,000.",
    # generic or habitual statements
    "Courts regularly convict defendants in closed trials.",
    "In 2016, the authorities continued to fine and jail worshippers for unregistered prayer.",
    # aggregates over long periods
    "In July, officials said 23 prison officers had been jailed on torture charges over the last eight years.",
    "Since 2010, more than 400 people have been detained under the extremism article.",
    # senses that are not events
    "The ministry published the release of documents on offshore accounts in April.",
    "The vote in March demonstrated that support for the party remains strong.",
    # disasters and accidents kill without an attacker; soldiers march without protesting
    "A strong earthquake killed eight people in Java on Monday.",
    "Government troops marched into the town on Sunday.",
    # questionnaires and recommendations
    "Q3. Were you detained during the protest in May?",
    "Release all political prisoners and drop the charges against journalists.",
    "Human rights defenders face arrest and prosecution.",
])
def test_sentences_that_must_yield_no_event(sentence):
    assert kinds(sentence) == []


def test_one_sentence_several_events():
    found = kinds("Fifty-one people were charged with breaching assembly laws in May, with 12 fined and four jailed.")
    assert found == [("trial", "2016-05-01")] * 3
    subtypes = sorted(d.subtype for d in detect(
        "Fifty-one people were charged with breaching assembly laws in May, with 12 fined and four jailed.", 2016))
    assert subtypes == ["charge", "conviction", "fine"]


def test_a_protest_and_the_detentions_at_it():
    found = kinds("On March 8, about 300 women rallied in Almaty and police detained 12 of them.")
    assert found == [("detention", "2016-03-08"), ("protest", "2016-03-08")]


def test_each_trigger_takes_the_date_of_its_own_clause():
    found = kinds("Two activists were detained in May and jailed in November for inciting discord.")
    assert found == [("detention", "2016-05-01"), ("trial", "2016-11-01")]
    found = kinds("In June, the organiser of the EXPO-17 fair to be held in 2017 was sentenced to 14 years.")
    assert found == [("trial", "2016-06-01")]


def test_offence_is_not_an_attack_and_march_the_month_is_not_a_march():
    assert kinds("In October, a prison guard was jailed for nine years for raping and torturing a prisoner.") == [
        ("trial", "2016-10-01")]
    assert kinds("In March, the president signed a decree on the budget.") == []
    assert [t.subtype for t in find_triggers("Thousands march through Tbilisi.")] == ["peaceful_protest"]


def test_reference_to_a_known_event_vs_its_occurrence():
    assert kinds("The 2016 land protests showed how fragile support had become.") == []
    assert kinds("The protests began in April in Atyrau.") == [("protest", "2016-04-01")]


def test_a_raid_alone_is_not_a_detention():
    assert kinds("In July, police raided a Baptist summer camp in Taraz.") == []
    assert kinds("In July, police raided a church in Taraz and detained its pastor.") == [("detention", "2016-07-01")]


def test_candidate_prefilter_is_cheap_and_lemma_based():
    assert is_candidate("Villagers accused police of beating them.")
    assert is_candidate("He was taken into custody.")
    assert not is_candidate("The economy grew by 1 percent in 2016.")


@pytest.mark.parametrize("text, headings", [
    ("Protests\n\nIn May, police detained 40 protesters in Almaty.", [True, False]),
    ("EXECUTIVE SUMMARY:\nPolice Detain Forty Protesters In The Capital Of The Country Today", [True, True]),
    ("Police detain 40 protesters in Almaty\n\nPolice detained 40 protesters on Monday.", [True, False]),
    ("- Police detained 40 protesters in Almaty\n- Court fines 12 activists", [False, False]),   # list items
])
def test_headings_are_marked_and_bullet_items_are_not(text, headings):
    from flows.extract.segment import split_sentences

    assert [s.heading for s in split_sentences(text)] == headings


def test_people_nouns_make_a_protest_only_when_they_act():
    assert kinds("Protesters poured into the streets of Almaty on Sunday, May 5.") == [("protest", "2016-05-05")]
    assert kinds("On May 21, hundreds of protesters were detained in Almaty.") == [("detention", "2016-05-21")]
    assert kinds("In May, police fired tear gas at the demonstrators.") == [("attack", "2016-05-01")]
    assert kinds("An angry mob lynched two men in the village in March.") == [
        ("attack", "2016-03-01"), ("protest", "2016-03-01")]


def test_clash_with_militants_is_an_armed_attack_not_a_riot():
    found = detect("In June, troops clashed with militants near the border.", 2016)
    assert [(d.event_type, d.subtype) for d in found] == [("attack", "armed_attack")]
    found = detect("In June, villagers clashed with police near the mine.", 2016)
    assert [(d.event_type, d.subtype) for d in found] == [("protest", "riot")]


def test_a_trend_of_something_else_does_not_make_an_event_an_aggregate():
    # the trend is about prices: the protests are one occurrence
    assert kinds("In January, protests over a sharp rise in fuel prices began in Zhanaozen.", 2022) == [
        ("protest", "2022-01-01")]
    # the trend is about the events themselves: a statistic, not an occurrence
    assert kinds("There was a sharp rise in arrests of activists in 2016.") == []
    assert kinds("A spate of attacks on journalists was reported in May.") == []


def test_protesters_storming_and_burning_make_a_riot_but_police_storming_does_not():
    (riot,) = detect("On January 5, protesters stormed the city hall in Almaty and set fire to cars.", 2022)
    assert (riot.event_type, riot.subtype) == ("protest", "riot")
    (rally,) = detect("In May, police stormed a rally of 300 people in Oral.", 2022)
    assert (rally.event_type, rally.subtype) == ("protest", "peaceful_protest")


def test_a_suspended_sentence_handed_down_is_a_conviction_a_later_suspension_is_not():
    (given,) = detect("On March 3, a court sentenced the activist to a six-year suspended sentence.", 2022)
    assert given.subtype == "conviction"
    later = {d.subtype for d in detect("In July, her sentence was suspended and she was released.", 2016)}
    assert later == {"sentence_suspended"}


def test_an_event_of_a_past_period_in_the_possessive_is_a_reference():
    found = detect("Authorities said on Tuesday they had detained 10,000 people over last week's unrest.", 2022)
    assert [d.event_type for d in found] == ["detention"]
    assert [d.event_type for d in detect("Saturday's protest in Oral drew 500 people.", 2022)] == ["protest"]


def test_survey_answers_are_statistics_and_a_remand_is_a_detention():
    assert kinds("In 2021, 12 respondents reported that staff had been detained at least once.") == []
    found = detect("A court in Taraz on Tuesday remanded three men in custody on charges of organising riots.", 2022)
    assert [(d.event_type, d.subtype) for d in found] == [("detention", "arrest")]
