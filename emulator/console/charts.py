"""The deployment page's charts, drawn on the server as SVG (no JavaScript build, no chart library):
the deployment's metrics over the last minute to fifteen minutes (one to ten-second steps), read with the same MQL
evaluation the Monitoring API serves (``emulator.monitoring``), one chart per entry of
``deployment_metrics.CHARTS``. The page's live refresh redraws them with its state and log."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from emulator.contracts.deployment_metrics import CHARTS, INSTANCE_COUNT, INSTANCE_ID, NAMESPACE, chart_query
from emulator.monitoring import mql, summarize
from emulator.monitoring.backend import metric_store

# (seconds shown, seconds a point covers): the shortest that holds the deployment's data since its
# first point, so a deployment started a minute ago fills its charts instead of their last pixels
WINDOWS = ((60, 1), (5 * 60, 5), (15 * 60, 10))
WIDTH, HEIGHT = 340, 110  # the plot area, in SVG units (the axes' labels sit around it)


@dataclass
class Line:
    label: str
    points: list[tuple[float, float]]  # (epoch seconds, value)
    svg_points: str = ""  # "x,y x,y ..." for <polyline>

    @property
    def dots(self) -> list[tuple[str, str]]:
        """Each point's (x, y), drawn as a dot too: a single point makes no line."""
        return [tuple(pair.split(",")) for pair in self.svg_points.split()]  # type: ignore[misc]

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None


@dataclass
class Chart:
    key: str
    title: str
    unit: str
    lines: list[Line]
    top: float = 1.0  # the value at the top of the plot
    marks: list[float] = field(default_factory=list)  # x of each change of the instance count (autoscaling)
    calls: int | None = None  # the requests chart: calls in the window
    span: str = ""  # how far back the chart reaches: "15 min"
    step: int = 0  # seconds a point covers

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def deployment_charts(deployment_id: str, compartment_id: str, now: float | None = None) -> list[Chart]:
    """Every chart of the deployment over the last ``WINDOW`` seconds."""
    now = time.time() if now is None else now
    store = metric_store(current_app)
    span = _window(store, deployment_id, compartment_id, now)
    charts = []
    for key, title, unit, queries in CHARTS:
        lines = []
        for label, template in queries:
            query = mql.parse(chart_query(template, deployment_id, f"{span.step}s"))
            for data in summarize.summarize(store, NAMESPACE, query, span, compartment_id, {compartment_id}):
                points = [(summarize.parse_time(d["timestamp"], "timestamp"), d["value"])
                          for d in data["aggregatedDatapoints"]]
                lines.append(Line(label or _short(data["dimensions"].get(INSTANCE_ID, "")), points))
        charts.append(_scaled(Chart(key, title, unit, lines), span))
    return charts


def _window(store: Any, deployment_id: str, compartment_id: str, now: float) -> summarize.Window:
    """The shortest of ``WINDOWS`` that reaches back to the deployment's first point (its instance
    count is recorded every second it runs)."""
    longest = WINDOWS[-1][0]
    first = next((p.t for p in store.points(NAMESPACE, INSTANCE_COUNT, now - longest, now + 1, fine=True,
                                            compartments={compartment_id}) if p.resource_id == deployment_id), now)
    seconds, step = next((w for w in WINDOWS if now - first <= w[0] * 0.9), WINDOWS[-1])
    return summarize.Window(now - seconds, now, step)


def _scaled(chart: Chart, span: summarize.Window) -> Chart:
    """Place the lines in the plot area: time across, 0 to a round top value up."""
    chart.step = span.step
    seconds = int(span.end - span.start)
    chart.span = f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"
    highest = max((v for line in chart.lines for _, v in line.points), default=0.0)
    chart.top = _round_up(highest if chart.unit != "%" else max(highest, 1.0))

    def x(t: float) -> float:
        return round((t - span.start) / (span.end - span.start) * WIDTH, 1)

    for line in chart.lines:
        line.svg_points = " ".join(f"{x(t)},{round(HEIGHT - v / chart.top * HEIGHT, 1)}" for t, v in line.points)
    if chart.key == "requests":
        chart.calls = round(sum(v * span.step for line in chart.lines for _, v in line.points))
    if chart.key == "instances":
        for line in chart.lines:
            chart.marks += [x(t) for (_, before), (t, after) in zip(line.points, line.points[1:]) if after != before]
    return chart


def _round_up(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``value`` (at least 1)."""
    top = 1.0
    while top < value:
        for factor in (2, 2.5, 2):
            top *= factor
            if top >= value:
                break
    return top


def _short(instance_id: str) -> str:
    """An instance's label: the end of its id (a pid or a container id)."""
    return instance_id[-12:] or "instance"
