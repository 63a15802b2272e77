"""introspect(): every ADS artifact check, plus Dockyard's own, each failure with a fix hint.

ADS checks (same keys, categories and pass/fail rules): score_py, runtime_yaml, score_syntax,
score_load_model, score_predict, score_predict_data, score_predict_arg, runtime_version,
runtime_env_python, runtime_env_path, runtime_path_exist. Ours: model_file (present and loadable in
a fresh process), requirements (resolvable offline), schema_prediction (a sample prediction
matches output_schema.json) and artifact_size. ``success`` is True, False, or None (not tested,
with the reason in the message), as in ADS's ``test_json_output.json``.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from emulator.contracts import runtime_yaml
from emulator.contracts.limits import DIRECT_UPLOAD_BYTES

from emulator.contracts.artifact_tests import CHECKS, HINTS

TEST_OUTPUT_FILE = "test_json_output.json"
PYTHON_VERSION = re.compile(r"^([3])(\.([6-9]|1[0-4]))(\.\d+)?$")


@dataclass
class CheckResult:
    key: str
    success: bool | None
    message: str = ""

    @property
    def category(self) -> str:
        return CHECKS.get(self.key, ("", ""))[0]

    @property
    def description(self) -> str:
        return CHECKS.get(self.key, ("", ""))[1]

    @property
    def hint(self) -> str:
        return HINTS.get(self.key, "") if self.success is False else ""

    @property
    def status(self) -> str:
        return {True: "Passed", False: "Failed", None: "Not tested"}[self.success]


@dataclass
class Failure:
    key: str
    message: str
    hint: str


@dataclass
class IntrospectionResult:
    """All checks of one artifact: a table in terminals, a DataFrame in notebooks, JSON on disk."""

    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.success is not False for c in self.checks)

    @property
    def failures(self) -> list[Failure]:
        return [Failure(c.key, c.message, c.hint) for c in self.checks if c.success is False]

    def __getitem__(self, key: str) -> CheckResult:
        return next(c for c in self.checks if c.key == key)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """ADS's ``test_json_output.json`` / ArtifactTestResults shape."""
        return {
            c.key: {"category": c.category, "description": c.description, "error_msg": c.message, "success": c.success}
            for c in self.checks
        }

    def to_dataframe(self):
        import pandas as pd

        rows = [(c.key, c.category, c.description, c.status, c.message, c.hint) for c in self.checks]
        return pd.DataFrame(rows, columns=["Test key", "Category", "Description", "Result", "Message", "Hint"])

    def to_table(self):
        from rich.table import Table

        colours = {True: "green", False: "red", None: "yellow"}
        table = Table(title="Model artifact introspection", show_lines=False)
        table.add_column("Check", no_wrap=True)
        table.add_column("Result", no_wrap=True)
        table.add_column("Details", overflow="fold")
        for c in self.checks:
            detail = c.message if not c.hint else f"{c.message}\n[dim]Hint: {c.hint}[/dim]"
            table.add_row(c.key, f"[{colours[c.success]}]{c.status}[/]", detail)
        return table

    def __rich__(self):
        return self.to_table()

    def _repr_html_(self) -> str:
        return self.to_dataframe()._repr_html_()

    def __str__(self) -> str:
        lines = [f"{c.key:<20} {c.status:<11} {c.message}" + (f" (hint: {c.hint})" if c.hint else "") for c in self.checks]
        return "\n".join(lines)

    def write(self, artifact_dir: Path) -> Path:
        path = Path(artifact_dir) / TEST_OUTPUT_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        return path


# ---------------------------------------------------------------------------------------------
# ADS checks: static, on the files.

def _score_checks(artifact_dir: Path) -> list[CheckResult]:
    path = artifact_dir / "score.py"
    if not path.exists():
        skipped = "not tested: score.py is missing"
        return [CheckResult("score_py", False, f"score.py is not in {artifact_dir}")] + [
            CheckResult(k, None, skipped) for k in ("score_syntax", "score_load_model", "score_predict",
                                                     "score_predict_data", "score_predict_arg")
        ]
    results = [CheckResult("score_py", True)]
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename="score.py")
    except SyntaxError as exc:
        results.append(CheckResult("score_syntax", False, f"SyntaxError at line {exc.lineno}: {exc.msg}"))
        skipped = "not tested: score.py does not parse"
        return results + [CheckResult(k, None, skipped) for k in
                          ("score_load_model", "score_predict", "score_predict_data", "score_predict_arg")]
    results.append(CheckResult("score_syntax", True))
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    results.append(CheckResult("score_load_model", "load_model" in functions,
                               "" if "load_model" in functions else "load_model() is not defined in score.py"))
    predict = functions.get("predict")
    if predict is None:
        results.append(CheckResult("score_predict", False, "predict() is not defined in score.py"))
        return results + [CheckResult(k, None, "not tested: predict() is missing")
                          for k in ("score_predict_data", "score_predict_arg")]
    results.append(CheckResult("score_predict", True))
    return results + _predict_signature_checks(predict)


def _predict_signature_checks(predict: ast.FunctionDef) -> list[CheckResult]:
    args = predict.args
    positional = args.posonlyargs + args.args
    first = positional[0].arg if positional else None
    data_ok = first == "data"
    data_msg = "" if data_ok else f"the first argument of predict() is {first!r}, not 'data'" if first else \
        "predict() takes no arguments; it must take data"
    rest = positional[1:]
    without_default = [a.arg for a in rest[: len(rest) - len(args.defaults)]]
    without_default += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None]
    arg_msg = "" if not without_default else f"predict() arguments without a default: {', '.join(without_default)}"
    return [CheckResult("score_predict_data", data_ok, data_msg),
            CheckResult("score_predict_arg", not without_default, arg_msg)]


def _runtime_checks(artifact_dir: Path) -> tuple[list[CheckResult], dict | None]:
    later = ("runtime_version", "runtime_env_python", "runtime_env_path", "runtime_path_exist")
    try:
        data = runtime_yaml.read(artifact_dir)
    except runtime_yaml.RuntimeYamlMissing:
        return [CheckResult("runtime_yaml", False, f"runtime.yaml is not in {artifact_dir}")] + [
            CheckResult(k, None, "not tested: runtime.yaml is missing") for k in later], None
    except runtime_yaml.RuntimeYamlError as exc:
        return [CheckResult("runtime_yaml", False, f"runtime.yaml cannot be read: {exc.message}")] + [
            CheckResult(k, None, "not tested: runtime.yaml cannot be read") for k in later], None
    env = runtime_yaml.section(data, runtime_yaml.CONDA_ENV)
    version = str(data.get(runtime_yaml.ARTIFACT_VERSION_KEY, ""))
    expected = runtime_yaml.ARTIFACT_VERSION
    python = str(env.get(runtime_yaml.ENV_PYTHON) or "")
    env_path = str(env.get(runtime_yaml.ENV_PATH) or "")
    return [
        CheckResult("runtime_yaml", True),
        CheckResult("runtime_version", version == expected,
                    "" if version == expected else f"MODEL_ARTIFACT_VERSION is {version or 'missing'!r}, not '{expected}'"),
        CheckResult("runtime_env_python", bool(PYTHON_VERSION.match(python)),
                    "" if PYTHON_VERSION.match(python) else
                    f"INFERENCE_PYTHON_VERSION is {python or 'missing'!r}; it must be 3.6 to 3.14 (e.g. '3.11')"),
        CheckResult("runtime_env_path", bool(env_path),
                    "" if env_path else "INFERENCE_ENV_PATH is empty"),
        _path_exist_check(env_path),
    ], data


def _path_exist_check(env_path: str) -> CheckResult:
    if not env_path:
        return CheckResult("runtime_path_exist", None, "not tested: INFERENCE_ENV_PATH is empty")
    if not env_path.startswith("oci://") or "@" not in env_path:
        return CheckResult("runtime_path_exist", False, f"INFERENCE_ENV_PATH {env_path!r} is not an oci://bucket@namespace/path URI")
    return CheckResult("runtime_path_exist", None,
                       "WARNING: not tested offline: the conda pack is on OCI Object Storage, which "
                       "introspection does not contact")


# ---------------------------------------------------------------------------------------------
# Dockyard checks.

def _requirements_check(artifact_dir: Path, runtime: dict | None) -> CheckResult:
    from toolkit.artifact.requirements import check_resolvable

    if runtime is None and not (artifact_dir / runtime_yaml.REQUIREMENTS_FILE).exists():
        return CheckResult("requirements", None, "not tested: no runtime.yaml or requirements.txt")
    requirements = runtime_yaml.requirements(artifact_dir, runtime or {})
    if not requirements:
        return CheckResult("requirements", None, "not tested: the artifact lists no pip requirements")
    bad = [r for r in check_resolvable(requirements) if not r.ok]
    how = "checked offline: installed distributions and the local wheel cache"
    if bad:
        return CheckResult("requirements", False, "; ".join(f"{r.requirement}: {r.detail}" for r in bad) + f" ({how})")
    return CheckResult("requirements", True, f"{len(requirements)} requirement(s) resolvable ({how})")


def _size_check(artifact_dir: Path) -> CheckResult:
    from toolkit.artifact.archive import artifact_files

    size = sum(path.stat().st_size for path, _ in artifact_files(artifact_dir))
    ok = size <= DIRECT_UPLOAD_BYTES
    message = f"{size / 1024**2:.2f} MiB" + ("" if ok else f", above the {DIRECT_UPLOAD_BYTES // 1024**3} GB direct upload limit")
    return CheckResult("artifact_size", ok, message)


def _flavor_loaded(runtime: dict | None) -> bool:
    """runtime.yaml says how Dockyard wrote the model file (flavor and format), so the file can be
    loaded as written; otherwise (ADS, hand-written, serialize=False) only score.py knows."""
    ours = runtime_yaml.section(runtime or {}, runtime_yaml.INFERENCE_ENV)
    return bool(ours.get(runtime_yaml.FLAVOR) and ours.get(runtime_yaml.MODEL_FILE)
                and ours.get(runtime_yaml.SERIALIZATION_FORMAT) != "customized")


def _schema_prediction(prediction: Any, artifact_dir: Path, rows: int) -> CheckResult:
    from toolkit.artifact.schema import OUTPUT_SCHEMA_FILE, Schema

    schema = Schema.from_file(artifact_dir / OUTPUT_SCHEMA_FILE)
    if schema is None:
        return CheckResult("schema_prediction", None, "not tested: the artifact has no output_schema.json")
    values = prediction.get("prediction") if isinstance(prediction, dict) else prediction
    if not isinstance(values, list):
        return CheckResult("schema_prediction", False, f"predict() returned {type(values).__name__}, not a list of predictions")
    width = len(values[0]) if values and isinstance(values[0], list) else 1
    expected = len(schema.attributes)
    problems = []
    if len(values) != rows:
        problems.append(f"{len(values)} predictions for {rows} input rows")
    if width != expected:
        problems.append(f"each prediction has {width} values, output_schema.json has {expected} columns")
    return CheckResult("schema_prediction", not problems, "; ".join(problems) or f"{rows} row(s), {width} column(s)")


def _dynamic_checks(artifact_dir: Path, runtime: dict | None, static: dict[str, CheckResult],
                    sample: Any, timeout: float) -> list[CheckResult]:
    """model_file and schema_prediction, both in one fresh subprocess."""
    from toolkit.artifact.payload import to_request
    from toolkit.artifact.schema import INPUT_SCHEMA_FILE, Schema, as_frame, synthetic_row
    from toolkit.artifact.verify import run_job

    job: dict[str, Any] = {}
    results: dict[str, CheckResult] = {}
    score_ok = all(static[k].success for k in ("score_syntax", "score_load_model", "score_predict", "score_predict_arg"))
    if _flavor_loaded(runtime):
        name = str(runtime_yaml.section(runtime, runtime_yaml.INFERENCE_ENV)[runtime_yaml.MODEL_FILE])
        if not (artifact_dir / name).exists():
            results["model_file"] = CheckResult("model_file", False, f"the model file {name} is not in the artifact")
        else:
            loader = _loader_job(runtime, name)
            if loader is None:
                results["model_file"] = CheckResult("model_file", True, f"{name} present (not loaded: unknown flavor)")
            else:
                job["load_file"] = loader
    elif score_ok:
        job["load_score"] = True  # the model is whatever score.py's load_model() returns, as in a deployment
    else:
        results["model_file"] = CheckResult("model_file", None, "not tested: score.py does not pass the checks above")
    body = None
    if score_ok:
        if sample is None:
            schema = Schema.from_file(artifact_dir / INPUT_SCHEMA_FILE)
            row = synthetic_row(schema) if schema else None
            sample = _frame([row]) if row else None
        if sample is not None:
            body, content_type = to_request(sample)
            job["predict"] = {"content_type": content_type}
    if not body:
        results["schema_prediction"] = CheckResult(
            "schema_prediction", None, "not tested: no sample input (pass X_sample to prepare(), or keep input_schema.json)"
            if static["score_predict"].success else "not tested: score.py does not pass the checks above")
    if job:
        outcome = run_job(artifact_dir, job, body=body, timeout=timeout)
        if "load_file" in outcome:
            results["model_file"] = _model_file_check(job["load_file"]["model_file"], outcome["load_file"])
        if "load_score" in outcome:
            results["model_file"] = _score_load_check(outcome["load_score"])
        if "predict" in outcome:
            results["schema_prediction"] = _prediction_check(outcome["predict"], artifact_dir, len(as_frame(sample)))
    return [results["model_file"], results["schema_prediction"]]


def _frame(rows: list[dict]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows)


def _prediction_check(outcome: dict, artifact_dir: Path, rows: int) -> CheckResult:
    if not outcome["ok"]:
        last = outcome.get("traceback", "").strip().splitlines()[-1:] or [outcome["error"]]
        return CheckResult("schema_prediction", False, f"predict() failed during {outcome.get('stage')}: {last[0]}")
    from toolkit.artifact.verify import unwrap

    return _schema_prediction(unwrap(outcome), artifact_dir, rows)


def _loader_job(runtime: dict, model_file: str) -> dict | None:
    """The flavor's loader snippet for the model file runtime.yaml describes (None: unknown flavor)."""
    from toolkit.artifact.scorefile import render_loader

    from toolkit.model.flavor import loader_template_for

    ours = runtime_yaml.section(runtime, runtime_yaml.INFERENCE_ENV)
    serialization_format = str(ours.get(runtime_yaml.SERIALIZATION_FORMAT) or "")
    try:
        source = render_loader(loader_template_for(str(ours[runtime_yaml.FLAVOR]), serialization_format), _LoaderValues(ours))
    except (FileNotFoundError, KeyError):
        return None
    return {"loader_source": source, "model_file": model_file, "serialization_format": serialization_format}


def _model_file_check(name: str, load: dict) -> CheckResult:
    name = "the model files at the top of the artifact (.)" if name == "." else name  # a save_pretrained() dir
    if load["ok"]:
        return CheckResult("model_file", True, f"{name} loads as {load['type']}")
    return CheckResult("model_file", False, f"{name} does not load: {load['error']}")


def _score_load_check(load: dict) -> CheckResult:
    """ADS and hand-written artifacts: score.py's load_model() is what loads the model, as in a deployment."""
    if load["ok"]:
        return CheckResult("model_file", True, f"score.py's load_model() returns a {load['type']}")
    last = load.get("traceback", "").strip().splitlines()[-1:] or [load["error"]]
    return CheckResult("model_file", False, f"score.py's load_model() fails during {load.get('stage')}: {last[0]}")


class _LoaderValues(dict):
    """Template values for a loader snippet, read back from runtime.yaml's INFERENCE_ENV."""

    def __init__(self, ours: dict) -> None:
        defaults = {"model_class": "Booster", "architecture_file": "model_architecture.pkl", "task": ""}
        super().__init__({**defaults, **{k.lower(): str(v) for k, v in (ours.get(runtime_yaml.LOADER_VALUES) or {}).items()}})


def introspect(artifact_dir: Path, *, sample: Any = None, timeout: float = 600.0) -> IntrospectionResult:
    """Run every check on ``artifact_dir`` and write ``test_json_output.json`` there."""
    artifact_dir = Path(artifact_dir)
    score = _score_checks(artifact_dir)
    runtime_results, runtime = _runtime_checks(artifact_dir)
    static = {c.key: c for c in score + runtime_results}
    checks = score + runtime_results
    checks += _dynamic_checks(artifact_dir, runtime, static, sample, timeout)
    checks.append(_requirements_check(artifact_dir, runtime))
    checks.append(_size_check(artifact_dir))
    order = list(CHECKS)
    result = IntrospectionResult(sorted(checks, key=lambda c: order.index(c.key)))
    result.write(artifact_dir)
    return result
