"""Data Science error cases, worded the way a user can act on them."""
from __future__ import annotations

from emulator.errors import OCIError, conflict, incorrect_state, not_found


def model_not_found(model_id: str) -> OCIError:
    return not_found("model", model_id)


def project_not_found(project_id: str) -> OCIError:
    return not_found("project", project_id)


def notebook_session_not_found(ident: str) -> OCIError:
    return not_found("notebook session", ident)


def version_set_not_found(ident: str) -> OCIError:
    return not_found("model version set", ident)


def artifact_not_found(model_id: str) -> OCIError:
    return not_found("model artifact of model", model_id)


def artifact_exists(model_id: str) -> OCIError:
    return conflict(f"Model {model_id} already has an artifact; artifacts are immutable. "
                    "Create a new model to store a different artifact.")


def version_set_name_taken(name: str) -> OCIError:
    return conflict(f"A model version set named {name!r} already exists in this compartment.")


def version_label_taken(label: str) -> OCIError:
    return conflict(f"The version label {label!r} is already used in this model version set.")


def not_active(kind: str, ident: str, state: str) -> OCIError:
    return incorrect_state(f"The {kind} {ident} is {state}; this operation needs it ACTIVE.")


def retry_token_reused() -> OCIError:
    return conflict("The opc-retry-token was already used for a different request; use a new token.",
                    code="InvalidatedRetryToken")
