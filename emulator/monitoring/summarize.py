"""What ``SummarizeMetricsData`` and ``ListMetrics`` answer, computed from the metric store: the
MQL query evaluated over each series (or group of series) at each step of the resolution, as OCI's
``MetricData`` and ``Metric`` shapes. No HTTP here: the routes parse and render."""
from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from emulator.contracts.deployment_metrics import metadata
from emulator.errors import invalid
from emulator.monitoring import mql
from emulator.monitoring.store import MINUTE, MetricStore, Point

DEFAULT_RANGE = 3 * 3600  # OCI: startTime defaults to three hours before endTime
MAX_STEPS = 100_000  # datapoints a series may return (OCI's limit on returned data)
_RESOLUTION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Window:
    """The time range and step of a summary, in epoch seconds."""

    start: float
    end: float
    step: int


def resolution_seconds(text: Any, interval: int) -> int:
    """``resolution`` (``1m`` by default, never above the query's interval: OCI's rule; ``Ns`` is
    the emulator's, for the one-second points) in seconds."""
    if text in (None, ""):
        return min(MINUTE, interval)
    match = _RESOLUTION.match(text) if isinstance(text, str) else None
    if not match:
        raise invalid(f"resolution must be such as 1m, 5m, 1h or 1d (or Ns for the emulator's one-second points), not {text!r}.")
    seconds = int(match[1]) * _UNITS[match[2]]
    if not 1 <= seconds <= interval:
        raise invalid(f"resolution ({text}) must be at least 1s and not more than the query's interval ({interval}s).")
    return seconds


def window(body: dict[str, Any], interval: int, now: float) -> Window:
    end = parse_time(body.get("endTime"), "endTime") if body.get("endTime") else now
    start = parse_time(body.get("startTime"), "startTime") if body.get("startTime") else end - DEFAULT_RANGE
    if start >= end:
        raise invalid("startTime must be before endTime.")
    step = resolution_seconds(body.get("resolution"), interval)
    if (end - start) / step > MAX_STEPS:
        raise invalid(f"the time range holds more than {MAX_STEPS} steps of the resolution ({step}s): "
                      "narrow startTime..endTime or use a coarser resolution.")
    return Window(start, end, step)


def parse_time(text: Any, name: str) -> float:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{name} must be an RFC 3339 timestamp such as 2023-02-01T01:02:29.600Z, not {text!r}.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(seconds * 1000) % 1000:03d}Z"


def summarize(store: MetricStore, namespace: str, query: mql.Query, span: Window, compartment_id: str,
              compartments: set[str] | None) -> list[dict[str, Any]]:
    """One ``MetricData`` per series (or group): the statistic of each step's interval, the steps
    where the condition holds when the query has one."""
    reach = span.start - query.interval + span.step  # the first step's interval reaches back this far
    fine = query.interval < MINUTE or span.step < MINUTE
    groups: dict[tuple, list[Point]] = defaultdict(list)
    for point in store.points(namespace, query.metric, reach, span.end, fine, compartments,
                              samples=query.statistic == "percentile"):
        dims = dict(point.dimensions)
        if all(dims.get(name) == value for name, value in query.filters):
            groups[_group_key(query, point.dimensions)].append(point)
    answers = []
    for key, points in sorted(groups.items()):
        datapoints = [{"timestamp": rfc3339(t), "value": value} for t, value in _steps(query, points, span)
                      if query.op is None or query.holds(value)]
        if datapoints:
            answers.append({"namespace": namespace, "compartmentId": compartment_id, "name": query.metric,
                            "dimensions": dict(key), "metadata": metadata(query.metric),
                            "resolution": _format_step(span.step), "aggregatedDatapoints": datapoints})
    return answers


def _group_key(query: mql.Query, dimensions: tuple[tuple[str, str], ...]) -> tuple:
    if query.group_by is None:
        return dimensions
    return tuple((name, value) for name, value in dimensions if name in query.group_by)


def _steps(query: mql.Query, points: list[Point], span: Window) -> Iterable[tuple[int, float]]:
    """(step start, statistic of the interval ending with that step) for every step with data."""
    points.sort(key=lambda p: p.t)
    times = [p.t for p in points]
    first = int(span.start) // span.step * span.step
    for t in range(first, math.ceil(span.end), span.step):  # every step that starts before endTime
        low = bisect.bisect_left(times, t + span.step - query.interval)
        high = bisect.bisect_left(times, t + span.step)
        if low < high:
            value = mql.statistic(query, [p.summary for p in points[low:high]])
            if value is not None:
                yield t, value


def _format_step(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def list_metrics(store: MetricStore, body: dict[str, Any], compartments: set[str] | None) -> list[dict[str, Any]]:
    """``ListMetrics``: the metric definitions (name, namespace, compartment, dimensions) that match
    ``name``, ``namespace`` and ``dimensionFilters``, folded to ``groupBy`` dimensions, sorted."""
    filters = body.get("dimensionFilters") or {}
    group_by = body.get("groupBy")
    if not isinstance(filters, dict) or (group_by is not None and not isinstance(group_by, list)):
        raise invalid("dimensionFilters must be an object and groupBy a list of names.")
    found: dict[tuple, dict[str, Any]] = {}
    for namespace, name, compartment, dimensions in store.series(compartments, body.get("namespace")):
        dims = dict(dimensions)
        if body.get("name") not in (None, name) or any(dims.get(k) != v for k, v in filters.items()):
            continue
        metric = {"name": name, "namespace": namespace, "compartmentId": compartment, "dimensions": dims}
        if group_by:
            fields = {"name": name, "namespace": namespace, "compartmentId": compartment}
            dims = {k: v for k, v in dims.items() if k in group_by}
            metric = {k: v for k, v in fields.items() if k in group_by or k in ("namespace",)} | {"dimensions": dims}
        found[(metric.get("namespace"), metric.get("name"), metric.get("compartmentId"), tuple(sorted(dims.items())))] = metric
    sort_by = body.get("sortBy") or "NAMESPACE"
    if sort_by not in ("NAME", "NAMESPACE"):
        raise invalid("sortBy must be NAME or NAMESPACE.")
    field = "name" if sort_by == "NAME" else "namespace"
    items = sorted(found.values(), key=lambda m: (str(m.get(field)), str(m.get("name")), str(m.get("dimensions"))),
                   reverse=(body.get("sortOrder") or "ASC").upper() == "DESC")
    return items
