"""The Task services moto lacks: the aws-sdk integration and the optimized CodeBuild one.

**aws-sdk** (``arn:aws:states:::aws-sdk:<service>:<apiAction>``): names by
:mod:`.sdk_names`, shapes by :mod:`.shapes`. Errors: "the resulting Error field will be
composed of the service name and the error name, separated by a period character. Both the
service name and error name are in Pascal case" and the ``Exception`` suffix is always
present (``AcmPca.ResourceNotFoundException``, ``S3.BucketAlreadyExistsException``), so a
CodeDeploy ``DeploymentLimitExceededException`` is caught as
``CodeDeploy.DeploymentLimitExceededException``. The cause is
``<message> (Service: <Name>, Status Code: <code>, Request ID: <id>)``
(https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).

**Optimized CodeBuild** (``arn:aws:states:::codebuild:<api>`` and ``.sync`` for
StartBuild/StartBuildBatch/RetryBuildBatch), per
https://docs.aws.amazon.com/step-functions/latest/dg/connect-codebuild.html: PascalCase
parameters mapped like the aws-sdk ones (``EnvironmentVariablesOverride: [{Name, Value,
Type}]``), output PascalCased (``{"Build": {"Arn": ..., "BuildStatus": ...}}``, the doc's
``$.Build..Arn`` example). ``.sync`` polls ``batch_get_builds`` every
``codebuild_poll_seconds`` VIRTUAL seconds (default 10; polling costs no state transitions,
as on AWS) and returns the final ``{"Build": ...}``. A build that ends
FAILED/FAULT/TIMED_OUT/STOPPED fails the task with ``States.TaskFailed`` and the final
``{"Build": ...}`` JSON as the cause (the docs do not spell the error name out; this is the
generic ``.sync`` failure). If the task times out or the execution stops while the build
runs, ``StopBuild`` is called, as AWS does for ``.sync`` jobs. Timestamps in this optimized
integration's output are epoch milliseconds (unverified against AWS; nothing in the product
reads them).

The Task classes subclass moto's, so they are built on first use (importing moto's
interpreter is not free); the task factory patch hands them out.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Final, cast

from turnout_sandbox.emulators.stepfunctions.models import SETTINGS, AwsSdkIntegrationError
from turnout_sandbox.emulators.stepfunctions.sdk_names import (
    _service_operation,
    sdk_error_service_name,
    sdk_member_name,
    sdk_service_to_boto,
)
from turnout_sandbox.emulators.stepfunctions.shapes import (
    _call,
    _epoch_millis,
    _from_boto,
    _upper_first,
)
from turnout_sandbox.emulators.stepfunctions.virtual_time import _datetime_to_iso, _wait_virtual
from turnout_sandbox.emulators.stepfunctions.wrapping import wraps_upstream
from turnout_sandbox.patches import AttributePatch

__all__ = ["PATCHES"]

_CODEBUILD_TERMINAL_FAILURES: Final[frozenset[str]] = frozenset(
    {"FAILED", "FAULT", "TIMED_OUT", "STOPPED"}
)


def _client(service: str, region: str, state_credentials: Any) -> Any:
    factory = SETTINGS.client_factory
    if factory is not None:
        return factory(service, region)
    from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

    return boto_client_for(region=region, service=service, state_credentials=state_credentials)


@functools.cache
def _task_classes() -> tuple[type, type]:
    """Build the Task classes lazily: importing moto's interpreter is not free."""
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
        CustomErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        ResourceCondition,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (  # noqa: E501
        StateTaskServiceAwsSdk,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    class BotoCall:
        """A task that calls boto itself, mapping the state's names and timestamps both ways
        with the integration's own conventions (``rename``, ``timestamps``)."""

        resource: Any
        rename: Callable[[str], str]
        timestamps: Callable[[Any], Any]

        def _normalise_parameters(self, parameters: dict[str, Any], *args: Any) -> None:
            return None  # _eval_service_task maps names itself

        def _normalise_response(self, response: Any, *args: Any, **kwargs: Any) -> None:
            return None

        def _service_client(self, region: str, state_credentials: Any) -> Any:
            raise NotImplementedError

        def _eval_service_task(
            self,
            env: Any,
            resource_runtime_part: Any,
            normalised_parameters: dict[str, Any],
            state_credentials: Any,
        ) -> None:
            client = self._service_client(resource_runtime_part.region, state_credentials)
            env.stack.append(
                _call(
                    client,
                    self.resource.api_action,
                    normalised_parameters,
                    where=self.resource.resource_arn,
                    timestamps=self.timestamps,
                    rename=self.rename,
                )
            )

    class AwsSdkTask(BotoCall, StateTaskServiceAwsSdk):
        rename = staticmethod(sdk_member_name)
        timestamps = staticmethod(_datetime_to_iso)

        def _boto_service(self) -> str:
            return sdk_service_to_boto(self.resource.api_name)

        def _service_client(self, region: str, state_credentials: Any) -> Any:
            return _client(self._boto_service(), region, state_credentials)

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if not isinstance(ex, ClientError):
                return super()._from_error(env=env, ex=ex)
            error, cause = _service_error(ex, sdk_error_service_name(self._boto_service()))
            return self._get_task_failure_event(env=env, error=error, cause=cause)

    _sync_actions = {
        "startbuild": "Build",
        "startbuildbatch": "BuildBatch",
        "retrybuildbatch": "BuildBatch",
    }
    _supported_actions = {
        "startbuild",
        "stopbuild",
        "batchdeletebuilds",
        "batchgetreports",
        "startbuildbatch",
        "stopbuildbatch",
        "retrybuildbatch",
        "deletebuildbatch",
    }

    class CodeBuildTask(BotoCall, StateTaskServiceCallback):
        rename = staticmethod(_upper_first)
        timestamps = staticmethod(_epoch_millis)

        def __init__(self) -> None:
            # moto's callback machinery needs a task-token endpoint even for .sync.
            super().__init__(
                supported_integration_patterns=cast(
                    Any, {ResourceCondition.Sync, ResourceCondition.WaitForTaskToken}
                )
            )

        def _get_supported_parameters(self) -> set[str] | None:
            action = self.resource.api_action.lower()
            if action not in _supported_actions:
                return None
            condition = self.resource.condition
            if condition == ResourceCondition.WaitForTaskToken or (
                condition is not None and action not in _sync_actions
            ):
                return None
            operation = _service_operation("codebuild", action)
            if operation is None or operation.input_shape is None:
                return None
            return {_upper_first(member) for member in operation.input_shape.members}

        def _service_client(self, region: str, state_credentials: Any) -> Any:
            return _client("codebuild", region, state_credentials)

        def _build_sync_resolver(
            self,
            env: Any,
            resource_runtime_part: Any,
            normalised_parameters: dict[str, Any],
            state_credentials: Any,
        ) -> Callable[[], Any]:
            key = _sync_actions[self.resource.api_action.lower()]
            started = env.stack.pop()
            build_id = started[key]["Id"]
            client = self._service_client(resource_runtime_part.region, state_credentials)
            batch = key == "BuildBatch"

            def resolve() -> Any:
                if batch:
                    found = client.batch_get_build_batches(ids=[build_id])["buildBatches"]
                    status_key = "buildBatchStatus"
                else:
                    found = client.batch_get_builds(ids=[build_id])["builds"]
                    status_key = "buildStatus"
                if not found:
                    raise AwsSdkIntegrationError(
                        f"{self.resource.resource_arn}: build '{build_id}' vanished while "
                        "Step Functions was waiting for it"
                    )
                status = found[0].get(status_key)
                if status == "IN_PROGRESS":
                    return None
                shape = client.meta.service_model.shape_for(key)
                output = {key: _from_boto(found[0], shape, _epoch_millis, _upper_first)}
                if status in _CODEBUILD_TERMINAL_FAILURES:
                    raise FailureEventException(
                        failure_event=self._sync_failure(env, json.dumps(output))
                    )
                return output

            def stop() -> None:
                try:
                    if batch:
                        client.stop_build_batch(id=build_id)
                    else:
                        client.stop_build(id=build_id)
                except ClientError:  # best effort, as on AWS
                    return

            resolve.stop = stop  # type: ignore[attr-defined]
            return resolve

        def _from_error(self, env: Any, ex: Exception) -> Any:
            # A refused call fails the task as the aws-sdk integration names it
            # (CodeBuild.ThrottlingException), which the state machines' Retry lists match.
            if not isinstance(ex, ClientError):
                return super()._from_error(env=env, ex=ex)
            error, cause = _service_error(ex, "CodeBuild")
            return self._failure(env, CustomErrorName(error), error, cause)

        def _sync_failure(self, env: Any, cause: str) -> Any:
            error = StatesErrorNameType.StatesTaskFailed.to_name()
            name = StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed)
            return self._failure(env, name, error, cause)

        def _failure(self, env: Any, error_name: Any, error: str, cause: str) -> Any:
            return FailureEvent(
                env=env,
                error_name=error_name,
                event_type=HistoryEventType.TaskFailed,
                event_details=cast(Any, EventDetails)(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                        error=error,
                        cause=cause,
                    )
                ),
            )

        def _eval_sync(
            self,
            env: Any,
            sync_resolver: Callable[[], Any] | None,
            timeout_seconds: int | None,
            callback_endpoint: Any,
            heartbeat_endpoint: Any,
        ) -> Any:
            if sync_resolver is None:
                raise AwsSdkIntegrationError(
                    f"{self.resource.resource_arn}: no .sync resolver for this API"
                )
            while env.is_running():
                result = sync_resolver()
                if result is not None:
                    return result
                _wait_virtual(env.program_state_event, SETTINGS.codebuild_poll_seconds)
            stop = getattr(sync_resolver, "stop", None)
            if stop is not None:
                stop()
            return None

    return AwsSdkTask, CodeBuildTask


def _service_error(ex: Any, service: str) -> tuple[str, str]:
    """(error, cause) of a refused service call, as Step Functions names them."""
    code = str(ex.response.get("Error", {}).get("Code") or "Unknown")
    code = code.rsplit("#", 1)[-1]
    if not code.endswith("Exception"):
        code += "Exception"
    meta = ex.response.get("ResponseMetadata", {})
    cause = (
        f"{ex.response.get('Error', {}).get('Message', '')} (Service: {service}, "
        f"Status Code: {meta.get('HTTPStatusCode')}, Request ID: {meta.get('RequestId')})"
    )
    return f"{service}.{code}", cause


@wraps_upstream(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_factory",
    "state_task_service_for",
    name="stepfunctions.task_factory",
    why="serve the aws-sdk integration (PascalCase I/O, AWS's error names) and the optimized "
    "CodeBuild one with .sync on the virtual clock (moto: unsupported)",
)
def _state_task_service_for(service_name: str) -> Any:
    if service_name in ("aws-sdk", "codebuild"):
        aws_sdk_task, codebuild_task = _task_classes()
        return aws_sdk_task() if service_name == "aws-sdk" else codebuild_task()
    return _state_task_service_for.call_upstream(service_name)


PATCHES: Final[tuple[AttributePatch, ...]] = (_state_task_service_for,)
