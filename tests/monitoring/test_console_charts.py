"""The deployment page's charts (server-rendered SVG) show the calls just made, on the page and in
the live block its script refreshes. The browser's view of them is in tests/console/test_browser.py."""
from __future__ import annotations

import re

import requests

from tests.monitoring.conftest import CALLS, FAILURES


def _live(burst) -> str:
    response = requests.get(f"{burst.emulator.url}/console/deployments/{burst.deployment_id}/live", timeout=30)
    assert response.status_code == 200
    return response.text


def test_the_requests_chart_counts_the_calls_just_made(burst):
    html = _live(burst)
    assert f'data-chart="requests" data-calls="{CALLS + FAILURES}"' in html
    assert f"{CALLS + FAILURES} call(s) in the last " in html
    requests_chart = html.split('id="chart-requests"', 1)[1].split("</figure>", 1)[0]
    points = re.search(r'<polyline class="line-0" points="([^"]+)"', requests_chart)[1].split()
    assert points and all(0 <= float(x) <= 340 and 0 <= float(y) <= 110 for x, y in (p.split(",") for p in points))


def test_every_chart_is_drawn_latency_with_p50_and_p95_and_errors_counted(burst):
    html = _live(burst)
    for key in ("requests", "latency", "errors", "cpu", "memory", "instances"):
        assert f'id="chart-{key}"' in html
    latency = html.split('id="chart-latency"', 1)[1].split("</figure>", 1)[0]
    assert 'data-line="p50"' in latency and 'data-line="p95"' in latency and "<polyline" in latency
    errors = html.split('id="chart-errors"', 1)[1].split("</figure>", 1)[0]
    assert "<polyline" in errors
    instances = html.split('id="chart-instances"', 1)[1].split("</figure>", 1)[0]
    assert 'data-line="instances" data-last="1"' in instances
    memory = html.split('id="chart-memory"', 1)[1].split("</figure>", 1)[0]
    assert "<polyline" in memory


def test_the_deployment_page_carries_the_charts_inside_its_live_block(burst):
    page = requests.get(f"{burst.emulator.url}/console/deployments/{burst.deployment_id}", timeout=30).text
    live = page.split('<div id="live"', 1)[1]
    assert live.index('id="metrics"') < live.index('id="log"')
    assert f'data-calls="{CALLS + FAILURES}"' in page
