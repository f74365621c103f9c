"""A stack named with 100 characters deploys and runs (issue 8 item 3, aws-fidelity row 3).

CloudFormation stack names have up to 128 characters (botocore cloudformation StackName);
every physical name the template derives from the stack must still fit its own service's
limit (Lambda functions 64, state machines 80, IAM roles 64, EventBridge rules 64 and
archives 48), which the sandbox enforces as AWS does (turnout_sandbox/emulators/
cloudformation.py: the resource fails, the stack rolls back).
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.test_scenarios import EXPECTED_PATHS
from turnout_sandbox.scenarios import Run, run_scenario

pytestmark = pytest.mark.e2e

LONG_NAME = "turnout-" + "a-long-stack-name-" * 5 + "xy"


def test_given_a_100_character_stack_name_when_the_happy_scenario_runs_then_it_deploys() -> None:
    assert len(LONG_NAME) == 100

    result = run_scenario("happy", speed=100.0, stack_name=LONG_NAME)

    assert result.ok, (result.checks, result.log[-20:])
    assert result.paths == EXPECTED_PATHS["happy"], result.paths


def test_given_the_deployed_stack_then_eventbridge_may_send_undelivered_events_to_the_queue(
    run: Run,
) -> None:
    """The AWS::SQS::QueuePolicy the sandbox provides (moto's CloudFormation has none): the
    dead-letter queue of the rules' targets lets EventBridge send (aws-fidelity row 43)."""
    sqs = run.sandbox.client("sqs")
    url = next(
        r["PhysicalResourceId"]
        for r in run.sandbox.client("cloudformation").describe_stack_resources(
            StackName=run.stack_name
        )["StackResources"]
        if r["LogicalResourceId"] == "AsyncFailureQueue"
    )

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "QueueArn"])

    policy = json.loads(attributes["Attributes"]["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == attributes["Attributes"]["QueueArn"]
