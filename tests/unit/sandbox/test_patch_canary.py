"""The canary: every moto/botocore name the sandbox patches or reads is where it expects.

A moto or botocore upgrade that moves, renames or removes one of them fails here, naming the
patch and the target, before any e2e test runs into a confusing half-patched sandbox.
"""

from __future__ import annotations

from turnout_sandbox.emulators import catalog
from turnout_sandbox.patches import AttributePatch, Internal, PatchRegistry
from turnout_sandbox.sandbox import register_patches


def _gathered() -> PatchRegistry:
    registry = PatchRegistry()
    register_patches(registry)
    return registry


def test_given_every_sandbox_patch_when_the_canary_runs_then_every_target_is_where_expected() -> (
    None
):
    registry = _gathered()

    problems = registry.canary()

    assert problems == [], "moto/botocore moved what the sandbox patches:\n" + "\n".join(problems)


def test_given_the_gathered_registry_then_it_holds_every_emulator_and_process_patch() -> None:
    registry = _gathered()
    names = [patch.name for patch in registry.patches]

    assert len(names) == len(set(names))
    assert {
        "process.layered-environ",
        "process.lambda-log-sink",
        "botocore.lambda-invoke-in-process",
        "moto.stepfunctions.interpreter-client-cache",
        "ecr.put-image",
        "dynamodb.atomic-update-item",
        "cloudformation.fn-sub",
    } <= set(names)
    for emulator in catalog.EMULATORS:
        for patch in getattr(emulator, "PATCHES", ()):
            assert patch in registry.patches, patch.name
    assert all(patch.why.strip() for patch in registry.patches)
    assert all(internal.why.strip() for internal in registry.internals)


def _wrong(name: str, owner: str, attribute: str) -> AttributePatch:
    return AttributePatch(
        name=name, owner=owner, attribute=attribute, new=None, why="deliberately wrong"
    )


def test_given_a_target_moto_no_longer_has_when_the_canary_runs_then_it_names_it() -> None:
    registry = _gathered()
    registry.add(
        _wrong("canary.renamed-action", "moto.ecr.responses:ECRResponse", "put_image_v2"),
        _wrong("canary.moved-module", "moto.ecr.responsez:ECRResponse", "put_image"),
    )
    registry.add_internals(Internal("moto.core.models:botocore_stubber._gone", "wrong on purpose"))

    problems = registry.canary()

    assert problems == [
        "canary.renamed-action: moto.ecr.responses:ECRResponse.put_image_v2 does not exist "
        "upstream (the patch replaces it)",
        "canary.moved-module: moto.ecr.responsez:ECRResponse.put_image: owner gone, module "
        "moto.ecr.responsez (cannot be imported: No module named 'moto.ecr.responsez') "
        "does not exist",
        "internal moto.core.models:botocore_stubber._gone: "
        "moto.core.models:botocore_stubber._gone does not exist",
    ]
