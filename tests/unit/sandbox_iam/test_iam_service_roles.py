"""``Enforcement.check_as``: a service's call evaluated as a session of the role it was given,
the role's documents read once (again after ``forget_roles``)."""

from __future__ import annotations

import pytest

from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam.principals import Mode, RoleDocuments
from turnout_sandbox.iam_enforcement import Enforcement

A, R = "123456789012", "ap-northeast-2"
ROLE = f"arn:aws:iam::{A}:role/build"
PUSH = ApiCall("ecr", "PutImage", {"repositoryName": "web"}, R, A)


class FakeIam:
    """Serves one role's inline policy, counting the reads; the policy can change."""

    def __init__(self, actions: list[str]) -> None:
        self.actions = actions
        self.reads = 0

    def __call__(self, role_arn: str) -> RoleDocuments:
        self.reads += 1
        if role_arn != ROLE:
            raise LookupError(f"NoSuchEntity: {role_arn}")
        statement = {"Effect": "Allow", "Action": list(self.actions), "Resource": "*"}
        return RoleDocuments({"p": {"Version": "2012-10-17", "Statement": [statement]}}, (), {})


def _enforcement(iam: FakeIam, mode: Mode = Mode.ENFORCE) -> tuple[Enforcement, list[str]]:
    lines: list[str] = []
    return Enforcement(mode, log=lines.append, role_documents=iam), lines


def test_given_a_role_allowing_the_call_when_checked_as_it_then_allowed_and_read_once() -> None:
    iam = FakeIam(["ecr:PutImage"])
    enforcement, _ = _enforcement(iam)

    enforcement.check_as(ROLE, "AWSCodeBuild-1", PUSH)
    enforcement.check_as(ROLE, "AWSCodeBuild-2", PUSH)

    assert (iam.reads, enforcement.evaluated, enforcement.denials) == (1, 2, [])
    assert ROLE in enforcement.documents


def test_given_a_role_without_the_action_when_checked_as_it_then_denied_naming_the_session() -> (
    None
):
    enforcement, _ = _enforcement(FakeIam(["ecr:BatchGetImage"]))

    with pytest.raises(AccessDeniedError) as denied:
        enforcement.check_as(ROLE, "AWSCodeBuild-1", PUSH)

    assert denied.value.code == "AccessDeniedException"
    assert denied.value.message.startswith(
        f"User: arn:aws:sts::{A}:assumed-role/build/AWSCodeBuild-1 is not authorized to "
        "perform: ecr:PutImage on resource: "
    )


def test_given_a_changed_role_when_forgotten_then_its_documents_are_read_again() -> None:
    iam = FakeIam(["ecr:BatchGetImage"])
    enforcement, _ = _enforcement(iam)
    with pytest.raises(AccessDeniedError):
        enforcement.check_as(ROLE, "s", PUSH)
    iam.actions = ["ecr:PutImage"]

    with pytest.raises(AccessDeniedError):  # still the documents read first
        enforcement.check_as(ROLE, "s", PUSH)
    enforcement.forget_roles()
    enforcement.check_as(ROLE, "s", PUSH)

    assert iam.reads == 2


@pytest.mark.parametrize("mode", [Mode.OFF, Mode.WARN])
def test_given_off_or_warn_when_a_denied_call_is_checked_as_a_role_then_it_goes_on(
    mode: Mode,
) -> None:
    iam = FakeIam(["ecr:BatchGetImage"])
    enforcement, _ = _enforcement(iam, mode)

    enforcement.check_as(ROLE, "s", PUSH)

    assert (iam.reads, len(enforcement.denials)) == ((0, 0) if mode is Mode.OFF else (1, 1))


def test_given_a_role_iam_does_not_hold_when_checked_as_it_then_named_once_not_evaluated() -> None:
    iam = FakeIam(["ecr:PutImage"])
    enforcement, lines = _enforcement(iam)
    other = f"arn:aws:iam::{A}:role/gone"

    enforcement.check_as(other, "s", PUSH)
    enforcement.check_as(other, "s", PUSH)

    assert (iam.reads, enforcement.evaluated) == (1, 0)
    assert lines == [f"iam: the role {other} is not evaluated (NoSuchEntity: {other})"]
