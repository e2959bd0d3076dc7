# Copyright: (c) 2026, aistack.baremetal maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardware fact tree preflight plans against: its summary, and the tree built from declared hardware.

The tree (``ansible_facts.aistack_hardware``) has ``source``, ``cpu``, ``memory``,
``os``, ``virtualization``, ``secure_boot``, ``disks``, ``storage``, ``gpus``,
``gpu_driver`` and ``summary``; the ``hardware_facts`` module gathers it on a host
(:mod:`._hardware_discover`), ``declared_tree`` builds it from an inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def summary(tree: Mapping[str, Any]) -> dict[str, Any]:
    """The four numbers the capacity planner budgets against, from a full fact tree.

    ``cpu_cores`` is what Kubernetes schedules: logical CPUs (threads). Free disk is counted
    once per filesystem, however many storage paths share it. GPUs without a known memory
    size (found by lspci before the driver is installed) are left out: nothing can be planned
    on them yet.
    """
    disks: list[dict[str, Any]] = []
    seen: set[str] = set()
    for usage in tree.get("storage", []):
        key = f"{usage.get('device')}:{usage.get('mount')}"
        if key in seen:
            continue
        seen.add(key)
        disks.append(
            {
                "device": usage.get("device") or usage.get("mount"),
                "size_gb": usage["size_gb"],
                "free_gb": usage["free_gb"],
                "mount": usage["path"],
            }
        )
    return {
        "cpu_cores": tree["cpu"]["threads"],
        "memory_gb": tree["memory"]["total_gb"],
        # A GPU whose memory is unknown (seen by lspci, no driver yet) cannot be budgeted.
        "gpus": [
            {"name": g["name"], "memory_mib": g["memory_mib"]} for g in tree.get("gpus", []) if g.get("memory_mib")
        ],
        "disks": disks,
    }


def declared_tree(declared: Mapping[str, Any]) -> dict[str, Any]:
    """Build the fact tree from hardware an inventory declares (plan mode, host unreachable).

    ``declared`` has cpu_cores, memory_gb, os {distribution, version}, disks
    [{device, size_gb, free_gb, mount, model}] and gpus [{name, memory_mib}], as
    ``preflight_declared_hardware`` documents. Fields it does not know read ``unknown``.
    """
    os_info = declared.get("os") or {}
    cores = int(declared["cpu_cores"])
    storage = [
        {
            "path": d.get("mount") or f"/dev/{d['device']}",
            "exists": True,
            "measured_at": d.get("mount") or "",
            "mount": d.get("mount") or "",
            "device": d["device"],
            "fstype": "",
            "size_gb": float(d["size_gb"]),
            "free_gb": float(d["free_gb"] if d.get("free_gb") is not None else d["size_gb"]),
        }
        for d in declared.get("disks") or []
    ]
    tree: dict[str, Any] = {
        "source": "declared",
        "cpu": {"model": declared.get("cpu_model") or "unknown", "sockets": 1, "cores": cores, "threads": cores},
        "memory": {"total_gb": float(declared["memory_gb"]), "available_gb": float(declared["memory_gb"])},
        "os": {
            "distribution": str(os_info.get("distribution", "unknown")),
            "version": str(os_info.get("version", "unknown")),
            "codename": "",
            "id": str(os_info.get("distribution", "unknown")).lower(),
            "pretty_name": f"{os_info.get('distribution', 'unknown')} {os_info.get('version', '')}".strip(),
            "kernel": "unknown",
            "architecture": "unknown",
        },
        "virtualization": "unknown",
        "secure_boot": str(declared.get("secure_boot") or "unknown"),
        "disks": [
            {"device": d["device"], "size_gb": float(d["size_gb"]), "rotational": False, "model": d.get("model") or ""}
            for d in declared.get("disks") or []
        ],
        "storage": storage,
        "gpus": [
            {
                "index": i,
                "name": g["name"],
                "memory_mib": int(g["memory_mib"]) if g.get("memory_mib") is not None else None,
                "source": "declared",
            }
            for i, g in enumerate(declared.get("gpus") or [])
        ],
        "gpu_driver": {
            "loaded": False,
            "driver_version": None,
            "branch": None,
            "cuda_version": None,
            "source": "declared",
            "error": None,
            "kernel_module_version": None,
            "kernel_module_flavor": None,
            "pci_gpu_count": len(declared.get("gpus") or []),
        },
    }
    tree["summary"] = summary(tree)
    return tree
