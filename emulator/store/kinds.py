"""The store's record kinds, named once: every service and page that reads another's records uses these.

A kind is the SQLite table a record lives in (``Database.insert(kind, record)``). Services reach
one another's records by kind (a model's delete asks whether a deployment still serves it; access
checks and Resource Search scan several kinds), so the names live here rather than in each service.
"""
from __future__ import annotations

# OCI Data Science
PROJECT = "project"
MODEL = "model"
MODEL_ARTIFACT = "modelartifact"
MODEL_PROVENANCE = "modelprovenance"
METADATUM_ARTIFACT = "metadatumartifact"
MODEL_ARTIFACT_SIGNATURE = "modelartifactsignature"
MODEL_VERSION_SET = "modelversionset"
MODEL_DEPLOYMENT = "modeldeployment"
NOTEBOOK_SESSION = "notebooksession"
WORK_REQUEST = "workrequest"
RETRY_TOKEN = "retrytoken"

# Object Storage
BUCKET = "osbucket"
OBJECT = "osobject"
OBJECT_VERSION = "osobjectversion"  # an object's previous versions and delete markers (versioned buckets)
PREAUTHENTICATED_REQUEST = "ospar"
MULTIPART_UPLOAD = "osmultipart"
MULTIPART_PART = "osmultipartpart"

# The emulator's own
API_KEY = "apiKey"
EMULATED_KMS_KEY = "emulatedkmskey"  # the Vault keys artifact signatures name (emulator.data_science.emulated_kms)
