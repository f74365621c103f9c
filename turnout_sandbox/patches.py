"""Every change the sandbox makes to moto, botocore and the process, in one registry.

moto lacks much of what turnout needs (a CodeDeploy lifecycle, EventBridge delivery, the
aws-sdk integration's PascalCase I/O, ...), so the sandbox teaches it: it replaces methods of
moto's ``*Response`` classes and interpreter, registers a botocore handler and layers
``os.environ``. Each such change is a :class:`Patch` declared next to the code that needs it
(an emulator's ``PATCHES``) and gathered here, so that one place can

* **apply** them all, in a fixed order, idempotently (:meth:`PatchRegistry.apply`);
* **undo** them all, in reverse, leaving the process as it was (:meth:`PatchRegistry.undo`):
  ``Sandbox.stop()`` does, so a whole test suite can run in one process;
* **verify** that what is applied is still ours (:meth:`PatchRegistry.verify`), and that every
  upstream target still exists before anything is applied (:meth:`PatchRegistry.canary`): a
  moto or botocore upgrade that moves or renames a patched name fails loudly, naming it.

Where the sandbox must *read* a private moto name (no public path exists), it declares an
:class:`Internal` the same way; the canary checks those too, and :func:`describe` lists
patches and internals together (``turnout sandbox patches``).
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

__all__ = [
    "REGISTRY",
    "AttributePatch",
    "CallbackPatch",
    "Internal",
    "Patch",
    "PatchError",
    "PatchRegistry",
    "describe",
    "replaces",
    "resolve",
]

_MISSING: Final = object()


class PatchError(RuntimeError):
    """A patch target moved (an upgrade of moto or botocore), or a patch was applied twice.

    ``missing`` names the first part of a path that does not resolve (a module, or an
    attribute inside it), when that is the problem."""

    def __init__(self, message: str, *, missing: str = "") -> None:
        super().__init__(message)
        self.missing = missing


def resolve(path: str) -> Any:
    """The object a ``"package.module:Qual.Name"`` path names; PatchError naming the part
    that is missing (the module, or the attribute inside it)."""
    module_name, _, qualname = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise PatchError(
            f"{path}: module {module_name} cannot be imported ({exc})",
            missing=f"module {module_name} (cannot be imported: {exc})",
        ) from exc
    walked = module_name
    for part in qualname.split(".") if qualname else ():
        walked = f"{walked}{':' if walked == module_name else '.'}{part}"
        if not hasattr(obj, part):
            raise PatchError(f"{path}: {walked} does not exist", missing=walked)
        obj = getattr(obj, part)
    return obj


class Patch(Protocol):
    """What the registry needs of a patch."""

    @property
    def name(self) -> str: ...

    @property
    def why(self) -> str: ...

    @property
    def target(self) -> str: ...

    def check_target(self) -> str | None:
        """None when the upstream target is where the patch expects it, else the problem."""
        ...

    def apply(self) -> None: ...

    def undo(self) -> None: ...

    def is_applied(self) -> bool: ...


@dataclass(eq=False)
class AttributePatch:
    """``setattr(owner, attribute, new)``, undone by restoring what was there (or deleting
    it when it was absent).

    ``owner`` is a ``"module:Qual.Name"`` path (resolved when applied, so importing this module
    imports no moto) or the object itself. ``must_exist`` says that upstream defines the
    attribute (a method we replace); ``False`` marks an action moto lacks that we add.
    A replacement that delegates to what it replaces calls :attr:`original`.
    """

    name: str
    owner: str | Any
    attribute: str
    new: Any
    why: str
    must_exist: bool = True
    _original: Any = field(default=_MISSING, init=False, repr=False)
    _previous: Any = field(default=_MISSING, init=False, repr=False)
    _owner_obj: Any = field(default=None, init=False, repr=False)
    _applied: bool = field(default=False, init=False, repr=False)

    @property
    def target(self) -> str:
        if isinstance(self.owner, str):
            return f"{self.owner}.{self.attribute}"
        owner_name = getattr(self.owner, "__qualname__", type(self.owner).__qualname__)
        return f"{getattr(self.owner, '__module__', '?')}:{owner_name}.{self.attribute}"

    @property
    def original(self) -> Any:
        """What ``owner.attribute`` was when the patch was applied, found as Python would
        (along the MRO of a class, unbound: a ``classmethod`` object stays one), so that the
        replacement can delegate to it. It stays readable after :meth:`undo` (a background
        thread may still be inside the replacement); PatchError before the first apply, or
        when the patch added an attribute upstream lacks."""
        if self._previous is _MISSING:
            raise PatchError(
                f"{self.name}: {self.target} has no original (never applied, or added by us)"
            )
        return self._previous

    def _owner(self) -> Any:
        if self._owner_obj is None:
            self._owner_obj = resolve(self.owner) if isinstance(self.owner, str) else self.owner
        return self._owner_obj

    def check_target(self) -> str | None:
        try:
            owner = self._owner()
        except PatchError as exc:
            return f"{self.target}: owner gone, {exc.missing or exc} does not exist"
        if self._applied:
            return None
        if self.must_exist and not _has_own(owner, self.attribute):
            return f"{self.target} does not exist upstream (the patch replaces it)"
        return None

    def apply(self) -> None:
        if self._applied:
            return
        owner = self._owner()
        self._original = (
            owner.__dict__.get(self.attribute, _MISSING)
            if _is_class_or_module(owner)
            else getattr(owner, self.attribute, _MISSING)
        )
        self._previous = inspect.getattr_static(owner, self.attribute, _MISSING)
        setattr(owner, self.attribute, self.new)
        self._applied = True

    def undo(self) -> None:
        if not self._applied:
            return
        owner = self._owner()
        if self._original is _MISSING:
            if self.attribute in getattr(owner, "__dict__", {}):
                delattr(owner, self.attribute)
        else:
            setattr(owner, self.attribute, self._original)
        self._original = _MISSING
        self._applied = False

    def is_applied(self) -> bool:
        if not self._applied:
            return False
        owner = self._owner()
        current = (
            owner.__dict__.get(self.attribute, _MISSING)
            if _is_class_or_module(owner)
            else getattr(owner, self.attribute, _MISSING)
        )
        return current is self.new


def replaces(
    owner: str | Any,
    attribute: str,
    *,
    name: str,
    why: str,
    must_exist: bool = True,
    as_classmethod: bool = False,
) -> Callable[[Callable[..., Any]], AttributePatch]:
    """Declare the decorated function as the replacement of ``owner.attribute``.

    The decorated name is bound to the :class:`AttributePatch` (the declaration sits on the
    code it installs), so the function delegates with ``<its name>.original(...)``::

        @replaces("moto.x.responses:XResponse", "call_action", name="x.y", why="AWS does z")
        def committed(self: Any) -> Any:
            with LOCK:
                return committed.original(self)

    ``as_classmethod`` installs the function as a classmethod of ``owner`` (it then takes the
    class first, and reaches the original with ``<its name>.original.__func__(cls, ...)``).
    """

    def declare(new: Callable[..., Any]) -> AttributePatch:
        installed = classmethod(new) if as_classmethod else new
        return AttributePatch(
            name=name,
            owner=owner,
            attribute=attribute,
            new=installed,
            why=why,
            must_exist=must_exist,
        )

    return declare


@dataclass(eq=False)
class CallbackPatch:
    """A change that is not one attribute (a list entry, a process-wide overlay): the
    callables apply it, undo it, say whether it is in force and check its upstream target."""

    name: str
    target: str
    why: str
    apply_fn: Callable[[], None]
    undo_fn: Callable[[], None]
    applied_fn: Callable[[], bool]
    check_fn: Callable[[], str | None] = lambda: None

    def check_target(self) -> str | None:
        try:
            return self.check_fn()
        except PatchError as exc:
            return str(exc)

    def apply(self) -> None:
        if not self.applied_fn():
            self.apply_fn()

    def undo(self) -> None:
        if self.applied_fn():
            self.undo_fn()

    def is_applied(self) -> bool:
        return self.applied_fn()


@dataclass(frozen=True)
class Internal:
    """A private moto (or botocore) name the sandbox reads because no public path exists."""

    path: str
    why: str

    def check_target(self) -> str | None:
        try:
            resolve(self.path)
        except PatchError as exc:
            return f"{exc.missing or exc} does not exist"
        return None


def _is_class_or_module(obj: Any) -> bool:
    return isinstance(obj, type) or type(obj).__name__ == "module"


def _has_own(owner: Any, attribute: str) -> bool:
    if isinstance(owner, type):
        return any(attribute in klass.__dict__ for klass in owner.__mro__)
    return hasattr(owner, attribute)


class PatchRegistry:
    """The ordered set of patches and internals; apply / undo / verify / canary."""

    def __init__(self) -> None:
        self._patches: list[Patch] = []
        self._internals: list[Internal] = []
        self._lock = threading.RLock()

    # -- declaring ---------------------------------------------------------------------
    def add(self, *patches: Patch) -> None:
        with self._lock:
            names = {p.name for p in self._patches}
            for patch in patches:
                if patch.name in names:
                    if any(p is patch for p in self._patches):
                        continue
                    raise PatchError(f"two patches are named {patch.name!r}")
                self._patches.append(patch)
                names.add(patch.name)

    def add_internals(self, *internals: Internal) -> None:
        with self._lock:
            for internal in internals:
                if internal not in self._internals:
                    self._internals.append(internal)

    def extend(self, patches: Iterable[Patch], internals: Iterable[Internal] = ()) -> None:
        self.add(*patches)
        self.add_internals(*internals)

    @property
    def patches(self) -> tuple[Patch, ...]:
        return tuple(self._patches)

    @property
    def internals(self) -> tuple[Internal, ...]:
        return tuple(self._internals)

    # -- doing -------------------------------------------------------------------------
    def canary(self) -> list[str]:
        """Every problem with an upstream target (patched or read), one line each, naming
        the patch (or the internal) and the target: ``"<patch name>: <target> ..."``."""
        with self._lock:
            problems = [
                f"{patch.name}: {problem}"
                for patch in self._patches
                if (problem := patch.check_target())
            ]
            problems += [
                f"internal {internal.path}: {problem}"
                for internal in self._internals
                if (problem := internal.check_target())
            ]
        return problems

    def apply(self) -> None:
        """Apply every patch in declaration order (idempotent). A moved target stops the
        sandbox before anything is patched, with every problem named; a patch that fails
        while applying undoes the ones applied before it, so nothing is left half-patched."""
        with self._lock:
            problems = self.canary()
            if problems:
                raise PatchError(
                    "the sandbox cannot patch this moto/botocore: " + "; ".join(problems)
                )
            done: list[Patch] = []
            for patch in self._patches:
                was_applied = patch.is_applied()
                try:
                    patch.apply()
                except Exception as exc:
                    for applied in reversed(done):
                        applied.undo()
                    raise PatchError(
                        f"{patch.name} ({patch.target}) failed to apply: {exc}"
                    ) from exc
                if not was_applied:
                    done.append(patch)

    def undo(self) -> None:
        """Undo every applied patch, newest first. Every patch is tried; the ones that failed
        are named in one PatchError at the end."""
        with self._lock:
            failed: list[str] = []
            for patch in reversed(self._patches):
                try:
                    patch.undo()
                except Exception as exc:
                    failed.append(f"{patch.name} ({patch.target}): {type(exc).__name__}: {exc}")
            if failed:
                raise PatchError("could not undo: " + "; ".join(failed))

    def applied(self) -> list[str]:
        return [p.name for p in self._patches if p.is_applied()]

    def verify(self, *, expect_applied: bool) -> list[str]:
        """Patches whose state is not the expected one (someone else replaced ours, or an
        undo left one behind)."""
        return [
            f"{p.name} ({p.target}) is {'not ' if expect_applied else ''}applied"
            for p in self._patches
            if p.is_applied() != expect_applied
        ]


#: The sandbox's one registry. Emulators add their patches when they are gathered
#: (``turnout_sandbox.emulators.register_all``).
REGISTRY: Final = PatchRegistry()


def describe(registry: PatchRegistry = REGISTRY) -> list[dict[str, str]]:
    """One row per patch and internal: kind, name, target, why."""
    rows = [
        {"kind": "patch", "name": p.name, "target": p.target, "why": p.why}
        for p in registry.patches
    ]
    rows += [
        {"kind": "internal", "name": i.path, "target": i.path, "why": i.why}
        for i in registry.internals
    ]
    return rows
