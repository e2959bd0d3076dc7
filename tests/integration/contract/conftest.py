"""Plan-mode manifests of the bundled inventories, built once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.aistack.baremetal.tests.integration.contract.harness import ROOT

INVENTORIES = ("example", "multinode")


def _ansible_playbook() -> str:
    found = shutil.which("ansible-playbook")
    if not found:
        pytest.fail("ansible-playbook is not on PATH (run through scripts/test)")
    return found


@pytest.fixture(scope="session")
def plan_manifests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{inventory: {file: [objects]}} as playbooks/plan.yml writes them (manifests only, no host contacted)."""
    result: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in INVENTORIES:
        out = tmp_path_factory.mktemp(f"plan-{name}")
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
        run = subprocess.run(
            [
                _ansible_playbook(),
                str(ROOT / "playbooks/plan.yml"),
                "-i",
                str(ROOT / "inventories" / name),
                "--tags",
                "manifests",
                "-e",
                f"aistack_report_root={out}",
            ],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            cwd=ROOT,
            timeout=900,
        )
        assert run.returncode == 0, f"plan for {name} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
        files = sorted(Path(out, name, "manifests").glob("*.yaml"))
        assert files, f"plan for {name} wrote no manifests"
        result[name] = {f.name: [d for d in yaml.safe_load_all(f.read_text()) if d] for f in files}
    return result
