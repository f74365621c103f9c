"""What a build does as the project's service role, authorized as AWS authorizes it, and how a
denial ends the build.

CodeBuild "uses the service role for all operations that are performed on your behalf"
(CodeBuild User Guide, "Allow CodeBuild to interact with other AWS services"), in a session
named ``AWSCodeBuild-<build uuid>`` (as AWS's denials name it, e.g.
aws-samples/aws-modern-application-workshop#95: ``assumed-role/<role>/AWSCodeBuild-4c4a...``).
Each phase's calls, and what a denial does:

* PROVISIONING: ``logs:CreateLogStream`` on the build's stream of the project's log group
  (CloudWatch Logs on, the default); denied, the phase fails ``ACCESS_DENIED: Service role
  <arn> does not allow AWS CodeBuild to create Amazon CloudWatch Logs log streams for build
  <arn>. Error message: User: ...`` (CodeBuild's wording, as in aws/aws-cdk#12179 and
  juspay/hyperswitch-cdk#37; which phase reports it is not published: the sandbox fails
  PROVISIONING, where the build's environment is set up). ``logs:PutLogEvents`` on the same
  stream: AWS documents no failure of the build when only the log writes are refused, so a
  denial is recorded (the sandbox's IAM log, ``Enforcement.denials``) and the build goes on
  without its log.
* DOWNLOAD_SOURCE: ``codecommit:GitPull`` on the repository (the clone); denied, the phase
  fails ``CLIENT_ERROR`` with git's answer to a refused CodeCommit clone, HTTP 403
  (aws-amplify/amplify-hosting#572; CodeBuild's own wording for it is not published).
* PRE_BUILD: ``ecr:GetAuthorizationToken`` (``aws ecr get-login-password | docker login``,
  on ``*``: no resource-level permissions, SAR); denied, the command exits 1 and the phase
  fails ``COMMAND_EXECUTION_ERROR``. The sandbox runs no buildspec command: every build with a
  ``REPOSITORY_URI`` logs in here, as the demo's buildspec and the corpus's real ones do.
* POST_BUILD: ``docker push`` of each tag, the ECR calls it makes (ECR User Guide, "Pushing
  a Docker image": "ecr:CompleteLayerUpload, ecr:UploadLayerPart, ecr:InitiateLayerUpload,
  ecr:BatchCheckLayerAvailability, ecr:PutImage"): BatchCheckLayerAvailability, the layer
  upload (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload: the sandbox keeps no
  layers, so the first tag uploads them, as a build of a new commit does) and PutImage;
  denied, docker prints ``denied: User: ... is not authorized to perform: ecr:...`` and
  exits 1, and the phase fails ``COMMAND_EXECUTION_ERROR`` (``Phase complete: POST_BUILD
  State: FAILED``, aws-modern-application-workshop#95).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from turnout_sandbox.emulators.codebuild.models import Build, Failure
from turnout_sandbox.iam.actions import ApiCall
from turnout_sandbox.iam.errors import AccessDeniedError
from turnout_sandbox.iam_enforcement import authorize_as

__all__ = ["authorize_phase", "authorize_push", "log_group"]

#: The calls ``docker push`` makes for the first tag, and for every further tag (its layers
#: are in the repository by then).
_FIRST_PUSH: Final = (
    "BatchCheckLayerAvailability",
    "InitiateLayerUpload",
    "UploadLayerPart",
    "CompleteLayerUpload",
    "PutImage",
)
_NEXT_PUSH: Final = ("BatchCheckLayerAvailability", "PutImage")


def session_name(build: Build) -> str:
    return "AWSCodeBuild-" + str(build.data["id"]).split(":", 1)[1]


def log_group(meta: Mapping[str, Any], project_name: str) -> str | None:
    """The build's CloudWatch Logs group: the project's ``logsConfig`` group, else
    ``/aws/codebuild/<project>``; None when the project turned CloudWatch Logs off
    (CodeBuild API Reference, CloudWatchLogsConfig)."""
    config = (meta.get("logsConfig") or {}).get("cloudWatchLogs") or {}
    if str(config.get("status") or "ENABLED") == "DISABLED":
        return None
    return str(config.get("groupName") or f"/aws/codebuild/{project_name}")


def _denied(build: Build, service: str, operation: str, params: Mapping[str, Any]) -> str | None:
    """IAM's denial of the call as the build's service role, or None when allowed."""
    call = ApiCall(service, operation, dict(params), build.region, build.account)
    try:
        authorize_as(build.data.get("serviceRole"), session_name(build), call)
    except AccessDeniedError as denied:
        return denied.message
    return None


def authorize_phase(build: Build, phase: str) -> Failure | None:
    """The service role's calls of ``phase`` (see the module doc); the failure a denial
    gives the phase, if any."""
    if phase == "PROVISIONING":
        return _logs(build)
    if phase == "DOWNLOAD_SOURCE" and build.repository is not None:
        denial = _denied(build, "codecommit", "GitPull", {"repositoryName": build.repository})
        if denial is not None:
            location = str(build.data["source"].get("location") or build.repository)
            return Failure(
                "CLIENT_ERROR",
                f"Failed to clone the primary source: unable to access '{location}/': The "
                f"requested URL returned error: 403 ({denial})",
            )
    if phase == "PRE_BUILD" and build.env.get("REPOSITORY_URI"):
        denial = _denied(build, "ecr", "GetAuthorizationToken", {})
        if denial is not None:
            return Failure(
                "COMMAND_EXECUTION_ERROR",
                "Error while executing command: aws ecr get-login-password | docker login "
                "--username AWS --password-stdin. Reason: exit status 1 (An error occurred "
                f"(AccessDeniedException) when calling the GetAuthorizationToken operation: "
                f"{denial})",
            )
    return None


def _logs(build: Build) -> Failure | None:
    logs = build.data.get("logs") or {}
    group, stream = logs.get("groupName"), logs.get("streamName")
    if not group or not stream:
        return None
    params = {"logGroupName": group, "logStreamName": stream}
    denial = _denied(build, "logs", "CreateLogStream", params)
    if denial is not None:
        return Failure(
            "ACCESS_DENIED",
            f"Service role {build.data.get('serviceRole')} does not allow AWS CodeBuild to "
            f"create Amazon CloudWatch Logs log streams for build {build.data['arn']}. Error "
            f"message: {denial}",
        )
    # Denied, the build goes on without its log (see the module doc): the denial is in
    # the sandbox's IAM record.
    _denied(build, "logs", "PutLogEvents", {**params, "logEvents": []})
    return None


def authorize_push(build: Build, uri: str, tag: str, *, first: bool) -> Failure | None:
    """``docker push`` of one tag as the service role (the ``first`` uploads the layers):
    the failure of a denied push."""
    registry, _, rest = uri.partition("/")
    repository = rest.split(":", 1)[0]
    params = {"registryId": registry.split(".", 1)[0], "repositoryName": repository}
    for operation in _FIRST_PUSH if first else _NEXT_PUSH:
        denial = _denied(build, "ecr", operation, params)
        if denial is not None:
            return Failure(
                "COMMAND_EXECUTION_ERROR",
                f"Error while executing command: docker push {uri}:{tag}. Reason: exit "
                f"status 1 (denied: {denial})",
            )
    return None
