"""functions/resolve_image: the ECR push -> a digest-pinned image and the commit that built it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    ACCOUNT,
    COMMIT,
    DIGEST,
    ECR_REPOSITORY,
    NOW,
    REGION,
    SERVICE_KEY,
    World,
    digest_of,
    sample,
)
from turnout.errors import ImageCommitUnknown, ImageNotFound, InvalidEvent

EXECUTION = "arn:aws:states:ap-northeast-2:123456789012:execution:deploy:run-1"


def _payload(raw: Any) -> dict[str, Any]:
    return {"event": raw, "executionArn": EXECUTION}


def test_given_a_pushed_image_tagged_with_its_commit_when_resolving_then_the_attempt_pins_the_digest(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["ignored"] is False
    assert result["handoff"] is False
    attempt = result["attempt"]
    assert attempt["digest"] == DIGEST
    assert attempt["commitId"] == COMMIT
    assert (
        attempt["imageUri"] == f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{ECR_REPOSITORY}@{DIGEST}"
    )
    assert attempt["trigger"] == "push"
    assert attempt["eventId"] == sample("ecr-push")["id"]
    assert attempt["replayName"] is None
    assert attempt["receivedAt"] == NOW
    assert attempt["executionArn"] == EXECUTION
    assert attempt["commitTime"] == world.codecommit.dates[COMMIT]
    assert world.attempts() == []  # the ledger row is admit's job


def test_given_a_build_started_manually_when_resolving_its_image_then_the_trigger_is_manual(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    world.deps.store.put_build(SERVICE_KEY, COMMIT, {"trigger": "manual", "attemptId": "b-1"})

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["attempt"]["trigger"] == "manual"


def test_given_a_replayed_push_when_resolving_then_the_trigger_is_replay_with_its_name(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    world.deps.store.put_build(SERVICE_KEY, COMMIT, {"trigger": "manual"})

    result = world.call("resolve_image", _payload(sample("ecr-push-replayed")))

    assert result["attempt"]["trigger"] == "replay"
    assert result["attempt"]["replayName"] == "turnout-redeploy-20250612T093000Z"


def test_given_a_queue_handoff_when_resolving_then_the_slot_comes_back_without_ecr(
    world: World,
) -> None:
    slot = {
        "attempt_id": "20261126T064820000000Z-bbbbbb",
        "digest": DIGEST,
        "commit_id": COMMIT,
        "image_uri": "uri@" + DIGEST,
        "trigger": "push",
        "event_id": "e-1",
    }

    result = world.call("resolve_image", _payload({"handoff": slot}))

    assert result["handoff"] is True
    assert result["attempt"]["attemptId"] == slot["attempt_id"]
    assert result["attempt"]["imageUri"] == "uri@" + DIGEST


def test_given_a_handoff_without_digest_when_resolving_then_invalid_event_names_the_field(
    world: World,
) -> None:
    with pytest.raises(InvalidEvent, match=r"handoff\.digest is missing"):
        world.call(
            "resolve_image",
            _payload(
                {
                    "handoff": {
                        "attempt_id": "a",
                        "commit_id": COMMIT,
                        "image_uri": "u",
                        "trigger": "push",
                    }
                }
            ),
        )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"repository-name": "other"}, "repository 'other' is not 'ecr-hello-aws'"),
        ({"action-type": "DELETE"}, "action 'DELETE' is not PUSH"),
        ({"result": "FAILURE"}, "result 'FAILURE' is not SUCCESS"),
        ({"image-tag": COMMIT}, f"tag '{COMMIT}' is not the deploy tag 'latest'"),
    ],
)
def test_given_a_push_not_for_this_stack_when_resolving_then_it_is_ignored_with_the_reason(
    world: World, change: dict[str, str], reason: str
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    event = sample("ecr-push")
    event["detail"] |= change

    assert world.call("resolve_image", _payload(event)) == {"ignored": True, "reason": reason}


def test_given_an_unknown_digest_when_resolving_then_image_not_found_names_it(world: World) -> None:
    world.push_image(digest_of(1), ["latest", COMMIT])

    with pytest.raises(
        ImageNotFound, match=f"image {DIGEST} is not in ECR repository ecr-hello-aws"
    ):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_an_image_without_a_commit_tag_when_resolving_then_image_commit_unknown_names_tags(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", "v1.2.3"])

    with pytest.raises(
        ImageCommitUnknown,
        match=r"image sha256:59c6.* has tags \[.*'v1\.2\.3'.*\]; none is a 40-hex commit id",
    ):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_two_commit_tags_on_one_digest_when_resolving_then_the_first_sorted_is_used(
    world: World,
) -> None:
    world.sources()
    other = world.codecommit.add_commit({"a": "1"}, commit_id="0" * 40)
    world.push_image(DIGEST, ["latest", COMMIT, other])

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["attempt"]["commitId"] == other


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["detail"].pop("image-digest"), r"detail\.image-digest: field required"),
        (
            lambda e: e["detail"].update({"image-digest": "sha256:xyz"}),
            r"detail\.image-digest: string should match pattern",
        ),
        (lambda e: e.update({"source": "aws.codecommit"}), "source: input should be 'aws.ecr'"),
    ],
)
def test_given_a_malformed_ecr_event_when_resolving_then_invalid_event_names_the_field(
    world: World, mutate: Any, field: str
) -> None:
    event = sample("ecr-push")
    mutate(event)

    with pytest.raises(InvalidEvent, match=f"ECR Image Action event: .*{field}"):
        world.call("resolve_image", _payload(event))


def test_given_no_event_object_when_resolving_then_invalid_event(world: World) -> None:
    with pytest.raises(InvalidEvent, match="deploy input: expected an ECR Image Action event"):
        world.call("resolve_image", {"event": "oops"})
