"""Metric datapoints in the emulator's SQLite store, at two resolutions, so a restart keeps them.

A row summarizes the datapoints one series received in one period (how many, their sum, extremes
and a bounded sample for percentiles: ``mql.Summary``). Writers add one-second rows; whole minutes
are rolled up into one-minute rows as they end. One-second rows are kept
``metrics_fine_retention`` seconds, one-minute rows ``metrics_retention`` seconds (settings of
``EmulatorConfig``). Reads take one-minute rows where the minutes are rolled up and one-second rows
after, so a query over the last hour costs a few hundred rows per series.

The table lives beside the resource table in the same database file, so the emulator's snapshots
carry it; the store knows nothing of HTTP or MQL syntax.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from emulator.monitoring.mql import Summary, merge
from emulator.store.db import Database

FINE, MINUTE = 1, 60  # the two resolutions, in seconds
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS metric_points (
        namespace TEXT NOT NULL, name TEXT NOT NULL, compartment_id TEXT NOT NULL, resource_id TEXT NOT NULL,
        dimensions TEXT NOT NULL, resolution INTEGER NOT NULL, t INTEGER NOT NULL,
        n INTEGER NOT NULL, total REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL, sample TEXT NOT NULL,
        PRIMARY KEY (resolution, namespace, name, resource_id, dimensions, t))""",
    "CREATE INDEX IF NOT EXISTS ix_metric_points_time ON metric_points (resolution, t)",
    "CREATE TABLE IF NOT EXISTS metric_rollup (id INTEGER PRIMARY KEY CHECK (id = 1), rolled_until INTEGER NOT NULL)",
)


@dataclass(frozen=True)
class Point:
    """What a series received in one period ``t`` (epoch seconds, the period's start)."""

    namespace: str
    name: str
    compartment_id: str
    dimensions: tuple[tuple[str, str], ...]  # sorted (name, value) pairs, resourceId among them
    t: int
    summary: Summary

    @property
    def resource_id(self) -> str:
        return dict(self.dimensions).get("resourceId", "")


def dimensions_of(values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in values.items()))


class MetricStore:
    """The datapoints of every series, over the emulator's database."""

    def __init__(self, db: Database, fine_retention: float, retention: float) -> None:
        self.db = db
        self.fine_retention = max(float(fine_retention), 2 * MINUTE)  # minutes roll up from fine rows
        self.retention = max(float(retention), self.fine_retention)
        self._lock = threading.Lock()
        self._minute = 0  # the minute the last write saw (its roll-up done)
        with db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    # ---------------------------------------------------------------- writing
    def add(self, points: Iterable[Point], now: float | None = None) -> None:
        """Store one-second points, roll up the minutes that ended and drop what is past retention."""
        now = time.time() if now is None else now
        rows = [_row(p, FINE) for p in points]
        this_minute = int(now) // MINUTE * MINUTE
        if not rows and this_minute == self._minute:
            return  # nothing to write, no minute ended: no transaction (an idle emulator stays idle)
        with self._lock, self.db.transaction() as conn:
            conn.executemany(_UPSERT, rows)
            self._roll_up(conn, this_minute, now)
        self._minute = this_minute

    def _roll_up(self, conn: Any, this_minute: int, now: float) -> None:
        row = conn.execute("SELECT rolled_until FROM metric_rollup WHERE id = 1").fetchone()
        if row is None:
            first = conn.execute("SELECT MIN(t) FROM metric_points WHERE resolution = ?", (FINE,)).fetchone()[0]
            rolled_until = (first // MINUTE * MINUTE) if first is not None else this_minute
        else:
            rolled_until = row[0]
        if rolled_until < this_minute:
            groups: dict[tuple, list[Summary]] = defaultdict(list)
            for record in conn.execute(
                    "SELECT namespace, name, compartment_id, resource_id, dimensions, t, n, total, low, high, sample "
                    "FROM metric_points WHERE resolution = ? AND t >= ? AND t < ?", (FINE, rolled_until, this_minute)):
                groups[(*record[:5], record[5] // MINUTE * MINUTE)].append(_summary(record[6:]))
            conn.executemany(_UPSERT, [_rollup_row(key, parts) for key, parts in groups.items()])
            conn.execute("DELETE FROM metric_points WHERE resolution = ? AND t < ?", (FINE, now - self.fine_retention))
            conn.execute("DELETE FROM metric_points WHERE resolution = ? AND t < ?", (MINUTE, now - self.retention))
        if row is None or rolled_until < this_minute:
            conn.execute("INSERT OR REPLACE INTO metric_rollup (id, rolled_until) VALUES (1, ?)",
                         (max(rolled_until, this_minute),))

    def clear(self) -> None:
        """Forget every datapoint (the emulator's reset)."""
        with self._lock, self.db.transaction() as conn:
            conn.execute("DELETE FROM metric_points")
            conn.execute("DELETE FROM metric_rollup")

    # ---------------------------------------------------------------- reading
    def points(self, namespace: str, name: str, start: float, end: float, fine: bool,
               compartments: set[str] | None = None, samples: bool = True) -> Iterator[Point]:
        """The series' rows with ``start <= t < end``: one-second rows when ``fine``, else one-minute
        rows where minutes are rolled up and one-second rows after; ``samples=False`` leaves the
        summaries' samples out (only percentiles read them)."""
        with self.db.transaction() as c:  # one consistent view of both resolutions
            row = c.execute("SELECT rolled_until FROM metric_rollup WHERE id = 1").fetchone()
            rolled_until = row[0] if row else 0
            spans = [(FINE, start, end)] if fine else [(MINUTE, start, min(end, rolled_until)),
                                                       (FINE, max(start, rolled_until), end)]
            records = []
            for resolution, low, high in spans:
                if low >= high:
                    continue
                records += c.execute(
                    "SELECT namespace, name, compartment_id, dimensions, t, n, total, low, high, sample FROM metric_points "
                    "WHERE resolution = ? AND namespace = ? AND name = ? AND t >= ? AND t < ? ORDER BY t",
                    (resolution, namespace, name, int(low), _ceil(high))).fetchall()
        dimensions: dict[str, tuple[tuple[str, str], ...]] = {}  # a series' rows share their dimensions
        for record in records:
            if compartments is None or record[2] in compartments:
                dims = dimensions.get(record[3])
                if dims is None:
                    dims = dimensions[record[3]] = tuple(map(tuple, json.loads(record[3])))
                summary = _summary(record[5:]) if samples else Summary(*record[5:9])
                yield Point(record[0], record[1], record[2], dims, record[4], summary)

    def series(self, compartments: set[str] | None = None, namespace: str | None = None,
               since: float | None = None) -> list[tuple[str, str, str, tuple[tuple[str, str], ...]]]:
        """(namespace, name, compartment, dimensions) of every series with a point since ``since``
        (default: within the one-minute retention)."""
        since = time.time() - self.retention if since is None else since
        with self.db.transaction() as conn:
            records = conn.execute(
                "SELECT DISTINCT namespace, name, compartment_id, dimensions FROM metric_points WHERE t >= ?",
                (int(since),)).fetchall()
        return [(ns, name, compartment, tuple(map(tuple, json.loads(dims)))) for ns, name, compartment, dims in records
                if (compartments is None or compartment in compartments) and (namespace is None or ns == namespace)]


_UPSERT = ("INSERT OR REPLACE INTO metric_points (namespace, name, compartment_id, resource_id, dimensions, resolution, "
           "t, n, total, low, high, sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _row(point: Point, resolution: int) -> tuple:
    s = point.summary
    return (point.namespace, point.name, point.compartment_id, point.resource_id, json.dumps(point.dimensions),
            resolution, int(point.t), s.count, s.total, s.low, s.high, json.dumps(s.sample))


def _rollup_row(key: tuple, parts: list[Summary]) -> tuple:
    namespace, name, compartment, resource, dimensions, t = key
    s = merge(parts)
    assert s is not None
    return (namespace, name, compartment, resource, dimensions, MINUTE, t, s.count, s.total, s.low, s.high,
            json.dumps(s.sample))


def _summary(record: tuple) -> Summary:
    n, total, low, high, sample = record
    return Summary(n, total, low, high, tuple(json.loads(sample)))


def _ceil(value: float) -> int:
    return int(value) if value == int(value) else int(value) + 1
