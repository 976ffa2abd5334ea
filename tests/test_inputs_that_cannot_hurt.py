"""Inputs that cannot hurt (issue 9), stage by stage: links and special files in the inbox, size limits,
the date window, plausible counts, long fields and spreadsheet formulas."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flows.config import Settings
from flows.export import neutralise_formulas, write_events
from flows.extract.dates import find_dates
from flows.extract.quantities import count_ranges
from flows.ingest.datasets.counts import parse_count
from flows.ingest.discover import discover, split_by_state
from flows.normalize import normalize
from flows.publish.eventdata import conform_events
from flows.stages import extract_or_map


def _files(inbox: Path, **kwargs) -> dict:
    return {f.relpath.split("/", 1)[1]: f for f in discover(inbox, **kwargs)}


def test_links_never_lead_out_of_the_inbox(tmp_path: Path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("Police detained 5 protesters in Almaty on 5 May 2022.")
    (outside / "dir" / "more.txt").write_text("Police detained 6 protesters in Almaty on 6 May 2022.")
    (inbox / "real.txt").write_text("Police detained 7 protesters in Almaty on 7 May 2022.")
    os.symlink(outside / "secret.txt", inbox / "out.txt")
    os.symlink("/etc/passwd", inbox / "passwd.txt")
    os.symlink(outside / "dir", inbox / "dir_out")
    os.symlink(inbox / "gone.txt", inbox / "dangling.txt")
    os.symlink("b.txt", inbox / "a.txt")
    os.symlink("a.txt", inbox / "b.txt")
    os.symlink("real.txt", inbox / "alias.txt")
    (inbox / "sub").mkdir()
    os.symlink("..", inbox / "sub" / "loop")          # a folder loop: the walk must not follow it
    (inbox / "note.meta.yaml").symlink_to("/etc/passwd")
    (inbox / "note.txt").write_text("Police detained 8 protesters in Almaty on 8 May 2022.")
    files = _files(inbox)
    problems = {name: f.problem[0] for name, f in files.items() if f.problem}
    assert problems == {"out.txt": "outside_inbox", "passwd.txt": "outside_inbox", "dir_out": "outside_inbox",
                        "dangling.txt": "dangling_link", "a.txt": "link_loop", "b.txt": "link_loop",
                        "note.txt": "outside_inbox"}
    assert set(files) == {*problems, "real.txt", "alias.txt"}
    # a link out is never opened: its hash is of the link itself, not of the file it names
    assert files["passwd.txt"].sha256 != hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    assert "/etc/passwd" in files["passwd.txt"].problem[1]
    # the link inside the inbox is one source under two names
    new, _, _, duplicates = split_by_state(list(files.values()), {})
    assert {f.relpath for f in duplicates} == {"inbox/real.txt"}
    # each problem becomes a reject with its reason, and nothing is read
    batch = extract_or_map(files["passwd.txt"])
    assert batch.mentions.height == 0
    assert batch.rejects.select("reason", "locator").row(0) == ("outside_inbox", "file")


def test_pipes_empty_files_and_oversized_reports_are_rejected_unread(tmp_path: Path):
    os.mkfifo(tmp_path / "pipe.txt")                 # opening it would block the run forever
    (tmp_path / "empty1.txt").write_bytes(b"")
    (tmp_path / "empty2.txt").write_bytes(b"")
    (tmp_path / "big.txt").write_text("Police detained protesters. " * 100)
    (tmp_path / "big.csv").write_text("a,b\n" * 1000)   # the report limit is for reports only
    files = _files(tmp_path, max_report_bytes=1000)
    assert files["pipe.txt"].problem[0] == "not_a_regular_file"
    assert files["empty1.txt"].problem[0] == files["empty2.txt"].problem[0] == "empty_file"
    assert files["big.txt"].problem == ("too_large", "the report is 0.0 MB, over the limit of 0.0 MB (setting "
                                                     "max_report_bytes): not read")
    assert files["big.csv"].problem is None
    new, changed, unchanged, duplicates = split_by_state(list(files.values()), {})
    assert duplicates == {}                          # two empty files are not duplicates of each other
    assert {f.relpath.split("/")[1] for f in new} == set(files)
    reasons = {name: extract_or_map(f).rejects["reason"].to_list() for name, f in files.items() if f.problem}
    assert reasons == {"pipe.txt": ["not_a_regular_file"], "empty1.txt": ["empty_file"],
                       "empty2.txt": ["empty_file"], "big.txt": ["too_large"]}


def _mention(**over) -> dict:
    base = dict(source="r.txt", source_sha256="abc", source_kind="report", event_type="detention",
                subtype="arrest", date_start=date(2016, 5, 1), date_end=date(2016, 5, 1), date_precision="day",
                country="KZ", extractor="test/1", confidence=0.8, char_start=10, char_end=60, quote="q")
    return {**base, **over}


@pytest.mark.parametrize(("over", "reason"), [
    ({"date_start": date(1, 1, 1), "date_end": date(1, 1, 1)}, "bad_date"),
    ({"date_start": date(1799, 12, 31), "date_end": date(1799, 12, 31)}, "bad_date"),
    ({"date_start": date(2099, 6, 1), "date_end": date(2099, 6, 1)}, "bad_date"),
    ({"date_start": date(9999, 12, 31), "date_end": date(9999, 12, 31)}, "bad_date"),
    ({"date_end": date(9999, 12, 31)}, "bad_date"),
    ({"participants_low": 10**12, "participants_high": 10**12}, "implausible_count"),
    ({"fatalities_low": 100_000_000, "fatalities_high": None}, "implausible_count"),
    ({"participants_low": -500, "participants_high": -500}, "bad_count"),
    ({"detained_low": -40, "detained_high": -40}, "bad_count"),
    ({"quote": "x" * 100_001}, "field_too_long"),
    ({"actors": "y" * 100_001}, "field_too_long"),
])
def test_limits_reject_with_their_reason_and_change_nothing(over: dict, reason: str):
    valid, rejects = normalize(pl.DataFrame([_mention(**over), _mention(char_start=70, char_end=80)]))
    assert valid.height == 1 and valid["date_start"][0] == date(2016, 5, 1)
    assert rejects["reason"].to_list() == [reason]
    assert len(rejects["raw"][0]) < 100_000 + 2_000          # the record, not 10 MB of it


def test_limits_come_from_the_settings():
    rows = pl.DataFrame([_mention(date_start=date(1900, 1, 1), date_end=date(1900, 1, 1)),
                         _mention(participants_low=2000, participants_high=2000, char_start=1)])
    assert normalize(rows)[1].height == 0                    # 1900 is inside the default window
    strict = Settings(date_min=date(1950, 1, 1), max_participants=1000)
    valid, rejects = normalize(rows, settings=strict)
    assert valid.height == 0
    assert sorted(rejects["reason"]) == ["bad_date", "implausible_count"]
    assert "1900-01-01 is outside the accepted window 1950-01-01" in " ".join(rejects["detail"])
    assert Settings(date_max=date(2030, 1, 1)).date_window() == (date(1800, 1, 1), date(2030, 1, 1))
    assert Settings().date_window(today=date(2026, 3, 1))[1] == date(2026, 3, 2)


def test_report_dates_with_impossible_years_are_not_moved_to_the_coverage_year():
    (d,) = find_dates("On 31 December 9999, police detained 40 protesters.", 2022)
    assert (d.date_start, d.precision) == (date(9999, 12, 31), "day")
    (d,) = find_dates("In May 0001, riot police dispersed a rally.", 2022)
    assert d.date_start == date(1, 5, 1)
    (d,) = find_dates("In 9999, police detained activists.", 2022)
    assert d.date_start == date(9999, 1, 1)
    # a number after a date that is a count, not a year, is left alone
    (d,) = find_dates("On 5 May 1500 people marched.", 2022)
    assert d.date_start == date(2022, 5, 5)
    assert find_dates("in 1500 cases", 2022) == []


def test_negative_counts_stay_negative_so_they_are_refused():
    assert count_ranges("On 10 March 2022, police detained -40 protesters.") == {"detained": (-40, -40)}
    assert count_ranges("police detained 40 protesters") == {"detained": (40, 40)}
    assert parse_count("-500") == (-500, -500) and parse_count("−5") == (-5, -5)


def test_formula_cells_are_neutralised_in_csv(tmp_path: Path):
    frame = pl.DataFrame({"event_id": ["e1", "e2", "e3"], "actors": ["=HYPERLINK(\"x\")", "+cmd", "ok"],
                          "quote": ["@SUM(1)", "-2+3", "\tx"], "detained_low": [-1, 2, 3]})
    out = neutralise_formulas(frame)
    assert out["actors"].to_list() == ["'=HYPERLINK(\"x\")", "'+cmd", "ok"]
    assert out["quote"].to_list() == ["'@SUM(1)", "'-2+3", "'\tx"]
    assert out["detained_low"].to_list() == [-1, 2, 3]          # numbers are not text: untouched
    events = conform_events(pl.DataFrame([_mention(actors="=1+1", event_id="e1", n_sources=1)]))
    path = write_events(events, "csv", tmp_path / "e.csv")
    assert "'=1+1" in path.read_text()
    parquet = write_events(events, "parquet", tmp_path / "e.parquet")
    assert pl.read_parquet(parquet)["actors"][0] == "=1+1"      # only CSV, which spreadsheets open, is changed


def test_a_large_file_says_when_its_reading_starts_and_how_long_it_took(caplog):
    from types import SimpleNamespace

    from flows.progress import LARGE_FILE_BYTES, announced

    batch = SimpleNamespace(mentions=pl.DataFrame({"a": [1, 2]}), rejects=pl.DataFrame({"b": [1]}))
    read = announced(lambda f, year=None: batch)
    with caplog.at_level("INFO", logger="eventflow"):
        assert read(SimpleNamespace(relpath="inbox/small.txt", size_bytes=100)) is batch
        assert caplog.messages == []
        read(SimpleNamespace(relpath="inbox/big.csv", size_bytes=LARGE_FILE_BYTES * 3))
    assert caplog.messages[0] == "reading inbox/big.csv (30 MB): a large file, this can take a while"
    assert caplog.messages[1].startswith("read inbox/big.csv in ") and "2 mentions, 1 rejects" in caplog.messages[1]
