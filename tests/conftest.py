"""Shared fixtures. The Prefect test harness starts once per session, and only for tests that ask for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data" / "samples"
SAMPLE_REPORT = SAMPLES / "freedomhouse-nit2017-kazakhstan.txt"


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox holding a copy of the sample report."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(SAMPLE_REPORT, folder / SAMPLE_REPORT.name)
    return folder
