"""Admission rules: one deployment per deployment group, the newest queued push wins.

Pure functions over :class:`ServiceState`; the store applies them with optimistic
concurrency (a version number), so concurrent pushes can never both run.

- A push whose digest already serves, is deploying or is queued deploys nothing
  (DUPLICATE), unless it is a replay: a replayed event always redeploys.
- With nothing running, the push runs. Otherwise it is queued; a push queued earlier is
  superseded (reported, so the ledger records it: nothing is silently lost).
- When the running deployment ends, the queued push (if any) takes over the slot at once,
  so no newcomer can jump in between.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from turnout.errors import InvalidEvent

#: The record's fields: (attribute, wire key, required). The wire key is the camelCase
#: name the state machines carry (``$.attempt.commitId`` ...); the service state stores
#: the same form.
_FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("attempt_id", "attemptId", True),
    ("digest", "digest", True),
    ("commit_id", "commitId", True),
    ("image_uri", "imageUri", True),
    ("trigger", "trigger", True),
    ("event_id", "eventId", False),
    ("replay_name", "replayName", False),
    ("received_at", "receivedAt", False),
    ("execution_arn", "executionArn", False),
    ("commit_time", "commitTime", False),
    ("event_time", "eventTime", False),
)


@dataclass(frozen=True)
class Slot:
    """One push on its way to production: the attempt the deploy state machine carries.

    :meth:`to_item` is its one wire form (camelCase: the state machine's ``$.attempt``,
    the queue hand-off and the stored service state); :meth:`from_item` reads it back.
    """

    attempt_id: str
    digest: str
    commit_id: str
    image_uri: str
    trigger: str  # push | manual | replay
    event_id: str = ""
    replay_name: str | None = None
    received_at: float = 0.0
    execution_arn: str = ""
    commit_time: float = 0.0  # the commit's committer date (0: unknown)
    event_time: float = 0.0  # the ECR event's own time (what an archive replay selects on)

    def to_item(self) -> dict[str, Any]:
        """The camelCase object; ``eventTime`` only when known."""
        item = {key: getattr(self, name) for name, key, _ in _FIELDS}
        if not self.event_time:
            del item["eventTime"]
        return item

    @classmethod
    def from_item(cls, data: Any, what: str = "attempt") -> Slot:
        """Read :meth:`to_item`'s form; ``what`` names the object in errors.

        Also reads the snake_case form that earlier versions stored in the service state
        and sent as a queue hand-off (an upgrade must not strand a queued push)."""
        if not isinstance(data, dict):
            raise InvalidEvent(f"{what}: expected an object, got {type(data).__name__}")
        legacy = "attemptId" not in data and "attempt_id" in data
        values: dict[str, Any] = {}
        for name, key, required in _FIELDS:
            wire = name if legacy else key
            if required and wire not in data:
                raise InvalidEvent(f"{what}.{wire} is missing")
            values[name] = data.get(wire)
        return cls(
            attempt_id=str(values["attempt_id"]),
            digest=str(values["digest"]),
            commit_id=str(values["commit_id"]),
            image_uri=str(values["image_uri"]),
            trigger=str(values["trigger"]),
            event_id=str(values["event_id"] or ""),
            replay_name=values["replay_name"],
            received_at=float(values["received_at"] or 0.0),
            execution_arn=str(values["execution_arn"] or ""),
            commit_time=float(values["commit_time"] or 0.0),
            event_time=float(values["event_time"] or 0.0),
        )


@dataclass(frozen=True)
class ServiceState:
    serving: Slot | None = None
    running: Slot | None = None
    queued: Slot | None = None
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "serving": self.serving.to_item() if self.serving else None,
            "running": self.running.to_item() if self.running else None,
            "queued": self.queued.to_item() if self.queued else None,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceState:
        def slot(key: str) -> Slot | None:
            value = data.get(key)
            return Slot.from_item(value, key) if value else None

        return cls(slot("serving"), slot("running"), slot("queued"), int(data.get("version", 0)))


class Decision(StrEnum):
    RUN = "run"
    QUEUED = "queued"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"


#: ``is_ancestor(a, b)``: True when commit ``a`` is an ancestor of commit ``b``.
Ancestry = Callable[[str, str], bool]


def is_older(candidate: Slot, other: Slot, is_ancestor: Ancestry | None = None) -> bool:
    """True when ``candidate``'s commit comes before ``other``'s on the branch.

    Commit dates decide; equal or unknown dates fall back to ancestry (when known), and
    otherwise to arrival order (the candidate, arriving later, counts as newer)."""
    if candidate.commit_id == other.commit_id:
        return False
    if candidate.commit_time and other.commit_time and candidate.commit_time != other.commit_time:
        return candidate.commit_time < other.commit_time
    return bool(is_ancestor and is_ancestor(candidate.commit_id, other.commit_id))


@dataclass(frozen=True)
class Admission:
    decision: Decision
    state: ServiceState
    reason: str
    superseded: Slot | None = None


@dataclass(frozen=True)
class Release:
    state: ServiceState
    released: bool
    next: Slot | None = None


def _short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


def admit(state: ServiceState, candidate: Slot, is_ancestor: Ancestry | None = None) -> Admission:
    """Decide what happens to ``candidate``; return the new state to store.

    Pushes of one branch can reach ECR out of order (parallel builds): a push older than
    the commit that is serving, deploying or queued is superseded at once, so the newest
    commit always ends up serving. Replays are exempt: they redeploy on purpose."""
    if state.running and state.running.attempt_id == candidate.attempt_id:
        return Admission(Decision.RUN, state, "handed over from the queue")
    if candidate.trigger != "replay":
        for label, slot in (
            ("serving", state.serving),
            ("deploying", state.running),
            ("queued", state.queued),
        ):
            if slot and slot.digest == candidate.digest:
                return Admission(
                    Decision.DUPLICATE,
                    state,
                    f"digest {_short(candidate.digest)} is already {label} "
                    f"(attempt {slot.attempt_id})",
                )
        for label, slot in (
            ("serving", state.serving),
            ("deploying", state.running),
            ("queued", state.queued),
        ):
            if slot and slot.trigger != "replay" and is_older(candidate, slot, is_ancestor):
                return Admission(
                    Decision.SUPERSEDED,
                    state,
                    f"commit {candidate.commit_id[:12]} is older than the {label} commit "
                    f"{slot.commit_id[:12]} (attempt {slot.attempt_id})",
                )
    if state.running is None:
        return Admission(
            Decision.RUN,
            replace(state, running=candidate, version=state.version + 1),
            "nothing else is deploying",
        )
    superseded = state.queued
    reason = f"queued behind attempt {state.running.attempt_id}"
    if superseded:
        reason += f"; supersedes queued attempt {superseded.attempt_id}"
    return Admission(
        Decision.QUEUED,
        replace(state, queued=candidate, version=state.version + 1),
        reason,
        superseded,
    )


def release(state: ServiceState, attempt_id: str, *, succeeded: bool) -> Release:
    """End the running attempt; the queued one (if any) takes the slot."""
    if state.running is None or state.running.attempt_id != attempt_id:
        return Release(state, released=False)
    serving = state.running if succeeded else state.serving
    nxt = state.queued
    return Release(
        ServiceState(serving=serving, running=nxt, queued=None, version=state.version + 1),
        released=True,
        next=nxt,
    )


def drop_queued(state: ServiceState, attempt_id: str) -> ServiceState | None:
    """Remove a queued attempt (an operator cancelling it); None when it is not queued."""
    if state.queued is None or state.queued.attempt_id != attempt_id:
        return None
    return replace(state, queued=None, version=state.version + 1)
