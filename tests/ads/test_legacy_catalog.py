"""ADS's legacy catalog helpers (ModelCatalog, ProjectCatalog) reach the emulator and nothing else.

ADS builds their clients from ``OCI_ODSC_SERVICE_ENDPOINT`` (``ads.config``), which overrides the
endpoint ``ads.set_auth`` gave: before ``connect_ads()`` covered it, ``ModelCatalog`` went to
``datascience.us-ashburn-1.oci.oraclecloud.com`` and the SDK retried for about 95 s. Every notebook
runs under the network guard, on the process runtime (catalog calls only: no Docker needed),
against an emulator that enforces request signing.
"""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def catalog_run(ads_process) -> dict:
    work = ads_process.workdir / "legacy-catalog"
    return ads_process.run("legacy_catalog.py", str(work / "artifact"), str(work / "downloaded"), timeout=300)


def test_model_catalog_lists_gets_updates_downloads_and_deletes_models(catalog_run):
    assert len(catalog_run["listed"]) == 1 and catalog_run["listed"][0].startswith("ocid1.datasciencemodel.")
    assert catalog_run["updated"] == ["legacy-catalog-renamed", "renamed by ModelCatalog"]
    assert catalog_run["committed"] == "committed by Model.commit"  # Model.commit() re-activates: a no-op
    assert {"score.py", "runtime.yaml"} <= set(catalog_run["downloaded"])
    assert catalog_run["deleted"] is True and catalog_run["after_delete"] == "DELETED"


def test_project_catalog_creates_updates_lists_and_deletes_projects(catalog_run):
    assert catalog_run["project"] == ["legacy-project-renamed", "made by ProjectCatalog"]
    assert catalog_run["project_id"] in catalog_run["projects"]


def test_model_catalog_imported_before_connect_ads_reaches_the_emulator_too(ads_process, tmp_path):
    result = ads_process.run("legacy_catalog.py", str(tmp_path / "artifact"), str(tmp_path / "downloaded"),
                             "--import-first", timeout=300)
    assert result["deleted"] is True


def test_connect_ads_routes_every_setting_and_cloud_host_and_prod_undoes_it(ads_process, tmp_path):
    from toolkit.testing.credentials import make_api_key

    prod = make_api_key(tmp_path, profile="PROD", region="us-phoenix-1")
    result = ads_process.run("connect_and_disconnect.py", str(prod.config_file), timeout=300)
    endpoint = result["endpoint"]
    assert endpoint.startswith("http://127.0.0.1:")
    unset = {"environment": [None, None], "ads.config": [None, None], "ads.catalog.project": [None, None]}
    assert result["before"] == unset and result["after"] == unset
    assert result["connected"] == {place: [endpoint, endpoint] for place in unset}
    assert result["regional_host"].startswith("https://datascience.us-ashburn-1.oci.oraclecloud.com")
    assert result["regional_list_models"] == 200  # sent to the emulator, signed for the cloud host
    assert result["identity"] == 404  # not emulated: OCI's 404 from the emulator, at once
    assert result["prod"] == ["PROD", None] and result["adapters_restored"] is True
