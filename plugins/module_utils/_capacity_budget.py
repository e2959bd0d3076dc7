# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, the plan: host budgets, the Ollama instances' model plans, the problems."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    GIB,
    MIB,
    Estimate,
    ModelSpec,
    default_num_ctx,
    estimate,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_inputs import (
    OllamaSettings,
    Problems,
    build_catalog,
    parse_settings,
    validate_allocations,
    validate_hardware,
    validate_models,
    validate_problems,
    validate_sizes,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_inputs import problem as _problem
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import (
    K3S_EVICTION_HARD_MEMORY_MI,
    K3S_KUBE_RESERVED,
    K3S_SYSTEM_RESERVED,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import REQUIRED_FIELDS

# Share of free memory co-resident models should stay under (research notes section 4).
HEADROOM = 0.8


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


def gib(value: float) -> float:
    """Bytes as GiB, two decimals (for messages and the report)."""
    return round(value / GIB, 2)


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


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


def _sum(estimates: Sequence[Estimate], field: str) -> int:
    return int(sum(getattr(e, field) for e in estimates))


class _InstancePlanner:
    """Plans one Ollama instance: per model, the hot set, warm room, recommendations."""

    def __init__(
        self,
        instance: str,
        rows: Sequence[Mapping[str, Any]],
        catalog: Mapping[str, ModelSpec],
        settings: OllamaSettings,
        gpus: Sequence[Mapping[str, Any]],
        memory_limit_gb: float,
        allocation_name: str | None,
    ) -> None:
        self.instance = instance
        self.rows = rows
        self.catalog = catalog
        self.settings = settings
        self.gpus = gpus
        self.gpu_free = [int(g["memory_mib"] * MIB) for g in gpus]
        self.vram_total = sum(self.gpu_free)
        self.memory_limit = int(memory_limit_gb * GIB)
        self.allocation_name = allocation_name
        self.kv_type = settings.effective_kv_type()
        self.server_num_ctx = settings.context_length or default_num_ctx(self.vram_total)
        self.loaded_limit = settings.loaded_limit(len(gpus))

    def num_ctx(self, row: Mapping[str, Any]) -> int:
        spec = self.catalog[row["name"]]
        if row.get("num_ctx"):
            return int(row["num_ctx"])
        if spec.default_num_ctx:
            return spec.default_num_ctx
        return min(self.server_num_ctx, spec.context_length)

    def estimate(self, row: Mapping[str, Any], num_parallel: int, gpu_free: Sequence[int]) -> Estimate:
        spec = self.catalog[row["name"]]
        return estimate(
            spec, self.num_ctx(row), num_parallel, self.kv_type, gpu_free, gpu_overhead=self.settings.gpu_overhead
        )

    def co_resident(self, rows: Sequence[Mapping[str, Any]], num_parallel: int) -> list[Estimate]:
        """Load ``rows`` one after the other; each sees the VRAM the earlier ones left (sched.go order)."""
        free = list(self.gpu_free)
        result = []
        for row in rows:
            item = self.estimate(row, num_parallel, free)
            for index, used in enumerate(item.gpu_allocations):
                free[index] -= used
            result.append(item)
        return result

    def fits_ram(self, estimates: Sequence[Estimate], share: float = 1.0) -> bool:
        return _sum(estimates, "ram_used") <= share * self.memory_limit

    def plan(self) -> tuple[dict[str, Any], list[dict[str, str]]]:
        settings = self.settings
        parallel = settings.num_parallel
        problems: list[dict[str, str]] = []
        hot_rows = [r for r in self.rows if r["tier"] == "hot"]
        warm_rows = [r for r in self.rows if r["tier"] == "warm"]
        per_model = []
        never = []
        split = []
        for row in self.rows:
            alone = self.estimate(row, parallel, self.gpu_free)
            spec = self.catalog[row["name"]]
            fits = alone.ram_used <= self.memory_limit
            entry = {
                **alone.as_dict(),
                "tier": row["tier"],
                "purpose": row["purpose"],
                "download_bytes": spec.size_bytes,
                "quantization": spec.quantization,
                "parameters": spec.parameters,
                "fits": fits,
                "source": spec.source,
                "unverified": list(spec.unverified),
            }
            per_model.append(entry)
            if not fits:
                never.append(alone)
            elif self.gpu_free and not alone.fits_vram:
                split.append(alone)

        hot = self.co_resident(hot_rows, parallel)
        hot_one_slot = self.co_resident(hot_rows, 1)
        hot_ram = _sum(hot, "ram_used")
        hot_vram = _sum(hot, "vram_used")
        hot_set = {
            "models": [e.name for e in hot],
            "num_parallel": parallel,
            "weights": _sum(hot, "weights"),
            "kv": _sum(hot, "kv"),
            "kv_one_slot": _sum(hot_one_slot, "kv"),
            "graph": _sum(hot, "graph"),
            "overhead": _sum(hot, "overhead"),
            "vram_used": hot_vram,
            "ram_used": hot_ram,
            "total": _sum(hot, "total"),
            "vram_total": self.vram_total,
            "memory_limit": self.memory_limit,
            "fits": hot_ram <= self.memory_limit and len(hot) <= self.loaded_limit,
            "items": [e.as_dict() for e in hot],
        }
        warm = []
        for row in warm_rows:
            together = self.co_resident([*hot_rows, row], parallel)
            item = together[-1]
            warm.append(
                {
                    "name": item.name,
                    "ram_used": item.ram_used,
                    "vram_used": item.vram_used,
                    "total": item.total,
                    "fits_with_hot": self.fits_ram(together) and len(together) <= self.loaded_limit,
                }
            )
        recommendations = self.recommend(hot_rows, warm_rows)
        result = {
            "instance": self.instance,
            "allocation": self.allocation_name,
            "gpus": [dict(g) for g in self.gpus],
            "settings": {
                "num_parallel": parallel,
                "max_loaded_models": self.loaded_limit,
                "kv_cache_type": self.kv_type,
                "kv_cache_type_requested": settings.kv_cache_type,
                "flash_attention": settings.flash_attention,
                "default_num_ctx": self.server_num_ctx,
                "gpu_overhead": settings.gpu_overhead,
                "keep_alive": settings.keep_alive,
            },
            "memory_limit": self.memory_limit,
            "vram_total": self.vram_total,
            "models": per_model,
            "hot_set": hot_set,
            "warm": warm,
            "room_after_hot": {
                "ram": max(self.memory_limit - hot_ram, 0),
                "vram": max(self.vram_total - hot_vram, 0),
            },
            "never_fit": [e.name for e in never],
            "split_cpu_gpu": [e.name for e in split],
            "recommendations": recommendations,
        }
        problems.extend(self.problems(hot_set, hot, warm, never, split, recommendations))
        return result, problems

    def recommend(
        self, hot_rows: Sequence[Mapping[str, Any]], warm_rows: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Largest OLLAMA_NUM_PARALLEL (halving) whose hot set stays under 80 % of the memory limit."""
        candidates = []
        value = self.settings.num_parallel
        while value >= 1:
            candidates.append(value)
            value //= 2
        chosen = 1
        for value in candidates:
            if self.fits_ram(self.co_resident(hot_rows, value), HEADROOM):
                chosen = value
                break
        loaded_rows = list(hot_rows)
        for row in warm_rows:
            if self.fits_ram(self.co_resident([*loaded_rows, row], chosen), HEADROOM):
                loaded_rows.append(row)
        loaded = self.co_resident(loaded_rows, chosen)
        hot = loaded[: len(hot_rows)]
        # Requests hold what stays loaded (the hot set); the limit lets the loaded set, or the largest
        # model alone (a cold model evicts the others), load. 10 % + 1 GiB covers the runner itself.
        largest = max((self.estimate(r, chosen, self.gpu_free).ram_used for r in self.rows), default=0)
        request_gb = math.ceil(_sum(hot, "ram_used") * 1.1 / GIB) + 1
        limit_gb = math.ceil(max(_sum(loaded, "ram_used"), largest) * 1.1 / GIB) + 1
        # Never above the instance's own allocation: what does not fit there is reported as a problem.
        limit_gb = max(min(limit_gb, math.floor(self.memory_limit / GIB)), request_gb)
        resources: dict[str, Any] = {
            "requests": {"memory": f"{request_gb}Gi"},
            "limits": {"memory": f"{limit_gb}Gi"},
        }
        if self.gpus:
            resources["limits"]["nvidia.com/gpu"] = len(self.gpus)
        return {
            "OLLAMA_NUM_PARALLEL": str(chosen),
            "OLLAMA_MAX_LOADED_MODELS": str(max(len(loaded_rows), 1)),
            "loaded_models": [r["name"] for r in loaded_rows],
            "loaded_ram": _sum(loaded, "ram_used"),
            "resources": resources,
        }

    def problems(
        self,
        hot_set: Mapping[str, Any],
        hot: Sequence[Estimate],
        warm: Sequence[Mapping[str, Any]],
        never: Sequence[Estimate],
        split: Sequence[Estimate],
        rec: Mapping[str, Any],
    ) -> list[dict[str, str]]:
        area = f"models/{self.instance}"
        parallel = self.settings.num_parallel
        limit = f"{gib(self.memory_limit)} GiB RAM" + (
            f" ({self.allocation_name} allocation)" if self.allocation_name else " (host memory)"
        )
        vram = f"{gib(self.vram_total)} GiB VRAM" if self.gpus else "no GPU"
        out = []
        for item in never:
            out.append(
                _problem(
                    "error",
                    area,
                    f"{item.name} can never load on this host: it needs {gib(item.total)} GiB at num_ctx "
                    f"{item.num_ctx} x {parallel} parallel ({gib(item.vram_used)} GiB VRAM + {gib(item.ram_used)} GiB "
                    f"RAM), the instance has {limit} and {vram}",
                    f"Remove {item.name} from aistack_models.{self.instance}, give it a smaller num_ctx, lower "
                    "OLLAMA_NUM_PARALLEL, or raise the memory allocation",
                )
            )
        if hot and not hot_set["fits"]:
            if len(hot) > self.loaded_limit:
                out.append(
                    _problem(
                        "error",
                        area,
                        f"{len(hot)} hot models but OLLAMA_MAX_LOADED_MODELS allows {self.loaded_limit} loaded "
                        "at once, so hot models evict each other",
                        f"Set OLLAMA_MAX_LOADED_MODELS to at least {len(hot)} or move models to the warm tier",
                    )
                )
            if hot_set["ram_used"] > self.memory_limit:
                out.append(
                    _problem(
                        "error",
                        area,
                        f"the hot set ({', '.join(hot_set['models'])}) needs {gib(hot_set['ram_used'])} GiB RAM "
                        f"+ {gib(hot_set['vram_used'])} GiB VRAM at OLLAMA_NUM_PARALLEL={parallel}; the instance "
                        f"has {limit}",
                        f"Lower OLLAMA_NUM_PARALLEL to {rec['OLLAMA_NUM_PARALLEL']}, set a smaller num_ctx, or move "
                        "a model to the warm tier",
                    )
                )
        if parallel > 1 and hot:
            out.append(
                _problem(
                    "warning",
                    area,
                    f"OLLAMA_NUM_PARALLEL={parallel} gives every loaded model {parallel} context slots, which "
                    f"multiplies its KV cache by {parallel}: the hot set's KV cache is {gib(hot_set['kv'])} GiB "
                    f"({gib(hot_set['kv_one_slot'])} GiB with one slot) and its compute graph "
                    f"{gib(hot_set['graph'])} GiB, of {gib(hot_set['total'])} GiB in all",
                    (
                        f"Set OLLAMA_NUM_PARALLEL={rec['OLLAMA_NUM_PARALLEL']} (the largest value whose hot set "
                        f"stays under {int(HEADROOM * 100)} % of the memory limit)"
                        if int(rec["OLLAMA_NUM_PARALLEL"]) < parallel
                        else f"{parallel} slots fit in the memory limit; if fewer concurrent requests per model "
                        f"will do, 4 slots need {gib(hot_set['kv_one_slot'] * 4)} GiB of KV cache instead"
                    )
                    + "; requests beyond the slots queue instead of failing",
                )
            )
        if split:
            parts = ", ".join(f"{e.name} {e.gpu_layers}/{e.layers_total} layers on GPU ({e.processor})" for e in split)
            out.append(
                _problem(
                    "warning",
                    area,
                    f"{len(split)} models do not fit in {vram} and run split between CPU and GPU: {parts}",
                    "Expect CPU speed for the CPU share; smaller num_ctx or OLLAMA_NUM_PARALLEL, or a larger "
                    "GPU, moves more layers onto the GPU",
                )
            )
        configured = self.settings.max_loaded_models
        recommended = int(rec["OLLAMA_MAX_LOADED_MODELS"])
        if configured > recommended and rec["loaded_models"]:
            out.append(
                _problem(
                    "warning",
                    area,
                    f"OLLAMA_MAX_LOADED_MODELS={configured}, but only {recommended} of the hot and warm models "
                    f"({', '.join(rec['loaded_models'])}) fit in {limit} together at OLLAMA_NUM_PARALLEL="
                    f"{rec['OLLAMA_NUM_PARALLEL']}",
                    f"Set OLLAMA_MAX_LOADED_MODELS={recommended}; Ollama evicts idle models when memory runs out "
                    "anyway, and a lower limit makes that predictable",
                )
            )
        missing_warm = [w["name"] for w in warm if not w["fits_with_hot"]]
        if missing_warm:
            out.append(
                _problem(
                    "warning",
                    area,
                    f"warm models that cannot load while the hot set stays loaded: {', '.join(missing_warm)} "
                    f"(room after the hot set: {gib(max(self.memory_limit - hot_set['ram_used'], 0))} GiB RAM)",
                    "Loading them evicts a hot model; lower OLLAMA_NUM_PARALLEL or num_ctx to make room",
                )
            )
        # A quantised OLLAMA_KV_CACHE_TYPE without flash attention is an input error
        # (_capacity_inputs.parse_settings); the estimate uses the f16 cache Ollama keeps.
        return out


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
        return ", ".join(f"{i['name']} {_fmt(i['value'])}" for i in budget["items"] if i["value"])

    if cpu["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/cpu",
                f"CPU over-committed: aistack_allocations request {_fmt(cpu['requested'])} cores, the host has "
                f"{cores} (over by {_fmt(cpu['over_by'])}): {listing(cpu)}",
                f"Lower the cpu values in aistack_allocations by {_fmt(cpu['over_by'])} cores in all (Ollama's "
                "share first: inference threads beyond the physical cores do not help), or add cores",
            )
        )
    if mem["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/memory",
                f"memory over-committed: aistack_allocations request {_fmt(mem['requested'])} GiB, the host has "
                f"{_fmt(memory)} GiB (over by {_fmt(mem['over_by'])}): {listing(mem)}",
                f"Lower memory_gb in aistack_allocations by {_fmt(mem['over_by'])} GiB in all, or add RAM",
            )
        )
    elif pods > memory - kubelet["reserved_memory_gb"]:
        problems.append(
            _problem(
                "warning",
                "budget/memory",
                f"the workloads' allocations ({_fmt(pods)} GiB) leave less than the kubelet reservation "
                f"({kubelet['reserved_memory_gb']} GiB: system, kube-reserved and eviction) of {_fmt(memory)} GiB",
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
                f"{_fmt(standby_budget['cpu']['requested'])} of {cores} cores and "
                f"{_fmt(standby_budget['memory']['requested'])} of {_fmt(memory)} GiB",
                "Keep the standby workloads scaled to zero until needed, or size them from what the main "
                f"allocations leave ({_fmt(max(cores - cpu['requested'], 0))} cores, "
                f"{_fmt(max(memory - mem['requested'], 0))} GiB)",
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
                f"volumes and reservations need {_fmt(disk['requested'])} GiB but no disk is known",
                "Declare the disks in the hardware facts (preflight_declared_hardware.disks)",
            )
        )
    elif disk["over_by"] > 0:
        problems.append(
            _problem(
                "error",
                "budget/disk",
                f"disk over-committed: volumes and reservations need {_fmt(disk['requested'])} GiB on "
                f"{disk['device']} ({_fmt(disk['available'])} GiB)",
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
                    f"volumes need {_fmt(volume_sum)} GiB but {disk['device']} has {_fmt(disk['free'])} GiB free",
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
                    f"volumes total {_fmt(volume_sum)} GiB, more than the {_fmt(schedulable)} GiB Longhorn schedules "
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
) -> dict[str, Any]:
    """The whole plan for one host.

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
    reserved = validate_sizes(disk_reserved_gb, "aistack_disk_reserved_gb", None, found)
    settings = parse_settings(ollama_env, found)
    catalog = build_catalog(catalog_extra, found)
    model_rows, unknown_rows = validate_models(models, catalog, found)

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
                instance, rows, unknown_rows[instance], hw, allocs, standby, vols, catalog, settings, found
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
) -> dict[str, Any]:
    allocation_name, allocation = _instance_allocation(instance, allocs, standby)
    memory_limit = float(allocation["memory_gb"]) if allocation else float(hw["memory_gb"])
    # The GPU goes to the primary instance: the NVIDIA device plugin hands a whole GPU to one pod.
    gpus = hw["gpus"] if instance == "primary" else []
    planner = _InstancePlanner(instance, rows, catalog, settings, gpus, memory_limit, allocation_name)
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
                f"aistack_volumes.{volume_name}.size_gb is {_fmt(vols[volume_name])} GiB, but the models of "
                f"{instance} take {gib(downloads)} GiB{uncounted}",
                f"Raise aistack_volumes.{volume_name}.size_gb to at least {math.ceil(downloads / GIB)} "
                f"or drop models from aistack_models.{instance}",
            )
        )
    found.items.extend(instance_problems)
    return result
