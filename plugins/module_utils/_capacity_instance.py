# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, one Ollama instance: per model, the hot set, the warm room, recommendations, problems."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    GIB,
    MIB,
    OLLAMA_ENGINE_ARCHS,
    Estimate,
    ModelSpec,
    default_num_ctx,
    estimate,
    method_for,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_flash import (
    KvCache,
    flash_attention_default,
    kv_cache,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import problem as _problem
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_settings import OllamaSettings

# Share of free memory co-resident models should stay under: 20 % stays free for the
# runner's own allocations, CUDA context growth and fragmentation (docs/capacity.md).
HEADROOM = 0.8


def gib(value: float) -> float:
    """Bytes as GiB, two decimals (for messages and the report)."""
    return round(value / GIB, 2)


def fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _sum(estimates: Sequence[Estimate], field: str) -> int:
    return int(sum(getattr(e, field) for e in estimates))


class InstancePlanner:
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
        ollama_version: tuple[int, int, int] | None = None,
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
        self.server_num_ctx = settings.context_length or default_num_ctx(self.vram_total)
        self.loaded_limit = settings.loaded_limit(len(gpus))
        self.ollama_version = ollama_version

    def num_ctx(self, row: Mapping[str, Any]) -> int:
        spec = self.catalog[row["name"]]
        if row.get("num_ctx"):
            return int(row["num_ctx"])
        if spec.default_num_ctx:
            return spec.default_num_ctx
        return min(self.server_num_ctx, spec.context_length)

    def kv_cache(self, spec: ModelSpec) -> KvCache:
        """The KV cache type Ollama uses for ``spec`` under the pinned release (see ``_capacity_flash``)."""
        version = self.ollama_version
        engine = spec.architecture in OLLAMA_ENGINE_ARCHS or (
            version is not None and flash_attention_default(spec.architecture, version)
        )
        return kv_cache(self.settings.kv_cache_type, self.settings.flash_attention, spec, version, engine)

    def estimate(self, row: Mapping[str, Any], num_parallel: int, gpu_free: Sequence[int]) -> Estimate:
        spec = self.catalog[row["name"]]
        return estimate(
            spec,
            self.num_ctx(row),
            num_parallel,
            self.kv_cache(spec).kv_type,
            gpu_free,
            gpu_overhead=self.settings.gpu_overhead,
            method=method_for(spec, self.ollama_version),
            ollama_version=self.ollama_version,
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
                "facts_from": spec.origin,
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
                "kv_cache_type": self.kv_summary(),
                "kv_cache_type_requested": settings.kv_cache_type,
                "flash_attention": settings.flash_attention,
                "default_num_ctx": self.server_num_ctx,
                "gpu_overhead": settings.gpu_overhead,
                "keep_alive": settings.keep_alive,
                "ollama_version": ".".join(map(str, self.ollama_version)) if self.ollama_version else None,
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

    def kv_summary(self) -> str:
        """The requested cache type, naming the models that get another one."""
        requested = self.settings.kv_cache_type
        other: dict[str, list[str]] = {}
        for row in self.rows:
            kv = self.kv_cache(self.catalog[row["name"]])
            if kv.kv_type != requested:
                other.setdefault(kv.kv_type, []).append(row["name"])
        return "; ".join([requested] + [f"{kind} for {', '.join(names)}" for kind, names in other.items()])

    def kv_problems(self, area: str) -> list[dict[str, str]]:
        """A quantised cache a model does not get: a warning (f16 instead), or an error when it cannot load."""
        requested = self.settings.kv_cache_type
        if requested == "f16":
            return []
        fallback: dict[str, list[str]] = {}
        failing: dict[str, list[str]] = {}
        for row in self.rows:
            kv = self.kv_cache(self.catalog[row["name"]])
            if kv.reason:
                (failing if kv.fails else fallback).setdefault(kv.reason, []).append(row["name"])
        out = [
            _problem(
                "error",
                area,
                f"OLLAMA_KV_CACHE_TYPE={requested}: {', '.join(names)}: {reason}",
                'Set aistack_ollama_env.OLLAMA_FLASH_ATTENTION: "1" (or leave it unset), or OLLAMA_KV_CACHE_TYPE: f16',
            )
            for reason, names in failing.items()
        ]
        out += [
            _problem(
                "warning",
                area,
                f"OLLAMA_KV_CACHE_TYPE={requested} does not apply to {', '.join(names)}: {reason}; Ollama logs a "
                "warning and keeps an f16 cache, which the plan sizes",
                'Set aistack_ollama_env.OLLAMA_FLASH_ATTENTION: "1" where the model supports flash attention, '
                "or expect the f16 cache's memory",
            )
            for reason, names in fallback.items()
        ]
        return out

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
        out.extend(self.kv_problems(area))
        return out
