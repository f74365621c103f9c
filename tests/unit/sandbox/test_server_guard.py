"""The sandbox server's guard on its own, in front of a fake WSGI app (no moto, no sockets)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from turnout_sandbox.server_guard import AccessKeyError, Guard, resolve_access_key

PORT = 4747
AUTH = (
    "AWS4-HMAC-SHA256 Credential={key}/20261201/ap-northeast-2/{service}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


class FakeApp:
    """moto's app as the guard sees it: answers 200 with a CORS wildcard, counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")],
        )
        return [b"{}"]


def request(guard: Guard, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(guard(environ, start_response))
    return seen["status"], seen["headers"], body


def signed(service: str = "dynamodb", key: str = "testing", **more: Any) -> dict[str, Any]:
    return {
        "HTTP_HOST": f"127.0.0.1:{PORT}",
        "PATH_INFO": "/",
        "HTTP_AUTHORIZATION": AUTH.format(key=key, service=service),
        "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.ListTables",
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        **more,
    }


def test_given_a_signed_loopback_request_when_guarded_then_moto_answers_without_cors() -> None:
    app = FakeApp()
    status, headers, _ = request(Guard(app, port=PORT), **signed())
    assert status == "200 OK"
    assert app.calls == 1
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"HTTP_HOST": f"rebound.example:{PORT}"}, "DNS rebinding"),
        ({"HTTP_HOST": "127.0.0.1:1"}, "DNS rebinding"),
        ({"HTTP_ORIGIN": "null"}, "cross-origin"),
        ({"PATH_INFO": "/moto-api/reset"}, "admin"),
    ],
)
def test_given_what_is_no_aws_sdk_request_when_guarded_then_403_one_line_and_moto_not_called(
    changes: dict[str, str], reason: str
) -> None:
    app = FakeApp()
    status, _, body = request(Guard(app, port=PORT), **signed(**changes))
    assert status == "403 Forbidden"
    assert reason in body.decode()
    assert body.decode().count("\n") == 1
    assert app.calls == 0


def test_given_another_key_when_a_json_service_is_called_then_unrecognized_client() -> None:
    app = FakeApp()
    guard = Guard(app, port=PORT, access_key="AKIARUNKEY2345672345")
    status, headers, body = request(guard, **signed(key="testing"))
    assert status == "400 Bad Request"
    assert json.loads(body)["__type"] == "UnrecognizedClientException"
    assert headers["x-amzn-ErrorType"] == "UnrecognizedClientException"
    assert app.calls == 0
    status, _, _ = request(guard, **signed(key="AKIARUNKEY2345672345"))
    assert status == "200 OK"


def test_given_another_key_when_a_query_service_is_called_then_invalid_client_token_id() -> None:
    environ = signed(service="sts", key="testing", CONTENT_TYPE="application/x-www-form-urlencoded")
    del environ["HTTP_X_AMZ_TARGET"]
    status, _, body = request(Guard(FakeApp(), port=PORT, access_key="A" * 20), **environ)
    assert status == "403 Forbidden"
    assert "<Code>InvalidClientTokenId</Code>" in body.decode()


def test_given_a_service_not_served_when_called_then_not_available() -> None:
    app = FakeApp()
    status, _, body = request(Guard(app, port=PORT), **signed(service="batch"))
    assert status == "400 Bad Request"
    assert json.loads(body)["__type"] == "NotAvailableInSandbox"
    assert app.calls == 0


def test_given_access_key_values_when_resolved_then_none_auto_or_the_key() -> None:
    assert resolve_access_key(None) is None
    assert resolve_access_key("none") is None
    first, second = resolve_access_key("auto"), resolve_access_key("auto")
    assert first is not None
    assert first != second
    assert resolve_access_key("AKIA" + "B" * 16) == "AKIA" + "B" * 16
    with pytest.raises(AccessKeyError, match="is not none, auto or an access key id"):
        resolve_access_key("key with spaces!")
