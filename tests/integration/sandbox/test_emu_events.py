"""The EventBridge emulator: delivery, input transformation, archives/replays, schedules."""

from __future__ import annotations

import collections
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.events.models import EventsBackend, Rule
from moto.server import ThreadedMotoServer

from tests.integration.sandbox.patch_checks import assert_patches_round_trip
from turnout_sandbox.emulators import events
from turnout_sandbox.emulators.events.models import emulator_backend
from turnout_sandbox.runtime import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    LambdaFunctionError,
    Runtime,
    VirtualClock,
    set_runtime,
)

pytestmark = pytest.mark.integration

BUS_ARN = f"arn:aws:events:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:event-bus/default"
FN_ARN = f"arn:aws:lambda:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:function:"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
PASS_MACHINE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
#: moto's own reset, as ``mock_aws`` start/stop and the moto server's reset do.
MOTO_RESET = "http://motoapi.amazonaws.com/moto-api/reset"
#: What moto defines, read before any test applies a patch (nothing is patched at import).
MOTO_METHODS = {
    (owner, name): owner.__dict__[name]
    for owner, name in [
        (EventsBackend, "put_events"),
        (EventsBackend, "put_rule"),
        (EventsBackend, "test_event_pattern"),
        (Rule, "send_to_targets"),
    ]
}


class CountingClock(VirtualClock):
    """The virtual clock, counting the timers armed under each name."""

    def __init__(self, speed: float) -> None:
        super().__init__(speed)
        self.armed: collections.Counter[str] = collections.Counter()
        self._count_lock = threading.Lock()

    def call_later(self, virtual_seconds: float, fn: Callable[[], None], name: str = "") -> None:
        with self._count_lock:
            self.armed[name] += 1
        super().call_later(virtual_seconds, fn, name)

    def armed_count(self, name: str) -> int:
        with self._count_lock:
            return self.armed[name]


class FakeInvoker:
    """Records Lambda invocations (function, payload, thread) like the sandbox invoker."""

    def __init__(self, fail_with: LambdaFunctionError | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self._lock = threading.Lock()
        self._fail_with = fail_with

    def __call__(self, function: str, payload: Mapping[str, Any]) -> Any:
        with self._lock:
            self.calls.append((function, dict(payload), threading.get_ident()))
        if self._fail_with is not None:
            raise self._fail_with
        return {"ok": True}

    def calls_to(self, function: str) -> list[dict[str, Any]]:
        with self._lock:
            return [payload for fn, payload, _ in self.calls if fn == function]


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` (real seconds) until it holds; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        time.sleep(0.005)


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """moto (state machines executing) + the events emulator + a 1000x virtual clock."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", DEFAULT_REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    rt = Runtime(CountingClock(speed=1000))
    set_runtime(rt)
    events.install()
    events.reset()
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            yield rt
    finally:
        events.reset()
        rt.clock.stop()
        events.uninstall()
        set_runtime(None)


@pytest.fixture
def eb(sandbox: Runtime) -> Any:
    return boto3.client("events", region_name=DEFAULT_REGION)


@pytest.fixture
def sqs(sandbox: Runtime) -> Any:
    return boto3.client("sqs", region_name=DEFAULT_REGION)


def make_queue(sqs: Any, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def drain(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = got.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def rule(eb: Any, name: str, targets: list[dict[str, Any]], **kwargs: Any) -> str:
    kwargs.setdefault("EventPattern", json.dumps({"source": ["demo.app"]}))
    arn: str = eb.put_rule(Name=name, **kwargs)["RuleArn"]
    eb.put_targets(Rule=name, Targets=targets)
    return arn


def put(eb: Any, detail: Mapping[str, Any], when: datetime | None = None) -> str:
    entry: dict[str, Any] = {
        "Source": "demo.app",
        "DetailType": "Demo Happened",
        "Detail": json.dumps(detail),
        "Resources": ["arn:aws:demo:::thing"],
    }
    if when is not None:
        entry["Time"] = when
    result = eb.put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0
    event_id: str = result["Entries"][0]["EventId"]
    return event_id


# ------------------------------------------------------------------------------ delivery
def test_given_rule_with_state_machine_target_when_event_put_then_execution_gets_event(
    sandbox: Runtime, eb: Any
) -> None:
    sfn = boto3.client("stepfunctions", region_name=DEFAULT_REGION)
    machine = sfn.create_state_machine(
        name="pass",
        definition=json.dumps(PASS_MACHINE),
        roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/sfn",
    )["stateMachineArn"]
    rule(eb, "to-sfn", [{"Id": "sfn", "Arn": machine}])

    event_id = put(eb, {"repository-name": "hello-aws", "image-tag": "latest"})
    put(eb, {"repository-name": "hello-aws", "image-tag": "v2"})

    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == 2
    assert len({e["name"] for e in executions}) == 2
    first = next(
        sfn.describe_execution(executionArn=e["executionArn"])
        for e in executions
        if json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"])["id"]
        == event_id
    )
    given = json.loads(first["input"])
    assert set(given) == {
        "version", "id", "detail-type", "source", "account", "time", "region", "resources",
        "detail",
    }  # fmt: skip
    assert given["version"] == "0"
    assert given["source"] == "demo.app"
    assert given["detail-type"] == "Demo Happened"
    assert given["account"] == DEFAULT_ACCOUNT
    assert given["region"] == DEFAULT_REGION
    assert given["resources"] == ["arn:aws:demo:::thing"]
    assert given["detail"] == {"repository-name": "hello-aws", "image-tag": "latest"}
    assert ISO_Z.match(given["time"])
    wait_until(
        lambda: sfn.describe_execution(executionArn=first["executionArn"])["status"] == "SUCCEEDED"
    )
    done = sfn.describe_execution(executionArn=first["executionArn"])
    assert json.loads(done["output"]) == given
    log = [e for e in events.delivered_log() if e["target_id"] == "sfn"]
    assert {e["status"] for e in log} == {"delivered"}
    assert first["executionArn"] in {e["execution_arn"] for e in log}


def test_given_lambda_target_when_runtime_puts_event_then_invoker_called_on_another_thread(
    sandbox: Runtime, eb: Any
) -> None:
    invoker = FakeInvoker()
    sandbox.invoke_lambda = invoker
    rule(eb, "to-fn", [{"Id": "fn", "Arn": FN_ARN + "gate-tick"}])

    sandbox.put_event("demo.app", "Demo Happened", {"n": 1}, ["arn:aws:demo:::thing"])

    wait_until(lambda: len(invoker.calls) == 1)
    function, payload, thread_id = invoker.calls[0]
    assert function == FN_ARN + "gate-tick"
    assert payload["detail"] == {"n": 1}
    assert payload["detail-type"] == "Demo Happened"
    assert thread_id != threading.get_ident()
    wait_until(lambda: len(events.delivered_log()) == 1)
    (entry,) = events.delivered_log()
    assert (entry["target_type"], entry["status"], entry["error"]) == ("lambda", "delivered", None)


def test_given_lambda_handler_raises_when_delivered_then_failure_logged_not_raised(
    sandbox: Runtime, eb: Any
) -> None:
    sandbox.invoke_lambda = FakeInvoker(LambdaFunctionError("GateError", "unhealthy"))
    rule(eb, "to-fn", [{"Id": "fn", "Arn": FN_ARN + "gate"}])

    put(eb, {"n": 1})

    wait_until(lambda: len(events.delivered_log()) == 1)
    (entry,) = events.delivered_log()
    assert entry["status"] == "failed"
    assert entry["error"] == "GateError: unhealthy"
    assert any("GateError: unhealthy" in line.message for line in sandbox.logs)


def test_given_disabled_rule_when_event_put_then_only_enabled_rule_delivers(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    on_url, on_arn = make_queue(sqs, "on")
    off_url, off_arn = make_queue(sqs, "off")
    invoker = FakeInvoker()
    sandbox.invoke_lambda = invoker
    rule(eb, "on", [{"Id": "q", "Arn": on_arn}])
    rule(eb, "off", [{"Id": "q", "Arn": off_arn}, {"Id": "fn", "Arn": FN_ARN + "x"}])
    eb.disable_rule(Name="off")

    put(eb, {"n": 1})

    assert len(drain(sqs, on_url)) == 1
    assert drain(sqs, off_url) == []
    assert [e["rule"] for e in events.delivered_log()] == ["on"]
    assert invoker.calls == []


def test_given_failing_target_when_event_put_then_other_targets_still_delivered(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    url, queue_arn = make_queue(sqs, "after")
    missing = f"arn:aws:states:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:stateMachine:missing"
    rule(eb, "mixed", [{"Id": "sfn", "Arn": missing}, {"Id": "q", "Arn": queue_arn}])

    put(eb, {"n": 1})

    assert len(drain(sqs, url)) == 1
    statuses = {e["target_id"]: e["status"] for e in events.delivered_log()}
    assert statuses == {"sfn": "failed", "q": "delivered"}
    assert any(missing in line.message for line in sandbox.logs)


def test_given_schedule_only_rule_when_event_put_then_it_receives_nothing(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    url, queue_arn = make_queue(sqs, "sched")
    eb.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    eb.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])

    put(eb, {"n": 1})

    assert drain(sqs, url) == []


# ------------------------------------------------------------------------ input transformer
def test_given_input_transformer_json_template_when_delivered_then_quoted_and_unquoted_like_aws(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    url, queue_arn = make_queue(sqs, "transformed")
    template = (
        '{"repo": <repo>, "label": "image <repo>:<tag>", "quotedTag": "<tag>", "count": <n>,'
        ' "countText": "<n>", "meta": <meta>, "gone": <gone>, "rule": <aws.events.rule-name>,'
        ' "original": <aws.events.event>}'
    )
    rule_arn = rule(
        eb,
        "transform",
        [
            {
                "Id": "q",
                "Arn": queue_arn,
                "InputTransformer": {
                    "InputPathsMap": {
                        "repo": "$.detail.repository-name",
                        "tag": "$.detail.image-tag",
                        "n": "$.detail.count",
                        "meta": "$.detail.meta",
                        "gone": "$.detail.absent",
                    },
                    "InputTemplate": template,
                },
            }
        ],
    )

    event_id = put(
        eb, {"repository-name": "hello-aws", "image-tag": "latest", "count": 3, "meta": {"a": 1}}
    )

    (body,) = drain(sqs, url)
    got = json.loads(body)
    assert got["repo"] == "hello-aws"
    assert got["label"] == "image hello-aws:latest"
    assert got["quotedTag"] == "latest"
    assert got["count"] == 3
    assert got["countText"] == "3"
    assert got["meta"] == {"a": 1}
    assert got["gone"] is None
    assert got["rule"] == "transform"
    assert got["original"]["id"] == event_id
    assert "detail" not in got["original"]
    assert rule_arn.endswith(":rule/transform")


def test_given_input_transformer_string_template_when_delivered_then_target_gets_json_string(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    url, queue_arn = make_queue(sqs, "text")
    transformer = {
        "InputPathsMap": {"repo": "$.detail.repository-name", "tag": "$.detail.image-tag"},
        "InputTemplate": '"<repo> was pushed as <tag> by <aws.events.rule-name>"',
    }
    rule(eb, "text", [{"Id": "q", "Arn": queue_arn, "InputTransformer": transformer}])

    put(eb, {"repository-name": "hello-aws", "image-tag": "latest"})

    assert drain(sqs, url) == ['"hello-aws was pushed as latest by text"']


def test_given_input_and_input_path_targets_when_delivered_then_each_gets_its_input(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    const_url, const_arn = make_queue(sqs, "const")
    path_url, path_arn = make_queue(sqs, "path")
    rule(
        eb,
        "inputs",
        [
            {"Id": "c", "Arn": const_arn, "Input": '{"fixed": true}'},
            {"Id": "p", "Arn": path_arn, "InputPath": "$.detail.items[1]"},
        ],
    )

    put(eb, {"items": [{"k": "a"}, {"k": "b"}]})

    assert [json.loads(b) for b in drain(sqs, const_url)] == [{"fixed": True}]
    assert [json.loads(b) for b in drain(sqs, path_url)] == [{"k": "b"}]


def test_given_template_rendering_invalid_json_when_rendered_then_error_names_template() -> None:
    target = {
        "Id": "bad",
        "InputTransformer": {
            "InputPathsMap": {"q": "$.detail.quote"},
            "InputTemplate": '{"text": "<q>"}',
        },
    }
    event = {"id": "1", "detail": {"quote": 'say "hi"'}}

    with pytest.raises(events.TargetInputError, match=r"rule arn:r.*InputTemplate"):
        events.render_target_input(
            target, event, rule_arn="arn:r", rule_name="r", ingestion_time=0.0
        )


def test_given_reserved_variable_in_paths_map_when_rendered_then_typed_error() -> None:
    target = {
        "Id": "t",
        "InputTransformer": {
            "InputPathsMap": {"aws.events.rule-arn": "$.id"},
            "InputTemplate": "<aws.events.rule-arn>",
        },
    }

    with pytest.raises(events.TargetInputError, match="reserved variable"):
        events.render_target_input(
            target, {"id": "1"}, rule_arn="arn:r", rule_name="r", ingestion_time=0.0
        )


# ------------------------------------------------------------------------ archives, replays
def test_given_archive_when_replayed_with_window_and_filter_then_only_filtered_rule_gets_events(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    a_url, a_arn = make_queue(sqs, "a")
    b_url, b_arn = make_queue(sqs, "b")
    archive_arn = eb.create_archive(
        ArchiveName="demo",
        EventSourceArn=BUS_ARN,
        EventPattern=json.dumps({"source": ["demo.app"]}),
    )["ArchiveArn"]
    rule_a = rule(eb, "rule-a", [{"Id": "q", "Arn": a_arn}])
    rule(eb, "rule-b", [{"Id": "q", "Arn": b_arn}])
    originals = [put(eb, {"n": n}, T0 + timedelta(minutes=n)) for n in range(4)]
    eb.put_events(Entries=[{"Source": "other.app", "DetailType": "X", "Detail": "{}"}])
    assert len(drain(sqs, a_url)) == 4
    assert len(drain(sqs, b_url)) == 4
    assert eb.describe_archive(ArchiveName="demo")["EventCount"] == 4

    started = eb.start_replay(
        ReplayName="r1",
        EventSourceArn=archive_arn,
        EventStartTime=T0 + timedelta(seconds=30),
        EventEndTime=T0 + timedelta(minutes=3),
        Destination={"Arn": BUS_ARN, "FilterArns": [rule_a]},
    )

    assert started["State"] == "STARTING"
    wait_until(lambda: eb.describe_replay(ReplayName="r1")["State"] == "COMPLETED")
    replayed = [json.loads(b) for b in drain(sqs, a_url)]
    assert [e["detail"]["n"] for e in replayed] == [1, 2]
    assert [e["time"] for e in replayed] == ["2024-05-01T12:01:00Z", "2024-05-01T12:02:00Z"]
    assert {e["replay-name"] for e in replayed} == {"r1"}
    assert not {e["id"] for e in replayed} & set(originals)
    assert drain(sqs, b_url) == []
    described = eb.describe_replay(ReplayName="r1")
    assert described["EventLastReplayedTime"] == T0 + timedelta(minutes=2)
    assert described["EventStartTime"] == T0 + timedelta(seconds=30)
    assert described["ReplayEndTime"] >= described["ReplayStartTime"]
    assert described["Destination"]["FilterArns"] == [rule_a]
    assert eb.describe_archive(ArchiveName="demo")["EventCount"] == 4
    listed = eb.list_replays(State="COMPLETED")["Replays"]
    assert [r["ReplayName"] for r in listed] == ["r1"]


def test_given_replay_without_filter_when_completed_then_every_matching_rule_gets_events(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    a_url, a_arn = make_queue(sqs, "a")
    b_url, b_arn = make_queue(sqs, "b")
    archive_arn = eb.create_archive(ArchiveName="all", EventSourceArn=BUS_ARN)["ArchiveArn"]
    rule(eb, "rule-a", [{"Id": "q", "Arn": a_arn}])
    rule(eb, "rule-b", [{"Id": "q", "Arn": b_arn}])
    put(eb, {"n": 0}, T0)
    drain(sqs, a_url)
    drain(sqs, b_url)

    eb.start_replay(
        ReplayName="r2",
        EventSourceArn=archive_arn,
        EventStartTime=T0,
        EventEndTime=T0 + timedelta(minutes=1),
        Destination={"Arn": BUS_ARN},
    )

    wait_until(lambda: eb.describe_replay(ReplayName="r2")["State"] == "COMPLETED")
    assert [json.loads(b)["replay-name"] for b in drain(sqs, a_url)] == ["r2"]
    assert [json.loads(b)["replay-name"] for b in drain(sqs, b_url)] == ["r2"]


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"EventSourceArn": BUS_ARN.replace("event-bus/default", "archive/nope")},
         "ResourceNotFoundException"),
        ({"EventEndTime": T0}, "ValidationException"),
        ({"Destination": {"Arn": BUS_ARN, "FilterArns": [BUS_ARN]}}, "ValidationException"),
        (
            {"Destination": {"Arn": BUS_ARN, "FilterArns": [
                f"arn:aws:events:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:rule/absent"]}},
            "ResourceNotFoundException",
        ),
        ({"Destination": {"Arn": "arn:aws:sqs:x:1:q"}}, "ValidationException"),
    ],
)  # fmt: skip
def test_given_invalid_replay_request_when_started_then_aws_error(
    sandbox: Runtime, eb: Any, overrides: dict[str, Any], code: str
) -> None:
    archive_arn = eb.create_archive(ArchiveName="arch", EventSourceArn=BUS_ARN)["ArchiveArn"]
    request: dict[str, Any] = {
        "ReplayName": "bad",
        "EventSourceArn": archive_arn,
        "EventStartTime": T0,
        "EventEndTime": T0 + timedelta(hours=1),
        "Destination": {"Arn": BUS_ARN},
    }
    request.update(overrides)

    with pytest.raises(ClientError) as raised:
        eb.start_replay(**request)

    assert raised.value.response["Error"]["Code"] == code


# ------------------------------------------------------------------------ TestEventPattern
def test_given_pattern_when_test_event_pattern_then_result_reflects_match(eb: Any) -> None:
    pattern = json.dumps({"source": ["aws.ecr"], "detail": {"action-type": ["PUSH"]}})
    event = {
        "id": "1", "account": DEFAULT_ACCOUNT, "source": "aws.ecr", "time": "2024-05-01T00:00:00Z",
        "region": DEFAULT_REGION, "resources": [], "detail-type": "ECR Image Action",
        "detail": {"action-type": "PUSH"},
    }  # fmt: skip
    other = dict(event, detail={"action-type": "DELETE"})

    assert eb.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"] is True
    assert eb.test_event_pattern(EventPattern=pattern, Event=json.dumps(other))["Result"] is False


def test_given_bad_pattern_or_event_when_test_event_pattern_then_aws_errors(eb: Any) -> None:
    event = json.dumps({"id": "1", "source": "x"})

    with pytest.raises(ClientError) as bad_pattern:
        eb.test_event_pattern(EventPattern='{"source": "x"}', Event=event)
    with pytest.raises(ClientError) as bad_event:
        eb.test_event_pattern(EventPattern='{"source": ["x"]}', Event=event)

    assert bad_pattern.value.response["Error"]["Code"] == "InvalidEventPatternException"
    assert bad_event.value.response["Error"]["Code"] == "ValidationException"
    assert "account" in bad_event.value.response["Error"]["Message"]


# ------------------------------------------------------------------------------ schedules
def _epoch(iso: str) -> float:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def test_given_rate_rule_when_schedules_run_then_fires_every_minute_on_virtual_clock(
    sandbox: Runtime, eb: Any
) -> None:
    invoker = FakeInvoker()
    sandbox.invoke_lambda = invoker
    eb.put_rule(Name="off", ScheduleExpression="rate(1 minute)", State="DISABLED")
    eb.put_targets(Rule="off", Targets=[{"Id": "fn", "Arn": FN_ARN + "off"}])
    events.start_schedules()

    before = sandbox.clock.now()  # a rule created after the loop started is picked up too
    tick_arn = eb.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")["RuleArn"]
    after = sandbox.clock.now()
    eb.put_targets(Rule="tick", Targets=[{"Id": "fn", "Arn": FN_ARN + "tick"}])
    wait_until(lambda: len(invoker.calls_to(FN_ARN + "tick")) >= 5)
    events.stop_schedules()

    fired = invoker.calls_to(FN_ARN + "tick")[:5]
    times = [_epoch(e["time"]) for e in fired]
    assert before + 60 - 1 <= times[0] <= after + 60
    assert [b - a for a, b in itertools.pairwise(times)] == [60.0] * 4
    assert all(e["source"] == "aws.events" for e in fired)
    assert all(e["detail-type"] == "Scheduled Event" for e in fired)
    assert all(e["resources"] == [tick_arn] and e["detail"] == {} for e in fired)
    assert invoker.calls_to(FN_ARN + "off") == []
    assert not events.schedules_running()


def test_given_invalid_schedule_when_put_rule_then_validation_exception(eb: Any) -> None:
    for expression in ("rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "cron(0 8 * * * *)"):
        with pytest.raises(ClientError) as raised:
            eb.put_rule(Name="bad", ScheduleExpression=expression)
        assert raised.value.response["Error"]["Code"] == "ValidationException"
        assert expression in raised.value.response["Error"]["Message"]


# ----------------------------------------------------------- state per account and region
def test_given_rules_in_two_regions_when_events_put_then_each_region_logs_its_own_and_log_merges(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    other = "eu-west-1"
    eb_other = boto3.client("events", region_name=other)
    _, here_arn = make_queue(sqs, "here")
    _, there_arn = make_queue(boto3.client("sqs", region_name=other), "there")
    rule(eb, "here", [{"Id": "q", "Arn": here_arn}])
    rule(eb_other, "there", [{"Id": "q", "Arn": there_arn}])

    for n in range(3):
        put(eb, {"n": n})
        put(eb_other, {"n": n})

    merged = [(e["rule"], e["input"]["detail"]["n"]) for e in events.delivered_log()]
    assert merged == [
        ("here", 0),
        ("there", 0),
        ("here", 1),
        ("there", 1),
        ("here", 2),
        ("there", 2),
    ]
    there = emulator_backend(DEFAULT_ACCOUNT, other)
    assert [entry["rule"] for _, entry in there.deliveries] == ["there"] * 3

    there.reset()

    assert [e["rule"] for e in events.delivered_log()] == ["here"] * 3


def test_given_deliveries_and_rules_when_moto_resets_then_the_emulator_forgets_them_too(
    sandbox: Runtime, eb: Any, sqs: Any
) -> None:
    _, queue_arn = make_queue(sqs, "q")
    rule(eb, "r", [{"Id": "q", "Arn": queue_arn}])
    eb.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
    put(eb, {"n": 1})
    backend = emulator_backend(DEFAULT_ACCOUNT, DEFAULT_REGION)
    assert len(events.delivered_log()) == 1
    assert len(backend.rule_created) == 2

    requests.post(MOTO_RESET, timeout=5)

    assert events.delivered_log() == []
    assert emulator_backend(DEFAULT_ACCOUNT, DEFAULT_REGION).rule_created == {}


def test_given_schedules_running_when_moto_resets_then_timers_stop_until_a_rule_is_put(
    sandbox: Runtime, eb: Any
) -> None:
    clock = sandbox.clock
    assert isinstance(clock, CountingClock)
    invoker = FakeInvoker()
    sandbox.invoke_lambda = invoker
    eb.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")
    eb.put_targets(Rule="tick", Targets=[{"Id": "fn", "Arn": FN_ARN + "tick"}])
    events.start_schedules()
    wait_until(lambda: len(invoker.calls_to(FN_ARN + "tick")) >= 1)

    requests.post(MOTO_RESET, timeout=5)
    armed = clock.armed_count("events-schedules")
    clock.sleep(300)  # five periods of the rule moto's reset removed

    assert clock.armed_count("events-schedules") <= armed + 1  # a tick in flight may re-arm once
    assert events.schedules_running()
    eb.put_rule(Name="again", ScheduleExpression="rate(1 minute)")
    eb.put_targets(Rule="again", Targets=[{"Id": "fn", "Arn": FN_ARN + "again"}])
    wait_until(lambda: len(invoker.calls_to(FN_ARN + "again")) >= 2)
    events.stop_schedules()
    assert not events.schedules_running()


# ------------------------------------------------------------------------------ the patches
def test_given_patches_when_applied_and_undone_through_a_registry_then_moto_is_restored() -> None:
    assert_patches_round_trip(events, "events.", MOTO_METHODS)


def test_given_moto_server_when_events_put_over_http_then_delivered_like_in_process(
    sandbox: Runtime, sqs: Any
) -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        http = boto3.client(
            "events", region_name=DEFAULT_REGION, endpoint_url=f"http://{host}:{port}"
        )
        url, queue_arn = make_queue(sqs, "http")
        rule(http, "over-http", [{"Id": "q", "Arn": queue_arn, "Input": '{"via": "http"}'}])
        rule(http, "off-http", [{"Id": "q", "Arn": queue_arn}], State="DISABLED")

        put(http, {"n": 1})

        assert [json.loads(b) for b in drain(sqs, url)] == [{"via": "http"}]
        assert [e["rule"] for e in events.delivered_log()] == ["over-http"]
    finally:
        server.stop()
