# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Built-in model catalog for the capacity planner (data only).

One row per Ollama library tag. The planner reads these figures instead of
asking a running Ollama (``/api/show``), so it can plan a host that does not
exist yet. Field meanings:

- ``size_bytes``: the blob size ``/api/tags`` reports (download and disk size).
- ``quantization``: ``details.quantization_level``.
- ``parameters``: parameter count.
- ``architecture``: GGUF ``general.architecture``; chooses the graph formula.
- ``block_count`` (L), ``head_count`` (H), ``head_count_kv`` (Hkv),
  ``key_length``/``value_length`` (head dimension of K and V), ``embedding_length``
  (E), ``vocab_size`` (V), ``context_length`` (the model's maximum context):
  GGUF ``<arch>.*`` keys, as ``/api/show`` ``model_info`` returns them.
- ``tied_embeddings``: true when the model has no ``output`` tensor and reuses
  ``token_embd`` (then token_embd is the non-repeating layer Ollama offloads).
- ``output_type`` / ``token_embd_type``: ggml type of those tensors (llama.cpp's
  Q4_K_M and Q4_0 recipes write ``output`` as Q6_K and ``token_embd`` as the base type).
- ``default_num_ctx``: a ``num_ctx`` PARAMETER in the library Modelfile; None means
  the server default applies (none of the rows below sets one).
- ``source``: where the figures come from; ``unverified`` lists the fields that
  were not checked against a primary source.

Provenance: sizes and digests are the ``/api/tags`` dumps and ``ollama list``
output collected in the project's Ollama research notes (section 5, "Library
sizes and architecture"); architecture figures are the GGUF metadata / Hugging
Face ``config.json`` of the base models. Users add or override rows with the
inventory variable ``aistack_model_catalog_extra`` (same fields).
"""

from __future__ import annotations

from typing import Any

# Fields a row must carry (``aistack_model_catalog_extra`` rows included).
REQUIRED_FIELDS: tuple[str, ...] = (
    "name",
    "size_bytes",
    "architecture",
    "block_count",
    "head_count",
    "head_count_kv",
    "embedding_length",
    "vocab_size",
    "context_length",
)

# Optional fields and the value used when a row leaves them out.
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "quantization": "Q4_K_M",
    "parameters": None,
    "key_length": None,  # None: embedding_length / head_count
    "value_length": None,
    "tied_embeddings": False,
    "output_type": "Q6_K",
    "token_embd_type": None,  # None: the quantization's base type
    "default_num_ctx": None,
    "digest": None,
    "source": "aistack_model_catalog_extra (inventory)",
    "unverified": [],
    # Sliding-window attention: the window in tokens (0: none) and, optionally, one
    # boolean per block (true: windowed); without it the architecture's known
    # pattern applies (gemma2 every other block, gemma3 five of six, gpt-oss even blocks).
    "sliding_window": 0,
    "sliding_window_layers": None,
    # A vision projector: its weights (in the file or a separate layer) and the
    # compute graph of one image.
    "projector_bytes": 0,
    "projector_graph_bytes": 0,
    # Mixture of experts (0: dense model).
    "expert_count": 0,
    "expert_used_count": 0,
    "expert_shared_count": 0,
    "leading_dense_block_count": 0,
    "feed_forward_length": 0,
    "expert_feed_forward_length": 0,
}

_TAGS_DUMP = "ollama.com/library/{tag} via /api/tags dumps (research notes section 5)"
_LLAMA3_CFG = "GGUF metadata llama.* keys (Meta Llama 3 config.json)"
_QWEN25_CFG = "GGUF metadata qwen2.* keys (Qwen2.5 config.json)"

CATALOG: tuple[dict[str, Any], ...] = (
    {
        "name": "llama3.2:1b",
        "digest": "baf6a787fdff",
        "size_bytes": 1_321_098_329,
        "quantization": "Q8_0",
        "parameters": 1_240_000_000,
        "architecture": "llama",
        "block_count": 16,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 64,
        "value_length": 64,
        "embedding_length": 2048,
        "vocab_size": 128_256,
        "context_length": 131_072,
        "tied_embeddings": True,
        "output_type": "Q8_0",
        "token_embd_type": "Q8_0",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="llama3.2:1b") + "; " + _LLAMA3_CFG,
        "unverified": [],
    },
    {
        "name": "llama3.2:3b",
        "digest": "a80c4f17acd5",
        "size_bytes": 2_019_393_189,
        "quantization": "Q4_K_M",
        "parameters": 3_210_000_000,
        "architecture": "llama",
        "block_count": 28,
        "head_count": 24,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 3072,
        "vocab_size": 128_256,
        "context_length": 131_072,
        # token_embd is Q6_K: ollama#8098 logs memory.weights.nonrepeating="308.2 MiB" for this blob.
        "tied_embeddings": True,
        "output_type": "Q6_K",
        "token_embd_type": "Q6_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="llama3.2:3b") + "; " + _LLAMA3_CFG + "; GGUF kv dump in ollama#7673",
        "unverified": [],
    },
    {
        "name": "mistral:7b",
        "digest": "6577803aa9a0",
        "size_bytes": 4_372_824_384,
        "quantization": "Q4_K_M",
        "parameters": 7_250_000_000,
        "architecture": "llama",
        "block_count": 32,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 4096,
        "vocab_size": 32_768,
        "context_length": 32_768,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="mistral:7b") + " (v0.3); GGUF metadata llama.* keys (Mistral-7B-v0.3)",
        "unverified": [],
    },
    {
        "name": "llama3.1:8b",
        "digest": "46e0c10c039e",
        "size_bytes": 4_920_753_328,
        "quantization": "Q4_K_M",
        "parameters": 8_030_000_000,
        "architecture": "llama",
        "block_count": 32,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 4096,
        "vocab_size": 128_256,
        "context_length": 131_072,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="llama3.1:8b") + "; " + _LLAMA3_CFG + "; split checked against a v0.12 log",
        "unverified": [],
    },
    {
        "name": "qwen2.5-coder:14b",
        "digest": "9ec8897f747e",
        "size_bytes": 8_988_124_298,
        "quantization": "Q4_K_M",
        "parameters": 14_800_000_000,
        "architecture": "qwen2",
        "block_count": 48,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 5120,
        "vocab_size": 152_064,
        "context_length": 32_768,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="qwen2.5-coder:14b") + "; " + _QWEN25_CFG,
        "unverified": ["context_length"],
    },
    {
        "name": "deepseek-r1:14b",
        "digest": "ea35dfe18182",
        "size_bytes": 8_988_112_040,
        "quantization": "Q4_K_M",
        "parameters": 14_800_000_000,
        "architecture": "qwen2",
        "block_count": 48,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 5120,
        "vocab_size": 152_064,
        "context_length": 131_072,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="deepseek-r1:14b") + "; GGUF qwen2.* keys (DeepSeek-R1-Distill-Qwen-14B)",
        "unverified": [],
    },
    {
        "name": "devstral:24b",
        "digest": "c4b2fa0c33d7",
        "size_bytes": 14_333_927_918,
        "quantization": "Q4_K_M",
        "parameters": 23_600_000_000,
        "architecture": "llama",
        "block_count": 40,
        "head_count": 32,
        "head_count_kv": 8,
        # head dim 128 although E/H = 160 (Mistral Small 3.1 base)
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 5120,
        "vocab_size": 131_072,
        "context_length": 131_072,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="devstral:24b") + " (2025-06 publish); GGUF metadata (Mistral-Small-3.1 base)",
        "unverified": ["size_bytes", "vocab_size"],
    },
    {
        "name": "qwen2.5-coder:32b",
        "digest": "b92d6a0bd47e",
        "size_bytes": 19_851_349_898,
        "quantization": "Q4_K_M",
        "parameters": 32_800_000_000,
        "architecture": "qwen2",
        "block_count": 64,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 5120,
        "vocab_size": 152_064,
        "context_length": 32_768,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="qwen2.5-coder:32b") + "; " + _QWEN25_CFG,
        "unverified": ["context_length"],
    },
    {
        "name": "deepseek-r1:32b",
        "digest": "edba8017331d",
        "size_bytes": 19_851_337_809,
        "quantization": "Q4_K_M",
        "parameters": 32_800_000_000,
        "architecture": "qwen2",
        "block_count": 64,
        "head_count": 40,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 5120,
        "vocab_size": 152_064,
        "context_length": 131_072,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="deepseek-r1:32b") + "; GGUF qwen2.* keys (DeepSeek-R1-Distill-Qwen-32B)",
        "unverified": [],
    },
    {
        "name": "llama3.3:70b",
        "digest": "a6eb4748fd29",
        "size_bytes": 42_520_413_916,
        "quantization": "Q4_K_M",
        "parameters": 70_600_000_000,
        "architecture": "llama",
        "block_count": 80,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 8192,
        "vocab_size": 128_256,
        "context_length": 131_072,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": _TAGS_DUMP.format(tag="llama3.3:70b") + "; " + _LLAMA3_CFG,
        "unverified": [],
    },
    {
        "name": "qwen2.5:72b",
        "digest": "424bad2cc13f",
        # `ollama list` shows 47 GB; the exact byte count was not found in a dump.
        "size_bytes": 47_000_000_000,
        "quantization": "Q4_K_M",
        "parameters": 72_700_000_000,
        "architecture": "qwen2",
        "block_count": 80,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 8192,
        "vocab_size": 152_064,
        "context_length": 32_768,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_K",
        "default_num_ctx": None,
        "source": "ollama.com/library/qwen2.5:72b via `ollama list` (47 GB, research notes section 5); " + _QWEN25_CFG,
        "unverified": ["size_bytes", "context_length"],
    },
    {
        "name": "codellama:70b",
        "digest": "e59b580dfce7",
        # `ollama list` shows 38-39 GB; the exact byte count was not found in a dump.
        "size_bytes": 38_900_000_000,
        "quantization": "Q4_0",
        "parameters": 69_000_000_000,
        "architecture": "llama",
        "block_count": 80,
        "head_count": 64,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 8192,
        "vocab_size": 32_016,
        "context_length": 16_384,
        "tied_embeddings": False,
        "output_type": "Q6_K",
        "token_embd_type": "Q4_0",
        "default_num_ctx": None,
        "source": "ollama.com/library/codellama:70b via `ollama list` (38 GB, research notes section 5); "
        "GGUF metadata llama.* keys (CodeLlama-70b config.json)",
        "unverified": ["size_bytes", "context_length", "vocab_size"],
    },
)
