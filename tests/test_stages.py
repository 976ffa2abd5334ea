"""The stages as plain functions: bad input becomes rejects, and every dataset row is accounted for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flows import stages, store
from flows.ingest.discover import discover
from flows.rejects import reject_frame


def _file(tmp_path: Path, name: str, content: bytes):
    (tmp_path / name).write_bytes(content)
    return next(f for f in discover(tmp_path) if f.relpath == f"{tmp_path.name}/{name}")


def test_unreadable_files_become_rejects_not_errors(tmp_path: Path):
    cases = {"bad.txt": (b"\xfa\xfb\xfc", "bad_encoding"), "x.docx": (b"PK\x03\x04", "unknown_format"),
             "scan.pdf": (b"%PDF-1.4", "unreadable_pdf")}
    for name, (content, reason) in cases.items():
        batch = stages.normalize_batch(stages.extract_or_map(_file(tmp_path, name, content)))
        assert batch.mentions.height == 0
        expected = (f"{tmp_path.name}/{name}", "file", "ingest", reason)
        assert batch.rejects.select("source", "locator", "stage", "reason").row(0) == expected
        assert batch.record.records_total == batch.record.records_rejected == 1


def test_a_reader_crash_is_caught_as_a_reject(tmp_path: Path, monkeypatch):
    import flows.ingest.reports as reports

    def boom(*_a, **_k):
        raise RuntimeError("parser exploded")

    monkeypatch.setattr(stages, "read_report", boom)
    batch = stages.extract_or_map(_file(tmp_path, "r.md", b"# text"))
    assert batch.rejects["reason"].to_list() == ["reader_error"]
    assert "parser exploded" in batch.rejects["detail"][0]
    assert reports.read_report is not boom


def test_dataset_accounting_adds_a_reject_for_rows_a_reader_lost(tmp_path: Path):
    f = _file(tmp_path, "d.csv", b"a,b\n1,2\n")
    record = store.SourceRecord(path="d.csv", sha256=f.sha256, format="acled", size_bytes=8, records_total=4)
    mentions = pl.DataFrame([dict(source="d.csv", source_kind="acled", event_type="protest",
                                  subtype="peaceful_protest", date_start=date(2020, 1, 1), date_precision="day",
                                  country="KZ", extractor="t", confidence=1.0, row_number=1)])
    rejects = reject_frame([{"source": "d.csv", "locator": "row:2", "stage": "map", "reason": "out_of_scope"}])
    batch = stages.normalize_batch(stages.SourceBatch(f, record, mentions, rejects))
    assert (batch.record.records_loaded, batch.record.records_rejected) == (1, 3)
    lost = batch.rejects.filter(pl.col("reason") == "no_event")["locator"].to_list()
    assert lost == ["row:3", "row:4"]


def test_overrides_that_do_nothing_are_reported():
    mentions = pl.DataFrame({"mention_id": ["m_1", "m_2"]})
    overrides = pl.DataFrame({"override_id": ["o_gone", "o_bad", "o_ok"], "mention_id": ["m_9", "m_1", "m_2"],
                              "action": ["drop", "set", "drop"], "field": [None, "no_such_column", None],
                              "value": [None, "x", None], "note": [None] * 3, "created_by": [None] * 3,
                              "created_at": [None] * 3})
    notes = stages.override_notes(mentions, overrides)
    assert notes[0] == "1 override(s) match no mention and were not applied: o_gone"
    assert len(notes) == 2 and notes[1].startswith("override o_bad was not applied:")
