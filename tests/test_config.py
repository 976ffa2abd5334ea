"""Settings are one typed model: a value of the wrong type is one clear line naming the setting, its source
and the reason, never a traceback and never a silent default."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.config import SettingsError, load_settings


@pytest.mark.parametrize(("config", "message"), [
    ("db: [1, 2]\n", "db in eventflow.yaml: Input is not a valid path"),
    ("map_tiles: maybe\n", "map_tiles in eventflow.yaml: Input should be a valid boolean"),
    ("lock_timeout: soon\n", "lock_timeout in eventflow.yaml: Input should be a valid number"),
    ("max_participants: -1\n", "max_participants in eventflow.yaml: Input should be greater than or equal to 0"),
    ("date_min: yesterday\n", "date_min in eventflow.yaml: Input should be a valid date"),
    ("schedule_cron: '61 25 * * *'\n", "schedule_cron '61 25 * * *' is not a valid cron string"),
    ("schedule_timezone: Mars/Olympus\n", "schedule_timezone 'Mars/Olympus' is not a known time zone"),
    ("inbox: [unclosed\n", "is not valid YAML"),
])
def test_a_bad_configuration_is_one_line(tmp_path: Path, monkeypatch, config: str, message: str):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eventflow.yaml").write_text(config)
    result = CliRunner().invoke(app, ["deployments"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("configuration error: ") and message in lines[0], result.output


def test_the_environment_is_named_when_it_holds_the_bad_value(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EVENTFLOW_MAP_TILES", "maybe")
    with pytest.raises(SettingsError, match="map_tiles in EVENTFLOW_MAP_TILES: Input should be a valid boolean"):
        load_settings(tmp_path / "absent.yaml")


def test_values_are_typed_and_the_environment_wins(tmp_path: Path, monkeypatch):
    config = tmp_path / "eventflow.yaml"
    config.write_text("map_tiles: yes\ndate_min: 1950-01-01\nlock_timeout: 30\nmax_detained: 1000\n"
                      "db: /srv/events.duckdb\n")
    monkeypatch.setenv("EVENTFLOW_LOCK_TIMEOUT", "5")
    s = load_settings(config)
    assert s.map_tiles is True and s.date_min == date(1950, 1, 1) and s.lock_timeout == 5.0
    assert s.db == Path("/srv/events.duckdb") and s.count_bounds()["detained"] == 1000
