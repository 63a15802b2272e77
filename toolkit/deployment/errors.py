"""The errors of deployment operations (a deployment spec's own is ``toolkit.deployment.spec.SpecError``)."""
from __future__ import annotations

from toolkit.catalog.errors import CatalogError


class DeploymentError(CatalogError):
    """A deployment cannot be used as asked (not deployed, not ACTIVE, no log configured).

    An operation whose work request fails raises ``WorkRequestFailedError`` (a ``CatalogError``
    too) with the service's reason and the server's last log lines."""


class PredictError(DeploymentError):
    """The deployment answered a predict call with an error (OCI shape: status, code, message)."""

    def __init__(self, status: int, code: str, message: str, opc_request_id: str | None) -> None:
        super().__init__(f"{status} {code}: {message} (opc-request-id {opc_request_id})")
        self.status, self.code, self.message, self.opc_request_id = status, code, message, opc_request_id
