"""playbooks/restore.yml stops before any change (real ansible-playbook, no cluster contacted).

Without the confirmation, and with a restore selection the inventory cannot
satisfy, the play fails naming the variable before its first Kubernetes task.
The restore itself needs a k3s cluster and is not run here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import (
    PlaybookRuns,
    ansible_playbook,
    playbook_run,
)


def _restore(extra: dict[str, Any]) -> tuple[int, str]:
    local = {"ansible_connection": "local", "ansible_become": False, "ansible_python_interpreter": sys.executable}
    run = ansible_playbook(
        "playbooks/restore.yml", "inventories/example", "-e", json.dumps({**local, **extra}), timeout=600
    )
    return run.returncode, run.stdout + run.stderr


@playbook_run
def unconfirmed(_directory: Path) -> tuple[int, str]:
    return _restore({})


@playbook_run
def unknown_instance(_directory: Path) -> tuple[int, str]:
    return _restore(
        {
            "aistack_restore_confirm": "yes",
            "aistack_restore_ollama_instances": ["ollama"],
            "aistack_restore_models": ["x"],
        }
    )


def _before_any_change(output: str) -> None:
    # The first Kubernetes task (reading the object store's Secret) never ran.
    assert "Read the object store's credentials" not in output, output[-3000:]


def test_without_confirmation_nothing_runs(playbook_runs: PlaybookRuns) -> None:
    rc, output = playbook_runs.result(unconfirmed)
    assert rc != 0
    assert "Run again with -e aistack_restore_confirm=yes. Nothing was changed." in output
    _before_any_change(output)


def test_an_instance_the_inventory_lacks_is_refused_first(playbook_runs: PlaybookRuns) -> None:
    rc, output = playbook_runs.result(unknown_instance)
    assert rc != 0
    assert "aistack_restore_ollama_instances: no Ollama instance ['ollama']" in output, output[-3000:]
    assert "['open-webui-ollama', 'ollama-standalone']" in output
    _before_any_change(output)
