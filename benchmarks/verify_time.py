"""verify() wall time per flavor: median of N runs (default 5) from the warm fork server, beside a
fresh interpreter's.

verify() runs score.py in a process of its own, forked from a warm fork server that has the
inference contract and the artifact's frameworks imported (``prepare()`` starts it). The peer,
measured in the same run and alternating with it, is what verify() does when the caller's
import-time variables changed: a fresh ``python`` that imports everything itself. Each call imports
score.py, loads the model and predicts, as a deployment would. The models are the tests' tiny ones
(``fixtures/frameworks.py``; the sklearn one is the quickstart's); a flavor whose framework is not
installed is reported as skipped. Run from the repo root:

    python benchmarks/verify_time.py [--runs 5] [--flavor sklearn --flavor spark ...]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.runtimes import forkserver  # noqa: E402
from fixtures import frameworks  # noqa: E402
from toolkit import quickstart  # noqa: E402


def _sklearn(tmp: Path) -> tuple[Any, Any]:
    estimator, X = quickstart.train()
    model = quickstart.wrap(estimator, tmp / "artifact")
    model.prepare(X_sample=X.sample(20, random_state=0))
    return model, X.iloc[[0, 60, 120]]


def _sklearn_onnx(tmp: Path) -> tuple[Any, Any]:
    from toolkit import SklearnModel

    X, y = frameworks.iris()
    model = SklearnModel(frameworks.sklearn_classifier(X, y), artifact_dir=str(tmp / "artifact"))
    model.prepare(X_sample=X[:20], as_onnx=True)
    return model, X[[0, 60, 120]]


def _tensorflow(tmp: Path) -> tuple[Any, Any]:
    from toolkit import TensorFlowModel

    X, y = frameworks.iris()
    model = TensorFlowModel(frameworks.keras_mlp(X, y), artifact_dir=str(tmp / "artifact"))
    model.prepare(X_sample=X[:20])
    return model, X[[0, 60, 120]]


def _huggingface(tmp: Path) -> tuple[Any, Any]:
    from toolkit import HuggingFacePipelineModel

    model = HuggingFacePipelineModel(frameworks.gpt2_pipeline(), artifact_dir=str(tmp / "artifact"))
    model.prepare()
    return model, frameworks.GPT2_REQUEST


def _spark(tmp: Path) -> tuple[Any, Any]:
    import pandas as pd

    from toolkit import SparkPipelineModel

    queries = pd.DataFrame(frameworks.SPARK_QUERIES)
    model = SparkPipelineModel(frameworks.spark_pipeline(), artifact_dir=str(tmp / "artifact"))
    model.prepare(X_sample=queries)
    return model, queries


def _embedding_onnx(tmp: Path) -> tuple[Any, Any]:
    from toolkit import EmbeddingONNXModel

    frameworks.embedding_artifact(tmp / "artifact")
    model = EmbeddingONNXModel(artifact_dir=str(tmp / "artifact")).prepare(force_overwrite=True)
    return model, frameworks.EMBEDDING_REQUEST


# flavor -> (builder, the import score.py pays for in its fresh process)
FLAVORS: dict[str, tuple[Callable[[Path], tuple[Any, Any]], str]] = {
    "sklearn": (_sklearn, "import joblib, sklearn.linear_model, pandas"),
    "sklearn-onnx": (_sklearn_onnx, "import onnxruntime, pandas"),
    "tensorflow": (_tensorflow, "import keras, tensorflow"),
    "huggingface": (_huggingface, "import transformers.pipelines, torch"),
    "spark": (_spark, "import pyspark.ml, pandas"),
    "embedding_onnx": (_embedding_onnx, "import onnxruntime, tokenizers"),
}


def measure(flavor: str, runs: int) -> str:
    build, _imports = FLAVORS[flavor]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            model, data = build(Path(tmp))
        except ImportError as exc:
            return f"{flavor:<15} skipped: {exc}"
        started = time.perf_counter()
        model.verify(data)  # right after prepare(): may wait for the fork server prepare() started
        first = time.perf_counter() - started
        warm, fresh = [], []
        for _ in range(runs):
            started = time.perf_counter()
            model.verify(data)
            warm.append(time.perf_counter() - started)
            with mock.patch.object(forkserver, "import_time_variables", lambda *a, **k: ["FRESH"]):
                started = time.perf_counter()
                model.verify(data)
                fresh.append(time.perf_counter() - started)
    return (f"{flavor:<15} first verify() {first:7.3f} s   warm fork server {statistics.median(warm):7.3f} s   "
            f"fresh interpreter {statistics.median(fresh):7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--flavor", action="append", choices=sorted(FLAVORS),
                        help="measure only this flavor (repeatable; default: all)")
    args = parser.parse_args()
    print(f"median of {args.runs} runs per flavor")
    for flavor in args.flavor or list(FLAVORS):
        print(measure(flavor, args.runs), flush=True)


if __name__ == "__main__":
    main()
