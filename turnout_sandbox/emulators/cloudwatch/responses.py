"""The moto CloudWatch changes, thin: an alarm's state change runs the emulator's history and
actions (:mod:`.actions`), and DescribeAlarmHistory (moto lacks it) answers from the
emulator's backend with the botocore model's members and paging."""

from __future__ import annotations

from typing import Any, Final

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from turnout_sandbox.emulators.cloudwatch.actions import on_state_change
from turnout_sandbox.emulators.cloudwatch.models import emulator_backend
from turnout_sandbox.patches import Internal, Patch, replaces

__all__ = ["INTERNALS", "PATCHES"]

_ALARM: Final = "moto.cloudwatch.models:Alarm"
#: DescribeAlarmHistory ``MaxRecords``: 1 to 100 (botocore cloudwatch model), default 100.
_MAX_RECORDS: Final = 100


@replaces(
    _ALARM,
    "update_state",
    name="cloudwatch.alarm-state-change-actions",
    why="an alarm's state change is recorded in its history and runs its actions (SNS "
    "authorized by the topic and key policies); moto runs none",
)
def update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
    old_value, old_reason = self.state_value, self.state_reason
    update_state.original(self, reason, reason_data, state_value)
    on_state_change(self, old_value, old_reason)


@replaces(
    CloudWatchResponse,
    "describe_alarm_history",
    name="cloudwatch.describe-alarm-history",
    why="DescribeAlarmHistory: moto has no alarm history",
    must_exist=False,
)
def describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    alarm_types = tuple(self._get_param("AlarmTypes", []) or ()) or ("MetricAlarm",)
    newest_first = (self._get_param("ScanBy") or "TimestampDescending") == "TimestampDescending"
    items = emulator_backend(self.current_account, self.region).items(
        alarm_name=self._get_param("AlarmName"),
        alarm_types=alarm_types,
        item_type=self._get_param("HistoryItemType"),
        start=self._get_param("StartDate"),
        end=self._get_param("EndDate"),
        newest_first=newest_first,
    )
    size = int(self._get_param("MaxRecords") or _MAX_RECORDS)
    token = self._get_param("NextToken")
    start = 0
    if token:
        if not str(token).isdigit() or int(token) > len(items):
            raise ValidationError(f"Invalid NextToken: {token}")
        start = int(token)
    page = items[start : start + size]
    result: dict[str, Any] = {"AlarmHistoryItems": [item.shape() for item in page]}
    if start + size < len(items):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


PATCHES: Final[tuple[Patch, ...]] = (update_state, describe_alarm_history)
INTERNALS: Final[tuple[Internal, ...]] = (
    Internal(
        "moto.sns.models:Topic.publish",
        "an alarm action publishes through the topic as SNS itself does (to its subscribers)",
    ),
    Internal(
        "moto.kms.models:KmsBackend.describe_key",
        "an alarm action reads the topic key's policy and state as CloudWatch's KMS call would",
    ),
)
