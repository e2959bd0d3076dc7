# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner: Ollama memory estimates and host budgets.

The memory model follows Ollama's own pre-load estimator, the one that decided
GPU layer counts and produced ``ollama ps`` SIZE / size_vram up to v0.12.10:

- ``llm/memory.go`` ``EstimateGPULayers`` (layer placement, GPU minimum memory,
  the one-layer buffer, full vs partial graph) -- ollama/ollama v0.12.10;
- ``fs/ggml/ggml.go`` ``GraphSize`` (KV cache per layer and compute graph per
  architecture) -- ollama/ollama v0.12.10, lines 648-960;
- ``ml/device.go`` (MinimumMemory 457 MiB for CUDA/ROCm) -- same version;
- ``server/routes.go`` (default num_ctx by VRAM tier) -- v0.15.5 and later;
- ``envconfig/config.go`` (OLLAMA_* parsing and defaults) -- v0.33.0-rc2.

The code here is written from those descriptions; nothing is copied. Later
Ollama versions measure real allocations instead, and their figures stay within
a few percent of this estimate for dense GGUF models (see docs/capacity.md).
All ``*_gb`` inputs are binary gigabytes (GiB, Kubernetes ``Gi``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import (
    CATALOG,
    OPTIONAL_DEFAULTS,
    REQUIRED_FIELDS,
)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# ggml block sizes as bits per weight (ggml/src/ggml.c type traits).
BITS_PER_WEIGHT: dict[str, float] = {
    "F32": 32.0,
    "F16": 16.0,
    "BF16": 16.0,
    "Q8_0": 8.5,
    "Q6_K": 6.5625,
    "Q5_K": 5.5,
    "Q5_0": 5.5,
    "Q5_1": 6.0,
    "Q4_K": 4.5,
    "Q4_0": 4.5,
    "Q4_1": 5.0,
    "Q3_K": 3.4375,
    "Q2_K": 2.625,
}

# Base tensor type of each file quantisation (llama.cpp llama_model_quantize recipes).
QUANT_BASE_TYPE: dict[str, str] = {
    "F32": "F32",
    "F16": "F16",
    "BF16": "BF16",
    "Q8_0": "Q8_0",
    "Q6_K": "Q6_K",
    "Q5_K_M": "Q5_K",
    "Q5_K_S": "Q5_K",
    "Q5_0": "Q5_0",
    "Q5_1": "Q5_1",
    "Q4_K_M": "Q4_K",
    "Q4_K_S": "Q4_K",
    "Q4_0": "Q4_0",
    "Q4_1": "Q4_1",
    "Q3_K_M": "Q3_K",
    "Q3_K_L": "Q3_K",
    "Q3_K_S": "Q3_K",
    "Q2_K": "Q2_K",
}

# kvCacheBytesPerElement in fs/ggml/ggml.go (v0.12.10): the estimator's figures,
# not ggml's real block sizes (q8_0 is 34/32, q4_0 18/32 bytes per element).
KV_BYTES_PER_ELEMENT: dict[str, float] = {"f16": 2.0, "q8_0": 1.0, "q4_0": 0.5}

# ml/device.go (v0.12.10): memory a CUDA/ROCm device keeps for itself.
GPU_MINIMUM_MEMORY = 457 * MIB
# GraphSize batch: min(num_ctx, num_batch) with num_batch's default 512 (api/types.go).
DEFAULT_NUM_BATCH = 512
# The tokenizer and other GGUF metadata take about 61 bytes per vocabulary entry
# (llama3.1:8b: file size minus all tensors = 7.9 MB for 128256 tokens).
METADATA_BYTES_PER_TOKEN = 61

TIERS = ("hot", "warm", "cold", "none")
MAX_CPU_CORES = 4096
MAX_MEMORY_GB = 65536.0
MAX_GPU_MEMORY_MIB = 1024 * 1024
MAX_DISK_GB = 10_000_000.0
MAX_NUM_PARALLEL = 1024
MAX_LOADED_MODELS = 1024
MAX_CONTEXT = 10_000_000
# Share of free memory co-resident models should stay under (research notes section 4).
HEADROOM = 0.8


class CapacityInputError(ValueError):
    """Bad planner input; the message names the variable and the value."""


# ---------------------------------------------------------------------------
# Model catalog
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSpec:
    """One catalog row with the derived tensor sizes Ollama's estimator uses."""

    name: str
    size_bytes: int
    quantization: str
    parameters: int | None
    architecture: str
    block_count: int
    head_count: int
    head_count_kv: int
    key_length: int
    value_length: int
    embedding_length: int
    vocab_size: int
    context_length: int
    tied_embeddings: bool
    output_type: str
    token_embd_type: str
    default_num_ctx: int | None
    digest: str | None
    source: str
    unverified: tuple[str, ...]

    def _tensor_bytes(self, ggml_type: str, elements: int) -> int:
        return int(elements * BITS_PER_WEIGHT[ggml_type] / 8)

    @property
    def output_bytes(self) -> int:
        """The non-repeating layer Ollama offloads: ``output`` (or ``token_embd`` when tied) plus output_norm."""
        ggml_type = self.token_embd_type if self.tied_embeddings else self.output_type
        return self._tensor_bytes(ggml_type, self.vocab_size * self.embedding_length) + 4 * self.embedding_length

    @property
    def token_embd_bytes(self) -> int:
        """``token_embd`` when separate from ``output``; it stays on the CPU and the estimator ignores it."""
        if self.tied_embeddings:
            return 0
        return self._tensor_bytes(self.token_embd_type, self.vocab_size * self.embedding_length)

    @property
    def repeating_bytes(self) -> int:
        """All ``blk.N`` tensors: the file minus the embeddings, output and metadata."""
        rest = self.size_bytes - self.output_bytes - self.token_embd_bytes - METADATA_BYTES_PER_TOKEN * self.vocab_size
        return max(rest, 0)

    @property
    def layer_bytes(self) -> int:
        """Average ``blk.N`` size (Q4_K_M mixes Q4_K and Q6_K layers; the mean is within 1 %)."""
        return self.repeating_bytes // self.block_count

    def kv_bytes_per_token(self, cache_type: str = "f16") -> float:
        """K and V for one token over all layers."""
        per_layer = (self.key_length + self.value_length) * self.head_count_kv * KV_BYTES_PER_ELEMENT[cache_type]
        return per_layer * self.block_count


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


def default_num_ctx(total_vram_bytes: int) -> int:
    """server/routes.go (v0.15.5+): the default context by total VRAM."""
    if total_vram_bytes < 23 * GIB:
        return 4096
    if total_vram_bytes < 47 * GIB:
        return 32768
    return 262144


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------


def graph_size(spec: ModelSpec, ctx_total: int, batch: int, kv_total: int) -> tuple[int, int]:
    """Compute-graph bytes (partial offload, full offload); fs/ggml/ggml.go GraphSize, v0.12.10.

    These are the non-flash-attention figures Ollama's estimator used whatever
    OLLAMA_FLASH_ATTENTION said.
    """
    e = spec.embedding_length
    h = spec.head_count
    v = spec.vocab_size
    if spec.architecture in ("llama", "llama4"):
        full = max(4 * batch * (1 + 4 * e + ctx_total * (1 + h)), 4 * batch * (e + v))
        partial = 4 * batch * e + max(
            4 * batch * (1 + e + max(ctx_total, e))
            + e * e * 9 // 16
            + 4 * ctx_total * (batch * h + spec.key_length * spec.head_count_kv),
            4 * batch * (e + v) + e * v * 105 // 128,
        )
        return partial, full
    if spec.architecture == "qwen2":
        full = max(4 * batch * (e + v), 4 * batch * (1 + 2 * e + ctx_total + ctx_total * h))
        partial = max(
            4 * batch * (e + v) + e * v * 105 // 128,
            4 * (batch * (1 + 2 * e + ctx_total * (1 + h)) + e * (1 + ctx_total)),
        )
        return partial, full
    # llm/memory.go fallback for architectures GraphSize does not know: GQA ratio x KV / 6.
    partial = (h // max(spec.head_count_kv, 1)) * kv_total // 6
    return partial, partial


@dataclass(frozen=True)
class Estimate:
    """What Ollama would allocate for one model; field names follow the plan's keys."""

    name: str
    num_ctx: int
    num_parallel: int
    ctx_total: int
    kv_cache_type: str
    weights: int
    kv: int
    graph: int
    graph_full: int
    graph_partial: int
    overhead: int
    total: int
    vram_used: int
    ram_used: int
    gpu_layers: int
    layers_total: int
    gpu_allocations: tuple[int, ...] = ()

    @property
    def fits_vram(self) -> bool:
        return self.gpu_layers >= self.layers_total

    @property
    def processor(self) -> str:
        """The PROCESSOR column of ``ollama ps`` (cmd/cmd.go)."""
        if self.vram_used <= 0:
            return "100% CPU"
        if self.vram_used >= self.total:
            return "100% GPU"
        gpu = round(100 * self.vram_used / self.total)
        return f"{100 - gpu}%/{gpu}% CPU/GPU"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "num_ctx": self.num_ctx,
            "num_parallel": self.num_parallel,
            "ctx_total": self.ctx_total,
            "kv_cache_type": self.kv_cache_type,
            "weights": self.weights,
            "kv": self.kv,
            "graph": self.graph,
            "graph_full": self.graph_full,
            "graph_partial": self.graph_partial,
            "overhead": self.overhead,
            "total": self.total,
            "vram_used": self.vram_used,
            "ram_used": self.ram_used,
            "gpu_layers": self.gpu_layers,
            "layers_total": self.layers_total,
            "fits_vram": self.fits_vram,
            "processor": self.processor,
        }


def estimate(
    spec: ModelSpec,
    num_ctx: int,
    num_parallel: int = 1,
    kv_cache_type: str = "f16",
    gpu_free: Sequence[int] = (),
    gpu_overhead: int = 0,
    minimum_memory: int = GPU_MINIMUM_MEMORY,
) -> Estimate:
    """Place one model's layers on the GPUs in ``gpu_free`` (free bytes each), the rest in RAM.

    Mirrors llm/memory.go EstimateGPULayers (v0.12.10): every GPU that gets
    layers holds MinimumMemory plus one spare layer; layers go from the last to
    the first while ``free > overhead + used + graph + layer``; the output layer
    goes last; the full graph is charged only when every layer fits. On CPU
    only, the total is weights, KV, the full graph and the spare layer.
    """
    ctx = min(num_ctx, spec.context_length)
    ctx_total = ctx * num_parallel  # "context *= numParallel" in GraphSize
    batch = min(ctx, DEFAULT_NUM_BATCH)
    kv_layer = int(
        ctx_total * (spec.key_length + spec.value_length) * spec.head_count_kv * KV_BYTES_PER_ELEMENT[kv_cache_type]
    )
    kv_total = kv_layer * spec.block_count
    graph_partial, graph_full = graph_size(spec, ctx_total, batch, kv_total)
    if len(gpu_free) > 1:
        graph_full = graph_partial  # multi-GPU always uses the partial graph
    graph_max = max(graph_partial, graph_full)
    layer = spec.layer_bytes
    buffer_layer = layer + kv_layer
    output = spec.output_bytes
    weights = spec.repeating_bytes + output
    layers_total = spec.block_count + 1

    allocations = [0] * len(gpu_free)
    counts = [0] * len(gpu_free)
    with_space: list[int] = []
    for index, free in enumerate(gpu_free):
        if free < gpu_overhead + graph_max + minimum_memory + 2 * buffer_layer:
            continue
        with_space.append(index)
        allocations[index] += minimum_memory + buffer_layer

    overflow = 0
    placed = 0
    for block in range(spec.block_count - 1, -1, -1):
        size = layer + kv_layer
        slots = len(with_space)
        while slots > 0:
            gpu = with_space[block % slots]
            if gpu_free[gpu] > gpu_overhead + allocations[gpu] + graph_max + size:
                allocations[gpu] += size
                counts[gpu] += 1
                placed += 1
                break
            with_space.pop(block % slots)
            slots -= 1
        if not with_space:
            overflow += size
    fully = placed >= spec.block_count
    for slots in range(len(with_space), 0, -1):
        gpu = with_space[placed % slots]
        if gpu_free[gpu] > gpu_overhead + allocations[gpu] + graph_max + output:
            allocations[gpu] += output
            counts[gpu] += 1
            placed += 1
            break
    if placed < layers_total:
        fully = False
        overflow += output
    graph = graph_full if fully else graph_partial
    for gpu, count in enumerate(counts):
        if count > 0:
            allocations[gpu] += graph
    if placed == 0:
        # CPU only (or no layer fits): Ollama runs the same estimate against system memory, a
        # "device" without MinimumMemory, so the spare layer and the full graph stay (an
        # "offload library=cpu" log line: required.full = weights + KV + graph.full + one layer).
        vram = 0
        graph = graph_full
        overhead = buffer_layer
        total = buffer_layer + spec.repeating_bytes + kv_total + output + graph_full
    else:
        vram = sum(allocations[g] for g, c in enumerate(counts) if c > 0)
        overhead = sum(minimum_memory + buffer_layer for c in counts if c > 0)
        total = vram + overflow
    return Estimate(
        name=spec.name,
        num_ctx=ctx,
        num_parallel=num_parallel,
        ctx_total=ctx_total,
        kv_cache_type=kv_cache_type,
        weights=weights,
        kv=kv_total,
        graph=graph,
        graph_full=graph_full,
        graph_partial=graph_partial,
        overhead=overhead,
        total=total,
        vram_used=vram,
        ram_used=total - vram,
        gpu_layers=placed,
        layers_total=layers_total,
        gpu_allocations=tuple(a if c > 0 else 0 for a, c in zip(allocations, counts, strict=True)) if placed else (),
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


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


def gib(value: float) -> float:
    """Bytes as GiB, two decimals (for messages and the report)."""
    return round(value / GIB, 2)


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _problem(severity: str, area: str, message: str, fix: str) -> dict[str, str]:
    return {"severity": severity, "area": area, "message": message, "fix": fix}


def _budget(requested: Mapping[str, float], available: float, unit: str) -> dict[str, Any]:
    total = round(sum(requested.values()), 2)
    return {
        "unit": unit,
        "requested": total,
        "available": round(available, 2),
        "over_by": round(max(total - available, 0.0), 2),
        "items": [{"name": name, "value": round(value, 2)} for name, value in requested.items()],
    }


def kubelet_reservations(cpu_cores: int, memory_gb: float) -> dict[str, Any]:
    """A kube-reserved / system-reserved suggestion.

    kube-reserved follows the tiered rule the managed Kubernetes services
    publish (GKE "node allocatable" and AKS docs): CPU 6 % of the first core,
    1 % of the next, 0.5 % of the next two, 0.25 % above four; memory 25 % of
    the first 4 GiB, 20 % of the next 4, 10 % of the next 8, 6 % of the next
    112, 2 % above 128 GiB. system-reserved is a flat 1 core / 2 GiB for the OS
    (the design's "OS ~2 GB"), eviction-hard keeps 500 MiB free.
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

    cpu = tiered(float(cpu_cores), ((1, 0.06), (1, 0.01), (2, 0.005), (math.inf, 0.0025)))
    memory = tiered(memory_gb, ((4, 0.25), (4, 0.20), (8, 0.10), (112, 0.06), (math.inf, 0.02)))
    kube = {"cpu": round(cpu, 2), "memory_gb": round(memory, 1)}
    system = {"cpu": 1.0, "memory_gb": 2.0}
    eviction = 0.5
    return {
        "kube_reserved": kube,
        "system_reserved": system,
        "eviction_hard_memory_gb": eviction,
        "reserved_cpu": round(kube["cpu"] + system["cpu"], 2),
        "reserved_memory_gb": round(kube["memory_gb"] + system["memory_gb"] + eviction, 1),
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
        if self.settings.kv_cache_type != self.kv_type:
            out.append(
                _problem(
                    "warning",
                    area,
                    f"OLLAMA_KV_CACHE_TYPE={self.settings.kv_cache_type} is ignored without flash attention; the "
                    "cache stays f16",
                    "Set OLLAMA_FLASH_ATTENTION=1 together with a quantised KV cache type",
                )
            )
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
    kubelet = kubelet_reservations(cores, memory)

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
    elif mem["requested"] > memory - kubelet["reserved_memory_gb"]:
        problems.append(
            _problem(
                "warning",
                "budget/memory",
                f"allocations ({_fmt(mem['requested'])} GiB) leave less than the suggested kubelet reservation "
                f"({kubelet['reserved_memory_gb']} GiB) of {_fmt(memory)} GiB",
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
            _problem(
                str(item["severity"]),
                str(item.get("area") or "preflight"),
                str(item["message"]),
                str(item.get("fix") or ""),
            )
        )
    return result


def build_plan(
    host: str,
    hardware: Mapping[str, Any],
    allocations: Mapping[str, Any] | None = None,
    standby_allocations: Mapping[str, Any] | None = None,
    volumes: Mapping[str, Any] | None = None,
    disk_reserved_gb: Mapping[str, Any] | None = None,
    ollama_env: Mapping[str, Any] | None = None,
    models: Mapping[str, Any] | None = None,
    catalog_extra: Sequence[Mapping[str, Any]] | None = None,
    extra_problems: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """The whole plan for one host. Raises CapacityInputError on bad input."""
    hw = validate_hardware(hardware)
    allocs = validate_allocations(allocations, "aistack_allocations")
    standby = validate_allocations(standby_allocations, "aistack_standby_allocations")
    vols = _validate_sizes(volumes, "aistack_volumes", "size_gb")
    reserved = _validate_sizes(disk_reserved_gb, "aistack_disk_reserved_gb", None)
    settings = parse_settings(ollama_env)
    catalog = build_catalog(catalog_extra)
    model_rows = validate_models(models, catalog)
    problems = _validate_problems(extra_problems)

    budget, budget_problems = host_budget(hw, allocs, standby, vols, reserved)
    problems.extend(budget_problems)
    if hw["unknown_gpus"]:
        problems.append(
            _problem(
                "warning",
                "hardware/gpu",
                f"GPU memory unknown for {', '.join(hw['unknown_gpus'])} (no driver answered); "
                "the models are planned without those GPUs",
                "Install the NVIDIA driver and re-run, or declare memory_mib for the GPU",
            )
        )
    instances: dict[str, Any] = {}
    for instance, rows in model_rows.items():
        allocation_name, allocation = _instance_allocation(instance, allocs, standby)
        memory_limit = float(allocation["memory_gb"]) if allocation else float(hw["memory_gb"])
        # The GPU goes to the primary instance: the NVIDIA device plugin hands a whole GPU to one pod.
        gpus = hw["gpus"] if instance == "primary" else []
        planner = _InstancePlanner(instance, rows, catalog, settings, gpus, memory_limit, allocation_name)
        result, instance_problems = planner.plan()
        volume_name = "ollama" if instance == "primary" else f"ollama_{instance}"
        downloads = sum(catalog[n].size_bytes for n in {r["name"] for r in rows})
        result["download_bytes"] = downloads
        result["volume"] = volume_name if volume_name in vols else None
        if volume_name in vols and downloads > vols[volume_name] * GIB:
            instance_problems.append(
                _problem(
                    "error",
                    f"models/{instance}",
                    f"the models of {instance} take {gib(downloads)} GiB, volume {volume_name} has "
                    f"{_fmt(vols[volume_name])} GiB",
                    f"Raise aistack_volumes.{volume_name}.size_gb or drop models",
                )
            )
        instances[instance] = result
        problems.extend(instance_problems)
    problems.sort(key=lambda p: 0 if p["severity"] == "error" else 1)
    return {
        "host": host,
        "hardware": hw,
        "budget": budget,
        "models": instances,
        "problems": problems,
        "summary": {
            "errors": sum(1 for p in problems if p["severity"] == "error"),
            "warnings": sum(1 for p in problems if p["severity"] == "warning"),
        },
    }
