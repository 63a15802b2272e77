"""verify() wall time for the sklearn quickstart model: median of N runs (default 5), beside a fresh
interpreter's.

verify() runs score.py in a process of its own, forked from a warm fork server that has the
inference contract, pandas, numpy and scikit-learn imported (``prepare()`` starts it). The peer,
measured in the same run and alternating with it, is what verify() did before and still does when
the caller's import-time variables changed: a fresh ``python`` that imports everything itself. Each
call imports score.py, loads the model and predicts on three rows, as a deployment would. Run from
the repo root:

    python benchmarks/verify_time.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator.runtimes import forkserver  # noqa: E402
from toolkit import quickstart  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    estimator, X = quickstart.train()
    with tempfile.TemporaryDirectory() as tmp:
        model = quickstart.wrap(estimator, Path(tmp) / "artifact")
        model.prepare(X_sample=X.sample(20, random_state=0))
        rows = X.iloc[[0, 60, 120]]
        started = time.perf_counter()
        model.verify(rows)  # right after prepare(): may wait for the fork server prepare() started
        first = time.perf_counter() - started
        warm, fresh = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            model.verify(rows)
            warm.append(time.perf_counter() - started)
            with mock.patch.object(forkserver, "import_time_variables", lambda *a, **k: ["FRESH"]):
                started = time.perf_counter()
                model.verify(rows)
                fresh.append(time.perf_counter() - started)
    print(f"first verify() right after prepare(): {first:.3f} s")
    print("warm fork server, runs (s): " + ", ".join(f"{t:.3f}" for t in warm))
    print("fresh interpreter, runs (s): " + ", ".join(f"{t:.3f}" for t in fresh))
    print(f"verify() median of {args.runs}: {statistics.median(warm):.3f} s (goal < 1 s); "
          f"a fresh interpreter: {statistics.median(fresh):.3f} s")


if __name__ == "__main__":
    main()
