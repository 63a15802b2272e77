"""Save and load of a large model artifact through the real ``oci`` SDK against a detached
emulator, compared with a plain file copy on the same disk; and the emulator's peak RSS, which
must stay flat (artifacts are streamed, never held in memory).

    python3 benchmarks/catalog_artifact_throughput.py [--size-mib 1024] [--dir DIR]

Prints MB/s for: plain copy (the disk's ceiling for write-after-read), MD5 and SHA-256 on one core
(the physical limit of a save is the slower of the copy and MD5, since the content-md5 OCI returns
must be computed), SDK save (create_model_artifact given a plain file object: the SDK's urllib3
reads and sends it 16 KiB at a time), the toolkit's save (``toolkit.catalog.transfer.upload_artifact``,
what ``model.save()`` runs: the same SDK call, fed large pieces), SDK load
(get_model_artifact_content streamed to a file), and the emulator process's RSS before, peak
(VmHWM) and after. Every save and load runs alternately, so a busy moment of a shared machine
falls on each side alike.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _catalog_common import COMPARTMENT, data_science_client

import oci

from emulator import daemon
from emulator.config import EmulatorConfig
from emulator.contracts.limits import ARTIFACT_BYTES
from toolkit.catalog.transfer import upload_artifact

MIB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    """``size`` bytes of incompressible data, written in 16 MiB blocks."""
    block = os.urandom(16 * MIB)
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            chunk = block[: min(remaining, len(block))]
            out.write(chunk)
            remaining -= len(chunk)
        out.flush()
        os.fsync(out.fileno())


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """Samples a process's RSS every 20 ms; ``peak`` is the largest sample (cross-checks VmHWM)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def timed(label: str, size: int, action, repeat: int) -> float:
    """Run ``action(i)`` ``repeat`` times; print every run and the median rate (the disk is shared)."""
    rates = []
    for index in range(repeat):
        start = time.perf_counter()
        action(index)
        seconds = time.perf_counter() - start
        rates.append(size / MIB / seconds)
        print(f"  {label:<42} run {index + 1}: {seconds:7.2f} s {rates[-1]:8.1f} MB/s")
    rate = statistics.median(rates)
    print(f"{label:<44} median {rate:8.1f} MB/s")
    return rate


def timed_alternating(size: int, repeat: int, actions: list[tuple[str, Any]], server_pid: int) -> list[float]:
    """Like :func:`timed` for several actions, run in turn round by round; their median rates, and the
    CPU seconds per GiB of this client and of the emulator (what a busy shared machine changes least)."""
    rates: list[list[float]] = [[] for _ in actions]
    cpu: list[list[tuple[float, float]]] = [[] for _ in actions]
    for index in range(repeat):
        for (label, action), runs, used in zip(actions, rates, cpu):
            client, server = _cpu_seconds(), _cpu_seconds(server_pid)
            start = time.perf_counter()
            action(index)
            seconds = time.perf_counter() - start
            runs.append(size / MIB / seconds)
            used.append(((_cpu_seconds() - client) * 1024 * MIB / size, (_cpu_seconds(server_pid) - server) * 1024 * MIB / size))
            print(f"  {label:<46} run {index + 1}: {seconds:7.2f} s {runs[-1]:8.1f} MB/s")
    for (label, _), runs, used in zip(actions, rates, cpu):
        print(f"{label:<48} median {statistics.median(runs):8.1f} MB/s   CPU per GiB: client "
              f"{statistics.median(c for c, _ in used):.2f} s, emulator {statistics.median(s for _, s in used):.2f} s")
    return [statistics.median(runs) for runs in rates]


def _cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process (or of ``pid``, all its threads)."""
    if pid is None:
        own = os.times()
        return own.user + own.system
    fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def plain_copy(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def digest_file(path: Path, digest) -> str:
    with open(path, "rb") as handle:
        while chunk := handle.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * MIB
    work = Path(tempfile.mkdtemp(prefix="dockyard-bench-", dir=args.dir))
    home = work / "home"
    try:
        source = work / "artifact.zip"
        print(f"artifact: {size / MIB:.0f} MiB of random bytes, work dir {work}")
        make_file(source, size)

        copy_rate = timed("plain copy (copyfile + fsync)", size,
                          lambda i: plain_copy(source, work / f"copy{i}.zip"), args.repeat)
        for index in range(args.repeat):
            (work / f"copy{index}.zip").unlink()
        md5_rate = timed("MD5 on one core (the content-md5 OCI returns)", size,
                         lambda i: digest_file(source, hashlib.md5(usedforsecurity=False)), args.repeat)
        timed("SHA-256 on one core", size, lambda i: digest_file(source, hashlib.sha256()), args.repeat)
        limit = min(copy_rate, md5_rate)
        print(f"physical limit (the slower of copy and MD5): {limit:8.1f} MB/s")

        url = daemon.start_detached(EmulatorConfig(home=home, max_artifact_bytes=max(ARTIFACT_BYTES, size + MIB)))
        pid = int(daemon.status(home)["pid"])
        ds = data_science_client(url, work)
        models = oci.data_science.models
        project = ds.create_project(models.CreateProjectDetails(compartment_id=COMPARTMENT)).data
        ids = [ds.create_model(models.CreateModelDetails(compartment_id=COMPARTMENT, project_id=project.id)).data.id
               for _ in range(2 * args.repeat)]
        rss_before = rss_kib(pid)
        sampler = RssSampler(pid)
        sampler.start()

        def save(index: int) -> None:
            with open(source, "rb") as handle:
                ds.create_model_artifact(ids[index], handle, content_length=size,
                                         content_disposition=f'attachment; filename="{ids[index]}.zip"')

        def toolkit_save(index: int) -> None:
            upload_artifact(ds, ids[args.repeat + index], source, show_progress=False)

        def load(index: int) -> None:
            response = ds.get_model_artifact_content(ids[index])
            with open(work / "loaded.zip", "wb") as out:
                for chunk in response.data.raw.stream(MIB, decode_content=False):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())

        save_rate, toolkit_rate, load_rate = timed_alternating(size, args.repeat, [
            ("SDK save: create_model_artifact(file object)", save),
            ("toolkit save: transfer.upload_artifact", toolkit_save),
            ("SDK load: get_model_artifact_content", load)], pid)
        sampler.stop()
        assert (work / "loaded.zip").stat().st_size == size
        peak = max(sampler.peak, rss_kib(pid, "VmHWM"))
        print(f"toolkit save / physical limit: {toolkit_rate / limit:5.2f}x (goal >= 0.9)    "
              f"SDK save (file object) / physical limit: {save_rate / limit:5.2f}x    "
              f"toolkit save / plain copy: {toolkit_rate / copy_rate:5.2f}x    load / plain copy: "
              f"{load_rate / copy_rate:5.2f}x")
        print(f"emulator RSS: before {rss_before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB "
              f"(VmHWM), after {rss_kib(pid) / 1024:.1f} MiB; artifact {size / MIB:.0f} MiB")
        client_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"benchmark client peak RSS: {client_peak:.1f} MiB")
    finally:
        daemon.stop(home)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
