"""Amazon ECS built-in blue/green deployments, on top of moto 5.2.5's ECS and ELBv2.

moto stores services and task definitions but knows nothing of ECS's own blue/green
(``deploymentController`` ECS with ``deploymentConfiguration.strategy`` BLUE_GREEN, LINEAR or
CANARY): no service revisions, no service deployments, no lifecycle hooks, no traffic
shifting. :data:`PATCHES` teach moto's ECS handler what AWS does (sources: the botocore 1.44.8
ECS model and the ECS developer guide pages named in each module):

- :mod:`.config`: the blue/green ``deploymentConfiguration`` and ``loadBalancers[]
  .advancedConfiguration`` validated like AWS (``InvalidParameterException``), and the traffic
  steps of each strategy, pure.
- :mod:`.lifecycle`: a service deployment on the virtual clock: lifecycle stages, AWS_LAMBDA
  hooks (invoked through the sandbox runtime's ``invoke_lambda``; SUCCEEDED / FAILED /
  IN_PROGRESS with ``callBackDelay``) and PAUSE hooks (AWAITING_ACTION until
  ContinueServiceDeployment or ``expiresAt``, then the timeout action), production weights
  moved on the listener rule step by step, test traffic, bake time, cleanup, rollback
  (hooks, alarms, StopServiceDeployment), and the ``ECS Deployment State Change`` /
  ``ECS Hook State Change`` events through the runtime's ``put_event``.
- :mod:`.control`: starting (one deployment per service at a time), continuing, stopping and
  reading service deployments and revisions; :func:`traffic_history` (not an AWS API) lists
  a deployment's every weight change for the sandbox's checks.
- :mod:`.roles`: the infrastructure role's Elastic Load Balancing calls and a Lambda hook's
  invocation authorized as AWS does under IAM enforcement; a denial rolls the deployment back.
- :mod:`.resources`: what a deployment reads and writes in moto's ELBv2, ECR (image digests),
  CloudWatch (alarm states) and ECS.
- :mod:`.models`: the state per account and region (a moto ``BackendDict``, which moto's own
  reset clears; the reset aborts the running lifecycles).
- :mod:`.responses`: the replaced / added handler methods, thin, and :data:`PATCHES` /
  :data:`INTERNALS`.

A headless service (no load balancer) deploys through the same stages without traffic
shifting, as on AWS. Not emulated: the RECONCILE_SERVICE stage (one deployment runs at a
time), hooks re-run during a rollback, tasks and their health (a revision's tasks are counted
as running), the deployment circuit breaker, Service Connect and NLB-specific behaviour.
"""

from __future__ import annotations

from typing import Final

from turnout_sandbox.emulators.ecs_bluegreen.config import (
    BLUE_GREEN_STRATEGIES,
    BlueGreenConfig,
    ConfigError,
    Strategy,
    parse_config,
)
from turnout_sandbox.emulators.ecs_bluegreen.control import EcsApiError, traffic_history
from turnout_sandbox.emulators.ecs_bluegreen.lifecycle import (
    DEPLOYMENT_DETAIL_TYPE,
    EVENT_SOURCE,
    HOOK_DETAIL_TYPE,
    LAMBDA_CALLBACK_DELAY,
)
from turnout_sandbox.emulators.ecs_bluegreen.models import forget_all
from turnout_sandbox.emulators.ecs_bluegreen.resources import INVALID_NETWORKING, rule_weights
from turnout_sandbox.emulators.ecs_bluegreen.responses import INTERNALS, PATCHES
from turnout_sandbox.emulators.patchset import Installer

__all__ = [
    "BLUE_GREEN_STRATEGIES",
    "DEPLOYMENT_DETAIL_TYPE",
    "EVENT_SOURCE",
    "HOOK_DETAIL_TYPE",
    "INTERNALS",
    "INVALID_NETWORKING",
    "LAMBDA_CALLBACK_DELAY",
    "PATCHES",
    "BlueGreenConfig",
    "ConfigError",
    "EcsApiError",
    "Strategy",
    "install",
    "parse_config",
    "reset",
    "rule_weights",
    "traffic_history",
    "uninstall",
]


#: ``install()`` applies :data:`PATCHES` (idempotent; the sandbox applies the same objects
#: through :data:`turnout_sandbox.patches.REGISTRY`); ``uninstall()`` aborts the running
#: deployments, then undoes them: moto's own ECS again.
_INSTALLER: Final = Installer(PATCHES, stop=forget_all)
install: Final = _INSTALLER.install
uninstall: Final = _INSTALLER.uninstall


def reset() -> None:
    """Abort the running deployment lifecycles and forget every account/region's service
    revisions and deployments (moto keeps its services)."""
    forget_all()
