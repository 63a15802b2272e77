"""Waiting for a work request while showing its log lines: a failure is said once, by the raised error.

The service (here a scripted stand-in for the work-request API, the one thing waited on) writes a
failure's log line, its error and its FAILED status together. A waiter that read the status before the
log lines could see IN_PROGRESS, then the failure's line, print it as progress, and raise it again
(CI: the CLI test that counts the traceback once failed this way)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from toolkit.catalog import work_requests
from toolkit.catalog.errors import WorkRequestFailedError

FAILURE = "ModelDeploymentFailed: score.py could not be loaded: SyntaxError"


class FailsAtTheSecondCall:
    """A work request that fails, log line, error and status at once, between the waiter's first and
    second calls of one poll, whichever calls those are."""

    def __init__(self) -> None:
        self.calls, self.failed = 0, False

    def _tick(self) -> None:
        self.calls += 1
        if self.calls == 2:
            self.failed = True

    def get_work_request(self, wr_id: str) -> SimpleNamespace:
        self._tick()
        status = "FAILED" if self.failed else "IN_PROGRESS"
        return SimpleNamespace(data=SimpleNamespace(id=wr_id, status=status, percent_complete=100 if self.failed else 10,
                                                    operation_type="CREATE_MODEL_DEPLOYMENT", resources=[]))

    def list_work_request_logs(self, wr_id: str) -> SimpleNamespace:
        self._tick()
        lines = ["starting 1 instance(s)"] + ([FAILURE] if self.failed else [])
        return SimpleNamespace(data=[SimpleNamespace(message=line) for line in lines])

    def list_work_request_errors(self, wr_id: str) -> SimpleNamespace:
        return SimpleNamespace(data=[SimpleNamespace(code="ModelDeploymentFailed", message=FAILURE.split(": ", 1)[1])]
                               if self.failed else [])


def test_a_failure_written_between_two_reads_is_raised_and_not_printed_as_progress(monkeypatch):
    printed: list[str] = []
    monkeypatch.setattr(work_requests._Progress, "line", lambda self, message: printed.append(message))
    session = SimpleNamespace(ds=FailsAtTheSecondCall(), profile=SimpleNamespace(is_local=True))
    with pytest.raises(WorkRequestFailedError) as failed:
        work_requests.wait(session, "ocid1.datascienceworkrequest.oc1.iad.x", 5, show_progress=True)
    assert FAILURE.split(": ", 1)[1] in str(failed.value)
    assert printed == ["starting 1 instance(s)"]
