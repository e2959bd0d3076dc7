# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for playbooks/restore.yml: which claims it mounts, the helper Pod, where the files land.

The logic lives in plugins/module_utils/_restore.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.module_utils import (
    _helmchart,
    _longhorn_restore,
    _restore,
    _values_longhorn,
)


def _guard(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*(_helmchart.plain(a) for a in args), **{k: _helmchart.plain(v) for k, v in kwargs.items()})
    except _helmchart.ChartError as exc:
        raise AnsibleFilterError(str(exc)) from None


def restore_volumes(
    ollama_inputs: Mapping[str, Any],
    ollama_instances: Sequence[str] | None = None,
    ollama_claim: str = "",
    openwebui_claim: str = "",
) -> dict[str, Any]:
    """The claims a restore mounts: Open WebUI's and those of the chosen Ollama instances."""
    return dict(
        _guard(
            _restore.volumes,
            ollama_inputs,
            ollama_instances=list(ollama_instances or []),
            ollama_claim_override=ollama_claim or "",
            open_webui_claim_override=openwebui_claim or "",
        )
    )


def restore_helper_pod(target: Mapping[str, Any], namespace: str, node: str, image: str) -> dict[str, Any]:
    """The helper Pod that holds ``target``'s claim mounted on ``node``."""
    return dict(_guard(_restore.helper_pod, target, namespace=namespace, node=node, image=image))


def restore_node_dir(target: Mapping[str, Any], pod_uid: str, volume_name: str) -> str:
    """The directory on the node the restore writes: the helper's mounted volume and the target's subdirectory."""
    return str(_guard(_restore.node_dir, target, pod_uid=pod_uid, volume_name=volume_name))


def restore_host(node: str, hosts: Sequence[str], hostvars: Mapping[str, Any]) -> str:
    """The inventory host (of ``hosts``) that is k3s node ``node``; '' when none is."""
    rows = []
    for name in hosts:
        facts = hostvars[name].get("ansible_facts") or {}
        rows.append({"name": name, "node": facts.get("nodename") or name})
    return _restore.host_for_node(str(node), rows)


def restore_longhorn_objects(
    backup: Mapping[str, Any],
    backup_name: str,
    volume: str,
    claim: str,
    namespace: str,
    storage_class: str,
    storage_nodes: int,
    replicas: int = 0,
    longhorn_namespace: str = "longhorn-system",
) -> list[dict[str, Any]]:
    """The Longhorn Volume restored from the Backup object ``backup``, its PersistentVolume and claim."""

    def build() -> list[dict[str, Any]]:
        count = _values_longhorn.replica_count({"replica_count": replicas, "storage_nodes": storage_nodes})
        return _longhorn_restore.objects(
            _helmchart.plain(backup),
            backup_name=backup_name,
            volume=volume,
            claim=claim,
            namespace=namespace,
            longhorn_namespace=longhorn_namespace,
            storage_class=storage_class,
            replicas=count,
        )

    return list(_guard(build))


def restore_longhorn_done(volume: Mapping[str, Any]) -> bool:
    """Whether Longhorn has finished restoring the Volume object ``volume``."""
    return _longhorn_restore.restored(_helmchart.plain(volume))


class FilterModule:
    """aistack.baremetal restore filters."""

    def filters(self) -> dict[str, Callable[..., Any]]:
        return {
            "restore_volumes": restore_volumes,
            "restore_helper_pod": restore_helper_pod,
            "restore_node_dir": restore_node_dir,
            "restore_host": restore_host,
            "restore_longhorn_objects": restore_longhorn_objects,
            "restore_longhorn_done": restore_longhorn_done,
        }
