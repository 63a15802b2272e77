"""``DOCKYARD_NO_SKIPS=1`` (``.ci/run`` sets it): a run in which a test was skipped fails, unless the skip
is on ``ALLOWED``, a short list of cases that do not apply, each with its reason.

Locally a missing tool (the oci CLI, Docker, a browser) still skips its tests; in CI every such skip
fails the run, and the terminal summary names each one with its reason. Skips at collection (a
module-level ``pytest.skip``) count too. An expected failure (xfail) is not a skip.

tests/conftest.py registers this plugin; another suite loads it with ``-p tests.skip_policy``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

ENV_FLAG = "DOCKYARD_NO_SKIPS"
_SKIPPED_PREFIX = "Skipped: "


@dataclass(frozen=True)
class AllowedSkip:
    test: str  # "path::function", the node id without its parameters
    reason: str  # the skip's reason, exactly
    why: str  # why skipping it is right, in CI too


_MATRIX = "tests/auth/test_signature_matrix.py"
ALLOWED = (
    AllowedSkip(f"{_MATRIX}::test_json_signed_as_another_content_type_does_not_get_past_the_access_check",
                "an upload or a predict payload takes any content type; a search names no compartment; "
                "a route for keys of every compartment refuses a limited key first",
                "a route whose body is not JSON naming a compartment has no content type to lie about, and an "
                "admin-only route answers A's limited key 404 before it reads the body"),
    AllowedSkip(f"{_MATRIX}::test_reference_to_another_compartment_from_ones_own_is_not_found",
                "the body refers to nothing",
                "a body that names no resource cannot name another compartment's"),
)


@dataclass(frozen=True)
class Skip:
    nodeid: str
    reason: str

    @property
    def allowed(self) -> bool:
        test = self.nodeid.split("[", 1)[0]
        return any(a.test == test and a.reason == self.reason for a in ALLOWED)


def enabled() -> bool:
    return os.environ.get(ENV_FLAG) == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SkipPolicy(), "dockyard-skip-policy-run")


class SkipPolicy:
    """Collects this run's skips; fails the run on one not allowed when ``DOCKYARD_NO_SKIPS=1``."""

    def __init__(self) -> None:
        self.skips: list[Skip] = []

    @property
    def forbidden(self) -> list[Skip]:
        return [s for s in self.skips if not s.allowed]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.append(Skip(report.nodeid, _reason(report.longrepr)))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if enabled() and self.forbidden and session.exitstatus in (pytest.ExitCode.OK,
                                                                   pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        offending = self.forbidden if enabled() else []
        if not offending:
            return
        terminalreporter.section(f"skips {ENV_FLAG}=1 forbids", sep="=", red=True, bold=True)
        for skip in offending:
            terminalreporter.line(f"SKIPPED {skip.nodeid}: {skip.reason}")
        terminalreporter.line(f"{len(offending)} skipped test(s) not on ALLOWED in tests/skip_policy.py, so the "
                              "run fails: install what they need or fix them; allow only a case that does not apply.")


def _reason(longrepr: object) -> str:
    message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return message[len(_SKIPPED_PREFIX):] if message.startswith(_SKIPPED_PREFIX) else message
