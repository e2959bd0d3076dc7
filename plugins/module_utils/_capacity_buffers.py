# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, the runtime buffers: KV cache per block and compute graph.

What Ollama allocates beside a model's weights, for both methods of
``_capacity_estimate``: the estimator's ``GraphSize`` figures (fs/ggml/ggml.go,
v0.12.10) and its KV cache, and what the newer engine ("ollama engine" runner)
really reserves: its KV cache (kvcache/causal.go) and the compute graph of its
worst-case batch (``reserveWorstCaseGraph`` in runner/ollamarunner/runner.go,
``Context.Reserve`` in ml/backend/ggml/ggml.go, v0.13.1). The formulas are
written from those Go sources of the ollama/ollama project; nothing is copied.
"""

from __future__ import annotations

import typing as t


class ModelSpec(t.Protocol):
    """The shape of a model these sizes need (``_capacity_estimate.ModelSpec`` has it)."""

    @property
    def architecture(self) -> str: ...
    @property
    def block_count(self) -> int: ...
    @property
    def head_count(self) -> int: ...
    @property
    def head_count_kv(self) -> int: ...
    @property
    def key_length(self) -> int: ...
    @property
    def value_length(self) -> int: ...
    @property
    def embedding_length(self) -> int: ...
    @property
    def vocab_size(self) -> int: ...
    @property
    def sliding_window(self) -> int: ...
    @property
    def expert_used_count(self) -> int: ...
    @property
    def feed_forward_length(self) -> int: ...
    @property
    def expert_feed_forward_length(self) -> int: ...
    @property
    def is_moe(self) -> bool: ...
    def windowed(self, block: int) -> bool: ...


# kvCacheBytesPerElement in fs/ggml/ggml.go (v0.12.10): the estimator's figures,
# not ggml's real block sizes (q8_0 is 34/32, q4_0 18/32 bytes per element).
KV_BYTES_PER_ELEMENT: dict[str, float] = {"f16": 2.0, "q8_0": 1.0, "q4_0": 0.5}
# What ggml really stores per element (q8_0: 34 bytes per block of 32; q4_0: 18).
KV_BYTES_REAL: dict[str, float] = {"f16": 2.0, "q8_0": 34 / 32, "q4_0": 18 / 32}
# The newer engine pads its KV cache to this many cells (flash attention on).
KV_CACHE_PADDING = 256
# Ollama reserves a fixed 4096 tokens per slot for gpt-oss's windowed layers
# (its window is 128) in both the estimate and the newer engine's cache.
GPT_OSS_WINDOW_MEMORY = 4096
# Architectures the newer engine runs with flash attention unless OLLAMA_FLASH_ATTENTION
# turns it off (the FlashAttention method of fs/ggml/ggml.go, v0.13.1).
FLASH_ATTENTION_ARCHS: frozenset[str] = frozenset(
    ("gemma3", "gptoss", "gpt-oss", "qwen3", "qwen3moe", "qwen3vl", "qwen3vlmoe")
)
# The expert matmul output and the copy its bias (or the gate) adds: two tensors of
# 2 x FF_expert per routed expert live at once, as gpt-oss's fused gate-up leaves them.
MOE_LIVE_WIDTH = 4
# A dense FFN holds gate, up and their product over the batch.
DENSE_LIVE_WIDTH = 3
# The residual stream, its normalised copy and the next block's input.
HIDDEN_COPIES = 3


def graph_size(
    spec: ModelSpec,
    ctx_total: int,
    batch: int,
    kv_total: int,
    ollama_version: tuple[int, int, int] | None = None,
) -> tuple[int, int]:
    """Compute-graph bytes (partial offload, full offload) as Ollama's estimator sizes them.

    These are the non-flash-attention figures. ``kv_total`` is the KV cache of
    every block at the full context, the total ``GraphSize`` sums before its
    per-architecture cases (a windowed block's smaller cache does not enter it).
    """
    e = spec.embedding_length
    h = spec.head_count
    v = spec.vocab_size
    k = spec.key_length
    if spec.architecture in ("llama", "llama4"):
        full = max(4 * batch * (1 + 4 * e + ctx_total * (1 + h)), 4 * batch * (e + v))
        partial = 4 * batch * e + max(
            4 * batch * (1 + e + max(ctx_total, e))
            + e * e * 9 // 16
            + 4 * ctx_total * (batch * h + k * spec.head_count_kv),
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
    if spec.architecture in ("gemma", "gemma2", "gemma3", "gemma3n"):
        # The gemma family: the logits of one batch, or the attention scores over the context.
        full = max(4 * batch * (e + v), 4 * batch * (2 + ctx_total + ctx_total * h + 2 * e + 2 * k * h))
        partial = max(
            4 * e * batch + e * v * 105 // 128 + 4 * v * batch,
            4 * batch * (2 * e + 1 + 2 * k * h + ctx_total + ctx_total * h)
            + 4 * k * ctx_total * 8
            + e * k * h * 9 // 16,
        )
        if spec.architecture == "gemma3n":
            return 4 * partial, 4 * full
        return partial, full
    if spec.architecture == "deepseek2":
        # Multi-head latent attention: three embedding-wide buffers and scores over the KV heads.
        hkv = spec.head_count_kv
        full = max(4 * batch * (3 * e + v), 4 * batch * (3 * e + 2 + ctx_total * (1 + hkv) + 2 * k * hkv))
        partial = max(
            4 * batch * (3 * e + v) + e * v * 105 // 128,
            4 * batch * (2 * e + 1 + 2 * k * hkv + ctx_total + ctx_total * hkv)
            + 4 * k * ctx_total * hkv
            + e * k * hkv * 9 // 16,
        )
        return partial, full
    ratio = h // max(spec.head_count_kv, 1)
    if spec.architecture in ("gpt-oss", "gptoss"):
        return _gpt_oss_graph(ratio * kv_total, ollama_version)
    # Fallback for architectures without a formula: GQA ratio x KV / 6.
    partial = ratio * kv_total // 6
    return partial, partial


def _gpt_oss_graph(ratio_kv: int, ollama_version: tuple[int, int, int] | None) -> tuple[int, int]:
    """gpt-oss's case of ``GraphSize`` (fs/ggml/ggml.go), which changed twice in 0.11.x.

    Up to 0.11.2 the full graph was 4 x ratio x KV / 6 and the partial twice that;
    0.11.3 and 0.11.4 charged 4 x ratio x KV / 6 for both; from 0.11.5 on 2 x ratio
    x KV / 6 for both. An unknown version takes the latest figure.
    """
    if ollama_version is not None and ollama_version < (0, 11, 3):
        full = 4 * ratio_kv // 6
        return 2 * full, full
    if ollama_version is not None and ollama_version < (0, 11, 5):
        full = 4 * ratio_kv // 6
        return full, full
    partial = 2 * ratio_kv // 6
    return partial, partial


def kv_cells(spec: ModelSpec, ctx: int, num_parallel: int, batch: int, method: str) -> list[int]:
    """Tokens (cache cells) each block holds.

    A full-attention block holds ``num_ctx x num_parallel`` tokens. A windowed
    block holds ``window x num_parallel + batch`` tokens, never more than the
    full context: the estimator bounds only gemma3 and gpt-oss this way (gemma2
    and other windowed models are charged the full context), the newer engine
    every windowed block, with its cache padded to 256 cells.
    """
    allocations = method == "allocations"
    full_tokens = ctx * num_parallel
    gpt_oss = spec.architecture in ("gpt-oss", "gptoss")
    window = GPT_OSS_WINDOW_MEMORY if gpt_oss else spec.sliding_window
    bounded = allocations or spec.architecture in ("gemma3", "gpt-oss", "gptoss")
    result = []
    for block in range(spec.block_count):
        tokens = full_tokens
        if bounded and spec.windowed(block) and window:
            windowed = window * num_parallel + batch
            tokens = windowed if not allocations or windowed < full_tokens else full_tokens
        if allocations:
            tokens = -(-tokens // KV_CACHE_PADDING) * KV_CACHE_PADDING
        result.append(tokens)
    return result


def kv_layers(spec: ModelSpec, ctx: int, num_parallel: int, batch: int, kv_cache_type: str, method: str) -> list[int]:
    """KV-cache bytes of each block: its cells (:func:`kv_cells`) x K and V per token.

    The newer engine stores ggml's real element sizes, the estimator its own figures.
    """
    element = (KV_BYTES_REAL if method == "allocations" else KV_BYTES_PER_ELEMENT)[kv_cache_type]
    per_token = (spec.key_length + spec.value_length) * spec.head_count_kv * element
    return [int(tokens * per_token) for tokens in kv_cells(spec, ctx, num_parallel, batch, method)]


def engine_graph(spec: ModelSpec, cells: list[int], batch: int, num_parallel: int) -> tuple[int, int]:
    """The newer engine's compute graph: (whole graph, the part left on the CPU once layers are on a GPU).

    ``reserveWorstCaseGraph`` (runner/ollamarunner/runner.go) builds one batch of
    ``batch`` tokens whose last block keeps only ``num_parallel`` output rows, and
    ``Context.Reserve`` (ml/backend/ggml/ggml.go) records what ggml's scheduler
    reserves for it on each device. The planner sizes what that graph holds at
    its peak:

    - the attention mask of each cache kind, cast to f16 inside the graph when
      flash attention is on (``buildMask`` in kvcache/causal.go; the f32 mask
      itself is an input buffer, not part of the graph): 2 x batch x cells for
      the full-context blocks and again for the windowed ones; without flash
      attention one block's f32 scores, 4 x batch x heads x cells, instead;
    - one block's activations over the batch: the hidden state three times and
      the FFN (gate, up and product for a dense FFN; for a MoE the routed
      experts' matmul output and the copy its bias adds, 4 x FF_expert per
      expert used) or the attention projections, whichever is wider;
    - the logits of the ``num_parallel`` output rows.

    On a CPU-only load the whole graph is on the CPU. With layers on a GPU the
    graph goes with them and the CPU keeps the token-embedding lookup, one batch
    of embeddings (the second value), because ``token_embd`` stays in system
    memory (the input buffer type of ``New`` in ml/backend/ggml/ggml.go is always
    the CPU's); blocks left on the CPU need the whole graph there as well.
    """
    e = spec.embedding_length
    distinct = sorted(set(cells))
    if spec.architecture in FLASH_ATTENTION_ARCHS:
        masks = sum(2 * batch * c for c in distinct)
    else:
        masks = 4 * batch * spec.head_count * max(distinct, default=0)
    if spec.is_moe and spec.expert_feed_forward_length:
        ffn = MOE_LIVE_WIDTH * max(spec.expert_used_count, 1) * spec.expert_feed_forward_length
    else:
        ffn = DENSE_LIVE_WIDTH * (spec.feed_forward_length or 4 * e)
    attention = spec.head_count * (spec.key_length + spec.value_length) + 2 * spec.head_count_kv * spec.key_length
    activations = 4 * batch * (HIDDEN_COPIES * e + max(ffn, attention))
    logits = 4 * num_parallel * spec.vocab_size
    return masks + activations + logits, 4 * batch * e
