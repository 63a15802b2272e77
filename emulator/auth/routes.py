"""Dockyard-only routes of the auth package (under ``/dockyard-api``, beside the reset): what OCI's
notebook-session agent does for a session, done on request.

``POST /dockyard-api/notebookSessions/{id}/resourcePrincipalToken`` with ``{"publicKey": PEM}``
answers ``{"token", "expiresAt", "resourceId", "compartmentId", "tenancyId", "region"}``: a session
token for the notebook session's resource principal, bound to that key. Under ``--auth enforce`` the
caller signs like any API call and must be allowed the session's compartment (404 otherwise).
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

from flask import Blueprint, Response, g, jsonify

from emulator.auth import keys, session_tokens
from emulator.contracts.states import NOTEBOOK_SESSION_ACTIVE
from emulator.data_science import notebook_sessions
from emulator.data_science.errors import not_active
from emulator.errors import invalid
from emulator.ocid import is_valid_ocid
from emulator.state import current_state
from emulator.wire import json_body, require_ocid

bp = Blueprint("dockyard_auth", __name__, url_prefix="/dockyard-api")


@bp.post("/notebookSessions/<notebook_session_id>/resourcePrincipalToken")
def issue_resource_principal_token(notebook_session_id: str) -> Response:
    require_ocid(notebook_session_id, "notebookSessionId")
    public_key = json_body().get("publicKey")
    if not isinstance(public_key, str) or not public_key.strip():
        raise invalid("publicKey is required: the PEM public key of the session key pair the token is bound to.")
    state = current_state()
    session = notebook_sessions.read(state.db, notebook_session_id)
    if session["lifecycleState"] != NOTEBOOK_SESSION_ACTIVE:
        raise not_active("notebook session", notebook_session_id, session["lifecycleState"])
    tenancy = _tenancy(session)
    try:
        token = session_tokens.issue(state.config.home, resource_id=session["id"],
                                     resource_type=notebook_sessions.RESOURCE_TYPE,
                                     compartment_id=session["compartmentId"], tenancy_id=tenancy,
                                     public_key_pem=public_key, lifetime=state.config.rpst_lifetime)
    except keys.InvalidKey as exc:
        raise invalid(f"publicKey: {exc}.") from None
    expires = session_tokens.expires_at(token)
    return jsonify({"token": token, "expiresAt": expires.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                    "resourceId": session["id"], "compartmentId": session["compartmentId"], "tenancyId": tenancy,
                    "region": state.config.region})


def _tenancy(session: dict[str, Any]) -> str:
    """The tenancy of the principal: the signing caller's (enforced), else the home's local profile's,
    else the session's compartment."""
    verified = getattr(g, "dockyard_api_key", None)
    if verified and is_valid_ocid(verified.get("tenancyId")):
        return verified["tenancyId"]
    profile = keys.local_profile(current_state().config.home) or {}
    return profile["tenancy"] if is_valid_ocid(profile.get("tenancy")) else session["compartmentId"]

