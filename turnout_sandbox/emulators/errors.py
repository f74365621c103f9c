"""The API error shape the emulators share: an AWS error code and message, serialized by
moto's ``JsonRESTError`` like AWS's JSON protocols do (``__type`` + ``message``)."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

__all__ = ["AwsApiError"]


class AwsApiError(JsonRESTError):
    """An AWS API error: ``error_code`` is the AWS error code."""

    code = 400

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(error_code, message)
        self.error_code = error_code

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"
