"""functions/resolve_image: the ECR push -> a digest-pinned image and the commit that built it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.handlers.conftest import (
    ACCOUNT,
    COMMIT,
    DEPLOY_EXECUTION,
    DIGEST,
    ECR_REPOSITORY,
    NOW,
    REGION,
    SERVICE_KEY,
    World,
    attempt,
    digest_of,
    sample,
)
from turnout.errors import (
    ImageCommitUnknown,
    ImageNotFound,
    ImageProvenancePending,
    ImageProvenanceUnknown,
    InvalidEvent,
)


def _payload(raw: Any) -> dict[str, Any]:
    return {"event": raw, "executionArn": DEPLOY_EXECUTION}


def _built(world: World, commit: str = COMMIT, digest: str = DIGEST, **fields: Any) -> None:
    """The BUILD#<commit> row as this stack's build leaves it (Finish records the digest)."""
    world.deps.store.put_build(
        SERVICE_KEY,
        commit,
        {"attemptId": "b-1", "trigger": "push", "buildId": "p:1", "buildResult": "succeeded"}
        | {"digest": digest}
        | fields,
    )


def test_given_a_pushed_image_tagged_with_its_commit_when_resolving_then_the_attempt_pins_the_digest(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world)

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
    assert attempt["executionArn"] == DEPLOY_EXECUTION
    assert attempt["commitTime"] == world.codecommit.dates[COMMIT]
    assert world.attempts() == []  # the ledger row is admit's job


def test_given_a_build_started_manually_when_resolving_its_image_then_the_trigger_is_manual(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world, trigger="manual")

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["attempt"]["trigger"] == "manual"


def test_given_a_replayed_push_when_resolving_then_the_trigger_is_replay_with_its_name(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world, trigger="manual")

    result = world.call("resolve_image", _payload(sample("ecr-push-replayed")))

    assert result["attempt"]["trigger"] == "replay"
    assert result["attempt"]["replayName"] == "turnout-redeploy-20250612T093000Z"


def _running(world: World, found: dict[str, Any]) -> None:
    """``found`` holds the service's slot (as admission leaves it)."""
    from turnout.queue import ServiceState, Slot

    world.deps.store.change_state(
        SERVICE_KEY,
        lambda s: (ServiceState(running=Slot.from_item(found), version=s.version + 1), None),
    )


def test_given_a_handoff_of_the_running_slot_when_resolving_then_the_stored_slot_comes_back(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    found = attempt()
    _running(world, found)

    result = world.call("resolve_image", _payload({"handoff": {"attemptId": found["attemptId"]}}))

    assert result["handoff"] is True
    assert result["attempt"] == found | {"executionArn": DEPLOY_EXECUTION, "commitTime": 0.0}


def test_given_a_handoff_in_the_earlier_snake_case_form_when_resolving_then_only_its_id_is_read(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    found = attempt()
    _running(world, found)
    legacy = {"attempt_id": found["attemptId"], "image_uri": "evil.example/app:latest"}

    result = world.call("resolve_image", _payload({"handoff": legacy}))

    assert result["attempt"]["imageUri"] == found["imageUri"]


@pytest.mark.parametrize(
    "forged",
    [
        {"attemptId": "20261126T999999000000Z-ffffff"},  # not the running slot
        {"attemptId": 7},
        "20261126T064820000000Z-aaaaaa",
    ],
)
def test_given_a_forged_handoff_when_resolving_then_it_is_invalid(
    world: World, forged: Any
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    _running(world, attempt())

    with pytest.raises(InvalidEvent, match="handoff"):
        world.call("resolve_image", _payload({"handoff": forged}))


def test_given_a_handoff_carrying_its_own_image_when_resolving_then_the_stored_image_is_used(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    found = attempt()
    _running(world, found)
    forged = found | {"imageUri": "evil.example/app:latest", "trigger": "replay"}

    result = world.call("resolve_image", _payload({"handoff": forged}))

    assert result["attempt"]["imageUri"] == found["imageUri"]
    assert result["attempt"]["trigger"] == "push"


def test_given_a_running_slot_whose_image_left_ecr_when_handed_over_then_image_not_found(
    world: World,
) -> None:
    found = attempt()
    _running(world, found)

    with pytest.raises(ImageNotFound):
        world.call("resolve_image", _payload({"handoff": {"attemptId": found["attemptId"]}}))


def test_given_a_running_slot_with_a_foreign_image_uri_when_handed_over_then_it_is_invalid(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT])
    found = attempt() | {"imageUri": f"evil.example/{ECR_REPOSITORY}@{DIGEST}"}
    _running(world, found)

    with pytest.raises(InvalidEvent, match=r"\(this stack's repository\)"):
        world.call("resolve_image", _payload({"handoff": {"attemptId": found["attemptId"]}}))


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


@pytest.mark.parametrize("length", [7, 8, 12, 39])
def test_given_a_short_commit_tag_of_a_commit_this_stack_built_when_resolving_then_it_is_that_commit(
    world: World, length: int
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT[:length]])
    _built(world)

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["attempt"]["commitId"] == COMMIT
    assert result["attempt"]["digest"] == DIGEST


def test_given_a_short_tag_that_starts_two_built_commits_when_resolving_then_it_is_ambiguous(
    world: World,
) -> None:
    twin = COMMIT[:7] + "0" * 33
    world.push_image(DIGEST, ["latest", COMMIT[:7]])
    _built(world)
    _built(world, commit=twin, digest=digest_of(2))

    with pytest.raises(
        ImageCommitUnknown,
        match=(
            rf"the short commit id is ambiguous \('{COMMIT[:7]}' starts {twin}, {COMMIT}\); "
            "tag the image with more characters"
        ),
    ):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_short_tags_naming_two_built_commits_when_resolving_then_it_is_ambiguous(
    world: World,
) -> None:
    other = "1234567" + COMMIT[7:]
    world.push_image(DIGEST, ["latest", COMMIT[:8], other[:7]])
    _built(world)
    _built(world, commit=other, digest=digest_of(2))

    with pytest.raises(ImageCommitUnknown, match="the short commit id is ambiguous"):
        world.call("resolve_image", _payload(sample("ecr-push")))


@pytest.mark.parametrize(
    ("tag", "why"),
    [
        (COMMIT[:6], "six characters: no short commit id"),
        (COMMIT[:7].upper(), "not lower-case hex, as git writes ids"),
        ("g" + COMMIT[1:8], "not hex"),
        ("1234567", "hex, but no commit this stack built starts so"),
    ],
)
def test_given_a_tag_that_is_no_short_id_of_a_built_commit_when_resolving_then_commit_unknown(
    world: World, tag: str, why: str
) -> None:
    world.push_image(DIGEST, ["latest", tag])
    _built(world)

    with pytest.raises(ImageCommitUnknown, match="none is a 40-hex commit id") as raised:
        world.call("resolve_image", _payload(sample("ecr-push")))

    assert tag in str(raised.value), why
    short = tag == "1234567"
    assert ("no short one (1234567) starts a commit this stack built" in str(raised.value)) is (
        short
    ), why


def test_given_a_short_tag_of_a_digest_the_build_did_not_push_when_resolving_then_provenance_fails(
    world: World,
) -> None:
    world.push_image(DIGEST, ["latest", COMMIT[:7]])
    _built(world, digest=digest_of(2))  # the build pushed another digest under that commit

    with pytest.raises(ImageProvenanceUnknown, match=f"build of commit {COMMIT} pushed"):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_two_commit_tags_on_one_digest_when_resolving_then_the_first_sorted_is_used(
    world: World,
) -> None:
    world.sources()
    other = world.codecommit.add_commit({"a": "1"}, commit_id="0" * 40)
    world.push_image(DIGEST, ["latest", COMMIT, other])
    _built(world, commit=other)

    result = world.call("resolve_image", _payload(sample("ecr-push")))

    assert result["attempt"]["commitId"] == other


def _ecr_push_with(mutate: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """events/ecr-push.json, changed by ``mutate``."""
    event = sample("ecr-push")
    mutate(event)
    return event


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (
            _ecr_push_with(lambda e: e["detail"].pop("image-digest")),
            r"detail\.image-digest: field required",
        ),
        (
            _ecr_push_with(lambda e: e["detail"].update({"image-digest": "sha256:xyz"})),
            r"detail\.image-digest: string should match pattern",
        ),
        (
            _ecr_push_with(lambda e: e.update({"source": "aws.codecommit"})),
            "source: input should be 'aws.ecr'",
        ),
    ],
)
def test_given_a_malformed_ecr_event_when_resolving_then_invalid_event_names_the_field(
    world: World, event: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidEvent, match=f"ECR Image Action event: .*{field}"):
        world.call("resolve_image", _payload(event))


def test_given_no_event_object_when_resolving_then_invalid_event(world: World) -> None:
    with pytest.raises(InvalidEvent, match="deploy input: expected an ECR Image Action event"):
        world.call("resolve_image", {"event": "oops"})


@pytest.mark.parametrize(("field", "value"), [("account", "210987654321"), ("region", "us-west-2")])
def test_given_an_event_from_another_account_or_region_when_resolving_then_it_is_refused(
    world: World, field: str, value: str
) -> None:
    # security-review row 13: the default bus may admit other accounts' events.
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    foreign = sample("ecr-push") | {field: value}

    with pytest.raises(InvalidEvent, match=f"{field} '{value}' is not this stack's"):
        world.call("resolve_image", _payload(foreign))


def test_given_an_event_from_its_own_account_and_region_when_resolving_then_it_is_accepted(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world)
    own = sample("ecr-push")
    assert (own["account"], own["region"]) == (ACCOUNT, REGION)

    assert world.call("resolve_image", _payload(own))["ignored"] is False


# ------------------------------------------------------------------ image provenance (row 3)


def test_given_a_digest_this_stacks_build_never_pushed_when_resolving_then_provenance_unknown(
    world: World,
) -> None:
    # Someone with ecr:PutImage pushes an image tagged with a real commit id.
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])

    with pytest.raises(ImageProvenanceUnknown, match=f"this stack never built commit {COMMIT}"):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_another_digest_under_a_built_commit_when_resolving_then_provenance_unknown(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world, digest=digest_of(5))

    with pytest.raises(ImageProvenanceUnknown, match=f"pushed {digest_of(5)}"):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_a_failed_build_of_the_commit_when_resolving_then_provenance_unknown(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    _built(world, buildResult="failed")

    with pytest.raises(ImageProvenanceUnknown, match="ended 'failed'"):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_the_build_still_running_when_resolving_then_provenance_is_pending(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    world.deps.store.put_build(SERVICE_KEY, COMMIT, {"attemptId": "b-1", "trigger": "push"})

    with pytest.raises(ImageProvenancePending):
        world.call("resolve_image", _payload(sample("ecr-push")))


def test_given_allow_external_images_when_an_external_push_resolves_then_it_is_accepted(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    deps = world.with_config(ALLOW_EXTERNAL_IMAGES="true")

    result = world.call("resolve_image", _payload(sample("ecr-push")), deps)

    assert result["attempt"]["digest"] == DIGEST


def test_given_manual_mode_when_an_external_push_resolves_then_allow_external_does_not_apply(
    world: World,
) -> None:
    world.sources()
    world.push_image(DIGEST, ["latest", COMMIT])
    deps = world.with_config(ALLOW_EXTERNAL_IMAGES="true", BUILD_TRIGGER="manual")

    with pytest.raises(ImageProvenanceUnknown, match="manual mode deploys only its own builds"):
        world.call("resolve_image", _payload(sample("ecr-push")), deps)
