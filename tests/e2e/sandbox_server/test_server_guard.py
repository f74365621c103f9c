"""Server mode on a shared machine (issue 12 item 6, security-review row 9): what the server
refuses before moto sees it, and that the normal flow still works behind the guard.

One sandbox served with a per-run access key (``--access-key auto``) for the module.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from server_world import REGION, World, start_world, turnout

from turnout_sandbox.server import ServerOptions


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    yield from start_world(
        ServerOptions(
            port=0, speed=100, trigger="push", bake_minutes=1, timeout_minutes=30, access_key="auto"
        )
    )


def raw(
    world: World,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], str]:
    """One HTTP request as a browser or another local user would send it (no SDK)."""
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return (
            answer.status,
            {k.lower(): v for k, v in answer.getheaders()},
            answer.read().decode(errors="replace"),
        )
    finally:
        conn.close()


def client(world: World, service: str, key: str | None = None) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=world.url,
        region_name=REGION,
        aws_access_key_id=key or world.key,
        aws_secret_access_key="testing",
    )


def signed_headers(world: World) -> dict[str, str]:
    """The headers of a real SigV4-signed DynamoDB ListTables with the run's key."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(
        method="POST",
        url=f"{world.url}/",
        data=b"{}",
        headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    SigV4Auth(Credentials(world.key, "testing"), "dynamodb", REGION).add_auth(request)
    return dict(request.headers.items())


# -- Host ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example:{port}", "evil.example", "127.0.0.1", "127.0.0.1:1", "10.0.0.1:{port}"]
)
def test_given_a_host_header_not_loopback_with_the_port_when_requested_then_403_one_line(
    world: World, host: str
) -> None:
    headers = {**signed_headers(world), "Host": host.format(port=world.server.port)}
    status, answer_headers, body = raw(world, "POST", "/", headers=headers, body=b"{}")
    assert status == 403
    assert "DNS rebinding" in body
    assert body.count("\n") == 1
    assert "access-control-allow-origin" not in answer_headers


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}"])
def test_given_a_loopback_host_with_the_port_when_signed_with_the_key_then_moto_answers(
    world: World, host: str
) -> None:
    headers = {**signed_headers(world), "Host": host.format(port=world.server.port)}
    status, answer_headers, body = raw(world, "POST", "/", headers=headers, body=b"{}")
    assert status == 200, body
    assert "TableNames" in json.loads(body)
    assert "access-control-allow-origin" not in answer_headers


# -- CORS ------------------------------------------------------------------------------


def test_given_sdk_calls_when_answered_then_no_answer_carries_cors_headers(world: World) -> None:
    answers = [
        client(world, "cloudformation").describe_stacks(StackName="turnout-hello-aws"),
        client(world, "dynamodb").list_tables(),
        client(world, "stepfunctions").list_state_machines(),
        client(world, "lambda").list_functions(),
    ]
    for answer in answers:
        headers = {k.lower() for k in answer["ResponseMetadata"]["HTTPHeaders"]}
        assert not {h for h in headers if h.startswith("access-control-")}, headers


@pytest.mark.parametrize("method", ["OPTIONS", "POST"])
def test_given_a_web_page_origin_when_it_calls_then_403_and_no_cors_grant(
    world: World, method: str
) -> None:
    headers = {
        **signed_headers(world),
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST",
    }
    status, answer_headers, body = raw(world, method, "/", headers=headers, body=b"{}")
    assert status == 403
    assert "cross-origin" in body
    assert "access-control-allow-origin" not in answer_headers


def test_given_an_unsigned_form_post_when_sent_then_missing_authentication_token(
    world: World,
) -> None:
    status, _, body = raw(
        world,
        "POST",
        "/",
        headers={
            "Host": f"127.0.0.1:{world.server.port}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=b"Action=ListUsers&Version=2010-05-08",
    )
    assert status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in body


# -- moto's admin API ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/moto-api/reset"),
        ("GET", "/moto-api/data.json"),
        ("POST", "/moto-api/config"),
        ("POST", "/moto-api/seed?a=42"),
        ("POST", "/moto-api/recorder/replay-recording"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
    ],
)
def test_given_motos_admin_endpoints_when_called_then_refused_and_the_state_kept(
    world: World, method: str, path: str
) -> None:
    headers = {**signed_headers(world), "Host": f"127.0.0.1:{world.server.port}"}
    status, _, body = raw(world, method, path, headers=headers, body=b"{}")
    assert status == 403
    assert "admin" in body
    stacks = client(world, "cloudformation").describe_stacks(StackName="turnout-hello-aws")
    assert stacks["Stacks"][0]["StackName"] == "turnout-hello-aws"  # nothing was reset


# -- services that would run code on the host ----------------------------------------


def test_given_batch_when_called_then_not_available_and_nothing_created(world: World) -> None:
    batch = client(world, "batch")
    with pytest.raises(ClientError) as refused:
        batch.create_compute_environment(
            computeEnvironmentName="pwn", type="UNMANAGED", state="ENABLED"
        )
    assert refused.value.response["Error"]["Code"] == "NotAvailableInSandbox"
    assert "batch is not available" in refused.value.response["Error"]["Message"]
    from moto.batch.models import batch_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    assert batch_backends[DEFAULT_ACCOUNT_ID][REGION].describe_compute_environments() == []


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("sagemaker-runtime", lambda c: c.invoke_endpoint(EndpointName="x", Body=b"{}")),
        ("apigateway", lambda c: c.get_rest_apis()),
        ("ec2", lambda c: c.describe_instances()),
    ],
)
def test_given_a_service_turnout_does_not_use_when_called_then_not_available(
    world: World, service: str, call: Any
) -> None:
    with pytest.raises(ClientError) as refused:
        call(client(world, service))
    assert refused.value.response["Error"]["Code"] == "NotAvailableInSandbox"


# -- the access key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("dynamodb", lambda c: c.list_tables(), "UnrecognizedClientException"),
        ("stepfunctions", lambda c: c.list_state_machines(), "UnrecognizedClientException"),
        ("lambda", lambda c: c.list_functions(), "UnrecognizedClientException"),
        ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId"),
        ("cloudformation", lambda c: c.describe_stacks(), "InvalidClientTokenId"),
        ("batch", lambda c: c.describe_job_queues(), "UnrecognizedClientException"),
    ],
)
def test_given_a_run_key_when_signed_with_another_then_awss_invalid_token_error(
    world: World, service: str, call: Any, code: str
) -> None:
    with pytest.raises(ClientError) as refused:
        call(client(world, service, key="testing"))
    error = refused.value.response["Error"]
    assert error["Code"] == code
    assert "security token included in the request is invalid" in error["Message"]


def test_given_a_run_key_when_the_cli_has_it_then_status_works_and_without_it_refused(
    world: World,
) -> None:
    assert world.server.access_key is not None
    assert world.server.access_key.startswith("AKIA")
    ok = world.cli("status", "-o", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["stack"] == "turnout-hello-aws"

    refused = turnout("--endpoint-url", world.url, "status")
    assert refused.returncode == 2
    assert "AWS rejected the credentials" in refused.stderr
    assert "TURNOUT_SANDBOX_ACCESS_KEY" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_given_the_guard_when_a_push_is_made_with_the_key_then_it_deploys(world: World) -> None:
    commit = world.push_deployed("Version guarded")
    deploys = world.executions("deploy")
    assert [e["status"] for e in deploys] == ["SUCCEEDED"]
    history = world.history()
    assert any(r.get("commitId") == commit and r.get("kind") == "deploy" for r in history)
