"""Plan-mode manifests of the bundled inventories, built once per test session (both runs start with it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import (
    PlaybookRuns,
    ansible_playbook,
    playbook_run,
)

INVENTORIES = ("example", "multinode")


def _plan(name: str, out: Path) -> dict[str, list[dict[str, Any]]]:
    """{file: [objects]} as plan.yml writes them for inventories/<name> (manifests only, no host contacted)."""
    run = ansible_playbook(
        "playbooks/plan.yml",
        f"inventories/{name}",
        "--tags",
        "manifests",
        "-e",
        f"aistack_report_root={out}",
        timeout=900,
    )
    assert run.returncode == 0, f"plan for {name} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    files = sorted(Path(out, name, "manifests").glob("*.yaml"))
    assert files, f"plan for {name} wrote no manifests"
    return {f.name: [d for d in yaml.safe_load_all(f.read_text()) if d] for f in files}


# One playbook run per inventory, started with the session (tests/integration/playbook_runs.py).
@playbook_run
def plan_example(out: Path) -> dict[str, list[dict[str, Any]]]:
    return _plan("example", out)


@playbook_run
def plan_multinode(out: Path) -> dict[str, list[dict[str, Any]]]:
    return _plan("multinode", out)


PLANS = {"example": plan_example, "multinode": plan_multinode}


@pytest.fixture(scope="session")
def plan_manifests(playbook_runs: PlaybookRuns) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{inventory: {file: [objects]}} for every inventory of INVENTORIES."""
    return {name: playbook_runs.result(PLANS[name]) for name in INVENTORIES}
