"""The deployment page's charts, drawn on the server as SVG (no JavaScript build, no chart library):
the last fifteen minutes of the deployment's metrics at ten-second steps, read with the same MQL
evaluation the Monitoring API serves (``emulator.monitoring``), one chart per entry of
``deployment_metrics.CHARTS``. The page's live refresh redraws them with its state and log."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app

from emulator.contracts.deployment_metrics import CHARTS, INSTANCE_ID, NAMESPACE, chart_query
from emulator.monitoring import EXTENSION, mql, summarize

WINDOW = 15 * 60  # seconds shown
STEP = 10  # seconds a point covers
WIDTH, HEIGHT = 340, 110  # the plot area, in SVG units (the axes' labels sit around it)


@dataclass
class Line:
    label: str
    points: list[tuple[float, float]]  # (epoch seconds, value)
    svg_points: str = ""  # "x,y x,y ..." for <polyline>

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

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


def deployment_charts(deployment_id: str, compartment_id: str, now: float | None = None) -> list[Chart]:
    """Every chart of the deployment over the last ``WINDOW`` seconds."""
    now = time.time() if now is None else now
    store = current_app.extensions[EXTENSION]
    span = summarize.Window(now - WINDOW, now, STEP)
    charts = []
    for key, title, unit, queries in CHARTS:
        lines = []
        for label, template in queries:
            query = mql.parse(chart_query(template, deployment_id, f"{STEP}s"))
            for data in summarize.summarize(store, NAMESPACE, query, span, compartment_id, {compartment_id}):
                points = [(summarize.parse_time(d["timestamp"], "timestamp"), d["value"])
                          for d in data["aggregatedDatapoints"]]
                lines.append(Line(label or _short(data["dimensions"].get(INSTANCE_ID, "")), points))
        charts.append(_scaled(Chart(key, title, unit, lines), span))
    return charts


def _scaled(chart: Chart, span: summarize.Window) -> Chart:
    """Place the lines in the plot area: time across, 0 to a round top value up."""
    highest = max((v for line in chart.lines for _, v in line.points), default=0.0)
    chart.top = _round_up(highest if chart.unit != "%" else max(highest, 1.0))

    def x(t: float) -> float:
        return round((t - span.start) / (span.end - span.start) * WIDTH, 1)

    for line in chart.lines:
        line.svg_points = " ".join(f"{x(t)},{round(HEIGHT - v / chart.top * HEIGHT, 1)}" for t, v in line.points)
    if chart.key == "requests":
        chart.calls = round(sum(v * STEP for line in chart.lines for _, v in line.points))
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
