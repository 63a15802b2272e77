"""ADS API parity, measured: every public name of ADS's model, catalog and deployment classes (listed
from ADS itself) and of the hand-listed rest (surface.py), and every parameter, is in the toolkit, or its
absence is justified in differences.yaml, which the docs' table (docs/ads-differences.md) renders.

ADS's side is read in ADS's own venv (``make ads`` builds ``.venv/ads``; ``make test`` needs it).
Without that venv the comparison is skipped with the reason, unless DOCKYARD_REQUIRE_ADS=1 (as
CI's ``.ci/run`` sets), which makes a missing venv a failure. Each accepted parameter's behaviour is
tested where it acts (tests/artifact/test_ads_model_api.py, tests/deployment/test_ads_builders.py,
tests/catalog/test_ads_catalog_api.py); this file checks the names.
"""
from __future__ import annotations

import os
import sys

import pytest

from tests.parity import report, unread


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
    toolkit = report.dump_toolkit(ads_surface)
    allowed = report.differences()
    parity = report.compare(ads_surface, toolkit, exclusions=report.exclusions(allowed))
    justified, unjustified, stale = report.split_gaps(parity, allowed)
    present = report.compare(ads_surface, toolkit, only_present_classes=True, exclusions=report.exclusions(allowed))
    with capsys.disabled():
        print("\n" + report.summary(parity, justified, present))
    assert not unjustified, "ADS names/parameters missing from the toolkit (add them, or justify them in " \
                            "tests/parity/differences.yaml):\n" + "\n".join(unjustified)
    assert not stale, "differences.yaml entries that no longer match a gap: " + ", ".join(d.gap for d in stale)


@pytest.mark.ads
def test_no_ads_parameter_is_accepted_and_silently_dropped(ads_surface):
    """Each ADS parameter a toolkit call accepts is read in its body (or forwarded), or differences.yaml
    says why not (unread: true)."""
    allowed = report.differences()
    dropped, stale = report.split_unread(unread.unread_parameters(ads_surface, report.dump_toolkit(ads_surface)),
                                         allowed)
    assert not dropped, "ADS parameters accepted and never read (use them, or justify them with unread: true " \
                        "in tests/parity/differences.yaml):\n" + "\n".join(dropped)
    assert not stale, "unread: true entries that cover no unread parameter: " + ", ".join(d.gap for d in stale)


def test_the_unread_check_sees_a_dropped_parameter():
    def create(overwrite_existing_artifact=True, region=None, remove_existing_artifact=True, bucket_uri=None):
        del overwrite_existing_artifact
        if remove_existing_artifact:
            return forward(region=region, **locals_free(bucket_uri))

    names = {"overwrite_existing_artifact", "region", "remove_existing_artifact", "bucket_uri"}
    assert unread.unread_in(create, names) == ["overwrite_existing_artifact"]


@pytest.mark.ads
def test_the_dump_sees_what_it_should(ads_surface):
    """The measurement itself: ADS's documented **kwargs count, a toolkit name swallowed by **kwargs does not,
    and an excluded name counts neither way."""
    assert "environment_variables" in ads_surface["GenericModel.deploy"]["params"]  # from deploy()'s docstring
    assert "NER" in ads_surface["UseCaseType"]["members"]
    # the classes' whole public surface, listed from ADS itself: methods, builders, properties, constants
    assert {"GenericModel.reload", "DataScienceModel.add_artifact", "ModelDeploymentInfrastructure.with_auto_scaling",
            "DataScienceModelGroup.activate", "SklearnModel.evaluate"} <= set(ads_surface)
    assert ads_surface["ModelDeployment.url"]["kind"] == "attribute"
    assert ads_surface["ModelDeployment.CONST_ID"]["kind"] == "attribute"
    parity = report.compare({"X.f": {"kind": "call", "found": True, "params": ["a", "b"], "members": []}},
                            {"X.f": {"kind": "call", "found": True, "params": ["a"], "members": []}})
    assert parity.gaps == ["X.f(b)"] and parity.param_parity == 50.0
    internal = report.Difference(gap="X.CONST_*", how="-", why="-", excluded=True)
    parity = report.compare({"X.CONST_A": {"kind": "attribute", "found": True, "params": [], "members": []},
                             "X.g": {"kind": "call", "found": True, "params": [], "members": []}},
                            {"X.CONST_A": {"kind": "attribute", "found": False, "params": [], "members": []},
                             "X.g": {"kind": "call", "found": False, "params": [], "members": []}},
                            exclusions=[internal])
    assert (parity.names, parity.gaps, parity.excluded) == (1, ["X.g"], ["X.CONST_A"])


def test_the_docs_table_is_rendered_from_differences_yaml():
    """The docs page holds only the marker; its hook renders every difference there at build time."""
    sys.path.insert(0, str(report.REPO / "docs" / "hooks"))
    try:
        import ads_differences
    finally:
        sys.path.pop(0)
    page = report.DOCS_PAGE.read_text(encoding="utf-8")
    assert page.count(report.TABLE_MARKER) == 1, f"{report.DOCS_PAGE} lacks the line {report.TABLE_MARKER!r}"
    rendered = ads_differences.on_page_markdown(page, None, None, None)
    assert report.differences_table(report.differences()) in rendered and report.TABLE_MARKER not in rendered
    assert all(f"`{d.gap}`" in rendered for d in report.differences())
