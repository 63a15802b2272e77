# Runs inside a fresh Python process, started by toolkit/artifact/verify.py with `python -P -c`.
# It sees nothing the caller had imported. It reads a job (JSON) naming the artifact, loads the
# model file, loads score.py's model and/or runs its predict the way a deployment's server does
# (score.py is imported and load_model() called once), and writes a JSON result.
# The score.py contract itself (import, load_model, predict, how a body becomes `data` and a
# result a body) is not here: it is emulator.inference's scoring and codec, the very modules the
# inference server runs. Tracebacks keep only the user's frames.
import base64
import json
import os
import sys

from emulator.inference import codec, scoring


def _failure(stage, exc, trace=None):
    return {"ok": False, "stage": stage, "error": f"{type(exc).__name__}: {exc}",
            "traceback": trace if trace is not None else scoring.user_traceback(exc)}


def _load_file(artifact_dir, job):
    namespace = {"os": os, "ARTIFACT_DIR": artifact_dir, "serialization_format": job["serialization_format"]}
    try:
        exec(compile(job["loader_source"], "<dockyard model loader>", "exec"), namespace)
        model = namespace["_load_model_file"](os.path.join(artifact_dir, job["model_file"]))
    except BaseException as exc:
        return _failure("load_file", exc)
    return {"ok": True, "type": f"{type(model).__module__}.{type(model).__qualname__}"}


_LOADED = {}  # score.py imported and its model loaded once per process: load_score, then predict


def _loaded(artifact_dir):
    if "score" not in _LOADED:
        module = scoring.import_score(artifact_dir)
        _LOADED["score"] = (module, scoring.load(module))
    return _LOADED["score"]


def _load_score(artifact_dir):
    """score.py imported and load_model() called, as a deployment's server does at start."""
    try:
        _, model = _loaded(artifact_dir)
    except scoring.ScoreFailure as failure:
        return _failure(failure.stage, failure.error, failure.traceback)
    return {"ok": True, "type": f"{type(model).__module__}.{type(model).__qualname__}"}


def _predict(artifact_dir, job):
    try:
        module, model = _loaded(artifact_dir)
        with open(job["body_path"], "rb") as f:
            body = f.read()
        try:
            data = codec.request_data(body, job["content_type"])
        except codec.BadBody as exc:
            return _failure("request", exc, trace="")
        result = scoring.predict(module, model, data)
    except scoring.ScoreFailure as failure:
        return _failure(failure.stage, failure.error, failure.traceback)
    try:
        payload, content_type = codec.response_body(result)
    except codec.NotSerializable as exc:
        return _failure("serialize", exc, trace="")
    return {"ok": True, "content_type": content_type, "body": base64.b64encode(payload).decode("ascii")}


def main(job_path):
    with open(job_path) as f:
        job = json.load(f)
    artifact_dir = job["artifact_dir"]
    os.chdir(artifact_dir)
    if artifact_dir not in sys.path:
        sys.path.insert(0, artifact_dir)
    result = {}
    if job.get("load_file"):
        result["load_file"] = _load_file(artifact_dir, job["load_file"])
    if job.get("load_score"):
        result["load_score"] = _load_score(artifact_dir)
    if job.get("predict"):
        result["predict"] = _predict(artifact_dir, job["predict"])
    with open(job["result_path"], "w") as f:
        json.dump(result, f)


main(sys.argv[1])
