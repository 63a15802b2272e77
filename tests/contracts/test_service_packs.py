"""The service-pack index as OCI lists it (``emulator/contracts/service_packs.json``): every pack's
slug, name, version, Python, arch and path in OCI's layout, where each fact came from, and which pack
Pythons a deployment here can stand in for."""
from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from emulator.contracts import conda_packs as contract

DOCUMENT = json.loads(resources.files("emulator.contracts").joinpath(contract.SERVICE_PACKS_FILE).read_text())
BY_SLUG = {pack.slug: pack for pack in contract.SERVICE_PACKS}
# Packs that older notebooks and ADS's own docs name (issue 29).
NAMED_IN_THE_WILD = ("dataexpl_p37_cpu_v3", "generalml_p38_cpu_v1", "tensorflow28_p38_cpu_v1", "pytorch110_p38_cpu_v1",
                     "pytorch20_p39_gpu_v2", "pytorch24_p310_gpu_x86_64_v1", "pyspark32_p38_cpu_v2", "mlcpuv1",
                     "automlx234_p38_cpu_x86_64_v1", "generalml_p311_cpu_x86_64_v1")


def test_the_packs_older_notebooks_and_adss_docs_name_are_listed():
    assert set(NAMED_IN_THE_WILD) <= set(BY_SLUG)


def test_each_pack_path_is_in_ocis_layout():
    for pack in contract.SERVICE_PACKS:
        assert pack.arch in ("cpu", "gpu") and re.fullmatch(r"\d+\.\d+", pack.version), pack
        assert re.fullmatch(r"3\.\d+(\.\d+)?", pack.python), pack
        assert pack.path == (f"oci://service-conda-packs@id19sfcrra6z/service_pack/{pack.arch}/"
                             f"{pack.name.replace(' ', '_')}/{pack.version}/{pack.slug}")
        tagged = re.search(r"_p(3)(\d+)_", pack.slug)  # generalml_p38_... is Python 3.8
        assert not tagged or pack.python.split(".")[:2] == list(tagged.groups()), pack


def test_paths_the_sources_show_in_full_are_reproduced_exactly():
    assert BY_SLUG["dataexpl_p37_cpu_v3"].object_name == \
        "service_pack/cpu/Data_Exploration_and_Manipulation_for_CPU_Python_3.7/3.0/dataexpl_p37_cpu_v3"
    assert BY_SLUG["automlx234_p38_cpu_x86_64_v1"].object_name == \
        "service_pack/cpu/Oracle_AutoMLx_v23.4_for_CPU_on_Python_3.8/1.0/automlx234_p38_cpu_x86_64_v1"
    assert BY_SLUG["pytorch21_p39_gpu_v1"].object_name == \
        "service_pack/gpu/PyTorch_2.1_for_GPU_on_Python_3.9/1.0/pytorch21_p39_gpu_v1"
    assert BY_SLUG["python_p311_any_x86_64_v4"].object_name == \
        "service_pack/cpu/Python_3.11_Base_environment/4.0/python_p311_any_x86_64_v4"  # saved artifacts name it


def test_slugs_are_unique_and_each_pack_names_a_source_and_a_stand_in():
    slugs = [pack["slug"] for pack in DOCUMENT["packs"]]
    assert len(slugs) == len(set(slugs)) == len(contract.SERVICE_PACKS)
    sources = {source["id"] for source in DOCUMENT["sources"]}
    assert all(source["where"] and source["what"] for source in DOCUMENT["sources"])
    assert {pack["source"] for pack in DOCUMENT["packs"]} == sources  # every source is used, none is unnamed
    assert {pack["stand_in"] for pack in DOCUMENT["packs"]} == set(DOCUMENT["stand_ins"])


def test_stand_ins_are_current_releases_of_what_a_score_py_for_the_pack_imports():
    assert {"torch"} <= set(BY_SLUG["pytorch20_p39_gpu_v2"].requirements)
    assert {"tensorflow"} <= set(BY_SLUG["tensorflow28_p38_cpu_v1"].requirements)
    assert {"scikit-learn", "joblib"} <= set(BY_SLUG["dataexpl_p37_cpu_v3"].requirements)
    assert any(r.startswith("pyspark") for r in BY_SLUG["pyspark32_p38_cpu_v2"].requirements)
    assert BY_SLUG["python_p311_any_x86_64_v4"].requirements == ()
    pinned = [r for pack in contract.SERVICE_PACKS for r in pack.requirements if "==" in r]
    assert pinned == []  # the packs' old pins do not install on Python 3.11


def test_the_index_has_current_and_deprecated_cpu_and_gpu_packs():
    kinds = {(pack.deprecated, pack.arch) for pack in contract.SERVICE_PACKS}
    assert kinds == {(False, "cpu"), (False, "gpu"), (True, "cpu"), (True, "gpu")}
    assert all(pack.deprecated == (not contract.runs_here(pack.python)) for pack in contract.SERVICE_PACKS)


@pytest.mark.parametrize("python, runs", [("3.6", False), ("3.7.8", False), ("3.9", False), ("3.10", True),
                                          ("3.11", True), ("3.12", True), ("", True), ("unknown", True)])
def test_deployments_here_stand_in_for_packs_on_python_3_10_and_newer(python, runs):
    assert contract.runs_here(python) is runs


def test_the_error_for_an_old_python_pack_says_why_and_what_to_do():
    error = contract.not_runnable("dataexpl_p37_cpu_v3", "3.7")
    assert "dataexpl_p37_cpu_v3 is Python 3.7" in error.message and "Python 3.11" in error.message
    assert 'prepare(inference_conda_env="generalml_p311_cpu_x86_64_v1"' in error.hint
    assert "dockyard conda publish --python 3.11" in error.hint


def test_the_data_file_ships_in_the_wheel():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    assert any(fnmatch.fnmatch(contract.SERVICE_PACKS_FILE, pattern) for pattern in patterns)
