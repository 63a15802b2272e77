"""The MQL subset, read and evaluated once: what it accepts, what it computes, and the 400 that
names the part it does not evaluate. The autoscaler's rules go through the same module."""
from __future__ import annotations

import pytest

from emulator.errors import OCIError
from emulator.model_deployment import autoscaling
from emulator.monitoring import mql


def test_a_full_query_is_read_into_its_parts():
    query = mql.parse('PredictLatency[5m]{resourceId = "ocid1.x", result = \'Success\'}.grouping().percentile(0.95) > 300')
    assert query == mql.Query("PredictLatency", 300, (("resourceId", "ocid1.x"), ("result", "Success")), (),
                              "percentile", 0.95, ">", 300.0)


@pytest.mark.parametrize("text, interval", [("X[1s].sum()", 1), ("X[59s].sum()", 59), ("X[1m].sum()", 60),
                                            ("X[2h].sum()", 7200), ("X[1d].sum()", 86400)])
def test_intervals(text, interval):
    assert mql.parse(text).interval == interval


def test_grouping_choices():
    assert mql.parse("X[1m].mean()").group_by is None
    assert mql.parse("X[1m].grouping().mean()").group_by == ()
    assert mql.parse("X[1m].groupBy(instanceId, result).mean()").group_by == ("instanceId", "result")
    assert mql.parse("X[1m].avg()").statistic == "mean"


@pytest.mark.parametrize("text, part", [
    ("X[1m]{a != \"b\"}.mean()", 'a != "b"'),
    ("X[1m].mean().grouping()", ".grouping()"),
    ("X[90s].mean()", "[90s]"),
    ("X[2d].mean()", "[2d]"),
    ("X[1m].percentile(1.5)", ".percentile(1.5)"),
    ("X[1m].sum(2)", ".sum(2)"),
    ("X[1m]", "(end)"),
    ("(X[1m].mean())", "(X[1m].mean())"[:40]),
])
def test_what_is_not_evaluated_is_a_400_naming_it(text, part):
    with pytest.raises(OCIError) as raised:
        mql.parse(text)
    assert raised.value.status == 400 and raised.value.code == "InvalidParameter"
    assert repr(part) in raised.value.message


def _summaries(*groups):
    return [mql.Summary.of(list(values)) for values in groups]


@pytest.mark.parametrize("statistic, expected", [
    ("mean()", 2.5), ("sum()", 10.0), ("count()", 4.0), ("max()", 4.0), ("min()", 1.0), ("rate()", 10 / 60),
    ("percentile(0.5)", 2.5), ("percentile(0.99)", 3.97),
])
def test_statistics_over_summarized_datapoints(statistic, expected):
    value = mql.statistic(mql.parse(f"X[1m].{statistic}"), _summaries([1, 2], [3, 4]))
    assert value == pytest.approx(expected)


def test_no_datapoints_is_no_value():
    assert mql.statistic(mql.parse("X[1m].sum()"), []) is None


def test_a_percentile_over_many_points_stays_close_after_thinning():
    values = [float(v) for v in range(10_000)]
    summary = mql.Summary.of(values)
    assert len(summary.sample) == 200
    assert mql.statistic(mql.parse("X[1m].percentile(0.95)"), [summary]) == pytest.approx(9500, rel=0.01)


def test_conditions_and_joins_in_rules():
    rule = mql.parse_rule("A[1m].mean() > 1 && (B[1m].max() <= 2) || C[1m].sum() != 0")
    assert [[q.metric for q in conjunction] for conjunction in rule] == [["A", "B"], ["C"]]
    first = rule[0][0]
    assert first.holds(1.5) and not first.holds(1.0) and not first.holds(None)
    assert first.describe("1.5") == "A.mean() 1.5 > 1"


def test_the_autoscaler_reads_its_queries_with_this_module():
    alternatives = autoscaling.parse_query('PredictLatency[1m]{resourceId = "MODEL_DEPLOYMENT_OCID"}.grouping()'
                                           '.percentile(0.9) > 300', "rules[0].query")
    assert isinstance(alternatives[0][0], mql.Query) and alternatives[0][0].percentile == 0.9
    with pytest.raises(OCIError, match=r"rules\[0\]\.query: .*'\.absent\(\)'"):
        autoscaling.parse_query("CpuUtilization[1m].absent() > 1", "rules[0].query")
    with pytest.raises(OCIError, match="has no condition"):
        autoscaling.parse_query("CpuUtilization[1m].mean()", "rules[0].query")
