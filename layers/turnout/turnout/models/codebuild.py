"""CodeBuild's build state changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from turnout.models import NAME, TEXT, EventBridgeEnvelope
from turnout.shapes import Shape, key, mapping, nested, text

__all__ = ["CodeBuildStateChangeDetail", "CodeBuildStateChangeEvent"]


@dataclass(frozen=True, kw_only=True)
class CodeBuildStateChangeDetail(Shape):
    """``detail`` of ``CodeBuild Build State Change``."""

    # IN_PROGRESS, SUCCEEDED, FAILED, FAULT, STOPPED, TIMED_OUT
    build_status: str = key("build-status", TEXT)
    project_name: str = key("project-name", NAME)
    build_id: str = key("build-id", NAME)
    additional_information: dict[str, Any] | None = key(
        "additional-information", mapping(), default=None
    )
    current_phase: str | None = key("current-phase", TEXT, default=None)
    current_phase_context: str | None = key("current-phase-context", TEXT, default=None)
    version: str | None = key("version", TEXT, default=None)

    @property
    def source_version(self) -> str | None:
        """``additional-information.source-version``: the version the build was *asked* for
        (a branch, a commit id or ``refs/heads/x^{sha}``), not necessarily a commit id; the
        commit built is the build's resolved source version (aws-fidelity row 38)."""
        if self.additional_information is None:
            return None
        value = self.additional_information.get("source-version")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class CodeBuildStateChangeEvent(EventBridgeEnvelope):
    source: str = key("source", text(literal="aws.codebuild"))
    detail_type: str = key("detail-type", text(literal="CodeBuild Build State Change"))
    detail: CodeBuildStateChangeDetail = key("detail", nested(CodeBuildStateChangeDetail))
