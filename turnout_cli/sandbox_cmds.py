"""`turnout demo`, `turnout sandbox serve` and `turnout sandbox send EVENT.json`.

The sandbox (moto and the emulators) is imported inside the functions, never at start-up.
"""

# Heavy modules are imported inside functions on purpose (fast start-up).

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from turnout_cli.errors import CliError, OperationFailed
from turnout_cli.parsing import human_duration

#: EventBridge's PutEvents entry limit (256 KiB).
MAX_ENTRY_BYTES = 256 * 1024


def sandbox_api() -> ModuleType:
    try:
        # first, so that the sessions moto makes while it is imported share botocore's
        # parsed models too (the sandbox's start applies it with the rest, and stop undoes it)
        importlib.import_module("turnout_sandbox.model_cache").share_now()
        api = importlib.import_module("turnout_sandbox.api")
    except ImportError as exc:
        raise OperationFailed(
            f"the sandbox is not available ({exc}): install turnout with its sandbox"
        ) from None
    return api


# --------------------------------------------------------------------------- engines
#: The scenarios of DeploymentEngine=ecs are named ``ecs-<what>`` (turnout_sandbox.scenarios_ecs).
ECS_PREFIX = "ecs-"


def check_engine(engines: tuple[str, ...], engine: str | None) -> None:
    """A bad ``--engine`` is refused before the sandbox starts, in one line."""
    if engine is not None and engine not in engines:
        raise CliError(f"--engine {engine!r} is not one of {', '.join(engines)}")


def engine_scenarios(scenarios: Mapping[str, str], engine: str | None) -> dict[str, str]:
    """The scenarios ``--engine`` runs (all of them without it)."""
    if engine is None:
        return dict(scenarios)
    ecs = engine == "ecs"
    return {k: v for k, v in scenarios.items() if k.startswith(ECS_PREFIX) == ecs}


def engine_scenario(scenarios: Mapping[str, str], name: str | None, engine: str | None) -> str:
    """The scenario to run: ``--scenario`` (``happy`` under ``--engine ecs`` is
    ``ecs-happy``), else the engine's first; a CliError names the choices."""
    choices = engine_scenarios(scenarios, engine)
    wanted = name or next(iter(choices), "")
    if engine == "ecs" and not wanted.startswith(ECS_PREFIX) and ECS_PREFIX + wanted in choices:
        wanted = ECS_PREFIX + wanted
    if wanted not in choices:
        under = f" with --engine {engine}" if engine else ""
        raise CliError(
            f"--scenario {wanted!r} is not a scenario{under}: choose one of {', '.join(choices)}"
        )
    return wanted


# --------------------------------------------------------------------------- send


@dataclass(frozen=True)
class EventFile:
    source: str
    detail_type: str
    detail: dict[str, Any]
    resources: tuple[str, ...]
    time: datetime | None

    def entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "Source": self.source,
            "DetailType": self.detail_type,
            "Detail": json.dumps(self.detail),
            "Resources": list(self.resources),
            "EventBusName": "default",
        }
        if self.time is not None:
            entry["Time"] = self.time
        return entry

    def size(self) -> int:
        """The entry size as EventBridge counts it (Time 14 bytes, then UTF-8 lengths)."""
        total = 14 if self.time is not None else 0
        total += len(self.source.encode()) + len(self.detail_type.encode())
        total += len(json.dumps(self.detail).encode())
        return total + sum(len(r.encode()) for r in self.resources)


#: The largest event file read: an entry is at most 256 KiB, and a file's indentation and
#: whitespace do not count, so some room; anything larger is refused before it is read.
MAX_FILE_BYTES = 4 * MAX_ENTRY_BYTES


def _read_bounded(path: Path) -> bytes:
    """The file's bytes; CliError for what is not a regular file or is too large.

    A FIFO would block the read until a writer comes, a directory cannot be read, and a
    huge file would be read whole into memory: each is refused before it is opened (the
    size is also bounded while reading: the file may grow)."""
    import stat

    try:
        info = path.stat()
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise CliError(f"{path} is a directory: give an event file")
    if not stat.S_ISREG(info.st_mode):
        raise CliError(f"{path} is not a regular file (a FIFO, socket or device): give a file")
    if info.st_size > MAX_FILE_BYTES:
        raise CliError(
            f"{path} is {info.st_size} bytes: an event file is at most {MAX_FILE_BYTES} bytes "
            f"(EventBridge takes entries up to {MAX_ENTRY_BYTES} bytes)"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CliError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise CliError(f"{path} grew past {MAX_FILE_BYTES} bytes while being read")
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (EventBridge takes standard JSON numbers only)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refusing a key given twice (json.loads would keep the last silently)."""
    found = dict(pairs)
    if len(found) < len(pairs):
        from collections import Counter

        counts = Counter(key for key, _ in pairs)
        twice = next(key for key, n in counts.items() if n > 1)
        raise ValueError(f"the key {twice!r} appears twice in one object")
    return found


def _parse(path: Path, raw: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN/Infinity, no duplicate keys, not nested past Python's
    recursion limit (each refused as CliError, exit 2)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(
            f"{path} is not UTF-8 text: byte 0x{raw[exc.start]:02x} at offset {exc.start}"
        ) from None
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
        json.dumps(data)  # what entry() and size() will do: deep nesting fails here too
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path} is not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise CliError(f"{path} is nested too deeply to be an event") from None
    except ValueError as exc:
        raise CliError(f"{path} is not valid JSON for EventBridge: {exc}") from None
    try:
        # a lone surrogate (\ud800) is valid JSON but has no UTF-8 form
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise CliError(f"{path}: a string holds a lone UTF-16 surrogate (\\udXXX)") from None
    return data


def read_event(path: Path) -> EventFile:
    """Parse and check an EventBridge event file; CliError names the file and field at fault."""
    data = _parse(path, _read_bounded(path))
    if not isinstance(data, dict):
        raise CliError(
            f"{path} is not an EventBridge event: expected a JSON object, got {type(data).__name__}"
        )
    for key in ("source", "detail-type"):
        if key not in data:
            raise CliError(f"{path} is not an EventBridge event: field {key!r} is missing")
        if not isinstance(data[key], str) or not data[key].strip():
            raise CliError(f"{path}: field {key!r} must be a non-empty string")
    if "detail" not in data:
        raise CliError(f"{path} is not an EventBridge event: field 'detail' is missing")
    if not isinstance(data["detail"], dict):
        raise CliError(
            f"{path}: field 'detail' must be a JSON object, got {type(data['detail']).__name__}"
        )
    resources = data.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
        raise CliError(f"{path}: field 'resources' must be a list of ARNs (strings)")
    when = None
    if data.get("time") is not None:
        try:
            when = datetime.fromisoformat(str(data["time"]))
        except ValueError:
            raise CliError(
                f"{path}: field 'time' {data['time']!r} is not an ISO 8601 time"
            ) from None
    event = EventFile(
        str(data["source"]), str(data["detail-type"]), data["detail"], tuple(resources), when
    )
    size = event.size()
    if size > MAX_ENTRY_BYTES:
        raise CliError(
            f"{path}: the event is {size} bytes, over EventBridge's 256 KiB limit "
            f"({MAX_ENTRY_BYTES} bytes)"
        )
    return event


def send(client: Any, event: EventFile) -> str:
    result: Mapping[str, Any] = client.put_events(Entries=[event.entry()])
    entries = result.get("Entries") or [{}]
    if int(result.get("FailedEntryCount", 0) or 0) > 0 or not entries[0].get("EventId"):
        first = entries[0]
        raise OperationFailed(
            f"PutEvents rejected the event: {first.get('ErrorCode', '?')}: "
            f"{first.get('ErrorMessage', 'no message')}"
        )
    return str(entries[0]["EventId"])


# --------------------------------------------------------------------------- demo


def step_line(at_real: float, at_virtual: float, source: str, text: str) -> str:
    return f"{at_real:7.1f}s  {'+' + human_duration(at_virtual):>9}  {source:<12} {text}"


def summary_rows(
    summary: Mapping[str, Any], checks: list[tuple[str, bool]]
) -> list[tuple[str, str]]:
    rows = [
        (str(k), json.dumps(v) if isinstance(v, dict | list) else str(v))
        for k, v in summary.items()
    ]
    rows.extend((f"check: {name}", "ok" if ok else "FAILED") for name, ok in checks)
    return rows
