"""The other readers of a deployment's metrics: the stock oci CLI (``oci monitoring metric-data
summarize-metrics-data``), ``dockyard deployments metrics``, and the store across a restart."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.contracts.deployment_metrics import NAMESPACE, PREDICT_REQUEST_COUNT
from tests.deployment import helpers
from tests.deployment.artifacts import ECHO_SCORE, write_artifact
from tests.deployment.conftest import pointing_at, start_emulator
from tests.monitoring.conftest import CALLS, FAILURES, Burst, wait_for_calls

# As tests/emulator/test_oci_cli.py: `make test` links the CLI (a venv of its own) beside our interpreter.
OCI_CLI = shutil.which("oci", path=str(Path(sys.executable).parent)) or shutil.which("oci")


@pytest.mark.skipif(OCI_CLI is None, reason="the oci CLI is not installed (pip install oci-cli)")
def test_the_oci_cli_reads_the_latency_percentile_after_the_burst(burst):
    from toolkit.profiles import ensure_local_credentials

    config = ensure_local_credentials(Path(burst.emulator.state.config.home))
    now = datetime.now(timezone.utc)
    query = f'PredictLatency[1m]{{resourceId = "{burst.deployment_id}"}}.grouping().percentile(0.9)'
    env = {**os.environ, "SUPPRESS_LABEL_WARNING": "True", "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True"}
    result = subprocess.run(
        [OCI_CLI, "monitoring", "metric-data", "summarize-metrics-data", "--compartment-id", burst.compartment_id,
         "--namespace", NAMESPACE, "--query-text", query, "--resolution", "1m",
         "--start-time", (now - timedelta(minutes=10)).isoformat(), "--end-time", (now + timedelta(minutes=1)).isoformat(),
         "--endpoint", burst.emulator.url, "--config-file", str(config), "--profile", "DEFAULT", "--no-retry"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)["data"]
    assert len(data) == 1 and data[0]["name"] == "PredictLatency" and data[0]["namespace"] == NAMESPACE
    points = data[0]["aggregated-datapoints"]
    assert points and all(0 < p["value"] < 30_000 and p["timestamp"].endswith("+00:00") for p in points)


def test_dockyard_deployments_metrics_prints_a_table_with_sparklines(burst):
    from toolkit.cli import cli

    with pointing_at(burst.emulator):
        shown = CliRunner().invoke(cli, ["deployments", "metrics", burst.deployment_id, "--resolution", "10s",
                                         "--minutes", "10"], terminal_width=200)
        as_json = CliRunner().invoke(cli, ["deployments", "metrics", burst.deployment_id, "--json"])
    assert shown.exit_code == 0, shown.output
    for title in ("Requests per second", "Latency", "p95", "Errors", "Memory per instance", "Instances"):
        assert title in shown.output
    assert any(ch in shown.output for ch in "▁▂▃▄▅▆▇█")
    assert as_json.exit_code == 0, as_json.output
    series = json.loads(as_json.output)
    requests_per_second = next(s for s in series if s["chart"] == "requests")
    assert round(sum(v for _, v in requests_per_second["points"]) * 60) == CALLS + FAILURES


@pytest.mark.slow
def test_the_metrics_survive_an_emulator_restart(tmp_path):
    """Calls counted before a stop are read after the next start on the same home, through the SDK:
    the datapoints are in the store, not in memory."""
    import oci
    import requests

    from toolkit.deployment import deploy_model

    home = tmp_path / "home"
    first = start_emulator(home)
    try:
        with pointing_at(first):
            model_id = helpers.save_to_catalog(write_artifact(tmp_path / "echo", ECHO_SCORE), "echo")
            deployment = deploy_model(model_id, display_name="restarted", runtime="process")
        for n in range(5):
            requests.post(f"{deployment.url}/predict", json={"data": [n]}, timeout=30).raise_for_status()
        wait_for_calls(first, deployment.id, 5)
    finally:
        first.stop()
    second = start_emulator(home)
    try:
        burst = Burst(second, deployment.id, deployment.record.compartment_id, 0.0)
        details = oci.monitoring.models.SummarizeMetricsDataDetails(
            namespace=NAMESPACE, query=f'{PREDICT_REQUEST_COUNT}[1h]{{resourceId = "{deployment.id}"}}.grouping().sum()',
            resolution="1h")
        data = burst.monitoring().summarize_metrics_data(burst.compartment_id, details).data
        assert sum(p.value for p in data[0].aggregated_datapoints) >= 5
    finally:
        second.stop()
