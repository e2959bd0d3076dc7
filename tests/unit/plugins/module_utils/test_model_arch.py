"""Unit tests for plugins/module_utils/_model_arch.py: facts from GGUF metadata and /api/show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _gguf as g
from ansible_collections.aistack.baremetal.plugins.module_utils import _model_arch as m
from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm

# What the planner must read for each real model (values of the published configs, see gguf_models).
EXPECTED: dict[str, dict[str, Any]] = {
    "llama3.1:8b": {
        "architecture": "llama",
        "quantization": "Q4_K_M",
        "block_count": 32,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,  # embedding / heads: llama's GGUF has no key_length
        "value_length": 128,
        "embedding_length": 4096,
        "context_length": 131072,
        "vocab_size": 128256,  # llama.vocab_size
        "sliding_window": None,
        "sliding_window_layers": None,
        "expert_count": None,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
    },
    "gemma3:12b": {
        "architecture": "gemma3",
        "block_count": 48,
        "head_count": 16,
        "head_count_kv": 8,
        "key_length": 256,
        "value_length": 256,
        "embedding_length": 3840,
        "sliding_window": 1024,
        "sliding_window_source": "architecture",
        "vocab_size": 64,  # the token list of the small test file
        "tied_embeddings": True,
        "output_type": "Q6_K",
    },
    "qwen3:30b": {
        "architecture": "qwen3moe",
        "block_count": 48,
        "head_count": 32,
        "head_count_kv": 4,
        "key_length": 128,
        "context_length": 40960,
        "expert_count": 128,
        "expert_used_count": 8,
        "expert_feed_forward_length": 768,
        "leading_dense_block_count": None,
        "sliding_window": None,
    },
    "gpt-oss:20b": {
        "architecture": "gpt-oss",
        "quantization": "MXFP4_MOE",
        "block_count": 24,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 64,
        "value_length": 64,
        "sliding_window": 128,
        "expert_count": 32,
        "expert_used_count": 4,
    },
    "deepseek-v2:16b": {
        "architecture": "deepseek2",
        "quantization": "Q4_0",
        "block_count": 27,
        "head_count": 16,
        "head_count_kv": 16,
        "key_length": 192,
        "value_length": 128,
        "kv_lora_rank": 512,
        "leading_dense_block_count": 1,
        "expert_count": 64,
        "expert_used_count": 6,
        "expert_shared_count": 2,
        "context_length": 163840,
    },
}


@pytest.fixture(scope="module")
def headers() -> dict[str, g.GGUFHeader]:
    return {name: g.read_file_header(str(gm.cached_model(name))) for name in gm.MODELS}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_facts_of_real_models(headers: dict[str, g.GGUFHeader], name: str) -> None:
    header = headers[name]
    facts = m.facts_from_metadata(header.metadata, header.tensors)
    assert set(m.FACT_FIELDS) <= set(facts)
    assert {key: facts[key] for key in EXPECTED[name]} == EXPECTED[name]
    assert facts["missing"] == [] and facts["hidden"] == []
    assert facts["parameters"] == header.parameter_count


def test_gemma3_windows_five_layers_in_six(headers: dict[str, g.GGUFHeader]) -> None:
    facts = m.facts_from_metadata(headers["gemma3:12b"].metadata)
    layers = facts["sliding_window_layers"]
    assert len(layers) == 48
    assert [i for i, windowed in enumerate(layers) if not windowed] == [5, 11, 17, 23, 29, 35, 41, 47]


def test_gpt_oss_alternates(headers: dict[str, g.GGUFHeader]) -> None:
    layers = m.facts_from_metadata(headers["gpt-oss:20b"].metadata)["sliding_window_layers"]
    assert layers == [i % 2 == 0 for i in range(24)]


def test_sliding_window_pattern_key_wins_over_the_architecture(tmp_path: Path) -> None:
    path = gm.write_model(
        tmp_path / "p.gguf", "gemma3:12b", small_vocab=True, overrides={"attention.sliding_window_pattern": 4}
    )
    facts = m.facts_from_metadata(g.read_file_header(str(path)).metadata)
    assert facts["sliding_window_source"] == "gguf"
    assert [i for i, w in enumerate(facts["sliding_window_layers"]) if not w][:3] == [3, 7, 11]
    pattern = [i % 3 != 0 for i in range(48)]
    path = gm.write_model(
        tmp_path / "b.gguf", "gemma3:12b", small_vocab=True, overrides={"attention.sliding_window_pattern": pattern}
    )
    assert m.facts_from_metadata(g.read_file_header(str(path)).metadata)["sliding_window_layers"] == pattern


def test_per_layer_head_counts(tmp_path: Path) -> None:
    # A hybrid model: recurrent blocks have no KV heads (head_count_kv 0 for them).
    kv = [0, 0, 0, 8] * 8
    path = gm.write_model(
        tmp_path / "h.gguf", "llama3.1:8b", small_vocab=True, overrides={"attention.head_count_kv": kv}
    )
    facts = m.facts_from_metadata(g.read_file_header(str(path)).metadata)
    assert facts["head_count_kv"] == 8
    assert facts["head_count_kv_per_layer"] == kv


def _info(**extra: Any) -> dict[str, Any]:
    base = {
        "general.architecture": "qwen2",
        "qwen2.block_count": 28,
        "qwen2.attention.head_count": 28,
        "qwen2.embedding_length": 3584,
        "qwen2.context_length": 32768,
    }
    base.update(extra)
    return base


def test_defaults_follow_llama_cpp() -> None:
    facts = m.facts_from_metadata(_info())
    assert facts["head_count_kv"] == 28  # defaults to head_count
    assert facts["key_length"] == facts["value_length"] == 128  # 3584 / 28
    assert facts["vocab_size"] is None and facts["missing"] == []


def test_missing_required_facts_are_listed() -> None:
    facts = m.facts_from_metadata({"general.architecture": "clip", "clip.vision.block_count": 27})
    assert facts["missing"] == ["block_count", "head_count", "embedding_length", "context_length"]


@pytest.mark.parametrize(
    ("metadata", "pattern"),
    [
        ({}, "no general.architecture"),
        (_info(**{"qwen2.block_count": -1}), r"qwen2\.block_count is -1"),
        (_info(**{"qwen2.block_count": "28"}), r"qwen2\.block_count is '28'"),
        (_info(**{"qwen2.context_length": True}), "non-negative integer"),
        (
            _info(**{"qwen2.attention.sliding_window": 4096, "qwen2.attention.sliding_window_pattern": [True, False]}),
            "2 entries for 28 blocks",
        ),
        (_info(**{"qwen2.attention.head_count_kv": g.SkippedArray(4, 10000)}), "too long for a per-layer value"),
    ],
)
def test_bad_metadata(metadata: dict[str, Any], pattern: str) -> None:
    with pytest.raises(m.FactsError, match=pattern):
        m.facts_from_metadata(metadata)


def test_show_without_verbose_marks_hidden_arrays() -> None:
    # Ollama's /api/show sends every array as null unless verbose is set.
    show = {
        "details": {"quantization_level": "Q4_K_M", "parameter_size": "8.0B"},
        "model_info": _info(
            **{
                "qwen2.attention.head_count_kv": None,
                "tokenizer.ggml.tokens": None,
                "general.parameter_count": 7615616512,
            }
        ),
    }
    facts = m.facts_from_show(show)
    assert facts["hidden"] == ["qwen2.attention.head_count_kv", "tokenizer.ggml.tokens"]
    assert facts["quantization"] == "Q4_K_M" and facts["parameters"] == 7615616512
    verbose = {
        "model_info": _info(
            **{
                "qwen2.attention.head_count_kv": 4,
                "tokenizer.ggml.tokens": ["a"] * 152064,
                "general.file_type": 15,
            }
        ),
        "tensors": [
            {"name": "token_embd.weight", "type": "Q4_K", "shape": [3584, 152064]},
            {"name": "output.weight", "type": "Q6_K", "shape": [3584, 152064]},
        ],
    }
    facts = m.facts_from_show(verbose)
    assert facts["hidden"] == [] and facts["head_count_kv"] == 4 and facts["vocab_size"] == 152064
    assert (facts["tied_embeddings"], facts["output_type"], facts["parameters"]) == (False, "Q6_K", 2 * 3584 * 152064)


def test_show_without_model_info() -> None:
    with pytest.raises(m.FactsError, match="no model_info"):
        m.facts_from_show({"details": {}})
