"""CPU per predict call of the deployments' gateway proxy alone, and where it goes.

The proxy (``GatewayProxy``) runs in this process, routed to a trivial HTTP server in a subprocess
that answers every request at once, and ``wrk`` (Debian's package) drives it: this process's CPU
time divided by the calls answered is the proxy's cost per call, without a model server or the
emulator's API around it. ``--profile`` adds a cProfile of the proxy's event loop thread (the
functions with most time of their own). ``--root DIR`` measures the proxy of another checkout (for
example ``git archive <commit> emulator | tar -x -C DIR``), to compare before and after a change in
the same run. ``--gateway-workers N`` measures the proxy served by N worker processes instead
(``gateway_workers``: the CPU of this process, which records the calls they send back, plus theirs).

Usage: python3 -m benchmarks.gateway_call_cost [--runs 3] [--seconds 5] [--connections 32]
                                               [--profile] [--root DIR] [--gateway-workers N]
"""
from __future__ import annotations

import argparse
import asyncio
import atexit
import cProfile
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A server that answers every request with one small JSON body, as fast as it can.
_UPSTREAM = r'''
import asyncio
BODY = b'{"prediction": [0]}'
ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)

class Answer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            length = 0
            for line in self.buffer[:end].lower().split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(ANSWER)

async def main():
    server = await asyncio.get_running_loop().create_server(Answer, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
'''
_WRK_SCRIPT = ('wrk.method = "POST"\nwrk.body = \'{"data": [[5.1, 3.5, 1.4, 0.2]]}\'\n'
               'wrk.headers["content-type"] = "application/json"\n')
DEPLOYMENT = "ocid1.datasciencemodeldeployment.oc1.iad.bench"


def main() -> None:
    args = _parse()
    sys.path.insert(0, str(args.root or ROOT))
    from emulator.errors import OCIError
    from emulator.model_deployment.balancer import Router
    from emulator.model_deployment.gateway_proxy import GatewayProxy
    from emulator.runtimes import ServerHandle

    upstream = subprocess.Popen([sys.executable, "-c", _UPSTREAM], stdout=subprocess.PIPE, text=True)
    work = Path(tempfile.mkdtemp(prefix="dockyard-gateway-"))
    atexit.register(shutil.rmtree, work, True)  # its emulator homes and logs: hundreds of MB
    script = work / "predict.lua"
    script.write_text(_WRK_SCRIPT)
    try:
        url = f"http://127.0.0.1:{int(upstream.stdout.readline())}/predict"
        router = Router()
        router.set(DEPLOYMENT, "ocid1.compartment.oc1..bench", str(work), [ServerHandle("process", url, url, "1")])
        explain = lambda d: OCIError(404, "NotAuthorizedOrNotFound", d)  # noqa: E731
        if args.gateway_workers > 1:
            from emulator.model_deployment.gateway_workers import GatewayWorkers

            proxy = GatewayWorkers(router, explain, lambda *a: None, 1 << 20, args.gateway_workers)
        else:
            proxy = GatewayProxy(router, explain, None, lambda *a: None, max_payload_bytes=1 << 20)
        target = f"{proxy.start()}/{DEPLOYMENT}/predict"
        pids = proxy.pids() if args.gateway_workers > 1 else []
        _drive(target, script, 2, args.connections, pids)  # warm up: pooled connections, caches
        costs = [_drive(target, script, args.seconds, args.connections, pids) for _ in range(args.runs)]
        for rps, us in costs:
            print(f"{rps:8.0f} req/s   gateway CPU per call {us:6.1f} us")
        print(f"median gateway CPU per call: {statistics.median(us for _, us in costs):.1f} us "
              f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
        if args.profile and args.gateway_workers == 1:
            _profile(proxy, target, script, args)
        proxy.stop()
    finally:
        upstream.kill()


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of the proxy's loop")
    parser.add_argument("--root", type=Path, default=None, help="the checkout whose emulator/ is measured")
    parser.add_argument("--gateway-workers", type=int, default=1, help="worker processes serving the proxy")
    return parser.parse_args()


def _drive(target: str, script: Path, seconds: int, connections: int, workers: list[int]) -> tuple[float, float]:
    """wrk for ``seconds``: (requests/s, CPU microseconds per call of this process and ``workers``)."""
    before = _cpu(workers)
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), target],
                         capture_output=True, text=True, check=True).stdout
    cpu = _cpu(workers) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, cpu / max(rps * seconds, 1) * 1e6


def _cpu(workers: list[int]) -> float:
    """CPU seconds of this process and of the worker processes ``workers`` (from /proc)."""
    own = os.times()
    total = own.user + own.system
    for pid in workers:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _profile(proxy, target: str, script: Path, args: argparse.Namespace) -> None:  # noqa: ANN001
    profiler = cProfile.Profile()
    proxy.loop.call_soon_threadsafe(profiler.enable)
    time.sleep(0.2)
    _drive(target, script, args.seconds, args.connections)
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0), proxy.loop).result(5)
    proxy.loop.call_soon_threadsafe(profiler.disable)
    time.sleep(0.2)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
