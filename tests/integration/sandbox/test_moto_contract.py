"""Canary: the moto facts the sandbox's Step Functions emulator relies on.

Each probe checks moto UNPATCHED (the deviation the emulator corrects is still there) and
PATCHED (the emulator's AWS behaviour). A moto upgrade that fixes, moves or changes any of
these fails here loudly, before the sandbox silently drifts from AWS.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import moto
import pytest

from turnout_sandbox.emulators import stepfunctions as emu

pytestmark = pytest.mark.integration


@pytest.fixture
def unpatched() -> Iterator[None]:
    was = emu.is_installed()
    emu.uninstall()
    try:
        yield
    finally:
        if was:
            emu.install()


def test_given_the_pinned_moto_when_imported_then_version_is_5_2_5() -> None:
    assert moto.__version__ == "5.2.5"


def test_given_moto_jsonpath_when_unpatched_then_index_path_is_a_list_and_patched_scalar(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.asl.utils import json_path

    data = {"a": [{"b": 1}]}
    assert json_path.extract_json("$.a[0].b", data) == [1]
    emu.install()
    assert json_path.extract_json("$.a[0].b", data) == 1
    assert json_path.extract_json("$.a[*].b", data) == [1]


def test_given_moto_retry_and_wait_when_unpatched_then_they_sleep_in_real_time(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_decl import RetrierDecl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    assert "time.sleep(interval_seconds)" in inspect.getsource(RetrierDecl._eval_body)
    assert "program_state_event.wait(wait_seconds)" in inspect.getsource(
        WaitFunction._wait_interval
    )
    emu.install()
    assert "time.sleep" not in inspect.getsource(RetrierDecl._eval_body)
    assert "_wait_virtual" in inspect.getsource(WaitFunction._wait_interval)


def test_given_moto_task_timeout_when_unpatched_then_it_waits_on_a_threading_event(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state

    source = inspect.getsource(execute_state.ExecutionState._evaluate_with_timeout)
    assert "terminated_event = threading.Event()" in source
    assert "terminated_event.wait(timeout_seconds)" in source
    assert "timeout_seconds=60, is_default=True" in inspect.getsource(
        execute_state.ExecutionState.from_state_props
    )
    emu.install()
    assert execute_state.threading.Event is emu._VirtualTimeoutEvent


def test_given_moto_codebuild_integration_when_unpatched_then_unsupported_and_patched_served(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
        state_task_factory,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_factory,
    )

    assert "codebuild" in state_task_service_factory._UNSUPPORTED_SERVICE_NAMES
    factory = state_task_factory.state_task_service_for
    assert type(factory("codebuild")).__name__ == "StateTaskServiceUnsupported"
    emu.install()
    factory = state_task_factory.state_task_service_for
    assert type(factory("codebuild")).__name__ == "CodeBuildTask"
    assert type(factory("aws-sdk")).__name__ == "AwsSdkTask"


def test_given_moto_aws_sdk_when_unpatched_then_lowercase_error_prefix_and_no_name_mapping(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
        StateTaskServiceAwsSdk,
    )

    assert StateTaskServiceAwsSdk._normalise_service_error_name("codedeploy") == "codedeploy"
    noop = inspect.getsource(state_task_service.StateTaskService._normalise_parameters)
    assert noop.rstrip().endswith("pass")
    assert "elasticloadbalancingv2" not in str(
        state_task_service.StateTaskService._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES
    )
    emu.install()
    assert emu.sdk_error_service_name(emu.sdk_service_to_boto("codedeploy")) == "CodeDeploy"
    patched = inspect.getsource(state_task_service.StateTaskService._normalise_parameters)
    assert "_to_boto" in patched


def test_given_moto_context_object_when_unpatched_then_start_time_is_a_datetime(
    unpatched: None,
) -> None:
    from moto.stepfunctions.parser.backend import execution_worker

    source = inspect.getsource(execution_worker.ExecutionWorker._get_evaluation_environment)
    assert "StartTime=self._evaluation_details.execution_details.start_time" in source
    from moto.stepfunctions.parser.backend.execution import Execution

    assert "start_time=self.start_date" in inspect.getsource(Execution.get_start_execution_details)
    emu.install()
    patched = inspect.getsource(execution_worker.ExecutionWorker._get_evaluation_environment)
    assert "iso_timestamp" in patched


def test_given_moto_lambda_task_when_function_error_then_error_type_is_the_error_name() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_lambda,
    )

    source = inspect.getsource(state_task_service_lambda.StateTaskServiceLambda._from_error)
    assert 'error = cause_object["errorType"]' in source


def test_given_moto_callback_sync_polling_when_read_then_half_a_real_second() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback,
    )

    # states:startExecution.sync etc. still poll every 0.5 REAL seconds (not patched; the
    # product uses .sync only for CodeBuild, which polls on the virtual clock).
    assert state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK == 0.5
