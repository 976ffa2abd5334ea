"""The scheduled deployment: built from settings, with the cron schedule the configuration gives."""

from __future__ import annotations

from pathlib import Path

from flows.config import load_settings
from flows.deployments import build_deployments, deployment_specs


def test_default_schedule_is_daily_at_six_over_the_inbox(tmp_path: Path):
    settings = load_settings(tmp_path / "absent.yaml")
    (spec,) = deployment_specs(settings)
    assert (spec.cron, spec.timezone) == ("0 6 * * *", "UTC")
    assert spec.parameters["inbox"] == "data/inbox"


def test_deployment_carries_the_configured_cron(tmp_path: Path, monkeypatch):
    config = tmp_path / "eventflow.yaml"
    config.write_text("schedule_cron: '15 3 * * *'\nschedule_timezone: Asia/Almaty\ninbox: /srv/inbox\n")
    (deployment,) = build_deployments(load_settings(config))
    assert deployment.name == "inbox-daily"
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "15 3 * * *"
    assert schedule.schedule.timezone == "Asia/Almaty"
    assert deployment.parameters["inbox"] == "/srv/inbox"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch):
    config = tmp_path / "eventflow.yaml"
    config.write_text("schedule_cron: '15 3 * * *'\n")
    monkeypatch.setenv("EVENTFLOW_SCHEDULE_CRON", "0 22 * * 5")
    monkeypatch.setenv("EVENTFLOW_MAP_TILES", "yes")
    settings = load_settings(config)
    assert settings.schedule_cron == "0 22 * * 5" and settings.map_tiles is True
