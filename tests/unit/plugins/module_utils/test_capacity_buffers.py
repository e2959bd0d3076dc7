"""The newer engine's runtime buffers: token_embd in system memory and the worst-case batch graph.

Expected figures are worked out by hand from the formulas docs/capacity.md describes
(what ml/backend/ggml/ggml.go, runner/ollamarunner/runner.go, kvcache/causal.go and
llm/server.go of Ollama 0.13.1 allocate), or are what a real Ollama logged
(ollama/ollama#13320, cited in the ground-truth table).
"""

from __future__ import annotations

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_buffers as buf
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_estimate as est

GIB = est.GIB
MIB = est.MIB
# gpt-oss:20b at 16000 tokens, one slot: the full-context blocks hold 16000 padded to 16128
# cells, the windowed ones 4096 + 512 = 4608.
MASKS = 2 * 512 * (16128 + 4608)
ACTIVATIONS = 4 * 512 * (3 * 2880 + 4 * 4 * 2880)
LOGITS = 4 * 1 * 201_088
TOKEN_EMBD = 201_088 * 2880 * 2  # BF16


@pytest.fixture(scope="module")
def gpt_oss() -> est.ModelSpec:
    return cat.build_catalog([])["gpt-oss:20b"]


def test_token_embd_is_counted_as_input_weights(gpt_oss: est.ModelSpec) -> None:
    assert gpt_oss.input_bytes == TOKEN_EMBD
    result = est.estimate(gpt_oss, 16000, 1, "f16", [], method="allocations")
    assert result.input_weights == TOKEN_EMBD
    assert result.weights == gpt_oss.repeating_bytes + gpt_oss.output_bytes + TOKEN_EMBD
    # the estimator (llama.cpp runner) never counted it
    assert est.estimate(gpt_oss, 16000, 1, "f16", []).weights == gpt_oss.repeating_bytes + gpt_oss.output_bytes


def test_cpu_only_graph_is_the_worst_case_batch(gpt_oss: est.ModelSpec) -> None:
    """f16 masks of both cache kinds, one MoE block's activations, logits of one output row."""
    result = est.estimate(gpt_oss, 16000, 1, "f16", [], method="allocations")
    assert result.graph == result.graph_full == result.cpu_graph == MASKS + ACTIVATIONS + LOGITS == 134_104_576
    assert result.graph / MIB == pytest.approx(127.9, abs=0.05)  # Ollama logged 139.5 MiB
    assert result.vram_used == 0
    assert result.total == result.weights + result.kv + result.graph
    assert result.kv / MIB == 486.0
    assert result.processor == "100% CPU"


def test_logits_cover_the_output_rows_not_the_batch(gpt_oss: est.ModelSpec) -> None:
    """reserveWorstCaseGraph keeps num_parallel output rows: the vocabulary costs 4 x V per slot."""
    cells = buf.kv_cells(gpt_oss, 4096, 1, 512, "allocations")
    one = buf.engine_graph(gpt_oss, cells, 512, 1)[0]
    four = buf.engine_graph(gpt_oss, cells, 512, 4)[0]
    assert four - one == 3 * 4 * 201_088
    assert one < 4 * 512 * (2880 + 201_088)  # the batch's logits alone would be 398 MiB


def test_masks_follow_the_cache_kinds(gpt_oss: est.ModelSpec) -> None:
    cells = buf.kv_cells(gpt_oss, 16000, 1, 512, "allocations")
    assert sorted(set(cells)) == [4608, 16128]
    graph, cpu = buf.engine_graph(gpt_oss, cells, 512, 1)
    assert graph == MASKS + ACTIVATIONS + LOGITS
    assert cpu == 4 * 512 * 2880


def test_without_flash_attention_one_blocks_scores_are_charged() -> None:
    row = {
        "name": "mistral3:test",
        "size_bytes": 15_000_000_000,
        "quantization": "Q4_K_M",
        "architecture": "mistral3",
        "block_count": 40,
        "head_count": 32,
        "head_count_kv": 8,
        "embedding_length": 5120,
        "vocab_size": 131_072,
        "context_length": 131_072,
        "feed_forward_length": 32_768,
    }
    spec = cat.spec_from_row(row, "test")
    cells = buf.kv_cells(spec, 8192, 1, 512, "allocations")
    graph = buf.engine_graph(spec, cells, 512, 1)[0]
    scores = 4 * 512 * 32 * 8192
    assert graph == scores + 4 * 512 * (3 * 5120 + 3 * 32_768) + 4 * 131_072


def test_full_gpu_load_keeps_token_embd_and_the_embedding_batch_in_ram(gpt_oss: est.ModelSpec) -> None:
    """A 24 GiB GPU takes every layer; RAM holds token_embd and one batch of embeddings."""
    result = est.estimate(gpt_oss, 16000, 1, "f16", [24 * GIB], method="allocations")
    assert result.gpu_layers == result.layers_total == 25
    graph = MASKS + ACTIVATIONS + LOGITS
    assert result.vram_used == sum(gpt_oss.block_sizes()) + gpt_oss.output_bytes + result.kv + graph
    assert result.ram_used == TOKEN_EMBD + 4 * 512 * 2880
    assert result.total == result.vram_used + result.ram_used
    assert result.processor == "100% GPU"


def test_partial_gpu_load_puts_the_rest_and_token_embd_in_ram(gpt_oss: est.ModelSpec) -> None:
    """8 GiB free: some blocks fit; what does not, token_embd and the CPU's graph are RAM."""
    free = 8 * GIB
    result = est.estimate(gpt_oss, 16000, 1, "f16", [free], method="allocations")
    assert 0 < result.gpu_layers < 25
    assert result.vram_used <= free - est.GPU_MINIMUM_MEMORY
    placed = result.vram_used - result.graph
    rest = sum(gpt_oss.block_sizes()) + gpt_oss.output_bytes + result.kv - placed
    # blocks left on the CPU run there: the CPU's graph is the whole worst-case batch
    assert result.cpu_graph == MASKS + ACTIVATIONS + LOGITS
    assert result.ram_used == rest + TOKEN_EMBD + result.cpu_graph
    assert result.processor.endswith("CPU/GPU")


@pytest.mark.parametrize(
    ("version", "partial", "full"),
    [
        ((0, 11, 2), 8, 4),  # 0.11.0 to 0.11.2: full 4 x, partial twice that
        ((0, 11, 4), 4, 4),  # 0.11.3 and 0.11.4
        ((0, 11, 5), 2, 2),  # from 0.11.5 on
        (None, 2, 2),  # no version: the latest figure
    ],
)
def test_gpt_oss_estimator_graph_follows_the_release(
    gpt_oss: est.ModelSpec, version: tuple[int, int, int] | None, partial: int, full: int
) -> None:
    """GraphSize's gpt-oss case: multiples of GQA ratio (8) x the full-context KV / 6."""
    kv_full = 24 * 8192 * (64 + 64) * 8 * 2  # every block at 8192 tokens: 384 MiB
    assert buf.graph_size(gpt_oss, 8192, 512, kv_full, version) == (
        partial * 8 * kv_full // 6,
        full * 8 * kv_full // 6,
    )


def test_gpt_oss_estimator_graph_uses_the_full_context_kv(gpt_oss: est.ModelSpec) -> None:
    """The windowed blocks' smaller cache (300 MiB in all) does not shrink the graph (384 MiB enters it)."""
    result = est.estimate(gpt_oss, 8192, 1, "f16", [], ollama_version=(0, 11, 2))
    assert result.kv == 300 * MIB
    assert result.graph_full == 2 * GIB
    assert result.graph_partial == 4 * GIB
