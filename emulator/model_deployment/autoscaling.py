"""The AUTOSCALING scaling policy, as OCI's threshold-based policy works, run for real.

A policy (``scalingPolicy`` of ``policyType`` AUTOSCALING, the ``oci`` SDK's ``AutoScalingPolicy``)
holds THRESHOLD policies (``ThresholdBasedAutoScalingPolicyDetails``) with minimum, maximum and
initial instance counts and metric rules:

- PREDEFINED_EXPRESSION rules on ``CPU_UTILIZATION`` or ``MEMORY_UTILIZATION``: scale out by
  ``instanceCountAdjustment`` when the mean over the instances is above the scale-out
  ``threshold`` (percent), in when below the scale-in one;
- CUSTOM_EXPRESSION rules with an MQL ``query`` over the deployment's metrics, in the form OCI's
  documentation shows: ``Metric[1m]{resourceId = "MODEL_DEPLOYMENT_OCID"}.grouping().mean() > 65``,
  several joined with ``&&`` or ``||``. Metrics: ``CpuUtilization``, ``MemoryUtilization`` (percent),
  ``PredictRequestCount`` (calls through the gateway), ``PredictLatency`` (ms); the query is read and
  its statistic computed by the one MQL implementation the Monitoring API uses (``emulator.monitoring.mql``).

A condition must hold for its ``pendingDuration`` (ISO 8601, OCI's PT3M to PT1H) before the
deployment is scaled, and after a scaling action nothing happens for ``coolDownInSeconds`` (OCI's
minimum and default: 300). Each action is a MODEL_DEPLOYMENT_UPDATE work request whose log says
what was measured, and shows in the deployment's deploy log and its ``currentInstanceCount``.

Minutes are long for a test suite: ``EmulatorConfig.autoscaling_time_scale``
(``DOCKYARD_AUTOSCALING_TIME_SCALE``) shrinks every duration of the policy (0.01: PT3M lasts 1.8 s),
so records keep OCI's valid values while tests run in seconds.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from emulator.contracts.deployments import DEFAULT_INSTANCE_COUNT
from emulator.data_science import work_requests as wr
from emulator.errors import invalid
from emulator.model_deployment import configuration, metrics
from emulator.model_deployment.balancer import Router
from emulator.model_deployment.work_log import OperationLog, open_work_request
from emulator.monitoring import mql
from emulator.runtimes import ServerHandle
from emulator.state import EmulatorState
from emulator.store import kinds

log = logging.getLogger(__name__)

FIXED_SIZE = "FIXED_SIZE"
AUTOSCALING = "AUTOSCALING"
PREDEFINED = "PREDEFINED_EXPRESSION"
CUSTOM = "CUSTOM_EXPRESSION"
METRIC_TYPES = {"CPU_UTILIZATION": "CpuUtilization", "MEMORY_UTILIZATION": "MemoryUtilization"}
MIN_PENDING, MAX_PENDING, DEFAULT_PENDING = 180, 3600, 180  # seconds: OCI's PT3M..PT1H, default PT3M
MIN_COOL_DOWN = DEFAULT_COOL_DOWN = 300
MAX_INSTANCES = 20  # an emulator on one machine; OCI's own limits are per tenancy
_WINDOW = 60.0  # seconds a predefined rule averages over (OCI evaluates its alarms on 1-minute data)
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")
QUERY_METRICS = ("CpuUtilization", "MemoryUtilization", "PredictRequestCount", "PredictLatency")


# ------------------------------------------------------------------ the policy: counts and validation
def scaling_policy(record: dict[str, Any]) -> dict[str, Any]:
    return configuration.infrastructure(record).get("scalingPolicy") or {"policyType": FIXED_SIZE, "instanceCount": DEFAULT_INSTANCE_COUNT}


def initial_count(record: dict[str, Any]) -> int:
    """How many instances a deployment starts with: FIXED_SIZE's count, AUTOSCALING's initial one."""
    policy = scaling_policy(record)
    if policy.get("policyType") == AUTOSCALING:
        threshold = _threshold_policy(policy)
        return int(threshold.get("initialInstanceCount") or threshold["minimumInstanceCount"])
    return int(policy.get("instanceCount") or DEFAULT_INSTANCE_COUNT)


def validate(policy: Any) -> dict[str, Any]:
    """Check a ``scalingPolicy`` as OCI does (400 InvalidParameter naming the field) and fill defaults."""
    if not isinstance(policy, dict):
        raise invalid("scalingPolicy must be an object.")
    kind = policy.get("policyType")
    if kind == FIXED_SIZE:
        count = policy.get("instanceCount", DEFAULT_INSTANCE_COUNT)
        _count(count, "scalingPolicy.instanceCount")
        return {**policy, "instanceCount": count}
    if kind != AUTOSCALING:
        raise invalid("scalingPolicy.policyType must be FIXED_SIZE or AUTOSCALING.")
    cool = policy.get("coolDownInSeconds", DEFAULT_COOL_DOWN)
    if not _is_int(cool) or cool < MIN_COOL_DOWN:
        raise invalid(f"scalingPolicy.coolDownInSeconds must be an integer of at least {MIN_COOL_DOWN}.")
    if not isinstance(policy.get("isEnabled", True), bool):
        raise invalid("scalingPolicy.isEnabled must be a boolean.")
    details = policy.get("autoScalingPolicies")
    if not isinstance(details, list) or len(details) != 1:
        raise invalid("scalingPolicy.autoScalingPolicies must hold exactly one THRESHOLD policy.")
    _validate_threshold(details[0])
    return {**policy, "coolDownInSeconds": cool, "isEnabled": policy.get("isEnabled", True)}


def _validate_threshold(details: Any) -> None:
    where = "scalingPolicy.autoScalingPolicies[0]"
    if not isinstance(details, dict) or details.get("autoScalingPolicyType") != "THRESHOLD":
        raise invalid(f"{where}.autoScalingPolicyType must be THRESHOLD.")
    low = _count(details.get("minimumInstanceCount"), f"{where}.minimumInstanceCount")
    high = _count(details.get("maximumInstanceCount"), f"{where}.maximumInstanceCount")
    first = details.get("initialInstanceCount", low)
    _count(first, f"{where}.initialInstanceCount")
    if not low <= first <= high:
        raise invalid(f"{where}: minimumInstanceCount <= initialInstanceCount <= maximumInstanceCount must hold "
                      f"(got {low}, {first}, {high}).")
    rules = details.get("rules")
    if not isinstance(rules, list) or not rules:
        raise invalid(f"{where}.rules must be a non-empty list.")
    for n, rule in enumerate(rules):
        _validate_rule(rule, f"{where}.rules[{n}]")


def _validate_rule(rule: Any, where: str) -> None:
    if not isinstance(rule, dict) or rule.get("metricExpressionRuleType") not in (PREDEFINED, CUSTOM):
        raise invalid(f"{where}.metricExpressionRuleType must be {PREDEFINED} or {CUSTOM}.")
    if rule["metricExpressionRuleType"] == PREDEFINED and rule.get("metricType") not in METRIC_TYPES:
        raise invalid(f"{where}.metricType must be one of {sorted(METRIC_TYPES)}.")
    for side in ("scaleInConfiguration", "scaleOutConfiguration"):
        config = rule.get(side)
        if not isinstance(config, dict):
            raise invalid(f"{where}.{side} is required.")
        pending_seconds(config.get("pendingDuration"), f"{where}.{side}.pendingDuration")
        adjust = config.get("instanceCountAdjustment", 1)
        if not _is_int(adjust) or adjust < 1:
            raise invalid(f"{where}.{side}.instanceCountAdjustment must be a positive integer.")
        if rule["metricExpressionRuleType"] == PREDEFINED:
            if not _is_int(config.get("threshold")) or not 0 <= config["threshold"] <= 100:
                raise invalid(f"{where}.{side}.threshold must be an integer percentage (0-100).")
        else:
            parse_query(config.get("query"), f"{where}.{side}.query")


def pending_seconds(value: Any, where: str = "pendingDuration") -> int:
    """``PT3M`` -> 180; OCI's range PT3M..PT1H, PT3M when not given."""
    if value is None:
        return DEFAULT_PENDING
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise invalid(f"{where} must be an ISO 8601 duration such as PT5M.")
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not MIN_PENDING <= total <= MAX_PENDING:
        raise invalid(f"{where} must be between PT3M and PT1H.")
    return total


def parse_query(query: Any, where: str = "query") -> list[list[mql.Query]]:
    """A rule's MQL query as alternatives (``||``) of conjunctions (``&&``) of conditions, over the
    metrics the autoscaler samples."""
    alternatives = mql.parse_rule(query, where)
    for conjunction in alternatives:
        for condition in conjunction:
            if condition.metric not in QUERY_METRICS:
                raise invalid(f"{where}: the metric {condition.metric!r} is not one autoscaling reads; use one of "
                              f"{', '.join(QUERY_METRICS)}.")
    return alternatives


def _threshold_policy(policy: dict[str, Any]) -> dict[str, Any]:
    return (policy.get("autoScalingPolicies") or [{}])[0]


def _count(value: Any, where: str) -> int:
    if not _is_int(value) or not 1 <= value <= MAX_INSTANCES:
        raise invalid(f"{where} must be an integer from 1 to {MAX_INSTANCES}.")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ------------------------------------------------------------------ the scaler
class ScaledService(Protocol):
    """What the autoscaler uses of the deployment service (``service.DeploymentService``), public
    methods only: the autoscaler never imports the service, so neither depends on the other's insides."""

    state: EmulatorState
    router: Router

    def get(self, deployment_id: str) -> dict[str, Any]: ...

    def spawn(self, target: Callable[..., None], args: tuple, name: str) -> None: ...

    def scale_to(self, deployment_id: str, target: int, why: str, sink: OperationLog) -> tuple[int, int]: ...

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None: ...

    def log_of(self, wr_id: str | None, deployment_id: str) -> OperationLog: ...


@dataclass
class _Tracked:
    policy: dict[str, Any]
    last_action: float
    samples: deque = field(default_factory=lambda: deque(maxlen=4000))  # (time, {metric: value})
    since: dict[tuple[int, str], float] = field(default_factory=dict)  # (rule, "out"/"in") -> breach start
    busy: bool = False


class Autoscaler:
    """Samples every autoscaled deployment's metrics once a second (the service's monitor calls
    :meth:`tick`) and scales it when a rule has held for its pending duration."""

    def __init__(self, service: ScaledService) -> None:
        self.service = service
        self._tracked: dict[str, _Tracked] = {}
        self._lock = threading.Lock()
        self._meter = metrics.Meter()

    @property
    def scale(self) -> float:
        return float(getattr(self.service.state.config, "autoscaling_time_scale", 1.0) or 1.0)

    def track(self, record: dict[str, Any]) -> None:
        """Start watching an ACTIVE deployment whose policy is AUTOSCALING and enabled; the cool-down
        starts now, as OCI's starts when the deployment becomes ACTIVE."""
        policy = scaling_policy(record)
        with self._lock:
            if policy.get("policyType") == AUTOSCALING and policy.get("isEnabled", True):
                self._tracked[record["id"]] = _Tracked(policy, time.monotonic())
            else:
                self._tracked.pop(record["id"], None)

    def forget(self, deployment_id: str) -> None:
        with self._lock:
            self._tracked.pop(deployment_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._tracked.clear()

    def tick(self) -> None:
        with self._lock:
            tracked = list(self._tracked.items())
        for deployment_id, state in tracked:
            route = self.service.router.get(deployment_id)
            if route is None or state.busy:
                continue
            now = time.monotonic()
            record = self.service.state.db.get(kinds.MODEL_DEPLOYMENT, deployment_id) or {}
            state.samples.append((now, self._meter.sample(record, route, self.service.usage)))
            decision = self._decide(deployment_id, state, len(route.instances), now)
            if decision is not None:
                state.busy = True
                self.service.spawn(self._act, (deployment_id, state, *decision), f"autoscale-{deployment_id[-8:]}")

    def _decide(self, deployment_id: str, state: _Tracked, current: int, now: float) -> tuple[int, str] | None:
        """(target count, why) once a rule's condition has held for its pending duration, outside the
        cool-down; None otherwise. Scaling out wins over scaling in."""
        threshold = _threshold_policy(state.policy)
        low, high = threshold["minimumInstanceCount"], threshold["maximumInstanceCount"]
        cooling = now - state.last_action < state.policy.get("coolDownInSeconds", DEFAULT_COOL_DOWN) * self.scale
        for direction in ("out", "in"):
            for n, rule in enumerate(threshold.get("rules") or []):
                config = rule["scaleOutConfiguration" if direction == "out" else "scaleInConfiguration"]
                met, observed = self._condition(rule, config, direction, state, now)
                key = (n, direction)
                if not met:
                    state.since.pop(key, None)
                    continue
                started = state.since.setdefault(key, now)
                if cooling or now - started < pending_seconds(config.get("pendingDuration")) * self.scale:
                    continue
                step = int(config.get("instanceCountAdjustment", 1))
                target = min(high, current + step) if direction == "out" else max(low, current - step)
                if target != current:
                    return target, f"scale-{direction} rule {n}: {observed}"
        return None

    def _condition(self, rule: dict[str, Any], config: dict[str, Any], direction: str, state: _Tracked,
                   now: float) -> tuple[bool, str]:
        if rule["metricExpressionRuleType"] == PREDEFINED:
            metric = METRIC_TYPES[rule["metricType"]]
            value = _aggregate(state.samples, mql.Query(metric, int(_WINDOW)), _WINDOW * self.scale, now)
            limit = config["threshold"]
            met = value is not None and (value > limit if direction == "out" else value < limit)
            return met, f"{rule['metricType']} {_fmt(value)}% {'>' if direction == 'out' else '<'} {limit}%"
        for conjunction in parse_query(config["query"]):
            values = [(c, _aggregate(state.samples, c, c.interval * self.scale, now)) for c in conjunction]
            if all(c.holds(v) for c, v in values):
                return True, " && ".join(c.describe(_fmt(v)) for c, v in values)
        return False, ""

    def _act(self, deployment_id: str, state: _Tracked, target: int, why: str) -> None:
        """One scaling action, as a MODEL_DEPLOYMENT_UPDATE work request with its log."""
        service = self.service
        db = service.state.db
        try:
            record = service.get(deployment_id)
            work = open_work_request(service.state, "MODEL_DEPLOYMENT_UPDATE", record, "UPDATED")
            sink = service.log_of(work["id"], deployment_id)
            wr.start(db, work["id"], f"autoscaling {deployment_id}: {why}")
            try:
                before, after = service.scale_to(deployment_id, target, f"autoscaling, {why}", sink)
            except Exception as exc:  # noqa: BLE001 - the deployment keeps its instances; say why
                wr.fail(db, work["id"], "AutoscalingFailed", str(getattr(exc, "message", exc)))
                return
            wr.succeed(db, work["id"], f"autoscaling: {before} -> {after} instance(s) ({why})")
        except Exception:  # noqa: BLE001 - the deployment may have been deleted meanwhile
            log.exception("autoscaling %s failed", deployment_id)
        finally:
            state.last_action = time.monotonic()  # the cool-down starts once the deployment is ACTIVE again
            state.since.clear()
            state.samples.clear()
            state.busy = False


def _aggregate(samples: deque, query: mql.Query, window: float, now: float) -> float | None:
    """The query's statistic over the samples of the last ``window`` seconds (the query's interval,
    time-scaled); no calls at all is a count of 0, as OCI's alarms treat a quiet deployment."""
    values = [sample[query.metric] for t, sample in samples if now - t <= window and sample.get(query.metric) is not None]
    if not values:
        quiet = query.metric == "PredictRequestCount" and query.statistic in ("sum", "count", "rate")
        return 0.0 if quiet else None
    return mql.statistic(query, [mql.Summary.of(values)], seconds=max(window, 1e-9))


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"
