"""The Flask app of the inference server: ``POST /predict`` and ``GET /health`` with OCI-shaped errors.

Every failure is answered in OCI's error shape (``{"code", "message"}`` plus ``opc-request-id``) and
the server keeps serving: bad input is a 4xx, a score.py exception a 500 whose traceback goes to
the predict log (and into the response only when debug is on).
"""
from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from .schema import SchemaViolation, load_input_schema, validate
from .scoring import ModelNotLoaded, ScoreModule
from .settings import ServerSettings

_CODES = {
    400: "InvalidParameter",
    404: "NotFound",
    405: "MethodNotAllowed",
    411: "LengthRequired",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


def create_app(settings: ServerSettings | None = None) -> Flask:
    """Build the server and load score.py right away, so each gunicorn worker loads the model once."""
    settings = settings or ServerSettings.from_env()
    app = Flask("dockyard_inference")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_payload_bytes
    log = _predict_logger(settings)
    score = ScoreModule(settings.model_dir)
    score.load()
    if score.error:
        log.error("score.py failed to load from %s:\n%s", settings.model_dir, score.error)
    else:
        log.info("model loaded from %s", settings.model_dir)
    schema = load_input_schema(settings.model_dir) if settings.validate_input else None
    app.extensions["dockyard_inference"] = score

    @app.before_request
    def _start() -> None:
        g.request_id = request.headers.get("opc-request-id") or uuid.uuid4().hex.upper()
        g.started = time.perf_counter()

    @app.after_request
    def _stamp(response: Response) -> Response:
        response.headers["opc-request-id"] = g.get("request_id", "")
        return response

    @app.get("/health")
    def health() -> Response:
        if score.ready:
            return _json({"status": "READY"})
        return error(503, "ServiceUnavailable", "the model is not loaded: " + _last_line(score.error))

    @app.post("/predict")
    def predict() -> Response:
        if not score.ready:
            return error(503, "ServiceUnavailable", "the model is not loaded: " + _last_line(score.error))
        data = _read_payload(settings)
        if isinstance(data, Response):
            return data
        if schema is not None:
            try:
                validate(data, schema)
            except SchemaViolation as exc:
                return error(400, "InvalidParameter", f"input does not match input_schema.json: {exc}")
        return _call_predict(score, data, settings, log)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        if isinstance(exc, RequestEntityTooLarge):
            return _too_large(settings)
        return error(exc.code or 500, _CODES.get(exc.code or 500, "InvalidParameter"), exc.description or exc.name)

    return app


def error(status: int, code: str, message: str) -> Response:
    """An OCI-shaped error response."""
    return _json({"code": code, "message": message}, status)


def _read_payload(settings: ServerSettings) -> Any:
    """JSON bodies are parsed (400 if malformed); any other content type reaches score.py as bytes."""
    if request.content_length is not None and request.content_length > settings.max_payload_bytes:
        return _too_large(settings)
    body = request.get_data(cache=False)
    if not request.mimetype or request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        if not body and request.mimetype != "application/json":
            return body
        try:
            return json.loads(body)
        except ValueError as exc:
            return error(400, "CannotParseRequest", f"the request body is not valid JSON: {exc}")
    return body


def _call_predict(score: ScoreModule, data: Any, settings: ServerSettings, log: logging.Logger) -> Response:
    """Run score.predict; user errors become a 500 with the traceback in the predict log."""
    try:
        result = score.predict(data)
    except ModelNotLoaded as exc:
        return error(503, "ServiceUnavailable", "the model is not loaded: " + _last_line(str(exc)))
    except Exception as exc:  # noqa: BLE001 - user code; the server must stay up
        log.exception("predict failed (opc-request-id %s)", g.request_id)
        message = f"score.py predict() raised {type(exc).__name__}: {_last_line(str(exc))}"
        if settings.debug:
            import traceback

            message += "\n" + traceback.format_exc()
        else:
            message += f"; see the deployment's predict log for opc-request-id {g.request_id}"
        return error(500, "InternalServerError", message)
    if isinstance(result, (bytes, bytearray)):
        return Response(bytes(result), mimetype="application/octet-stream")
    try:
        return _json(result)
    except (TypeError, ValueError) as exc:
        log.error("predict returned a value that is not JSON-serializable (opc-request-id %s): %s", g.request_id, exc)
        return error(500, "InternalServerError", f"score.py predict() returned a {type(result).__name__}, which is not JSON-serializable")


def _too_large(settings: ServerSettings) -> Response:
    return error(413, "PayloadTooLarge", f"the request body is over the {settings.max_payload_bytes} byte limit")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=_plain), status=status, mimetype="application/json")


def _plain(value: Any) -> Any:
    """numpy arrays and scalars (duck-typed: numpy may not be installed) as plain JSON values."""
    for method in ("tolist", "item"):
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip()[:500] if lines else "unknown error"


def _predict_logger(settings: ServerSettings) -> logging.Logger:
    """The predict log: ``<log_dir>/predict.log`` when a log dir is given (the runtimes give one), else stderr."""
    log = logging.Logger("dockyard.predict", logging.INFO)  # one per app: in-process tests build several
    log.propagate = False
    fmt = logging.Formatter("%(asctime)s %(levelname)s [pid %(process)d] %(message)s")
    fmt.converter = time.gmtime  # UTC, as in containers, so log search orders entries correctly
    if settings.log_dir is not None:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.log_dir / "predict.log")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(fmt)
    log.addHandler(handler)
    return log
