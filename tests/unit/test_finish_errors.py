"""Finish's reading of a Catch'ed error: what the ledger records as the failure's message."""

from __future__ import annotations

import json

from turnout.logic.finish import error_of

DENIAL = (
    "Error while executing command: docker push 1.dkr.ecr.r.amazonaws.com/web:abc. Reason: "
    "exit status 1 (denied: User: arn:aws:sts::1:assumed-role/b/AWSCodeBuild-u is not "
    "authorized to perform: ecr:PutImage on resource: arn:aws:ecr:r:1:repository/web)"
)


def _sync_cause(phases: list[dict[str, object]]) -> str:
    # the codebuild:startBuild.sync integration fails with the build's JSON as its cause
    return json.dumps({"Build": {"Id": "proj:u", "BuildStatus": "FAILED", "Phases": phases}})


def test_given_a_failed_build_cause_when_read_then_the_message_is_its_failed_phase() -> None:
    cause = _sync_cause(
        [
            {"PhaseType": "BUILD", "PhaseStatus": "SUCCEEDED"},
            {
                "PhaseType": "POST_BUILD",
                "PhaseStatus": "FAILED",
                "Contexts": [{"StatusCode": "COMMAND_EXECUTION_ERROR", "Message": DENIAL}],
            },
        ]
    )

    found = error_of({"error": {"Error": "States.TaskFailed", "Cause": cause}})

    assert found == {
        "type": "States.TaskFailed",
        "message": f"build proj:u POST_BUILD COMMAND_EXECUTION_ERROR: {DENIAL}",
    }


def test_given_a_build_cause_without_a_failed_phase_when_read_then_the_cause_is_kept() -> None:
    cause = _sync_cause([{"PhaseType": "BUILD", "PhaseStatus": "SUCCEEDED"}])

    found = error_of({"error": {"Error": "States.TaskFailed", "Cause": cause}})

    assert found == {"type": "States.TaskFailed", "message": cause}


def test_given_a_lambda_cause_when_read_then_its_error_message() -> None:
    cause = json.dumps({"errorMessage": "boom", "errorType": "ValueError"})

    found = error_of({"error": {"Error": "ValueError", "Cause": cause}})

    assert found == {"type": "ValueError", "message": "boom"}
