"""A deployment's metrics through OCI Monitoring (``oci.monitoring.MonitoringClient``), the charts the
console draws (``deployment_metrics.CHARTS``) as series of (time, value): the same code reads the
emulator and OCI itself (there, at OCI's 1-minute resolution)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from emulator.contracts.deployment_metrics import CHARTS, INSTANCE_ID, NAMESPACE, chart_query

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Series:
    """One line of a chart: its points, oldest first."""

    chart: str
    title: str
    unit: str
    label: str
    points: list[tuple[datetime, float]]

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None


def deployment_metrics(deployment_id: str, minutes: int = 15, resolution: str = "1m", auth: Any = None,
                       profile: str | None = None) -> list[Series]:
    """Every chart line of the deployment over the last ``minutes``, one point per ``resolution``
    (``1m``..., or ``10s`` on the emulator)."""
    import oci

    from toolkit.catalog.session import connect

    session = connect(auth, profile)
    compartment = session.ds.get_model_deployment(deployment_id).data.compartment_id
    client = oci.monitoring.MonitoringClient(session.profile.config, **session.profile.client_args())
    end = datetime.now(timezone.utc)
    found = []
    for key, title, unit, queries in CHARTS:
        for label, template in queries:
            details = oci.monitoring.models.SummarizeMetricsDataDetails(
                namespace=NAMESPACE, query=chart_query(template, deployment_id, resolution), resolution=resolution,
                start_time=end - timedelta(minutes=minutes), end_time=end)
            for data in client.summarize_metrics_data(compartment, details).data:
                points = [(p.timestamp, float(p.value)) for p in data.aggregated_datapoints]
                found.append(Series(key, title, unit, label or str((data.dimensions or {}).get(INSTANCE_ID, "")), points))
    return found


def sparkline(values: list[float], width: int = 30) -> str:
    """The last ``width`` values as block characters, lowest to highest of those shown."""
    shown = values[-width:]
    if not shown:
        return ""
    low, high = min(shown), max(shown)
    span = (high - low) or 1.0
    return "".join(SPARKS[min(int((v - low) / span * (len(SPARKS) - 1) + 0.5), len(SPARKS) - 1)] for v in shown)
