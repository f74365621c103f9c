"""Usage errors are caught before any AWS call: these run with no network at all."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_env import clear_aws_env
from turnout_cli.errors import CliError
from turnout_cli.main import app
from turnout_cli.sandbox_cmds import MAX_ENTRY_BYTES, read_event
from turnout_cli.session import DEFAULT_STACK, Globals, OutputFormat

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a unit test tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    clear_aws_env(monkeypatch)
    return


VERBS = [
    ["build"],
    ["redeploy"],
    ["status"],
    ["history"],
    ["promote"],
    ["rollback"],
    ["approve"],
    ["demo"],
    ["sandbox", "serve"],
    ["sandbox", "send"],
]


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_given_any_verb_when_help_then_it_shows_an_example(verb: list[str]) -> None:
    result = runner.invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["redeploy", "--since", "5x"], "--since '5x' is not a duration"),
        (["redeploy", "--from", "yesterday"], "--from 'yesterday' is not an ISO 8601 time"),
        (
            ["redeploy", "--since", "1h", "--digest", "sha256:" + "a" * 64],
            "--since and --digest cannot be combined",
        ),
        (["redeploy", "--to", "2026-11-26"], "--to needs --from"),
        (["redeploy"], "choose what to redeploy"),
        (["redeploy", "--digest", "sha256:nothex"], "is not an image digest"),
        (["build", "--commit", "abc"], "--commit 'abc' is not a commit id"),
        (
            ["build", "--commit", "a" * 40, "--branch", "master"],
            "--commit and --branch cannot be combined",
        ),
        (["build", "--branch", "a..b"], "--branch 'a..b' is not a valid branch name"),
        (
            ["build", "--branch", "master", "--wait", "--timeout", "soon"],
            "--timeout 'soon' is not a duration",
        ),
        (["--endpoint-url", "localhost:4747", "status"], "is not an http(s) URL"),
    ],
)
def test_given_bad_input_when_run_then_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_given_no_credentials_and_no_endpoint_when_run_then_exit_2_names_the_fix() -> None:
    result = runner.invoke(app, ["--region", "ap-northeast-2", "history"])
    assert result.exit_code == 2
    assert "no AWS credentials found" in result.stderr
    assert "--endpoint-url" in result.stderr


def test_given_credentials_but_no_region_when_run_then_exit_2_asks_for_a_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "no AWS region" in result.stderr


def test_given_an_unknown_profile_when_run_then_exit_2_names_it() -> None:
    result = runner.invoke(app, ["--profile", "nope", "history"])
    assert result.exit_code == 2
    assert "--profile 'nope'" in result.stderr


def test_given_an_unknown_output_format_when_run_then_click_usage_error_exit_2() -> None:
    result = runner.invoke(app, ["--output", "yaml", "history"])
    assert result.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["--endpoint-url", "localhost:4747", "history"],
        ["history", "--endpoint-url", "localhost:4747"],
        ["--endpoint-url", "http://127.0.0.1:1", "history", "--endpoint-url", "localhost:4747"],
        ["sandbox", "send", "--endpoint-url", "localhost:4747", "events/ecr-push.json"],
    ],
    ids=["before", "after", "after-wins", "sandbox-send"],
)
def test_given_a_global_option_before_or_after_the_verb_when_run_then_it_is_used(
    args: list[str],
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--endpoint-url 'localhost:4747' is not an http(s) URL" in result.stderr


@pytest.mark.parametrize(
    "verb", [v for v in VERBS if v[0] not in ("demo", "sandbox")], ids=" ".join
)
def test_given_any_aws_verb_when_help_then_the_five_global_options_follow_it(
    verb: list[str],
) -> None:
    result = runner.invoke(app, [*verb, "--help"])
    for option in ("--stack", "--profile", "--region", "--endpoint-url", "--output"):
        assert option in result.output


def test_given_a_negative_limit_when_run_then_exit_2() -> None:
    assert runner.invoke(app, ["history", "--limit", "0"]).exit_code == 2


def test_given_options_before_and_after_the_verb_when_merged_then_the_later_one_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TURNOUT_STACK", "from-env")
    outer = Globals.merge(
        None, stack=None, output=OutputFormat.json, endpoint_url="http://127.0.0.1:1/"
    )
    inner = Globals.merge(outer, stack="explicit")
    assert (inner.stack, inner.output, inner.endpoint_url) == (
        "explicit",
        OutputFormat.json,
        "http://127.0.0.1:1",
    )
    assert Globals.merge(None).stack == "from-env"
    monkeypatch.delenv("TURNOUT_STACK")
    assert Globals.merge(None).stack == DEFAULT_STACK


# ----------------------------------------------------------------------------- sandbox send


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "event.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_given_a_file_that_is_not_json_when_sent_then_line_and_column_are_named(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '{\n  "source": "aws.ecr",\n  oops\n}')
    result = runner.invoke(app, ["sandbox", "send", str(path)])
    assert result.exit_code == 2
    assert f"{path} is not JSON: line 3 column 3:" in result.stderr


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"detail-type": "X", "detail": {}}, "field 'source' is missing"),
        ({"source": "a", "detail": {}}, "field 'detail-type' is missing"),
        ({"source": "a", "detail-type": "X"}, "field 'detail' is missing"),
        (
            {"source": "a", "detail-type": "X", "detail": "text"},
            "field 'detail' must be a JSON object",
        ),
        (
            {"source": "", "detail-type": "X", "detail": {}},
            "field 'source' must be a non-empty string",
        ),
        (
            {"source": "a", "detail-type": "X", "detail": {}, "resources": "arn"},
            "field 'resources' must be a list",
        ),
        (
            {"source": "a", "detail-type": "X", "detail": {}, "time": "noon"},
            "field 'time' 'noon' is not an ISO",
        ),
        ([1, 2], "expected a JSON object, got list"),
    ],
)
def test_given_an_event_missing_a_field_when_read_then_the_field_is_named(
    tmp_path: Path, event: object, message: str
) -> None:
    path = write(tmp_path, json.dumps(event))
    with pytest.raises(CliError, match=message) as caught:
        read_event(path)
    assert caught.value.exit_code == 2


def test_given_an_event_over_256_kib_when_sent_then_exit_2_before_any_call(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        json.dumps({"source": "a", "detail-type": "X", "detail": {"pad": "x" * MAX_ENTRY_BYTES}}),
    )
    result = runner.invoke(app, ["sandbox", "send", str(path)])
    assert result.exit_code == 2
    assert "over EventBridge's 256 KiB limit" in result.stderr


def test_given_a_missing_file_when_sent_then_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "send", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_given_the_sample_push_event_when_read_then_entry_has_eventbridge_fields() -> None:
    sample = Path(__file__).resolve().parents[3] / "events" / "ecr-push.json"
    event = read_event(sample)
    entry = event.entry()
    assert entry["Source"] == "aws.ecr"
    assert entry["DetailType"] == "ECR Image Action"
    assert json.loads(entry["Detail"])["action-type"] == "PUSH"
    assert entry["Time"].year == 2025
    assert event.size() == 14 + len("aws.ecr") + len("ECR Image Action") + len(entry["Detail"])


def test_given_a_verb_declared_wrongly_when_registered_then_the_mistake_is_named() -> None:
    import typer

    from turnout_cli.options import verb

    scratch = typer.Typer()
    with pytest.raises(ValueError, match="not global options: \\['colour'\\]"):
        verb(scratch, options=("colour",))
    with pytest.raises(TypeError, match="takes opts"):
        verb(scratch)(lambda yes=False: 0)
