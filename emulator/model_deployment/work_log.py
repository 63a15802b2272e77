"""The work-request log of a deployment operation: what an operation says goes to the deployment's
deploy log (``deploy.jsonl``, all of it) and to its work request's logs (the first lines, with
``percentComplete``), so ``dockyard deployments logs`` and the OCI work-request calls tell one story.
"""
from __future__ import annotations

from typing import Any

from emulator.data_science import work_requests as wr
from emulator.model_deployment import files
from emulator.state import EmulatorState
from emulator.wire import now

WR_LOG_LIMIT = 400  # work request log lines kept; the full output stays in deploy.jsonl


class OperationLog:
    """Where an operation's output goes: the deployment's deploy log, and its work request's logs.

    Callable with one line (the runtimes' LogSink); ``progress`` also moves percentComplete."""

    def __init__(self, db: Any, wr_id: str | None, path: Any) -> None:
        self.db, self.wr_id, self.path, self.count = db, wr_id, path, 0

    def __call__(self, line: str) -> None:
        self.to_file(line)
        if self.wr_id and self.count < WR_LOG_LIMIT:
            self.count += 1
            wr.log(self.db, self.wr_id, line)

    def to_file(self, line: str) -> None:
        """Only to the deployment's deploy log."""
        files.append_json_line(self.path, {"time": now(), "message": line})

    def progress(self, percent: float, message: str) -> None:
        self.to_file(message)
        if self.wr_id:
            wr.progress(self.db, self.wr_id, percent, message)


def operation_log(state: EmulatorState, wr_id: str | None, deployment_id: str) -> OperationLog:
    """The log of one operation on a deployment (``wr_id`` None: the deploy log alone)."""
    return OperationLog(state.db, wr_id, files.log_dir(state, deployment_id) / "deploy.jsonl")


def open_work_request(state: EmulatorState, operation: str, record: dict[str, Any], action: str) -> dict[str, Any]:
    """An ACCEPTED work request of ``operation`` on the deployment ``record``."""
    resource = wr.resource("modelDeployment", record["id"], action, f"/modelDeployments/{record['id']}")
    return wr.create(state.db, operation, record["compartmentId"], [resource], state.config.region)
