"""Which instance serves a predict call: the routing table of the ACTIVE deployments.

One table per emulator, shared by both gateway fronts (the asyncio endpoint server behind
``modelDeploymentUrl`` and the Flask route on the API port) and written by the deployment service
(instances started, stopped, ejected, added or removed by autoscaling). The balancing policy lives
here once: the healthy instance with the fewest calls in flight, round robin among equals. An
instance that refuses a connection is ejected at once and gets no traffic until a health check
finds it answering again.

Reads take no lock: a route's instances are an immutable tuple swapped whole, so the hot path of
every predict is a dict lookup and a scan of a few instances.
"""
from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

from emulator.runtimes import ServerHandle

# The gateway paths OCI serves under a deployment's URL; both reach the instance's predict endpoint.
PREDICT = "predict"
PREDICT_STREAM = "predictWithResponseStream"
GATEWAY_ACTIONS = (PREDICT, PREDICT_STREAM)
# Request headers a gateway does not pass on: hop-by-hop ones, the framing it sets itself, and the
# caller's credentials (the model server is the user's code). Everything else goes through (``route``,
# ``accept``, ``model-name``...), as OCI's load balancer passes it.
DROPPED_REQUEST_HEADERS = frozenset({"connection", "keep-alive", "proxy-connection", "te", "trailer",
                                     "transfer-encoding", "upgrade", "host", "content-length", "expect",
                                     "authorization", "proxy-authorization"})

ROUTE_HEADER = "route"
OUTCOMES_KEPT = 20_000  # calls a route remembers between two reads of the metrics recorder (once a second)
_ROUTE_MAX = 256


class BadRoute(ValueError):
    """A ``route`` header that is not a path of the model server (a 400 for the caller)."""


def route_path(route: str | None) -> str | None:
    """The server path a call's ``route`` header names (None without one); a call goes there instead
    of the deployment's predict endpoint (``/predict``, or a BYOC container's
    ``MODEL_DEPLOY_PREDICT_ENDPOINT``). That header is how OCI's LLM clients reach the other routes of
    one server (LangChain's and AQUA's ``route: /v1/chat/completions`` on a vLLM container whose
    predict endpoint is ``/v1/completions``); it is passed on too, for servers that read it."""
    if route is None or route == "":
        return None
    if (len(route) > _ROUTE_MAX or not route.startswith("/") or route.startswith("//")
            or any(c.isspace() or not c.isprintable() or c in "?#\\" for c in route) or "/../" in route + "/"):
        raise BadRoute(f"the route header must be a path of the model server such as /v1/chat/completions "
                       f"(no query, at most {_ROUTE_MAX} characters), not {route[:80]!r}")
    return route


@dataclass(eq=False)
class Instance:
    """One running server of a deployment, with the state balancing needs."""

    handle: ServerHandle
    host: str = ""
    port: int = 0
    predict_path: str = "/predict"
    inflight: int = 0
    ejected: bool = False
    reason: str = ""  # why it was ejected, for the logs

    def __post_init__(self) -> None:
        parts = urlsplit(self.handle.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.predict_path = parts.path or "/predict"

    @property
    def ref(self) -> str:
        return self.handle.ref


@dataclass
class Route:
    """A deployment's place in the table: its compartment (for the access check), its instances
    and its log directory (for the access log)."""

    deployment_id: str
    compartment_id: str
    log_dir: str
    instances: tuple[Instance, ...] = ()
    calls: int = 0  # predict calls answered, and their summed latency: the metrics autoscaling reads
    latency_ms: float = 0.0
    # (latency ms, HTTP status) of each call since the metrics recorder last drained them (bounded:
    # past OUTCOMES_KEPT calls a second, the oldest go; the counts above stay exact)
    outcomes: deque = field(default_factory=lambda: deque(maxlen=OUTCOMES_KEPT), repr=False)
    _turn: itertools.count = field(default_factory=itertools.count, repr=False)

    def record_call(self, latency_ms: float, status: int = 200) -> None:
        self.calls += 1
        self.latency_ms += latency_ms
        self.outcomes.append((latency_ms, status))

    def pick(self, tried: Iterable[Instance] = ()) -> Instance | None:
        """The healthy instance with the fewest calls in flight (round robin among equals), not one
        of ``tried``; None when no instance is left."""
        candidates = [i for i in self.instances if not i.ejected and i not in tried]
        if not candidates:
            return None
        start = next(self._turn) % len(candidates)
        best = None
        for offset in range(len(candidates)):
            instance = candidates[(start + offset) % len(candidates)]
            if best is None or instance.inflight < best.inflight:
                best = instance
        return best

    def healthy(self) -> list[Instance]:
        return [i for i in self.instances if not i.ejected]


class Router:
    """The routing table: deployment OCID -> :class:`Route`."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()

    def get(self, deployment_id: str) -> Route | None:
        return self._routes.get(deployment_id)

    def set(self, deployment_id: str, compartment_id: str, log_dir: str, handles: Iterable[ServerHandle]) -> Route:
        """Route the deployment to exactly ``handles`` (instances kept when their handle is unchanged)."""
        with self._lock:
            old = self._routes.get(deployment_id)
            known = {i.ref: i for i in (old.instances if old else ())}
            instances = tuple(known.get(h.ref) or Instance(h) for h in handles)
            route = old or Route(deployment_id, compartment_id, log_dir)
            route.compartment_id, route.log_dir, route.instances = compartment_id, log_dir, instances
            self._routes[deployment_id] = route
            return route

    def move(self, deployment_id: str, compartment_id: str) -> None:
        """The deployment moved to another compartment: predict calls are checked against that one."""
        with self._lock:
            route = self._routes.get(deployment_id)
            if route is not None:
                route.compartment_id = compartment_id

    def add(self, deployment_id: str, handle: ServerHandle) -> None:
        with self._lock:
            route = self._routes[deployment_id]
            route.instances = (*route.instances, Instance(handle))

    def remove(self, deployment_id: str, ref: str) -> Instance | None:
        """Take one instance out of rotation (calls in flight finish); returns it."""
        with self._lock:
            route = self._routes.get(deployment_id)
            if route is None:
                return None
            gone = next((i for i in route.instances if i.ref == ref), None)
            route.instances = tuple(i for i in route.instances if i.ref != ref)
            return gone

    def drop(self, deployment_id: str) -> Route | None:
        with self._lock:
            return self._routes.pop(deployment_id, None)

    def clear(self) -> None:
        with self._lock:
            self._routes.clear()

    def routes(self) -> list[Route]:
        """Every route now in the table (a copy: the table may change while the caller reads)."""
        return list(self._routes.values())

    def handles(self, deployment_id: str) -> list[ServerHandle]:
        route = self._routes.get(deployment_id)
        return [i.handle for i in route.instances] if route else []


def eject(instance: Instance, reason: str) -> bool:
    """Stop sending calls to ``instance``; True when it was in rotation until now."""
    was_in = not instance.ejected
    instance.ejected, instance.reason = True, reason
    return was_in


def restore(instance: Instance) -> bool:
    """Put an ejected instance back in rotation (its health check answers again); True when it was out."""
    was_out = instance.ejected
    instance.ejected, instance.reason = False, ""
    return was_out
