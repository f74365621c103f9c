"""The environment a CLI test runs in: no real credentials, region, stack or AWS config."""

from __future__ import annotations

import pytest

_CLEARED = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "TURNOUT_STACK",
    "AWS_ENDPOINT_URL",
)


def clear_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset every variable the CLI or botocore would read; point the config files nowhere."""
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/turnout-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/turnout-test-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
