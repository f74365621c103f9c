"""botocore's data files parsed once per process (turnout_sandbox.model_cache)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import botocore.loaders
import botocore.session
import pytest

from tests.patch_state import patch_state
from turnout_sandbox import model_cache


@pytest.fixture
def shared() -> Iterator[None]:
    with patch_state(model_cache.shared_load_file, applied=True):
        model_cache.clear()
        yield
        model_cache.clear()


def test_given_the_cache_when_two_sessions_load_a_model_then_it_is_parsed_once(
    shared: None,
) -> None:
    first = botocore.session.Session().get_service_data("sqs")
    second = botocore.session.Session().get_service_data("sqs")
    assert first is second
    assert first["metadata"]["serviceId"] == "SQS"


@pytest.fixture
def unshared() -> Iterator[None]:
    with patch_state(model_cache.shared_load_file, applied=False):
        yield


def test_given_no_cache_when_two_sessions_load_a_model_then_each_parses_its_own(
    unshared: None,
) -> None:
    first = botocore.session.Session().get_service_data("sqs")
    second = botocore.session.Session().get_service_data("sqs")
    assert first == second
    assert first is not second


def test_given_a_missing_file_when_loaded_then_it_is_not_kept(shared: None) -> None:
    loader = botocore.loaders.JSONFileLoader()
    before = model_cache.size()
    assert loader.load_file("/nonexistent/turnout/model") is None
    assert model_cache.size() == before


def test_given_the_cache_applied_when_undone_then_botocore_loads_as_before(
    unshared: None,
) -> None:
    patch = model_cache.shared_load_file
    upstream = botocore.loaders.JSONFileLoader.load_file
    model_cache.share_now()
    assert botocore.loaders.JSONFileLoader.load_file is not upstream
    patch.undo()
    assert botocore.loaders.JSONFileLoader.load_file is upstream


@pytest.fixture
def shared_lists() -> Iterator[None]:
    with patch_state(model_cache.shared_service_list, applied=True):
        model_cache.clear()
        yield
        model_cache.clear()


def test_given_the_cache_when_two_sessions_list_services_then_the_disk_is_walked_once(
    shared_lists: None,
) -> None:
    first = botocore.session.Session().get_component("data_loader")
    second = botocore.session.Session().get_component("data_loader")
    listed = first.list_available_services("service-2")
    before = model_cache.size()
    again = second.list_available_services("service-2")
    assert again == listed
    assert "dynamodb" in listed
    assert again is not listed  # each caller gets a list of its own, as botocore gives
    assert model_cache.size() == before  # no new entry: the second loader reused the first's


def test_given_other_search_paths_when_listed_then_they_are_listed_apart(
    shared_lists: None, tmp_path: Path
) -> None:
    (tmp_path / "madeup" / "2026-01-01").mkdir(parents=True)
    (tmp_path / "madeup" / "2026-01-01" / "service-2.json").write_text("{}")
    plain = botocore.loaders.Loader().list_available_services("service-2")
    extra = botocore.loaders.Loader(extra_search_paths=[str(tmp_path)])
    assert "madeup" not in plain
    assert "madeup" in extra.list_available_services("service-2")
