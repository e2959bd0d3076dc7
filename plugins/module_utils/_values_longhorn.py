# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Longhorn: chart values and the role's own objects, from the role's inputs.

Inputs are the ``longhorn_*`` role variables without the prefix. The chart's
own StorageClass (``longhorn``) is kept but not default; the role's
``storage_class`` (``longhorn-ssd``) is the only default class. Replicas: the
number of storage nodes, 1 to 3, unless ``replica_count`` is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

PREFIX = "longhorn_"
MAX_REPLICAS = 3
RECURRING_TASKS = ("snapshot", "backup", "snapshot-cleanup", "snapshot-delete", "filesystem-trim")
_CRON = re.compile(r"^(\S+\s+){4}\S+$")
_BACKUP_TARGET = re.compile(r"^(s3://[^@/\s]+@[^/\s]+/\S*|nfs://\S+|cifs://\S+)$")


def _int(inputs: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = inputs.get(key)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ChartError(f"{PREFIX}{key}: {value!r} is not a whole number") from None
    if str(value).strip() != str(number) or not low <= number <= high:
        raise ChartError(f"{PREFIX}{key}: {value!r} must be a whole number from {low} to {high}")
    return number


def replica_count(inputs: Mapping[str, Any]) -> int:
    """Replicas per volume: ``replica_count`` when set (>0), else storage nodes clamped to 1..3."""
    explicit = _int(inputs, "replica_count", 0, MAX_REPLICAS)
    nodes = _int(inputs, "storage_nodes", 0, 10000)
    if explicit:
        if explicit > max(nodes, 1):
            raise ChartError(
                f"{PREFIX}replica_count: {explicit} replicas need as many storage nodes, there are {nodes}"
            )
        return explicit
    return min(max(nodes, 1), MAX_REPLICAS)


def _backup(inputs: Mapping[str, Any]) -> dict[str, Any]:
    target = str(inputs.get("backup_target") or "")
    if not target:
        return {}
    if not _BACKUP_TARGET.match(target):
        raise ChartError(f"{PREFIX}backup_target: {target!r} is not s3://<bucket>@<region>/<path>, nfs:// or cifs://")
    store: dict[str, Any] = {"backupTarget": target, "pollInterval": _int(inputs, "backup_poll_interval", 0, 86400)}
    secret = str(inputs.get("backup_secret") or "")
    if target.startswith("s3://"):
        check_name(secret, f"{PREFIX}backup_secret", label=False)
        store["backupTargetCredentialSecret"] = secret
    return store


def values(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Longhorn chart values."""
    replicas = replica_count(inputs)
    data_path = str(inputs.get("data_path") or "")
    if not data_path.startswith("/"):
        raise ChartError(f"{PREFIX}data_path: {data_path!r} must be an absolute path")
    settings: dict[str, Any] = {
        "defaultDataPath": data_path,
        # 1.12's per-data-engine form; the chart passes a map through as JSON.
        "defaultReplicaCount": {"v1": str(replicas), "v2": str(replicas)},
        "storageOverProvisioningPercentage": _int(inputs, "over_provisioning_percent", 0, 1000),
        "storageMinimalAvailablePercentage": _int(inputs, "minimal_available_percent", 0, 100),
        # One node: replicas of a volume may share it (otherwise volumes stay degraded).
        "replicaSoftAntiAffinity": replicas == 1,
    }
    result: dict[str, Any] = {
        "persistence": {
            "defaultClass": False,
            "defaultClassReplicaCount": replicas,
            "reclaimPolicy": "Retain",
        },
        "defaultSettings": settings,
        "longhornUI": {"replicas": 1 if replicas == 1 else 2},
        "preUpgradeChecker": {"jobEnabled": True},
    }
    backup = _backup(inputs)
    if backup:
        result["defaultBackupStore"] = backup
    return result


def storage_class(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The default StorageClass the stack's volumes use."""
    name = check_name(inputs.get("storage_class"), f"{PREFIX}storage_class", label=False)
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "driver.longhorn.io",
        "allowVolumeExpansion": True,
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "Immediate",
        "parameters": {
            "numberOfReplicas": str(replica_count(inputs)),
            "staleReplicaTimeout": "30",
            "fromBackup": "",
            "fsType": "ext4",
            "dataLocality": "best-effort",
        },
    }


def recurring_jobs(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """RecurringJob objects from ``recurring_jobs`` (backups need ``backup_target``)."""
    jobs = inputs.get("recurring_jobs") or []
    if not isinstance(jobs, list):
        raise ChartError(f"{PREFIX}recurring_jobs: must be a list")
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    result = []
    for index, job in enumerate(jobs):
        where = f"{PREFIX}recurring_jobs[{index}]"
        if not isinstance(job, Mapping):
            raise ChartError(f"{where}: must be a dict with name, task, cron, retain")
        name = check_name(job.get("name"), f"{where}.name")
        task = job.get("task")
        if task not in RECURRING_TASKS:
            raise ChartError(f"{where}.task: {task!r} is not one of {list(RECURRING_TASKS)}")
        if task == "backup" and not inputs.get("backup_target"):
            raise ChartError(f"{where}: a backup job needs {PREFIX}backup_target")
        cron = str(job.get("cron", ""))
        if not _CRON.match(cron):
            raise ChartError(f"{where}.cron: {cron!r} is not a five-field cron expression")
        retain = job.get("retain", 7)
        if not isinstance(retain, int) or not 0 <= retain <= 250:
            raise ChartError(f"{where}.retain: {retain!r} must be a whole number from 0 to 250")
        result.append(
            {
                "apiVersion": "longhorn.io/v1beta2",
                "kind": "RecurringJob",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "name": name,
                    "task": task,
                    "cron": cron,
                    "retain": retain,
                    "concurrency": int(job.get("concurrency", 1)),
                    "groups": list(job.get("groups", ["default"])),
                    "labels": {},
                },
            }
        )
    return result


def ui_ingress(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Longhorn UI Ingress, only when asked for, and then only behind basic auth at the ingress."""
    if not inputs.get("ui_expose"):
        return []
    hostname = check_name(inputs.get("ui_hostname"), f"{PREFIX}ui_hostname", label=False)
    auth_secret = check_name(inputs.get("ui_auth_secret"), f"{PREFIX}ui_auth_secret", label=False)
    namespace = check_name(inputs.get("namespace"), f"{PREFIX}namespace")
    controller = inputs.get("ingress_controller")
    annotations: dict[str, str]
    objects: list[dict[str, Any]] = []
    if controller == "ingress-nginx":
        annotations = {
            "nginx.ingress.kubernetes.io/auth-type": "basic",
            "nginx.ingress.kubernetes.io/auth-secret": auth_secret,
            "nginx.ingress.kubernetes.io/auth-realm": "Longhorn",
        }
    elif controller == "traefik":
        annotations = {
            "traefik.ingress.kubernetes.io/router.middlewares": f"{namespace}-longhorn-ui-auth@kubernetescrd"
        }
        objects.append(
            {
                "apiVersion": "traefik.io/v1alpha1",
                "kind": "Middleware",
                "metadata": {"name": "longhorn-ui-auth", "namespace": namespace},
                "spec": {"basicAuth": {"secret": auth_secret}},
            }
        )
    else:
        raise ChartError(f"{PREFIX}ingress_controller: {controller!r} is not traefik or ingress-nginx")
    tls_secret = check_name(inputs.get("ui_tls_secret"), f"{PREFIX}ui_tls_secret", label=False)
    objects.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "longhorn-ui", "namespace": namespace, "annotations": annotations},
            "spec": {
                "ingressClassName": str(inputs.get("ingress_class")),
                "tls": [{"hosts": [hostname], "secretName": tls_secret}],
                "rules": [
                    {
                        "host": hostname,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "longhorn-frontend", "port": {"number": 80}}},
                                }
                            ]
                        },
                    }
                ],
            },
        }
    )
    return objects


def objects(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Objects the role writes after the chart is installed (they need Longhorn's CRDs)."""
    return [storage_class(inputs), *recurring_jobs(inputs), *ui_ingress(inputs)]
