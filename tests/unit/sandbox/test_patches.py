"""The patch registry: apply, undo, verify and the canary, on targets this test owns."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from turnout_sandbox.patches import (
    AttributePatch,
    CallbackPatch,
    Internal,
    PatchError,
    PatchRegistry,
    describe,
    resolve,
)

MODULE = "turnout_test_patch_target"


class _Base:
    def inherited(self) -> str:
        return "base"


def _fresh_target_class() -> type:
    class Target(_Base):
        def greet(self) -> str:
            return "upstream"

        @classmethod
        def kind(cls) -> str:
            return "upstream-kind"

    return Target


@pytest.fixture
def target_module() -> Iterator[types.ModuleType]:
    """A module standing in for moto: ``turnout_test_patch_target:Target`` resolves to it."""
    module = types.ModuleType(MODULE)
    module.Target = _fresh_target_class()  # type: ignore[attr-defined]
    module.helper = lambda: "upstream-helper"  # type: ignore[attr-defined]
    sys.modules[MODULE] = module
    try:
        yield module
    finally:
        del sys.modules[MODULE]


def _on_target(attribute: str, new: Any, *, name: str, must_exist: bool = True) -> AttributePatch:
    """A patch of ``turnout_test_patch_target:Target.<attribute>``."""
    return AttributePatch(
        name=name,
        owner=f"{MODULE}:Target",
        attribute=attribute,
        new=new,
        why="a test",
        must_exist=must_exist,
    )


def _greet_patch(name: str = "target.greet") -> AttributePatch:
    def greet(self: object) -> str:
        return "patched"

    return _on_target("greet", greet, name=name)


# -- resolve -------------------------------------------------------------------------------
def test_given_a_module_and_qualname_when_resolving_then_the_object_is_returned(
    target_module: types.ModuleType,
) -> None:
    assert resolve(f"{MODULE}:Target.greet") is target_module.Target.greet
    assert resolve(MODULE) is target_module


def test_given_a_missing_attribute_when_resolving_then_the_missing_part_is_named(
    target_module: types.ModuleType,
) -> None:
    with pytest.raises(PatchError, match=rf"{MODULE}:Target\.gone does not exist"):
        resolve(f"{MODULE}:Target.gone.deeper")


def test_given_a_missing_module_when_resolving_then_the_module_is_named() -> None:
    with pytest.raises(PatchError, match="module turnout_no_such_module cannot be imported"):
        resolve("turnout_no_such_module:Thing")


# -- AttributePatch ------------------------------------------------------------------------
def test_given_an_attribute_patch_when_applied_and_undone_then_upstream_is_back(
    target_module: types.ModuleType,
) -> None:
    target = target_module.Target
    upstream = target.__dict__["greet"]
    patch = _greet_patch()

    patch.apply()
    assert target().greet() == "patched"
    assert patch.is_applied()
    patch.apply()  # idempotent
    assert patch.original is upstream

    patch.undo()
    assert target.__dict__["greet"] is upstream
    assert not patch.is_applied()
    patch.undo()  # idempotent
    assert target().greet() == "upstream"


def test_given_a_replacement_when_it_delegates_then_original_is_what_it_replaced(
    target_module: types.ModuleType,
) -> None:
    def greet(self: object) -> str:
        return "wrapped " + str(patch.original(self))

    patch = _on_target("greet", greet, name="wrap")
    patch.apply()
    try:
        assert target_module.Target().greet() == "wrapped upstream"
    finally:
        patch.undo()
    assert patch.original is not None  # still readable for a thread that is inside it


def test_given_a_classmethod_when_patched_then_original_stays_a_classmethod(
    target_module: types.ModuleType,
) -> None:
    def kind(cls: type) -> str:
        return "ours+" + str(patch.original.__func__(cls))

    patch = _on_target("kind", classmethod(kind), name="kind")
    patch.apply()
    try:
        assert target_module.Target.kind() == "ours+upstream-kind"
    finally:
        patch.undo()
    assert target_module.Target.kind() == "upstream-kind"


def test_given_an_inherited_attribute_when_patched_and_undone_then_the_class_inherits_again(
    target_module: types.ModuleType,
) -> None:
    patch = _on_target("inherited", lambda self: "ours", name="inherited")
    assert patch.check_target() is None  # found along the MRO
    patch.apply()
    assert target_module.Target().inherited() == "ours"
    assert patch.original is _Base.__dict__["inherited"]
    patch.undo()
    assert "inherited" not in target_module.Target.__dict__
    assert target_module.Target().inherited() == "base"


def test_given_an_added_action_when_undone_then_the_attribute_is_gone(
    target_module: types.ModuleType,
) -> None:
    patch = _on_target("brand_new", lambda self: "new", name="added", must_exist=False)
    assert patch.check_target() is None
    patch.apply()
    assert target_module.Target().brand_new() == "new"
    with pytest.raises(PatchError, match="has no original"):
        _ = patch.original
    patch.undo()
    assert not hasattr(target_module.Target, "brand_new")


def test_given_a_module_attribute_when_patched_then_undo_restores_it(
    target_module: types.ModuleType,
) -> None:
    upstream = target_module.helper
    patch = AttributePatch(
        name="helper", owner=MODULE, attribute="helper", new=lambda: "ours", why="a test"
    )
    patch.apply()
    assert target_module.helper() == "ours"
    patch.undo()
    assert target_module.helper is upstream


def test_given_someone_replaced_our_patch_when_asked_then_it_is_not_applied(
    target_module: types.ModuleType,
) -> None:
    patch = _greet_patch()
    patch.apply()
    target_module.Target.greet = lambda self: "someone else"
    assert not patch.is_applied()


# -- CallbackPatch -------------------------------------------------------------------------
def _list_patch(entries: list[str], check: str | None = None) -> CallbackPatch:
    return CallbackPatch(
        name="list.entry",
        target="a list",
        why="a test",
        apply_fn=lambda: entries.append("ours"),
        undo_fn=lambda: entries.remove("ours"),
        applied_fn=lambda: "ours" in entries,
        check_fn=lambda: check,
    )


def test_given_a_callback_patch_when_applied_twice_and_undone_then_the_list_is_as_before() -> None:
    entries = ["upstream"]
    patch = _list_patch(entries)
    patch.apply()
    patch.apply()
    assert entries == ["upstream", "ours"]
    patch.undo()
    patch.undo()
    assert entries == ["upstream"]


def test_given_a_check_that_raises_patch_error_when_checked_then_the_message_is_returned() -> None:
    def check() -> str | None:
        resolve("turnout_no_such_module:Thing")
        return None

    patch = CallbackPatch(
        name="raises",
        target="turnout_no_such_module:Thing",
        why="a test",
        apply_fn=lambda: None,
        undo_fn=lambda: None,
        applied_fn=lambda: False,
        check_fn=check,
    )
    assert "turnout_no_such_module" in str(patch.check_target())


# -- the registry --------------------------------------------------------------------------
def test_given_a_registry_when_applied_and_undone_then_applied_and_verify_agree(
    target_module: types.ModuleType,
) -> None:
    entries: list[str] = []
    registry = PatchRegistry()
    registry.add(_greet_patch(), _list_patch(entries))

    registry.apply()
    assert registry.applied() == ["target.greet", "list.entry"]
    assert registry.verify(expect_applied=True) == []
    assert registry.verify(expect_applied=False) != []

    registry.undo()
    assert registry.applied() == []
    assert registry.verify(expect_applied=False) == []
    assert entries == []
    assert target_module.Target().greet() == "upstream"


class _Switch:
    """A process-wide flag a CallbackPatch turns on, recording when it is turned off."""

    def __init__(self, name: str, order: list[str]) -> None:
        self.name, self.order, self.on = name, order, False

    def apply(self) -> None:
        self.on = True

    def undo(self) -> None:
        self.on = False
        self.order.append(self.name)

    def applied(self) -> bool:
        return self.on


def test_given_patches_when_undone_then_the_newest_goes_first() -> None:
    order: list[str] = []
    registry = PatchRegistry()
    for name in ("first", "second"):
        switch = _Switch(name, order)
        registry.add(
            CallbackPatch(
                name=name,
                target=name,
                why="a test",
                apply_fn=switch.apply,
                undo_fn=switch.undo,
                applied_fn=switch.applied,
            )
        )
    registry.apply()
    registry.undo()
    assert order == ["second", "first"]


def test_given_two_patches_with_one_name_when_added_then_it_is_refused() -> None:
    registry = PatchRegistry()
    patch = _greet_patch()
    registry.add(patch)
    registry.add(patch)  # the same object again: a no-op
    with pytest.raises(PatchError, match=r"two patches are named 'target\.greet'"):
        registry.add(_greet_patch())
    assert len(registry.patches) == 1


def test_given_a_moved_target_when_canary_runs_then_it_is_reported_by_name(
    target_module: types.ModuleType,
) -> None:
    moved = _on_target("put_image", lambda self: None, name="ecr.put_image")
    gone_owner = AttributePatch(
        name="gone.owner",
        owner=f"{MODULE}:Renamed",
        attribute="greet",
        new=lambda self: None,
        why="a test",
    )
    registry = PatchRegistry()
    registry.add(_greet_patch(), moved, gone_owner)
    registry.add_internals(Internal(f"{MODULE}:Target._private", "a test"))

    problems = registry.canary()

    assert problems == [
        f"ecr.put_image: {MODULE}:Target.put_image does not exist upstream (the patch replaces it)",
        f"gone.owner: {MODULE}:Renamed.greet: owner gone, {MODULE}:Renamed does not exist",
        f"internal {MODULE}:Target._private: {MODULE}:Target._private does not exist",
    ]


def test_given_a_moved_target_when_applying_then_nothing_is_patched_and_it_is_named(
    target_module: types.ModuleType,
) -> None:
    moved = _on_target("renamed_upstream", lambda self: None, name="moved")
    registry = PatchRegistry()
    registry.add(_greet_patch(), moved)

    with pytest.raises(PatchError, match=r"moved: .*Target\.renamed_upstream does not exist"):
        registry.apply()
    assert registry.applied() == []
    assert target_module.Target().greet() == "upstream"


def _raiser(message: str) -> Callable[[], None]:
    def explode() -> None:
        raise ValueError(message)

    return explode


def _callback(
    name: str,
    target: str,
    *,
    applied: bool,
    apply_fn: Callable[[], None] = lambda: None,
    undo_fn: Callable[[], None] = lambda: None,
) -> CallbackPatch:
    """A CallbackPatch whose state is fixed (``applied``): for apply/undo that fail."""
    return CallbackPatch(
        name=name,
        target=target,
        why="a test",
        apply_fn=apply_fn,
        undo_fn=undo_fn,
        applied_fn=lambda: applied,
    )


def test_given_a_patch_failing_to_apply_when_applying_then_earlier_ones_are_undone(
    target_module: types.ModuleType,
) -> None:
    failing = _callback("failing", "nowhere", apply_fn=_raiser("boom"), applied=False)
    registry = PatchRegistry()
    registry.add(_greet_patch(), failing)

    with pytest.raises(PatchError, match=r"failing \(nowhere\) failed to apply: boom"):
        registry.apply()
    assert registry.applied() == []
    assert target_module.Target().greet() == "upstream"


def test_given_an_undo_that_fails_when_undoing_then_the_rest_are_undone_and_it_is_named(
    target_module: types.ModuleType,
) -> None:
    stuck = _callback("stuck", "somewhere", undo_fn=_raiser("stuck"), applied=True)
    registry = PatchRegistry()
    registry.add(_greet_patch(), stuck)
    registry.apply()

    with pytest.raises(PatchError, match=r"could not undo: stuck \(somewhere\): ValueError"):
        registry.undo()
    assert target_module.Target().greet() == "upstream"


def test_given_a_registry_when_described_then_patches_and_internals_are_listed(
    target_module: types.ModuleType,
) -> None:
    registry = PatchRegistry()
    registry.extend([_greet_patch()], [Internal(f"{MODULE}:Target.greet", "read it")])
    assert describe(registry) == [
        {
            "kind": "patch",
            "name": "target.greet",
            "target": f"{MODULE}:Target.greet",
            "why": "a test",
        },
        {
            "kind": "internal",
            "name": f"{MODULE}:Target.greet",
            "target": f"{MODULE}:Target.greet",
            "why": "read it",
        },
    ]
