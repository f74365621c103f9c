"""The sandbox's emulators, listed statically (imported by name here, never by string), and
the one function that gathers their patches and internals into the registry."""

from __future__ import annotations

from types import ModuleType
from typing import Final

from turnout_sandbox.emulators import (
    cloudformation,
    codebuild,
    codecommit,
    codedeploy,
    dynamodb,
    ecr,
    elb_health,
    events,
    stepfunctions,
)
from turnout_sandbox.patches import REGISTRY, PatchRegistry

__all__ = ["EMULATORS", "install_unregistered", "register_all", "reset_all"]

#: Every emulator, in the order the sandbox installs and resets them.
EMULATORS: Final[tuple[ModuleType, ...]] = (
    cloudformation,
    dynamodb,
    codecommit,
    ecr,
    codebuild,
    elb_health,
    codedeploy,
    events,
    stepfunctions,
)


def register_all(
    registry: PatchRegistry = REGISTRY, emulators: tuple[ModuleType, ...] = EMULATORS
) -> tuple[ModuleType, ...]:
    """Add every emulator's ``PATCHES`` and ``INTERNALS`` to ``registry`` (idempotent: the
    same patch objects are added once). Returns the emulators that declare no ``PATCHES``:
    :func:`install_unregistered` installs those the old way.

    TODO(issue 7, transition): codebuild, codecommit, codedeploy, elb_health, events and
    stepfunctions are being turned into packages with ``PATCHES``/``INTERNALS`` on other
    branches; until those merge they have only ``install()``, and come back from here. Once
    every emulator has ``PATCHES``, drop the fallback (and ``install_unregistered``)."""
    unregistered: list[ModuleType] = []
    for emulator in emulators:
        patches = getattr(emulator, "PATCHES", None)
        if patches is None:
            unregistered.append(emulator)
            continue
        registry.extend(patches, getattr(emulator, "INTERNALS", ()))
    return tuple(unregistered)


def install_unregistered(emulators: tuple[ModuleType, ...]) -> None:
    """TODO(issue 7, transition): the old ``install()`` of emulators without ``PATCHES``
    (see :func:`register_all`). Their patches stay in place after ``Sandbox.stop()`` (each
    ``install()`` is idempotent, so a second sandbox works), and the registry knows nothing
    of them."""
    for emulator in emulators:
        emulator.install()


def reset_all(emulators: tuple[ModuleType, ...] = EMULATORS) -> None:
    """Every emulator's ``reset()``: stop background work, forget state."""
    for emulator in emulators:
        emulator.reset()
