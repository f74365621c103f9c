"""The sandbox's CodeBuild tags the image as the buildspec does: the whole commit id, or its
first N characters where the buildspec shortens it (turnout_sandbox/emulators/codebuild/
buildspec.py; issue 8 item 5)."""

from __future__ import annotations

import yaml

from tests.realworld_corpus import corpus_files, require_corpus
from turnout_sandbox.demo import BUILDSPEC, SHORT_TAG_BUILDSPEC
from turnout_sandbox.emulators.codebuild.buildspec import commit_tag_length


def _length(text: str) -> int:
    return commit_tag_length(yaml.safe_load(text))


def test_given_the_demo_buildspecs_then_one_tags_the_whole_id_and_one_seven_characters() -> None:
    assert _length(BUILDSPEC) == 40
    assert _length(SHORT_TAG_BUILDSPEC) == 7


def test_given_the_shortening_idioms_then_each_gives_its_length() -> None:
    cut = "phases:\n  build:\n    commands:\n      - X=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-10)\n"
    bash = "phases:\n  build:\n    commands:\n      - docker push r:${CODEBUILD_RESOLVED_SOURCE_VERSION:0:8}\n"
    braced = "env:\n  variables:\n    X: $(echo ${CODEBUILD_RESOLVED_SOURCE_VERSION}|cut -c1-12)\n"

    assert [_length(cut), _length(bash), _length(braced)] == [10, 8, 12]


def test_given_a_commented_out_idiom_then_the_whole_id_is_the_tag() -> None:
    text = (
        "phases:\n  pre_build:\n    commands:\n"
        "      # - COMMIT_HASH=$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION | cut -c 1-7)\n"
        "      - COMMIT_HASH=$CODEBUILD_RESOLVED_SOURCE_VERSION\n"
    )

    assert _length(text) == 40


def test_given_the_real_buildspecs_then_nine_of_eleven_tag_a_short_commit_id() -> None:
    require_corpus()
    lengths = {
        name: _length(f.text()) for name, f in corpus_files().items() if f.kind == "buildspec"
    }

    assert len(lengths) == 11, sorted(lengths)
    assert sorted(lengths.values()) == [7] * 8 + [8, 40, 40], lengths
