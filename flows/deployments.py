"""The scheduled deployments of the pipeline flow, built from settings (cron from eventflow.yaml)."""

from __future__ import annotations

from collections.abc import Callable
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
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.pipeline import pipeline

    return [
        pipeline.to_deployment(
            name=spec.name,
            schedule=Cron(spec.cron, timezone=spec.timezone),
            parameters=spec.parameters,
            description="eventflow pipeline over the inbox folder",
            entrypoint_type=EntrypointType.MODULE_PATH,   # runs from any working directory
        )
        for spec in deployment_specs(settings)
    ]


def serve_deployments(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Serve the deployments until stopped: each scheduled run is created by a Prefect server's scheduler and
    run by this process. The server is the one PREFECT_API_URL names, else a local one started here (on
    127.0.0.1, with its scheduler) and stopped with serve, also when serve is killed. `say` tells which."""
    from prefect import serve

    from flows.prefect_server import check_reachable, configured_api_url, local_server

    deployments = build_deployments(settings)
    url = configured_api_url()
    if url:
        check_reachable(url)
        say(f"Prefect server: {url} (PREFECT_API_URL); its scheduler creates the scheduled runs")
        serve(*deployments)
        return
    with local_server(scheduler=True) as server:
        say(f"Prefect server: none configured (PREFECT_API_URL is not set), so a local one runs on {server.url} "
            f"with its scheduler (dashboard: {server.url}); it stops when serve stops")
        serve(*deployments)
