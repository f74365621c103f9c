"""IAM through the real state machines: the stack as template.yaml grants it passes, and a
template missing a permission fails as AWS fails it (the audit's first-deploy defect)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from turnout_sandbox.sandbox import REPO_ROOT
from turnout_sandbox.scenarios import Run

pytestmark = pytest.mark.e2e

TAG_ON_CREATE = "              Action: [ecs:TagResource]\n"


def _template_without(tmp_path: Path, line: str, instead: str) -> Path:
    """A copy of template.yaml with one line changed, beside links to the code it deploys."""
    text = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8")
    assert line in text, f"template.yaml no longer holds {line.strip()!r}"
    for part in ("functions", "layers", "statemachines"):
        (tmp_path / part).symlink_to(REPO_ROOT / part, target_is_directory=True)
    path = tmp_path / "template.yaml"
    path.write_text(text.replace(line, instead, 1), encoding="utf-8")
    return path


def _deploy_rows(run: Run, commit: str) -> list[dict[str, Any]]:
    return [r for r in run.ledger() if r.get("commitId") == commit and r.get("kind") == "deploy"]


@pytest.fixture
def untagged(tmp_path: Path) -> Path:
    # ecs:TagResource swapped for an action Render never needs: the policy keeps its shape.
    return _template_without(
        tmp_path, TAG_ON_CREATE, "              Action: [ecs:ListTagsForResource]\n"
    )


@contextmanager
def _run(template: Path | None = None, iam: str = "enforce") -> Iterator[Run]:
    run = Run(None, speed=100.0, iam=iam, template=template)
    try:
        yield run
    finally:
        run.close()


def _push_until(run: Run, results: set[str]) -> dict[str, Any]:
    """Push a change and wait for its deploy row to reach one of ``results``."""
    commit = run.demo.push("A change")

    def ended() -> bool:
        return any(r.get("result") in results for r in _deploy_rows(run, commit))

    run.wait(f"the deploy to end {sorted(results)}", ended)
    return _deploy_rows(run, commit)[0]


def test_given_the_stack_as_granted_when_a_push_deploys_then_every_call_is_evaluated_and_allowed() -> (
    None
):
    with _run() as run:
        row = _push_until(run, {"succeeded", "failed", "rejected"})
        assert row["result"] == "succeeded", row.get("error")
        assert run.sandbox.iam.denials == []
        # Every Lambda and both state machines called as their roles: far more than a handful.
        assert run.sandbox.iam.evaluated > 50


def test_given_no_tag_on_create_when_a_push_deploys_then_render_is_denied_as_aws_denies_it(
    untagged: Path,
) -> None:
    with _run(untagged) as run:
        serving = run.demo.serving()["commit"]
        row = _push_until(run, {"succeeded", "failed", "rejected"})
        message = str(row["error"]["message"])
        assert row["error"]["type"] == "AccessDeniedException"
        assert "assumed-role/turnout-hello-aws-RenderFunctionRole-" in message
        assert "is not authorized to perform: ecs:TagResource on resource: " in message
        assert "because no identity-based policy allows the ecs:TagResource action" in message
        assert run.demo.serving()["commit"] == serving
        assert any("ecs:TagResource" in d for d in run.sandbox.iam.denials)


def test_given_a_build_role_without_put_image_when_a_push_builds_then_the_build_fails_naming_it(
    tmp_path: Path,
) -> None:
    # BuildRole's EcrPush statement with ecr:PutImage swapped for a pull no push makes.
    template = _template_without(
        tmp_path, "                  - ecr:PutImage\n", "                  - ecr:DescribeImages\n"
    )
    with _run(template) as run:
        serving = run.demo.serving()["commit"]
        commit = run.demo.push("A change")

        def built() -> list[dict[str, Any]]:
            return [
                r
                for r in run.ledger()
                if r.get("commitId") == commit
                and r.get("kind") == "build"
                and r.get("result") in {"succeeded", "failed"}
            ]

        run.wait("the build to end", lambda: bool(built()))
        (row,) = built()
        message = str(row["error"]["message"])
        assert row["result"] == "failed"
        assert (
            " POST_BUILD COMMAND_EXECUTION_ERROR: Error while executing command: docker push "
            in (message)
        )
        assert "assumed-role/turnout-hello-aws-BuildRole-" in message
        assert "/AWSCodeBuild-" in message
        assert "is not authorized to perform: ecr:PutImage on resource: " in message
        assert not _deploy_rows(run, commit)
        assert run.demo.serving()["commit"] == serving


def test_given_no_tag_on_create_and_iam_warn_when_a_push_deploys_then_it_deploys_and_warns(
    untagged: Path,
) -> None:
    with _run(untagged, "warn") as run:
        row = _push_until(run, {"succeeded", "failed", "rejected"})
        assert row["result"] == "succeeded", row.get("error")
        assert any("ecs:TagResource" in d for d in run.sandbox.iam.denials)
        warned = [line.message for line in run.sandbox.runtime.logs if line.source == "iam"]
        assert any("iam (warn)" in m and "ecs:TagResource" in m for m in warned)


def test_given_iam_off_when_the_sandbox_starts_then_nothing_is_evaluated(untagged: Path) -> None:
    with _run(untagged, "off") as run:
        row = _push_until(run, {"succeeded", "failed", "rejected"})
        assert row["result"] == "succeeded", row.get("error")
        assert run.sandbox.iam.evaluated == 0


def test_given_a_bad_iam_mode_when_the_sandbox_is_made_then_it_names_the_choices() -> None:
    from turnout_sandbox.cfn import SandboxError
    from turnout_sandbox.sandbox import Sandbox

    with pytest.raises(SandboxError, match="choose one of enforce, warn, off"):
        Sandbox(iam="strict")


def test_given_the_copy_helper_when_used_then_the_copy_differs_in_one_line_only(
    tmp_path: Path,
) -> None:
    path = _template_without(tmp_path, TAG_ON_CREATE, "# removed\n")
    original = (REPO_ROOT / "template.yaml").read_text(encoding="utf-8").splitlines()
    changed = path.read_text(encoding="utf-8").splitlines()
    assert len(original) == len(changed)
    assert sum(a != b for a, b in zip(original, changed, strict=True)) == 1
    shutil.rmtree(tmp_path / "functions", ignore_errors=True)
