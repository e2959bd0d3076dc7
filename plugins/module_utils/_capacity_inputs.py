# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, input validation: the inventory's values checked and normalised.

Nothing here raises for a bad inventory value: each check records a problem that
names the variable (full path, e.g. ``aistack_volumes.ollama.size_gb``), the value
and the fix in a :class:`Problems` list, leaves the bad entry out, and goes on, so
that one run reports every problem of an inventory. Only the built-in catalog
raises :class:`CapacityInputError` (a bug in the collection, not in the inventory).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_buffers import KV_BYTES_PER_ELEMENT
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_estimate import (
    BITS_PER_WEIGHT,
    QUANT_BASE_TYPE,
    ModelSpec,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._constants import MODEL_TIERS
from ansible_collections.aistack.baremetal.plugins.module_utils._model_arch import SWA_PERIOD_BY_ARCH
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import (
    CATALOG,
    OPTIONAL_DEFAULTS,
    REQUIRED_FIELDS,
)
from ansible_collections.aistack.baremetal.plugins.module_utils._model_tiers import ModelPlanError, parse_entry

TIERS = MODEL_TIERS
MAX_CPU_CORES = 4096
MAX_MEMORY_GB = 65536.0
MAX_GPU_MEMORY_MIB = 1024 * 1024
MAX_DISK_GB = 10_000_000.0
MAX_NUM_PARALLEL = 1024
MAX_LOADED_MODELS = 1024
MAX_QUEUE = 1_000_000
MAX_CONTEXT = 10_000_000


class CapacityInputError(ValueError):
    """Bad planner input; the message names the variable and the value."""


def problem(severity: str, area: str, message: str, fix: str) -> dict[str, str]:
    return {"severity": severity, "area": area, "message": message, "fix": fix}


class Problems:
    """The problems found so far; each names the variable and says the fix."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def error(self, area: str, message: str, fix: str) -> None:
        self.items.append(problem("error", area, message, fix))

    def warning(self, area: str, message: str, fix: str) -> None:
        self.items.append(problem("warning", area, message, fix))

    def bad(self, where: str, value: Any, expected: str, fix: str | None = None) -> None:
        """An inventory value of the wrong type or out of range (area ``inventory``)."""
        self.error(
            "inventory",
            f"{where} is {describe(value)} but must be {expected}",
            fix or f"Set {where} to {expected} in the inventory (group_vars or host_vars)",
        )

    def missing(self, where: str, expected: str) -> None:
        self.error("inventory", f"{where} is missing", f"Set {where} to {expected} in the inventory")

    @property
    def has_errors(self) -> bool:
        return any(p["severity"] == "error" for p in self.items)


def describe(value: Any) -> str:
    """A value as a message shows it: its kind and, for scalars, the value."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"a {type(value).__name__}"


def number(
    problems: Problems,
    value: Any,
    where: str,
    minimum: float,
    maximum: float,
    *,
    strict_min: bool = False,
    whole: bool = False,
) -> float | None:
    """A number in range (numeric text is accepted, as YAML users write it); None after recording a problem."""
    low = f"more than {minimum:g}" if strict_min else f"at least {minimum:g}"
    expected = f"{'a whole number' if whole else 'a number'} {low} and at most {maximum:g}"
    if isinstance(value, bool) or value is None or isinstance(value, (Mapping, list, tuple)):
        problems.bad(where, value, expected)
        return None
    if not isinstance(value, (int, float)):
        try:
            converted = float(str(value).strip())
        except ValueError:
            problems.bad(where, value, expected)
            return None
    else:
        converted = float(value)
    if math.isnan(converted) or converted < minimum or converted > maximum or (strict_min and converted == minimum):
        problems.bad(where, value, expected)
        return None
    if whole and converted != int(converted):
        problems.bad(where, value, expected)
        return None
    return converted


def mapping(problems: Problems, value: Any, where: str, what: str) -> Mapping[str, Any] | None:
    """``value`` when it is a mapping (None counts as empty); None after recording a problem."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        problems.bad(where, value, f"a mapping of {what}")
        return None
    return value


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


def spec_from_row(row: Mapping[str, Any], where: str, origin: str = "catalog") -> ModelSpec:
    """Validate one catalog row and derive a ModelSpec; the error names every bad field of the row."""
    if not isinstance(row, Mapping):
        raise CapacityInputError(f"{where}: each row must be a mapping, got {type(row).__name__}")
    missing = [f for f in REQUIRED_FIELDS if row.get(f) in (None, "")]
    if missing:
        raise CapacityInputError(f"{where}: row {row.get('name', '?')!r} lacks required fields {', '.join(missing)}")
    data = {**OPTIONAL_DEFAULTS, **row}
    name = normalise_model_name(str(data["name"]))
    here = f"{where} row {name!r}"
    bad: list[str] = []

    def field(key: str, maximum: int, minimum: int = 1) -> int:
        try:
            return _int_field(data, key, here, minimum, maximum)
        except CapacityInputError as exc:
            bad.append(str(exc).removeprefix(f"{here}: "))
            return max(minimum, 1)

    quant = str(data["quantization"]).upper()
    if quant not in QUANT_BASE_TYPE:
        bad.append(f"unknown quantization {quant!r} (known: {', '.join(sorted(QUANT_BASE_TYPE))})")
        quant = "Q4_K_M"
    head_count = field("head_count", 4096)
    embedding = field("embedding_length", 1 << 20)
    default_head = max(embedding // head_count, 1)
    key_length = default_head if data["key_length"] is None else field("key_length", 4096)
    value_length = default_head if data["value_length"] is None else field("value_length", 4096)
    output_type = str(data["output_type"]).upper()
    token_type = str(data["token_embd_type"] or QUANT_BASE_TYPE[quant]).upper()
    for label, ggml_type in (("output_type", output_type), ("token_embd_type", token_type)):
        if ggml_type not in BITS_PER_WEIGHT:
            bad.append(f"unknown {label} {ggml_type!r} (known: {', '.join(BITS_PER_WEIGHT)})")
    context_length = field("context_length", MAX_CONTEXT)
    default_ctx = None if data["default_num_ctx"] is None else field("default_num_ctx", context_length)
    size_bytes = field("size_bytes", 1 << 44)
    parameters = None if data["parameters"] is None else field("parameters", 10**14)
    block_count = field("block_count", 4096)
    head_count_kv = field("head_count_kv", head_count)
    vocab_size = field("vocab_size", 10_000_000)
    architecture = str(data["architecture"]).lower()
    sliding_window = field("sliding_window", MAX_CONTEXT, 0) if data["sliding_window"] else 0
    swa_layers: tuple[bool, ...] = ()
    layers = data["sliding_window_layers"]
    if sliding_window and layers is not None:
        if not isinstance(layers, Sequence) or isinstance(layers, (str, bytes)) or len(layers) != block_count:
            bad.append(f"field 'sliding_window_layers' must be a list of {block_count} booleans (one per block)")
        else:
            swa_layers = tuple(bool(item) for item in layers)
    elif sliding_window and architecture in SWA_PERIOD_BY_ARCH:
        period = SWA_PERIOD_BY_ARCH[architecture]
        swa_layers = tuple(block % period < period - 1 for block in range(block_count))
    elif sliding_window:
        swa_layers = (True,) * block_count
    moe = {
        key: field(key, maximum, 0) if data[key] else 0
        for key, maximum in (
            ("projector_bytes", 1 << 40),
            ("projector_graph_bytes", 1 << 40),
            ("expert_count", 4096),
            ("expert_used_count", 4096),
            ("expert_shared_count", 4096),
            ("leading_dense_block_count", block_count),
            ("feed_forward_length", 1 << 24),
            ("expert_feed_forward_length", 1 << 24),
        )
    }
    if bad:
        raise CapacityInputError(f"{here}: " + "; ".join(bad))
    spec = ModelSpec(
        name=name,
        size_bytes=size_bytes,
        quantization=quant,
        parameters=parameters,
        architecture=architecture,
        block_count=block_count,
        head_count=head_count,
        head_count_kv=head_count_kv,
        key_length=key_length,
        value_length=value_length,
        embedding_length=embedding,
        vocab_size=vocab_size,
        context_length=context_length,
        tied_embeddings=bool(data["tied_embeddings"]),
        output_type=output_type,
        token_embd_type=token_type,
        default_num_ctx=default_ctx,
        digest=None if data["digest"] is None else str(data["digest"]),
        source=str(data["source"]),
        unverified=tuple(str(u) for u in data["unverified"] or ()),
        sliding_window=sliding_window,
        swa_layers=swa_layers,
        origin=origin,
        **moe,
    )
    if spec.repeating_bytes <= 0:
        raise CapacityInputError(
            f"{here}: size_bytes {spec.size_bytes} is smaller than its output and embedding tensors "
            f"({spec.output_bytes + spec.token_embd_bytes} bytes); check size_bytes, vocab_size and embedding_length"
        )
    return spec


def build_catalog(
    extra: Sequence[Mapping[str, Any]] | None = None,
    problems: Problems | None = None,
    facts: Mapping[str, ModelSpec] | None = None,
) -> dict[str, ModelSpec]:
    """The built-in catalog, then models read by model_architecture (``facts``), then
    ``aistack_model_catalog_extra`` rows (each wins over the ones before on a name clash).

    A bad extra row is recorded in ``problems`` and left out; without ``problems`` it raises.
    """
    catalog = {spec.name: spec for spec in (spec_from_row(r, "built-in catalog") for r in CATALOG)}
    catalog.update(facts or {})
    found = problems if problems is not None else Problems()
    if extra is not None and (not isinstance(extra, Sequence) or isinstance(extra, (str, bytes))):
        found.bad("aistack_model_catalog_extra", extra, "a list of catalog rows")
        extra = ()
    for index, row in enumerate(extra or ()):
        where = f"aistack_model_catalog_extra[{index}]"
        try:
            spec = spec_from_row(row, where, "catalog_extra")
        except CapacityInputError as exc:
            found.error(
                "inventory",
                str(exc),
                f"Correct {where} (required fields: {', '.join(REQUIRED_FIELDS)}; "
                "`ollama show --verbose MODEL` prints them)",
            )
            continue
        catalog[spec.name] = spec
    if problems is None and found.items:
        raise CapacityInputError(found.items[0]["message"])
    return catalog


# ---------------------------------------------------------------------------
# Ollama settings
# ---------------------------------------------------------------------------

# strconv.ParseBool, which envconfig uses for OLLAMA_FLASH_ATTENTION and the other switches.
_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")
# envconfig's OLLAMA_KEEP_ALIVE: integer seconds, or a Go duration (time.ParseDuration:
# one or more decimal numbers with a unit, an optional sign; "0" needs no unit).
_DURATION = re.compile(r"^[-+]?(?:\d+|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$")
KV_CACHE_TYPES = tuple(KV_BYTES_PER_ELEMENT)


def parse_bool(value: Any) -> bool | None:
    """envconfig.BoolWithDefault: empty means unset; strconv.ParseBool otherwise."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, bool):
        return value
    # Ollama reads an unparsable value as true; parse_settings reports it first.
    return str(value).strip() not in _GO_FALSE


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

    def loaded_limit(self, gpu_count: int) -> int:
        if self.max_loaded_models > 0:
            return self.max_loaded_models
        return 3 * max(gpu_count, 1)


# Integer settings: (default when unset, minimum, maximum).
_ENV_INTS: dict[str, tuple[int, int, int]] = {
    "OLLAMA_NUM_PARALLEL": (1, 1, MAX_NUM_PARALLEL),
    "OLLAMA_MAX_LOADED_MODELS": (0, 1, MAX_LOADED_MODELS),
    "OLLAMA_MAX_QUEUE": (512, 1, MAX_QUEUE),
    "OLLAMA_CONTEXT_LENGTH": (0, 1, MAX_CONTEXT),
    "OLLAMA_GPU_OVERHEAD": (0, 0, 1 << 44),
}


def _env_text(env: Mapping[str, Any], key: str) -> str | None:
    raw = env.get(key)
    if raw is None or isinstance(raw, (Mapping, list, tuple)):
        return None
    text = str(raw).strip()
    return text or None


def parse_settings(env: Mapping[str, Any] | None, problems: Problems | None = None) -> OllamaSettings:
    """``aistack_ollama_env`` as Ollama reads it. Every bad value is recorded and replaced by Ollama's default.

    Without ``problems`` the first bad value raises :class:`CapacityInputError`.
    """
    found = problems if problems is not None else Problems()
    env = mapping(found, env, "aistack_ollama_env", "OLLAMA_* variables") or {}
    where = "aistack_ollama_env"
    for key, value in env.items():
        if isinstance(value, (Mapping, list, tuple)):
            found.bad(f"{where}.{key}", value, "text, a number or a boolean (environment variables are strings)")
    ints: dict[str, int] = {}
    for key, (default, minimum, maximum) in _ENV_INTS.items():
        text = _env_text(env, key)
        ints[key] = default
        if text is None:
            continue
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or value > maximum:
            found.bad(f"{where}.{key}", env[key], f"a whole number from {minimum} to {maximum}")
            continue
        ints[key] = value
    kv_type = (_env_text(env, "OLLAMA_KV_CACHE_TYPE") or "f16").lower()
    if kv_type not in KV_CACHE_TYPES:
        found.bad(f"{where}.OLLAMA_KV_CACHE_TYPE", env["OLLAMA_KV_CACHE_TYPE"], f"one of {', '.join(KV_CACHE_TYPES)}")
        kv_type = "f16"
    flash_text = _env_text(env, "OLLAMA_FLASH_ATTENTION")
    if flash_text is not None and flash_text not in _GO_TRUE + _GO_FALSE:
        found.bad(f"{where}.OLLAMA_FLASH_ATTENTION", env["OLLAMA_FLASH_ATTENTION"], '"1" (on) or "0" (off)')
        flash_text = None
    flash = parse_bool(env["OLLAMA_FLASH_ATTENTION"] if flash_text is not None else None)
    # Whether a quantised cache applies depends on the release and the model: the instance
    # planner decides per model (_capacity_flash) and warns where Ollama keeps f16.
    keep_alive = _env_text(env, "OLLAMA_KEEP_ALIVE") or "5m"
    if not _DURATION.match(keep_alive):
        found.bad(
            f"{where}.OLLAMA_KEEP_ALIVE",
            env["OLLAMA_KEEP_ALIVE"],
            "a duration like 5m, 1h30m or 24h, whole seconds like 300, or -1 (never unload)",
        )
        keep_alive = "5m"
    if problems is None and found.items:
        raise CapacityInputError(found.items[0]["message"])
    return OllamaSettings(
        num_parallel=ints["OLLAMA_NUM_PARALLEL"],
        max_loaded_models=ints["OLLAMA_MAX_LOADED_MODELS"],
        kv_cache_type=kv_type,
        flash_attention=flash,
        context_length=ints["OLLAMA_CONTEXT_LENGTH"],
        gpu_overhead=ints["OLLAMA_GPU_OVERHEAD"],
        keep_alive=keep_alive,
    )


# ---------------------------------------------------------------------------
# Hardware, allocations, volumes, models
# ---------------------------------------------------------------------------


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


def sequence(problems: Problems, value: Any, where: str, what: str) -> Sequence[Any]:
    """``value`` when it is a list (None counts as empty); empty after recording a problem."""
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        problems.bad(where, value, f"a list of {what}")
        return ()
    return value


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
