"""Starts the integration tests' playbook runs together (see playbook_runs.py)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import PlaybookRuns, wanted, workers


def _reading(session: pytest.Session) -> list[pytest.Item]:
    """The selected tests that read a playbook run (directly or through a fixture)."""
    return [item for item in session.items if "playbook_runs" in getattr(item, "fixturenames", ())]


@pytest.fixture(scope="session")
def playbook_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaybookRuns]:
    """The playbook runs of the test files whose selected tests read one, all started at once."""
    with ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="playbook") as executor:
        runs = PlaybookRuns(executor, tmp_path_factory.mktemp)
        runs.start(wanted(item.path for item in _reading(request.session)))
        yield runs
        executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session", autouse=True)
def _start_playbook_runs(request: pytest.FixtureRequest) -> None:
    """Start the runs at the session's first test, not at the first test that reads one."""
    if _reading(request.session):
        request.getfixturevalue("playbook_runs")
