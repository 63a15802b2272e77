"""The Monitoring Query Language (MQL) subset the ``oci_datascience_modeldeploy`` metrics use, parsed
and evaluated once for both readers: the Monitoring API (``SummarizeMetricsData``) and the
autoscaler's CUSTOM_EXPRESSION rules.

    Metric[interval]{dim = "value", dim2 = "value"}.grouping().statistic() [op number]

- ``interval``: ``[1m]``, ``[5m]``, ``[1h]``, ``[1d]`` as OCI allows, and ``[Ns]`` (1 to 59 seconds),
  an emulator extension for the finer points it keeps for a while;
- dimension filters with ``=`` only, joined with ``,``;
- grouping: ``.grouping()`` (one series) or ``.groupBy(dim, ...)``; without one, a series per
  distinct set of dimensions, as OCI answers;
- statistics: ``mean()`` (``avg()`` too), ``sum()``, ``count()``, ``max()``, ``min()``, ``rate()``
  (the sum per second of the interval) and ``percentile(p)`` with 0 < p < 1;
- a condition (``> 65``, ``>=``, ``<``, ``<=``, ``==``, ``!=``) and, in autoscaling rules only,
  conditions joined with ``&&`` and ``||``.

Anything else (``=~``, ``absent()``, ``.filter()``, arithmetic, joins in the API...) is a 400
InvalidParameter naming the part this emulator does not evaluate.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from emulator.errors import OCIError, invalid

STATISTICS = ("mean", "avg", "sum", "count", "max", "min", "rate", "percentile")
OPERATORS = (">=", "<=", "==", "!=", ">", "<")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_METRIC = re.compile(r"\s*(?P<name>[A-Za-z][A-Za-z0-9_]*)\s*")
_INTERVAL = re.compile(r"\[\s*(?P<n>\d+)\s*(?P<unit>[smhd])\s*\]\s*")
_FILTER = re.compile(r"\s*(?P<dim>[A-Za-z][A-Za-z0-9_.-]*)\s*=\s*(?P<quote>[\"'])(?P<value>[^\"']*)(?P=quote)\s*")
_CALL = re.compile(r"\.\s*(?P<name>[A-Za-z]+)\s*\((?P<args>[^()]*)\)\s*")
_CONDITION = re.compile(r"(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
EXAMPLE = 'PredictLatency[1m]{resourceId = "MODEL_DEPLOYMENT_OCID"}.grouping().percentile(0.95)'


@dataclass(frozen=True)
class Query:
    """One metric query: what to read, how to aggregate it, and an optional condition on the result."""

    metric: str
    interval: int  # seconds
    filters: tuple[tuple[str, str], ...] = ()
    group_by: tuple[str, ...] | None = None  # None: a series per dimension set; (): grouping()
    statistic: str = "mean"
    percentile: float | None = None
    op: str | None = None
    threshold: float | None = None

    def holds(self, value: float | None) -> bool:
        """Whether ``value`` meets the condition (a missing value never does)."""
        if value is None or self.op is None or self.threshold is None:
            return False
        return {">": value > self.threshold, "<": value < self.threshold, ">=": value >= self.threshold,
                "<=": value <= self.threshold, "==": value == self.threshold,
                "!=": value != self.threshold}[self.op]

    def describe(self, measured: str = "") -> str:
        """The statistic, what it measured and the condition, for logs:
        ``PredictLatency.percentile(0.95) 412.0 > 300``."""
        arg = f"{self.percentile:g}" if self.percentile is not None else ""
        text = " ".join(filter(None, (f"{self.metric}.{self.statistic}({arg})", measured)))
        return f"{text} {self.op} {self.threshold:g}" if self.op else text


def parse(text: object, where: str = "query") -> Query:
    """One metric query (the Monitoring API's ``query``); a condition is allowed, joins are not."""
    source = _required(text, where)
    if "&&" in source or "||" in source:
        raise _unsupported(where, "&& / ||", source, "joined conditions are evaluated in autoscaling rules only")
    return _query(source, where)


def parse_rule(text: object, where: str = "query") -> list[list[Query]]:
    """An autoscaling rule's query: alternatives (``||``) of conjunctions (``&&``), each a query with
    a condition."""
    source = _required(text, where)
    alternatives = []
    for part in source.split("||"):
        conjunction = []
        for term in part.split("&&"):
            query = _query(_unwrap(term), where)
            if query.op is None:
                raise invalid(f"{where}: {term.strip()!r} has no condition; a rule compares its statistic, "
                              f"such as {EXAMPLE} > 300")
            conjunction.append(query)
        alternatives.append(conjunction)
    return alternatives


def _required(text: object, where: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise invalid(f"{where} is required: an MQL expression such as {EXAMPLE}")
    return text.strip()


def _unwrap(term: str) -> str:
    term = term.strip()
    while term.startswith("(") and term.endswith(")"):
        term = term[1:-1].strip()
    return term


def _query(source: str, where: str) -> Query:
    """Read ``source`` left to right; the first part it cannot read is named in the 400."""
    match = _METRIC.match(source)
    if not match:
        raise _unsupported(where, source[:40], source, "a query starts with a metric name")
    metric, position = match["name"], match.end()
    interval_match = _INTERVAL.match(source, position)
    if not interval_match:
        raise _unsupported(where, source[position:position + 20] or "(end)", source,
                           "the metric name is followed by an interval such as [1m]")
    interval = _interval(interval_match, where, source)
    position = interval_match.end()
    filters: tuple[tuple[str, str], ...] = ()
    if source.startswith("{", position):
        filters, position = _filters(source, position, where)
    group_by, statistic, percentile = None, None, None
    while statistic is None:
        call = _CALL.match(source, position)
        if not call:
            raise _unsupported(where, source[position:position + 30] or "(end)", source,
                               "expected .grouping(), .groupBy(dimension) or a statistic such as .mean()")
        name, args = call["name"], call["args"].strip()
        position = call.end()
        if name == "grouping" and not args and group_by is None:
            group_by = ()
        elif name == "groupBy" and args and group_by is None:
            group_by = tuple(a.strip() for a in args.split(","))
        elif name in STATISTICS:
            statistic = "mean" if name == "avg" else name
            percentile = _statistic_args(name, args, where, source)
        else:
            raise _unsupported(where, f".{name}({args})", source,
                               f"supported: .grouping(), .groupBy(), .{'(), .'.join(STATISTICS[:-1])}(), .percentile(p)")
    op = threshold = None
    rest = source[position:].strip()
    if rest:
        condition = _CONDITION.match(rest)
        if not condition:
            raise _unsupported(where, rest[:30], source, f"a statistic may be followed by a condition ({' '.join(OPERATORS)} number)")
        op, threshold = condition["op"], float(condition["value"])
    return Query(metric, interval, filters, group_by, statistic, percentile, op, threshold)


def _interval(match: re.Match, where: str, source: str) -> int:
    n, unit = int(match["n"]), match["unit"]
    seconds = n * _UNITS[unit]
    if seconds < 1 or (unit == "s" and n >= 60) or seconds > 86400:
        raise _unsupported(where, match.group(0).strip(), source, "intervals run from [1s] to [59s] and [1m] to [1d]")
    return seconds


def _filters(source: str, position: int, where: str) -> tuple[tuple[tuple[str, str], ...], int]:
    end = source.find("}", position)
    if end < 0:
        raise _unsupported(where, source[position:position + 30], source, "a dimension filter ends with }")
    body = source[position + 1:end]
    filters = []
    for part in body.split(","):
        match = _FILTER.fullmatch(part)
        if not match:
            raise _unsupported(where, part.strip(), source, 'dimension filters are dimension = "value", joined with ,')
        filters.append((match["dim"], match["value"]))
    after = end + 1
    while after < len(source) and source[after].isspace():
        after += 1
    return tuple(filters), after


def _statistic_args(name: str, args: str, where: str, source: str) -> float | None:
    if name != "percentile":
        if args:
            raise _unsupported(where, f".{name}({args})", source, f"{name}() takes no argument")
        return None
    try:
        p = float(args)
    except ValueError:
        p = math.nan
    if not 0 < p < 1:
        raise _unsupported(where, f".percentile({args})", source, "percentile takes a fraction between 0 and 1, such as 0.95")
    return p


def _unsupported(where: str, part: str, source: str, hint: str) -> OCIError:
    return invalid(f"{where}: this emulator does not evaluate {part!r} in the MQL query {source!r} ({hint}); "
                   f"see docs/metrics.md for the supported subset, for example {EXAMPLE}")


# ------------------------------------------------------------------ evaluation
@dataclass(frozen=True)
class Summary:
    """Datapoints summarized: how many, their sum, extremes and a bounded sample (for percentiles)."""

    count: int
    total: float
    low: float
    high: float
    sample: tuple[float, ...] = ()

    @staticmethod
    def of(values: Sequence[float], keep: int = 200) -> "Summary":
        return Summary(len(values), float(sum(values)), float(min(values)), float(max(values)), thin(values, keep))


def thin(values: Sequence[float], keep: int) -> tuple[float, ...]:
    """At most ``keep`` values spread evenly over the sorted ``values`` (quantiles survive)."""
    ordered = sorted(values)
    if len(ordered) <= keep:
        return tuple(ordered)
    step = (len(ordered) - 1) / (keep - 1)
    return tuple(ordered[round(i * step)] for i in range(keep))


def merge(summaries: Iterable[Summary], keep: int = 200) -> Summary | None:
    parts = [s for s in summaries if s.count]
    if not parts:
        return None
    sample: list[float] = []
    for part in parts:
        # each kept value stands for count/len(sample) datapoints: repeat it to weigh the parts alike
        repeat = min(max(1, round(part.count / max(len(part.sample), 1))), 50)
        sample.extend(part.sample if repeat == 1 else [v for v in part.sample for _ in range(repeat)])
    return _combined(parts, thin(sample, keep))


def _combined(parts: list[Summary], sample: tuple[float, ...] = ()) -> Summary:
    return Summary(sum(p.count for p in parts), sum(p.total for p in parts), min(p.low for p in parts),
                   max(p.high for p in parts), sample)


def statistic(query: Query, summaries: Iterable[Summary], seconds: float | None = None) -> float | None:
    """The query's statistic over the datapoints of one interval (None when there were none);
    ``rate`` divides by ``seconds`` (default: the query's interval)."""
    parts = [s for s in summaries if s.count]
    if not parts:
        return None
    merged = merge(parts, keep=1000) if query.statistic == "percentile" else _combined(parts)
    assert merged is not None
    if query.statistic == "mean":
        return merged.total / merged.count
    if query.statistic == "sum":
        return merged.total
    if query.statistic == "count":
        return float(merged.count)
    if query.statistic == "max":
        return merged.high
    if query.statistic == "min":
        return merged.low
    if query.statistic == "rate":
        return merged.total / (seconds or query.interval)
    return _percentile(merged.sample, query.percentile or 0.5)


def _percentile(ordered: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    rank = p * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
