# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, the estimator: what Ollama allocates for one model.

Two methods, chosen per model by :func:`method_for` from the Ollama version the
inventory pins and the model's architecture:

``estimator``
    Ollama's own pre-load estimate, the one that decided GPU layer counts and
    produced ``ollama ps`` SIZE / size_vram for the llama.cpp runner up to
    Ollama 0.12.10 (and for every model before 0.11.11): every GPU that gets
    layers holds a minimum reserve of 457 MiB plus one spare layer (the first
    block, ``blk.0``, with its KV cache; from 0.12.11 both only keep room free
    while placing and are not part of the model); layers go from the last to the first
    while they fit beside the larger compute graph; the output layer (with a
    vision projector's weights and graph) goes last; the full graph is charged
    only when every layer fits. KV cache and compute graph follow Ollama's
    per-architecture graph sizes: llama, qwen2 and the gemma family have their
    own formulas, other architectures the GQA-ratio fallback; gemma3 and
    gpt-oss bound the KV cache of their sliding-window layers by the window.
``allocations``
    The newer engine (the "ollama engine" runner that gemma3, gpt-oss, qwen3,
    llama4, mistral3 and the vision models need) measures real allocations
    from Ollama 0.11.11 on instead of estimating: weights as they are, the KV
    cache at ggml's real element sizes with windowed layers holding the window
    per slot plus one batch (padded to 256 cells), the compute graph of its
    worst-case batch, no spare layer; ``token_embd`` and the CPU's part of the
    graph always stay in system memory. The pre-0.11.11 formula overestimates
    these models, by up to 2.5x at long contexts.

The formulas are written from Ollama's Go sources (llm/memory.go, the
``GraphSize`` and ``VisionGraphSize`` functions of fs/ggml/ggml.go, kvcache/
causal.go, llm/server.go, ml/backend/ggml/ggml.go and runner/ollamarunner/
runner.go of the ollama/ollama project, v0.11.11 to v0.13.1); nothing is
copied. The KV cache and graph sizes live in ``_capacity_buffers``.
docs/capacity.md explains each step with its figures. All
``*_gb`` inputs are binary gigabytes (GiB, Kubernetes ``Gi``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_buffers import (
    KV_BYTES_PER_ELEMENT,
    engine_graph,
    graph_size,
    kv_cells,
    kv_layers,
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
    "MXFP4": 4.25,
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
    "MXFP4": "MXFP4",
    "MXFP4_MOE": "MXFP4",
}

# Architectures the newer engine runs (Ollama's OllamaEngineRequired list, 0.11.11 to 0.12.10).
OLLAMA_ENGINE_ARCHS: frozenset[str] = frozenset(
    (
        "gemma3",
        "gemma3n",
        "gptoss",
        "gpt-oss",
        "llama4",
        "mistral3",
        "mllama",
        "qwen25vl",
        "qwen3",
        "qwen3moe",
        "qwen3vl",
        "qwen3vlmoe",
    )
)
# First Ollama release whose newer-engine models are placed by measured allocations.
ALLOCATIONS_SINCE: tuple[int, int, int] = (0, 11, 11)
# From Ollama 0.12.11 the llama.cpp runner's estimate is laid out by the newer engine's code
# (``llamaServer.Load`` and ``buildLayout`` in llm/server.go, v0.12.11 to v0.24.0): the spare
# layer (blk.0 with its KV cache) and the device minimum are still kept free on every GPU
# while layers are placed, but are no longer part of the model's reported size.
SPARE_LAYER_RESERVE_ONLY_SINCE: tuple[int, int, int] = (0, 12, 11)
METHODS = ("estimator", "allocations")

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
    # Sliding-window attention: the window (tokens) and, per block, whether it is windowed.
    sliding_window: int = 0
    swa_layers: tuple[bool, ...] = ()
    # A vision projector in the same file: its weights and the compute graph of one image.
    projector_bytes: int = 0
    projector_graph_bytes: int = 0
    # Mixture of experts: leading dense blocks and the FFN shapes that size each kind of block.
    leading_dense_block_count: int = 0
    expert_count: int = 0
    expert_used_count: int = 0
    expert_shared_count: int = 0
    feed_forward_length: int = 0
    expert_feed_forward_length: int = 0
    # Where the row came from: catalog, catalog_extra, or the model_architecture source (ollama, registry, artifact).
    origin: str = "catalog"

    def _tensor_bytes(self, ggml_type: str, elements: int) -> int:
        return int(elements * BITS_PER_WEIGHT[ggml_type] / 8)

    @property
    def output_bytes(self) -> int:
        """The non-repeating layer Ollama offloads: ``output`` (or ``token_embd`` when tied) plus output_norm."""
        ggml_type = self.token_embd_type if self.tied_embeddings else self.output_type
        return self._tensor_bytes(ggml_type, self.vocab_size * self.embedding_length) + 4 * self.embedding_length

    @property
    def input_bytes(self) -> int:
        """``token_embd`` as the newer engine loads it: always into system memory.

        ``New`` in ml/backend/ggml/ggml.go (v0.13.1) puts the token embeddings in the
        input buffer type, which is always the CPU's, and counts them as input weights;
        tied embeddings are loaded a second time as the output layer.
        """
        return self._tensor_bytes(self.token_embd_type, self.vocab_size * self.embedding_length)

    @property
    def token_embd_bytes(self) -> int:
        """``token_embd`` when separate from ``output``; it stays on the CPU and the estimator ignores it."""
        if self.tied_embeddings:
            return 0
        return self._tensor_bytes(self.token_embd_type, self.vocab_size * self.embedding_length)

    @property
    def repeating_bytes(self) -> int:
        """All ``blk.N`` tensors: the file minus the embeddings, output and metadata."""
        rest = (
            self.size_bytes
            - self.output_bytes
            - self.token_embd_bytes
            - self.projector_bytes
            - METADATA_BYTES_PER_TOKEN * self.vocab_size
        )
        return max(rest, 0)

    @property
    def layer_bytes(self) -> int:
        """Average ``blk.N`` size (Q4_K_M mixes Q4_K and Q6_K layers; the mean is within 1 %)."""
        return self.repeating_bytes // self.block_count

    @property
    def is_moe(self) -> bool:
        return self.expert_count > 1

    def block_sizes(self) -> tuple[int, ...]:
        """Bytes of each ``blk.N``: equal, except a MoE's leading dense blocks, which are smaller.

        With leading dense blocks and the FFN shapes known, the file's block bytes are
        shared out in proportion to each kind's parameter count: attention (Q, K, V and
        output projections) plus a dense FFN (3 x E x FF) or the experts' FFNs
        (3 x E x FF_expert per routed and shared expert, and the router).
        """
        dense = min(self.leading_dense_block_count, self.block_count)
        if not (self.is_moe and dense and self.feed_forward_length and self.expert_feed_forward_length):
            return (self.layer_bytes,) * self.block_count
        e = self.embedding_length
        attention = e * (self.head_count * self.key_length + self.head_count_kv * (self.key_length + self.value_length))
        attention += self.head_count * self.value_length * e
        dense_params = attention + 3 * e * self.feed_forward_length
        experts = self.expert_count + self.expert_shared_count
        moe_params = attention + 3 * e * self.expert_feed_forward_length * experts + e * self.expert_count
        total = dense * dense_params + (self.block_count - dense) * moe_params
        dense_bytes = self.repeating_bytes * dense_params // total
        moe_bytes = self.repeating_bytes * moe_params // total
        return (dense_bytes,) * dense + (moe_bytes,) * (self.block_count - dense)

    def windowed(self, block: int) -> bool:
        """Whether block ``block`` attends through the sliding window."""
        if not self.sliding_window:
            return False
        if self.swa_layers:
            return self.swa_layers[block]
        return False

    def kv_bytes_per_token(self, cache_type: str = "f16") -> float:
        """K and V for one token over all layers."""
        per_layer = (self.key_length + self.value_length) * self.head_count_kv * KV_BYTES_PER_ELEMENT[cache_type]
        return per_layer * self.block_count


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """``0.12.10`` / ``v0.12.10-rc1`` as a tuple; None when absent or not a version."""
    if not text:
        return None
    core = str(text).strip().lstrip("v").split("-", 1)[0].split("+", 1)[0]
    parts = core.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:3]):
        return None
    numbers = [int(p) for p in parts[:3]] + [0] * (3 - len(parts[:3]))
    return numbers[0], numbers[1], numbers[2]


def method_for(spec: ModelSpec, ollama_version: tuple[int, int, int] | None) -> str:
    """``allocations`` for a newer-engine architecture on Ollama 0.11.11 or later, else ``estimator``.

    An unknown version keeps the estimator, which never plans less than Ollama needs.
    """
    if ollama_version is not None and ollama_version >= ALLOCATIONS_SINCE and spec.architecture in OLLAMA_ENGINE_ARCHS:
        return "allocations"
    return "estimator"


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
    method: str = "estimator"
    projector: int = 0
    # Newer engine: token_embd and the compute graph part that stay in system memory.
    input_weights: int = 0
    cpu_graph: int = 0

    @property
    def fits_vram(self) -> bool:
        return self.gpu_layers >= self.layers_total

    @property
    def processor(self) -> str:
        """The PROCESSOR column of ``ollama ps`` (cmd/cmd.go).

        The newer engine reports a model with every layer on the GPU as all VRAM,
        its input weights and CPU graph included (``VRAMSize`` in llm/server.go).
        """
        if self.method == "allocations" and self.fits_vram:
            return "100% GPU"
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
            "method": self.method,
            "projector": self.projector,
            "input_weights": self.input_weights,
            "cpu_graph": self.cpu_graph,
        }


def estimate(
    spec: ModelSpec,
    num_ctx: int,
    num_parallel: int = 1,
    kv_cache_type: str = "f16",
    gpu_free: Sequence[int] = (),
    gpu_overhead: int = 0,
    minimum_memory: int = GPU_MINIMUM_MEMORY,
    method: str = "estimator",
    ollama_version: tuple[int, int, int] | None = None,
) -> Estimate:
    """Place one model's layers on the GPUs in ``gpu_free`` (free bytes each), the rest in RAM.

    ``estimator``: every GPU that gets layers holds ``minimum_memory`` plus one
    spare layer (``blk.0`` with its KV cache: for a MoE with leading dense blocks
    that is a dense block, smaller than an expert block); blocks go from the
    last to the first while ``free > overhead + used + graph + block``; the
    output layer (with a vision projector's weights and graph) goes last; the
    full graph is charged only when every layer fits. On CPU only, the total is
    weights, KV, the full graph and the spare layer.

    ``allocations``: the same placement without the spare layer; the graph is
    the worst-case batch's (:func:`engine_graph`, or the projector's image graph
    when larger). ``token_embd`` is always in system memory, with the CPU's part
    of the graph: one batch of embeddings when every block is on a GPU, a
    block's activations too when some blocks run on the CPU, the whole graph on
    CPU only (the RAM side of ``verifyLayout`` and ``TotalSize`` in
    llm/server.go, v0.13.1).

    ``ollama_version`` picks the estimator's graph formula where it changed
    between releases (gpt-oss in 0.11.x); None takes the latest. From 0.12.11
    the estimator's spare layer and device minimum only keep room free while
    layers are placed (a layer fits when it is no larger than what is left):
    they are not part of the model's VRAM or total, and a CPU-only load has no
    spare layer. None keeps the older accounting, which never plans less.
    """
    allocations = method == "allocations"
    reserve_only = not allocations and ollama_version is not None and ollama_version >= SPARE_LAYER_RESERVE_ONLY_SINCE
    ctx = min(num_ctx, spec.context_length)
    ctx_total = ctx * num_parallel  # "context *= numParallel" in GraphSize
    batch = min(ctx, DEFAULT_NUM_BATCH)
    kv = kv_layers(spec, ctx, num_parallel, batch, kv_cache_type, method)
    kv_total = sum(kv)
    cpu_graph = input_weights = graph_text = embedding_rows = 0
    if allocations:
        cells = kv_cells(spec, ctx, num_parallel, batch, method)
        graph_text, embedding_rows = engine_graph(spec, cells, batch, num_parallel)
        graph_partial = graph_full = max(graph_text, spec.projector_graph_bytes)
        input_weights = spec.input_bytes
    else:
        kv_full = int(spec.kv_bytes_per_token(kv_cache_type) * ctx_total)
        graph_partial, graph_full = graph_size(spec, ctx_total, batch, kv_full, ollama_version)
    if len(gpu_free) > 1:
        graph_full = graph_partial  # multi-GPU always uses the partial graph
    graph_max = max(graph_partial, graph_full)
    blocks = spec.block_sizes()
    buffer_layer = 0 if allocations else blocks[0] + kv[0]
    last = spec.output_bytes + spec.projector_bytes + (0 if allocations else spec.projector_graph_bytes)
    weights = spec.repeating_bytes + spec.output_bytes + spec.projector_bytes + input_weights
    layers_total = spec.block_count + 1

    allocations_by_gpu = [0] * len(gpu_free)
    counts = [0] * len(gpu_free)
    with_space: list[int] = []
    for index, free in enumerate(gpu_free):
        if reserve_only:
            # buildLayout: what is left after the reserves is the room for layers.
            if free <= gpu_overhead + graph_max + minimum_memory + buffer_layer:
                continue
        elif free < gpu_overhead + graph_max + minimum_memory + 2 * max(buffer_layer, blocks[0] + kv[0]):
            continue
        with_space.append(index)
        allocations_by_gpu[index] += minimum_memory + buffer_layer
    # The newer layout places a layer that fills the room exactly (greedyFit's <=).
    slack = 1 if reserve_only else 0

    overflow = 0
    placed = 0
    for block in range(spec.block_count - 1, -1, -1):
        size = blocks[block] + kv[block]
        slots = len(with_space)
        while slots > 0:
            gpu = with_space[block % slots]
            if gpu_free[gpu] + slack > gpu_overhead + allocations_by_gpu[gpu] + graph_max + size:
                allocations_by_gpu[gpu] += size
                counts[gpu] += 1
                placed += 1
                break
            with_space.pop(block % slots)
            slots -= 1
        if not with_space:
            overflow += size
    fully = placed >= spec.block_count
    if allocations:
        # Blocks left on the CPU run there: the CPU's graph then holds a block's activations too.
        cpu_graph = embedding_rows if fully else max(embedding_rows, graph_text)
    for slots in range(len(with_space), 0, -1):
        gpu = with_space[placed % slots]
        if gpu_free[gpu] + slack > gpu_overhead + allocations_by_gpu[gpu] + graph_max + last:
            allocations_by_gpu[gpu] += last
            counts[gpu] += 1
            placed += 1
            break
    if placed < layers_total:
        fully = False
        overflow += last
    graph = graph_full if fully else graph_partial
    for gpu, count in enumerate(counts):
        if count > 0:
            allocations_by_gpu[gpu] += graph
    if allocations or reserve_only:
        # What the model holds: the reserves stay free on the GPU but are not the model's.
        for gpu, count in enumerate(counts):
            if count > 0:
                allocations_by_gpu[gpu] -= minimum_memory + buffer_layer
    if reserve_only:
        buffer_layer = 0
    if placed == 0:
        # CPU only (or no layer fits): Ollama runs the same estimate against system memory, a
        # "device" without the minimum reserve, so the spare layer and the full graph stay (an
        # "offload library=cpu" log line: required.full = weights + KV + graph.full + one layer).
        # The newer engine has no spare layer and reserves its whole graph on the CPU. From
        # 0.12.11 the llama.cpp runner has no spare layer on the CPU either; its graph is still
        # counted: llama.cpp allocates that compute buffer in system memory.
        vram = 0
        graph = graph_full
        cpu_graph = graph_full if allocations else 0
        overhead = buffer_layer
        total = buffer_layer + weights + kv_total + graph_full + (0 if allocations else spec.projector_graph_bytes)
    else:
        vram = sum(allocations_by_gpu[g] for g, c in enumerate(counts) if c > 0)
        overhead = sum((0 if allocations or reserve_only else minimum_memory) + buffer_layer for c in counts if c > 0)
        # Newer engine: token_embd and the CPU's part of the graph stay in system memory.
        total = vram + overflow + input_weights + cpu_graph
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
        gpu_allocations=tuple(a if c > 0 else 0 for a, c in zip(allocations_by_gpu, counts, strict=True))
        if placed
        else (),
        method=method,
        projector=spec.projector_bytes + (0 if allocations else spec.projector_graph_bytes),
        input_weights=input_weights,
        cpu_graph=cpu_graph,
    )
