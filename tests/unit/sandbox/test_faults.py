"""The fault spec (parsed once, refused with one line naming the bad part) and the injector
(rates drawn from the seed, first-call-only, the most specific rule wins)."""

from __future__ import annotations

import re

import pytest

from turnout_sandbox.faults import (
    EXEMPT,
    FaultInjector,
    FaultRule,
    FaultSpec,
    FaultSpecError,
    api_fault_answer,
)


def test_given_every_kind_when_parsed_then_rules_keep_target_rate_and_first() -> None:
    spec = FaultSpec.parse(
        "throttle=0.2, throttle:dynamodb=0.3, 5xx:ecs=0.05, "
        "lambda-error:RenderFunction=first, lambda-timeout:*=first, lambda-crash=0.5, seed=7"
    )
    assert spec.seed == 7
    assert spec.rules == (
        FaultRule("throttle", "*", 0.2),
        FaultRule("throttle", "dynamodb", 0.3),
        FaultRule("5xx", "ecs", 0.05),
        FaultRule("lambda-error", "RenderFunction", 1.0, first=True),
        FaultRule("lambda-timeout", "*", 1.0, first=True),
        FaultRule("lambda-crash", "*", 0.5),
    )
    assert spec.lambda_targets() == {"RenderFunction"}


def test_given_no_spec_when_parsed_then_it_injects_nothing() -> None:
    assert not FaultSpec.parse(None)
    assert not FaultSpec.parse("  ")


def test_given_an_alias_when_parsed_then_the_botocore_name_is_kept() -> None:
    assert FaultSpec.parse("throttle:states=0.1").rules[0].target == "stepfunctions"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("throttle", "expected KIND[:TARGET]=VALUE"),
        ("throttel=0.2", "kind 'throttel' is not one of"),
        ("throttle=1.5", "rate 1.5 is not in [0, 1]"),
        ("throttle=lots", "'lots' is not a rate"),
        ("throttle=first", "'first' is for lambda-* faults"),
        ("throttle:dynamo=0.2", "'dynamo' is not an AWS service name"),
        ("seed=x", "seed 'x' is not an integer"),
        ("throttle=0.2,,seed=1", "an empty item"),
    ],
)
def test_given_a_bad_spec_when_parsed_then_one_line_names_the_bad_part(
    text: str, named: str
) -> None:
    with pytest.raises(FaultSpecError) as caught:
        FaultSpec.parse(text)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def _injector(text: str) -> FaultInjector:
    lines: list[str] = []
    return FaultInjector(FaultSpec.parse(text), log=lines.append)


def test_given_a_rate_and_a_seed_when_called_then_about_that_share_fails_the_same_way() -> None:
    first, again = _injector("throttle=0.2,seed=3"), _injector("throttle=0.2,seed=3")
    hits = [first.api_fault("dynamodb", "GetItem", "role") is not None for _ in range(1000)]
    assert hits == [again.api_fault("dynamodb", "GetItem", "role") is not None for _ in range(1000)]
    assert 150 <= sum(hits) <= 250
    other = _injector("throttle=0.2,seed=4")
    assert hits != [other.api_fault("dynamodb", "GetItem", "role") is not None for _ in range(1000)]


def test_given_a_throttle_when_it_hits_then_it_answers_the_services_own_code_and_is_logged() -> (
    None
):
    injector = _injector("throttle=1")
    fault = injector.api_fault("dynamodb", "UpdateItem", "arn:role/session")
    assert fault is not None
    assert (fault.code, fault.status) == ("ProvisionedThroughputExceededException", 400)
    (injected,) = injector.injected
    assert (injected.kind, injected.where, injected.caller) == (
        "throttle",
        "dynamodb.UpdateItem",
        "arn:role/session",
    )


@pytest.mark.parametrize(
    ("kind", "service", "operation", "answer"),
    [
        ("throttle", "lambda", "Invoke", ("TooManyRequestsException", 429)),
        ("throttle", "codedeploy", "CreateDeployment", ("ThrottlingException", 400)),
        ("throttle", "dynamodb", "DescribeTable", ("ThrottlingException", 400)),
        ("throttle", "elbv2", "DescribeTargetHealth", ("Throttling", 400)),
        ("throttle", "s3", "GetObject", ("SlowDown", 503)),
        ("5xx", "ecs", "DescribeServices", ("InternalFailure", 500)),
        ("5xx", "lambda", "Invoke", ("ServiceException", 500)),
    ],
)
def test_given_a_service_when_faulted_then_the_answer_is_its_own(
    kind: str, service: str, operation: str, answer: tuple[str, int]
) -> None:
    assert api_fault_answer(kind, service, operation) == answer


def test_given_a_service_rule_and_an_everywhere_rule_when_called_then_the_specific_one_wins() -> (
    None
):
    injector = _injector("throttle=1,throttle:dynamodb=0")
    assert injector.api_fault("dynamodb", "GetItem", "role") is None
    assert injector.api_fault("ecs", "DescribeServices", "role") is not None


def test_given_step_functions_own_polling_when_throttled_everywhere_then_it_is_spared() -> None:
    injector = _injector("throttle=1")
    for service, operation in EXEMPT:
        assert injector.api_fault(service, operation, "state machine") is None


def test_given_first_when_a_function_is_invoked_then_only_its_first_call_fails() -> None:
    injector = _injector("lambda-timeout:RenderFunction=first,lambda-error=first")
    assert injector.lambda_fault("stack-Render-ABC", "RenderFunction") == "lambda-timeout"
    assert injector.lambda_fault("stack-Render-ABC", "RenderFunction") is None
    assert injector.lambda_fault("stack-Admit-XYZ", "AdmitFunction") == "lambda-error"
    assert injector.lambda_fault("stack-Admit-XYZ", "AdmitFunction") is None
    assert [f.where for f in injector.injected] == [
        "function RenderFunction",
        "function AdmitFunction",
    ]


# -- EventBridge and DynamoDB faults (issue 9 item 2) -------------------------------------------
def test_given_event_and_ddb_kinds_when_parsed_then_sources_delays_and_rates_are_kept() -> None:
    spec = FaultSpec.parse(
        "event-lost:ecr=first, event-duplicate=0.5, event-late:aws.ecr=120, "
        "event-late:aws.codedeploy=30@0.25, ddb-conflict:ledger=0.3"
    )
    assert spec.rules == (
        FaultRule("event-lost", "aws.ecr", 1.0, first=True),
        FaultRule("event-duplicate", "*", 0.5),
        FaultRule("event-late", "aws.ecr", 1.0, delay=120.0),
        FaultRule("event-late", "aws.codedeploy", 0.25, delay=30.0),
        FaultRule("ddb-conflict", "ledger", 0.3),
    )
    assert spec.lambda_targets() == set()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("event-late=soon", "'soon' is not a delay in seconds"),
        ("event-late=0", "delay 0 is not in (0, 86400]"),
        ("event-late=90000", "delay 90000 is not in (0, 86400]"),
        ("event-late=60@2", "rate 2 is not in [0, 1]"),
        ("ddb-conflict=first", "'first' is for lambda-* faults"),
        ("event-lost=often", "'often' is not a rate"),
    ],
)
def test_given_a_bad_event_or_ddb_item_when_parsed_then_one_line_names_it(
    text: str, named: str
) -> None:
    with pytest.raises(FaultSpecError, match=re.escape(named)):
        FaultSpec.parse(text)


def test_given_event_lost_first_when_events_arrive_then_only_the_sources_first_is_lost() -> None:
    faults = _injector("event-lost:ecr=first")

    lost = [faults.event_lost("aws.ecr", f"e{n}", "ECR Image Action") for n in range(3)]

    assert lost == [True, False, False]
    assert not faults.event_lost("aws.codecommit", "c1", "CodeCommit Repository State Change")
    (fault,) = faults.injected
    assert (fault.kind, fault.where) == ("event-lost", "event e0 (aws.ecr ECR Image Action)")


def test_given_late_and_duplicate_faults_when_delivered_then_draws_count_per_source() -> None:
    faults = _injector("event-late:ecr=90,event-duplicate:ecr=first")

    first = faults.event_delivery("aws.ecr", "e1", "ECR Image Action", "push-rule")
    other_rule = faults.event_delivery("aws.ecr", "e1", "ECR Image Action", "archive-rule")
    second = faults.event_delivery("aws.ecr", "e2", "ECR Image Action", "push-rule")

    assert (first, other_rule, second) == ((90.0, True), (90.0, False), (90.0, False))
    assert faults.event_delivery("aws.events", "t", "Scheduled Event", "tick") == (0.0, False)
    assert [f.answer for f in faults.injected if f.where.endswith("to rule push-rule")] == [
        "delivered 90 s late",
        "delivered twice (the same id)",
        "delivered 90 s late",
    ]


def test_given_a_ddb_conflict_rate_when_writes_come_then_the_table_rule_decides() -> None:
    faults = _injector("ddb-conflict:ledger=1")

    assert faults.ddb_conflict("ledger", "PutItem", "role")
    assert not faults.ddb_conflict("other", "PutItem", "role")


# -- a fault that starts at a moment: an outage window (issue 10, ecs-orchestrator-dies) -----
def test_given_a_window_when_functions_are_invoked_then_only_calls_inside_it_fail() -> None:
    at = [100.0]
    injector = FaultInjector(FaultSpec.parse("lambda-error=1@60..120"), now=lambda: at[0])
    at[0] = 159.0  # 59 s after the sandbox started
    assert injector.lambda_fault("f", "EcsDeploymentFunction") is None
    at[0] = 160.0
    assert injector.lambda_fault("f", "EcsDeploymentFunction") == "lambda-error"
    assert injector.lambda_fault("g", "GateTickFunction") == "lambda-error"
    at[0] = 220.0  # UNTIL is excluded: the functions are back
    assert injector.lambda_fault("f", "EcsDeploymentFunction") is None


def test_given_a_running_injector_when_a_window_is_added_then_it_starts_then_and_the_spec_says_so() -> (
    None
):
    at = [0.0]
    injector = FaultInjector(FaultSpec.parse("throttle=0.1"), now=lambda: at[0])
    at[0] = 500.0
    assert injector.lambda_fault("f", "AdmitFunction") is None

    injector.add(f"lambda-error=1@{injector.elapsed():.0f}..")

    assert injector.lambda_fault("f", "AdmitFunction") == "lambda-error"
    assert injector.spec.text == "throttle=0.1,lambda-error=1@500.."


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("lambda-error=1@60", "is not FROM..[UNTIL]"),
        ("lambda-error=1@120..60", "0 <= FROM < UNTIL"),
        ("lambda-error=1@x..60", "is not FROM..[UNTIL]"),
        ("lambda-error=first@0..60", "a window takes a rate"),
    ],
)
def test_given_a_bad_window_when_parsed_then_one_line_names_it(text: str, named: str) -> None:
    with pytest.raises(FaultSpecError) as caught:
        FaultSpec.parse(text)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)
