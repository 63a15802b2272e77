"""Snapshot save and restore of a catalog of 1 000 models with 1 GiB of artifacts, beside a plain
``tar`` of the same home (the floor: copying the bytes, with no consistency or checking).

    python3 benchmarks/snapshot.py [--models 1000] [--total-mib 1024] [--workers 4]

The catalog is built through the real ``oci`` SDK over HTTP (each model with its own random artifact,
so nothing deduplicates). Measured, with the emulator serving:

- ``save``: ``emulator.snapshots.save`` while it serves (online backup, blob links, the tar written);
- ``restore, fresh home``: into a second emulator, serving, on an empty home;
- ``restore, same emulator``: the test-fixture case, a reset plus a restore of the emulator that saved it;
- ``tar cf`` / ``tar xf``: GNU tar of the whole home (emulator stopped for neither: a plain copy).

Each figure is one run (the page cache warm from the build); sizes are on-disk bytes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _catalog_common import COMPARTMENT, data_science_client
from oci.data_science.models import CreateModelDetails, CreateProjectDetails

from emulator.config import EmulatorConfig
from emulator.server import start_in_background
from emulator.snapshots import restore, save


def build_catalog(client, models: int, artifact_bytes: int, workers: int) -> None:
    project = client.create_project(CreateProjectDetails(compartment_id=COMPARTMENT, display_name="bench")).data.id

    def one(index: int) -> None:
        model = client.create_model(CreateModelDetails(compartment_id=COMPARTMENT, project_id=project,
                                                       display_name=f"model-{index:05d}")).data
        client.create_model_artifact(model.id, os.urandom(artifact_bytes),
                                     content_disposition=f'attachment; filename="model-{index}.zip"')

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(models)))


def timed(label: str, action, results: list[tuple[str, float]]) -> None:
    start = time.perf_counter()
    action()
    results.append((label, time.perf_counter() - start))


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--total-mib", type=float, default=1024.0, help="artifact bytes of the whole catalog")
    parser.add_argument("--workers", type=int, default=4, help="threads building the catalog")
    args = parser.parse_args()
    artifact_bytes = int(args.total_mib * 1024 * 1024 / args.models)
    workdir = Path(tempfile.mkdtemp(prefix="dockyard-snapshot-bench-"))
    try:
        run(workdir, args.models, artifact_bytes, args.workers)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, models: int, artifact_bytes: int, workers: int) -> None:
    source_home, fresh_home = workdir / "source", workdir / "fresh"
    source = start_in_background(EmulatorConfig(home=source_home))
    fresh = start_in_background(EmulatorConfig(home=fresh_home))
    results: list[tuple[str, float]] = []
    try:
        client = data_science_client(source.url, workdir)
        started = time.perf_counter()
        build_catalog(client, models, artifact_bytes, workers)
        print(f"catalog: {models} models x {artifact_bytes} bytes of artifact = {models * artifact_bytes / 2**30:.3f} GiB "
              f"(built over HTTP in {time.perf_counter() - started:.1f} s); home {tree_bytes(source_home) / 2**30:.3f} GiB")
        snapshot, plain = workdir / "snapshot.tar", workdir / "plain.tar"
        timed("save (serving)", lambda: save(source.state, snapshot), results)
        timed("restore, fresh home (serving)", lambda: restore(fresh.state, snapshot), results)
        timed("restore, same emulator (reset + restore)", lambda: restore(source.state, snapshot), results)
        timed("tar cf of the home", lambda: subprocess.run(["tar", "cf", str(plain), "-C", str(source_home), "."],
                                                            check=True), results)
        untar_dir = workdir / "untarred"
        untar_dir.mkdir()
        timed("tar xf into an empty dir", lambda: subprocess.run(["tar", "xf", str(plain), "-C", str(untar_dir)],
                                                                 check=True), results)
        assert fresh.state.db.count("model") == models, "the restore lost models"
    finally:
        source.stop()
        fresh.stop()
    print(f"snapshot file {snapshot.stat().st_size / 2**30:.3f} GiB; plain tar {plain.stat().st_size / 2**30:.3f} GiB")
    width = max(len(label) for label, _ in results)
    for label, seconds in results:
        print(f"  {label:<{width}}  {seconds:7.2f} s")


if __name__ == "__main__":
    main()
