"""connect_ads()'s parts that need no ADS installed: which URLs it sends to the emulator, and how it
sets and puts back ADS's settings (with stand-in ``ads`` modules). The ADS venv's notebooks
(tests/ads) check the same against the real ADS."""
from __future__ import annotations

import os
import sys
import types

import pytest

from toolkit import ads_connect

EMULATOR = "http://127.0.0.1:5000"


@pytest.mark.parametrize("url, routed", [
    ("https://datascience.us-ashburn-1.oci.oraclecloud.com/20190101/models", "/20190101/models"),
    ("https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/ns/b/b/o/x", "/n/ns/b/b/o/x"),
    ("https://identity.us-langley-1.oraclegovcloud.com/20160918/users/u", "/20160918/users/u"),
    ("https://query.uk-gov-london-1.oraclegovcloud.uk/20180409/resources", "/20180409/resources"),
    ("https://logging.eu-madrid-2.oraclecloud.eu:443/20190909/search", "/20190909/search"),
    ("https://datascience.us-dedicated-1.oci.customer-oci.com/20190101/projects?limit=1", "/20190101/projects?limit=1"),
    ("https://objectstorage.us-ashburn-1.oraclecloud.com", ""),
])
def test_every_host_of_an_oci_realm_goes_to_the_emulator(url, routed):
    assert ads_connect._Routes(EMULATOR).rewrite(url) == EMULATOR + routed


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/20190101/models",
    "https://pypi.org/simple/oracle-ads/",
    "https://evil-oraclecloud.com/20190101/models",
    "https://oraclecloud.com.example.net/x",
    "https://docs.oracle.com/iaas/",
])
def test_other_urls_are_left_alone(url):
    assert ads_connect._Routes(EMULATOR).rewrite(url) == url


@pytest.fixture
def stand_in_ads(monkeypatch):
    """``ads``, ``ads.config`` and a module that copied a setting, as ADS has them after import; the
    settings' environment variables are put back as they were whatever the test leaves in them (a leaked
    ``OCI_ODSC_SERVICE_ENDPOINT`` would send every later ADS subprocess to a dead port)."""
    package, config, catalog = (types.ModuleType(n) for n in ("ads", "ads.config", "ads.catalog.model"))
    for module in (config, catalog):
        module.OCI_ODSC_SERVICE_ENDPOINT = None
    config.OCI_IDENTITY_SERVICE_ENDPOINT = None
    config.NB_SESSION_OCID = config.COMPARTMENT_OCID = None
    package.config = config
    for name, module in (("ads", package), ("ads.config", config), ("ads.catalog.model", catalog)):
        monkeypatch.setitem(sys.modules, name, module)
    names = (*ads_connect.ADS_ENDPOINT_SETTINGS, *ads_connect.ADS_SESSION_SETTINGS)
    saved = {name: os.environ.pop(name, None) for name in names}
    yield config, catalog
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


def test_settings_reach_the_environment_ads_config_and_copies_and_are_put_back(stand_in_ads):
    config, catalog = stand_in_ads
    session = {"NB_SESSION_OCID": "ocid1.datasciencenotebooksession.oc1.iad.x",
               "NB_SESSION_COMPARTMENT_OCID": "ocid1.tenancy.oc1..t"}
    settings = ads_connect._AdsSettings.for_endpoint(EMULATOR, session)
    settings.install()
    assert os.environ["OCI_ODSC_SERVICE_ENDPOINT"] == config.OCI_ODSC_SERVICE_ENDPOINT == EMULATOR
    assert catalog.OCI_ODSC_SERVICE_ENDPOINT == config.OCI_IDENTITY_SERVICE_ENDPOINT == EMULATOR
    assert config.NB_SESSION_OCID == os.environ["NB_SESSION_OCID"] == session["NB_SESSION_OCID"]
    assert config.COMPARTMENT_OCID == session["NB_SESSION_COMPARTMENT_OCID"]  # what ads.config derives
    settings.remove()
    assert (config.OCI_ODSC_SERVICE_ENDPOINT, catalog.OCI_ODSC_SERVICE_ENDPOINT, config.NB_SESSION_OCID) == (None,) * 3
    assert "OCI_ODSC_SERVICE_ENDPOINT" not in os.environ and "NB_SESSION_OCID" not in os.environ


def test_a_value_the_user_set_meanwhile_is_kept_on_undo(stand_in_ads):
    config, _ = stand_in_ads
    settings = ads_connect._AdsSettings.for_endpoint(EMULATOR, {})
    settings.install()
    config.OCI_ODSC_SERVICE_ENDPOINT = "https://preprod.example"
    os.environ["OCI_ODSC_SERVICE_ENDPOINT"] = "https://preprod.example"
    settings.remove()
    assert config.OCI_ODSC_SERVICE_ENDPOINT == os.environ["OCI_ODSC_SERVICE_ENDPOINT"] == "https://preprod.example"
