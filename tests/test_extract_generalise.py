"""Rules of extractor 0.2 that carry it to report styles beyond the development report (news items, urgent
actions, policy briefs, survey forms), each on sentences written for these tests."""

from datetime import date

import pytest

from flows.extract import coverage_year
from flows.extract import extract_report as _extract_report
from flows.extract.context import relative_date
from flows.extract.dates import dateline_year, find_dates
from flows.extract.detect import detect
from flows.extract.segment import split_sentences
from flows.ingest.reports import ReportDoc


def extract_report(doc, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_report(doc, extractor="rules", **kw)


def kinds(sentence: str, year: int = 2021) -> list[tuple[str, str | None]]:
    return sorted((d.event_type, d.date and d.date.date_start.isoformat()) for d in detect(sentence, year))


def extract(text: str, **meta):
    return extract_report(ReportDoc("t.txt", "", "txt", text, meta))



@pytest.mark.parametrize("sentence", [
    # a sentence being served is a state, and so is house arrest
    "The blogger, who is serving a four-year prison sentence in Mahilyow, wrote to his family in May.",
    "Most of the accused remained in custody or under house arrest at the end of October.",
    # a participle that describes people ("detained reporters") reports no occurrence
    "The delegation asked in April about the health of detained reporters.",
    "Diplomats met relatives of jailed opposition figures in Vilnius in March.",
    # no particular occurrence
    "Under the rules adopted in May, any street protest needs the mayor's approval.",
    # a vague plural subject without a date of its own summarises many occurrences
    "Many members of the former ruling party were prosecuted for abuse of office; the party dissolved in May.",
    # counts of complaints and allegations are statistics
    "The ombudsman received 142 complaints of ill-treatment by police in 2021.",
    # a trial is held, nobody is
    "The hearing, which started in February, was held in a prison courtroom.",
    # the protest noun modifies another noun
    "In March, a protest leader from Gyumri was elected to the city council.",
    # recommendations, also after a fronted phrase
    "Ensure that no one is detained for taking part in a peaceful rally.",
    "Pending a retrial, ensure that the defendants are not beaten or tortured in custody.",
    "Remove administrative detention as a penalty for an unauthorised assembly.",
    # laws and drafts
    "Anyone who insults a public official can be prosecuted and imprisoned for up to two years.",
    "The draft requires organisers to notify the police ten days before a march.",
    "Such fines would deter people considering taking part in a protest.",
    # negation carries over "or": not tortured or otherwise ill-treated
    "The committee found in 2021 that he had not been subjected to torture or other ill-treatment.",
    # references to the act rather than reports of it
    "The centre's work includes documentation of torture and legal aid.",
    "In December, activists called for an end to torture in prisons.",
])
def test_no_event(sentence):
    assert kinds(sentence) == []


@pytest.mark.parametrize("sentence, expected", [
    # the act named in a charge is the offence, not an occurrence: a charge, no riot
    ('In June, two bloggers were charged with "organising mass riots" over a post on Telegram.',
     [("trial", "2021-06-01")]),
    # a running tally in the present perfect is no detention; the protests it counts from are reported
    ("Almost 900 people have been arrested since the demonstrations began in August.", [("protest", "2021-08-01")]),
    # a release by a crowd is no legal release; the storming still is a protest
    ("In March, demonstrators broke into the police station and freed two of their leaders.",
     [("protest", "2021-03-01")]),
    # a court's release is one
    ("In March, the court freed two of the leaders on bail.", [("trial", "2021-03-01")]),
    # a dated move from custody to house arrest is a release (coding decision of heldout/README.md)
    ("The lawyer was moved to house arrest in September.", [("trial", "2021-09-01")]),
    # 'placed under house arrest' is still reported
    ("In July, a court placed the mayor of Osh under house arrest.", [("detention", "2021-07-01")]),
    # a date in a relative clause about someone else does not date the main clause
    ("Villagers blocked the road to the mine and freed Asanov, who was arrested in June.",
     [("detention", "2021-06-01"), ("protest", None)]),
    # ... but a relative clause that describes the event itself does ("a march, which took place in May")
    ("A march, which took place in May in Bishkek, drew 300 people.", [("protest", "2021-05-01")]),
    # a clause opened by 'when' happens at the date before it
    ("She was charged in 2021 over the night of 12 March 2019, when police beat protesters in Naryn.",
     [("attack", "2019-03-12"), ("trial", "2021-01-01")]),
    # troops that break up protests do not make them a military march
    ("On 2 May, troops broke up protests in the capital.", [("protest", "2021-05-02")]),
    # new trigger phrases
    ("He was taken back into custody in November.", [("detention", "2021-11-01")]),
    ("In April, the regional court began hearing the case against the six activists.", [("trial", "2021-04-01")]),
    ("The trial, which began in February, ended with a conviction.", [("trial", "2021-02-01")]),
    ("In May, the court handed prison terms of three years to both editors.", [("trial", "2021-05-01")]),
    ("In June, lawyers documented beatings of inmates in the Osh prison.", [("attack", "2021-06-01")]),
])
def test_event(sentence, expected):
    assert kinds(sentence) == expected


def test_stun_grenades_and_water_cannon_are_police_force_not_bombs():
    # and "riot police" are police, not a riot
    [det] = detect("In May, riot police fired stun grenades and water cannons at the crowd.", 2021)
    assert (det.event_type, det.subtype) == ("attack", "assault")


def test_protesters_who_set_buildings_on_fire_riot():
    dets = detect("On 4 May, protesters set several cars on fire outside the governor's office.", 2021)
    assert [(d.event_type, d.subtype) for d in dets] == [("protest", "riot")]


def test_the_date_a_statement_was_made_is_not_the_event_date():
    # "said on Tuesday" dates the statement; the killing takes its date from elsewhere
    assert kinds("Two people were killed in the clashes, the ministry said on 9 May.") == [("attack", None)]
    assert relative_date("Three were injured, officials said on Friday.", None, date(2021, 5, 9)) is None
    assert relative_date("Police detained three men on Friday.", None, date(2021, 5, 9)) == \
        relative_date("on Friday", None, date(2021, 5, 9))


def test_day_ranges_and_seasons():
    [span] = find_dates("on 3 and 4 June 2021", None)
    assert (span.date_start, span.date_end, span.precision) == (date(2021, 6, 3), date(2021, 6, 4), "week")
    [span] = find_dates("between May 10-12", 2020)
    assert (span.date_start, span.date_end) == (date(2020, 5, 10), date(2020, 5, 12))
    [span] = find_dates("picketed the ministry throughout the summer", 2019)
    assert (span.date_start, span.date_end) == (date(2019, 6, 1), date(2019, 8, 31))
    assert find_dates("the summer camps", 2019) == []


def test_a_news_dateline_sets_the_coverage_year():
    text = ("OSH, Nov 3, 2021 (AP) - Police detained 12 people.\n\n"
            "Similar protests took place in 2010 and in 2010 and in 2010.\n")
    assert dateline_year(text) == 2021
    assert coverage_year(ReportDoc("news.txt", "", "txt", text, {})) == 2021
    assert dateline_year("In 2020, police detained 12 people on 3 May 2020.") is None


def test_a_blank_line_ends_a_headline_or_a_form_header():
    text = ("Court jails two activists over the rally in the capital last spring after a long trial\n\n"
            "The verdict was read out on Friday.")
    sents = split_sentences(text)
    assert [s.paragraph for s in sents] == [0, 1]
    wrapped = "The verdict was read out on Friday in the\n\ncourt of the capital."
    assert len(split_sentences(wrapped)) == 1   # a line that goes on in lower case continues the sentence


def test_short_labels_are_not_events():
    assert extract("Arrests and detentions.\n\nStrikes.", coverage_year=2021).is_empty()


def test_news_story_paragraphs_share_their_date_and_event():
    text = ("MINSK, 14 May 2021 (Reuters) - A court in Minsk on Friday sentenced an opposition blogger to "
            "six years in prison.\n\n"
            "The court also handed prison terms of four years to two of his associates.\n\n"
            "Supporters gathered outside the court on Thursday evening. Police detained five of them.\n")
    df = extract(text)
    rows = sorted((r["event_type"], r["date_start"]) for r in df.iter_rows(named=True))
    # one conviction (the associates are sentenced in the same verdict), the detention on Thursday
    assert rows == [("detention", date(2021, 5, 13)), ("trial", date(2021, 5, 14))]


def test_a_summary_restating_the_body_with_names_is_one_event():
    text = ("EXECUTIVE SUMMARY\n\n"
            "In 2021, weeks of street protests forced minister Tokoev to resign.\n\n"
            "PROTESTS\n\n"
            "On 4 April, about 2,000 people rallied in Osh to demand that Tokoev resign.\n")
    df = extract(text, coverage_year=2021)
    assert df["event_type"].to_list() == ["protest"] and df["date_start"].to_list() == [date(2021, 4, 4)]


@pytest.mark.parametrize("sentence, expected", [
    # people who gather with a protest's purpose protest; people who gather for a concert do not
    ("On 2 May, about 200 farmers gathered outside the regional office to demand compensation.",
     [("protest", "2021-05-02")]),
    ("On 2 May, about 200 fans gathered outside the stadium for the final.", []),
    ("In June, villagers blocked the main highway to Osh for six hours.", [("protest", "2021-06-01")]),
    # a count of cases with an adjective between is still a statistic
    ("The ombudsman opened 14 criminal cases on torture in 2021.", []),
])
def test_more_events(sentence, expected):
    assert kinds(sentence) == expected


def test_dateline_with_a_country_after_the_city():
    assert dateline_year("Police fire tear gas\n\nYEREVAN, Armenia, June 4, 2018 (AP) - Police fired ...") == 2018


def test_a_sentence_case_headline_is_a_heading_but_a_dated_line_is_not():
    sents = split_sentences("Police use tear gas on protesters opposing the new mining law\n\nText follows here.")
    assert sents[0].heading
    sents = split_sentences("Police detained 40 protesters in Osh on 3 May 2021 during a rally against the mine\n\n"
                            "Text follows here.")
    assert not sents[0].heading


def test_a_news_story_tells_its_event_once_and_a_dateline_is_not_an_event_date():
    text = ("OSH, Kyrgyzstan, May 6, 2021 (AP) - Police fired tear gas on Wednesday at farmers who had gathered "
            "outside the governor's office to demand compensation for flooded fields.\n\n"
            "Farmers threw stones at the police, and several officers were hurt.\n\n"
            "Officials said on Thursday that a court had jailed two farmers for 10 days.\n\n"
            "Police beat at least three farmers, a local lawyer said.\n")
    df = extract(text)
    rows = sorted((r["event_type"], r["date_start"]) for r in df.iter_rows(named=True))
    # one use of force and one protest on Wednesday (the later mentions restate them); the jailing takes
    # the story's context, not the day the officials spoke
    assert rows == [("attack", date(2021, 5, 5)), ("protest", date(2021, 5, 5)), ("trial", date(2021, 5, 5))]


def test_a_sentence_without_events_dates_what_follows_by_its_leading_date():
    text = ("On 16 May 2022, residents gathered in the square, recalling a killing in November 2021. "
            "Two days later, police detained 30 of them.\n")
    df = extract(text, coverage_year=2022)
    det = df.filter(df["event_type"] == "detention").row(0, named=True)
    assert det["date_start"] == date(2022, 5, 18)


@pytest.mark.parametrize("sentence, expected", [
    # a summary's states and patterns
    ("Dozens of activists remained imprisoned on politically motivated charges.", []),
    ("Ill-treatment in police custody remained widespread.", []),
    ("Allegations of beatings and other ill-treatment were rarely investigated.", []),
    ("The report reviews the prohibition of torture in national law.", []),
    # a counted people noun that opens its clause acts; after a verb it is acted upon
    ("On 2 May, thousands of demonstrators marched through Osh.", [("protest", "2021-05-02")]),
    ("On 2 May, police detained dozens of demonstrators.", [("detention", "2021-05-02")]),
    # a vague plural subject is one, not a detention told in the same clause about a count
    ("On 2 May, several people were injured and police detained at least ten people.", [("detention", "2021-05-02")]),
    # deaths in riots are the riots' toll
    ("In 2008, five people were killed in riots after the election.", [("protest", "2008-01-01")]),
    # violent dispersal is police force
    ("On 1 July, a rally in Nukus was violently dispersed by security forces.",
     [("attack", "2021-07-01"), ("protest", "2021-07-01")]),
])
def test_summary_states_counted_subjects_and_tolls(sentence, expected):
    assert kinds(sentence) == expected


def test_numbered_paragraphs_open_recommendations():
    text = ("5.1 Release all persons imprisoned for their peaceful activism.\n"
            "5.2 Ensure that perpetrators of torture are prosecuted.\n"
            "2.2 On 25 January 2021, a court sentenced a blogger to six years in prison.\n")
    df = extract(text, coverage_year=2021)
    assert df.select("event_type", "date_start").rows() == [("trial", date(2021, 1, 25))]


@pytest.mark.parametrize("sentence, expected", [
    # kinds of events listed together in an undated sentence are a topic, not occurrences
    ("The monitors record protests, arrests and attacks on journalists.", []),
    ("The database holds protest, detention, attack and trial events.", []),
    # with a date, or with verbs, or without a list separator, they report
    ("In May, protests and arrests followed the verdict.", [("detention", "2021-05-01"), ("protest", "2021-05-01")]),
    ("Police fired tear gas and arrested 12 people.", [("attack", None), ("detention", None)]),
])
def test_lists_of_event_kinds(sentence, expected):
    assert kinds(sentence) == expected
