"""A deployment's logs as ADS hands them out: ``deployment.logs().tail()`` / ``.head()``.

``ModelDeployment.logs()`` returns a :class:`DeploymentLogs`: a list of :class:`LogEntry` (oldest
first; code that iterated or indexed the list keeps working) that also prints its last or first
entries as ADS's ``tail()``/``head()`` do, and ``watch()``es for new ones (the deployment's
``watch`` for this log type). Given ``time_start`` or ``log_filter`` they query the log again (OCI
Logging Search, which the emulator answers), as ADS's do.

``search_logs`` and ``follow_logs`` read a deployment's entries through OCI Logging Search, as OCI
stores deployment logs (the emulator answers that API too).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from emulator.contracts.deployments import LOG_TYPES, log_type_name, log_type_of
from toolkit.deployment.errors import DeploymentError

DEFAULT_LIMIT = 100  # ADS's head/tail default


@dataclass
class LogEntry:
    """One deployment log record (``type`` is ``access`` or ``predict``)."""

    time: str
    type: str
    message: str
    id: str = ""
    source: str = ""  # the deployment OCID the record is about

    def __str__(self) -> str:
        return f"{self.time} [{self.type}] {self.message}"


Search = Callable[[datetime | None, str | None], list[LogEntry]]


class DeploymentLogs(list):
    """The entries of one query, and the query itself for ``head``/``tail`` with other bounds."""

    def __init__(self, entries: Iterable[LogEntry], search: Search | None = None,
                 watch: Callable[..., Any] | None = None) -> None:
        super().__init__(entries)
        self._search = search
        self._watch = watch

    def watch(self, time_start: datetime | None = None, interval: float = 3, log_filter: str | None = None,
              stop_condition: Callable[[], bool] | None = None) -> Any:
        """Print new entries as they come, until the deployment is deactivated, deleted or FAILED (or
        ``stop_condition()``, or Ctrl-C): ``ModelDeployment.watch`` for this log type."""
        if self._watch is None:
            raise RuntimeError("these log entries are not tied to a deployment to watch")
        return self._watch(time_start=time_start, interval=interval, log_filter=log_filter,
                           stop_condition=stop_condition)

    def tail(self, source: str | None = None, limit: int = DEFAULT_LIMIT, time_start: datetime | None = None,
             log_filter: str | None = None) -> None:
        """Print the last ``limit`` entries (of ``source``, a deployment OCID, when given)."""
        self._print(self._select(source, time_start, log_filter)[-limit:] if limit else [])

    def head(self, source: str | None = None, limit: int = DEFAULT_LIMIT, time_start: datetime | None = None) -> None:
        """Print the first ``limit`` entries."""
        self._print(self._select(source, time_start, None)[:limit])

    def _select(self, source: str | None, time_start: datetime | None, log_filter: str | None) -> list[LogEntry]:
        entries = list(self)
        if (time_start is not None or log_filter) and self._search is not None:
            entries = self._search(time_start, log_filter)
        return [e for e in entries if not source or e.source == source]

    @staticmethod
    def _print(entries: list[Any]) -> None:
        for entry in entries:
            print(entry)


# ---------------------------------------------------------------------- OCI Logging Search
def search_logs(profile: Any, record: Any, log_type: str | None, since: datetime | None, limit: int, *,
                time_end: datetime | None = None, log_filter: str | None = None) -> list[LogEntry]:
    """The entries of deployment ``record`` (its ``log_type`` ones, or both), oldest first, read with
    ``profile``'s client; from ``since`` (default: a minute before it was created)."""
    from oci.loggingsearch import LogSearchClient
    from oci.loggingsearch.models import SearchLogsDetails

    client = LogSearchClient(profile.config, **profile.client_args())
    start = since or _parse_time(record.time_created) - timedelta(minutes=1)
    end = time_end or datetime.now(timezone.utc) + timedelta(minutes=1)
    details = SearchLogsDetails(time_start=start, time_end=end, is_return_field_info=False,
                                search_query=log_query(record, profile.is_local, log_type, log_filter))
    results = client.search_logs(details, limit=limit).data.results or []
    return [_log_entry(r.data) for r in results]


def follow_logs(profile: Any, record: Any, log_type: str | None, since: datetime | None,
                poll_interval: float) -> Iterator[LogEntry]:
    """New entries as they come, for ever (the caller stops iterating)."""
    seen: set[str] = set()
    while True:
        for entry in search_logs(profile, record, log_type, since, 1000):
            if entry.id not in seen:
                seen.add(entry.id)
                yield entry
        time.sleep(poll_interval)


def log_query(record: Any, is_local: bool, log_type: str | None, log_filter: str | None = None) -> str:
    """``search "<compartment>[/<log group>/<log>]" | where data.modeldeploymentid = '<ocid>'`` as OCI
    expects; ``log_filter`` is added to the where clause, as ADS adds it. On the local profile a
    deployment without configured logs is searched in its compartment."""
    logs = getattr(record, "category_log_details", None)
    sources = []
    for kind in ([log_type] if log_type else LOG_TYPES):
        detail = getattr(logs, kind, None) if logs else None
        if detail is not None and detail.log_id:
            sources.append(f'"{record.compartment_id}/{detail.log_group_id}/{detail.log_id}"')
    if not sources:
        if not is_local:
            raise DeploymentError(f"model deployment {record.id} has no {log_type or ''} log configured "
                                  "(pass deployment_log_group_id and the log ids to deploy)")
        sources = [f'"{record.compartment_id}"']
    query = f"search {', '.join(sources)} | where data.modeldeploymentid = '{record.id}'"
    if log_type and len(sources) == 1 and sources[0] == f'"{record.compartment_id}"':
        query += f" and type = '{log_type_name(log_type)}'"
    if log_filter:
        query += f" and ({log_filter})"
    return query + " | sort by datetime asc"


def _log_entry(data: dict[str, Any]) -> LogEntry:
    content = data.get("logContent") or {}
    kind = log_type_of(content.get("type", ""))
    return LogEntry(time=content.get("time", ""), type=kind, message=(content.get("data") or {}).get("message", ""),
                    id=str(content.get("id", "")), source=str(content.get("source", "")))


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
