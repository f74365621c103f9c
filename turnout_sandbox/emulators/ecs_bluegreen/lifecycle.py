"""A service deployment's lifecycle on the virtual clock, with AWS's stages, hooks and traffic.

Stages in the order of the ECS developer guide (deployment-lifecycle-hooks.html and
blue-green-deployment-how-it-works.html; the botocore model's ServiceDeploymentLifecycleStage):
PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, then for
every production step PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT (LINEAR and
CANARY run both "before every traffic shift step", botocore model
DeploymentLifecycleHook.lifecycleStages), POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME, CLEAN_UP.
RECONCILE_SERVICE only happens with more than one ACTIVE revision, which the emulator never
has (one deployment runs at a time per service), so it is skipped.

Hooks at a stage all run and must all succeed (deployment-lifecycle-hooks.html: "Both hooks
must complete before the deployment proceeds"). Any failure, an alarm in ALARM, a
ContinueServiceDeployment(ROLLBACK) or a StopServiceDeployment(ROLLBACK) rolls back:
production and test traffic return to the source revision's target group.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, Final

from turnout_sandbox.discrete_clock import ActorThread
from turnout_sandbox.emulators.ecs_bluegreen import resources, roles
from turnout_sandbox.emulators.ecs_bluegreen.config import Hook, LoadBalancerConfig
from turnout_sandbox.emulators.ecs_bluegreen.models import (
    LOCK,
    HookExecution,
    ServiceDeployment,
    new_hook_id,
)
from turnout_sandbox.runtime import LambdaFunctionError, get_runtime, has_runtime

__all__ = [
    "DEPLOYMENT_DETAIL_TYPE",
    "EVENT_SOURCE",
    "HOOK_DETAIL_TYPE",
    "LAMBDA_CALLBACK_DELAY",
    "run",
]

EVENT_SOURCE: Final = "aws.ecs"
#: ecs_service_deployment_events.html
DEPLOYMENT_DETAIL_TYPE: Final = "ECS Deployment State Change"
#: ecs_hook_state_change_events.html / pause-lifecycle-hooks.html
HOOK_DETAIL_TYPE: Final = "ECS Hook State Change"
#: lambda-lifecycle-hooks.html: IN_PROGRESS is re-invoked after 30 s unless callBackDelay says.
LAMBDA_CALLBACK_DELAY: Final = 30.0
#: How often (virtual seconds) a waiting lifecycle looks at its alarms.
_TICK: Final = 15.0


class _RollBack(Exception):
    def __init__(self, reason: str, trigger: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.trigger = trigger


class _Aborted(Exception):
    pass


def _now() -> float:
    return get_runtime().clock.now()


def _dt(at: float | None = None) -> datetime:
    return datetime.fromtimestamp(_now() if at is None else at, UTC)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _log(message: str) -> None:
    if has_runtime():
        get_runtime().log("ecs", message)


def _put(detail_type: str, detail: Mapping[str, Any], resources_: list[str]) -> None:
    try:
        get_runtime().put_event(EVENT_SOURCE, detail_type, detail, resources=resources_)
    except Exception as exc:  # delivery is best effort on AWS too; never break the lifecycle
        _log(f"could not put the {detail_type} event: {type(exc).__name__}: {exc}")


def _deployment_event(dep: ServiceDeployment, name: str, reason: str, deployment_id: str) -> None:
    """ecs_service_deployment_events.html: detail ``eventType`` (INFO / ERROR),
    ``eventName``, ``deploymentId`` (``ecs-svc/...``), ``updatedAt``, ``reason``; resources:
    the service ARN."""
    detail = {
        "eventType": "ERROR" if name == "SERVICE_DEPLOYMENT_FAILED" else "INFO",
        "eventName": name,
        "deploymentId": deployment_id,
        "updatedAt": _iso(_dt()),
        "reason": reason,
    }
    _put(DEPLOYMENT_DETAIL_TYPE, detail, [dep.service_arn])


def _hook_event(dep: ServiceDeployment, execution: HookExecution, name: str) -> None:
    """ecs_hook_state_change_events.html: the example HOOK_AWAITING_ACTION event's detail;
    resources: the service deployment ARN."""
    detail = {
        "eventType": "INFO",
        "eventName": name,
        "hookId": execution.hook_id,
        "hookType": execution.hook.target_type,
        "expiresAt": _iso(_dt(execution.expires_at)).replace(".000000Z", "Z"),
        "lifecycleStage": execution.stage,
        "clusterArn": dep.cluster_arn,
        "serviceArn": dep.service_arn,
        "serviceDeploymentArn": dep.arn,
        "updatedAt": _iso(_dt()),
    }
    _put(HOOK_DETAIL_TYPE, detail, [dep.arn])


def _touch(dep: ServiceDeployment, **changes: Any) -> None:
    with LOCK:
        for name, value in changes.items():
            setattr(dep, name, value)
        dep.updated_at = _dt()


def _set_hook_status(dep: ServiceDeployment, execution: HookExecution, status: str) -> None:
    with LOCK:
        execution.status = status
    _touch(dep)


def _check(dep: ServiceDeployment) -> None:
    """Raise when the deployment was aborted (reset), asked to roll back, or an alarm fired."""
    if dep.aborted:
        raise _Aborted
    if dep.hook_failure is not None:  # another hook of the same stage failed
        raise dep.hook_failure
    if dep.stop_requested is not None:
        raise _RollBack(dep.stop_requested, "StopServiceDeployment")
    config = dep.config
    if config.alarms_enabled and config.alarm_names and dep.alarms_status == "MONITORING":
        # deployment-alarm-failure.html: an alarm in ALARM during the deployment (bake time
        # included) marks it failed, and rolls it back when rollback is on.
        firing = resources.alarms_in_alarm(dep.account, dep.region, config.alarm_names)
        if firing:
            _touch(dep, alarms_status="TRIGGERED", triggered_alarms=firing)
            if config.alarms_rollback:
                raise _RollBack(
                    f"CloudWatch alarm(s) {', '.join(firing)} went into ALARM during the "
                    "deployment.",
                    "alarm",
                )


def _wait(dep: ServiceDeployment, done: Callable[[], bool], seconds: float) -> bool:
    """Wait ``seconds`` of virtual time or until ``done()``; True when done."""
    clock = get_runtime().clock
    deadline = clock.now() + seconds
    while True:
        dep.changed.clear()
        _check(dep)
        if done():
            return True
        remaining = deadline - clock.now()
        if remaining <= 0:
            return False
        clock.wait(dep.changed, min(remaining, _TICK))


def _never() -> bool:
    return False


def _bake(dep: ServiceDeployment, seconds: float) -> None:
    _wait(dep, _never, seconds)


def _weights(dep: ServiceDeployment, green: Decimal) -> dict[str, float]:
    weights = {dep.target.arn: float(green)}
    if dep.source is not None:
        weights[dep.source.arn] = float(100 - green)
    return weights


def _lambda_payload(dep: ServiceDeployment, execution: HookExecution, details: Any) -> Any:
    """lambda-lifecycle-hooks.html: executionId, lifecycleStage, resourceArn (the service
    deployment), executionDetails {serviceArn, targetServiceRevisionArn, testTrafficWeights,
    productionTrafficWeights} and hookDetails."""
    payload: dict[str, Any] = {
        "executionId": execution.hook_id,
        "lifecycleStage": execution.stage,
        "resourceArn": dep.arn,
        "executionDetails": {
            "serviceArn": dep.service_arn,
            "targetServiceRevisionArn": dep.target.arn,
            "testTrafficWeights": _weights(dep, dep.test_weight),
            "productionTrafficWeights": _weights(dep, dep.production_weight),
        },
    }
    if details is not None:
        payload["hookDetails"] = details
    return json.loads(json.dumps(payload))


def _invoke_once(dep: ServiceDeployment, execution: HookExecution, details: Any) -> Any:
    invoker = get_runtime().invoke_lambda
    if invoker is None:
        return None
    try:
        roles.authorize_hook(dep, execution.hook)
    except roles.RoleDenied as denied:  # the hook fails: no hookStatus came back
        _log(f"{dep.arn}: hook {execution.hook.target_arn} not invoked: {denied}")
        return None
    try:
        return invoker(str(execution.hook.target_arn), _lambda_payload(dep, execution, details))
    except LambdaFunctionError as exc:
        _log(f"{dep.arn}: hook {execution.hook.target_arn} raised {exc}")
        return None


def _run_lambda(dep: ServiceDeployment, execution: HookExecution) -> str:
    """lambda-lifecycle-hooks.html: SUCCEEDED goes on, FAILED rolls back, IN_PROGRESS is
    invoked again after ``callBackDelay`` seconds (default 30) until the hook's timeout; a
    missing or unknown hookStatus, or an error, counts as FAILED."""
    details = execution.hook.details
    _hook_event(dep, execution, "HOOK_IN_PROGRESS")  # ecs_hook_state_change_events.html
    while True:
        result = _invoke_once(dep, execution, details)
        status = result.get("hookStatus") if isinstance(result, Mapping) else None
        if status in ("SUCCEEDED", "FAILED"):
            return str(status)
        if status != "IN_PROGRESS":
            return "FAILED"
        if isinstance(result, Mapping) and result.get("hookDetails") is not None:
            details = result["hookDetails"]
        delay = LAMBDA_CALLBACK_DELAY
        if isinstance(result, Mapping) and isinstance(result.get("callBackDelay"), (int, float)):
            delay = float(result["callBackDelay"])
        remaining = execution.expires_at - _now()
        if remaining <= 0:
            return "TIMED_OUT"
        _wait(dep, _never, min(delay, remaining))
        if _now() >= execution.expires_at:
            return "TIMED_OUT"


def _run_pause(dep: ServiceDeployment, execution: HookExecution) -> str:
    """pause-lifecycle-hooks.html: AWAITING_ACTION and a HOOK_AWAITING_ACTION event, then
    ContinueServiceDeployment's action, or the timeout action at ``expiresAt``."""
    _hook_event(dep, execution, "HOOK_AWAITING_ACTION")
    answered = _wait(
        dep, lambda: execution.action is not None, max(0.0, execution.expires_at - _now())
    )
    if not answered:
        return "TIMED_OUT"
    return "SUCCEEDED" if execution.action == "CONTINUE" else "FAILED"


def _run_hook(dep: ServiceDeployment, hook: Hook, stage: str) -> None:
    expires = _now() + hook.timeout_minutes * 60.0
    execution = HookExecution(
        hook_id=new_hook_id(hook.target_type),
        hook=hook,
        stage=stage,
        status="AWAITING_ACTION" if hook.target_type == "PAUSE" else "IN_PROGRESS",
        expires_at=expires,
    )
    with LOCK:
        dep.hooks.append(execution)
    _touch(dep)
    try:
        outcome = (
            _run_pause(dep, execution)
            if hook.target_type == "PAUSE"
            else _run_lambda(dep, execution)
        )
    except _RollBack:
        _set_hook_status(dep, execution, "FAILED")
        raise
    _set_hook_status(dep, execution, outcome)
    name = {"SUCCEEDED": "HOOK_SUCCEEDED", "FAILED": "HOOK_FAILED"}.get(outcome, "HOOK_TIMED_OUT")
    _hook_event(dep, execution, name)
    what = f"the {hook.target_type} hook {execution.hook_id} at {stage}"
    if outcome == "FAILED":
        raise _RollBack(f"Service deployment rolled back because {what} failed.", "lifecycle hook")
    # botocore model, DeploymentLifecycleHookTimeoutConfiguration.action: at the timeout
    # CONTINUE proceeds to the next stage, ROLLBACK rolls back.
    if outcome == "TIMED_OUT" and hook.timeout_action == "ROLLBACK":
        raise _RollBack(
            f"Service deployment rolled back because {what} timed out.", "lifecycle hook"
        )


def _stage(dep: ServiceDeployment, stage: str, action: Callable[[], None] | None = None) -> None:
    """Enter ``stage``, do its action, run its hooks. deployment-lifecycle-hooks.html: Lambda
    and pause hooks can share a stage and "Both hooks must complete before the deployment
    proceeds"; they run side by side, and the first failure rolls back at once."""
    _check(dep)
    # DescribeServiceDeployments' lifecycleStage names the stage, PRE_PRODUCTION_TRAFFIC_SHIFT
    # included: the botocore model's ServiceDeployment.lifecycleStage documentation lists it
    # ("invoked before every traffic shift step"), though its ServiceDeploymentLifecycleStage
    # enum (1.44.8) omits it; the hook events name it too (ecs_hook_state_change_events.html).
    _touch(dep, lifecycle_stage=stage)
    if action is not None:
        action()
    hooks = dep.config.hooks_at(stage)
    if len(hooks) == 1:
        _run_hook(dep, hooks[0], stage)
    if len(hooks) <= 1:
        return
    failures: list[Exception] = []

    def one(hook: Hook) -> None:
        try:
            _run_hook(dep, hook, stage)
        except Exception as exc:  # _RollBack / _Aborted: the others stop at their next check
            with LOCK:
                failures.append(exc)
                if dep.hook_failure is None:
                    dep.hook_failure = exc
            dep.changed.set()

    # actors of the clock; joining them is an idle wait
    threads = [ActorThread(target=one, args=(hook,), daemon=True) for hook in hooks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise dep.hook_failure or failures[0]


def _green_group(dep: ServiceDeployment, rule: str) -> str:
    return dep.target.target_group_arns[rule]


def _blue_group(dep: ServiceDeployment, lb: LoadBalancerConfig) -> str:
    """The source revision's target group; the pair's other one on a first deployment (ECS
    keeps both on the rule, the idle one at weight 0)."""
    rule = lb.production_listener_rule
    serving = dep.source.target_group_arns.get(rule) if dep.source is not None else None
    return serving or lb.other(_green_group(dep, rule))


def _route(dep: ServiceDeployment, listener: str, green: Decimal) -> None:
    """Give green ``green`` % of the ``production`` or ``test`` listener rule of every load
    balancer (the test rule is optional, API_AdvancedConfiguration)."""
    for lb in dep.config.load_balancers:
        rule = lb.production_listener_rule if listener == "production" else lb.test_listener_rule
        if rule is None:
            continue
        roles.authorize_shift(dep, lb, rule)
        resources.route(
            dep.account,
            dep.region,
            rule,
            blue=_blue_group(dep, lb),
            green=_green_group(dep, lb.production_listener_rule),
            green_percent=green,
        )
    with LOCK:
        if listener == "production":
            dep.production_weight = green
        else:
            dep.test_weight = green
        dep.traffic.append({"at": _now(), "listener": listener, "greenWeight": float(green)})


def _route_production(dep: ServiceDeployment, green: Decimal) -> None:
    _route(dep, "production", green)


def _route_test(dep: ServiceDeployment, green: Decimal) -> None:
    _route(dep, "test", green)


def _set_service(dep: ServiceDeployment, task_definition: str, status: str) -> None:
    """Keep moto's Service (DescribeServices) in step: its task definition and the rollout
    state of its PRIMARY deployment entry."""
    try:
        service = resources.ecs_service(dep.account, dep.region, dep.cluster_name, dep.service_name)
    except Exception:
        return
    with LOCK:
        service.task_definition = task_definition
        for entry in getattr(service, "deployments", None) or []:
            entry["taskDefinition"] = task_definition
            entry["rolloutState"] = status
            entry["updatedAt"] = _dt()


def _lifecycle(dep: ServiceDeployment) -> None:
    strategy = dep.config.strategy
    _stage(dep, "PRE_SCALE_UP")
    _stage(dep, "SCALE_UP")
    _stage(dep, "POST_SCALE_UP")
    _stage(dep, "TEST_TRAFFIC_SHIFT", partial(_route_test, dep, Decimal(100)))
    _stage(dep, "POST_TEST_TRAFFIC_SHIFT")
    for percent, bake in strategy.steps():
        _stage(dep, "PRE_PRODUCTION_TRAFFIC_SHIFT")
        _stage(dep, "PRODUCTION_TRAFFIC_SHIFT", partial(_route_production, dep, percent))
        if bake > 0:
            _wait(dep, _never, bake)
    _stage(dep, "POST_PRODUCTION_TRAFFIC_SHIFT")
    # botocore model, DeploymentConfiguration.bakeTimeInMinutes: both revisions keep running
    # after production traffic has shifted; a rollback is still quick during it.
    _stage(dep, "BAKE_TIME", partial(_bake, dep, strategy.bake_minutes * 60.0))
    _check(dep)
    with LOCK:
        if dep.alarms_status == "MONITORING":
            dep.alarms_status = "MONITORING_COMPLETE"
    _touch(dep, lifecycle_stage="CLEAN_UP")


def _finish_success(dep: ServiceDeployment) -> None:
    _set_service(dep, dep.target.task_definition, "COMPLETED")
    finished = _dt()
    _touch(dep, status="SUCCESSFUL", finished_at=finished)
    _deployment_event(
        dep,
        "SERVICE_DEPLOYMENT_COMPLETED",
        f"ECS deployment {dep.deployment_id} completed.",
        dep.deployment_id,
    )


def _roll_back(dep: ServiceDeployment, failure: _RollBack) -> None:
    """Traffic back to the source revision's target groups (ECS developer guide,
    deployment-type-blue-green rollback), ROLLBACK_IN_PROGRESS then ROLLBACK_SUCCESSFUL; with
    no source revision to return to (the service's first deployment) ROLLBACK_FAILED."""
    if dep.superseded:  # a newer deployment of the service takes over from the source
        if dep.traffic and dep.source is not None:
            _route_production(dep, Decimal(0))
            _route_test(dep, Decimal(0))
        _touch(dep, status="STOPPED", status_reason=failure.reason, stopped_at=_dt())
        _touch(dep, finished_at=dep.stopped_at)
        return
    started = _dt()
    source_arn = dep.source.arn if dep.source is not None else None
    _touch(
        dep,
        status="ROLLBACK_IN_PROGRESS",
        status_reason=failure.reason,
        rollback={"reason": failure.reason, "startedAt": started}
        | ({"serviceRevisionArn": source_arn} if source_arn else {}),
    )
    _deployment_event(dep, "SERVICE_DEPLOYMENT_FAILED", failure.reason, dep.deployment_id)
    if dep.source is None:
        _touch(dep, status="ROLLBACK_FAILED", finished_at=_dt())
        return
    # ecs_service_deployment_events.html: a rollback's IN_PROGRESS event differs from the
    # initial one only in its reason (the circuit breaker's reads "... rolling back to
    # deploymentId ..."; the trigger is named the same way here).
    _deployment_event(
        dep,
        "SERVICE_DEPLOYMENT_IN_PROGRESS",
        f"ECS deployment {failure.trigger}: rolling back to deploymentId "
        f"{dep.source_deployment_id}.",
        dep.source_deployment_id,
    )
    if dep.traffic:
        try:
            _route_production(dep, Decimal(0))
            _route_test(dep, Decimal(0))
        except roles.RoleDenied as denied:  # traffic cannot go back: the rollback fails
            _touch(dep, status="ROLLBACK_FAILED", status_reason=str(denied), finished_at=_dt())
            return
    _set_service(dep, dep.source.task_definition, "COMPLETED")
    _touch(dep, status="ROLLBACK_SUCCESSFUL", finished_at=_dt())
    _deployment_event(
        dep,
        "SERVICE_DEPLOYMENT_COMPLETED",
        f"ECS deployment {dep.source_deployment_id} completed.",
        dep.source_deployment_id,
    )


def run(dep: ServiceDeployment, on_done: Callable[[ServiceDeployment, bool], None]) -> None:
    """The whole lifecycle on this (timer) thread; ``on_done(dep, succeeded)`` at the end."""
    succeeded = False
    try:
        if dep.aborted:
            return
        _touch(
            dep,
            status="IN_PROGRESS",
            started_at=_dt(),
            alarms_status="MONITORING"
            if dep.config.alarms_enabled and dep.config.alarm_names
            else "DISABLED",
        )
        _deployment_event(
            dep,
            "SERVICE_DEPLOYMENT_IN_PROGRESS",
            f"ECS deployment {dep.deployment_id} in progress.",
            dep.deployment_id,
        )
        try:
            if resources.networking_problem(dep.account, dep.region, dep.config.load_balancers):
                raise _RollBack(resources.INVALID_NETWORKING, "networking configuration")
            roles.authorize_reads(dep)
            _lifecycle(dep)
        except roles.RoleDenied as denied:
            _roll_back(dep, _RollBack(str(denied), "role permissions"))
            return
        except _RollBack as failure:
            _roll_back(dep, failure)
            return
        _finish_success(dep)
        succeeded = True
    except _Aborted:
        _log(f"{dep.arn}: aborted by a reset")
    finally:
        on_done(dep, succeeded)
