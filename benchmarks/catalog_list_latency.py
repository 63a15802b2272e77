"""Latency of listing one page of models through the real ``oci`` SDK, for a catalog of 1 000 and
of 10 000 models: it must not grow with the catalog (indexed, keyset-paginated store).

    python3 benchmarks/catalog_list_latency.py [--sizes 1000 10000] [--calls 200] [--limit 100]

The catalog is seeded directly through the store API (fast); the measured calls go over HTTP
to an emulator on 127.0.0.1, exactly as a user's ``list_models`` does.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from _catalog_common import COMPARTMENT, data_science_client

from emulator.config import EmulatorConfig
from emulator.data_science import models
from emulator.server import start_in_background
from emulator.state import EmulatorState

PROJECT = "ocid1.datascienceproject.oc1.iad.benchmarkproject"
OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaothercompartment"


def seed(home: Path, count: int) -> None:
    """``count`` models in the benchmark compartment plus as many in another one (noise)."""
    state = EmulatorState.open(EmulatorConfig(home=home))
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for compartment, prefix in ((COMPARTMENT, "a"), (OTHER_COMPARTMENT, "b")):
        batch = []
        for index in range(count):
            created = (start + timedelta(seconds=index)).isoformat(timespec="microseconds").replace("+00:00", "Z")
            batch.append({
                "id": f"ocid1.datasciencemodel.oc1.iad.{prefix}{index:08d}", "compartmentId": compartment,
                "projectId": PROJECT, "displayName": f"model-{index:06d}", "description": None,
                "lifecycleState": "ACTIVE" if index % 10 else "INACTIVE", "lifecycleDetails": None,
                "timeCreated": created, "createdBy": "ocid1.user.oc1..bench", "freeformTags": {}, "definedTags": {},
                "customMetadataList": [], "definedMetadataList": [], "inputSchema": None, "outputSchema": None,
                "modelVersionSetId": None, "modelVersionSetName": None, "versionId": None, "versionLabel": None,
                "category": "USER", "isModelByReference": False, "_etag": "seed"})
        state.db.insert_many(models.KIND, batch)
    state.db.close()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(calls_by_size: dict[int, object], calls: int) -> dict[int, list[float]]:
    """Alternate the catalogs call by call, so load from other processes hits every size alike."""
    for call in calls_by_size.values():
        for _ in range(10):  # warm up connections and caches
            call()
    samples: dict[int, list[float]] = {size: [] for size in calls_by_size}
    for _ in range(calls):
        for size, call in calls_by_size.items():
            start = time.perf_counter()
            call()
            samples[size].append((time.perf_counter() - start) * 1000)
    return samples


def scenarios(ds, db, limit: int, deep_page: str | None) -> dict:
    return {
        "store only (db.list, no HTTP)": lambda: db.list(models.KIND, {"compartmentId": COMPARTMENT}, limit=limit),
        "newest page (default sort)": lambda: ds.list_models(COMPARTMENT, limit=limit),
        "by displayName ASC": lambda: ds.list_models(COMPARTMENT, limit=limit, sort_by="displayName", sort_order="ASC"),
        "filter lifecycleState=ACTIVE": lambda: ds.list_models(COMPARTMENT, limit=limit, lifecycle_state="ACTIVE"),
        "a page deep in the catalog": lambda: ds.list_models(COMPARTMENT, limit=limit, page=deep_page),
    }


def deep_page_token(ds, limit: int, pages: int) -> str | None:
    page = None
    for _ in range(pages):
        page = ds.list_models(COMPARTMENT, limit=limit, page=page).next_page
    return page


def run_catalogs(sizes: list[int], calls: int, plan, prefix: str) -> dict[int, dict[str, list[float]]]:
    """Seed a catalog of each size, serve each, and time every scenario ``plan(size, running, work)`` names."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    running = []
    try:
        plans = {}
        for size in sizes:
            seed(work / str(size), size)
            running.append(start_in_background(EmulatorConfig(home=work / str(size))))
            plans[size] = plan(size, running[-1], work)
        results: dict[int, dict[str, list[float]]] = {size: {} for size in sizes}
        for name in plans[sizes[0]]:
            for size, samples in measure({size: plans[size][name] for size in sizes}, calls).items():
                results[size][name] = samples
        return results
    finally:
        for emulator in running:
            emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    def plan(size: int, running, work: Path) -> dict:
        ds = data_science_client(running.url, work)
        return scenarios(ds, running.state.db, args.limit,
                         deep_page_token(ds, args.limit, max(1, size // args.limit - 2)))

    results = run_catalogs(args.sizes, args.calls, plan, "dockyard-list-")
    print(f"list_models, one page of {args.limit}, {args.calls} calls each (ms); "
          f"each catalog also holds as many models in another compartment")
    header = f"{'scenario':<32}" + "".join(f"{f'{s} p50':>12}{f'{s} p95':>12}" for s in args.sizes)
    print(header)
    for name in next(iter(results.values())):
        row = f"{name:<32}"
        for size in args.sizes:
            samples = results[size][name]
            row += f"{statistics.median(samples):12.2f}{percentile(samples, 0.95):12.2f}"
        print(row)
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        for name in ("newest page (default sort)", "store only (db.list, no HTTP)"):
            ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
            print(f"p50 ratio {large} / {small} models, {name}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
