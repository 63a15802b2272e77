"""ADS API parity, measured: every name and parameter of ADS's documented surface (surface.py) is in
the toolkit, or its absence is justified in differences.yaml, which README's table renders.

ADS's side is read in ADS's own venv (``make ads`` builds ``.venv/ads``; ``make test`` needs it).
Without that venv the comparison is skipped with the reason, unless DOCKYARD_REQUIRE_ADS=1 (as
CI's ``.ci/run`` sets), which makes a missing venv a failure. Each accepted parameter's behaviour is
tested where it acts (tests/artifact/test_ads_model_api.py, tests/deployment/test_ads_builders.py,
tests/catalog/test_ads_catalog_api.py); this file checks the names.
"""
from __future__ import annotations

import os

import pytest

from tests.parity import report


@pytest.fixture(scope="module")
def ads_surface() -> dict:
    python = report.ads_python()
    if not python.exists():
        message = f"no ADS venv at {python}: run `make ads` (or set DOCKYARD_ADS_PYTHON)"
        if os.environ.get("DOCKYARD_REQUIRE_ADS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return report.dump_ads(python)


@pytest.mark.ads
def test_every_ads_name_and_parameter_is_in_the_toolkit_or_justified(ads_surface, capsys):
    toolkit = report.dump_toolkit()
    parity = report.compare(ads_surface, toolkit)
    justified, unjustified, stale = report.split_gaps(parity, report.differences())
    with capsys.disabled():
        print("\n" + report.summary(parity, justified, report.compare(ads_surface, toolkit, only_present_classes=True)))
    assert not unjustified, "ADS names/parameters missing from the toolkit (add them, or justify them in " \
                            "tests/parity/differences.yaml):\n" + "\n".join(unjustified)
    assert not stale, "differences.yaml entries that no longer match a gap: " + ", ".join(d.gap for d in stale)


@pytest.mark.ads
def test_the_dump_sees_what_it_should(ads_surface):
    """The measurement itself: ADS's documented **kwargs count, and a toolkit name swallowed by **kwargs does not."""
    assert "environment_variables" in ads_surface["GenericModel.deploy"]["params"]  # from deploy()'s docstring
    assert "NER" in ads_surface["UseCaseType"]["members"]
    parity = report.compare({"X.f": {"kind": "call", "found": True, "params": ["a", "b"], "members": []}},
                            {"X.f": {"kind": "call", "found": True, "params": ["a"], "members": []}})
    assert parity.gaps == ["X.f(b)"] and parity.param_parity == 50.0


def test_the_readme_table_is_rendered_from_differences_yaml():
    section = report.readme_section(report.README.read_text(encoding="utf-8"))
    assert section is not None, f"README.md lacks the table between {report.README_BEGIN!r} and {report.README_END!r}"
    assert section == report.readme_table(report.differences()), \
        "README's table differs from tests/parity/differences.yaml: paste `python -m tests.parity.report --readme`"
