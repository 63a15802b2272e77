"""The ``DOCKYARD_NO_SKIPS=1`` guard (tests/skip_policy.py), run on small suites of its own through pytester:
a skip not on the allow-list fails the run only when the flag is set; an allowed one never does."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import skip_policy

pytest_plugins = ["pytester"]

_FORBIDS = f"skips {skip_policy.ENV_FLAG}=1 forbids"
_MATRIX_TEST = "test_reference_to_another_compartment_from_ones_own_is_not_found"
_SKIPPED_MODULE = """
import pytest

pytest.skip("no engine here", allow_module_level=True)
"""
ROOT = Path(__file__).resolve().parents[2]


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, flag: bool, *args: str) -> pytest.RunResult:
    if flag:
        monkeypatch.setenv(skip_policy.ENV_FLAG, "1")
    else:
        monkeypatch.delenv(skip_policy.ENV_FLAG, raising=False)
    pytester.makeini("[pytest]\n")  # the suite's own rootdir: node ids relative to it
    return pytester.runpytest("-p", "tests.skip_policy", "-p", "no:dockyard", "-p", "no:cacheprovider",
                              "--import-mode=importlib", "-rs", *args)


@pytest.fixture
def a_missing_tool(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tool="""
        import pytest

        def test_runs():
            pass

        def test_needs_a_tool():
            pytest.skip("the tool is not installed")
    """)


def test_a_skip_not_on_the_allow_list_fails_the_run_under_the_flag(pytester, monkeypatch, a_missing_tool):
    result = _run(pytester, monkeypatch, flag=True)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"*{_FORBIDS}*", "SKIPPED test_tool.py::test_needs_a_tool: the tool is not installed"])


def test_the_same_skip_passes_without_the_flag(pytester, monkeypatch, a_missing_tool):
    result = _run(pytester, monkeypatch, flag=False)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line(f"*{_FORBIDS}*")


def test_skips_on_xdist_workers_fail_the_run_under_the_flag(pytester, monkeypatch, a_missing_tool):
    """make test and test-fast run on pytest-xdist workers: the controller's policy sees their skips,
    a test's and a module's."""
    pytester.makepyfile(test_module=_SKIPPED_MODULE)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers import tests.skip_policy too
    result = _run(pytester, monkeypatch, True, "-n", "2")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines_random([f"*{_FORBIDS}*", "SKIPPED test_module.py: no engine here",
                                        "SKIPPED test_tool.py::test_needs_a_tool: the tool is not installed"])


def test_a_skipped_module_fails_the_run_under_the_flag(pytester, monkeypatch):
    pytester.makepyfile(test_module=_SKIPPED_MODULE)
    result = _run(pytester, monkeypatch, flag=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["SKIPPED test_module.py: no engine here"])


def _matrix_skip(pytester: pytest.Pytester, reason: str) -> None:
    """A test at the signature matrix's node id, skipped with ``reason``."""
    pytester.mkpydir("tests")
    pytester.mkpydir("tests/auth")
    pytester.path.joinpath("tests/auth/test_signature_matrix.py").write_text(f"""
import pytest

@pytest.mark.parametrize("route", ["POST /a", "PUT /b"])
def {_MATRIX_TEST}(route):
    if route == "PUT /b":
        pytest.skip({reason!r})
""")


def test_an_allowed_not_applicable_case_passes_under_the_flag(pytester, monkeypatch):
    _matrix_skip(pytester, "the body refers to nothing")
    result = _run(pytester, monkeypatch, flag=True)
    result.assert_outcomes(passed=1, skipped=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line(f"*{_FORBIDS}*")


def test_an_allowed_test_skipped_for_another_reason_fails_under_the_flag(pytester, monkeypatch):
    _matrix_skip(pytester, "the emulator did not start")
    result = _run(pytester, monkeypatch, flag=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"SKIPPED tests/auth/test_signature_matrix.py::{_MATRIX_TEST}?PUT /b?: "
                                 "the emulator did not start"])


def test_the_allow_list_is_the_signature_matrix_not_applicable_cases():
    """Each entry names a test of the matrix and the reason it skips with, so neither can drift."""
    from tests.auth import test_signature_matrix as matrix

    allowed = {(entry.test, entry.reason) for entry in skip_policy.ALLOWED}
    assert allowed == {(f"tests/auth/test_signature_matrix.py::{test}", reason)
                       for test, reason in matrix.NOT_APPLICABLE.values()}
    assert all(entry.why for entry in skip_policy.ALLOWED)
