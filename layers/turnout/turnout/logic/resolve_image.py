"""ECR push -> digest-pinned image URI and the commit that built it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from turnout import clock
from turnout.adapters.ecr import Ecr, image_uri
from turnout.config import Config
from turnout.deps import Deps
from turnout.errors import (
    ImageCommitUnknown,
    ImageProvenancePending,
    ImageProvenanceUnknown,
    InvalidEvent,
)
from turnout.logic.ignore import ignored
from turnout.observability import logger
from turnout.queue import Slot
from turnout.reconcile import RECONCILE_TRIGGER, claim_holder

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
#: A shortened commit id as buildspecs tag with (``cut -c 1-7``, ``${VERSION:0:8}``: 9 of the
#: 11 real buildspecs in the corpus): 7 hex characters at least (git's default abbreviation),
#: fewer than 40.
SHORT_COMMIT = re.compile(r"^[0-9a-f]{7,39}$")
SHORT_COMMIT_MIN = 7
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def resolve_image(payload: Mapping[str, Any], deps: Deps, account: str = "") -> dict[str, Any]:
    """``account``: the function's own account (from its ARN), which the event must name."""
    cfg = deps.config
    raw = payload.get("event")
    if not isinstance(raw, dict):
        raise InvalidEvent(
            "deploy input: expected an ECR Image Action event or a queue hand-off object"
        )
    if "handoff" in raw:
        slot = _handed_over(raw["handoff"], str(payload.get("executionArn", "")), deps, account)
        return {"ignored": False, "handoff": True, "attempt": slot.to_item()}
    if "reconcile" in raw:
        slot = _reconciled(raw["reconcile"], str(payload.get("executionArn", "")), deps, account)
        return {"ignored": False, "handoff": False, "attempt": slot.to_item()}
    from turnout.models import check_origin, parse_event
    from turnout.models.ecr import EcrImageActionEvent

    event = parse_event(EcrImageActionEvent, raw, "ECR Image Action")
    check_origin(event, account, cfg.region, "ECR Image Action")
    d = event.detail
    answer = ignored(
        "image push",
        event.id,
        [
            (
                d.repository_name != cfg.ecr_repository,
                f"repository {d.repository_name!r} is not {cfg.ecr_repository!r}",
            ),
            (d.action_type != "PUSH", f"action {d.action_type!r} is not PUSH"),
            (d.result != "SUCCESS", f"result {d.result!r} is not SUCCESS"),
            (
                d.image_tag != cfg.image_tag,
                f"tag {d.image_tag!r} is not the deploy tag {cfg.image_tag!r}",
            ),
        ],
    )
    if answer is not None:
        return answer
    image = deps.ecr.image(d.image_digest)
    commit_id = commit_of_tags(d.image_digest, image.tags, deps)
    build = deps.store.get_build(cfg.service_key, commit_id) or {}
    check_provenance(d.image_digest, commit_id, build, cfg)
    replay_name = event.replay_name
    trigger = "replay" if replay_name else str(build.get("trigger") or "push")
    uri = image_uri(image.registry_id, cfg.region, cfg.ecr_repository, d.image_digest)
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


def commit_of_tags(digest: str, tags: tuple[str, ...], deps: Deps) -> str:
    """The commit an image's tags name: a 40-hex tag, else a short one (7 to 39 hex
    characters) that is the prefix of exactly one commit this stack's build built (its
    BUILD# row in the ledger); ImageCommitUnknown naming the tags otherwise."""
    cfg = deps.config
    commits = sorted(t for t in tags if _COMMIT.match(t))
    if commits:
        if len(commits) > 1:
            logger.warning(
                "several commit tags on one digest; using the first", extra={"tags": commits}
            )
        return commits[0]
    found: dict[str, list[str]] = {
        tag: deps.store.built_commits(cfg.service_key, tag)
        for tag in sorted(t for t in tags if SHORT_COMMIT.match(t))
    }
    named = sorted({c for built in found.values() for c in built})
    ambiguous = {tag: built for tag, built in found.items() if len(built) > 1}
    where = f"image {digest} in ECR repository {cfg.ecr_repository} has tags {list(tags)}"
    if ambiguous or len(named) > 1:
        shown = "; ".join(f"{tag!r} starts {', '.join(b)}" for tag, b in found.items() if b)
        raise ImageCommitUnknown(
            f"{where}: the short commit id is ambiguous ({shown}); tag the image with more "
            "characters of $CODEBUILD_RESOLVED_SOURCE_VERSION (or all 40) in buildspec.yml"
        )
    if named:
        logger.info("short commit tag resolved", extra={"tags": list(found), "commit": named[0]})
        return named[0]
    short = f"; no short one ({', '.join(found)}) starts a commit this stack built" if found else ""
    raise ImageCommitUnknown(
        f"{where}; none is a 40-hex commit id{short}: tag the image with "
        "$CODEBUILD_RESOLVED_SOURCE_VERSION (or its first 7 or more characters) in buildspec.yml"
    )


def built_digest(ecr: Ecr, commit_id: str) -> str:
    """The digest a build of ``commit_id`` pushed under the commit's id: the whole id as the
    tag, else the shortest prefix of 7 or more characters that is one ("" when none is)."""
    for length in (40, *range(SHORT_COMMIT_MIN, 40)):
        digest = ecr.digest_of_tag(commit_id[:length])
        if digest:
            return digest
    return ""


def _handed_over(handoff: Any, execution: str, deps: Deps, account: str) -> Slot:
    """The running slot a queue hand-off names, re-read and re-checked.

    A hand-off carries only the attempt id (Finish starts it); anyone allowed
    StartExecution on the deploy machine could forge one (aws-fidelity row 33,
    security-review row 6). So the attempt must be the service's running slot (the
    STATE item), and its image must still be this account's ECR digest, pinned by
    digest in this stack's repository; anything else is InvalidEvent."""
    cfg = deps.config
    # ``attempt_id``: the key of hand-offs started before the upgrade (only the id is read).
    attempt_id = (
        handoff.get("attemptId", handoff.get("attempt_id")) if isinstance(handoff, dict) else None
    )
    if not isinstance(attempt_id, str):
        raise InvalidEvent('handoff: expected {"attemptId": "<attempt id>"}')
    running = deps.store.load_state(cfg.service_key).running
    if running is None or running.attempt_id != attempt_id:
        holder = running.attempt_id if running else "none"
        raise InvalidEvent(
            f"handoff: attempt {attempt_id!r} is not the running slot of {cfg.service_key} "
            f"(running: {holder}); only Finish hands over, and only the queued push"
        )
    if not _DIGEST.match(running.digest):
        raise InvalidEvent(f"handoff: the running slot's digest {running.digest!r} is no digest")
    image = deps.ecr.image(running.digest)  # ImageNotFound when it left the repository
    if account and image.registry_id != account:
        raise InvalidEvent(f"handoff: registry {image.registry_id} is not this account's")
    expected = image_uri(image.registry_id, cfg.region, cfg.ecr_repository, running.digest)
    if running.image_uri != expected:
        raise InvalidEvent(
            f"handoff: image {running.image_uri!r} is not {expected!r} (this stack's repository)"
        )
    logger.info("queue hand-off verified", extra={"attempt": attempt_id, "digest": image.digest})
    return replace(running, execution_arn=execution or running.execution_arn)


def _reconciled(request: Any, execution: str, deps: Deps, account: str) -> Slot:
    """The build a reconciliation claimed (the gate tick starts it: turnout.reconcile),
    re-read and re-checked like a push.

    Anyone allowed StartExecution on the deploy machine could send one, so only what the
    ledger holds is trusted: the attempt must hold the claim on the build's row, taken by a
    reconciliation, and the digest is the row's (provenance, as for a push); the image must
    still be in this stack's repository. Anything else is InvalidEvent."""
    cfg = deps.config
    attempt_id = request.get("attemptId") if isinstance(request, dict) else None
    commit_id = request.get("commitId") if isinstance(request, dict) else None
    if not isinstance(attempt_id, str) or not isinstance(commit_id, str):
        raise InvalidEvent('reconcile: expected {"attemptId": "<attempt>", "commitId": "<40 hex>"}')
    if not _COMMIT.match(commit_id):
        raise InvalidEvent(f"reconcile: commit {commit_id!r} is not a 40-hex commit id")
    build = deps.store.get_build(cfg.service_key, commit_id) or {}
    if claim_holder(build) != (attempt_id, RECONCILE_TRIGGER):
        raise InvalidEvent(
            f"reconcile: attempt {attempt_id!r} holds no reconciliation claim on this stack's "
            f"build of commit {commit_id} (only the gate tick's reconciliation starts one)"
        )
    digest = str(build.get("digest") or "")
    check_provenance(digest, commit_id, build, cfg)
    image = deps.ecr.image(digest)  # ImageNotFound when it left the repository
    if account and image.registry_id != account:
        raise InvalidEvent(f"reconcile: registry {image.registry_id} is not this account's")
    logger.info("reconciled build resolved", extra={"attempt": attempt_id, "digest": digest})
    return Slot(
        attempt_id=attempt_id,
        digest=digest,
        commit_id=commit_id,
        image_uri=image_uri(image.registry_id, cfg.region, cfg.ecr_repository, digest),
        trigger=RECONCILE_TRIGGER,
        received_at=clock.now(),
        execution_arn=execution,
        commit_time=deps.codecommit.commit_time(commit_id),
    )


def check_provenance(digest: str, commit_id: str, build: Mapping[str, Any], cfg: Config) -> None:
    """Deploy only a digest this stack's build produced (security-review row 3).

    Finish records on ``BUILD#<commit>`` the digest the build pushed under the commit-id
    tag; anyone else's push (another principal with ecr:PutImage, a buildspec tagging
    another commit) names a digest the row does not hold. ``AllowExternalImages`` lifts
    the rule, except in manual mode, which ECR must not bypass. A build of the commit still
    running (no result yet) has not recorded its digest: ImageProvenancePending, retried."""
    if cfg.allow_external_images and cfg.build_trigger != "manual":
        return
    result = build.get("buildResult")
    if build and not result:
        raise ImageProvenancePending(
            f"image {digest}: this stack's build of commit {commit_id} has not recorded "
            "its digest yet"
        )
    recorded = str(build.get("digest") or "")
    if result == "succeeded" and recorded == digest:
        return
    if not build:
        why = f"this stack never built commit {commit_id}"
    elif result != "succeeded":
        why = f"this stack's build of commit {commit_id} ended {result!r}"
    else:
        why = f"this stack's build of commit {commit_id} pushed {recorded or 'no digest'}"
    mode = " (manual mode deploys only its own builds)" if cfg.build_trigger == "manual" else ""
    raise ImageProvenanceUnknown(
        f"image {digest} in ECR repository {cfg.ecr_repository}: {why}; only images this "
        f"stack's build pushed are deployed unless AllowExternalImages is true{mode}"
    )
