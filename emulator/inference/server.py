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
import traceback
import uuid
from pathlib import Path
from typing import Any, Callable

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import codec, model_group
from .schema import SchemaViolation, load_input_schema, validate
from .scoring import ModelNotLoaded, ScoreFailure, ScoreModule
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


class InferenceApp(Flask):
    """The server's Flask app, with what a forked worker runs before it serves."""

    deferred_load: Callable[[], None] = staticmethod(lambda: None)

    def after_fork(self) -> None:
        """Called by gunicorn's ``post_fork`` in each worker: load_model() where the artifact asked for
        a model per worker."""
        self.deferred_load()


def create_app(settings: ServerSettings | None = None, before_fork: bool = False) -> InferenceApp:
    """Build the server and load score.py right away.

    ``before_fork``: the app is built in gunicorn's master before it forks the workers (``preload_app``),
    so the artifact's imports and ``load_model()`` run once and every worker starts with the model
    loaded; the port is bound only afterwards, so /health cannot answer before the model is there. A
    score.py that asks for a model per worker is only imported then, and
    ``app.after_fork()`` (gunicorn's ``post_fork``) calls its ``load_model()`` in each worker.
    """
    settings = settings or ServerSettings.from_env()
    app = InferenceApp("dockyard_inference")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_payload_bytes
    log = _predict_logger(settings)
    members = model_group.read_members(settings.model_dir)
    served = _load(settings, log, members, before_fork)
    app.deferred_load = lambda: _load_deferred(served, log)

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
        score = next((s for s, _ in served.values() if not s.ready), None)
        if score is None:
            return _json({"status": "READY"})
        # Beside OCI's error shape, the artifact's own traceback: the runtime shows it when a start fails.
        return _json({"code": "ServiceUnavailable", "message": _not_loaded(score), "traceback": score.error}, 503)

    @app.post("/predict")
    def predict() -> Response:
        try:
            score, schema = served[_member_of(members)]
        except model_group.UnknownMember as exc:
            return _refuse_unread(exc.status, exc.code, exc.message)
        if not score.ready:
            return _refuse_unread(503, "ServiceUnavailable", _not_loaded(score))
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


def _load(settings: ServerSettings, log: logging.Logger, members: list[model_group.Member] | None,
          before_fork: bool) -> dict[str | None, tuple[ScoreModule, Any]]:
    """score.py and input schema of the model, or of each member of a model group (keyed by model OCID;
    the single model's key is None)."""
    places = {None: Path(settings.model_dir)} if members is None else \
        {m.model_id: m.directory(settings.model_dir) for m in members}
    served = {}
    for index, (key, model_dir) in enumerate(places.items()):
        score = ScoreModule(model_dir, "score" if key is None else f"score_member_{index}")
        score.load(before_fork)
        _log_load(score, log)
        served[key] = (score, load_input_schema(model_dir) if settings.validate_input else None)
    return served


def _load_deferred(served: dict[str | None, tuple[ScoreModule, Any]], log: logging.Logger) -> None:
    """In a forked worker: load_model() of the artifacts that asked for a model per worker."""
    for score, _ in served.values():
        if score.deferred:
            score.load()
            _log_load(score, log)


def _log_load(score: ScoreModule, log: logging.Logger) -> None:
    if score.error:
        log.error("score.py failed to load from %s:\n%s", score.model_dir, score.error)
    elif score.deferred:
        log.info("score.py imported from %s; load_model() runs in each worker", score.model_dir)
    else:
        log.info("model loaded from %s", score.model_dir)


def _member_of(members: list[model_group.Member] | None) -> str | None:
    """The model OCID of the member the request names (None for a single model's deployment)."""
    if members is None:
        return None
    headers = request.headers
    return model_group.choose(members, headers.get(model_group.NAME_HEADER),
                              headers.get(model_group.VERSION_HEADER)).model_id


def _refuse_unread(status: int, code: str, message: str) -> Response:
    """An error answered before the body was read: the body is drained first, or its bytes would be
    read as the next request on this keep-alive connection (the gateway reuses its connections)."""
    request.get_data(cache=False)
    return error(status, code, message)


def error(status: int, code: str, message: str) -> Response:
    """An OCI-shaped error response."""
    return _json({"code": code, "message": message}, status)


def _read_payload(settings: ServerSettings) -> Any:
    """``data`` for score.py (``codec.request_data``), or the error response for a bad body."""
    if request.content_length is not None and request.content_length > settings.max_payload_bytes:
        return _too_large(settings)
    try:
        return codec.request_data(request.get_data(cache=False), request.headers.get("content-type"))
    except codec.BadBody as exc:
        return error(400, "CannotParseRequest", str(exc))


def _call_predict(score: ScoreModule, data: Any, settings: ServerSettings, log: logging.Logger) -> Response:
    """Run score.predict; user errors become a 500 with the user's traceback in the predict log."""
    try:
        body, content_type = codec.response_body(score.predict(data))
    except ModelNotLoaded as exc:
        return error(503, "ServiceUnavailable", "the model is not loaded: " + _last_line(str(exc)))
    except ScoreFailure as failure:
        log.error("predict failed (opc-request-id %s):\n%s", g.request_id, failure.traceback)
        message = f"score.py predict() raised {type(failure.error).__name__}: {_last_line(str(failure.error))}"
        if settings.debug:
            message += "\n" + failure.traceback
        else:
            message += f"; see the deployment's predict log for opc-request-id {g.request_id}"
        return error(500, "InternalServerError", message)
    except codec.NotSerializable as exc:
        log.error("%s (opc-request-id %s)", exc, g.request_id)
        return error(500, "InternalServerError", str(exc))
    return Response(body, mimetype=content_type)


def _not_loaded(score: ScoreModule) -> str:
    """``the model is not loaded: SyntaxError: invalid syntax (score.py, line 7)``: what and where."""
    if score.failure is None:
        return "the model is not loaded: " + _last_line(score.error)
    error = score.failure.error
    text = str(error.msg if isinstance(error, SyntaxError) else error).strip()
    where = _where(error, Path(score.model_dir).resolve())
    return (f"the model is not loaded: {type(error).__name__}: {_last_line(text) if text else ''}".rstrip(": ")
            + (f" ({where})" if where else ""))


def _where(error: BaseException, model_dir: Path) -> str | None:
    """``score.py, line 7``: the artifact's own line the error comes from (a SyntaxError's, else the
    innermost frame in the artifact's files)."""
    if isinstance(error, SyntaxError) and error.filename:
        places = [(error.filename, error.lineno)]
    else:
        places = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(error.__traceback__)]
    for filename, line in reversed(places):
        path = Path(filename)
        if path.is_absolute() and path.resolve().is_relative_to(model_dir):
            return f"{path.resolve().relative_to(model_dir)}, line {line}"
    return None


def _too_large(settings: ServerSettings) -> Response:
    return error(413, "PayloadTooLarge", f"the request body is over the {settings.max_payload_bytes} byte limit")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype=codec.JSON)


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
