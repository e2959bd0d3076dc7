"""The estimator for models unlike llama: sliding window, the gemma graph, vision projectors, MoE, the newer engine.

Every expected figure is worked out here by hand from the formulas docs/capacity.md
describes, or is a value a real Ollama logged (the ground-truth table cites it).
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_estimate as est
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_problems as prob

GIB = est.GIB
MIB = est.MIB

# gemma3:12b as Ollama's library publishes it (the ollama-engine GGUF with its vision tower).
GEMMA3_12B: dict[str, Any] = {
    "name": "gemma3:12b-test",
    "size_bytes": 8_100_000_000,
    "quantization": "Q4_K_M",
    "architecture": "gemma3",
    "block_count": 48,
    "head_count": 16,
    "head_count_kv": 8,
    "key_length": 256,
    "value_length": 256,
    "embedding_length": 3840,
    "vocab_size": 262_144,
    "context_length": 131_072,
    "tied_embeddings": True,
    "output_type": "Q6_K",
    "token_embd_type": "Q6_K",
    "sliding_window": 1024,
    "projector_bytes": 834_560_000,
    "projector_graph_bytes": 1_083_440_128,
}
KV_TOKEN = (256 + 256) * 8 * 2  # bytes per token and block, f16


@pytest.fixture(scope="module")
def gemma() -> est.ModelSpec:
    return cat.spec_from_row(GEMMA3_12B, "test")


def test_gemma3_windowed_blocks_follow_the_five_of_six_pattern(gemma: est.ModelSpec) -> None:
    assert [gemma.windowed(b) for b in range(12)] == [True] * 5 + [False] + [True] * 5 + [False]
    assert sum(gemma.swa_layers) == 40


def test_gemma3_kv_is_bounded_by_the_window(gemma: est.ModelSpec) -> None:
    """8 global blocks hold 8192 tokens, 40 windowed blocks 1024 + one batch of 512."""
    kv = est.kv_layers(gemma, 8192, 1, 512, "f16", "estimator")
    assert kv[0] == 1536 * KV_TOKEN
    assert kv[5] == 8192 * KV_TOKEN
    assert sum(kv) == 40 * 1536 * KV_TOKEN + 8 * 8192 * KV_TOKEN == 1_040_187_392  # 992.0 MiB, as logged
    full_context = 48 * 8192 * KV_TOKEN
    assert full_context == 3 * GIB  # what a formula without the window charges


def test_gemma3_window_scales_with_parallel_slots(gemma: est.ModelSpec) -> None:
    kv = est.kv_layers(gemma, 2048, 4, 512, "f16", "estimator")
    assert kv[0] == (4 * 1024 + 512) * KV_TOKEN
    assert kv[5] == 4 * 2048 * KV_TOKEN


def test_gemma2_estimator_charges_the_full_context() -> None:
    """Ollama's estimator bounds only gemma3 and gpt-oss; gemma2 pays the full context."""
    spec = cat.spec_from_row({**GEMMA3_12B, "architecture": "gemma2", "projector_bytes": 0}, "test")
    assert spec.swa_layers[:2] == (True, False)
    assert sum(est.kv_layers(spec, 8192, 1, 512, "f16", "estimator")) == 48 * 8192 * KV_TOKEN
    # the newer engine would bound it
    assert sum(est.kv_layers(spec, 8192, 1, 512, "f16", "allocations")) == 24 * 1536 * KV_TOKEN + 24 * 8192 * KV_TOKEN


def test_gemma_graph_formula(gemma: est.ModelSpec) -> None:
    partial, full = est.graph_size(gemma, 8192, 512, 0)
    assert full == 4 * 512 * (3840 + 262_144) == 544_735_232  # 519.5 MiB, as logged
    assert partial == 4 * 3840 * 512 + 3840 * 262_144 * 105 // 128 + 4 * 262_144 * 512 == 1_370_488_832


def test_projector_travels_with_the_output_layer(gemma: est.ModelSpec) -> None:
    """11.1 GiB free: 48 blocks fit, output + projector weights + projector graph (2.56 GiB) do not."""
    result = est.estimate(gemma, 8192, 1, "f16", [int(11.1 * GIB)])
    assert result.gpu_layers == 48
    assert result.layers_total == 49
    last = gemma.output_bytes + 834_560_000 + 1_083_440_128
    assert result.total - result.vram_used == last
    blocks = sum(gemma.block_sizes()) + 1_040_187_392
    spare = gemma.block_sizes()[0] + 1536 * KV_TOKEN
    assert result.vram_used == est.GPU_MINIMUM_MEMORY + spare + blocks + 1_370_488_832
    assert result.projector == 834_560_000 + 1_083_440_128
    assert result.weights == gemma.repeating_bytes + gemma.output_bytes + 834_560_000


def test_projector_is_not_part_of_the_blocks(gemma: est.ModelSpec) -> None:
    rest = 8_100_000_000 - gemma.output_bytes - 834_560_000 - est.METADATA_BYTES_PER_TOKEN * 262_144
    assert gemma.repeating_bytes == rest


def test_allocations_method(gemma: est.ModelSpec) -> None:
    """Newer engine: no spare layer, no minimum reserve in the model's size, graph = max(batch, image).

    token_embd (tied: also loaded as the output layer) and one batch of embeddings stay in RAM.
    """
    result = est.estimate(gemma, 8192, 1, "f16", [int(11.1 * GIB)], method="allocations")
    assert result.method == "allocations"
    assert result.gpu_layers == 49
    assert result.graph == 1_083_440_128
    on_gpu = gemma.repeating_bytes + gemma.output_bytes + 834_560_000 + 1_040_187_392 + 1_083_440_128
    assert result.vram_used == on_gpu
    assert result.input_weights == gemma.output_bytes - 4 * 3840  # the tied token_embd, without output_norm
    assert result.cpu_graph == 4 * 512 * 3840
    assert result.ram_used == result.input_weights + result.cpu_graph
    assert result.total == on_gpu + result.ram_used
    assert result.processor == "100% GPU"  # as ollama ps reports it (llm/server.go VRAMSize)
    legacy = est.estimate(gemma, 8192, 1, "f16", [int(11.1 * GIB)])
    assert legacy.total > result.total


def test_allocations_kv_uses_real_element_sizes_and_padding(gemma: est.ModelSpec) -> None:
    """q8_0 stores 34 bytes per 32 elements; 1000 tokens pad to 1024 cells; the window never exceeds the context."""
    kv = est.kv_layers(gemma, 1000, 1, 512, "q8_0", "allocations")
    assert kv == [1024 * 512 * 8 * 34 // 32] * 48
    assert sum(kv) == 213_909_504


def test_gpt_oss_even_blocks_hold_4096_tokens_per_slot() -> None:
    spec = cat.spec_from_row(
        {
            "name": "gpt-oss:test",
            "size_bytes": 13_000_000_000,
            "quantization": "MXFP4",
            "architecture": "gpt-oss",
            "block_count": 24,
            "head_count": 64,
            "head_count_kv": 8,
            "key_length": 64,
            "value_length": 64,
            "embedding_length": 2880,
            "vocab_size": 201_088,
            "context_length": 131_072,
            "sliding_window": 128,
            "expert_count": 32,
            "expert_used_count": 4,
        },
        "test",
    )
    token = (64 + 64) * 8 * 2
    kv = est.kv_layers(spec, 32768, 2, 512, "f16", "estimator")
    assert kv[0] == (2 * 4096 + 512) * token
    assert kv[1] == 2 * 32768 * token
    partial, full = est.graph_size(spec, 65536, 512, sum(kv))
    assert partial == full == 2 * (64 // 8) * sum(kv) // 6


MOE: dict[str, Any] = {
    "name": "moe:test",
    "size_bytes": 10_000_000_000,
    "quantization": "Q4_K_M",
    "architecture": "deepseek2",
    "block_count": 27,
    "head_count": 16,
    "head_count_kv": 16,
    "key_length": 192,
    "value_length": 128,
    "embedding_length": 2048,
    "vocab_size": 102_400,
    "context_length": 163_840,
    "expert_count": 64,
    "expert_used_count": 6,
    "expert_shared_count": 2,
    "leading_dense_block_count": 1,
    "feed_forward_length": 10_944,
    "expert_feed_forward_length": 1408,
}


def test_moe_first_dense_block_is_smaller() -> None:
    spec = cat.spec_from_row(MOE, "test")
    blocks = spec.block_sizes()
    e = 2048
    attention = e * (16 * 192 + 16 * (192 + 128)) + 16 * 128 * e
    dense = attention + 3 * e * 10_944
    moe = attention + 3 * e * 1408 * (64 + 2) + e * 64
    total = dense + 26 * moe
    assert blocks[0] == spec.repeating_bytes * dense // total
    assert blocks[1] == blocks[26] == spec.repeating_bytes * moe // total
    assert blocks[0] < spec.layer_bytes < blocks[1]


def test_moe_spare_layer_is_the_first_dense_block() -> None:
    """Ollama reserves blk.0 (dense) as the spare layer, not the average (expert) block."""
    spec = cat.spec_from_row(MOE, "test")
    result = est.estimate(spec, 4096, 1, "f16", [80 * GIB])
    kv0 = 4096 * (192 + 128) * 16 * 2
    assert result.overhead == est.GPU_MINIMUM_MEMORY + spec.block_sizes()[0] + kv0
    assert result.overhead < est.GPU_MINIMUM_MEMORY + spec.layer_bytes + kv0
    assert result.fits_vram


def test_moe_without_dense_blocks_has_equal_blocks() -> None:
    spec = cat.spec_from_row({**MOE, "leading_dense_block_count": 0}, "test")
    assert set(spec.block_sizes()) == {spec.layer_bytes}


def test_moe_layer_placement_uses_each_block_size() -> None:
    """A GPU too small for every block: the expert blocks go first (from the last), each at its own size."""
    spec = cat.spec_from_row(MOE, "test")
    blocks = spec.block_sizes()
    kv_block = 4096 * (192 + 128) * 16 * 2
    partial, full = est.graph_size(spec, 4096, 512, 27 * kv_block)
    room = 10 * (blocks[1] + kv_block)
    free = est.GPU_MINIMUM_MEMORY + blocks[0] + kv_block + max(partial, full) + room + 1
    result = est.estimate(spec, 4096, 1, "f16", [free])
    assert result.gpu_layers == 10


@pytest.mark.parametrize(
    ("version", "arch", "method"),
    [
        ("0.11.10", "gemma3", "estimator"),
        ("0.11.11", "gemma3", "allocations"),
        ("v0.12.10", "qwen3moe", "allocations"),
        ("0.32.15", "gpt-oss", "allocations"),
        ("0.32.15", "llama", "estimator"),
        ("0.32.15", "qwen2", "estimator"),
        (None, "gemma3", "estimator"),
        ("latest", "gemma3", "estimator"),
    ],
)
def test_method_depends_on_version_and_architecture(version: str | None, arch: str, method: str) -> None:
    spec = cat.spec_from_row({**GEMMA3_12B, "architecture": arch}, "test")
    assert est.method_for(spec, est.parse_version(version)) == method


def test_parse_version() -> None:
    assert est.parse_version("0.12.10") == (0, 12, 10)
    assert est.parse_version("v0.13") == (0, 13, 0)
    assert est.parse_version("0.12.11-rc2") == (0, 12, 11)
    assert est.parse_version("main") is None
    assert est.parse_version("") is None


def test_bad_sliding_window_layers_are_named() -> None:
    with pytest.raises(prob.CapacityInputError, match="sliding_window_layers"):
        cat.spec_from_row({**GEMMA3_12B, "sliding_window_layers": [True, False]}, "test")


def test_deepseek2_graph_formula() -> None:
    """16384 tokens, batch 512: Ollama logged graph.full 568.0 MiB and graph.partial 759.4 MiB (ollama#5136)."""
    spec = cat.spec_from_row({**MOE, "vocab_size": 102_400}, "test")
    partial, full = est.graph_size(spec, 16384, 512, 0)
    assert full == 4 * 512 * (3 * 2048 + 2 + 16384 * 17 + 2 * 192 * 16) == 595_595_264
    assert partial == (
        4 * 512 * (2 * 2048 + 1 + 2 * 192 * 16 + 16384 + 16384 * 16) + 4 * 192 * 16384 * 16 + 2048 * 192 * 16 * 9 // 16
    )
    assert partial == 796_264_448
