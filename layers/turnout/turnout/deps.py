"""Everything a behaviour needs, built from the configuration (clients stay lazy).

Handlers build one per invocation (it is cheap: no client is created until used); tests
pass their own, with fakes or moto-backed clients. An adapter not passed is made on first
use (:class:`_Adapter`), and its module imported then: a function imports the adapters of
the services it calls, not all of them (bench/cold_init.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from turnout.config import Config

if TYPE_CHECKING:
    from turnout.adapters.codecommit import CodeCommit
    from turnout.adapters.codedeploy import CodeDeploy
    from turnout.adapters.ecr import Ecr
    from turnout.adapters.ecs import Ecs
    from turnout.adapters.health import Health
    from turnout.adapters.notify import Notifier
    from turnout.adapters.sfn import StepFunctions
    from turnout.adapters.store import Store


class _Adapter[T]:
    """A :class:`Deps` field: the adapter passed to ``Deps(...)``, else made from
    ``deps.config`` by ``make`` when first read (and kept)."""

    def __init__(self, make: Callable[[Config], T]) -> None:
        self._make = make
        self._slot = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._slot = "_" + name

    @overload
    def __get__(self, deps: None, owner: type[Any]) -> _Adapter[T]: ...
    @overload
    def __get__(self, deps: Deps, owner: type[Any]) -> T: ...
    def __get__(self, deps: Deps | None, owner: type[Any]) -> T | _Adapter[T]:
        if deps is None:  # the class's attribute: dataclass reads it as the field's default
            return self
        found: T | None = deps.__dict__.get(self._slot)
        if found is None:
            found = deps.__dict__[self._slot] = self._make(deps.config)
        return found

    def __set__(self, deps: Deps, value: T | _Adapter[T]) -> None:
        if not isinstance(value, _Adapter):  # the default: made when first read
            deps.__dict__[self._slot] = value


def _store(config: Config) -> Store:
    from turnout.adapters.store import Store

    return Store(config.table_name)


def _codecommit(config: Config) -> CodeCommit:
    from turnout.adapters.codecommit import CodeCommit

    return CodeCommit(config.repository)


def _ecr(config: Config) -> Ecr:
    from turnout.adapters.ecr import Ecr

    return Ecr(config.ecr_repository)


def _ecs(config: Config) -> Ecs:
    from turnout.adapters.ecs import Ecs

    return Ecs(config.cluster, config.service)


def _codedeploy(config: Config) -> CodeDeploy:
    from turnout.adapters.codedeploy import CodeDeploy

    return CodeDeploy(config.application, config.deployment_group)


def _health(config: Config) -> Health:
    from turnout.adapters.health import Health

    return Health()


def _sfn(config: Config) -> StepFunctions:
    from turnout.adapters.sfn import StepFunctions

    return StepFunctions()


def _notifier(config: Config) -> Notifier:
    from turnout.adapters.notify import Notifier

    return Notifier(config.topic_arn, config.event_source)


@dataclass
class Deps:
    config: Config
    store: _Adapter[Store] = _Adapter(_store)
    codecommit: _Adapter[CodeCommit] = _Adapter(_codecommit)
    ecr: _Adapter[Ecr] = _Adapter(_ecr)
    ecs: _Adapter[Ecs] = _Adapter(_ecs)
    codedeploy: _Adapter[CodeDeploy] = _Adapter(_codedeploy)
    health: _Adapter[Health] = _Adapter(_health)
    sfn: _Adapter[StepFunctions] = _Adapter(_sfn)
    notifier: _Adapter[Notifier] = _Adapter(_notifier)

    @classmethod
    def from_config(cls, config: Config) -> Deps:
        return cls(config=config)

    @classmethod
    def from_env(cls) -> Deps:
        return cls.from_config(Config.from_env())
