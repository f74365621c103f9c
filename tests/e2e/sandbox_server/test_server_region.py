"""`turnout sandbox serve --region R`: the stack lives in R, every other region is empty (as in
AWS), and a plain boto3 script, run as a user runs one, reads the endpoint and region off the
banner."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from server_world import STACK, cli_env, serving, turnout

from turnout_sandbox.server import ServerConfigError, ServerOptions, default_region

#: What a user's script does: the endpoint and region they were told, nothing of turnout's.
USER_SCRIPT = """
import json, sys
import boto3
from botocore.exceptions import ClientError

url, region, stack = sys.argv[1:4]
def client(service, where):
    return boto3.client(service, endpoint_url=url, region_name=where,
                        aws_access_key_id="testing", aws_secret_access_key="testing")

found = client("cloudformation", region).describe_stacks(StackName=stack)["Stacks"][0]
repo = client("codecommit", region).get_repository(repositoryName="hello-aws")
def error_of(call, **kwargs):
    try:
        call(**kwargs)
        return "found"
    except ClientError as exc:
        return exc.response["Error"]["Code"] + ": " + exc.response["Error"]["Message"]
print(json.dumps({
    "status": found["StackStatus"],
    "outputs": sorted(o["OutputKey"] for o in found.get("Outputs", [])),
    "repository": repo["repositoryMetadata"]["Arn"],
    "elsewhere": error_of(client("cloudformation", "us-east-1").describe_stacks, StackName=stack),
    "repository_elsewhere": error_of(
        client("codecommit", "us-east-1").get_repository, repositoryName="hello-aws"
    ),
}))
"""

BANNER = re.compile(
    r"sandbox listening on (?P<url>http://127\.0\.0\.1:\d+), region (?P<region>[a-z0-9-]+), "
    r"account (?P<account>\d{12}), stack (?P<stack>[\w-]+)"
)


@dataclass
class Served:
    url: str
    region: str
    account: str
    stack: str


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """`turnout sandbox serve --port 0 --region eu-west-3` as a user starts it."""
    args = ("--port", "0", "--region", "eu-west-3", "--speed", "100")
    with serving(*args, timeout=120) as (proc, first):
        found = BANNER.search(first)
        assert found, f"no banner: {first!r}"
        yield Served(**found.groupdict())
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        assert proc.returncode == 0


def test_given_serve_with_a_region_when_started_then_the_banner_names_region_account_and_stack(
    served: Served,
) -> None:
    assert served.region == "eu-west-3"
    assert served.account == "123456789012"
    assert served.stack == STACK


def test_given_the_banner_when_a_plain_boto3_script_calls_then_the_stack_is_in_that_region_only(
    served: Served,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", USER_SCRIPT, served.url, served.region, served.stack],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["status"] == "CREATE_COMPLETE"
    assert {"BuildStateMachineArn", "DeployStateMachineArn", "LedgerTableName"} <= set(
        seen["outputs"]
    )
    assert seen["repository"] == f"arn:aws:codecommit:eu-west-3:{served.account}:hello-aws"
    # each service's own answer for what a region does not hold
    assert seen["elsewhere"] == f"ValidationError: Stack with id {served.stack} does not exist"
    assert seen["repository_elsewhere"].startswith("RepositoryDoesNotExistException: ")


def test_given_another_region_when_turnout_status_then_the_error_names_the_region_it_looked_in(
    served: Served,
) -> None:
    done = turnout("--endpoint-url", served.url, "--region", "us-east-1", "status")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"stack '{STACK}' does not exist in us-east-1 at {served.url}" in done.stderr


def test_given_the_served_region_when_turnout_status_then_it_reads_the_stack(
    served: Served,
) -> None:
    done = turnout("--endpoint-url", served.url, "--region", served.region, "status", "-o", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stack"] == STACK


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}, "us-west-2"),
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "eu-west-1"),
        ({}, "ap-northeast-2"),
    ],
)
def test_given_the_environment_when_serve_has_no_region_then_the_default_follows_boto3(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: str
) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    assert default_region() == expected
    assert ServerOptions().region == "ap-northeast-2"  # the library's own default is fixed


def test_given_a_mistyped_region_when_serve_then_one_error_line_naming_it() -> None:
    with pytest.raises(ServerConfigError, match="us-east"):
        ServerOptions(region="us-east")
    done = turnout("sandbox", "serve", "--port", "0", "--region", "Seoul", timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "turnout: error: --region 'Seoul' is not a region name (e.g. us-east-1, ap-northeast-2)"
    ]
