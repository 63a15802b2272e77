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

LOCAL_POLL_SECONDS = 0.25  # the emulator is on this machine: poll often
CLOUD_POLL_SECONDS = 5.0


def wait(session: Any, work_request_id: str, timeout: float = 600, *, title: str | None = None,
         show_progress: bool | None = False) -> Any:
    """Poll until the work request ends and return it; WorkRequestFailedError unless it SUCCEEDED.

    ``show_progress`` draws a progress bar with the work request's log lines on stderr (None: only
    on a terminal). ``title`` names the operation in the bar and in errors.
    """
    ds = session.ds
    show = sys.stderr.isatty() if show_progress is None else show_progress
    interval = LOCAL_POLL_SECONDS if session.profile.is_local else CLOUD_POLL_SECONDS
    deadline = time.monotonic() + timeout
    with _Progress(title or f"work request {work_request_id}", show) as progress:
        shown = 0
        while True:
            work = ds.get_work_request(work_request_id).data
            logs = ds.list_work_request_logs(work_request_id).data if show else []
            for entry in logs[shown:]:
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
        errors = ds.list_work_request_errors(work_request_id).data
        detail = "\n".join(f"{e.code}: {e.message}" for e in errors) or "no error details"
        prefix = f"{title}: " if title else ""
        raise WorkRequestFailedError(
            f"{prefix}work request {work_request_id} ({work.operation_type}) ended {work.status}:\n{detail}")
    return work


class _Progress:
    """A rich progress bar with the operation's log lines printed above it (silent when not shown)."""

    def __init__(self, title: str, show: bool) -> None:
        self.title, self.show, self._bar, self._task = title, show, None, None

    def __enter__(self) -> "_Progress":
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn

            self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                 console=Console(stderr=True), transient=True)
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
