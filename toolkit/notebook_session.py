"""A notebook session on your laptop: the environment OCI gives a Data Science notebook session,
pointed at the emulator.

A notebook written for an OCI notebook session calls ``ads.set_auth(auth="resource_principal")``
and reads the session's variables (``NB_SESSION_OCID``, ``NB_SESSION_COMPARTMENT_OCID``,
``PROJECT_OCID``, ``NB_REGION``, the ``OCI_RESOURCE_PRINCIPAL_*`` ones). :func:`session_environment`
makes them true on the local profile: an emulated notebook session record (created once, then
reused), a resource-principal session token for it from the emulator (version 2.2: the token and the
session's private key in files under the home, 0600, which the emulator renews in place when a request
shows the token expired; see ``emulator.auth.session_tokens``), and the endpoint overrides that send
ADS and Dockyard to the emulator. ``dockyard notebook env`` prints the same as ``export`` lines.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from emulator.contracts import resource_principals as files_contract
from toolkit import profiles, settings

DISPLAY_NAME = "dockyard-notebook"
SHAPE = "VM.Standard.E4.Flex"
OCPUS = 1.0
MEMORY_IN_GBS = 16.0
BLOCK_STORAGE_IN_GBS = 100
TOKEN_ROUTE = "/dockyard-api/notebookSessions/{id}/resourcePrincipalToken"


def session_environment(home: str | os.PathLike[str] | None = None, endpoint: str | None = None) -> dict[str, str]:
    """The variables of an OCI notebook session, for the emulator the local profile uses.

    ``home`` and ``endpoint`` are the local profile's (``DOCKYARD_HOME``, ``DOCKYARD_ENDPOINT``; an
    emulator is started for the home when neither names a running one). The session is the
    compartment's ACTIVE ``dockyard-notebook`` session in the ``dockyard-default`` project (created
    the first time, shape VM.Standard.E4.Flex with 1 OCPU and 16 GB); each call writes a fresh token
    for the session's key (made once). Returns, as OCI sets them in a session:

    - ``NB_SESSION_OCID``, ``NB_SESSION_COMPARTMENT_OCID``, ``PROJECT_OCID``, ``NB_REGION``;
    - ``OCI_RESOURCE_PRINCIPAL_VERSION`` (2.2), ``OCI_RESOURCE_PRINCIPAL_RPST`` and
      ``OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`` (absolute paths of the files),
      ``OCI_RESOURCE_PRINCIPAL_REGION``;

    and for the emulator: ``OCI_ODSC_SERVICE_ENDPOINT`` (ADS's Data Science endpoint override),
    ``DOCKYARD_ENDPOINT`` and ``DOCKYARD_HOME``.
    """
    from toolkit.catalog.session import CatalogSession

    home_dir = (Path(home).expanduser() if home else settings.home()).resolve()
    profile = profiles.local_profile(endpoint=endpoint, home=home_dir)
    catalog = CatalogSession(profiles.clients_for(profile))
    compartment = catalog.compartment(None)
    project = catalog.project(None, compartment)
    session = _session(catalog.ds, compartment, project)
    paths = files_contract.session_files(home_dir, session.id)
    region = _issue_token(profile, session.id, paths)
    from oci.auth.signers import resource_principals_signer as rp

    return {
        "NB_SESSION_OCID": session.id,
        "NB_SESSION_COMPARTMENT_OCID": session.compartment_id,
        "PROJECT_OCID": session.project_id,
        "NB_REGION": region,
        rp.OCI_RESOURCE_PRINCIPAL_VERSION: files_contract.VERSION,
        rp.OCI_RESOURCE_PRINCIPAL_RPST: str(paths.token),
        rp.OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM: str(paths.private_key),
        rp.OCI_RESOURCE_PRINCIPAL_REGION: region,
        "OCI_ODSC_SERVICE_ENDPOINT": profile.service_endpoint or "",
        "DOCKYARD_ENDPOINT": profile.service_endpoint or "",
        "DOCKYARD_HOME": str(home_dir),
    }


def kernel_environment(variables: dict[str, str], pythonpath: str | None = None) -> dict[str, str]:
    """``variables`` plus what makes a Python (a Jupyter kernel) started with them connect ADS itself.

    A notebook written for OCI begins with ``import ads`` and ``ads.set_auth(auth="resource_principal")``:
    it has no cell for Dockyard, and ADS reads its endpoint settings once, at import. So
    ``toolkit/site_hooks/`` goes first on ``PYTHONPATH`` (``pythonpath``: the current one, kept after it)
    and ``DOCKYARD_CONNECT_ADS=session`` has its ``sitecustomize`` run ``connect_ads(session=True)``
    the moment ADS is imported (``toolkit.site_hooks.ads_import``).
    """
    from toolkit.site_hooks import ads_import

    site = str(Path(ads_import.__file__).resolve().parent)
    rest = [p for p in (pythonpath if pythonpath is not None else os.environ.get("PYTHONPATH", "")).split(os.pathsep)
            if p and p != site]
    return {**variables, ads_import.ENV: "session", "PYTHONPATH": os.pathsep.join([site, *rest])}


def _session(ds: Any, compartment: str, project: str) -> Any:
    """The compartment's ACTIVE ``dockyard-notebook`` session of ``project``, created when there is none."""
    from oci.data_science.models import (CreateNotebookSessionDetails, NotebookSessionConfigDetails,
                                         NotebookSessionShapeConfigDetails)

    from emulator.contracts.states import ACTIVE

    existing = ds.list_notebook_sessions(compartment, project_id=project, display_name=DISPLAY_NAME,
                                         lifecycle_state=ACTIVE, limit=1).data
    if existing:
        return existing[0]
    config = NotebookSessionConfigDetails(
        shape=SHAPE, block_storage_size_in_gbs=BLOCK_STORAGE_IN_GBS,
        notebook_session_shape_config_details=NotebookSessionShapeConfigDetails(ocpus=OCPUS, memory_in_gbs=MEMORY_IN_GBS))
    return ds.create_notebook_session(CreateNotebookSessionDetails(
        compartment_id=compartment, project_id=project, display_name=DISPLAY_NAME,
        notebook_session_config_details=config)).data


def _issue_token(profile: profiles.ClientConfig, session_id: str, paths: files_contract.SessionFiles) -> str:
    """A fresh token for the session's key in ``paths`` (the key made the first time); the region."""
    issued = _request_token(profile, session_id, _session_key(paths.private_key))
    files_contract.write_private(paths.token, issued["token"].encode("ascii"))
    return issued["region"]


def _session_key(path: Path) -> bytes:
    """The session key pair's private key (PEM), made once: a running notebook's signer re-reads it
    with each renewed token, so it stays the same key."""
    from toolkit.api_keys import new_key_pair

    if path.is_file() and path.read_bytes().startswith(b"-----BEGIN"):
        return path.read_bytes()
    pem = new_key_pair().private_pem
    files_contract.write_private(path, pem)
    return pem


def _request_token(profile: profiles.ClientConfig, session_id: str, private_pem: bytes) -> dict[str, Any]:
    """A token from the emulator's Dockyard-only route, the request signed with the local profile's key."""
    import oci
    import requests
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem, password=None)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    url = (profile.service_endpoint or "") + TOKEN_ROUTE.format(id=session_id)
    response = requests.post(url, json={"publicKey": public_pem}, auth=profile.signer, timeout=60)
    if response.status_code != 200:
        error = _error_of(response)
        raise oci.exceptions.ServiceError(response.status_code, error.get("code"), dict(response.headers),
                                          error.get("message") or response.text[:500])
    return response.json()


def _error_of(response: Any) -> dict[str, Any]:
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
