"""Regression guard on the shared dev report (Freedom House, Nations in Transit 2017: Kazakhstan).

The report, its gold events and its non-event sentences live in ../shared (not shipped with the project);
without them these tests are skipped with that reason.
"""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flows.extract import extract_file as _extract_file
from flows.extract import write_extract_csv


def extract_file(path, **kw):
    """These tests document the rules extractor (the learned one has tests of its own)."""
    return _extract_file(path, extractor="rules", **kw)

SHARED = Path(__file__).resolve().parents[2] / "shared"
REPORT = SHARED / "corpus" / "freedomhouse-nit2017-kazakhstan.txt"
NON_EVENTS = SHARED / "eval" / "dev" / "freedomhouse-nit2017_non_events.csv"
pytestmark = pytest.mark.skipif(not REPORT.is_file(), reason=f"dev report not found at {REPORT}")

# Non-event sentences that share their sentence with a coded event (the brief codes the Kostanay fine of
# "In July, police raided Baptist summer camps ..., and fined a woman ..."): the overlap is expected.
SHARED_WITH_AN_EVENT = ("In July, police raided Baptist summer camps",)


@pytest.fixture(scope="module")
def dev():
    return REPORT.read_text(encoding="utf-8"), extract_file(REPORT)


def _span(text: str, quote: str) -> tuple[int, int]:
    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    assert m, quote[:60]
    return m.start(), m.end()


def test_non_event_sentences_yield_no_event(dev):
    text, df = dev
    spans = list(zip(df["char_start"].to_list(), df["char_end"].to_list(), strict=True))
    rows = list(csv.DictReader(NON_EVENTS.open(encoding="utf-8")))
    assert len(rows) >= 10
    for row in rows:
        if row["quote"].startswith(SHARED_WITH_AN_EVENT):
            continue
        start, end = _span(text, row["quote"])
        assert not any(s < end and start < e for s, e in spans), row["quote"][:80]


def test_quotes_reproduce_and_coverage_year_is_inferred(dev):
    text, df = dev
    for r in df.iter_rows(named=True):
        assert text[r["char_start"]:r["char_end"]] == r["quote"]
    assert df["date_start"].dt.year().max() == 2016   # Nations in Transit 2017 covers 2016


def test_shared_scorer_f1_floor(dev, tmp_path):
    _, df = dev
    pred = write_extract_csv(df, tmp_path / "pred.csv")
    out = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "score_events.py"), "--text", str(REPORT),
         "--gold", str(SHARED / "eval" / "dev" / "freedomhouse-nit2017_gold.csv"), "--doc", "fh-nit-2017",
         "--pred", str(pred), "--json"],
        check=True, capture_output=True, text=True,
    )
    result = json.loads(out.stdout)
    assert result["f1"] >= 0.85 and result["date_exact_among_matched"] >= 0.8, result
