"""CloudWatch alarms as AWS runs them: each state change in the alarm's history
(DescribeAlarmHistory) and its actions run, on top of moto 5.2.5, which stores alarms and
their state but records no history and runs no action.

- :mod:`.actions`: the state change's history item and the SNS notification, authorized as
  AWS authorizes CloudWatch (the topic policy, the topic key's policy: an ``aws/sns``
  encrypted topic never gets an alarm's notification; aws-fidelity row 2).
- :mod:`.models`: the history per account and region (a moto ``BackendDict``).
- :mod:`.responses`: the patch of moto's ``Alarm.update_state`` and the added
  DescribeAlarmHistory, with :data:`PATCHES` / :data:`INTERNALS`.
"""

from __future__ import annotations

from turnout_sandbox.emulators.cloudwatch.actions import aws_sns_key_policy, region_name
from turnout_sandbox.emulators.cloudwatch.models import HistoryItem, forget_all
from turnout_sandbox.emulators.cloudwatch.responses import INTERNALS, PATCHES

__all__ = ["INTERNALS", "PATCHES", "HistoryItem", "aws_sns_key_policy", "region_name", "reset"]


def reset() -> None:
    """Forget every alarm history."""
    forget_all()
