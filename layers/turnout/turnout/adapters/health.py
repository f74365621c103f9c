"""What the gate looks at: target health, alarms and an HTTP probe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from turnout.adapters.aws import client as make_client

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import DescribeAlarmsInputTypeDef
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client

#: CloudWatch API Reference, DescribeAlarms: AlarmNames, at most 100 items.
MAX_ALARM_NAMES = 100


class Health:
    def __init__(
        self,
        elbv2: ElasticLoadBalancingv2Client | None = None,
        cloudwatch: CloudWatchClient | None = None,
    ) -> None:
        self._elbv2 = elbv2
        self._cloudwatch = cloudwatch

    @property
    def elbv2(self) -> ElasticLoadBalancingv2Client:
        if self._elbv2 is None:
            self._elbv2 = make_client("elbv2")
        return self._elbv2

    @property
    def cloudwatch(self) -> CloudWatchClient:
        if self._cloudwatch is None:
            self._cloudwatch = make_client("cloudwatch")
        return self._cloudwatch

    def target_states(self, target_group_arns: list[str]) -> tuple[str, ...]:
        states: list[str] = []
        for arn in target_group_arns:
            for desc in self.elbv2.describe_target_health(TargetGroupArn=arn).get(
                "TargetHealthDescriptions", []
            ):
                states.append(str(desc.get("TargetHealth", {}).get("State", "unavailable")))
        return tuple(states)

    def alarms_in_alarm(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if not names:
            return ()
        seen = self._alarm_states(list(dict.fromkeys(names)))
        bad = [n for n in names if seen.get(n) == "ALARM"]
        bad += [f"{n} (no such alarm)" for n in names if n not in seen]
        return tuple(bad)

    def _alarm_states(self, names: list[str]) -> dict[str, str]:
        """The state of each named metric or composite alarm that exists.

        CloudWatch API Reference, DescribeAlarms: AlarmNames takes at most 100 names, so
        longer lists are asked in chunks of 100; each answer may be paged (MaxRecords at most
        100, NextToken); and AlarmTypes: "If you omit this parameter, only metric alarms are
        returned, even if composite alarms ... exist in the account", so both types are asked
        for. Composite alarms come back only when cloudwatch:DescribeAlarms is granted on *.
        """
        states: dict[str, str] = {}
        for start in range(0, len(names), MAX_ALARM_NAMES):
            request: DescribeAlarmsInputTypeDef = {
                "AlarmNames": names[start : start + MAX_ALARM_NAMES],
                "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
            }
            while True:
                page = self.cloudwatch.describe_alarms(**request)
                for metric in page.get("MetricAlarms", []):
                    states[metric["AlarmName"]] = str(metric.get("StateValue", ""))
                for composite in page.get("CompositeAlarms", []):
                    states[composite["AlarmName"]] = str(composite.get("StateValue", ""))
                token = page.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        return states


def probe(url: str, timeout: float = 5.0) -> tuple[int | None, str | None]:
    """GET ``url``: (status, None), or (None, why) when nothing answered (the gate names
    the URL: turnout.gate._http)."""
    import urllib.error  # lazy: only the gate tick probes
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "turnout-gate"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (operator-given URL)
            return int(response.status), None
    except urllib.error.HTTPError as exc:
        return int(exc.code), None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))
