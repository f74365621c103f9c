"""A deployment group's DeploymentGroupInfo read once into what a deployment depends on."""

from __future__ import annotations

from turnout.adapters.codedeploy import GroupSettings


def test_given_a_group_that_terminates_after_a_wait_when_read_then_the_wait_and_defaults() -> None:
    settings = GroupSettings.of(
        {
            "blueGreenDeploymentConfiguration": {
                "terminateBlueInstancesOnDeploymentSuccess": {
                    "action": "TERMINATE",
                    "terminationWaitTimeInMinutes": 5,
                }
            }
        }
    )
    assert settings == GroupSettings(
        termination_wait_minutes=5,
        ready_action_on_timeout="CONTINUE_DEPLOYMENT",
        rolls_back_on_failure=False,
    )


def test_given_a_group_that_keeps_the_original_when_read_then_no_termination_wait() -> None:
    settings = GroupSettings.of(
        {
            "blueGreenDeploymentConfiguration": {
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE"},
                "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT"},
            },
            "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        }
    )
    assert settings.termination_wait_minutes is None
    assert settings.ready_action_on_timeout == "STOP_DEPLOYMENT"
    assert settings.rolls_back_on_failure


def test_given_rollback_on_alarms_only_when_read_then_a_failure_does_not_roll_back() -> None:
    settings = GroupSettings.of(
        {"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]}}
    )
    assert not settings.rolls_back_on_failure
    assert settings.termination_wait_minutes == 0
