"""Every (method, rule) the emulator serves, read from its url_map: the signature matrix and the
fuzzer cover what ``emulator_routes()`` returns, so a route added to the emulator cannot escape them.

The console's routes (``console_routes()``) answer browsers in HTML and authenticate by the token
printed at start, not by signatures: tests/console/test_access.py walks every one of them."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass

from emulator.app import create_app
from emulator.config import EmulatorConfig


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


CONSOLE = "console."  # endpoint prefix of the console's blueprint


def emulator_routes() -> list[Route]:
    """Each API route and method (HEAD and OPTIONS left out: Flask answers them from GET and the rule),
    ordered by rule with the DELETEs last."""
    return [r for r in _all_routes() if not r.endpoint.startswith(CONSOLE)]


def console_routes() -> list[Route]:
    """Each route and method of the console."""
    return [r for r in _all_routes() if r.endpoint.startswith(CONSOLE)]


def _all_routes() -> list[Route]:
    with tempfile.TemporaryDirectory() as home:
        app = create_app(EmulatorConfig(home=home))
        routes = [Route(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
        app.extensions["dockyard"].run_shutdown()
    return sorted(routes, key=lambda r: (r.method == "DELETE", r.rule, r.method))
