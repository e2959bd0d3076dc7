# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Longhorn backup restored as a new volume with its own PersistentVolume and claim.

What Longhorn's UI does with *Restore* and *Create PV/PVC*, as data:

- a Longhorn ``Volume`` whose ``spec.fromBackup`` is the backup's URL and whose
  size is the backed-up volume's (both read from the ``Backup`` object Longhorn
  keeps for every backup on its target); Longhorn fills it from the backup and
  detaches it when done;
- a ``PersistentVolume`` for it (the Longhorn CSI driver, the volume's name as
  handle) with the reclaim policy ``Retain``: deleting the claim later never
  deletes the restored data;
- a ``PersistentVolumeClaim`` bound to exactly that PersistentVolume.

Nothing existing is changed: the objects have new names, and the restore
refuses names that exist. Putting the restored claim in place of a workload's
claim is left to the operator (docs/backup.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._helmchart import ChartError, check_name

CSI_DRIVER = "driver.longhorn.io"
API_VERSION = "longhorn.io/v1beta2"
_URL = re.compile(r"^(s3|nfs|cifs|azblob)://\S+$")
_BYTES = re.compile(r"^[1-9][0-9]*$")
VARIABLE = "aistack_restore_longhorn"


def check_backup(backup: Mapping[str, Any], name: str) -> dict[str, str]:
    """``{url, size, volume}`` of a completed Longhorn Backup object, else an error saying why not."""
    if not backup:
        raise ChartError(
            f"{VARIABLE}_backup: no Longhorn Backup {name!r} (list them with the Longhorn UI's Backup page "
            "or the backups.longhorn.io objects in Longhorn's namespace)"
        )
    status = backup.get("status") or {}
    state = status.get("state") or ""
    if state != "Completed":
        raise ChartError(f"{VARIABLE}_backup: backup {name!r} is {state or 'not started'!s}, not Completed")
    url = str(status.get("url") or "")
    if not _URL.match(url):
        raise ChartError(f"{VARIABLE}_backup: backup {name!r} has no backup URL ({url!r})")
    size = str(status.get("volumeSize") or "")
    if not _BYTES.match(size):
        raise ChartError(f"{VARIABLE}_backup: backup {name!r} has no volume size ({size!r})")
    return {"url": url, "size": size, "volume": str(status.get("volumeName") or "")}


def objects(
    backup: Mapping[str, Any],
    *,
    backup_name: str,
    volume: str,
    claim: str,
    namespace: str,
    longhorn_namespace: str,
    storage_class: str,
    replicas: int,
) -> list[dict[str, Any]]:
    """The Longhorn Volume restored from ``backup``, its PersistentVolume and the claim ``namespace/claim``."""
    source = check_backup(backup, backup_name)
    check_name(volume, f"{VARIABLE}_volume")
    check_name(claim, f"{VARIABLE}_claim", label=False)
    check_name(namespace, f"{VARIABLE}_namespace")
    check_name(longhorn_namespace, "longhorn namespace")
    check_name(storage_class, "storage class", label=False)
    if isinstance(replicas, bool) or not isinstance(replicas, int) or not 1 <= replicas <= 20:
        raise ChartError(f"{VARIABLE}_replicas: {replicas!r} is not a number of replicas (1-20)")
    labels = {"app.kubernetes.io/managed-by": "aistack", "app.kubernetes.io/component": "restore"}
    restored = {"longhorn.io/restored-from": backup_name}
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "Volume",
            "metadata": {"name": volume, "namespace": longhorn_namespace, "labels": labels, "annotations": restored},
            "spec": {
                "fromBackup": source["url"],
                "size": source["size"],
                "numberOfReplicas": replicas,
                "accessMode": "rwo",
                "frontend": "blockdev",
                "dataEngine": "v1",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": volume, "labels": labels, "annotations": restored},
            "spec": {
                "capacity": {"storage": source["size"]},
                "accessModes": ["ReadWriteOnce"],
                "volumeMode": "Filesystem",
                # Deleting the claim keeps the restored volume.
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": storage_class,
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "namespace": namespace,
                    "name": claim,
                },
                "csi": {"driver": CSI_DRIVER, "volumeHandle": volume, "fsType": "ext4"},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "namespace": namespace, "labels": labels, "annotations": restored},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "volumeMode": "Filesystem",
                "storageClassName": storage_class,
                "volumeName": volume,
                "resources": {"requests": {"storage": source["size"]}},
            },
        },
    ]


def restored(volume: Mapping[str, Any]) -> bool:
    """Whether Longhorn has finished filling a restored Volume (restore no longer required, detached)."""
    status = volume.get("status") or {}
    return status.get("restoreRequired") is False and status.get("state") == "detached"
