"""The learned extractor: one interface with the rules, evidence that reproduces, no events from apparatus or
from text about rules, a calibrated confidence, and a training command that reproduces the shipped model.

Texts are the team's own."""

from pathlib import Path

import numpy as np
import pytest

from flows.extract import extract_file, extract_report
from flows.extract.learned import LEARNED_VERSION
from flows.extract.learned.model import DEFAULT_MODEL, load_model
from flows.extract.registry import EXTRACTORS, UnknownExtractor, get
from flows.ingest.reports import ReportDoc

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def _doc(text: str, meta: dict | None = None) -> ReportDoc:
    return ReportDoc("r.txt", "", "txt", text, meta or {})


def test_one_interface_the_learned_extractor_by_default_and_the_rules_on_request():
    assert set(EXTRACTORS) == {"rules", "learned"}
    text = "On 3 May 2021, police detained 40 protesters outside the parliament in the capital."
    learned, rules = extract_report(_doc(text)), extract_report(_doc(text), extractor="rules")
    assert learned["extractor"].unique().to_list() == [LEARNED_VERSION]
    assert rules["extractor"].unique().to_list() != [LEARNED_VERSION]
    assert learned.columns == rules.columns
    with pytest.raises(UnknownExtractor):
        get("llm")


@pytest.mark.parametrize("name", ["annual_chapter.txt", "news_item.html", "kyrgyz_brief.md", "wire_story.txt"])
def test_every_mention_quotes_the_text_at_its_offsets_with_a_probability(name: str):
    from flows.ingest.reports import read_report

    doc = read_report(FIXTURES / name)
    df = extract_file(FIXTURES / name)
    assert df.height > 0
    for quote, start, end, conf in df.select("quote", "char_start", "char_end", "confidence").iter_rows():
        assert doc.text[start:end] == quote
        assert 0.0 <= conf <= 1.0


def test_apparatus_never_yields_events():
    text = ("SOURCE: example/archive police-arrest-40.md @ 1a2b3c | licence: CC0 | Police arrest 40 | 2021-05-04\n"
            "Police arrest 40 protesters after march on parliament\n\n"
            "By Dana Omarova\n\n"
            "The city council met on Monday to discuss the budget for the new school year.\n\n"
            "Protesters are detained by riot police outside the parliament on Sunday (pictured)\n\n"
            "Contents\n\nArrests at the march ........ 3\n\nTrials of the organisers ........ 7\n\n"
            "References\n\n"
            "[1] \"Police detain 40 at parliament march,\" Example News, May 3, 2021. https://example.org/a\n\n"
            "[2] \"Court jails march organisers,\" Example Times, May 20, 2021. https://example.org/b\n")
    assert extract_report(_doc(text)).height == 0
    body_event = text.replace("The city council met on Monday to discuss the budget for the new school year.",
                              "On Sunday, riot police detained 40 protesters who marched on the parliament.")
    df = extract_report(_doc(body_event))
    assert df.height >= 1
    assert all("riot police detained 40" in q for q in df["quote"].to_list())


@pytest.mark.parametrize("sentence", [
    "Under the criminal procedure code, a court may extend pretrial detention by two months at a time.",
    "The law allows the police to detain protesters for up to 15 days for an unauthorised rally.",
    "The authorities should release all political prisoners and drop the charges against them.",
    "No one was detained during the rally on Saturday, which ended peacefully.",
    "The constitution guarantees the right to peaceful assembly, but permits are rarely granted.",
    "The ministry released its annual report on prison conditions in March.",
])
def test_text_about_rules_recommendations_and_negations_gives_no_event(sentence: str):
    text = f"Exampleland 2021 Human Rights Report\n\n{sentence}\n"
    assert extract_report(_doc(text)).height == 0


def test_the_confidence_is_calibrated_on_dev_and_increases_with_the_score():
    model = load_model(DEFAULT_MODEL)
    assert len(model.calib_x) >= 2 and np.all(np.diff(model.calib_x) >= 0) and np.all(np.diff(model.calib_y) >= 0)
    raw = np.linspace(0, 1, 21)
    assert np.all(np.diff(model.calibrate(raw)) >= 0)
    assert 0.0 < model.threshold < 1.0
    card = model.card
    assert card["dev_internal"]["gold"] > 200 and card["train_positive"] > 500
    assert sum(row["mentions"] for row in card["dev_reliability"]) == card["dev_internal"]["pred"] or \
        sum(row["mentions"] for row in card["dev_reliability"]) >= card["dev_internal"]["pred"]


def test_train_reproduces_the_committed_model(tmp_path: Path):
    """`eventflow train` from the annotations and ../shared texts gives the shipped model's dev figures back
    (within 0.01). About a minute on two cores: it rescans the train and dev documents and refits."""
    from flows.extract.learned.train import train

    card = train(tmp_path / "model.npz", log=lambda *_: None)
    shipped = load_model(DEFAULT_MODEL).card
    for key in ("precision", "recall", "f1"):
        assert abs(card["dev_internal"][key] - shipped["dev_internal"][key]) <= 0.01, key
    assert card["train_documents"] == shipped["train_documents"]
    assert card["C"] == shipped["C"]


def test_review_decisions_become_partly_labelled_training_examples(review_db: Path, review_text: str):
    """`eventflow train --with-reviews`: a confirmed mention teaches an event, a dropped one a non-event, and
    the sentences nobody reviewed teach nothing."""
    import duckdb

    from flows.extract.learned.train import review_examples
    from flows.review.desk import Desk

    def mention(where: str) -> str:
        with duckdb.connect(str(review_db), read_only=True) as con:
            return con.execute(f"SELECT mention_id FROM mentions WHERE {where}").fetchone()[0]

    desk = Desk(review_db, "ann")
    desk.decide(mention("location_text = 'Almaty'"), 0, "confirm")
    desk.decide(mention("location_text = 'Astana'"), 0, "drop")
    (ex,) = review_examples(review_db)
    assert ex.partial and ex.scan.doc.text == review_text
    labelled = {(ex.scan.sentences[c.sentence].text[:12], c.det.event_type): y
                for c, y in zip(ex.scan.candidates, ex.labels(), strict=True) if y is not None}
    assert labelled[("On 5 January", "detention")] == 1
    assert labelled[("On 11 Januar", "trial")] == 0
    assert not any(key[0].startswith("On 6 January") for key in labelled)     # not reviewed: not an example
