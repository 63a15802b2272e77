"""Serving on many cores: requests/s through ``modelDeploymentUrl`` + ``/predict`` as instances are added.

For instance counts 1..min(cores, 12) (process runtime, one gunicorn worker per instance, as one small
VM each; one iris row to a scikit-learn LogisticRegression), the same closed-loop load drives the
deployment's endpoint and, as the peer, one instance's server directly. Printed per row: requests/s,
the ratio to N=1, the efficiency (ratio / N), p50 and p99, and the CPU the gateway (the emulator's
process group: its gateway worker processes included) used, as a share of one core. Once with auth off and once with ``--auth enforce`` (every
call signed; the load is signed once per run and sent as is, which the server accepts within its
5-minute clock skew, so the client's signing cost does not hide the gateway's).

The load is ``wrk`` (Debian's package) when it is on PATH, else a Python client: ``--processes``
processes, each an event loop over raw keep-alive sockets. On a machine with few cores the client,
the gateway and the servers share them: read the efficiency beside the direct figure of the same run.

``--gateway-workers 1,2,auto`` runs the whole scale once per setting of the emulator's
``--gateway-workers`` (1, the default: the emulator's own event loop; N: N worker processes).

Usage: python3 -m benchmarks.serving_scale [--seconds 10] [--connections 64] [--max-instances N]
                                           [--auth off|enforce|both] [--client wrk|python]
                                           [--gateway-workers 1[,N|auto...]]
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.serving_throughput import BODY, _deploy_and_first_predict, _direct_url, _emulator, _saved_model, _warm  # noqa: E402


def main() -> None:
    args = _parse()
    cores = os.cpu_count() or 1
    counts = list(range(1, (args.max_instances or min(cores, 12)) + 1))
    client = args.client or ("wrk" if shutil.which("wrk") else "python")
    work = Path(tempfile.mkdtemp(prefix="dockyard-scale-"))
    atexit.register(shutil.rmtree, work, True)  # its emulator homes and logs: hundreds of MB
    results: dict[str, Any] = {"machine": f"{cores} CPUs, load average {os.getloadavg()[0]:.1f} at start",
                               "client": client, "connections": args.connections, "seconds": args.seconds,
                               "instance_counts": counts}
    modes = ["off", "enforce"] if args.auth == "both" else [args.auth]
    runs = [(mode, workers) for mode in modes for workers in args.gateway_workers.split(",")]
    for mode, workers in runs:
        os.environ["DOCKYARD_GATEWAY_WORKERS"] = workers  # the detached emulator reads it
        with _emulator(work / f"home-{mode}-{workers}", mode) as home:
            model = _saved_model(work / f"{mode}-{workers}")
            signer = None
            if mode == "enforce":
                from toolkit.catalog.session import connect

                signer = connect().profile.signer
            results[_key(mode, workers)] = _scale(model, home, counts, client, signer, args)
    print(json.dumps(results, indent=2))
    for mode, workers in runs:
        print(f"\nauth {mode}, gateway workers {workers} ({results['machine']}; client {client}, "
              f"{args.connections} connections, {args.seconds:.0f} s per row)")
        print(table(results[_key(mode, workers)]))


def _key(mode: str, workers: str) -> str:
    return f"auth_{mode}" if workers == "1" else f"auth_{mode}_gateway_workers_{workers}"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per row")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections of the load")
    parser.add_argument("--max-instances", type=int, default=0, help="largest instance count (default min(cores, 12))")
    parser.add_argument("--auth", choices=("off", "enforce", "both"), default="both")
    parser.add_argument("--client", choices=("wrk", "python"), default=None, help="default: wrk when on PATH")
    parser.add_argument("--processes", type=int, default=0, help="Python client processes (default: cores // 2, at least 1)")
    parser.add_argument("--gateway-workers", default="1",
                        help="the emulator's --gateway-workers, comma-separated to compare (e.g. 1,4,auto)")
    return parser.parse_args()


def _scale(model: Any, home: Path, counts: list[int], client: str, signer: Any,
           args: argparse.Namespace) -> dict[str, Any]:
    """The direct peer (one server of the N=1 deployment), then the endpoint at each instance count."""
    from emulator.runtimes.process import process_group_usage

    emulator_pid = json.loads((home / "emulator.json").read_text())["pid"]
    rows: dict[str, Any] = {}
    for n in counts:
        deployment, _ = _deploy_and_first_predict(model, "process", args, instances=n, workers=1)
        try:
            endpoint = f"{deployment.url}/predict"
            _warm(endpoint, signer)
            if n == 1:
                direct = _direct_url(home, deployment.id)
                _warm(direct, signer)
                rows["direct"] = drive(direct, client, _signed_headers(direct, signer), args)
            before, started = (process_group_usage(emulator_pid) or (0.0, 0))[0], time.perf_counter()
            row = drive(endpoint, client, _signed_headers(endpoint, signer), args)
            used = (process_group_usage(emulator_pid) or (0.0, 0))[0] - before
            row["gateway_cpu_share"] = round(used / (time.perf_counter() - started), 2)
            rows[str(n)] = row
        finally:
            deployment.delete()
    base = rows["1"]["rps"]
    for n in counts:
        row = rows[str(n)]
        row["x_n1"] = round(row["rps"] / base, 2)
        row["efficiency"] = round(row["x_n1"] / n, 2)
    return rows


def table(rows: dict[str, Any]) -> str:
    """The rows as a Markdown table."""
    lines = ["| instances | req/s | x N=1 | efficiency | p50 ms | p99 ms | gateway CPU (of one core) |",
             "|---|---|---|---|---|---|---|"]
    direct = rows["direct"]
    lines.append(f"| direct to one server | {direct['rps']:,.0f} | - | - | {direct['p50_ms']} | {direct['p99_ms']} | - |")
    for name, row in rows.items():
        if name != "direct":
            lines.append(f"| {name} | {row['rps']:,.0f} | {row['x_n1']:.2f} | {row['efficiency']:.2f} | "
                         f"{row['p50_ms']} | {row['p99_ms']} | {row['gateway_cpu_share']:.0%} |")
    return "\n".join(lines)


def _signed_headers(url: str, signer: Any) -> dict[str, str]:
    """The headers of one signed predict call (none without a signer), as the oci SDK's signer sets them."""
    if signer is None:
        return {}
    import requests

    prepared = requests.Request("POST", url, data=BODY, headers={"content-type": "application/json"}).prepare()
    signer(prepared)
    keep = ("date", "authorization", "x-content-sha256")
    return {k: v for k, v in prepared.headers.items() if k.lower() in keep}


def drive(url: str, client: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    return _wrk(url, headers, args) if client == "wrk" else _python_load(url, headers, args)


# ---------------------------------------------------------------------- wrk
_WRK_SCRIPT = 'wrk.method = "POST"\nwrk.body = {body}\nwrk.headers["content-type"] = "application/json"\n'


def _wrk(url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT.format(body=json.dumps(BODY.decode())))
    try:
        threads = max(1, min(4, os.cpu_count() or 1, args.connections))
        command = ["wrk", f"-t{threads}", f"-c{args.connections}", f"-d{args.seconds:.0f}s", "--latency",
                   "-s", script.name, url]
        for name, value in headers.items():
            command[1:1] = ["-H", f"{name}: {value}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"warning: {errors.group(1)} failed calls to {url}", file=sys.stderr)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": _wrk_ms(re.search(r"\n\s+50%\s+(\S+)", out).group(1)),
            "p99_ms": _wrk_ms(re.search(r"\n\s+99%\s+(\S+)", out).group(1)),
            "errors": int(errors.group(1)) if errors else 0}


def _wrk_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 2)


# ---------------------------------------------------------------------- Python client
def _python_load(url: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    """``processes`` processes share ``connections`` keep-alive sockets, each posting back to back."""
    processes = args.processes or max(1, (os.cpu_count() or 1) // 2)
    per = [args.connections // processes + (i < args.connections % processes) for i in range(processes)]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(processes) as pool:
        parts = pool.starmap(_client_process, [(url, headers, c, args.seconds) for c in per if c])
    latencies = sorted(t for part in parts for t in part["latencies"])
    errors = sum(part["errors"] for part in parts)
    if errors:
        print(f"warning: {errors} failed calls to {url}", file=sys.stderr)
    elapsed = max(part["elapsed"] for part in parts)
    return {"rps": round(len(latencies) / elapsed, 1), "errors": errors,
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2)}


def _client_process(url: str, headers: dict[str, str], connections: int, seconds: float) -> dict[str, Any]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_connections(url, headers, connections, seconds))


async def _connections(url: str, headers: dict[str, str], connections: int, seconds: float) -> dict[str, Any]:
    parts = urlsplit(url)
    head = [f"POST {parts.path} HTTP/1.1", f"host: {parts.netloc}", "content-type: application/json",
            f"content-length: {len(BODY)}", *(f"{k}: {v}" for k, v in headers.items())]
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + BODY
    latencies: list[float] = []
    errors = [0]
    started = time.perf_counter()
    deadline = started + seconds

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            writer.write(request)
            if await _read_answer(reader) == 200:
                latencies.append(time.perf_counter() - t0)
            else:
                errors[0] += 1
        writer.close()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return {"latencies": latencies, "errors": errors[0], "elapsed": time.perf_counter() - started}


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (content-length or chunked); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = dict(line.lower().split(b": ", 1) for line in lines[1:] if b": " in line)
    if b"content-length" in fields:
        await reader.readexactly(int(fields[b"content-length"]))
    else:
        while (size := int((await reader.readline()).strip(), 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    return status


if __name__ == "__main__":
    main()
