"""DataScienceModel's builder: create with an artifact directory, list, from_id.

Usage: builder_create_list.py ARTIFACT_DIR
"""
import json
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.datascience_model import DataScienceModel  # noqa: E402

artifact_dir = sys.argv[1]
created = (DataScienceModel()
           .with_display_name("built-by-builder")
           .with_description("DataScienceModel builder")
           .with_freeform_tags(team="ml")
           .with_artifact(artifact_dir)
           .create())
listed = DataScienceModel.list()
fetched = DataScienceModel.from_id(created.id)

print("RESULT " + json.dumps({
    "id": created.id,
    "listed": {m.id: m.display_name for m in listed},
    "fetched": {"display_name": fetched.display_name, "description": fetched.description,
                "freeform_tags": fetched.freeform_tags, "lifecycle_state": fetched.lifecycle_state},
}))
