"""A push as the ledger records it: the row a deploy execution wrote for an ECR push."""

from __future__ import annotations

from typing import Any

from cli_world import SERVICE, World, attempt_id


def record_push(
    world: World, digest: str, commit: str, received: float, tag: str, **extra: Any
) -> None:
    """A succeeded deploy of ``digest`` (commit ``commit``) received at ``received``; the
    attempt id ends in ``tag``, the event id is ``ev-<tag>`` unless ``extra`` names one."""
    world.store.put_attempt(
        SERVICE,
        attempt_id(received, tag),
        {
            "kind": "deploy",
            "trigger": "push",
            "commitId": commit,
            "digest": digest,
            "eventId": f"ev-{tag}",
            "startedAt": received,
            "result": "succeeded",
        }
        | extra,
    )
