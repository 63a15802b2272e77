"""One resolved profile with its SDK clients, and the defaults every catalog call needs.

Catalog functions take ``auth=`` / ``profile=`` like ADS; they resolve them once here and then
work on a ``CatalogSession``: clients bound to that profile, the compartment and project to use
when the caller gave none, and work-request waiting.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import oci
from oci.data_science.models import CreateProjectDetails

from emulator.contracts.states import ACTIVE
from toolkit import profiles
from toolkit.catalog import work_requests
from toolkit.catalog.errors import CatalogError

DEFAULT_PROJECT_NAME = "dockyard-default"


@dataclass(frozen=True)
class CatalogSession:
    """SDK clients bound to one profile (local emulator or cloud)."""

    clients: profiles.Clients

    @property
    def profile(self) -> profiles.ClientConfig:
        return self.clients.profile

    @property
    def ds(self) -> oci.data_science.DataScienceClient:
        return self.clients.data_science

    def compartment(self, compartment_id: str | None) -> str:
        """The compartment to use: the argument, else the profile's default (the tenancy locally)."""
        value = compartment_id or self.profile.compartment_id
        if not value:
            raise CatalogError(
                f"compartment_id is required with profile {self.profile.name!r} "
                "(pass compartment_id=... or set NB_SESSION_COMPARTMENT_OCID)"
            )
        return value

    def project(self, project_id: str | None, compartment_id: str) -> str:
        """The project to use: the argument, the profile's default, or (locally) a default project."""
        value = project_id or self.profile.project_id
        if value:
            return value
        if not self.profile.is_local:
            raise CatalogError(
                f"project_id is required with profile {self.profile.name!r} "
                "(pass project_id=... or set PROJECT_OCID)"
            )
        return self.default_project(compartment_id)

    def default_project(self, compartment_id: str) -> str:
        """The emulator's ``dockyard-default`` project, created the first time it is needed."""
        existing = self.ds.list_projects(
            compartment_id, display_name=DEFAULT_PROJECT_NAME, lifecycle_state=ACTIVE, limit=1
        ).data
        if existing:
            return existing[0].id
        details = CreateProjectDetails(
            compartment_id=compartment_id,
            display_name=DEFAULT_PROJECT_NAME,
            description="Default project Dockyard uses when none is given",
        )
        return self.ds.create_project(details).data.id

    def wait_for_work_request(self, work_request_id: str, timeout: float = 600, *, title: str | None = None,
                              show_progress: bool | None = False, poll_interval: float | None = None) -> Any:
        """Poll a work request until it ends (``toolkit.catalog.work_requests.wait``); raise
        WorkRequestFailedError with its errors unless it SUCCEEDED."""
        return work_requests.wait(self, work_request_id, timeout, title=title, show_progress=show_progress,
                                  poll_interval=poll_interval)


def iter_records(list_call: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Every record of a list call, page by page (``opc-next-page``), fetched lazily.

    Unlike ``oci.pagination`` this leaves retries to the client's own strategy, so a local
    emulator that is down fails at once instead of after minutes of back-off.
    """
    page = None
    while True:
        response = list_call(*args, **({**kwargs, "page": page} if page else kwargs))
        data = response.data
        yield from (data if isinstance(data, list) else data.items)
        page = response.next_page
        if not page:
            return


def connect(auth: Any = None, profile: str | None = None, timeout: float | tuple | None = None) -> CatalogSession:
    """Resolve the profile once and build its clients (``timeout`` goes to every SDK client)."""
    kwargs = {"timeout": timeout} if timeout is not None else {}
    return CatalogSession(profiles.clients_for(profiles.resolve(auth, profile), **kwargs))
