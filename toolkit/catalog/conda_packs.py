"""Conda packs over the ``oci`` SDK: resolve a slug or path, publish a stand-in, list what exists.

The same calls work against OCI (the real service-pack index is readable by every tenancy) and
against the emulator, which serves an index of the real service packs and stands in for each pack
with a pip requirement set (``emulator.contracts.conda_packs``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oci

from emulator.contracts import conda_packs as contract
from emulator.contracts.runtime_yaml import read_requirements_file
from toolkit.artifact.errors import RuntimeInfoError
from toolkit.catalog.session import CatalogSession, connect
from toolkit.profiles import ProfileError


@dataclass(frozen=True)
class PackInfo:
    """One pack as ``dockyard conda list`` shows it."""

    slug: str
    name: str
    python: str
    type: str
    path: str
    requirements: tuple[str, ...] = ()


def lookup(session: CatalogSession) -> contract.PackLookup:
    """A pack lookup that reads Object Storage through the session's profile (the emulator when local)."""
    storage = session.clients.object_storage

    def fetch(namespace: str, bucket: str, name: str) -> tuple[dict[str, str], bytes] | None:
        try:
            response = storage.get_object(namespace, bucket, name)
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        metadata = {k[len("opc-meta-"):].lower(): v for k, v in response.headers.items()
                    if k.lower().startswith("opc-meta-")}
        return metadata, response.data.raw.read(contract.MAX_STAND_IN_BYTES)

    return contract.PackLookup(fetch)


def resolve(env: str, auth: Any = None, profile: str | None = None) -> tuple[str, str, str, str]:
    """ADS's ``inference_conda_env`` (a service pack slug or an ``oci://`` pack path) as runtime.yaml
    records it: (path, slug, type, Python version), read from the service-pack index or the pack's
    manifest. CondaPackError when it cannot be found, or Object Storage cannot be reached."""
    try:
        packs = lookup(connect(auth, profile))
        if not env.startswith("oci://"):
            entry = packs.service_pack(env)
            return str(entry["pack_path"]), env, contract.SERVICE_TYPE, str(entry.get("python") or "")
        _, bucket, _ = contract.parse_uri(env)
        if bucket == contract.SERVICE_BUCKET:
            entry = next((e for e in packs.index() if str(e.get("pack_path")) == env), None)
            if entry is not None:
                return env, str(entry["slug"]), contract.SERVICE_TYPE, str(entry.get("python") or "")
        manifest = packs.published_pack(env)
        slug = str(manifest.get("slug") or env.rstrip("/").rsplit("/", 1)[-1])
        return env, slug, str(manifest.get("type") or contract.PUBLISHED_TYPE), str(manifest.get("python") or "")
    except ValueError as exc:  # CondaPackError, or a malformed oci:// path
        if isinstance(exc, contract.CondaPackError):
            raise
        raise contract.CondaPackError(str(exc), "Pass oci://bucket@namespace/path or a service pack slug.") from None
    except (oci.exceptions.ServiceError, oci.exceptions.RequestException, ProfileError, OSError) as exc:
        raise contract.CondaPackError(f"Object Storage could not be asked about the conda pack {env!r} "
                                      f"({type(exc).__name__}: {exc}).",
                                      "Check the profile (the local emulator must be running), or pass "
                                      "ignore_conda_error=True to record the environment unresolved.") from None


def resolve_argument(env: str, python: str | None, *, ignore_conda_error: bool = False,
                     auth: Any = None) -> tuple[str, str, str, str]:
    """ADS's ``inference_conda_env`` argument (a service pack slug or an ``oci://`` pack path) as the
    four fields runtime.yaml records, resolved as ADS does (:func:`resolve`); ``python`` wins over the
    pack's. ``ignore_conda_error=True`` records what was given when resolution fails."""
    try:
        path, slug, kind, pack_python = resolve(env, auth)
    except contract.CondaPackError as exc:
        if not ignore_conda_error:
            raise RuntimeInfoError(f"inference_conda_env={env!r}: {exc.message}",
                                   hint=f"{exc.hint} Or pass ignore_conda_error=True to record it "
                                   "as given, unresolved.") from None
        if env.startswith("oci://"):
            return env, env.rstrip("/").rsplit("/", 1)[-1], contract.PUBLISHED_TYPE, python or contract.python_version()
        return "", env, contract.SERVICE_TYPE, python or contract.python_version()
    return path, slug, kind, python or pack_python or contract.python_version()


def publish(slug: str, requirements_file: str | Path, name: str | None = None, version: str = "1.0",
            python: str | None = None, bucket: str = contract.DEFAULT_PUBLISH_BUCKET, namespace: str | None = None,
            auth: Any = None, profile: str | None = None) -> PackInfo:
    """Register a published pack that stands for ``requirements_file``, where ``odsc conda publish``
    would put it: ``oci://<bucket>@<namespace>/conda_environments/cpu/<name>/<version>/<slug>``."""
    session = connect(auth, profile)
    storage = session.clients.object_storage
    requirements = read_requirements_file(Path(requirements_file))
    namespace = namespace or storage.get_namespace().data
    name = name or slug
    python = python or contract.python_version()
    object_name = contract.published_object_name(slug, name, version)
    path = f"oci://{bucket}@{namespace}/{object_name}"
    manifest = contract.published_manifest(slug, name, version, python, path)
    body = contract.requirements_text(requirements, slug).encode()
    storage.put_object(namespace, bucket, object_name, body, content_type="text/plain",
                       opc_meta={contract.MANIFEST_METADATA: json.dumps(manifest)})
    return PackInfo(slug, name, python, contract.PUBLISHED_TYPE, path, tuple(requirements))


def list_packs(bucket: str = contract.DEFAULT_PUBLISH_BUCKET, namespace: str | None = None, auth: Any = None,
               profile: str | None = None) -> list[PackInfo]:
    """The service packs of the index, then the packs published under ``conda_environments/`` of ``bucket``."""
    session = connect(auth, profile)
    packs = lookup(session)
    found = [PackInfo(str(e.get("slug")), str(e.get("name")), str(e.get("python")), contract.SERVICE_TYPE,
                      str(e.get("pack_path")), tuple(e.get("pip_requirements") or ())) for e in packs.index()]
    storage = session.clients.object_storage
    namespace = namespace or storage.get_namespace().data
    try:
        objects = list(_objects(storage, namespace, bucket))
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:  # no such bucket: nothing published there yet
            return found
        raise
    for name in objects:
        path = f"oci://{bucket}@{namespace}/{name}"
        manifest = packs.published_pack(path)
        if not manifest.get("slug"):
            continue  # an object without a pack manifest is not a pack
        try:
            requirements = tuple(packs.requirements_of(contract.PackRef(path=path)))
        except contract.CondaPackError:
            requirements = ()  # a real conda pack, not a stand-in
        found.append(PackInfo(str(manifest["slug"]), str(manifest.get("name", "")), str(manifest.get("python", "")),
                              str(manifest.get("type", contract.PUBLISHED_TYPE)), path, requirements))
    return found


def _objects(storage: Any, namespace: str, bucket: str) -> Any:
    start = None
    while True:
        kwargs = {"prefix": contract.PUBLISHED_PREFIX + "/", "start": start} if start else \
            {"prefix": contract.PUBLISHED_PREFIX + "/"}
        listing = storage.list_objects(namespace, bucket, **kwargs).data
        yield from (o.name for o in listing.objects)
        start = listing.next_start_with
        if not start:
            return
