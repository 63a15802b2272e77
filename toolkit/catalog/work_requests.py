"""Waiting for a work request: the one waiter every asynchronous catalog call uses.

Deployments, version-set deletes and artifact transfers through Object Storage all answer with
an ``opc-work-request-id``; ``wait`` polls it until its status is final (the state set of
``emulator.contracts.states``), optionally showing its progress and log lines, and raises
``WorkRequestFailedError`` with the service's own error lines unless it SUCCEEDED.
"""
from __future__ import annotations

import sys
import time
from typing import Any

from emulator.contracts.states import SUCCEEDED, TERMINAL_WORK_REQUEST_STATES
from toolkit.catalog.errors import CatalogError, WorkRequestFailedError

LOCAL_POLL_SECONDS = 0.05  # the emulator is on this machine: poll often (deploy -> first predict counts)
CLOUD_POLL_SECONDS = 5.0


def wait(session: Any, work_request_id: str, timeout: float = 600, *, title: str | None = None,
         show_progress: bool | None = False, poll_interval: float | None = None) -> Any:
    """Poll until the work request ends and return it; WorkRequestFailedError unless it SUCCEEDED.

    ``show_progress`` draws a progress bar with the work request's log lines on stderr (None: only
    on a terminal). ``title`` names the operation in the bar and in errors. ``poll_interval``
    (seconds) overrides the default pace (fast for the local emulator, slower for OCI).
    """
    ds = session.ds
    show = sys.stderr.isatty() if show_progress is None else show_progress
    interval = poll_interval or (LOCAL_POLL_SECONDS if session.profile.is_local else CLOUD_POLL_SECONDS)
    deadline = time.monotonic() + timeout
    with _Progress(title or f"work request {work_request_id}", show) as progress:
        shown = 0
        while True:
            # The logs before the status: a failure's log line and its FAILED status are written together,
            # so a line read here is never a failure that the status, read after it, does not show yet
            # (read the other way round, the failure was printed as progress and then raised: twice).
            logs = ds.list_work_request_logs(work_request_id).data if show else []
            work = ds.get_work_request(work_request_id).data
            if show and work.status in TERMINAL_WORK_REQUEST_STATES:
                logs = ds.list_work_request_logs(work_request_id).data  # the last lines, written meanwhile
            errors = [e.message for e in _errors(ds, work)] if show else []
            for entry in logs[shown:]:
                if not any(error and error in entry.message for error in errors):  # the raised error says it once
                    progress.line(entry.message)
            shown = max(shown, len(logs))
            progress.update(work.percent_complete or 0)
            if work.status in TERMINAL_WORK_REQUEST_STATES:
                break
            if time.monotonic() > deadline:
                raise CatalogError(f"work request {work_request_id} ({work.operation_type}) is still {work.status} "
                                   f"after {timeout:.0f} s; wait longer, or look at it with its OCID")
            time.sleep(interval)
    if work.status != SUCCEEDED:
        detail = "\n".join(f"{e.code}: {e.message}" for e in _errors(ds, work)) or "no error details"
        prefix = f"{title}: " if title else ""
        raise WorkRequestFailedError(
            f"{prefix}work request {work_request_id} ({work.operation_type}) ended {work.status}:\n{detail}"
            + _deployment_logs_hint(work, detail))
    return work


def _errors(ds: Any, work: Any) -> list[Any]:
    """The errors of a work request that ended unsuccessfully (none while it runs or once it SUCCEEDED)."""
    if work.status not in TERMINAL_WORK_REQUEST_STATES or work.status == SUCCEEDED:
        return []
    return list(ds.list_work_request_errors(work.id).data)


def _deployment_logs_hint(work: Any, detail: str) -> str:
    """For a failed operation on a model deployment: its OCID and the command that shows its logs,
    unless the service said so already (the emulator does)."""
    ids = [r.identifier for r in (work.resources or []) if "modeldeployment" in (r.identifier or "")]
    if not ids or "dockyard deployments logs" in detail:
        return ""
    return f"\nmodel deployment {ids[0]}; its logs: dockyard deployments logs {ids[0]}"


class _Progress:
    """A rich progress bar with the operation's log lines printed above it (silent when not shown)."""

    def __init__(self, title: str, show: bool) -> None:
        self.title, self.show, self._bar, self._task = title, show, None, None

    def __enter__(self) -> "_Progress":
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 console=Console(stderr=True, soft_wrap=True), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.title, total=100)
        return self

    def line(self, message: str) -> None:
        if self._bar is not None:
            from rich.markup import escape

            self._bar.console.print(f"[dim]{escape(message)}[/dim]", highlight=False)

    def update(self, percent: float) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=percent)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
