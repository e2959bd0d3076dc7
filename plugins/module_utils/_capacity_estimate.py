# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, the estimator: what Ollama allocates for one model.

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
