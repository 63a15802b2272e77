"""What connect_ads() changes in an ADS process, and that connect_ads("PROD") undoes it.

Checks, in ADS's own interpreter: ADS's endpoint settings (environment, ``ads.config`` and the copies
in modules imported before the call); a regional client built without any endpoint (as after
``ads.set_auth("resource_principal")``) reaching the emulator through the cloud-host routes; a
service the emulator does not emulate (Identity) answering there instead of in the cloud; and, after
``connect_ads("PROD")``, every setting and route back as it was.

Usage: connect_and_disconnect.py OCI_CONFIG_WITH_A_PROD_PROFILE
"""
import json
import os
import sys

import ads.catalog.project as catalog_project  # imported before connect_ads() on purpose
import ads.config
import oci
import requests

from toolkit import connect_ads

NAMES = ("OCI_ODSC_SERVICE_ENDPOINT", "OCI_IDENTITY_SERVICE_ENDPOINT")


def settings():
    return {"environment": [os.environ.get(n) for n in NAMES], "ads.config": [getattr(ads.config, n) for n in NAMES],
            "ads.catalog.project": [getattr(catalog_project, n) for n in NAMES]}


before = settings()
send_before = (requests.adapters.HTTPAdapter.send, oci._vendor.requests.adapters.HTTPAdapter.send)
local = connect_ads()
connected = settings()

config = oci.config.from_file(str(local.config_file), "DEFAULT")
regional = oci.data_science.DataScienceClient({**config, "region": "us-ashburn-1"})  # no service_endpoint
listed = regional.list_models(compartment_id=os.environ["NB_SESSION_COMPARTMENT_OCID"]).status
try:
    oci.identity.IdentityClient({**config, "region": "eu-frankfurt-1"}).get_user(config["user"])
    identity = "answered"
except oci.exceptions.ServiceError as error:
    identity = error.status

os.environ["OCI_CONFIG_FILE"] = sys.argv[1]
prod = connect_ads("PROD")
after = settings()
send_after = (requests.adapters.HTTPAdapter.send, oci._vendor.requests.adapters.HTTPAdapter.send)

print("RESULT " + json.dumps({
    "endpoint": local.endpoint, "before": before, "connected": connected, "after": after,
    "regional_list_models": listed, "regional_host": regional.base_client.endpoint, "identity": identity,
    "prod": [prod.profile, prod.endpoint], "adapters_restored": send_after == send_before,
}))
