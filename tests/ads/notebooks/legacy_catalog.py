"""ADS's legacy catalog helpers (``ads.catalog``): ModelCatalog and ProjectCatalog, as older notebooks
and ADS's own examples use them after saving a model.

ADS builds these clients from ``ads.config.OCI_ODSC_SERVICE_ENDPOINT`` (read from the environment when
ADS is imported), not from ``ads.set_auth``'s endpoint: the notebook proves ``connect_ads()`` covers
them whether it runs before or after ``ads.catalog`` is imported (``--import-first``).

Usage: legacy_catalog.py ARTIFACT_DIR DOWNLOAD_DIR [--import-first]
"""
import json
import os
import sys
from pathlib import Path

if "--import-first" in sys.argv:
    from ads.catalog.model import ModelCatalog  # noqa: F401 - imported before connect_ads() on purpose

from toolkit import connect_ads

connect_ads()

from ads.catalog.model import ModelCatalog  # noqa: E402,F811
from ads.catalog.project import ProjectCatalog  # noqa: E402
from ads.model.datascience_model import DataScienceModel  # noqa: E402

artifact_dir, download_dir = Path(sys.argv[1]), sys.argv[2]
artifact_dir.mkdir(parents=True, exist_ok=True)
(artifact_dir / "score.py").write_text("def load_model():\n    return None\n\n\n"
                                       "def predict(data, model=load_model()):\n    return {'prediction': data}\n")
(artifact_dir / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\nMODEL_DEPLOYMENT:\n  INFERENCE_CONDA_ENV:\n"
                                           "    INFERENCE_ENV_SLUG: generalml_p311_cpu_x86_64_v1\n"
                                           "    INFERENCE_ENV_TYPE: data_science\n"
                                           "    INFERENCE_PYTHON_VERSION: '3.11'\n")
compartment = os.environ["NB_SESSION_COMPARTMENT_OCID"]
model_id = DataScienceModel().with_display_name("legacy-catalog").with_artifact(str(artifact_dir)).create().id

catalog = ModelCatalog(compartment_id=compartment)
listed = catalog.list_models()
model = catalog.get_model(model_id)
updated = catalog.update_model(model_id, display_name="legacy-catalog-renamed", description="renamed by ModelCatalog")
model = catalog.get_model(model_id)
model.description = "committed by Model.commit"
model.commit()
catalog.download_model(model_id, download_dir, force_overwrite=True)
deleted = catalog.delete_model(model_id)
after_delete = DataScienceModel.from_id(model_id).lifecycle_state

projects = ProjectCatalog(compartment_id=compartment)
created = projects.create_project(display_name="legacy-project", description="made by ProjectCatalog")
projects.update_project(created.id, display_name="legacy-project-renamed")
fetched = projects.get_project(created.id)
listed_projects = projects.list_projects()
projects.delete_project(created.id)

print("RESULT " + json.dumps({
    "listed": [m.id for m in listed],
    "updated": [updated.display_name, updated.description],
    "committed": DataScienceModel.from_id(model_id).description,
    "downloaded": sorted(p.name for p in Path(download_dir).iterdir()),
    "deleted": deleted,
    "after_delete": after_delete,
    "project": [fetched.display_name, fetched.description],
    "projects": [p.id for p in listed_projects],
    "project_id": created.id,
}))
