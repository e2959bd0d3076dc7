# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, input validation: hardware, allocations, volumes and model lists checked and normalised.

Every check records its problems in a :class:`Problems` list (``_capacity_problems``),
naming the variable by its full path, leaves the bad entry out and goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_catalog import normalise_model_name
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import ModelSpec
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import (
    MAX_CONTEXT,
    MAX_CPU_CORES,
    MAX_DISK_GB,
    MAX_GPU_MEMORY_MIB,
    MAX_MEMORY_GB,
    Problems,
    describe,
    mapping,
    number,
    problem,
    sequence,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import MODEL_TIERS
from ansible_collections.aistack.baremetal.plugins.module_utils._model_tiers import ModelPlanError, parse_entry

TIERS = MODEL_TIERS


def validate_hardware(hardware: Any, problems: Problems, variable: str = "hardware") -> dict[str, Any] | None:
    """The hardware summary the budgets use; None when CPU or memory is unusable (nothing can be planned)."""
    hw = mapping(problems, hardware, variable, "cpu_cores, memory_gb, gpus and disks")
    if hw is None:
        return None
    cores = number(
        problems, hw.get("cpu_cores"), f"{variable}.cpu_cores", 0, MAX_CPU_CORES, strict_min=True, whole=True
    )
    memory = number(problems, hw.get("memory_gb"), f"{variable}.memory_gb", 0, MAX_MEMORY_GB, strict_min=True)
    gpus = []
    unknown_gpus: list[str] = []
    for index, gpu in enumerate(sequence(problems, hw.get("gpus"), f"{variable}.gpus", "GPUs")):
        where = f"{variable}.gpus[{index}]"
        if not isinstance(gpu, Mapping):
            problems.bad(where, gpu, "a mapping with name and memory_mib")
            continue
        name = str(gpu.get("name") or f"gpu{index}")
        if gpu.get("memory_mib") is None:
            # hardware_facts reports None when only lspci saw the card (no driver yet).
            unknown_gpus.append(name)
            continue
        mib = number(problems, gpu.get("memory_mib"), f"{where}.memory_mib", 0, MAX_GPU_MEMORY_MIB, strict_min=True)
        if mib is not None:
            gpus.append({"name": name, "memory_mib": mib})
    disks = []
    for index, disk in enumerate(sequence(problems, hw.get("disks"), f"{variable}.disks", "disks")):
        where = f"{variable}.disks[{index}]"
        if not isinstance(disk, Mapping):
            problems.bad(where, disk, "a mapping with device, size_gb, free_gb and mount")
            continue
        size = number(problems, disk.get("size_gb"), f"{where}.size_gb", 0, MAX_DISK_GB)
        free_raw = disk.get("free_gb")
        free = size if free_raw is None else number(problems, free_raw, f"{where}.free_gb", 0, MAX_DISK_GB)
        if size is None or free is None:
            continue
        if free > size:
            problems.error(
                "inventory",
                f"{where}.free_gb ({free:g}) is larger than size_gb ({size:g})",
                f"Correct {where}: free space cannot exceed the disk's size",
            )
            continue
        disks.append(
            {
                "device": str(disk.get("device") or f"disk{index}"),
                "size_gb": size,
                "free_gb": free,
                "mount": str(disk.get("mount") or ""),
            }
        )
    if cores is None or memory is None:
        return None
    return {"cpu_cores": int(cores), "memory_gb": memory, "gpus": gpus, "disks": disks, "unknown_gpus": unknown_gpus}


def validate_allocations(allocations: Any, variable: str, problems: Problems) -> dict[str, dict[str, float]]:
    """``name: {cpu, memory_gb}``; an entry with a bad value is left out."""
    table = mapping(problems, allocations, variable, "name -> {cpu, memory_gb}") or {}
    result = {}
    for name, item in table.items():
        where = f"{variable}.{name}"
        if not isinstance(item, Mapping):
            problems.bad(where, item, "a mapping with cpu and memory_gb")
            continue
        values = {}
        for key, maximum in (("cpu", float(MAX_CPU_CORES)), ("memory_gb", MAX_MEMORY_GB)):
            if key not in item:
                problems.missing(f"{where}.{key}", "a number (0 or more)")
                continue
            values[key] = number(problems, item[key], f"{where}.{key}", 0, maximum)
        if len(values) == 2 and None not in values.values():
            result[str(name)] = {"cpu": float(values["cpu"] or 0), "memory_gb": float(values["memory_gb"] or 0)}
    return result


def validate_sizes(values: Any, variable: str, key: str | None, problems: Problems) -> dict[str, float]:
    """``name: {key: GiB}`` (or ``name: GiB`` without key); a bad entry is left out."""
    table = mapping(problems, values, variable, f"name -> {{{key}}}" if key else "name -> GiB") or {}
    result = {}
    for name, item in table.items():
        where = f"{variable}.{name}"
        if key is not None:
            if not isinstance(item, Mapping):
                problems.bad(where, item, f"a mapping with {key}")
                continue
            if key not in item:
                problems.missing(f"{where}.{key}", "a size in GiB (0 or more)")
                continue
            item = item[key]
            where = f"{where}.{key}"
        size = number(problems, item, where, 0, MAX_DISK_GB)
        if size is not None:
            result[str(name)] = size
    return result


def validate_models(
    models: Any, catalog: Mapping[str, ModelSpec], problems: Problems
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """``aistack_models`` split into (estimable rows, rows of models the catalog lacks) per instance.

    A model the catalog lacks is never an error: it is planned as "not estimated" with a
    warning (added by the planner). An entry without a name or with an unknown tier is.
    """
    table = mapping(problems, models, "aistack_models", "instance -> list of {name, tier}") or {}
    known: dict[str, list[dict[str, Any]]] = {}
    unknown: dict[str, list[dict[str, Any]]] = {}
    for instance, entries in table.items():
        variable = f"aistack_models.{instance}"
        known[str(instance)] = []
        unknown[str(instance)] = []
        for index, entry in enumerate(sequence(problems, entries, variable, "{name, tier} entries")):
            where = f"{variable}[{index}]"
            try:
                raw_name, tier = parse_entry(entry, where)
            except ModelPlanError as exc:
                if exc.field == "entry":
                    problems.bad(where, entry, "a mapping with at least a name")
                elif exc.field == "name":
                    problems.error(
                        "inventory",
                        f"{where} has no model name" + ("" if exc.value is None else f" ({describe(exc.value)})"),
                        f'Give {where} a name, e.g. {{name: "llama3.1:8b", tier: warm}}, or remove the entry',
                    )
                else:
                    problems.bad(f"{where}.tier", exc.value, f"one of {', '.join(TIERS)}")
                continue
            name = normalise_model_name(raw_name)
            row: dict[str, Any] = {
                "name": name,
                "tier": tier,
                "num_ctx": None,
                "purpose": str(entry.get("purpose") or ""),
            }
            num_ctx = entry.get("num_ctx")
            if num_ctx is not None:
                value = number(problems, num_ctx, f"{where}.num_ctx", 0, MAX_CONTEXT, strict_min=True, whole=True)
                if value is None:
                    continue
                row["num_ctx"] = int(value)
            spec = catalog.get(name)
            if spec is None:
                unknown[str(instance)].append(row)
                continue
            if row["num_ctx"] is not None and row["num_ctx"] > spec.context_length:
                problems.error(
                    "inventory",
                    f"{where}.num_ctx is {row['num_ctx']}, above the maximum context of {name} "
                    f"({spec.context_length} tokens)",
                    f"Set {where}.num_ctx to {spec.context_length} or less",
                )
                continue
            known[str(instance)].append(row)
    return known, unknown


def validate_problems(extra: Any, problems: Problems) -> None:
    """Problems found elsewhere (preflight's host checks), appended as they are."""
    for index, item in enumerate(sequence(problems, extra, "extra_problems", "problems")):
        if not isinstance(item, Mapping) or item.get("severity") not in ("error", "warning") or not item.get("message"):
            problems.error(
                "inventory",
                f"extra_problems[{index}] is not a problem: {item!r}",
                "Pass mappings with severity (error|warning), area, message and fix",
            )
            continue
        problems.items.append(
            problem(
                str(item["severity"]),
                str(item.get("area") or "preflight"),
                str(item["message"]),
                str(item.get("fix") or ""),
            )
        )
