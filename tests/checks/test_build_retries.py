"""statemachines/build.asl.json, BuildImage: which CodeBuild errors are retried (aws-fidelity
row 11).

The CodeBuild API models no throttling error: StartBuild declares only InvalidInput,
ResourceNotFound and AccountLimitExceeded (botocore codebuild model, checked below), so a
throttle (HTTP 400 ``ThrottlingException``, "Rate exceeded") reaches the optimized
integration as an unmodeled error, under the service's generic exception name. Public state
machines retry ``CodeBuild.AWSCodeBuildException`` (the SDK's base exception, after the
``ECS.AmazonECSException`` pattern) and ``CodeBuild.CodeBuildException``; neither is
confirmed by an AWS page, so both are retried, briefly. ``States.TaskFailed`` is what a
failed *build* raises (.sync): retrying it would rebuild after a failed build, so it must
never be retried here.
"""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from cfn_template import STATEMACHINES

pytestmark = pytest.mark.checks

GENERIC = {"CodeBuild.AWSCodeBuildException", "CodeBuild.CodeBuildException"}
NEVER = {"States.TaskFailed", "States.ALL"}


def _retriers() -> list[dict[str, Any]]:
    definition = json.loads((STATEMACHINES / "build.asl.json").read_text(encoding="utf-8"))
    retriers: list[dict[str, Any]] = definition["States"]["BuildImage"]["Retry"]
    return retriers


def test_given_the_codebuild_model_when_read_then_start_build_declares_no_throttling_error() -> (
    None
):
    model = botocore.session.get_session().get_service_model("codebuild")
    errors = {shape.name for shape in model.operation_model("StartBuild").error_shapes}

    assert errors == {
        "InvalidInputException",
        "ResourceNotFoundException",
        "AccountLimitExceededException",
    }


def test_given_build_image_when_read_then_a_generic_codebuild_error_is_retried_briefly() -> None:
    generic = [r for r in _retriers() if GENERIC & set(r["ErrorEquals"])]

    assert len(generic) == 1
    assert set(generic[0]["ErrorEquals"]) == GENERIC
    waited = sum(
        generic[0]["IntervalSeconds"] * generic[0].get("BackoffRate", 2.0) ** n
        for n in range(generic[0]["MaxAttempts"])
    )
    assert waited <= 60, f"a throttle retry should be brief, not {waited} s"


def test_given_build_image_when_read_then_a_failed_build_is_never_retried() -> None:
    for retrier in _retriers():
        assert not NEVER & set(retrier["ErrorEquals"]), retrier
