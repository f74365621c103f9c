"""Everything a behaviour needs, built from the configuration (clients stay lazy).

Handlers build one per invocation (it is cheap: no client is created until used); tests
pass their own, with fakes or moto-backed clients."""

from __future__ import annotations

from dataclasses import dataclass

from turnout.adapters.codecommit import CodeCommit
from turnout.adapters.codedeploy import CodeDeploy
from turnout.adapters.ecr import Ecr
from turnout.adapters.ecs import Ecs
from turnout.adapters.health import Health
from turnout.adapters.notify import Notifier
from turnout.adapters.sfn import StepFunctions
from turnout.adapters.store import Store
from turnout.config import Config


@dataclass
class Deps:
    config: Config
    store: Store
    codecommit: CodeCommit
    ecr: Ecr
    ecs: Ecs
    codedeploy: CodeDeploy
    health: Health
    sfn: StepFunctions
    notifier: Notifier

    @classmethod
    def from_config(cls, config: Config) -> Deps:
        return cls(
            config=config,
            store=Store(config.table_name),
            codecommit=CodeCommit(config.repository),
            ecr=Ecr(config.ecr_repository),
            ecs=Ecs(config.cluster, config.service),
            codedeploy=CodeDeploy(config.application, config.deployment_group),
            health=Health(),
            sfn=StepFunctions(),
            notifier=Notifier(config.topic_arn, config.event_source),
        )

    @classmethod
    def from_env(cls) -> Deps:
        return cls.from_config(Config.from_env())
