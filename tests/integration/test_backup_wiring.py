"""Longhorn backups of every volume, wired from the inventory: plan mode's manifests (real ansible-playbook).

Without a RecurringJob list of its own, an inventory gets a snapshot and a
backup job in Longhorn's "default" group (every volume), scheduled and kept as
``aistack_backup`` says, a backup target on the object store's bucket, and
the buckets the backups need.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.aistack.baremetal.tests.integration.playbook_runs import PlaybookRuns, playbook_run
from ansible_collections.aistack.baremetal.tests.integration.test_preflight_plan import DECLARED, STACK, _failures, _run


def _objects(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@playbook_run
def default_schedule(directory: Path) -> tuple[Path, int, dict[str, Any]]:
    stack = copy.deepcopy(STACK)
    stack.pop("aistack_longhorn_recurring_jobs", None)
    stack["aistack_backup"] = {"backup_cron": "30 1 * * *", "backup_retain": 30, "bucket": "lh-backups"}
    return directory, *_run(directory, {"ai-server": DECLARED}, stack=stack)


def test_every_volume_is_backed_up_on_the_inventory_schedule(playbook_runs: PlaybookRuns) -> None:
    tmp_path, rc, result = playbook_runs.result(default_schedule)
    assert rc == 0, _failures(result, "ai-server")
    manifests = tmp_path / "reports" / "inventory" / "manifests"
    jobs = {
        o["metadata"]["name"]: o["spec"]
        for o in _objects(manifests / "longhorn-objects.yaml")
        if o["kind"] == "RecurringJob"
    }
    assert jobs == {
        "aistack-snapshot": {
            "name": "aistack-snapshot",
            "task": "snapshot",
            "cron": "0 2 * * *",
            "retain": 7,
            "concurrency": 1,
            "groups": ["default"],
            "labels": {},
        },
        "aistack-backup": {
            "name": "aistack-backup",
            "task": "backup",
            "cron": "30 1 * * *",
            "retain": 30,
            "concurrency": 1,
            "groups": ["default"],
            "labels": {},
        },
    }
    chart = _objects(manifests / "longhorn.yaml")[0]
    values = yaml.safe_load(chart["spec"]["valuesContent"])
    assert values["defaultBackupStore"]["backupTarget"] == "s3://lh-backups@us-east-1/"
    assert values["defaultBackupStore"]["backupTargetCredentialSecret"] == "longhorn-backup-s3"
    store = (manifests / "seaweedfs.yaml").read_text()
    for bucket in ("lh-backups", "model-archive", "openwebui-backups"):
        assert f"name: {bucket}" in store


@playbook_run
def own_jobs(directory: Path) -> tuple[Path, int, dict[str, Any]]:
    stack = copy.deepcopy(STACK)
    stack["aistack_longhorn_recurring_jobs"] = [
        {"name": "weekly-backup", "task": "backup", "cron": "0 3 * * 0", "retain": 4}
    ]
    return directory, *_run(directory, {"ai-server": DECLARED}, stack=stack)


def test_an_inventory_list_of_jobs_replaces_the_schedule(playbook_runs: PlaybookRuns) -> None:
    tmp_path, rc, result = playbook_runs.result(own_jobs)
    assert rc == 0, _failures(result, "ai-server")
    objects = _objects(tmp_path / "reports" / "inventory" / "manifests" / "longhorn-objects.yaml")
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "RecurringJob"] == ["weekly-backup"]
