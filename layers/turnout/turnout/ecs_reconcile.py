"""DeploymentEngine=ecs: the reconciliation of waits whose ECS event never reached turnout
(pure; the gate tick applies it: :func:`turnout.logic.ecs_deploy.reconcile`).

ECS delivers ``ECS Deployment State Change`` to EventBridge durably (EventBridge events
reference, "Amazon Elastic Container Service events": "Delivery type: Durable"), but
EventBridge hands it to the EcsDeployment function asynchronously, and Lambda gives an
asynchronous event up after two retries (about three minutes: Lambda Developer Guide, "How
Lambda handles errors and retries with asynchronous invocation") to the dead-letter queue.
So a function that is down longer than that (a bad release of turnout, a throttled account,
an outage) loses the event that ends a wait: ECS rolls back by itself at the PAUSE hook's
timeout, and without reconciliation the execution would wait out its own timeout and record
a failure instead of ECS's rollback.

Rules (:func:`repair`), for each open ecs wait (a ``GATES`` item with a task token, or a
completion / rollback wait of the ``WAITS`` index):

- only a wait armed at least :data:`RECONCILE_AFTER_SECONDS` ago: the event normally comes
  first (racing it is harmless, the answers are idempotent, only wasteful);
- a service deployment DescribeServiceDeployments says ended (:data:`ENDS`): every wait on
  it is settled as its event would have (:data:`Repair.SETTLE`);
- a gate armed but never started whose deployment waits at turnout's PAUSE hook: the
  ``HOOK_AWAITING_ACTION`` event was lost, the gate starts now (:data:`Repair.START_GATE`);
  its clock starts late, so ECS's hook timeout may end the deployment first (fail-closed,
  then settled by a later tick);
- anything else (still running, or unknown to ECS): nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from turnout.ecs_engine import ENDS, GATE_STAGE

__all__ = ["RECONCILE_AFTER_SECONDS", "OpenWait", "Repair", "due", "open_waits", "repair"]

#: As the CodeDeploy engine's (turnout.logic.waits.RECONCILE_AFTER_SECONDS): past Lambda's
#: retries of an asynchronous event (0 + 1 + 2 minutes), with room for the delivery.
RECONCILE_AFTER_SECONDS: Final = 5 * 60


class Repair(Enum):
    SETTLE = "settle"
    START_GATE = "start-gate"


@dataclass(frozen=True)
class OpenWait:
    """One armed ecs wait: its service deployment, kind, when armed, and (a gate) whether
    its clock started."""

    deployment_arn: str
    kind: str  # gate | completion | rollback
    armed_at: float
    gate_started: bool = False


def open_waits(
    gates: Iterable[Mapping[str, Any]], index: Iterable[Mapping[str, Any]]
) -> list[OpenWait]:
    """The ecs waits of the store: the ``GATES`` items with a task token and the ``WAITS``
    index entries (both marked ``engine: ecs``; CodeDeploy's are reconciled elsewhere)."""
    found = [
        OpenWait(
            str(g.get("sk", "")),
            "gate",
            float(g.get("armedAt") or 0.0),
            gate_started=bool(g.get("gateStartedAt")),
        )
        for g in gates
        if g.get("engine") == "ecs" and g.get("taskToken")
    ]
    found += [
        OpenWait(
            str(i.get("deploymentId", "")), str(i.get("kind", "")), float(i.get("armedAt") or 0.0)
        )
        for i in index
        if i.get("engine") == "ecs" and i.get("kind") in ("completion", "rollback")
    ]
    return [w for w in found if w.deployment_arn]


def due(waits: Iterable[OpenWait], now: float, grace: float = RECONCILE_AFTER_SECONDS) -> list[str]:
    """The service deployments to look at (each once, in order): those with a wait armed at
    least ``grace`` seconds ago."""
    return sorted({w.deployment_arn for w in waits if now - w.armed_at >= grace})


def repair(
    waits: Iterable[OpenWait], status: str, stage: str, awaiting_hook: bool
) -> Repair | None:
    """What to do for one service deployment with these ``waits``, given what
    DescribeServiceDeployments says: its ``status``, ``lifecycleStage`` and whether a PAUSE
    hook awaits action."""
    waits = list(waits)
    if not waits:
        return None
    if status in ENDS:
        return Repair.SETTLE
    if (
        status == "IN_PROGRESS"
        and stage == GATE_STAGE
        and awaiting_hook
        and any(w.kind == "gate" and not w.gate_started for w in waits)
    ):
        return Repair.START_GATE
    return None
