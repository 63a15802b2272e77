"""Latency of the console's models page (server-rendered HTML, 50 rows) for a catalog of 1 000 and
of 10 000 models, beside the REST list of the same page size through the ``oci`` SDK (the peer):
neither may grow with the catalog, since both read one keyset page of the store.

    python3 benchmarks/console_page_latency.py [--sizes 1000 10000] [--calls 100]

Seeding and measuring as in catalog_list_latency.py (same seed, alternating catalogs call by call).
"""
from __future__ import annotations

import argparse
import re
import statistics
from html import unescape
from pathlib import Path

import requests
from _catalog_common import COMPARTMENT, data_science_client
from catalog_list_latency import percentile, run_catalogs

ROWS = 50


def deep_link(session: requests.Session, url: str, pages: int) -> str:
    """The console's link to a page ``pages`` pages in, by following its Next links."""
    path = f"/console/models?compartmentId={COMPARTMENT}&limit={ROWS}"
    for _ in range(pages):
        path = unescape(re.search(r'<a rel="next" href="([^"]+)"', session.get(url + path).text).group(1))
    return url + path


def scenarios(url: str, ds, deep: str) -> dict:
    session = requests.Session()

    def page(target: str) -> None:
        assert session.get(target).status_code == 200

    return {
        "console: newest page": lambda: page(f"{url}/console/models?compartmentId={COMPARTMENT}&limit={ROWS}"),
        "console: by name prefix": lambda: page(f"{url}/console/models?compartmentId={COMPARTMENT}&limit={ROWS}&name=model-0001"),
        "console: a page deep in": lambda: page(deep),
        "REST list_models (peer)": lambda: ds.list_models(COMPARTMENT, limit=ROWS),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    def plan(size: int, running, work: Path) -> dict:
        return scenarios(running.url, data_science_client(running.url, work),
                         deep_link(requests.Session(), running.url, max(1, size // ROWS - 2)))

    results = run_catalogs(args.sizes, args.calls, plan, "dockyard-console-")
    print(f"one page of {ROWS} models, {args.calls} calls each (ms)")
    print(f"{'scenario':<28}" + "".join(f"{f'{s} p50':>12}{f'{s} p95':>12}" for s in args.sizes))
    for name in next(iter(results.values())):
        print(f"{name:<28}" + "".join(f"{statistics.median(results[s][name]):12.2f}{percentile(results[s][name], 0.95):12.2f}"
                                      for s in args.sizes))
    if len(args.sizes) >= 2:
        small, large = args.sizes[0], args.sizes[-1]
        for name in ("console: newest page", "console: a page deep in", "REST list_models (peer)"):
            ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
            print(f"p50 ratio {large} / {small} models, {name}: {ratio:.2f}x")


if __name__ == "__main__":
    main()
