"""The README's promises that can be checked on the embedded samples: its read-only `eventflow sql` examples
(the evidence query included) return rows after `make run`; its settings table names every setting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from flows.cli import app
from flows.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sql_examples() -> list[str]:
    """The queries of the README's `eventflow sql "..."` commands that only read."""
    queries = re.findall(r'\.venv/bin/eventflow sql "((?:[^"\\]|\\.)+)"', README)
    return [q for q in queries if not re.match(r"\s*(INSERT|DELETE|UPDATE|CREATE)", q, re.I)]


def test_the_readme_queries_return_rows_on_the_samples(prefect_harness, tmp_path: Path):
    from flows.pipeline import pipeline

    inbox = tmp_path / "samples"
    shutil.copytree(ROOT / "data" / "samples", inbox)
    db = tmp_path / "events.duckdb"
    pipeline(str(inbox), str(db), str(tmp_path / "maps"))
    queries = _sql_examples()
    assert any("event_evidence" in q for q in queries) and len(queries) >= 3
    for query in queries:
        result = CliRunner().invoke(app, ["sql", query, "--db", str(db), "--csv"])
        assert result.exit_code == 0, (query, result.output)
        assert len(result.output.strip().splitlines()) >= 2, f"no rows on the samples: {query}"


def test_the_readme_names_every_setting():
    for name in Settings.model_fields:
        assert f"`{name}`" in README, name
