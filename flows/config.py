"""Paths and settings. Defaults suit a checkout; `eventflow.yaml` in the working directory and
EVENTFLOW_* environment variables override them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GEO_ROOT = PROJECT_ROOT / "data" / "geo"


@dataclass(frozen=True)
class Settings:
    inbox: Path = Path("data/inbox")
    db: Path = Path("data/events.duckdb")
    maps: Path = Path("maps")
    geo_root: Path = GEO_ROOT
    schedule_cron: str = "0 6 * * *"          # the scheduled deployment: daily at 06:00
    schedule_timezone: str = "UTC"
    map_tiles: bool = False                     # tiles leak the reader's address; off unless asked for
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    extractor: str = "learned"                  # report extractor: learned (trained model) or rules
    extractor_model: Path | None = None         # the learned extractor's model (default: the shipped one)
    extra: dict = field(default_factory=dict)


class SettingsError(ValueError):
    """A configuration that cannot be used; the message says which setting and why."""


def load_settings(config_file: Path | None = None) -> Settings:
    """Settings from defaults, then `eventflow.yaml` (or config_file), then EVENTFLOW_<NAME> variables.
    Keys that are not settings are kept in `extra` (the CLI warns about them)."""
    values: dict = {}
    path = config_file or Path(os.environ.get("EVENTFLOW_CONFIG", "eventflow.yaml"))
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(loaded, dict):
            raise SettingsError(f"{path} must be a mapping of setting names to values")
        values.update(loaded)
    for f in fields(Settings):
        env = os.environ.get(f"EVENTFLOW_{f.name.upper()}")
        if env is not None:
            values[f.name] = env
    known = {f.name: f for f in fields(Settings)}
    unknown = {k: v for k, v in values.items() if k not in known}
    kwargs = {}
    for name, value in values.items():
        if name not in known:
            continue
        default = known[name].default
        if isinstance(default, Path):
            value = Path(value)
        elif isinstance(default, bool) and isinstance(value, str):
            value = value.strip().lower() in {"1", "true", "yes", "on"}
        kwargs[name] = value
    return Settings(**kwargs, extra=unknown)


def check_schedule(settings: Settings) -> None:
    """Raise SettingsError unless schedule_cron is a valid cron string and schedule_timezone a known zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from prefect.schedules import validate_cron_string

    try:
        validate_cron_string(str(settings.schedule_cron))
    except ValueError as exc:
        raise SettingsError(f"schedule_cron {settings.schedule_cron!r} is not a valid cron string "
                            "(minute hour day month weekday, e.g. '0 6 * * *')") from exc
    try:
        ZoneInfo(str(settings.schedule_timezone))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"schedule_timezone {settings.schedule_timezone!r} is not a known time zone "
                            "(e.g. 'UTC', 'Asia/Almaty')") from exc
