"""The 5xx alarm the integration tests put in moto's CloudWatch (handlers and sandbox alike)."""

from __future__ import annotations

from mypy_boto3_cloudwatch import CloudWatchClient

from turnout_sandbox import demo


def put_5xx_alarm(cloudwatch: CloudWatchClient, name: str) -> None:
    """The demo service's alarm on the target 5xx count, tripped by a single 5xx in a minute."""
    demo.put_5xx_alarm(cloudwatch, name, more_than=0)
