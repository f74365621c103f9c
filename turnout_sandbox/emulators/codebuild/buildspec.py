"""DOWNLOAD_SOURCE's buildspec check: the file (or inline text) must be a YAML buildspec.

Where CodeBuild reads it: ``buildspecOverride``, else the project's ``source.buildspec`` (a
path in the source, or the buildspec itself when it spans lines), else ``buildspec.yml``
(https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html). A missing,
malformed or unversioned buildspec fails the phase with ``YAML_FILE_ERROR``.

The sandbox runs no command of the buildspec: POST_BUILD pushes the image tagged with the
commit id and ``IMAGE_TAG``. Most real buildspecs tag with a shortened commit id instead (9
of the 11 in turnout's corpus of public buildspecs: ``$(echo $CODEBUILD_RESOLVED_SOURCE_VERSION
| cut -c 1-7)``, ``${CODEBUILD_RESOLVED_SOURCE_VERSION:0:8}``): where the buildspec shortens
the id so, the commit tag keeps that many characters (:func:`commit_tag_length`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

import yaml

from turnout_sandbox.emulators import codecommit
from turnout_sandbox.emulators.codebuild.models import LOCK, Build, Failure

__all__ = ["DEFAULT_BUILDSPEC", "check_buildspec", "commit_tag_length"]

DEFAULT_BUILDSPEC: Final = "buildspec.yml"
_SRC_DIR: Final = "/codebuild/output/src{n}/src"


#: The shell idioms that shorten the resolved commit id to its first N characters:
#: ``cut -c 1-N`` on it, or bash's ``${CODEBUILD_RESOLVED_SOURCE_VERSION:0:N}``.
_SHORTENED: Final = (
    re.compile(r"\$\{?CODEBUILD_RESOLVED_SOURCE_VERSION\}?\s*\|\s*cut\s+-c\s*1-(\d+)"),
    re.compile(r"\$\{CODEBUILD_RESOLVED_SOURCE_VERSION:0:(\d+)\}"),
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def commit_tag_length(parsed: object) -> int:
    """How many characters of the commit id the (parsed) buildspec's commit tag keeps: the
    first shortening idiom's N in its commands and variables (not in comments: YAML drops
    them), else 40 (the whole id)."""
    for text in _strings(parsed):
        for pattern in _SHORTENED:
            found = pattern.search(text)
            if found:
                return max(1, min(40, int(found.group(1))))
    return 40


def check_buildspec(build: Build, commit_id: str) -> Failure | None:
    read = _read_buildspec(build, commit_id)
    if isinstance(read, Failure):
        return read
    text, where = read
    try:
        parsed: object = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return Failure("YAML_FILE_ERROR", f"{where}: {exc}")
    if not isinstance(parsed, dict):
        return Failure("YAML_FILE_ERROR", f"{where}: the buildspec must be a YAML mapping")
    if "version" not in parsed:
        return Failure("YAML_FILE_ERROR", f"{where}: missing 'version'")
    if str(parsed["version"]) not in ("0.1", "0.2"):
        return Failure(
            "YAML_FILE_ERROR", f"{where}: invalid buildspec version {parsed['version']!r}"
        )
    with LOCK:
        build.commit_tag_length = commit_tag_length(parsed)
    return None


def _read_buildspec(build: Build, commit_id: str) -> tuple[str, str] | Failure:
    """The buildspec text and where it came from (for messages), or the failure."""
    spec = build.buildspec
    if "\n" in spec:  # an inline buildspec, as AWS accepts in source.buildspec
        return spec, "inline buildspec"
    src = _SRC_DIR.format(
        n=int(hashlib.sha256(build.data["id"].encode()).hexdigest()[:6], 16) % 999
    )
    path = spec.removeprefix("./").lstrip("/")
    try:
        text = codecommit.file_at(str(build.repository), commit_id, path).decode()
    except codecommit.CodeCommitError:
        return Failure("YAML_FILE_ERROR", f"stat {src}/{path}: no such file or directory")
    except UnicodeDecodeError:
        return Failure("YAML_FILE_ERROR", f"{src}/{path}: the buildspec is not UTF-8 text")
    return text, f"{src}/{path}"
