"""template.yaml's Rules (DeploymentEngine codedeploy needs its CodeDeploy application and
group; ecs neither), checked as CloudFormation checks them before creating a stack, by the
sandbox's Resolver.check_rules (turnout_sandbox/cfn.py)."""

from __future__ import annotations

from typing import Any

import pytest

from turnout_sandbox.cfn import Resolver, SandboxError, load_template
from turnout_sandbox.sandbox import REPO_ROOT

RULES: dict[str, Any] = load_template(REPO_ROOT / "template.yaml")["Rules"]


def _check(**params: str) -> None:
    defaults = {
        "DeploymentEngine": "codedeploy",
        "CodeDeployApplication": "",
        "DeploymentGroupName": "",
    }
    Resolver({**defaults, **params}).check_rules(RULES)


def test_given_the_ecs_engine_without_codedeploy_names_when_checked_then_the_stack_is_accepted() -> (
    None
):
    _check(DeploymentEngine="ecs")


def test_given_the_codedeploy_engine_with_both_names_when_checked_then_the_stack_is_accepted() -> (
    None
):
    _check(CodeDeployApplication="app", DeploymentGroupName="dg")


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"DeploymentGroupName": "dg"}, "needs CodeDeployApplication"),
        ({"CodeDeployApplication": "app"}, "needs DeploymentGroupName"),
    ],
)
def test_given_the_codedeploy_engine_without_a_name_when_checked_then_refused_naming_it(
    params: dict[str, str], named: str
) -> None:
    with pytest.raises(SandboxError, match=f"ValidationError: DeploymentEngine codedeploy {named}"):
        _check(**params)


def test_given_a_rule_without_condition_when_its_assertion_fails_then_the_rule_is_named() -> None:
    rules = {"Always": {"Assertions": [{"Assert": {"Fn::Equals": [{"Ref": "X"}, "y"]}}]}}
    with pytest.raises(SandboxError, match="rule Always is not met"):
        Resolver({"X": "z"}).check_rules(rules)
