"""Read taskdef.json and appspec.yaml AT the image's commit, pin the image by digest,
register the task definition and build the AppSpec (with the gate hook)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from turnout.appspec import render_appspec
from turnout.deps import Deps
from turnout.errors import ConfigError, InvalidEvent, PolicyViolation
from turnout.hold import hold_mode_of
from turnout.ledger import Phase
from turnout.observability import logger
from turnout.policy import ServiceView, check_policy, taskdef_refusals
from turnout.queue import Slot
from turnout.render import RenderedTaskDefinition, parse_extra_images, render_task_definition
from turnout.textfiles import clipped

if TYPE_CHECKING:
    from turnout.ecs_engine import Pauses

#: Time allowed from CreateDeployment until production traffic reaches the new task set.
TRAFFIC_SHIFT_ALLOWANCE_SECONDS = 3600
#: Time allowed, beyond the group's termination wait, from the gate's end until CodeDeploy
#: reports SUCCESS (the original task set's removal, event delivery).
COMPLETION_ALLOWANCE_SECONDS = 3600


def completion_wait_timeout_seconds(termination_wait_minutes: int | None) -> int:
    """WaitForDeploymentSuccess's timeout (aws-fidelity row 12). CodeDeploy reports SUCCESS
    only once the original task set is removed ("After all events succeed, the deployment
    status is set to Succeeded and the original task set is removed": CodeDeploy User Guide,
    "What happens during an Amazon ECS deployment"); when ContinueDeployment fails, that is at
    the end of the group's termination wait, so the wait must outlast it or the execution
    records WaitTimedOut while CodeDeploy later succeeds."""
    return (termination_wait_minutes or 0) * 60 + COMPLETION_ALLOWANCE_SECONDS


def refuse_manual_reroute(action_on_timeout: str, deployment_group: str) -> None:
    """A group that waits for a manual reroute is refused before anything is registered
    (aws-fidelity row 15). With ``actionOnTimeout`` STOP_DEPLOYMENT, CodeDeploy does "not
    register new instances with a load balancer unless traffic rerouting is started using
    ContinueDeployment. If traffic rerouting is not started before the end of the specified
    wait period, the deployment status is changed to Stopped" (botocore codedeploy,
    DeploymentReadyOption.actionOnTimeout). turnout does not send READY_WAIT on the
    operator's behalf: the setting asks a person to decide, and an automatic reroute would
    silently overrule them; the error says what to change instead."""
    if action_on_timeout == "STOP_DEPLOYMENT":
        raise ConfigError(
            f"deployment group {deployment_group} has deploymentReadyOption.actionOnTimeout = "
            "STOP_DEPLOYMENT: it waits for a manual reroute (ContinueDeployment READY_WAIT) that "
            "turnout never sends, so the deployment would stop at the ready timeout; set it to "
            "CONTINUE_DEPLOYMENT (the health gate decides after traffic moves)"
        )


def _rendered(
    deps: Deps, slot: Slot, taskdef_text: str
) -> tuple[RenderedTaskDefinition, dict[str, Any]]:
    """taskdef.json (read AT the commit), the image pinned by digest: the rendering and the
    RegisterTaskDefinition arguments (turnout's tags added)."""
    cfg = deps.config
    images = {
        "IMAGE": slot.image_uri,
        "IMAGE1_NAME": slot.image_uri,
        **parse_extra_images(cfg.extra_images),
    }
    taskdef = render_task_definition(
        taskdef_text, images, path=cfg.taskdef_path, accepted=deps.ecs.register_fields()
    )
    if taskdef.dropped_fields:
        logger.info(
            "read-only task definition fields dropped",
            extra={"fields": list(taskdef.dropped_fields), "file": cfg.taskdef_path},
        )
    if taskdef.dropped_nulls:
        logger.info(
            "null task definition fields dropped",
            extra={"fields": list(taskdef.dropped_nulls), "file": cfg.taskdef_path},
        )
    kwargs = dict(taskdef.register_kwargs)
    tags = list(kwargs.get("tags", []))  # the policy refuses turnout:* keys from the file
    tags += [
        {"key": "turnout:commit", "value": slot.commit_id},
        {"key": "turnout:digest", "value": slot.digest},
    ]
    kwargs["tags"] = tags
    return taskdef, kwargs


def _register(deps: Deps, kwargs: dict[str, Any]) -> tuple[str, int]:
    try:
        return deps.ecs.register(kwargs)
    except Exception as exc:
        from turnout.logic.registration import registration_refusal  # lazy: refusals only

        refused = registration_refusal(exc, deps.config.taskdef_path)
        if refused is None:
            raise
        raise refused from exc


def render_and_register(state: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    slot = Slot.from_item(state.get("attempt") or {}, "deploy state: attempt")
    # The ecs deploy state machine says so (DeploymentEngine=ecs has its own definition);
    # not an environment variable: Render's environment is at its 4 KB bound (row 20).
    engine = state.get("engine", "codedeploy")
    if engine == "ecs":
        from turnout.ecs_engine import Pauses  # lazy: DeploymentEngine=ecs only

        return _render_for_ecs(deps, slot, Pauses.from_payload(state.get("pauses")))
    if engine != "codedeploy":
        raise InvalidEvent(f"deploy state: engine {engine!r} is not codedeploy or ecs")
    taskdef_text = deps.codecommit.file_at(slot.commit_id, cfg.taskdef_path)
    appspec_text = deps.codecommit.file_at(slot.commit_id, cfg.appspec_path)
    taskdef, kwargs = _rendered(deps, slot, taskdef_text)
    # Check the AppSpec against the task definition, and both against the policy, before
    # registering anything.
    checked = render_appspec(
        appspec_text,
        task_definition_arn="<TASK_DEFINITION>",
        taskdef=taskdef,
        gate_hook_function=cfg.gate_hook_function,
        path=cfg.appspec_path,
    )
    service = deps.ecs.service_description()
    if service is None:
        raise ConfigError(f"ECS service {cfg.service} does not exist in cluster {cfg.cluster}")
    check_policy(
        cfg.policy,
        ServiceView.of(service),
        taskdef,
        checked,
        taskdef_path=cfg.taskdef_path,
        appspec_path=cfg.appspec_path,
        gate_function=cfg.gate_hook_function,
    )
    group = deps.codedeploy.group_settings()  # one GetDeploymentGroup for both checks
    refuse_manual_reroute(group.ready_action_on_timeout, cfg.deployment_group)
    termination_wait = group.termination_wait_minutes
    # A ConfigError must come before anything is registered.
    mode = hold_mode_of(deps.config, termination_wait)
    arn, revision = _register(deps, kwargs)
    appspec = render_appspec(
        appspec_text,
        task_definition_arn=arn,
        taskdef=taskdef,
        gate_hook_function=cfg.gate_hook_function,
        path=cfg.appspec_path,
    )
    deps.store.put_attempt(
        cfg.service_key,
        slot.attempt_id,
        {
            "taskDefinitionArn": arn,
            "taskDefinitionRevision": revision,
            "phase": Phase.DEPLOYING.value,
        },
    )
    logger.info("task definition registered", extra={"arn": arn, "hold_mode": mode.value})
    return {
        "taskDefinitionArn": arn,
        "revision": revision,
        "appSpecContent": appspec.content,
        "containerName": appspec.container_name,
        "containerPort": appspec.container_port,
        "holdMode": mode.value,
        "gateWaitTimeoutSeconds": (cfg.gate_timeout_minutes + cfg.gate_bake_minutes) * 60
        + TRAFFIC_SHIFT_ALLOWANCE_SECONDS,
        "completionWaitTimeoutSeconds": completion_wait_timeout_seconds(termination_wait),
        "droppedFields": list(taskdef.dropped_fields),
    }


def _render_for_ecs(deps: Deps, slot: Slot, pauses: Pauses) -> dict[str, Any]:
    """DeploymentEngine=ecs: no AppSpec; the service must be ECS built-in blue/green (checked,
    with the repository policy, before anything is registered); the deployment configuration
    UpdateService will send carries turnout's PAUSE hook (:mod:`turnout.ecs_engine`)."""
    from turnout.ecs_engine import (
        check_service,
        deployment_configuration,
        gates_every_step,
        hook_timeout_minutes,
        step_bake_minutes,
    )

    cfg = deps.config
    if cfg.gate_target_health:
        # The gate reads the new task set's target group (task sets: CodeDeploy only); under
        # ECS built-in blue/green that would be the new service revision's (not wired yet).
        raise ConfigError(
            "GateTargetHealth=true is not supported with DeploymentEngine=ecs yet: set it to "
            "false and gate on GateAlarmNames and GateHttpUrl"
        )
    taskdef_text = deps.codecommit.file_at(slot.commit_id, cfg.taskdef_path)
    taskdef, kwargs = _rendered(deps, slot, taskdef_text)
    service = deps.ecs.service_description()
    if service is None:
        raise ConfigError(f"ECS service {cfg.service} does not exist in cluster {cfg.cluster}")
    check_service(service, cfg.service)
    refusals = taskdef_refusals(cfg.policy, ServiceView.of(service), taskdef, path=cfg.taskdef_path)
    if refusals:
        raise PolicyViolation(clipped("; ".join(str(r) for r in refusals)))
    budget = cfg.gate_timeout_minutes + cfg.gate_bake_minutes
    timeout = hook_timeout_minutes(budget, cfg.gate_check_interval_minutes)
    current = service.get("deploymentConfiguration") or {}
    configuration = deployment_configuration(current, timeout, pauses)
    if pauses.every_traffic_step and not gates_every_step(current, True):
        logger.info(
            "GateEveryTrafficStep: a BLUE_GREEN service has one traffic step, gated after it",
            extra={"strategy": current.get("strategy")},
        )
    arn, revision = _register(deps, kwargs)
    deps.store.put_attempt(
        cfg.service_key,
        slot.attempt_id,
        {
            "taskDefinitionArn": arn,
            "taskDefinitionRevision": revision,
            "engine": "ecs",
            "phase": Phase.DEPLOYING.value,
        },
    )
    logger.info("task definition registered", extra={"arn": arn, "engine": "ecs"})
    return {
        "taskDefinitionArn": arn,
        "revision": revision,
        "engine": "ecs",
        "deploymentConfiguration": configuration,
        # The state machine's own bound on each gate wait: past the hook's timeout ECS has
        # rolled back by itself, and its event ends the wait first (the approval's own timeout
        # when it is longer). Before the first (or next) pause come the traffic steps' bakes
        # (LINEAR / CANARY), at most all of them.
        "gateWaitTimeoutSeconds": (
            max(timeout, pauses.approval_timeout_minutes or 0) + step_bake_minutes(current)
        )
        * 60
        + TRAFFIC_SHIFT_ALLOWANCE_SECONDS,
        "completionWaitTimeoutSeconds": COMPLETION_ALLOWANCE_SECONDS,
        "droppedFields": list(taskdef.dropped_fields),
    }
