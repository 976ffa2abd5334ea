"""A run makes no request beyond this machine: Prefect's telemetry is off unless a user turns it on."""

import os
import subprocess
import sys


def test_prefect_telemetry_is_off_by_default():
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_SERVER_ANALYTICS_ENABLED"}
    code = "import flows.pipeline, prefect.settings as s; print(s.get_current_settings().server.analytics_enabled)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
