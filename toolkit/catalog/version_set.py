"""``ModelVersionSet``: a named series of catalog models with version ids and labels (ADS API).

Usage mirrors ``ads.model.ModelVersionSet`` and ``ads.model.experiment``::

    mvs = ModelVersionSet(name="churn", description="churn models").create()
    model.save(model_version_set=mvs, version_label="v1")   # or model_version_set="churn"
    [m.version_id for m in mvs.models()]
    mvs.delete(delete_model=True)                         # waits for the work request

    with experiment(name="churn", create_if_not_exists=True):   # safe to run again: reuses the set
        model.save()                                            # saved into "churn"

Everything goes through ``oci.data_science.DataScienceClient`` of the chosen profile.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

from oci.data_science.models import CreateModelVersionSetDetails, UpdateModelVersionSetDetails

from emulator.contracts.states import VERSION_SET_ACTIVE, VERSION_SET_DELETED, VERSION_SET_STATES
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records

# ADS's environment variables: inside ``experiment()``, ``save()`` puts models into that version set.
MVS_ID_ENV = "MODEL_VERSION_SET_ID"
MVS_NAME_ENV = "MODEL_VERSION_SET_NAME"
MVS_COMPARTMENT_ENV = "MODEL_VERSION_SET_COMPARTMENT_ID"


OCI_CONSOLE_LINK = "https://console.{region}.oraclecloud.com/data-science/model-version-sets/{id}"  # ADS's _MVS_URL


class ModelVersionSetNotExists(CatalogError):
    """No ACTIVE model version set has that name in the compartment (ADS's exception name)."""

_FIELDS = ("id", "name", "compartment_id", "project_id", "description", "freeform_tags", "defined_tags",
           "lifecycle_state", "time_created", "time_updated", "created_by")


class ModelVersionSet:
    """A model version set in the catalog; the object is a local view refreshed by each call."""

    # ADS's names of the set's lifecycle states
    LIFECYCLE_STATE_ACTIVE, LIFECYCLE_STATE_DELETING, LIFECYCLE_STATE_DELETED, LIFECYCLE_STATE_FAILED = \
        VERSION_SET_STATES

    # Instance attributes (set in __init__ and by each catalog call; listed for the ADS parity check).
    id: str | None
    name: str | None
    compartment_id: str | None
    project_id: str | None
    description: str | None
    freeform_tags: dict[str, str] | None
    defined_tags: dict[str, dict[str, Any]] | None
    lifecycle_state: str | None

    def __init__(
        self,
        name: str | None = None,
        compartment_id: str | None = None,
        project_id: str | None = None,
        description: str | None = None,
        freeform_tags: dict[str, str] | None = None,
        defined_tags: dict[str, dict[str, Any]] | None = None,
        auth: Any = None,
        profile: str | None = None,
        spec: dict[str, Any] | None = None,
    ) -> None:
        """The fields as keywords, or as ADS's ``spec`` dict (camelCase or snake_case keys)."""
        given = {_snake(k): v for k, v in (spec or {}).items()}
        unknown = set(given) - {"name", "compartment_id", "project_id", "description", "freeform_tags", "defined_tags"}
        if unknown:
            raise TypeError(f"ModelVersionSet spec has unknown keys: {', '.join(sorted(unknown))}")
        self.id: str | None = None
        self.name = name or given.get("name")
        self.compartment_id = compartment_id or given.get("compartment_id")
        self.project_id = project_id or given.get("project_id")
        self.description = description or given.get("description")
        self.freeform_tags = freeform_tags or given.get("freeform_tags")
        self.defined_tags = defined_tags or given.get("defined_tags")
        self.lifecycle_state: str | None = None
        self.time_created: Any = None
        self.time_updated: Any = None
        self.created_by: str | None = None
        self.auth = auth
        self.profile = profile

    @property
    def status(self) -> str | None:
        """ADS's name for ``lifecycle_state``."""
        return self.lifecycle_state

    def __repr__(self) -> str:
        return f"ModelVersionSet(name={self.name!r}, id={self.id!r}, lifecycle_state={self.lifecycle_state!r})"

    # -- ADS-style builder ---------------------------------------------------------------------

    def with_name(self, name: str) -> "ModelVersionSet":
        self.name = name
        return self

    def with_description(self, description: str) -> "ModelVersionSet":
        self.description = description
        return self

    def with_compartment_id(self, compartment_id: str) -> "ModelVersionSet":
        self.compartment_id = compartment_id
        return self

    def with_project_id(self, project_id: str) -> "ModelVersionSet":
        self.project_id = project_id
        return self

    def with_freeform_tags(self, **tags: str) -> "ModelVersionSet":
        self.freeform_tags = tags
        return self

    def with_defined_tags(self, **tags: dict[str, Any]) -> "ModelVersionSet":
        self.defined_tags = tags
        return self

    # -- building from the catalog --------------------------------------------------------------

    @classmethod
    def from_id(cls, id: str, auth: Any = None, profile: str | None = None) -> "ModelVersionSet":
        """Load a version set by OCID."""
        return cls(auth=auth, profile=profile)._sync(connect(auth, profile).ds.get_model_version_set(id).data)

    @classmethod
    def from_ocid(cls, ocid: str, auth: Any = None, profile: str | None = None) -> "ModelVersionSet":
        """ADS's alias of ``from_id``."""
        return cls.from_id(ocid, auth=auth, profile=profile)

    @property
    def details_link(self) -> str | None:
        """The set's page in the console: the emulator's ``/console/version-sets/<id>`` on the local
        profile, OCI's Console in the profile's region in the cloud; None before create()."""
        if not self.id:
            return None
        profile = self._session().profile
        if profile.is_local and profile.service_endpoint:
            return f"{profile.service_endpoint.rstrip('/')}/console/version-sets/{self.id}"
        return OCI_CONSOLE_LINK.format(region=profile.config.get("region"), id=self.id)

    @classmethod
    def from_name(
        cls, name: str, compartment_id: str | None = None, auth: Any = None, profile: str | None = None
    ) -> "ModelVersionSet":
        """Load the ACTIVE version set called ``name`` in the compartment (names are unique there)."""
        session = connect(auth, profile)
        compartment = session.compartment(compartment_id)
        found = find_by_name(session, compartment, name)
        if found is None:
            raise ModelVersionSetNotExists(f"model version set {name!r} not found in compartment {compartment}")
        return cls.from_id(found.id, auth=auth, profile=profile)

    @classmethod
    def list(
        cls,
        compartment_id: str | None = None,
        category: str = "USER",
        project_id: str | None = None,
        auth: Any = None,
        profile: str | None = None,
        **filters: Any,
    ) -> list["ModelVersionSet"]:
        """All version sets of the compartment (optionally one project; ``category`` USER or SERVICE),
        following pagination."""
        session = connect(auth, profile)
        kwargs = {k: v for k, v in {"project_id": project_id, "category": category, **filters}.items()
                  if v is not None}
        summaries = iter_records(session.ds.list_model_version_sets, session.compartment(compartment_id), **kwargs)
        return [cls(auth=auth, profile=profile)._sync(s) for s in summaries]

    # -- lifecycle -----------------------------------------------------------------------------

    def create(self, **kwargs: Any) -> "ModelVersionSet":
        """Create it in the catalog (defaults: the profile's compartment, the local default project)."""
        if not self.name:
            raise CatalogError("a model version set needs a name")
        session = self._session()
        compartment = session.compartment(kwargs.get("compartment_id") or self.compartment_id)
        details = CreateModelVersionSetDetails(
            name=self.name,
            compartment_id=compartment,
            project_id=session.project(kwargs.get("project_id") or self.project_id, compartment),
            description=self.description,
            freeform_tags=self.freeform_tags,
            defined_tags=self.defined_tags,
        )
        return self._sync(session.ds.create_model_version_set(details).data)

    def update(self) -> "ModelVersionSet":
        """Send the local description and tags to the catalog (etag-guarded)."""
        session = self._session()
        current = session.ds.get_model_version_set(self._require_id())
        details = UpdateModelVersionSetDetails(
            description=self.description, freeform_tags=self.freeform_tags, defined_tags=self.defined_tags
        )
        response = session.ds.update_model_version_set(self.id, details, if_match=current.headers.get("etag"))
        return self._sync(response.data)

    def delete(self, delete_model: bool = False, wait_seconds: float = 600) -> "ModelVersionSet":
        """Delete the set (and its models when ``delete_model``), waiting for the work request."""
        session = self._session()
        response = session.ds.delete_model_version_set(self._require_id(), is_delete_related_models=delete_model)
        work_request = response.headers.get("opc-work-request-id")
        if work_request:
            session.wait_for_work_request(work_request, wait_seconds)
        self.lifecycle_state = VERSION_SET_DELETED
        return self

    def sync(self) -> "ModelVersionSet":
        """Refresh this object from the catalog."""
        return self._sync(self._session().ds.get_model_version_set(self._require_id()).data)

    # -- its models ----------------------------------------------------------------------------

    def models(self, include_deleted: bool = False, project_id: str | None = None) -> list[Any]:
        """The catalog models (``ModelSummary``) in this set, with ``version_id`` / ``version_label``
        (``project_id``: only that project's)."""
        session = self._session()
        kwargs = {} if include_deleted else {"lifecycle_state": VERSION_SET_ACTIVE}
        if project_id:
            kwargs["project_id"] = project_id
        return list(self._iter_models(session, **kwargs))

    def _iter_models(self, session: CatalogSession, **kwargs: Any) -> Iterator[Any]:
        self._require_id()
        summaries = iter_records(session.ds.list_models, self.compartment_id, model_version_set_name=self.name, **kwargs)
        return (s for s in summaries if s.model_version_set_id in (None, self.id))

    def model_add(self, model_id: str, version_label: str | None = None) -> Any:
        """Put an existing catalog model into this set (optionally with a label)."""
        from oci.data_science.models import UpdateModelDetails

        session = self._session()
        current = session.ds.get_model(model_id)
        details = UpdateModelDetails(model_version_set_id=self._require_id(), version_label=version_label)
        return session.ds.update_model(model_id, details, if_match=current.headers.get("etag")).data

    # -- helpers -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain fields (for JSON output and tables)."""
        return {name: _jsonable(getattr(self, name)) for name in _FIELDS}

    def _session(self) -> CatalogSession:
        return connect(self.auth, self.profile)

    def _require_id(self) -> str:
        if not self.id:
            raise CatalogError("this ModelVersionSet is not in the catalog yet; call .create() first")
        return self.id

    def _sync(self, record: Any) -> "ModelVersionSet":
        for name in _FIELDS:
            if hasattr(record, name):
                setattr(self, name, getattr(record, name))
        return self


def find_by_name(session: CatalogSession, compartment_id: str, name: str) -> Any | None:
    """The ACTIVE version set called ``name`` in the compartment (a summary), or None.

    Names are unique per compartment, so one list call with ``name=`` finds it, as ADS does."""
    found = session.ds.list_model_version_sets(compartment_id, name=name, lifecycle_state=VERSION_SET_ACTIVE, limit=1).data
    return found[0] if found else None


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _snake(key: str) -> str:
    import re

    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


@contextlib.contextmanager
def experiment(name: str, create_if_not_exists: bool = True, compartment_id: str | None = None,
               project_id: str | None = None, description: str | None = None, auth: Any = None,
               profile: str | None = None) -> Iterator[ModelVersionSet]:
    """The model version set ``name`` for the block (ADS's ``experiment``): found, or created when
    ``create_if_not_exists``, so the same code runs again without a 409. Models saved inside the block
    without a ``model_version_set`` go into it.
    """
    try:
        mvs = ModelVersionSet.from_name(name, compartment_id=compartment_id, auth=auth, profile=profile)
    except ModelVersionSetNotExists:
        if not create_if_not_exists:
            raise
        mvs = _create_or_find(ModelVersionSet(name=name, compartment_id=compartment_id, auth=auth, profile=profile,
                                              project_id=project_id, description=description))
    saved = {key: os.environ.get(key) for key in (MVS_ID_ENV, MVS_NAME_ENV, MVS_COMPARTMENT_ENV)}
    os.environ.update({MVS_ID_ENV: mvs.id, MVS_NAME_ENV: mvs.name, MVS_COMPARTMENT_ENV: mvs.compartment_id})
    try:
        yield mvs
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _create_or_find(mvs: ModelVersionSet) -> ModelVersionSet:
    """Create ``mvs``; when another process created the same name meanwhile (409), use that one."""
    import oci

    try:
        return mvs.create()
    except oci.exceptions.ServiceError as exc:
        if exc.status != 409:
            raise
        return ModelVersionSet.from_name(mvs.name, compartment_id=mvs.compartment_id, auth=mvs.auth,
                                         profile=mvs.profile)


def experiment_version_set() -> str | None:
    """The version set OCID of the enclosing ``experiment()`` block, if any (ADS reads the same variable)."""
    return os.environ.get(MVS_ID_ENV) or None
