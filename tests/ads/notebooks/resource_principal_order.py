"""``ads.set_auth(auth="resource_principal")`` before and after ``connect_ads(session=True)``: both build
clients that reach the emulator, signed by the emulated session's resource principal.

Started with the session's variables only (as after ``eval "$(dockyard notebook env)"`` without the
start-up hook), so the first ``set_auth`` finds the token and key OCI would inject.

Usage: resource_principal_order.py ARTIFACT_DIR
"""
import json
import os
import sys
from pathlib import Path

import ads

ads.set_auth(auth="resource_principal")  # before connect_ads(): the shell's variables are enough to sign

from toolkit import connect_ads  # noqa: E402

connect_ads(session=True)

from ads.catalog.model import ModelCatalog  # noqa: E402
from ads.model.datascience_model import DataScienceModel  # noqa: E402

artifact_dir = Path(sys.argv[1])
artifact_dir.mkdir(parents=True, exist_ok=True)
(artifact_dir / "score.py").write_text("def load_model():\n    return None\n\n\ndef predict(data, model=None):\n"
                                       "    return {'prediction': data}\n")


def create(name):
    made = DataScienceModel().with_display_name(name).with_artifact(str(artifact_dir)).create()
    return DataScienceModel.from_id(made.id).dsc_model.created_by


first = create("before-set-auth")
ads.set_auth(auth="resource_principal")  # after connect_ads(): drops set_auth's endpoint; the routes keep it local
second = create("after-set-auth")
listed = ModelCatalog(compartment_id=os.environ["NB_SESSION_COMPARTMENT_OCID"]).list_models()

print("RESULT " + json.dumps({"created_by": [first, second], "listed": sorted(m.display_name for m in listed),
                              "signer": type(ads.common.auth.default_signer()["signer"]).__name__}))
