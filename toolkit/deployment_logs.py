"""A deployment's logs as ADS hands them out: ``deployment.logs().tail()`` / ``.head()``.

``ModelDeployment.logs()`` returns a :class:`DeploymentLogs`: a list of :class:`LogEntry` (oldest
first; code that iterated or indexed the list keeps working) that also prints its last or first
entries as ADS's ``tail()``/``head()`` do, and ``watch()``es for new ones (the deployment's
``watch`` for this log type). Given ``time_start`` or ``log_filter`` they query the log again (OCI
Logging Search, which the emulator answers), as ADS's do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable

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
