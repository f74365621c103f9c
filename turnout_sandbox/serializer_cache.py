"""moto's response serializer, with the attribute names it tries for each member remembered.

moto 5 answers most operations through one generic ``ResponseSerializer`` that walks the
botocore output shape and, for every member of every structure it writes, asks an
``XFormedAttributePicker`` which attribute of the Python object holds the value. The picker
builds an ``AttributePickerContext`` (joining the serializer's whole path into a string) and
instantiates six alias providers (``DEFAULT_ALIAS_PROVIDERS``: the object's
``Meta.serialization_aliases``, the shape's name, the key as is, the key without its parent
shape's or the object's class prefix, the shape's serialized name), each of which only reads
the object's class, its ``Meta``, the key and the shape with its parent. That was a quarter
of the CPU of each emulated AWS call and the largest single item of a gate tick (py-spy,
``turnout demo --bake-minutes 60``, 2026-12-03).

The answer is the same for the same (object class, ``Meta``, key, shape, parent shape), so
:func:`cached_get_value` keeps the tuple of candidate names per such key (the objects kept
with it and compared by identity, so a recycled ``id`` never matches) and only the lookups
of the values run per member, in the same order, with the same first-found-wins rule and
``None`` when none is found. A picker with response transformers (``RESPONSE_KEY_PATH_TO_
TRANSFORMER`` on a response class), other alias providers or another picker class goes
through moto's own path unchanged. ``tests/integration/sandbox/test_serializer_cache.py``
checks real responses of several protocols serialize byte for byte as moto's own path does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "cached_get_value", "clear", "size"]

#: Entries kept at most; past it the cache starts again (shapes are per process, so this
#: only bounds a process serializing very many distinct object classes).
_LIMIT: Final = 50_000
_KEYS: dict[tuple[Any, ...], tuple[Any, Any, Any, tuple[str, ...]]] = {}


@functools.cache
def _moto() -> _Moto:
    """The moto names the fast path uses, imported on first use (not at this import)."""
    from moto.core import serialize
    from moto.core.constants import MISSING
    from moto.core.utils import get_value

    return _Moto(
        pickers=(serialize.AttributePicker, serialize.XFormedAttributePicker),
        providers=serialize.DEFAULT_ALIAS_PROVIDERS,
        context=serialize.AttributePickerContext,
        missing=MISSING,
        get_value=get_value,
    )


@dataclass(frozen=True)
class _Moto:
    pickers: tuple[type, ...]
    providers: Any
    context: Any
    missing: Any
    get_value: Callable[[Any, str, Any], Any]


def _candidates(moto: _Moto, picker: Any, obj: Any, key: str, shape: Any) -> tuple[str, ...]:
    meta = getattr(obj, "Meta", None)
    parent = getattr(shape, "parent", None)
    cache_key = (type(picker), type(obj), id(meta), key, id(shape), id(parent))
    hit = _KEYS.get(cache_key)
    if hit is not None and hit[0] is meta and hit[1] is shape and hit[2] is parent:
        return hit[3]
    names = tuple(picker.get_possible_keys(moto.context(obj=obj, key=key, shape=shape)))
    if len(_KEYS) >= _LIMIT:
        _KEYS.clear()
    _KEYS[cache_key] = (meta, shape, parent, names)
    return names


@replaces(
    "moto.core.serialize:ResponseSerializer",
    "get_value",
    name="moto.serializer-candidate-names",
    why="the attribute names moto's serializer tries for a member are worked out once per "
    "(class, key, shape), not per member of every response",
)
def cached_get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
    """``ResponseSerializer.get_value``: the first candidate attribute present, else None."""
    moto = _moto()
    picker = self._value_picker
    if (
        type(picker) not in moto.pickers
        or picker.response_transformers
        or picker.alias_providers is not moto.providers
    ):
        return cached_get_value.original(self, value, key, shape)
    missing = moto.missing
    for name in _candidates(moto, picker, value, key, shape):
        found = moto.get_value(value, name, missing)
        if found is not missing:
            return found
    return None


def size() -> int:
    """How many (class, key, shape) answers the cache holds."""
    return len(_KEYS)


def clear() -> None:
    """Forget every answer."""
    _KEYS.clear()


PATCHES: Final[tuple[AttributePatch, ...]] = (cached_get_value,)
