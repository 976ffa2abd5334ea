"""Browser tests need Playwright and Debian's Chromium. In CI (CI=true) a missing one is a failure; locally the
tests skip with the reason."""

import os

import pytest


@pytest.fixture(scope="session")
def chromium() -> None:
    """Fail (CI) or skip (locally) when the browser tests cannot run."""
    from flows.publish.browser import chromium_path

    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "playwright is not installed (pip install playwright==1.65.2)"
    if problem is None and chromium_path() is None:
        problem = "Chromium not found (apt-get install -y chromium)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests need Chromium in CI: {problem}")
        pytest.skip(problem)
