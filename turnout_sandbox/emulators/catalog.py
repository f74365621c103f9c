"""The sandbox's emulators, listed statically (imported by name here, never by string), and
the one function that gathers their patches and internals into the registry."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from turnout_sandbox.emulators import (
    awslambda,
    changesets,
    cloudformation,
    cloudwatch,
    codebuild,
    codecommit,
    codedeploy,
    dynamodb,
    ecr,
    ecs_bluegreen,
    events,
    s3,
    stepfunctions,
)
from turnout_sandbox.patches import REGISTRY, PatchRegistry

__all__ = ["EMULATORS", "register_all", "reset_all"]

#: Every emulator, in the order the sandbox installs and resets them.
EMULATORS: Final[tuple[ModuleType, ...]] = (
    cloudformation,
    changesets,
    dynamodb,
    codecommit,
    ecr,
    codebuild,
    codedeploy,
    ecs_bluegreen,
    events,
    stepfunctions,
    s3,
    cloudwatch,
    awslambda,
)


def register_all(
    registry: PatchRegistry = REGISTRY, emulators: tuple[ModuleType, ...] = EMULATORS
) -> None:
    """Add every emulator's ``PATCHES`` and ``INTERNALS`` to ``registry`` (idempotent: the
    same patch objects are added once)."""
    for emulator in emulators:
        registry.extend(emulator.PATCHES, getattr(emulator, "INTERNALS", ()))


def reset_all(emulators: tuple[ModuleType, ...] = EMULATORS) -> None:
    """Every emulator's ``reset()``: stop background work, forget state."""
    for emulator in emulators:
        emulator.reset()
