"""The scheduled deployments of the pipeline flow, built from settings (cron from eventflow.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from flows.config import Settings, check_schedule


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    flow: str
    cron: str
    timezone: str
    parameters: dict


def deployment_specs(settings: Settings) -> list[DeploymentSpec]:
    """Every deployment `eventflow serve` serves (SettingsError for a bad schedule)."""
    check_schedule(settings)
    return [
        DeploymentSpec(
            name="inbox-daily",
            flow="pipeline",
            cron=settings.schedule_cron,
            timezone=settings.schedule_timezone,
            parameters={"inbox": str(settings.inbox), "db": str(settings.db), "maps": str(settings.maps)},
        )
    ]


def build_deployments(settings: Settings) -> list:
    """The Prefect deployments of deployment_specs (RunnerDeployment objects; nothing is registered yet)."""
    from prefect.schedules import Cron

    from flows.pipeline import pipeline

    return [
        pipeline.to_deployment(
            name=spec.name,
            schedule=Cron(spec.cron, timezone=spec.timezone),
            parameters=spec.parameters,
            description="eventflow pipeline over the inbox folder",
        )
        for spec in deployment_specs(settings)
    ]


def serve_deployments(settings: Settings) -> None:
    """Serve the deployments (blocks; runs each flow on its schedule in this process)."""
    from prefect import serve

    serve(*build_deployments(settings))
