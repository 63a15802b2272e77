"""Models in the catalog, through the official ``oci`` SDK only: save, load, list, update, delete.

``GenericModel.save / from_model_catalog / from_id / delete`` delegate here; what they need of the
model is ``toolkit.catalog.protocol.CatalogModel``. The
same calls hit the local emulator or OCI; only the profile differs. One module per job: ``save``
(ADS's save steps), ``load`` (record and artifact back), ``records`` (get, list, update, delete).
"""
from toolkit.catalog.model_catalog.load import PROVENANCE_FIELDS, download_artifact, get_provenance, load_model_from_catalog
from toolkit.catalog.model_catalog.records import (
    VERSION_SET_OCID,
    delete_model,
    deployments_using,
    get_model,
    list_models,
    merged_metadata,
    resolve_version_set_id,
    update_model,
    update_model_metadata,
)
from toolkit.catalog.model_catalog.save import register_artifact, save_model, uploader

__all__ = ["PROVENANCE_FIELDS", "VERSION_SET_OCID", "delete_model", "deployments_using", "download_artifact",
           "get_model", "get_provenance", "list_models", "load_model_from_catalog", "merged_metadata",
           "register_artifact", "resolve_version_set_id", "save_model", "update_model", "update_model_metadata",
           "uploader"]
