"""verify() wall time for the sklearn quickstart model: median of N runs (default 5).

Each verify() starts a fresh Python process, imports score.py (and with it scikit-learn),
loads the model and predicts on three rows, as a deployment would. Run from the repo root:

    python benchmarks/verify_time.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            model.verify(rows)
            times.append(time.perf_counter() - started)
    print("runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    print(f"verify() median of {args.runs}: {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
