"""Which compartments a request touches, and whether the signing key may reach them.

A request reaches a compartment in four ways, and every one is checked:

- the OCIDs it names: in its path (the resource's own compartment), in its query string
  (``compartmentId``, ``projectId``...) and in the reference fields of its JSON body
  (``compartmentId``, ``projectId``, ``modelVersionSetId``, ``modelId``... at any depth), whatever
  the body's content type claims, because the routes parse any body;
- the Object Storage buckets it names: in its path (``/n/{ns}/b/{bucket}``), in an artifact
  export/import body or in a registerArtifactReference body's ``modelArtifactReferences``; a
  bucket belongs to the compartment it was created in, except that anyone may read a public one
  (``publicAccessType`` ObjectRead, as the service conda packs' bucket is);
- deployment OCIDs inside a Logging Search query;
- what a search returns: :func:`may_see` filters Resource Search results.

Any one outside the key's allowed set is answered with 404 ``NotAuthorizedOrNotFound`` (Object
Storage: ``BucketNotFound``), exactly what OCI says for resources a user may not see. A key
registered read-only gets the same answer for any call that is not a read: every method but GET and
HEAD, except the POSTs OCI authorises as reads (:data:`READ_ACTIONS`). The reset
route (``POST /dockyard-api/reset``) empties every compartment and the snapshot routes
(``/dockyard-api/snapshots...``) read or replace them all, so they take a key limited to none.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from flask import g, request

from emulator.app import RESET_PATH, SNAPSHOTS_PATH
from emulator.auth import keys
from emulator.errors import not_found
from emulator.ocid import is_valid_ocid, resource_type
from emulator.object_storage import buckets
from emulator.object_storage.errors import bucket_not_found
from emulator.store import kinds

# Resource kinds whose records hold a compartmentId, searched when a request names an OCID.
RESOURCE_KINDS: tuple[str, ...] = (
    kinds.MODEL,
    kinds.PROJECT,
    kinds.MODEL_VERSION_SET,
    "modelgroup",
    "modelgroupversionhistory",
    kinds.MODEL_DEPLOYMENT,
    kinds.NOTEBOOK_SESSION,
    kinds.WORK_REQUEST,
    kinds.MODEL_ARTIFACT_SIGNATURE,
)
COMPARTMENT_TYPES = ("compartment", "tenancy")
# Subtrees of a body that hold the user's own data, not references (tag values, metadata values).
_NOT_REFERENCES = {"freeformTags", "definedTags", "systemTags", "metadata", "customMetadataList",
                   "definedMetadataList"}
_BUCKET_PATH = re.compile(r"^/n/(?P<namespace>[^/]+)/b/(?P<bucket>[^/]+)(?:/|$)")
# Bodies that name a bucket: (details field, bucket field) of exportArtifact / importArtifact.
_BODY_BUCKETS = (("artifactExportDetails", "sourceBucket"), ("artifactImportDetails", "destinationBucket"))
# Operations on every compartment at once: only a key that may reach them all may call them.
_EVERY_COMPARTMENT = (RESET_PATH, SNAPSHOTS_PATH)
# POST calls that change nothing (searches, metric queries): what a read-only key may still send.
READ_ACTIONS = frozenset({"resource_search.search_resources", "log_search.search_logs",
                          "monitoring.list_metrics", "monitoring.summarize_metrics_data"})
READ_METHODS = ("GET", "HEAD")
_OCID_IN_TEXT = re.compile(r"ocid1\.[a-z0-9]+\.[a-z0-9]+\.[a-z0-9-]*(?:\.[a-z0-9-]*)?\.[A-Za-z0-9_-]+")


def unlimited(key: dict[str, Any]) -> bool:
    return keys.ALL_COMPARTMENTS in (key.get("compartments") or [keys.ALL_COMPARTMENTS])


def check(db: Any, key: dict[str, Any], body: Callable[[], Any]) -> None:
    """Raise 404 when the request reaches a compartment ``key`` may not.

    ``body`` gives the parsed JSON body (None when there is none or it is not JSON); it is called
    only for keys limited to some compartments."""
    if not allows(key, request.method, request.endpoint):
        raise _write_refused()
    if unlimited(key):
        return
    if any(request.path.rstrip("/") == path or request.path.startswith(path + "/") for path in _EVERY_COMPARTMENT):
        raise not_found("an operation on every compartment (it needs a key registered without --compartment)",
                        request.path)
    document = body()
    for compartment in _named_compartments(document):
        if not keys.may_access(key, compartment):
            raise not_found("compartment", compartment)
    for ocid in _named_resources(document):
        compartment = resource_compartment(db, ocid)
        if compartment and not keys.may_access(key, compartment):
            raise not_found("resource", ocid)
    for namespace, bucket in _named_buckets(document):
        record = db.get(buckets.KIND, buckets.key(namespace, bucket))
        if record is not None and _public_read(record):
            continue
        # A missing bucket would be created on write (in no compartment of this key): refuse it.
        if record is None or not keys.may_access(key, record["compartmentId"]):
            raise bucket_not_found(namespace, bucket)


def allows(key: dict[str, Any], method: str, endpoint: str | None) -> bool:
    """Whether ``key`` may make a call of ``method`` to the route ``endpoint``: any call, unless the key
    is read-only and the call is not a read."""
    return keys.may_write(key) or method in READ_METHODS or endpoint in READ_ACTIONS


def _write_refused() -> Exception:
    bucket = _BUCKET_PATH.match(request.path)
    if bucket:
        return bucket_not_found(bucket["namespace"], bucket["bucket"])
    return not_found("a change by a read-only key (registered with --read-only)", f"{request.method} {request.path}")


def _public_read(bucket: dict[str, Any]) -> bool:
    """A read of a bucket whose objects OCI lets anyone read (a write still needs its compartment)."""
    return request.method in ("GET", "HEAD") and bucket.get("publicAccessType") == buckets.PUBLIC_READ


def may_see(compartment_id: str | None) -> bool:
    """Whether the caller of this request may see a resource of ``compartment_id`` (always, unless
    signing is enforced and the key is limited): search results are filtered with it."""
    key = getattr(g, "dockyard_api_key", None)
    return key is None or unlimited(key) or (compartment_id is not None and keys.may_access(key, compartment_id))


def resource_compartment(db: Any, ocid: str) -> str | None:
    """The compartment of the stored resource ``ocid`` (None when no kind holds it)."""
    for kind in RESOURCE_KINDS:
        record = db.get(kind, ocid)
        if record is not None:
            return record.get("compartmentId")
    return None


def _named_compartments(document: Any) -> Iterator[str]:
    """``compartmentId`` of the query and the body, and any compartment or tenancy OCID named."""
    for name, value in [*request.args.items(multi=True), *_references(document)]:
        if name == "compartmentId" and isinstance(value, str) and value:
            yield value
        elif is_valid_ocid(value) and resource_type(value) in COMPARTMENT_TYPES:
            yield value


def _named_resources(document: Any) -> Iterator[str]:
    """OCIDs of resources the request names: path segments, query values, body references,
    and the deployments a Logging Search query names."""
    yield from (segment for segment in request.path.split("/") if is_valid_ocid(segment))
    for _, value in [*request.args.items(multi=True), *_references(document)]:
        if is_valid_ocid(value):
            yield value
    if isinstance(document, dict) and isinstance(document.get("searchQuery"), str):
        yield from _OCID_IN_TEXT.findall(document["searchQuery"])


def _named_buckets(document: Any) -> Iterator[tuple[str, str]]:
    match = _BUCKET_PATH.match(request.path)
    if match:
        yield match["namespace"], match["bucket"]
    if not isinstance(document, dict):
        return
    specs = [(document.get(details), field) for details, field in _BODY_BUCKETS]
    references = document.get("modelArtifactReferences")
    specs += [(spec, "bucketName") for spec in (references if isinstance(references, list) else [])]
    for spec, field in specs:
        if isinstance(spec, dict) and isinstance(spec.get("namespace"), str) and isinstance(spec.get(field), str):
            yield spec["namespace"], spec[field]


def _references(document: Any) -> list[tuple[str, Any]]:
    """``(field, value)`` of every reference field (``compartmentId``, ``...Id``) in a JSON body,
    at any depth (walked without recursion: the document is already depth-checked)."""
    found, stack = [], [document]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for name, value in item.items():
                if name in _NOT_REFERENCES:
                    continue
                if name.endswith("Id") and isinstance(value, str):
                    found.append((name, value))
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    return found
