"""How the console draws a chart from stored points, without a deployment: the window follows the
data, the instance count's changes (autoscaling) are marked, values scale to a round top."""
from __future__ import annotations

import time

import pytest

from emulator.app import create_app
from emulator.config import EmulatorConfig
from emulator.console import charts
from emulator.contracts.deployment_metrics import INSTANCE_COUNT, NAMESPACE, PREDICT_REQUEST_COUNT
from emulator.monitoring import mql
from emulator.monitoring.backend import metric_store
from emulator.monitoring.store import Point, dimensions_of

DEPLOYMENT = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaadrawn"
COMPARTMENT = "ocid1.compartment.oc1..aaaadrawn"


@pytest.fixture
def app(tmp_path):
    app = create_app(EmulatorConfig(home=tmp_path / "home"))
    yield app
    app.extensions["dockyard"].run_shutdown()


def _record(app, name: str, values: list[float], now: float) -> None:
    start = int(now) - len(values)
    metric_store(app).add([Point(NAMESPACE, name, COMPARTMENT, dimensions_of({"resourceId": DEPLOYMENT}),
                                         start + n, mql.Summary.of([v])) for n, v in enumerate(values)], now)


def test_instance_count_changes_are_marked_and_the_window_fits_the_data(app):
    now = time.time()
    _record(app, INSTANCE_COUNT, [1.0] * 20 + [2.0] * 20, now)
    _record(app, PREDICT_REQUEST_COUNT, [3.0] * 40, now)
    with app.app_context():
        drawn = {c.key: c for c in charts.deployment_charts(DEPLOYMENT, COMPARTMENT, now)}
    instances = drawn["instances"]
    assert (instances.span, instances.step) == ("1 min", 1)
    assert len(instances.marks) == 1 and 0 < instances.marks[0] < charts.WIDTH
    assert instances.top == 2 and instances.lines[0].last == 2
    assert drawn["requests"].calls == 120 and drawn["requests"].top == 5
    assert drawn["errors"].empty and not drawn["requests"].empty


def test_older_data_widens_the_window(app):
    now = time.time()
    _record(app, INSTANCE_COUNT, [1.0] * 400, now)
    with app.app_context():
        drawn = charts.deployment_charts(DEPLOYMENT, COMPARTMENT, now)
    assert (drawn[0].span, drawn[0].step) == ("15 min", 10)
