"""The CloudWatch emulator's state per account and region: each alarm's history (moto keeps
none that DescribeAlarmHistory could answer).

It is a :class:`moto.core.base_backend.BaseBackend` in a ``BackendDict``, so moto's own reset
forgets it like moto's own state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from moto.core.base_backend import BackendDict, BaseBackend

__all__ = [
    "CloudWatchEmulatorBackend",
    "HistoryItem",
    "cloudwatch_emulator_backends",
    "emulator_backend",
    "forget_all",
]

LOCK: Final = threading.RLock()


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One ``AlarmHistoryItem`` (botocore's cloudwatch model: AlarmName, AlarmType,
    Timestamp, HistoryItemType ConfigurationUpdate | StateUpdate | Action, HistorySummary,
    HistoryData)."""

    alarm_name: str
    alarm_type: str
    timestamp: datetime
    item_type: str
    summary: str
    data: str

    def shape(self) -> dict[str, object]:
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "Timestamp": self.timestamp,
            "HistoryItemType": self.item_type,
            "HistorySummary": self.summary,
            "HistoryData": self.data,
        }


class CloudWatchEmulatorBackend(BaseBackend):
    """What the emulator adds to moto's CloudWatch backend of the same account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.history: list[HistoryItem] = []

    def record(self, item: HistoryItem) -> None:
        with LOCK:
            self.history.append(item)

    def items(
        self,
        *,
        alarm_name: str | None = None,
        alarm_types: tuple[str, ...] = ("MetricAlarm",),
        item_type: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        newest_first: bool = True,
    ) -> list[HistoryItem]:
        """The history DescribeAlarmHistory selects, in its order (TimestampDescending by
        default: API reference, DescribeAlarmHistory ``ScanBy``)."""
        with LOCK:
            chosen = [
                item
                for item in self.history
                if (alarm_name is None or item.alarm_name == alarm_name)
                and item.alarm_type in alarm_types
                and (item_type is None or item.item_type == item_type)
                and (start is None or item.timestamp >= start)
                and (end is None or item.timestamp <= end)
            ]
        return sorted(chosen, key=lambda item: item.timestamp, reverse=newest_first)


cloudwatch_emulator_backends: Final = BackendDict(CloudWatchEmulatorBackend, "cloudwatch")


def emulator_backend(account_id: str, region_name: str) -> CloudWatchEmulatorBackend:
    return cloudwatch_emulator_backends[account_id][region_name]


def forget_all() -> None:
    for per_region in list(cloudwatch_emulator_backends.values()):
        for backend in list(per_region.values()):
            backend.reset()
