"""DOWNLOAD_SOURCE's buildspec check: the file (or inline text) must be a YAML buildspec.

Where CodeBuild reads it: ``buildspecOverride``, else the project's ``source.buildspec`` (a
path in the source, or the buildspec itself when it spans lines), else ``buildspec.yml``
(https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html). A missing,
malformed or unversioned buildspec fails the phase with ``YAML_FILE_ERROR``.
"""

from __future__ import annotations

import hashlib
from typing import Final

import yaml

from turnout_sandbox.emulators import codecommit
from turnout_sandbox.emulators.codebuild.models import Build, Failure

__all__ = ["DEFAULT_BUILDSPEC", "check_buildspec"]

DEFAULT_BUILDSPEC: Final = "buildspec.yml"
_SRC_DIR: Final = "/codebuild/output/src{n}/src"


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
