"""`turnout sandbox send` of hostile or broken files (issue 9 item 4): each is refused like
any invalid file, exit 2 and one line on stderr, before any AWS call."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from turnout_cli.main import app
from turnout_cli.sandbox_cmds import MAX_FILE_BYTES, read_event

runner = CliRunner()
GOOD = '{"source": "aws.ecr", "detail-type": "ECR Image Action", "detail": {"k": %s}}'


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a refused file must not reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/turnout-test-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/turnout-test-credentials")


def send(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["sandbox", "send", str(path)])
    return result.exit_code, result.stderr


def refused(path: Path, says: str) -> None:
    code, err = send(path)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("turnout: error: ")
    assert says in lines[0]
    assert "Traceback" not in err


def write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "event.json"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_given_a_deeply_nested_document_when_sent_then_refused_not_a_recursion_error(
    tmp_path: Path,
) -> None:
    refused(write(tmp_path, GOOD % ("[" * 100_000 + "]" * 100_000)), "nested too deeply")


def test_given_a_moderately_nested_document_when_read_then_it_is_an_event(tmp_path: Path) -> None:
    event = read_event(write(tmp_path, GOOD % ("[" * 50 + "]" * 50)))
    assert event.source == "aws.ecr"


def test_given_a_huge_file_when_sent_then_refused_by_its_size_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 1000)  # sparse: 1 GB on paper
    refused(path, f"an event file is at most {MAX_FILE_BYTES} bytes")


def test_given_invalid_utf8_when_sent_then_the_byte_is_named(tmp_path: Path) -> None:
    refused(
        write(tmp_path, (GOOD % '"caf\\u00e9"').encode() + b"\xff"), "not UTF-8 text: byte 0xff"
    )


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_given_nan_or_infinity_when_sent_then_refused(tmp_path: Path, constant: str) -> None:
    refused(write(tmp_path, GOOD % constant), f"{constant} is not JSON")


def test_given_a_finite_number_when_read_then_kept(tmp_path: Path) -> None:
    assert read_event(write(tmp_path, GOOD % "1.5e3")).detail == {"k": 1500.0}


def test_given_duplicate_keys_when_sent_then_the_key_is_named(tmp_path: Path) -> None:
    text = '{"source": "aws.ecr", "source": "evil", "detail-type": "x", "detail": {}}'
    refused(write(tmp_path, text), "the key 'source' appears twice")


def test_given_a_top_level_array_when_sent_then_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, "[" + GOOD % "1" + "]"), "expected a JSON object, got list")


def test_given_a_raw_control_character_in_a_string_when_sent_then_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, GOOD % '"a\x1b[31mb"'), "Invalid control character")


def test_given_an_escaped_control_character_when_refused_then_the_message_is_escaped(
    tmp_path: Path,
) -> None:
    text = '{"source": "aws.ecr", "detail-type": "x", "detail": {}, "time": "\\u001b]0;x\\u0007"}'
    code, err = send(write(tmp_path, text))
    assert code == 2
    assert "\x1b" not in err
    assert "is not an ISO 8601 time" in err


def test_given_a_lone_surrogate_when_sent_then_refused(tmp_path: Path) -> None:
    refused(write(tmp_path, GOOD % '"\\ud800"'), "lone UTF-16 surrogate")


def test_given_a_directory_when_sent_then_refused(tmp_path: Path) -> None:
    refused(tmp_path, "is a directory")


def test_given_a_fifo_when_sent_then_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "event.fifo"
    os.mkfifo(fifo)
    outcome: list[tuple[int, str]] = []
    worker = threading.Thread(target=lambda: outcome.append(send(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the reader so the test process can end
        with fifo.open("w"):
            pass
        pytest.fail("sandbox send blocked on a FIFO")
    code, err = outcome[0]
    assert code == 2
    assert "is not a regular file" in err


def test_given_an_unreadable_file_when_sent_then_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = write(tmp_path, GOOD % "1")
    path.chmod(0)
    refused(path, "cannot read it")
