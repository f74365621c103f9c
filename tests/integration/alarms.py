"""The 5xx alarm the integration tests put in moto's CloudWatch (handlers and sandbox alike)."""

from __future__ import annotations

from mypy_boto3_cloudwatch import CloudWatchClient


def put_5xx_alarm(cloudwatch: CloudWatchClient, name: str) -> None:
    """An alarm on the load balancer's target 5xx count: one 5xx in a minute trips it."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
