"""ECR push -> digest-pinned image URI and the commit that built it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from turnout import clock
from turnout.deps import Deps
from turnout.errors import ImageCommitUnknown, InvalidEvent
from turnout.observability import logger
from turnout.queue import Slot

_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def resolve_image(payload: Mapping[str, Any], deps: Deps) -> dict[str, Any]:
    cfg = deps.config
    raw = payload.get("event")
    if not isinstance(raw, dict):
        raise InvalidEvent(
            "deploy input: expected an ECR Image Action event or a queue hand-off object"
        )
    if "handoff" in raw:
        slot = Slot.from_item(raw["handoff"], "handoff")
        return {"ignored": False, "handoff": True, "attempt": slot.to_item()}
    from turnout.models import EcrImageActionEvent, parse_event  # lazy: pydantic costs INIT

    event = parse_event(EcrImageActionEvent, raw, "ECR Image Action")
    d = event.detail
    reason = None
    if d.repository_name != cfg.ecr_repository:
        reason = f"repository {d.repository_name!r} is not {cfg.ecr_repository!r}"
    elif d.action_type != "PUSH":
        reason = f"action {d.action_type!r} is not PUSH"
    elif d.result != "SUCCESS":
        reason = f"result {d.result!r} is not SUCCESS"
    elif d.image_tag != cfg.image_tag:
        reason = f"tag {d.image_tag!r} is not the deploy tag {cfg.image_tag!r}"
    if reason:
        logger.info("image push ignored", extra={"reason": reason, "event_id": event.id})
        return {"ignored": True, "reason": reason}
    image = deps.ecr.image(d.image_digest)
    commits = sorted(t for t in image.tags if _COMMIT.match(t))
    if not commits:
        raise ImageCommitUnknown(
            f"image {d.image_digest} in ECR repository {cfg.ecr_repository} has tags {list(image.tags)}; none is a "  # noqa: E501
            "40-hex commit id: tag the image with $CODEBUILD_RESOLVED_SOURCE_VERSION in buildspec.yml"  # noqa: E501
        )
    commit_id = commits[0]
    if len(commits) > 1:
        logger.warning(
            "several commit tags on one digest; using the first", extra={"tags": commits}
        )
    replay_name = event.replay_name
    if replay_name:
        trigger = "replay"
    else:
        build = deps.store.get_build(cfg.service_key, commit_id) or {}
        trigger = str(build.get("trigger") or "push")
    uri = f"{image.registry_id}.dkr.ecr.{cfg.region}.amazonaws.com/{cfg.ecr_repository}@{d.image_digest}"  # noqa: E501
    slot = Slot(
        attempt_id=clock.new_attempt_id(),
        digest=d.image_digest,
        commit_id=commit_id,
        image_uri=uri,
        trigger=trigger,
        event_id=event.id,
        replay_name=replay_name,
        received_at=clock.now(),
        execution_arn=str(payload.get("executionArn", "")),
        commit_time=deps.codecommit.commit_time(commit_id),
        # The event's own time: what an archive replay window selects on.
        event_time=event.time.timestamp(),
    )
    logger.info(
        "image resolved", extra={"digest": d.image_digest, "commit": commit_id, "trigger": trigger}
    )
    return {"ignored": False, "handoff": False, "attempt": slot.to_item()}
