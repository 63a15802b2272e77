"""OCI-shaped errors: ``{"code": ..., "message": ...}`` with the status OCI uses, raised from anywhere.

The SDK turns these into ``oci.exceptions.ServiceError`` with ``.status`` and ``.code``, so clients
handle emulator errors exactly as cloud ones. Bad input is always a 4xx; only real bugs are 500.
"""
from __future__ import annotations

import json
import logging
import uuid

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class OCIError(Exception):
    """An error the client can act on: HTTP status, OCI error code, human message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str, ident: str = "") -> OCIError:
    suffix = f" {ident}" if ident else ""
    return OCIError(404, "NotAuthorizedOrNotFound",
                    f"Authorization failed or requested resource not found: {what}{suffix}.")


def invalid(message: str) -> OCIError:
    return OCIError(400, "InvalidParameter", message)


def conflict(message: str, code: str = "Conflict") -> OCIError:
    return OCIError(409, code, message)


def incorrect_state(message: str) -> OCIError:
    """409 IncorrectState: the resource is in a state the operation does not accept (the one builder)."""
    return OCIError(409, "IncorrectState", message)


def etag_mismatch(ident: str) -> OCIError:
    return OCIError(412, "NoEtagMatch", f"The if-match etag does not match the current etag of {ident}; "
                    "get the resource again and retry with its etag.")


def too_large(message: str) -> OCIError:
    return OCIError(413, "PayloadTooLarge", message)


def new_request_id() -> str:
    return uuid.uuid4().hex.upper()


def request_id() -> str:
    """The request's ``opc-request-id``: the client's own when it sent one, else a new one."""
    rid = getattr(g, "opc_request_id", None)
    if rid is None:
        rid = request.headers.get("opc-request-id") or new_request_id()
        g.opc_request_id = rid
    return rid


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    response.headers["opc-request-id"] = request_id()
    return response


_HTTP_CODES = {
    400: "InvalidParameter",
    404: "NotAuthorizedOrNotFound",
    405: "MethodNotAllowed",
    411: "LengthRequired",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    416: "InvalidRange",
    431: "RequestHeaderFieldsTooLarge",
    501: "NotImplemented",
}


def code_for_status(status: int) -> str:
    """The OCI error code for an HTTP error raised outside our handlers (werkzeug, waitress)."""
    return _HTTP_CODES.get(status, "InvalidParameter" if status < 500 else "InternalServerError")


def error_document(code: str, message: str) -> bytes:
    """The JSON body of an OCI error, for senders without a Flask request (the WSGI server)."""
    return json.dumps({"code": code, "message": message}).encode()


def install_error_handlers(app: Flask) -> None:
    """Render every error, ours or werkzeug's or a bug, in OCI's shape with an ``opc-request-id``."""

    @app.errorhandler(OCIError)
    def _oci_error(exc: OCIError) -> Response:
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        response = error_response(status, code_for_status(status), exc.description or exc.name)
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _bug(exc: Exception) -> Response:
        log.exception("internal error handling %s %s", request.method, request.path)
        return error_response(500, "InternalServerError",
                              f"Internal error ({type(exc).__name__}); see the emulator log.")

    @app.after_request
    def _stamp_request_id(response: Response) -> Response:
        response.headers.setdefault("opc-request-id", request_id())
        return response
