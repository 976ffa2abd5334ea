"""Paths and settings, validated by one typed model. Defaults suit a checkout; `eventflow.yaml` in the working
directory (or the file EVENTFLOW_CONFIG names) overrides them, and EVENTFLOW_<NAME> environment variables
override both. A value of the wrong type is one clear error naming the setting, where it came from and why."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GEO_ROOT = PROJECT_ROOT / "data" / "geo"
ENV_PREFIX = "EVENTFLOW_"


class Settings(BaseSettings):
    """Every setting, with its type and default. `Settings()` is the defaults plus EVENTFLOW_* variables."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    inbox: Path = Path("data/inbox")
    db: Path = Path("data/events.duckdb")       # the read-only snapshot analysts open; runs write beside it
    maps: Path = Path("maps")
    geo_root: Path = GEO_ROOT
    schedule_cron: str = "0 6 * * *"            # the scheduled deployment: daily at 06:00
    schedule_timezone: str = "UTC"
    map_tiles: bool = False                     # tiles leak the reader's address; off unless asked for
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    extractor: str = "learned"                  # report extractor: learned (trained model) or rules
    extractor_model: Path | None = None         # the learned extractor's model (default: the shipped one)
    lock_timeout: float = Field(600.0, ge=0)    # seconds a run or a writer waits for the run before it
    date_min: date = date(1800, 1, 1)           # events dated outside [date_min, date_max] are rejected bad_date
    date_max: date | None = None                # None: the day after the run
    max_participants: int = Field(500_000_000, ge=0)   # a count above its bound is rejected implausible_count
    max_detained: int = Field(10_000_000, ge=0)
    max_fatalities: int = Field(5_000_000, ge=0)
    max_injured: int = Field(10_000_000, ge=0)
    max_report_bytes: int = Field(50_000_000, ge=1)    # a larger report file is rejected too_large, never read
    max_field_chars: int = Field(100_000, ge=1)        # a longer text field rejects its record (field_too_long)

    task_runner: Literal["process", "thread", "dask"] = "process"   # where the files of a run are read in parallel
    dask_address: str = ""                      # a Dask scheduler (tcp://host:8786): runs files on that cluster
    workers: int = Field(0, ge=0)               # processes of the local pool (0: one per core)
    batch_rows: int = Field(250_000, ge=1000)   # rows of a dataset read, mapped and geocoded at a time

    _unknown: dict = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings, file_secret_settings
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return env_settings, init_settings   # the environment overrides the file (passed as init values)

    @property
    def extra(self) -> dict:
        """Keys of the configuration file that are not settings (the CLI warns about them)."""
        return self._unknown

    def date_window(self, today: date | None = None) -> tuple[date, date]:
        """(earliest, latest) event date accepted; latest defaults to the day after `today`."""
        return self.date_min, self.date_max or (today or date.today()) + timedelta(days=1)

    def count_bounds(self) -> dict[str, int]:
        """{count name: largest plausible value}, e.g. {'participants': 500000000, ...}."""
        return {name: getattr(self, f"max_{name}") for name in ("participants", "detained", "fatalities", "injured")}


class SettingsError(ValueError):
    """A configuration that cannot be used; the message says which setting and why."""


def load_settings(config_file: Path | None = None) -> Settings:
    """Settings from defaults, then `eventflow.yaml` (or config_file), then EVENTFLOW_<NAME> variables.
    Raises SettingsError (one line) for a file that is not YAML or a value of the wrong type."""
    path = Path(config_file or os.environ.get("EVENTFLOW_CONFIG", "eventflow.yaml"))
    values: dict = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise SettingsError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(loaded, dict):
            raise SettingsError(f"{path} must be a mapping of setting names to values")
        values = {str(k): v for k, v in loaded.items()}
    known = set(Settings.model_fields)
    try:
        settings = Settings(**{k: v for k, v in values.items() if k in known})
    except ValidationError as exc:
        raise SettingsError(_describe(exc, path)) from None
    settings._unknown = {k: v for k, v in values.items() if k not in known}
    return settings


def _describe(exc: ValidationError, path: Path) -> str:
    """'db in eventflow.yaml: Input should be a valid path (got [1, 2])', one per bad setting, on one line."""
    problems = []
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        env = f"{ENV_PREFIX}{name.upper()}"
        where = env if env in os.environ else str(path)
        problems.append(f"{name} in {where}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(problems)


TASK_RUNNERS = ("process", "thread", "dask")


def check_runner(settings: Settings) -> None:
    """Raise SettingsError unless the task runner settings can be used."""
    if settings.task_runner not in TASK_RUNNERS:
        raise SettingsError(f"task_runner {settings.task_runner!r} is not one of {', '.join(TASK_RUNNERS)}")
    if settings.task_runner == "dask" and not settings.dask_address:
        raise SettingsError("task_runner 'dask' needs dask_address, the scheduler of a Dask cluster (tcp://host:8786)")


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
