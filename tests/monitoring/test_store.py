"""The metric store: one-second rows, rolled up into one-minute rows as minutes end, each kept for
its retention, read back across a reopening of the database (an emulator restart)."""
from __future__ import annotations

from emulator.monitoring import mql, summarize
from emulator.monitoring.store import MetricStore, Point, dimensions_of
from emulator.store.db import Database

T0 = 1_800_000_000 // 3600 * 3600  # an hour's start, epoch seconds
COMPARTMENT = "ocid1.compartment.oc1..aaaa"


def _point(t: int, value: float, resource: str = "ocid1.datasciencemodeldeployment.oc1.iad.a") -> Point:
    return Point("ns", "Latency", COMPARTMENT, dimensions_of({"resourceId": resource}), t, mql.Summary.of([value]))


def _store(tmp_path, fine: float = 600, retention: float = 3600) -> MetricStore:
    return MetricStore(Database(tmp_path / "db.sqlite"), fine, retention)


def test_whole_minutes_roll_up_and_survive_a_reopening(tmp_path):
    store = _store(tmp_path)
    for second in range(150):  # two whole minutes and half a third
        store.add([_point(T0 + second, float(second))], now=T0 + second + 0.5)
    store.db.close()
    reopened = _store(tmp_path)
    minutes = [p for p in reopened.points("ns", "Latency", T0, T0 + 120, fine=False)]
    assert [(p.t, p.summary.count, p.summary.total) for p in minutes] == [
        (T0, 60, float(sum(range(60)))), (T0 + 60, 60, float(sum(range(60, 120))))]
    recent = list(reopened.points("ns", "Latency", T0, T0 + 150, fine=False))
    assert sum(p.summary.count for p in recent) == 150  # minutes rolled up, then the seconds after them


def test_points_past_their_retention_go(tmp_path):
    store = _store(tmp_path, fine=120, retention=300)
    store.add([_point(T0, 1.0)], now=T0)
    store.add([_point(T0 + 200, 2.0)], now=T0 + 200)
    assert [p.t for p in store.points("ns", "Latency", T0, T0 + 400, fine=True)] == [T0 + 200]
    assert [p.t for p in store.points("ns", "Latency", T0, T0 + 60, fine=False)] == [T0]
    store.add([], now=T0 + 700)
    assert list(store.points("ns", "Latency", T0, T0 + 60, fine=False)) == []


def test_a_summary_reads_minute_and_second_rows_as_one_series(tmp_path):
    store = _store(tmp_path)
    for second in range(0, 180, 5):
        store.add([_point(T0 + second, 10.0)], now=T0 + second)
    query = mql.parse('Latency[1m]{resourceId = "ocid1.datasciencemodeldeployment.oc1.iad.a"}.count()')
    data = summarize.summarize(store, "ns", query, summarize.Window(T0, T0 + 180, 60), COMPARTMENT, {COMPARTMENT})
    assert [p["value"] for p in data[0]["aggregatedDatapoints"]] == [12.0, 12.0, 12.0]
    assert data[0]["aggregatedDatapoints"][0]["timestamp"].endswith(":00.000Z")


def test_the_compartment_filter_keeps_other_compartments_out(tmp_path):
    store = _store(tmp_path)
    store.add([_point(T0, 1.0)], now=T0)
    assert list(store.points("ns", "Latency", T0, T0 + 1, fine=True, compartments={"ocid1.compartment.oc1..other"})) == []
