"""botocore's JSON data files, parsed once per process and shared by every session.

Each ``botocore.session.Session`` has a loader of its own whose ``instance_cache`` keeps what
it parsed for that session only. The sandbox makes many sessions: moto builds a fresh one
for each backend's region list (``BackendDict``), every emulated Lambda's boto3 default
session and the sandbox's clients each load the same ``service-2.json``, ``endpoints.json``
and ``endpoint-rule-set-1.json`` again. Parsing a service model is most of what creating a
client costs (botocore's ``JSONFileLoader`` decodes into ``OrderedDict``), and it was the
largest single item of ``turnout demo`` after its imports.

The files are read-only data installed with botocore, and botocore treats what it loaded as
immutable: one session already hands the same object to every client it makes. The only
in-place change botocore makes is ``Loader.load_service_model`` deep-merging a service's
``*.sdk-extras.json`` into its model, which gives the same result when done again. So the
cache is keyed by the full path botocore asks for (search paths, ``AWS_DATA_PATH``, API
version and file all in it) and holds only files that exist: what botocore would load is
what it gets.

Nothing here runs at import: :data:`PATCHES` joins the sandbox's registry
(``turnout_sandbox.sandbox.PROCESS_PATCHES``), which applies and undoes it with the rest. A
process about to import moto may apply it earlier (:func:`share_now`, the CLI does): moto's
own import makes three sessions that each parse EC2's model (``moto.ec2.models.
availability_zones_and_regions``), 0.2-0.4 s. The registry then finds it applied, and the
sandbox's ``stop()`` undoes it all the same.

The list of services a loader knows (``Loader.list_available_services``: every directory of
every search path listed, and each service's API versions stat'ed for the file) is shared
the same way, keyed by the search paths and the file type. botocore computes it once per
loader (``instance_cache``) and asks for it on each model it loads, so every new session
walked the ~400 service directories again: 0.4-0.8 s of ``turnout demo``, most of it in
``os.path.isfile``.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from turnout_sandbox.patches import AttributePatch, replaces

__all__ = ["PATCHES", "clear", "share_now", "size"]

_CACHE: Final[dict[str, Any]] = {}
_SERVICES: Final[dict[tuple[tuple[str, ...], str], tuple[str, ...]]] = {}
_LOCK: Final = threading.Lock()


@replaces(
    "botocore.loaders:JSONFileLoader",
    "load_file",
    name="botocore.shared-data-files",
    why="parse each of botocore's data files once per process, not once per session",
)
def shared_load_file(self: Any, file_path: str) -> Any:
    """``JSONFileLoader.load_file``, parsed once per path for the whole process."""
    with _LOCK:
        if file_path in _CACHE:
            return _CACHE[file_path]
    data = shared_load_file.original(self, file_path)
    if data is not None:  # a file that is absent stays absent: botocore tries other paths
        with _LOCK:
            data = _CACHE.setdefault(file_path, data)
    return data


@replaces(
    "botocore.loaders:Loader",
    "list_available_services",
    name="botocore.shared-service-list",
    why="list the services botocore's data paths hold once per process, not once per session",
)
def shared_service_list(self: Any, type_name: str) -> list[str]:
    """``Loader.list_available_services``, walked once per (search paths, type) per process."""
    key = (tuple(self.search_paths), type_name)
    with _LOCK:
        known = _SERVICES.get(key)
    if known is None:
        found = shared_service_list.original(self, type_name)
        with _LOCK:
            known = _SERVICES.setdefault(key, tuple(found))
    return list(known)  # botocore's own answer is a fresh sorted list


def share_now() -> None:
    """Apply the caches now (idempotent), before the sandbox's registry does."""
    for patch in PATCHES:
        patch.apply()


def size() -> int:
    """How many files (and service lists) the caches hold."""
    with _LOCK:
        return len(_CACHE) + len(_SERVICES)


def clear() -> None:
    """Forget every parsed file and service list (the next load reads the disk again)."""
    with _LOCK:
        _CACHE.clear()
        _SERVICES.clear()


PATCHES: Final[tuple[AttributePatch, ...]] = (shared_load_file, shared_service_list)
