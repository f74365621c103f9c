"""`turnout status` / `history` name the deployment engine (DeploymentEngine=ecs rows carry
``engine`` and the ECS service deployment ARN; rows from before the parameter are CodeDeploy's)."""

from __future__ import annotations

from turnout_cli.ledger import HISTORY_COLUMNS, history_rows, record
from turnout_cli.status import Snapshot, phase_of_state, render

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/web/bQuBU0Ntp2eNmweTnB95C"
NOW = 1_790_000_000.0


def _row(**fields: object) -> dict[str, object]:
    return {
        "attemptId": "20261126T064820000000Z-aaaaaa",
        "kind": "deploy",
        "result": "succeeded",
    } | fields


def test_given_an_ecs_row_when_recorded_then_engine_and_the_service_deployment_arn_are_kept() -> (
    None
):
    item = record(_row(engine="ecs", deploymentId=ARN, serviceDeploymentArn=ARN), NOW)

    assert (item["engine"], item["serviceDeploymentArn"], item["deploymentId"]) == ("ecs", ARN, ARN)


def test_given_a_deploy_row_without_engine_when_recorded_then_it_is_codedeploy() -> None:
    assert record(_row(deploymentId="d-1"), NOW)["engine"] == "codedeploy"
    assert record(_row(kind="build"), NOW)["engine"] == ""


def test_given_an_ecs_record_when_tabled_then_the_engine_column_and_a_short_deployment_show() -> (
    None
):
    (cells,) = history_rows([record(_row(engine="ecs", deploymentId=ARN), NOW)])

    columns = dict(zip(HISTORY_COLUMNS, cells, strict=True))
    assert columns["ENGINE"] == "ecs"
    assert columns["DEPLOYMENT"] == "bQuBU0Ntp2eNmweTnB95C"


def test_given_the_ecs_engine_when_a_state_is_shown_then_its_own_states_have_phases() -> None:
    assert phase_of_state("deploy", "StartDeployment", "ecs") == "deploying"
    assert phase_of_state("deploy", "ContinueDeployment", "ecs") == "terminating"
    assert phase_of_state("deploy", "CreateDeployment", "ecs") == "running (CreateDeployment)"
    assert phase_of_state("deploy", "CreateDeployment") == "deploying"


def test_given_an_ecs_stack_when_its_status_is_shown_then_the_engine_is_named() -> None:
    snap = Snapshot(stack="s", service="c/web", now=NOW, engine="ecs")

    assert snap.to_dict()["engine"] == "ecs"
    assert Snapshot(stack="s", service="c/web", now=NOW).to_dict()["engine"] == "codedeploy"
    assert "engine ecs" in str(render(snap).title)
