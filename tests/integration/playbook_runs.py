"""The integration tests' ansible-playbook runs, all started when the test session starts.

One ansible-playbook run of plan.yml takes a minute or more (Ansible's start-up, then
templating every role on one core), and the integration tests read a dozen of them.
Run one after another, they were most of the tier's time; they do not depend on each
other, so they run side by side:

- a test module declares each run it reads as a function of an empty directory,
  decorated with ``@playbook_run``, and returns what its tests need;
- the session fixture ``playbook_runs`` (tests/integration/conftest.py) starts, at
  the first test, the runs of every selected test module and of the conftest.py files
  above them, at most ``AISTACK_TEST_JOBS`` (default: the CPU count) at a time;
- a test calls ``playbook_runs.result(run)``: it waits for that run and gets its
  return value, or the run's exception raised again.

A run is started once per session, however many tests read it.
"""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
Run = Callable[[Path], Any]
Key = tuple[str, str]

_DECLARED: dict[Key, Run] = {}
ROOT = Path(__file__).resolve().parents[2]


def ansible_playbook(playbook: str, inventory: str, *args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """Run the real ansible-playbook on ``playbook`` with ``inventory`` (both relative to the repository root).

    From the repository root with its ansible.cfg, output captured; the caller checks the exit status.
    """
    found = shutil.which("ansible-playbook")
    if not found:
        pytest.fail("ansible-playbook is not on PATH (run through scripts/test)")
    return subprocess.run(
        [found, str(ROOT / playbook), "-i", str(ROOT / inventory), *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg")),
        cwd=ROOT,
        timeout=timeout,
    )


def _key(run: Run) -> Key:
    # The same test module may be imported twice under two names (pytest's and a sibling's
    # import); its file and the function's name say it is the same run.
    return str(Path(inspect.getsourcefile(run) or run.__code__.co_filename).resolve()), run.__qualname__


def playbook_run(run: Callable[[Path], T]) -> Callable[[Path], T]:
    """Declare ``run(directory)`` as a playbook run that starts with the session."""
    _DECLARED.setdefault(_key(run), run)
    return run


def workers() -> int:
    """How many runs at a time: $AISTACK_TEST_JOBS, else the CPU count."""
    return max(1, int(os.environ.get("AISTACK_TEST_JOBS") or os.cpu_count() or 1))


def wanted(selected: Iterable[Path]) -> list[Run]:
    """The declared runs of the selected test files and of the conftest.py files above them.

    In the order the tests read them: the runs of the first test file (and its conftest.py
    files) first, so the first tests wait least.
    """
    runs: list[Run] = []
    for file in dict.fromkeys(Path(f).resolve() for f in selected):
        for (source, _name), run in _DECLARED.items():
            path = Path(source)
            above = path.name == "conftest.py" and path.parent in file.parents
            if (path == file or above) and run not in runs:
                runs.append(run)
    return runs


class PlaybookRuns:
    """Runs started on ``executor``, each in a fresh directory from ``mktemp(name)``."""

    def __init__(self, executor: Executor, mktemp: Callable[[str], Path]) -> None:
        self._executor = executor
        self._mktemp = mktemp
        self._futures: dict[Key, Future[Any]] = {}

    def start(self, runs: Iterable[Run]) -> None:
        for run in runs:
            self._future(run)

    def _future(self, run: Run) -> Future[Any]:
        key = _key(run)
        if key not in self._futures:
            self._futures[key] = self._executor.submit(run, self._mktemp(run.__name__))
        return self._futures[key]

    def result(self, run: Callable[[Path], T]) -> T:
        """What ``run`` returned (started now if it was not yet); its exception if it raised."""
        result: T = self._future(run).result()
        return result
