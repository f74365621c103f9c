"""adapters/aws.py: a throttling or 5xx error that outlives botocore's own retries reaches
Step Functions as ``TransientError``, the name the deploy machine's retriers match
(aws-fidelity row 8); every other error passes unchanged to the adapters' own mapping."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from turnout.adapters.aws import guarded
from turnout.adapters.ecr import Ecr
from turnout.adapters.store import Store
from turnout.errors import ImageNotFound, TransientError


def _error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeImages",
    )


class FailingEcr:
    """An ECR client whose DescribeImages fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def describe_images(self, **_: Any) -> dict[str, Any]:
        raise self.error


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ThrottlingException", 400),
        ("TooManyRequestsException", 429),
        ("ServiceUnavailableException", 503),
        ("InternalFailure", 500),
        ("Unknown", 429),
    ],
)
def test_given_a_throttling_or_5xx_error_when_an_adapter_calls_then_it_raises_transient_error(
    code: str, status: int
) -> None:
    ecr = Ecr("repo", FailingEcr(_error(code, status)))  # type: ignore[arg-type]

    with pytest.raises(TransientError) as raised:
        ecr.image("sha256:" + "a" * 64)

    assert type(raised.value) is TransientError  # the exact name the ASL retries
    assert code in raised.value.message
    assert "describe_images" in raised.value.message


def test_given_a_permanent_client_error_when_an_adapter_calls_then_the_adapter_maps_it() -> None:
    ecr = Ecr("repo", FailingEcr(_error("ImageNotFoundException", 400)))  # type: ignore[arg-type]

    with pytest.raises(ImageNotFound):
        ecr.image("sha256:" + "a" * 64)


def test_given_access_denied_when_an_adapter_calls_then_the_client_error_is_unchanged() -> None:
    denied = _error("AccessDeniedException", 400)
    ecr = Ecr("repo", FailingEcr(denied))  # type: ignore[arg-type]

    with pytest.raises(ClientError) as raised:
        ecr.image("sha256:" + "a" * 64)

    assert raised.value is denied


def test_given_no_connection_when_the_store_calls_then_it_raises_transient_error() -> None:
    class Unreachable:
        def get_item(self, **_: Any) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.example")

    store = Store("table", Unreachable())  # type: ignore[arg-type]

    with pytest.raises(TransientError):
        store.get("pk", "sk")


def test_given_a_guarded_client_when_guarded_again_then_it_wraps_once_and_keeps_attributes() -> (
    None
):
    class Client:
        meta = "meta"

        def call(self) -> str:
            return "ok"

    once = guarded(Client())

    assert guarded(once) is once
    assert once.meta == "meta"
    assert once.call() == "ok"
