"""Real GGUF files for the tests, written by the ``gguf`` package (llama.cpp's own writer).

Each model carries the GGUF metadata of a real model (values from the model's
published ``config.json`` as llama.cpp's ``convert_hf_to_gguf.py`` maps them)
with a full-size vocabulary, so the header has its real size (several MiB) and
a reader must grow its range reads. The tensors are tiny stand-ins with the real
names and ggml types; their data is zeros.

Sources of the values (Hugging Face config.json of each base model):

* llama3.1:8b   meta-llama/Llama-3.1-8B-Instruct (32 layers, 32/8 heads, 4096, 128k context, vocab 128256)
* gemma3:12b    google/gemma-3-12b-it (48 layers, 16/8 heads, head_dim 256, 3840, sliding_window 1024,
                one global layer in 6, vocab 262144 in Ollama's GGUF)
* qwen3:30b     Qwen/Qwen3-30B-A3B (qwen3moe: 48 layers, 32/4 heads, head_dim 128, 2048, 128 experts, 8 used,
                moe_intermediate_size 768, 40960 context, vocab 151936)
* gpt-oss:20b   openai/gpt-oss-20b (24 layers, 64/8 heads, head_dim 64, 2880, sliding_window 128 on every
                other layer, 32 experts, 4 used, 131072 context, vocab 201088, MXFP4 experts)
* deepseek-v2:16b  deepseek-ai/DeepSeek-V2-Lite (deepseek2: 27 layers, first_k_dense_replace 1, 16 heads,
                kv_lora_rank 512, qk_nope 128 + qk_rope 64 = key_length 192, v_head_dim 128, 64 routed experts,
                6 used, 2 shared, moe_intermediate_size 1408, 163840 context, vocab 102400)
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType
FT = gguf.LlamaFileType


def _tokens(count: int) -> list[str]:
    return ["<t%d>" % index for index in range(count)]


# name -> (architecture, file type, vocabulary size, {key suffix: value}, extra tokenizer data, tensors)
MODELS: dict[str, dict[str, Any]] = {
    "llama3.1:8b": {
        "arch": "llama",
        "file_type": FT.MOSTLY_Q4_K_M,
        "vocab": 128256,
        "merges": 280147,
        "kv": {
            "block_count": 32,
            "context_length": 131072,
            "embedding_length": 4096,
            "feed_forward_length": 14336,
            "attention.head_count": 32,
            "attention.head_count_kv": 8,
            "attention.layer_norm_rms_epsilon": 1e-5,
            "rope.freq_base": 500000.0,
            "rope.dimension_count": 128,
            "vocab_size": 128256,
        },
        "tensors": [("token_embd.weight", Q.Q4_K), ("blk.0.attn_q.weight", Q.Q4_K), ("output.weight", Q.Q6_K)],
    },
    "gemma3:12b": {
        "arch": "gemma3",
        "file_type": FT.MOSTLY_Q4_K_M,
        "vocab": 262144,
        "scores": True,
        "kv": {
            "block_count": 48,
            "context_length": 131072,
            "embedding_length": 3840,
            "feed_forward_length": 15360,
            "attention.head_count": 16,
            "attention.head_count_kv": 8,
            "attention.key_length": 256,
            "attention.value_length": 256,
            "attention.sliding_window": 1024,
            "attention.layer_norm_rms_epsilon": 1e-6,
            "rope.freq_base": 1000000.0,
            "rope.scaling.factor": 8.0,
        },
        # gemma ties the output to the token embedding: no output.weight.
        "tensors": [("token_embd.weight", Q.Q6_K), ("blk.0.attn_q.weight", Q.Q4_K)],
    },
    "qwen3:30b": {
        "arch": "qwen3moe",
        "file_type": FT.MOSTLY_Q4_K_M,
        "vocab": 151936,
        "kv": {
            "block_count": 48,
            "context_length": 40960,
            "embedding_length": 2048,
            "feed_forward_length": 6144,
            "expert_feed_forward_length": 768,
            "attention.head_count": 32,
            "attention.head_count_kv": 4,
            "attention.key_length": 128,
            "attention.value_length": 128,
            "expert_count": 128,
            "expert_used_count": 8,
            "rope.freq_base": 1000000.0,
        },
        "tensors": [("token_embd.weight", Q.Q4_K), ("blk.0.ffn_gate_exps.weight", Q.Q4_K), ("output.weight", Q.Q6_K)],
    },
    "gpt-oss:20b": {
        "arch": "gpt-oss",
        "file_type": FT.MOSTLY_MXFP4_MOE,
        "vocab": 201088,
        "kv": {
            "block_count": 24,
            "context_length": 131072,
            "embedding_length": 2880,
            "feed_forward_length": 2880,
            "expert_feed_forward_length": 2880,
            "attention.head_count": 64,
            "attention.head_count_kv": 8,
            "attention.key_length": 64,
            "attention.value_length": 64,
            "attention.sliding_window": 128,
            "expert_count": 32,
            "expert_used_count": 4,
            "rope.freq_base": 150000.0,
            "rope.scaling.factor": 32.0,
        },
        "tensors": [("token_embd.weight", Q.BF16), ("blk.0.ffn_down_exps.weight", Q.MXFP4), ("output.weight", Q.BF16)],
    },
    "deepseek-v2:16b": {
        "arch": "deepseek2",
        "file_type": FT.MOSTLY_Q4_0,
        "vocab": 102400,
        "kv": {
            "block_count": 27,
            "context_length": 163840,
            "embedding_length": 2048,
            "feed_forward_length": 10944,
            "expert_feed_forward_length": 1408,
            "leading_dense_block_count": 1,
            "attention.head_count": 16,
            "attention.head_count_kv": 16,
            "attention.key_length": 192,
            "attention.value_length": 128,
            "attention.kv_lora_rank": 512,
            "rope.dimension_count": 64,
            "expert_count": 64,
            "expert_used_count": 6,
            "expert_shared_count": 2,
        },
        "tensors": [("token_embd.weight", Q.Q4_0), ("blk.0.ffn_gate.weight", Q.Q4_0), ("output.weight", Q.Q6_K)],
    },
}


def _add(writer: gguf.GGUFWriter, key: str, value: Any) -> None:
    if isinstance(value, float):
        writer.add_float32(key, value)
    elif isinstance(value, int):
        writer.add_uint32(key, value)
    elif isinstance(value, str):
        writer.add_string(key, value)
    else:
        writer.add_array(key, value)


def write_model(
    path: Path,
    name: str,
    *,
    endianess: gguf.GGUFEndian = gguf.GGUFEndian.LITTLE,
    overrides: dict[str, Any] | None = None,
    small_vocab: bool = False,
) -> Path:
    """Write MODELS[name] as a GGUF file; ``overrides`` replace or add ``<arch>.`` keys."""
    spec = MODELS[name]
    arch = spec["arch"]
    writer = gguf.GGUFWriter(str(path), arch, endianess=endianess)
    writer.add_name(name)
    writer.add_file_type(int(spec["file_type"]))
    kv = dict(spec["kv"], **(overrides or {}))
    for suffix, value in kv.items():
        _add(writer, "%s.%s" % (arch, suffix), value)
    vocab = 64 if small_vocab else spec["vocab"]
    writer.add_tokenizer_model("gpt2" if arch != "gemma3" else "llama")
    writer.add_token_list(_tokens(vocab))
    writer.add_token_types([1] * vocab)
    if spec.get("scores"):
        writer.add_token_scores([0.0] * vocab)
    if spec.get("merges") and not small_vocab:
        writer.add_token_merges(["m%d x" % index for index in range(spec["merges"])])
    writer.add_chat_template("{% for message in messages %}{{ message.content }}{% endfor %}")
    for tensor_name, qtype in spec["tensors"]:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        if qtype in (Q.F32, Q.F16, Q.BF16):
            dtype = {Q.F32: np.float32, Q.F16: np.float16}.get(qtype)
            if dtype is None:  # BF16: raw bytes
                writer.add_tensor(tensor_name, np.zeros((4, 64 * 2), dtype=np.uint8), raw_dtype=qtype)
            else:
                writer.add_tensor(tensor_name, np.zeros((4, 64), dtype=dtype))
        else:
            # four rows of one (or two) blocks each
            per_row = max(1, 256 // block) * size
            writer.add_tensor(tensor_name, np.zeros((4, per_row), dtype=np.uint8), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def set_version(data: bytes, version: int, big_endian: bool = False) -> bytes:
    """The same bytes with another GGUF version number."""
    return data[:4] + version.to_bytes(4, "big" if big_endian else "little") + data[8:]


@functools.cache
def _scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="aistack-gguf-"))
    atexit.register(shutil.rmtree, path, True)
    return path


@functools.cache
def cached_model(name: str, small_vocab: bool = True) -> Path:
    """MODELS[name] written once per test run (the full-vocabulary files take seconds to write); do not modify."""
    stem = "%s-%s" % (name.replace(":", "_"), "small" if small_vocab else "full")
    return write_model(_scratch() / (stem + ".gguf"), name, small_vocab=small_vocab)
