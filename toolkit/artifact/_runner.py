# Runs inside a fresh Python process, started by toolkit/artifact/verify.py with `python -c`.
# Standard library only: this process must see nothing the caller had imported. It reads a job
# (JSON) naming the artifact, loads the model file and/or imports score.py and calls predict(),
# and writes a JSON result. Tracebacks keep only the user's frames, not this runner's.
import importlib.util
import json
import os
import sys
import traceback


def _user_traceback(exc):
    summary = traceback.TracebackException.from_exception(exc)
    for link in _chain(summary):
        frames = [f for f in link.stack if not f.filename.startswith(("<string>", "<frozen"))]
        link.stack = traceback.StackSummary.from_list(frames)
    return "".join(summary.format())


def _chain(summary):
    seen = []
    while summary is not None and not any(s is summary for s in seen):
        seen.append(summary)
        summary = summary.__cause__ or summary.__context__
    return seen


def _failure(exc, **extra):
    return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": _user_traceback(exc), **extra}


def _load_file(artifact_dir, job):
    namespace = {"os": os, "ARTIFACT_DIR": artifact_dir, "serialization_format": job["serialization_format"]}
    try:
        exec(compile(job["loader_source"], "<dockyard model loader>", "exec"), namespace)
        model = namespace["_load_model_file"](os.path.join(artifact_dir, job["model_file"]))
    except BaseException as exc:
        return _failure(exc)
    return {"ok": True, "type": f"{type(model).__module__}.{type(model).__qualname__}"}


def _predict(artifact_dir, job):
    stage = "import"
    try:
        spec = importlib.util.spec_from_file_location("score", os.path.join(artifact_dir, "score.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["score"] = module
        spec.loader.exec_module(module)
        stage = "load_model"
        if hasattr(module, "load_model"):
            module.load_model()
        stage = "predict"
        with open(job["body_path"], "rb") as f:
            body = f.read()
        is_json = job["content_type"].split(";")[0].strip().lower() == "application/json"
        result = module.predict(json.loads(body) if is_json else body)
        stage = "serialize"
        return {"ok": True, "result_json": json.dumps(result)}
    except BaseException as exc:
        return _failure(exc, stage=stage)


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
    if job.get("predict"):
        result["predict"] = _predict(artifact_dir, job["predict"])
    with open(job["result_path"], "w") as f:
        json.dump(result, f)


main(sys.argv[1])
