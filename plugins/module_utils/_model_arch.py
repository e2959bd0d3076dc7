# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Model architecture facts for the capacity planner, from GGUF metadata.

One job: turn GGUF key/value metadata (read from a GGUF header, or as Ollama's
``/api/show`` returns it in ``model_info``) plus, when known, the tensor infos
into one flat dict of facts with the field names of the built-in model catalog
(``block_count``, ``head_count_kv``, ``key_length``...) and the fields that
catalog rows do not carry yet (sliding window, experts, per-layer arrays).

Both inputs use the same keys: ``general.architecture`` names the architecture
``<arch>``, and the hyperparameters are ``<arch>.block_count``,
``<arch>.attention.head_count_kv`` and so on. A per-layer value (a
``head_count_kv`` of 0 on recurrent layers, for example) is an array with one
entry per block; the scalar fact is then its largest entry and the array is
kept in ``<field>_per_layer``.

Defaults follow llama.cpp and Ollama: ``head_count_kv`` defaults to
``head_count``; ``key_length``/``value_length`` to ``embedding_length`` divided
by the smallest non-zero head count. Which layers use a sliding window comes
from ``<arch>.attention.sliding_window_pattern`` when the file has it (a period
N: every N-th layer is global; or one boolean per layer, true for windowed),
otherwise from the period llama.cpp hard-codes for the architecture.
"""

from __future__ import annotations

import typing as t

from ansible_collections.aistack.baremetal.plugins.module_utils._gguf import (
    FILE_TYPES,
    SkippedArray,
    TensorInfo,
)

# Facts without which no estimate is possible.
REQUIRED_FACTS = ("architecture", "block_count", "head_count", "embedding_length", "context_length")

# Sliding-window period llama.cpp sets in code for architectures whose GGUF
# files carry no sliding_window_pattern key (llama_hparams::set_swa_pattern):
# layer i is windowed unless i % N == N - 1.
SWA_PERIOD_BY_ARCH: dict[str, int] = {
    "gemma2": 2,
    "gemma3": 6,
    "gemma-embedding": 6,
    "gpt-oss": 2,
    "cohere2": 4,
}

# Scalar hyperparameters: fact name -> key under "<arch>.".
_ARCH_KEYS: dict[str, str] = {
    "block_count": "block_count",
    "embedding_length": "embedding_length",
    "context_length": "context_length",
    "vocab_size": "vocab_size",
    "feed_forward_length": "feed_forward_length",
    "head_count": "attention.head_count",
    "head_count_kv": "attention.head_count_kv",
    "key_length": "attention.key_length",
    "value_length": "attention.value_length",
    "sliding_window": "attention.sliding_window",
    "kv_lora_rank": "attention.kv_lora_rank",
    "key_length_mla": "attention.key_length_mla",
    "value_length_mla": "attention.value_length_mla",
    "expert_count": "expert_count",
    "expert_used_count": "expert_used_count",
    "expert_shared_count": "expert_shared_count",
    "expert_feed_forward_length": "expert_feed_forward_length",
    "leading_dense_block_count": "leading_dense_block_count",
}
# Those that may be one value per layer.
_PER_LAYER = ("head_count", "head_count_kv", "feed_forward_length")

# Every fact this module returns, in report order.
FACT_FIELDS: tuple[str, ...] = (
    "architecture",
    "parameters",
    "quantization",
    "file_type",
    "block_count",
    "head_count",
    "head_count_kv",
    "key_length",
    "value_length",
    "embedding_length",
    "feed_forward_length",
    "vocab_size",
    "context_length",
    "head_count_per_layer",
    "head_count_kv_per_layer",
    "feed_forward_length_per_layer",
    "sliding_window",
    "sliding_window_layers",
    "sliding_window_source",
    "expert_count",
    "expert_used_count",
    "expert_shared_count",
    "expert_feed_forward_length",
    "leading_dense_block_count",
    "kv_lora_rank",
    "key_length_mla",
    "value_length_mla",
    "tied_embeddings",
    "output_type",
    "token_embd_type",
    "vision_bytes",
    "vision_graph_bytes",
)


class FactsError(ValueError):
    """Metadata that cannot describe a model (no architecture, wrong types)."""


def _count(value: t.Any, key: str) -> int | None:
    """A non-negative integer, or None when absent."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FactsError("%s is %r, expected a non-negative integer" % (key, value))
    return int(value)


def _count_or_layers(value: t.Any, key: str) -> tuple[int | None, list[int] | None]:
    """(scalar, per-layer list) of a value that may be an array; scalar = largest entry."""
    if isinstance(value, (list, tuple)):
        layers = [_count(item, key) or 0 for item in value]
        return (max(layers) if layers else None), layers
    return _count(value, key), None


def _array_length(value: t.Any) -> int | None:
    if isinstance(value, SkippedArray):
        return value.length
    if isinstance(value, (list, tuple)) and value:
        return len(value)
    return None


def _swa_layers(arch: str, pattern: t.Any, block_count: int | None, key: str) -> tuple[list[bool] | None, str | None]:
    if block_count is None:
        return None, None
    if isinstance(pattern, (list, tuple)):
        if len(pattern) != block_count:
            raise FactsError("%s has %d entries for %d blocks" % (key, len(pattern), block_count))
        return [bool(item) for item in pattern], "gguf"
    period = _count(pattern, key)
    source = "gguf"
    if period is None:
        period = SWA_PERIOD_BY_ARCH.get(arch)
        source = "architecture"
        if period is None:
            return None, None
    if period == 0:
        return [True] * block_count, source
    return [layer % period < period - 1 for layer in range(block_count)], source


def _tensor_facts(tensors: t.Sequence[TensorInfo] | t.Sequence[t.Mapping[str, t.Any]]) -> dict[str, t.Any]:
    """Parameter count, tied embeddings and the types of the embedding/output tensors."""
    params = 0
    vision = 0
    types: dict[str, str] = {}
    shapes: dict[str, t.Sequence[int]] = {}
    for tensor in tensors:
        shape: t.Sequence[int]
        if isinstance(tensor, TensorInfo):
            name, shape, type_name = tensor.name, tensor.shape, tensor.type_name
            if name.startswith(("v.", "mm.")):
                vision += tensor.nbytes or 0
        else:
            name, shape, type_name = str(tensor.get("name")), list(tensor.get("shape") or []), str(tensor.get("type"))
        elements = 1
        for dim in shape:
            elements *= int(dim)
        params += elements
        if name in ("token_embd.weight", "output.weight"):
            types[name] = type_name
            shapes[name] = shape
    facts: dict[str, t.Any] = {"parameters": params or None, "vision_bytes": vision or None}
    if "token_embd.weight" in types:
        facts["tied_embeddings"] = "output.weight" not in types
        facts["token_embd_type"] = types["token_embd.weight"]
        facts["output_type"] = types.get("output.weight", types["token_embd.weight"])
        embd_shape = shapes["token_embd.weight"]
        if len(embd_shape) == 2:
            facts["vocab_from_tensor"] = int(embd_shape[1])
    return facts


def _vision_graph(arch: str, metadata: t.Mapping[str, t.Any]) -> int | None:
    """Compute graph of one image for gemma3 and mistral3 vision towers, as Ollama's estimator sizes it:
    4 bytes x (the image's pixels x channels + embedding x patch size + patches^2 x heads)."""
    if arch not in ("gemma3", "mistral3"):
        return None
    try:
        image = _count(metadata.get("%s.vision.image_size" % arch), "vision.image_size")
        patch = _count(metadata.get("%s.vision.patch_size" % arch), "vision.patch_size")
        channels = _count(metadata.get("%s.vision.num_channels" % arch), "vision.num_channels") or 3
        heads = _count(metadata.get("%s.vision.attention.head_count" % arch), "vision.attention.head_count")
        embedding = _count(metadata.get("%s.vision.embedding_length" % arch), "vision.embedding_length")
    except FactsError:
        return None
    if not (image and patch and heads and embedding):
        return None
    patches = (image // patch) ** 2
    return 4 * (image * image * channels + embedding * patch + patches * patches * heads)


def facts_from_metadata(
    metadata: t.Mapping[str, t.Any],
    tensors: t.Sequence[TensorInfo] | t.Sequence[t.Mapping[str, t.Any]] | None = None,
) -> dict[str, t.Any]:
    """Facts from GGUF key/value metadata (GGUF header or /api/show model_info) and optional tensor infos.

    Returns every field of FACT_FIELDS (None when unknown) plus ``missing``
    (required facts that are unknown) and ``hidden`` (keys whose array value
    was not shown: Ollama's /api/show without ``verbose`` sends arrays as null).
    """
    arch = metadata.get("general.architecture")
    if not isinstance(arch, str) or not arch:
        raise FactsError("the metadata has no general.architecture")
    facts: dict[str, t.Any] = dict.fromkeys(FACT_FIELDS)
    facts["architecture"] = arch
    hidden: list[str] = []

    for field, suffix in _ARCH_KEYS.items():
        key = "%s.%s" % (arch, suffix)
        if key not in metadata:
            continue
        value = metadata[key]
        if value is None:
            hidden.append(key)
            continue
        if isinstance(value, SkippedArray):
            raise FactsError("%s is an array of %d entries, too long for a per-layer value" % (key, value.length))
        if field in _PER_LAYER:
            facts[field], facts[field + "_per_layer"] = _count_or_layers(value, key)
        else:
            facts[field] = _count(value, key)

    if facts["head_count_kv"] is None and facts["head_count_kv_per_layer"] is None and facts["head_count"] is not None:
        facts["head_count_kv"] = facts["head_count"]
    heads = [h for h in (facts["head_count_per_layer"] or [facts["head_count"] or 0]) if h]
    if facts["embedding_length"] and heads:
        head_dim = facts["embedding_length"] // min(heads)
        if facts["key_length"] is None:
            facts["key_length"] = head_dim
        if facts["value_length"] is None:
            facts["value_length"] = head_dim

    if facts["sliding_window"]:
        pattern_key = "%s.attention.sliding_window_pattern" % arch
        pattern = metadata.get(pattern_key)
        if pattern_key in metadata and pattern is None:
            hidden.append(pattern_key)
        facts["sliding_window_layers"], facts["sliding_window_source"] = _swa_layers(
            arch, pattern, facts["block_count"], pattern_key
        )

    file_type = _count(metadata.get("general.file_type"), "general.file_type")
    if file_type is not None:
        facts["file_type"] = file_type
        facts["quantization"] = FILE_TYPES.get(file_type, "file type %d" % file_type)

    tokens = metadata.get("tokenizer.ggml.tokens")
    if "tokenizer.ggml.tokens" in metadata and tokens is None:
        hidden.append("tokenizer.ggml.tokens")
    tensor_facts = _tensor_facts(tensors) if tensors else {}
    vocab_from_tensor = tensor_facts.pop("vocab_from_tensor", None)
    if facts["vocab_size"] is None:
        facts["vocab_size"] = _array_length(tokens) or vocab_from_tensor
    facts.update({key: value for key, value in tensor_facts.items() if value is not None})
    if facts["parameters"] is None:
        facts["parameters"] = _count(metadata.get("general.parameter_count"), "general.parameter_count")

    facts["vision_graph_bytes"] = _vision_graph(arch, metadata)
    facts["missing"] = [field for field in REQUIRED_FACTS if facts[field] is None]
    facts["hidden"] = hidden
    return facts


def facts_from_show(show: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """Facts from an /api/show answer: model_info, plus details and (verbose) tensors."""
    info = show.get("model_info")
    if not isinstance(info, dict) or not info:
        raise FactsError("the answer has no model_info (a model made only of safetensors, or a very old server)")
    tensors = show.get("tensors")
    facts = facts_from_metadata(info, tensors if isinstance(tensors, list) else None)
    details = show.get("details")
    if facts["quantization"] is None and isinstance(details, dict) and details.get("quantization_level"):
        facts["quantization"] = str(details["quantization_level"])
    return facts
