"""Withdrawing a source sticks: its rows go, and the file is not ingested again while it stays in the inbox,
by name or by content, until the withdrawal is undone (issue 9)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from flows.cli import app

FIXTURES = Path(__file__).parent / "fixtures"


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_a_withdrawn_source_stays_withdrawn(prefect_harness, tmp_path: Path):
    from flows.pipeline import pipeline

    inbox, db, maps = tmp_path / "inbox", tmp_path / "events.duckdb", tmp_path / "maps"
    inbox.mkdir()
    shutil.copy(FIXTURES / "datasets" / "acled_kz.csv", inbox / "acled.csv")
    shutil.copy(FIXTURES / "inbox" / "acled_kz_sample.csv", inbox / "other.csv")
    pipeline(str(inbox), str(db), str(maps))
    before = _count(db, "SELECT count(*) FROM events")
    assert _count(db, "SELECT count(*) FROM mentions WHERE source = 'inbox/acled.csv'") > 0

    result = CliRunner().invoke(app, ["withdraw", "inbox/acled.csv", "--db", str(db), "--note", "checked: bad"])
    assert result.exit_code == 0, result.output
    assert "inbox/acled.csv: withdrawn" in result.output
    # at once: rows gone, events rebuilt, visible in the snapshot analysts read
    assert _count(db, "SELECT count(*) FROM mentions WHERE source = 'inbox/acled.csv'") == 0
    assert _count(db, "SELECT count(*) FROM sources WHERE path = 'inbox/acled.csv'") == 0
    assert 0 < _count(db, "SELECT count(*) FROM events") < before

    # the file is still in the inbox, and the same content is there under another name too
    shutil.copy(inbox / "acled.csv", inbox / "acled_renamed.csv")
    again = pipeline(str(inbox), str(db), str(maps))
    assert again["sources_withdrawn"] == 2 and again["sources_new"] == 0
    assert _count(db, "SELECT count(*) FROM mentions WHERE source LIKE 'inbox/acled%'") == 0

    (inbox / "acled_renamed.csv").unlink()
    result = CliRunner().invoke(app, ["withdraw", "--undo", "inbox/acled.csv", "--db", str(db)])
    assert result.exit_code == 0 and "restored" in result.output
    restored = pipeline(str(inbox), str(db), str(maps))
    assert restored["sources_new"] == 1 and _count(db, "SELECT count(*) FROM events") == before
