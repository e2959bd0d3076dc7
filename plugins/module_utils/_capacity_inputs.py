# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, input validation: the inventory's values checked and normalised.

Every error names the inventory variable (full path) and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    BITS_PER_WEIGHT,
    KV_BYTES_PER_ELEMENT,
    QUANT_BASE_TYPE,
    ModelSpec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import (
    CATALOG,
    OPTIONAL_DEFAULTS,
    REQUIRED_FIELDS,
)

TIERS = ("hot", "warm", "cold", "none")
MAX_CPU_CORES = 4096
MAX_MEMORY_GB = 65536.0
MAX_GPU_MEMORY_MIB = 1024 * 1024
MAX_DISK_GB = 10_000_000.0
MAX_NUM_PARALLEL = 1024
MAX_LOADED_MODELS = 1024
MAX_CONTEXT = 10_000_000


class CapacityInputError(ValueError):
    """Bad planner input; the message names the variable and the value."""


def problem(severity: str, area: str, message: str, fix: str) -> dict[str, str]:
    return {"severity": severity, "area": area, "message": message, "fix": fix}


def normalise_model_name(name: str) -> str:
    """Shortest display form, as ``/api/tags`` shows it (types/model/name.go)."""
    value = name.strip().lower()
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    for prefix in ("registry.ollama.ai/library/", "registry.ollama.ai/", "library/"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    last = value.rsplit("/", 1)[-1]
    if ":" not in last:
        value += ":latest"
    return value


def _int_field(row: Mapping[str, Any], field: str, where: str, minimum: int = 1, maximum: int | None = None) -> int:
    value = row.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise CapacityInputError(f"{where}: field '{field}' must be an integer, got {value!r}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise CapacityInputError(f"{where}: field '{field}' must be {bound}, got {number}")
    return number


def spec_from_row(row: Mapping[str, Any], where: str) -> ModelSpec:
    """Validate one catalog row and derive a ModelSpec."""
    if not isinstance(row, Mapping):
        raise CapacityInputError(f"{where}: each row must be a mapping, got {type(row).__name__}")
    missing = [f for f in REQUIRED_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise CapacityInputError(f"{where}: row {row.get('name', '?')!r} lacks required fields {', '.join(missing)}")
    data = {**OPTIONAL_DEFAULTS, **row}
    name = normalise_model_name(str(data["name"]))
    here = f"{where} row {name!r}"
    quant = str(data["quantization"]).upper()
    if quant not in QUANT_BASE_TYPE:
        raise CapacityInputError(
            f"{here}: unknown quantization {quant!r} (known: {', '.join(sorted(QUANT_BASE_TYPE))})"
        )
    head_count = _int_field(data, "head_count", here, maximum=4096)
    embedding = _int_field(data, "embedding_length", here, maximum=1 << 20)
    default_head = max(embedding // head_count, 1)
    key_length = default_head if data["key_length"] is None else _int_field(data, "key_length", here, maximum=4096)
    value_length = (
        default_head if data["value_length"] is None else _int_field(data, "value_length", here, maximum=4096)
    )
    output_type = str(data["output_type"]).upper()
    token_type = str(data["token_embd_type"] or QUANT_BASE_TYPE[quant]).upper()
    for label, ggml_type in (("output_type", output_type), ("token_embd_type", token_type)):
        if ggml_type not in BITS_PER_WEIGHT:
            raise CapacityInputError(f"{here}: unknown {label} {ggml_type!r} (known: {', '.join(BITS_PER_WEIGHT)})")
    context_length = _int_field(data, "context_length", here, maximum=MAX_CONTEXT)
    default_ctx = data["default_num_ctx"]
    if default_ctx is not None:
        default_ctx = _int_field(data, "default_num_ctx", here, maximum=context_length)
    params = data["parameters"]
    spec = ModelSpec(
        name=name,
        size_bytes=_int_field(data, "size_bytes", here, maximum=1 << 44),
        quantization=quant,
        parameters=None if params is None else _int_field(data, "parameters", here, maximum=10**14),
        architecture=str(data["architecture"]).lower(),
        block_count=_int_field(data, "block_count", here, maximum=4096),
        head_count=head_count,
        head_count_kv=_int_field(data, "head_count_kv", here, maximum=head_count),
        key_length=key_length,
        value_length=value_length,
        embedding_length=embedding,
        vocab_size=_int_field(data, "vocab_size", here, maximum=10_000_000),
        context_length=context_length,
        tied_embeddings=bool(data["tied_embeddings"]),
        output_type=output_type,
        token_embd_type=token_type,
        default_num_ctx=default_ctx,
        digest=None if data["digest"] is None else str(data["digest"]),
        source=str(data["source"]),
        unverified=tuple(str(u) for u in data["unverified"] or ()),
    )
    if spec.repeating_bytes <= 0:
        raise CapacityInputError(
            f"{here}: size_bytes {spec.size_bytes} is smaller than its output and embedding tensors "
            f"({spec.output_bytes + spec.token_embd_bytes} bytes); check size_bytes, vocab_size and embedding_length"
        )
    return spec


def build_catalog(extra: Sequence[Mapping[str, Any]] | None = None) -> dict[str, ModelSpec]:
    """The built-in catalog with ``aistack_model_catalog_extra`` rows added (they win on a name clash)."""
    catalog = {spec.name: spec for spec in (spec_from_row(r, "built-in catalog") for r in CATALOG)}
    if extra is not None and not isinstance(extra, Sequence):
        raise CapacityInputError("aistack_model_catalog_extra must be a list of catalog rows")
    for index, row in enumerate(extra or ()):
        spec = spec_from_row(row, f"aistack_model_catalog_extra[{index}]")
        catalog[spec.name] = spec
    return catalog


# ---------------------------------------------------------------------------
# Ollama settings
# ---------------------------------------------------------------------------


def parse_bool(value: str | None) -> bool | None:
    """envconfig.BoolWithDefault: empty means unset; strconv.ParseBool otherwise; unparsable means true."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    return text not in ("0", "f", "F", "false", "FALSE", "False")


_DURATION = re.compile(r"^(-?\d+(?:\.\d+)?)(ns|us|ms|s|m|h)?$")


@dataclass(frozen=True)
class OllamaSettings:
    """The OLLAMA_* variables that change memory use, parsed like envconfig/config.go."""

    num_parallel: int
    max_loaded_models: int  # 0 = default 3 per GPU
    kv_cache_type: str  # as requested
    flash_attention: bool | None
    context_length: int  # 0 = VRAM tier default
    gpu_overhead: int
    keep_alive: str

    def effective_kv_type(self) -> str:
        """Legacy llm/memory.go: a quantised cache only takes effect with flash attention on."""
        if self.kv_cache_type in ("q8_0", "q4_0") and self.flash_attention:
            return self.kv_cache_type
        return "f16"

    def loaded_limit(self, gpu_count: int) -> int:
        if self.max_loaded_models > 0:
            return self.max_loaded_models
        return 3 * max(gpu_count, 1)


def _env_int(env: Mapping[str, Any], key: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        number = int(str(raw).strip())
    except ValueError as exc:
        raise CapacityInputError(f"aistack_ollama_env.{key} must be an integer, got {raw!r}") from exc
    if number < minimum or number > maximum:
        raise CapacityInputError(f"aistack_ollama_env.{key} must be between {minimum} and {maximum}, got {number}")
    return number


def parse_settings(env: Mapping[str, Any] | None) -> OllamaSettings:
    env = env or {}
    if not isinstance(env, Mapping):
        raise CapacityInputError("aistack_ollama_env must be a mapping of OLLAMA_* variables")
    kv_type = str(env.get("OLLAMA_KV_CACHE_TYPE") or "f16").strip().lower()
    if kv_type not in KV_BYTES_PER_ELEMENT:
        raise CapacityInputError(
            f"aistack_ollama_env.OLLAMA_KV_CACHE_TYPE must be one of f16, q8_0, q4_0, got {kv_type!r}"
        )
    keep_alive = str(env.get("OLLAMA_KEEP_ALIVE") or "5m").strip()
    if not _DURATION.match(keep_alive):
        raise CapacityInputError(
            f"aistack_ollama_env.OLLAMA_KEEP_ALIVE must be a duration like 5m or 24h, got {keep_alive!r}"
        )
    num_parallel = _env_int(env, "OLLAMA_NUM_PARALLEL", 1, 0, MAX_NUM_PARALLEL)
    return OllamaSettings(
        # 0 meant "auto" until v0.9.6; 1 has been the default since (envconfig/config.go).
        num_parallel=max(num_parallel, 1),
        max_loaded_models=_env_int(env, "OLLAMA_MAX_LOADED_MODELS", 0, 0, MAX_LOADED_MODELS),
        kv_cache_type=kv_type,
        flash_attention=parse_bool(env.get("OLLAMA_FLASH_ATTENTION")),
        context_length=_env_int(env, "OLLAMA_CONTEXT_LENGTH", 0, 0, MAX_CONTEXT),
        gpu_overhead=_env_int(env, "OLLAMA_GPU_OVERHEAD", 0, 0, 1 << 44),
        keep_alive=keep_alive,
    )


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _number(value: Any, where: str, minimum: float, maximum: float, *, strict_min: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value))
        except ValueError as exc:
            raise CapacityInputError(f"{where} must be a number, got {value!r}") from exc
    number = float(value)
    if math.isnan(number) or number < minimum or number > maximum or (strict_min and number == minimum):
        low = f"more than {minimum:g}" if strict_min else f"at least {minimum:g}"
        raise CapacityInputError(f"{where} must be {low} and at most {maximum:g}, got {number:g}")
    return number


def validate_hardware(hardware: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(hardware, Mapping):
        raise CapacityInputError("hardware must be a mapping with cpu_cores, memory_gb, gpus and disks")
    cores = _number(hardware.get("cpu_cores"), "hardware.cpu_cores", 0, MAX_CPU_CORES, strict_min=True)
    if cores != int(cores):
        raise CapacityInputError(f"hardware.cpu_cores must be a whole number, got {cores:g}")
    memory = _number(hardware.get("memory_gb"), "hardware.memory_gb", 0, MAX_MEMORY_GB, strict_min=True)
    gpus = []
    unknown_gpus: list[str] = []
    for index, gpu in enumerate(hardware.get("gpus") or []):
        if not isinstance(gpu, Mapping):
            raise CapacityInputError(f"hardware.gpus[{index}] must be a mapping with name and memory_mib")
        name = str(gpu.get("name") or f"gpu{index}")
        if gpu.get("memory_mib") is None:
            # hardware_facts reports None when only lspci saw the card (no driver yet).
            unknown_gpus.append(name)
            continue
        mib = _number(
            gpu.get("memory_mib"), f"hardware.gpus[{index}].memory_mib", 0, MAX_GPU_MEMORY_MIB, strict_min=True
        )
        gpus.append({"name": name, "memory_mib": mib})
    disks = []
    for index, disk in enumerate(hardware.get("disks") or []):
        if not isinstance(disk, Mapping):
            raise CapacityInputError(f"hardware.disks[{index}] must be a mapping with device, size_gb, free_gb, mount")
        size = _number(disk.get("size_gb"), f"hardware.disks[{index}].size_gb", 0, MAX_DISK_GB)
        free_raw = disk.get("free_gb")
        free = size if free_raw is None else _number(free_raw, f"hardware.disks[{index}].free_gb", 0, MAX_DISK_GB)
        if free > size:
            raise CapacityInputError(f"hardware.disks[{index}].free_gb ({free:g}) is larger than size_gb ({size:g})")
        disks.append(
            {
                "device": str(disk.get("device") or f"disk{index}"),
                "size_gb": size,
                "free_gb": free,
                "mount": str(disk.get("mount") or ""),
            }
        )
    return {"cpu_cores": int(cores), "memory_gb": memory, "gpus": gpus, "disks": disks, "unknown_gpus": unknown_gpus}


def validate_allocations(allocations: Mapping[str, Any] | None, variable: str) -> dict[str, dict[str, float]]:
    if allocations is None:
        return {}
    if not isinstance(allocations, Mapping):
        raise CapacityInputError(f"{variable} must be a mapping of name -> {{cpu, memory_gb}}")
    result = {}
    for name, item in allocations.items():
        if not isinstance(item, Mapping):
            raise CapacityInputError(f"{variable}.{name} must be a mapping with cpu and memory_gb")
        result[str(name)] = {
            "cpu": _number(item.get("cpu", 0), f"{variable}.{name}.cpu", 0, MAX_CPU_CORES),
            "memory_gb": _number(item.get("memory_gb", 0), f"{variable}.{name}.memory_gb", 0, MAX_MEMORY_GB),
        }
    return result


def validate_models(
    models: Mapping[str, Any] | None, catalog: Mapping[str, ModelSpec]
) -> dict[str, list[dict[str, Any]]]:
    if models is None:
        return {}
    if not isinstance(models, Mapping):
        raise CapacityInputError("aistack_models must be a mapping of instance -> list of models")
    result: dict[str, list[dict[str, Any]]] = {}
    for instance, entries in models.items():
        if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
            raise CapacityInputError(f"aistack_models.{instance} must be a list of {{name, tier}} entries")
        rows = []
        for index, entry in enumerate(entries):
            where = f"aistack_models.{instance}[{index}]"
            if not isinstance(entry, Mapping) or not entry.get("name"):
                raise CapacityInputError(f"{where} must be a mapping with at least a name")
            name = normalise_model_name(str(entry["name"]))
            if name not in catalog:
                raise CapacityInputError(
                    f"{where}: model {entry['name']!r} is not in the capacity catalog; add a row for it to "
                    "aistack_model_catalog_extra (fields: " + ", ".join(REQUIRED_FIELDS) + ")"
                )
            tier = str(entry.get("tier") or "none")
            if tier not in TIERS:
                raise CapacityInputError(f"{where}: tier must be one of {', '.join(TIERS)}, got {tier!r}")
            spec = catalog[name]
            num_ctx = entry.get("num_ctx")
            if num_ctx is not None:
                num_ctx = int(_number(num_ctx, f"{where}.num_ctx", 0, MAX_CONTEXT, strict_min=True))
                if num_ctx > spec.context_length:
                    raise CapacityInputError(
                        f"{where}: num_ctx {num_ctx} is above the maximum context of {name} "
                        f"({spec.context_length} tokens)"
                    )
            rows.append({"name": name, "tier": tier, "num_ctx": num_ctx, "purpose": str(entry.get("purpose") or "")})
        result[str(instance)] = rows
    return result


def _validate_sizes(values: Mapping[str, Any] | None, variable: str, key: str | None) -> dict[str, float]:
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise CapacityInputError(f"{variable} must be a mapping")
    result = {}
    for name, item in values.items():
        if key is not None:
            if not isinstance(item, Mapping):
                raise CapacityInputError(f"{variable}.{name} must be a mapping with {key}")
            item = item.get(key)
        where = f"{variable}.{name}" + (f".{key}" if key else "")
        result[str(name)] = _number(item, where, 0, MAX_DISK_GB)
    return result


def _validate_problems(extra: Sequence[Any] | None) -> list[dict[str, str]]:
    result = []
    for index, item in enumerate(extra or []):
        if not isinstance(item, Mapping) or item.get("severity") not in ("error", "warning") or not item.get("message"):
            raise CapacityInputError(
                f"extra_problems[{index}] must be a mapping with severity (error|warning), area, message, fix"
            )
        result.append(
            problem(
                str(item["severity"]),
                str(item.get("area") or "preflight"),
                str(item["message"]),
                str(item.get("fix") or ""),
            )
        )
    return result
