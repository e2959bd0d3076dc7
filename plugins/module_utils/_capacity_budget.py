# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, the plan: host budgets, the Ollama instances' model plans, the problems."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_catalog import build_catalog
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import GIB, ModelSpec, parse_version
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_facts import specs_from_facts
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_inputs import (
    validate_allocations,
    validate_hardware,
    validate_models,
    validate_problems,
    validate_sizes,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_instance import InstancePlanner, fmt, gib
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import (
    MAX_DISK_GB,
    Problems,
    mapping,
    number,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import problem as _problem
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_settings import OllamaSettings, parse_settings
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import (
    BOOL_STRINGS,
    K3S_EVICTION_HARD_MEMORY_MI,
    K3S_KUBE_RESERVED,
    K3S_SYSTEM_RESERVED,
    MONITORING_VOLUME_GB,
    OLLAMA_STANDALONE_VOLUME_GB,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import REQUIRED_FIELDS

# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


def _budget(requested: Mapping[str, float], available: float, unit: str) -> dict[str, Any]:
    total = round(sum(requested.values()), 2)
    return {
        "unit": unit,
        "requested": total,
        "available": round(available, 2),
        "over_by": round(max(total - available, 0.0), 2),
        "items": [{"name": name, "value": round(value, 2)} for name, value in requested.items()],
    }


def kubelet_reservations(
    cpu_cores: int, memory_gb: float, allocations: Mapping[str, Mapping[str, float]] | None = None
) -> dict[str, Any]:
    """What the k3s role reserves from pods on this host, and a guideline to compare it with.

    system-reserved and kube-reserved are the inventory's ``aistack_allocations.system`` and
    ``.kubernetes`` entries, or the k3s role's defaults where there is none; eviction-hard
    keeps 500 MiB free. The guideline for kube-reserved is the tiered rule the managed
    Kubernetes services publish (GKE "node allocatable", AKS): CPU 6 % of the first core,
    1 % of the next, 0.5 % of the next two, 0.25 % above four; memory 25 % of the first
    4 GiB, 20 % of the next 4, 10 % of the next 8, 6 % of the next 112, 2 % above 128 GiB.
    """

    def tiered(amount: float, tiers: Sequence[tuple[float, float]]) -> float:
        total = 0.0
        for span, share in tiers:
            part = min(amount, span)
            total += part * share
            amount -= part
            if amount <= 0:
                break
        return total

    allocations = allocations or {}
    system = dict(allocations.get("system") or K3S_SYSTEM_RESERVED)
    kube = dict(allocations.get("kubernetes") or K3S_KUBE_RESERVED)
    eviction = round(K3S_EVICTION_HARD_MEMORY_MI / 1024, 2)
    guideline = {
        "cpu": round(tiered(float(cpu_cores), ((1, 0.06), (1, 0.01), (2, 0.005), (math.inf, 0.0025))), 2),
        "memory_gb": round(tiered(memory_gb, ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (math.inf, 0.02))), 1),
    }
    return {
        "kube_reserved": {"cpu": float(kube["cpu"]), "memory_gb": float(kube["memory_gb"])},
        "system_reserved": {"cpu": float(system["cpu"]), "memory_gb": float(system["memory_gb"])},
        "eviction_hard_memory_gb": eviction,
        "reserved_cpu": round(kube["cpu"] + system["cpu"], 2),
        "reserved_memory_gb": round(kube["memory_gb"] + system["memory_gb"] + eviction, 2),
        "kube_reserved_guideline": guideline,
    }


def _instance_allocation(
    instance: str, allocations: Mapping[str, Mapping[str, float]], standby: Mapping[str, Mapping[str, float]]
) -> tuple[str | None, Mapping[str, float] | None]:
    """The allocation that holds an Ollama instance: ``ollama_<instance>``, or ``ollama`` for primary."""
    keys = [f"ollama_{instance}"] + (["ollama"] if instance == "primary" else [])
    for key in keys:
        for table in (allocations, standby):
            if key in table:
                return key, table[key]
    return None, None


def _pick_disk(disks: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for disk in disks:
        if "longhorn" in str(disk.get("mount", "")):
            return disk
    return max(disks, key=lambda d: float(d["size_gb"]), default=None)


def host_budget(
    hardware: Mapping[str, Any],
    allocations: Mapping[str, Mapping[str, float]],
    standby: Mapping[str, Mapping[str, float]],
    volumes: Mapping[str, float],
    reserved: Mapping[str, float],
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """CPU, memory and disk budgets; the standby scenario; kubelet reservations."""
    cores = hardware["cpu_cores"]
    memory = hardware["memory_gb"]
    problems = []
    cpu = _budget({n: a["cpu"] for n, a in allocations.items()}, cores, "cores")
    mem = _budget({n: a["memory_gb"] for n, a in allocations.items()}, memory, "GiB")
    kubelet = kubelet_reservations(cores, memory, allocations)
    # The reservations themselves (entries system and kubernetes) are not pods.
    pods = sum(a["memory_gb"] for n, a in allocations.items() if n not in ("system", "kubernetes"))

    def listing(budget: Mapping[str, Any]) -> str:
        return ", ".join(f"{i['name']} {fmt(i['value'])}" for i in budget["items"] if i["value"])

    if cpu["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/cpu",
                f"CPU over-committed: aistack_allocations request {fmt(cpu['requested'])} cores, the host has "
                f"{cores} (over by {fmt(cpu['over_by'])}): {listing(cpu)}",
                f"Lower the cpu values in aistack_allocations by {fmt(cpu['over_by'])} cores in all (Ollama's "
                "share first: inference threads beyond the physical cores do not help), or add cores",
            )
        )
    if mem["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/memory",
                f"memory over-committed: aistack_allocations request {fmt(mem['requested'])} GiB, the host has "
                f"{fmt(memory)} GiB (over by {fmt(mem['over_by'])}): {listing(mem)}",
                f"Lower memory_gb in aistack_allocations by {fmt(mem['over_by'])} GiB in all, or add RAM",
            )
        )
    elif pods > memory - kubelet["reserved_memory_gb"]:
        problems.append(
            _problem(
                "warning",
                "budget/memory",
                f"the workloads' allocations ({fmt(pods)} GiB) leave less than the kubelet reservation "
                f"({kubelet['reserved_memory_gb']} GiB: system, kube-reserved and eviction) of {fmt(memory)} GiB",
                "Lower an allocation or accept that pods compete with the kubelet and the OS under pressure",
            )
        )
    with_standby = {**allocations, **standby}
    standby_budget: dict[str, Any] = {
        "names": sorted(standby),
        "cpu": _budget({n: a["cpu"] for n, a in with_standby.items()}, cores, "cores"),
        "memory": _budget({n: a["memory_gb"] for n, a in with_standby.items()}, memory, "GiB"),
    }
    if standby and (standby_budget["cpu"]["over_by"] > 0 or standby_budget["memory"]["over_by"] > 0):
        problems.append(
            _problem(
                "warning",
                "budget/standby",
                f"if the standby workloads ({', '.join(sorted(standby))}) run too: "
                f"{fmt(standby_budget['cpu']['requested'])} of {cores} cores and "
                f"{fmt(standby_budget['memory']['requested'])} of {fmt(memory)} GiB",
                "Keep the standby workloads scaled to zero until needed, or size them from what the main "
                f"allocations leave ({fmt(max(cores - cpu['requested'], 0))} cores, "
                f"{fmt(max(memory - mem['requested'], 0))} GiB)",
            )
        )
    disk_items = {f"volume {n}": v for n, v in volumes.items()}
    disk_items.update({f"reserved {n}": v for n, v in reserved.items()})
    target = _pick_disk(hardware["disks"])
    disk = _budget(disk_items, float(target["size_gb"]) if target else 0.0, "GiB")
    disk["device"] = target["device"] if target else None
    disk["mount"] = target["mount"] if target else None
    disk["free"] = round(float(target["free_gb"]), 2) if target else 0.0
    if target is None and disk_items:
        problems.append(
            _problem(
                "error",
                "budget/disk",
                f"volumes and reservations need {fmt(disk['requested'])} GiB but no disk is known",
                "Declare the disks in the hardware facts (preflight_declared_hardware.disks)",
            )
        )
    elif disk["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/disk",
                f"disk over-committed: volumes and reservations need {fmt(disk['requested'])} GiB on "
                f"{disk['device']} ({fmt(disk['available'])} GiB, over by {fmt(disk['over_by'])}): "
                + ", ".join(f"{name} {fmt(size)}" for name, size in disk_items.items()),
                "Shrink aistack_volumes or aistack_disk_reserved_gb, or add a disk",
            )
        )
    elif target is not None:
        volume_sum = sum(volumes.values())
        if volume_sum > disk["free"]:
            problems.append(
                _problem(
                    "error",
                    "budget/disk",
                    f"volumes need {fmt(volume_sum)} GiB but {disk['device']} has {fmt(disk['free'])} GiB free",
                    "Free space on the disk or shrink aistack_volumes",
                )
            )
        # Longhorn schedules a replica only while the disk keeps storage-minimal-available-percentage
        # (default 25) free; full-size volumes beyond 75 % of the disk are refused.
        schedulable = 0.75 * float(target["size_gb"])
        if volume_sum > schedulable:
            problems.append(
                _problem(
                    "warning",
                    "budget/disk",
                    f"volumes total {fmt(volume_sum)} GiB, more than the {fmt(schedulable)} GiB Longhorn schedules "
                    f"on {disk['device']} with its default storage-minimal-available-percentage of 25 %",
                    "Lower the volumes or the Longhorn setting storage-minimal-available-percentage",
                )
            )
    return {"cpu": cpu, "memory": mem, "disk": disk, "standby": standby_budget, "kubelet": kubelet}, problems


def _not_estimated_warning(instance: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    names = ", ".join(r["name"] for r in rows)
    example = rows[0]["name"]
    return _problem(
        "warning",
        f"models/{instance}",
        f"not estimated: {names} ({'is' if len(rows) == 1 else 'are'} not in the capacity catalog); left out of "
        "the hot set, the warm room, the recommendations and the volume size",
        "Give the planner the model's architecture: plan against a running Ollama instance that has it, allow "
        "registry access, or add an aistack_model_catalog_extra row (fields: "
        + ", ".join(REQUIRED_FIELDS)
        + f"; `ollama show --verbose {example}` prints them)",
    )


def _named(volumes: Mapping[str, Any] | None, name: str) -> bool:
    """Whether the inventory names volume ``name`` (valid or not: a bad one is reported already)."""
    return isinstance(volumes, Mapping) and name in volumes


def prometheus_volume(enabled: Any, monitoring: Any, found: Problems) -> float | None:
    """Prometheus's volume when monitoring is on: ``aistack_monitoring.volume_gb`` or the role's default.

    None when ``aistack_monitoring_enabled`` is false (or not a boolean, which is reported).
    """
    if isinstance(enabled, str) and enabled.strip().lower() in BOOL_STRINGS:
        enabled = BOOL_STRINGS[enabled.strip().lower()]  # what the playbooks' | bool reads
    if not isinstance(enabled, bool):
        found.bad("aistack_monitoring_enabled", enabled, "true or false")
        return None
    if not enabled:
        return None
    settings = mapping(found, monitoring, "aistack_monitoring", "monitoring settings (volume_gb, retention_days, ...)")
    if settings is None or settings.get("volume_gb") is None:
        return float(MONITORING_VOLUME_GB)
    return number(found, settings["volume_gb"], "aistack_monitoring.volume_gb", 0, MAX_DISK_GB)


def build_plan(
    host: str,
    hardware: Mapping[str, Any] | None,
    allocations: Mapping[str, Any] | None = None,
    standby_allocations: Mapping[str, Any] | None = None,
    volumes: Mapping[str, Any] | None = None,
    disk_reserved_gb: Mapping[str, Any] | None = None,
    ollama_env: Mapping[str, Any] | None = None,
    models: Mapping[str, Any] | None = None,
    catalog_extra: Sequence[Mapping[str, Any]] | None = None,
    extra_problems: Sequence[Any] | None = None,
    problems: Problems | None = None,
    model_facts: Sequence[Any] | None = None,
    ollama_version: str | None = None,
    monitoring_enabled: Any = False,
    monitoring: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole plan for one host.

    With ``monitoring_enabled`` (``aistack_monitoring_enabled``) Prometheus's volume is
    budgeted on the disk: ``aistack_volumes.prometheus``, else ``monitoring.volume_gb``
    (``aistack_monitoring``), else the monitoring role's default.

    Never raises for inventory input: every bad value becomes an error problem naming the
    variable, the entry is left out, and the rest is still planned. Without usable hardware
    (None, or no CPU/memory figure) the plan has empty ``hardware``, ``budget`` and ``models``
    and only lists the problems.
    """
    found = problems if problems is not None else Problems()
    validate_problems(extra_problems, found)
    hw = None if hardware is None else validate_hardware(hardware, found)
    allocs = validate_allocations(allocations, "aistack_allocations", found)
    standby = validate_allocations(standby_allocations, "aistack_standby_allocations", found)
    vols = validate_sizes(volumes, "aistack_volumes", "size_gb", found)
    if "ollama_standalone" in standby and not _named(volumes, "ollama_standalone"):
        # The standalone Ollama runs (it has a standby allocation) with the ollama role's default volume.
        vols["ollama_standalone"] = float(OLLAMA_STANDALONE_VOLUME_GB)
    prometheus = prometheus_volume(monitoring_enabled, monitoring, found)
    if prometheus is not None and not _named(volumes, "prometheus"):
        # Monitoring runs with the volume the playbooks give it (playbooks/vars/monitoring.yml).
        vols["prometheus"] = prometheus
    reserved = validate_sizes(disk_reserved_gb, "aistack_disk_reserved_gb", None, found)
    settings = parse_settings(ollama_env, found)
    catalog = build_catalog(catalog_extra, found, specs_from_facts(model_facts, found))
    model_rows, unknown_rows = validate_models(models, catalog, found)
    version = parse_version(ollama_version)
    if ollama_version and version is None:
        found.bad("aistack_ollama_version", ollama_version, "an Ollama release such as 0.12.10")

    budget: dict[str, Any] = {}
    instances: dict[str, Any] = {}
    if hw is not None:
        budget, budget_problems = host_budget(hw, allocs, standby, vols, reserved)
        found.items.extend(budget_problems)
        if hw["unknown_gpus"]:
            found.warning(
                "hardware/gpu",
                f"GPU memory unknown for {', '.join(hw['unknown_gpus'])} (no driver answered); "
                "the models are planned without those GPUs",
                "Install the NVIDIA driver and re-run, or declare memory_mib for the GPU",
            )
        for instance, rows in model_rows.items():
            instances[instance] = _plan_instance(
                instance, rows, unknown_rows[instance], hw, allocs, standby, vols, catalog, settings, found, version
            )
    problems_list = sorted(found.items, key=lambda p: 0 if p["severity"] == "error" else 1)
    return {
        "host": host,
        "hardware": hw or {},
        "budget": budget,
        "models": instances,
        "problems": problems_list,
        "summary": {
            "errors": sum(1 for p in problems_list if p["severity"] == "error"),
            "warnings": sum(1 for p in problems_list if p["severity"] == "warning"),
        },
    }


def _plan_instance(
    instance: str,
    rows: Sequence[Mapping[str, Any]],
    unknown: Sequence[Mapping[str, Any]],
    hw: Mapping[str, Any],
    allocs: Mapping[str, Mapping[str, float]],
    standby: Mapping[str, Mapping[str, float]],
    vols: Mapping[str, float],
    catalog: Mapping[str, ModelSpec],
    settings: OllamaSettings,
    found: Problems,
    version: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    allocation_name, allocation = _instance_allocation(instance, allocs, standby)
    memory_limit = float(allocation["memory_gb"]) if allocation else float(hw["memory_gb"])
    # The GPU goes to the primary instance: the NVIDIA device plugin hands a whole GPU to one pod.
    gpus = hw["gpus"] if instance == "primary" else []
    planner = InstancePlanner(instance, rows, catalog, settings, gpus, memory_limit, allocation_name, version)
    result, instance_problems = planner.plan()
    result["not_estimated"] = [
        {"name": r["name"], "tier": r["tier"], "purpose": r["purpose"], "num_ctx": r["num_ctx"]} for r in unknown
    ]
    if unknown:
        instance_problems.append(_not_estimated_warning(instance, unknown))
    volume_name = "ollama" if instance == "primary" else f"ollama_{instance}"
    downloads = sum(catalog[n].size_bytes for n in {r["name"] for r in rows})
    result["download_bytes"] = downloads
    result["volume"] = volume_name if volume_name in vols else None
    if volume_name in vols and downloads > vols[volume_name] * GIB:
        uncounted = f" (not counting {len(unknown)} models that are not estimated)" if unknown else ""
        instance_problems.append(
            _problem(
                "error",
                f"models/{instance}",
                f"aistack_volumes.{volume_name}.size_gb is {fmt(vols[volume_name])} GiB, but the models of "
                f"{instance} take {gib(downloads)} GiB{uncounted}",
                f"Raise aistack_volumes.{volume_name}.size_gb to at least {math.ceil(downloads / GIB)} "
                f"or drop models from aistack_models.{instance}",
            )
        )
    found.items.extend(instance_problems)
    return result
