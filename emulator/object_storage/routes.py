"""HTTP side of Object Storage: ``/n``, ``/n/{ns}/b``, ``/n/{ns}/b/{bucket}/o/{object}``, ``.../u/{object}``,
``.../objectversions``."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from emulator.errors import invalid
from emulator.object_storage import buckets, multipart, objects, pars, versions
from emulator.state import current_state
from emulator.wire import (blob_response, caller, content_length, empty_response, http_date, json_body, limit_arg,
                           now, page_of)

bp = Blueprint("object_storage", __name__)


def _echo() -> dict[str, str]:
    client_id = request.headers.get("opc-client-request-id")
    return {"opc-client-request-id": client_id} if client_id else {}


@bp.get("/n")
def get_namespace() -> Response:
    return jsonify(current_state().config.namespace)


@bp.get("/n/<namespace>")
def get_namespace_metadata(namespace: str) -> Response:
    """``GetNamespaceMetadata``: any namespace exists here; its default compartments are the local tenancy."""
    return jsonify({"namespace": namespace, "defaultS3CompartmentId": buckets.LOCAL_COMPARTMENT,
                    "defaultSwiftCompartmentId": buckets.LOCAL_COMPARTMENT})


@bp.post("/n/<namespace>/b")
def create_bucket(namespace: str) -> Response:
    state = current_state()
    record = buckets.create(state.db, namespace, json_body(), state.config.region, caller())
    response = jsonify(buckets.wire(record))
    response.headers.update({"etag": record["etag"], **_echo()})
    return response


@bp.route("/n/<namespace>/b/<bucket>", methods=["GET", "HEAD"])
def get_bucket(namespace: str, bucket: str) -> Response:
    record = buckets.get(current_state().db, namespace, bucket)
    response = jsonify(buckets.wire(record)) if request.method == "GET" else empty_response(200)
    response.headers.update({"etag": record["etag"], **_echo()})
    return response


@bp.post("/n/<namespace>/b/<bucket>")
def update_bucket(namespace: str, bucket: str) -> Response:
    record = buckets.update(current_state().db, namespace, bucket, json_body(), request.headers.get("if-match"))
    response = jsonify(buckets.wire(record))
    response.headers.update({"etag": record["etag"], **_echo()})
    return response


@bp.delete("/n/<namespace>/b/<bucket>")
def delete_bucket(namespace: str, bucket: str) -> Response:
    buckets.delete(current_state().db, namespace, bucket)
    return empty_response(204, _echo())


@bp.put("/n/<namespace>/b/<bucket>/o/<path:name>")
def put_object(namespace: str, bucket: str, name: str) -> Response:
    state = current_state()
    buckets.check_name(bucket)
    blob = objects.receive(state, request.stream, content_length(), request.headers.get("content-md5"))
    metadata = {k[len("opc-meta-"):].lower(): v for k, v in request.headers.items()  # names are case-insensitive
                if k.lower().startswith("opc-meta-")}
    stored = {h: request.headers[h] for h in objects.STORED_HEADERS if request.headers.get(h)}
    record = objects.put(state, namespace, bucket, name, blob, content_type=request.headers.get("content-type"),
                         metadata=metadata, if_match=request.headers.get("if-match"),
                         if_none_match=request.headers.get("if-none-match"), created_by=caller(),
                         stored_headers=stored)
    return empty_response(200, {"etag": record["etag"], "opc-content-md5": blob.md5, "version-id": record["versionId"],
                                "last-modified": http_date(record["timeModified"]), **_echo()})


@bp.route("/n/<namespace>/b/<bucket>/o/<path:name>", methods=["GET", "HEAD"])
def get_object(namespace: str, bucket: str, name: str) -> Response:
    state = current_state()
    version_id = request.args.get("versionId")
    record = versions.find(state.db, namespace, bucket, name, version_id) if version_id else \
        objects.get(state.db, namespace, bucket, name)
    objects.check_conditions(record, name, request.headers.get("if-match"), None)
    if request.headers.get("if-none-match") and request.headers["if-none-match"].strip('"') == record["etag"]:
        return empty_response(304, {"etag": record["etag"]})
    response = blob_response(state.blobs.path(record["_blob"]["name"]), record["size"],
                             {**objects.headers(record), **_echo()})
    response.headers["content-type"] = record["contentType"]
    return response


@bp.route("/p/<par_id>/n/<namespace>/b/<bucket>/o/<path:name>", methods=["GET", "HEAD"])
def get_object_with_par(par_id: str, namespace: str, bucket: str, name: str) -> Response:
    """A pre-authenticated read: no signature, only the object the PAR was made for."""
    pars.target(current_state().db, par_id, namespace, bucket, name)
    return get_object(namespace, bucket, name)


@bp.delete("/n/<namespace>/b/<bucket>/o/<path:name>")
def delete_object(namespace: str, bucket: str, name: str) -> Response:
    version_id = request.args.get("versionId")
    if version_id:
        versions.delete(current_state(), namespace, bucket, name, version_id, request.headers.get("if-match"))
    else:
        objects.delete(current_state(), namespace, bucket, name, request.headers.get("if-match"))
    return empty_response(204, {"last-modified": http_date(now()), **_echo()})


@bp.get("/n/<namespace>/b/<bucket>/o")
def list_objects(namespace: str, bucket: str) -> Response:
    args = request.args
    listing = objects.list_objects(current_state().db, namespace, bucket, prefix=args.get("prefix", ""),
                                   start=args.get("start") or args.get("startAfter"), end=args.get("end"),
                                   limit=limit_arg(default=1000), delimiter=args.get("delimiter"))
    response = jsonify(listing)
    response.headers.update(_echo())
    return response


@bp.get("/n/<namespace>/b/<bucket>/objectversions")
def list_object_versions(namespace: str, bucket: str) -> Response:
    """``ListObjectVersions``: an ObjectVersionCollection, ``opc-next-page`` while more remain."""
    args = request.args
    items, prefixes = versions.list_versions(current_state().db, namespace, bucket, prefix=args.get("prefix", ""),
                                             start=args.get("start") or args.get("startAfter"), end=args.get("end"),
                                             delimiter=args.get("delimiter"))
    page = page_of(items, limit_arg(default=1000))
    response = jsonify({"items": page.items, "prefixes": prefixes})
    response.headers.update({**({"opc-next-page": page.next_page} if page.next_page else {}), **_echo()})
    return response


@bp.post("/n/<namespace>/b/<bucket>/u")
def create_multipart_upload(namespace: str, bucket: str) -> Response:
    upload = multipart.create(current_state(), namespace, bucket, json_body(), caller())
    response = jsonify(multipart.wire(upload))
    response.headers.update({"location": f"/n/{namespace}/b/{bucket}/u/{upload['object']}", **_echo()})
    return response


def _upload(namespace: str, bucket: str, name: str) -> dict:
    return multipart.get(current_state().db, namespace, bucket, name, request.args.get("uploadId"))


@bp.put("/n/<namespace>/b/<bucket>/u/<path:name>")
def upload_part(namespace: str, bucket: str, name: str) -> Response:
    state = current_state()
    upload = _upload(namespace, bucket, name)
    number = request.args.get("uploadPartNum", "")
    if not (number.isascii() and number.isdigit() and len(number) <= 5):
        raise invalid(f"uploadPartNum must be an integer between 1 and {multipart.MAX_PARTS}.")
    blob = objects.receive(state, request.stream, content_length(), request.headers.get("content-md5"))
    part = multipart.add_part(state, upload, int(number), blob)
    return empty_response(200, {"etag": part["etag"], "opc-content-md5": part["md5"], **_echo()})


@bp.post("/n/<namespace>/b/<bucket>/u/<path:name>")
def commit_multipart_upload(namespace: str, bucket: str, name: str) -> Response:
    state = current_state()
    upload = _upload(namespace, bucket, name)
    chosen = json_body().get("partsToCommit")
    if not isinstance(chosen, list):
        raise invalid("partsToCommit must be a list of {partNum, etag}.")
    record = multipart.commit(state, upload, chosen, caller())
    return empty_response(200, {"etag": record["etag"], "opc-multipart-md5": record["multipartMd5"],
                                "version-id": record["versionId"], "last-modified": http_date(record["timeModified"]), **_echo()})


@bp.get("/n/<namespace>/b/<bucket>/u/<path:name>")
def list_multipart_upload_parts(namespace: str, bucket: str, name: str) -> Response:
    upload = _upload(namespace, bucket, name)
    parts = [{k: p[k] for k in ("etag", "md5", "size", "partNumber")} for p in multipart.parts(current_state().db, upload["id"])]
    return jsonify(parts)


@bp.delete("/n/<namespace>/b/<bucket>/u/<path:name>")
def abort_multipart_upload(namespace: str, bucket: str, name: str) -> Response:
    multipart.abort(current_state(), _upload(namespace, bucket, name))
    return empty_response(204, _echo())
