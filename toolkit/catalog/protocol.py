"""What the catalog code needs of a model: the model <-> catalog contract, written down.

``toolkit.catalog.model_catalog`` (save, load, update, delete), ``toolkit.deployment`` (deploy,
predict, load from a deployment) and ``toolkit.promote`` work on any object shaped like
:class:`CatalogModel`, never on ``GenericModel``'s internals. ``GenericModel`` is the one real
implementation (every framework class inherits it); tests use small stubs of the same shape.
Metadata crosses in the catalog's wire form (camelCase keys, values as strings), the form of the
``oci`` SDK models' ``attribute_map``, so the catalog code hands it to the SDK unchanged.
"""
from __future__ import annotations

from typing import Any, Iterable, Protocol, TypedDict, runtime_checkable


class CatalogMetadata(TypedDict, total=False):
    """``CatalogModel.catalog_metadata()``: what ``save()`` sends with a new model, in wire form."""

    definedMetadataList: list[dict[str, Any]]  # oci.data_science.models.Metadata as wire dicts
    customMetadataList: list[dict[str, Any]]
    inputSchema: str | None  # a JSON string, as the catalog stores schemas
    outputSchema: str | None
    provenance: dict[str, Any]  # ModelProvenance wire fields (repositoryUrl, gitCommit, ...)


class Introspection(Protocol):
    """What ``save()`` reads of ``introspect()``'s result to refuse a failing artifact."""

    @property
    def passed(self) -> bool: ...

    @property
    def failures(self) -> Iterable[Any]: ...  # each with key, message, hint


@runtime_checkable
class CatalogModel(Protocol):
    """A prepared model as the catalog, deployment and promotion code use it.

    - ``artifact_dir``: the prepared artifact directory that ``save()`` zips.
    - ``model_id``: the catalog OCID, set by ``save()`` and by loading; None before.
    - ``auth``: the ``auth=`` the model was built with (a profile name, an ADS-style dict, None);
      catalog calls use it unless the caller passes their own.
    - ``model_deployment``: the ``ModelDeployment`` set by ``deploy()``; ``predict()`` goes through it.
    """

    artifact_dir: str
    model_id: str | None
    auth: Any
    model_deployment: Any

    def introspect(self) -> Introspection:
        """Check the artifact (``save()`` refuses it when this does not pass)."""
        ...

    def catalog_metadata(self) -> CatalogMetadata:
        """The metadata, schemas and provenance to store with the model, within the catalog's limits."""
        ...

    def apply_catalog_metadata(self, model_record: dict[str, Any], provenance: dict[str, Any] | None = None) -> None:
        """Take back what the catalog holds (a ``Model`` in wire form, and its provenance) after loading."""
        ...

    @classmethod
    def from_model_artifact(cls, uri: str, **kwargs: Any) -> "CatalogModel":
        """A working model from an artifact directory (loading from the catalog downloads one first)."""
        ...
