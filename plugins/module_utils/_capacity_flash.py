# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, flash attention: which KV cache type Ollama really uses for a model.

``OLLAMA_KV_CACHE_TYPE`` (q8_0, q4_0) only takes effect where flash attention is on,
and whether it is on depends on the Ollama release, the model's architecture and
``OLLAMA_FLASH_ATTENTION``. Read from the ollama/ollama sources at the releases named
(``NewLlamaServer`` in llm/server.go, ``FlashAttention``/``SupportsFlashAttention``/
``SupportsKVCacheType`` in fs/ggml/ggml.go, envconfig/config.go, and from v0.30.0
``LlamaServerFlashAttention`` in llm/llama_server.go); nothing is copied:

- before 0.11.8 flash attention is on only with ``OLLAMA_FLASH_ATTENTION=1``;
- 0.11.8 turns it on for gpt-oss whatever the variable says;
- from 0.12.4 the variable is a default the model can override: unset, the
  architectures in :data:`FLASH_ATTENTION_DEFAULTS` get it (that list grew release by
  release), ``OLLAMA_FLASH_ATTENTION=0`` turns it off for every model;
- from 0.13.4 models on the llama.cpp runner (not the newer engine) run flash
  attention in "auto" mode, but a quantised cache still needs the variable set to 1;
- in every release up to 0.24 a model without flash attention gets an f16 cache and
  Ollama only logs a warning ("quantized kv cache requested but flash attention
  disabled", "OLLAMA_FLASH_ATTENTION must be enabled to use a quantized
  OLLAMA_KV_CACHE_TYPE"); the model still loads;
- from 0.30.0 every model runs on llama-server, which gets the cache type as it is and
  ``--flash-attn auto`` unless the variable is set. With ``OLLAMA_FLASH_ATTENTION=0`` it
  gets ``--flash-attn off`` and a quantised V cache, which llama.cpp refuses when it
  creates the context: the model does not load.

A model supports flash attention when its K and V heads have the same size (not
deepseek2's latent attention), it is not an embedding model, not gemma2 (from 0.11.11)
and not gpt-oss in 0.11.3 and 0.11.4. gpt-oss refused a quantised cache from 0.11.5 up
to 0.12.3. The GPUs are taken to support flash attention (CUDA compute 6.0 or later
except 7.2, ROCm, Vulkan, the CPU): the declared hardware does not say otherwise.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

Version = tuple[int, int, int]

# Architectures Ollama turns flash attention on for by default, and the release that added
# each (fs/ggml/ggml.go ``FlashAttention``, compared tag by tag from v0.11.8 to v0.24.0).
FLASH_ATTENTION_DEFAULTS: tuple[tuple[Version, frozenset[str]], ...] = (
    ((0, 11, 8), frozenset(("gptoss", "gpt-oss"))),
    ((0, 12, 4), frozenset(("qwen3", "qwen3moe"))),
    ((0, 12, 6), frozenset(("gemma3",))),
    ((0, 12, 8), frozenset(("qwen3vl", "qwen3vlmoe"))),
    ((0, 13, 2), frozenset(("mistral3",))),
    ((0, 13, 4), frozenset(("olmo3",))),
    ((0, 13, 5), frozenset(("bert",))),
    ((0, 14, 3), frozenset(("glm4moelite", "lfm2"))),
    ((0, 15, 5), frozenset(("glmocr", "qwen3next"))),
    ((0, 17, 1), frozenset(("lfm2moe", "nemotron_h", "nemotron_h_moe", "qwen35", "qwen35moe"))),
    ((0, 20, 4), frozenset(("gemma4",))),
    ((0, 22, 0), frozenset(("nemotron_h_omni",))),
)
# 0.11.8 to 0.12.3: gpt-oss gets flash attention even with OLLAMA_FLASH_ATTENTION=0.
FORCED_UNTIL: Version = (0, 12, 4)
# From 0.13.4 the llama.cpp runner needs OLLAMA_FLASH_ATTENTION=1 for a quantised cache.
LLAMA_RUNNER_AUTO_SINCE: Version = (0, 13, 4)
# From 0.30.0 llama-server runs every model and gets the cache type unchanged.
LLAMA_SERVER_SINCE: Version = (0, 30, 0)
EMBEDDING_ARCHS: frozenset[str] = frozenset(("bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2"))
GPT_OSS = frozenset(("gptoss", "gpt-oss"))


class ModelSpec(t.Protocol):
    """The fields the rule reads (``_capacity_estimate.ModelSpec`` has them)."""

    @property
    def architecture(self) -> str: ...
    @property
    def key_length(self) -> int: ...
    @property
    def value_length(self) -> int: ...


@dataclass(frozen=True)
class KvCache:
    """The KV cache type Ollama uses for one model, and why it differs from the request."""

    kv_type: str
    flash_attention: bool
    reason: str = ""  # set when a quantised request falls back to f16 or fails
    fails: bool = False  # the model does not load at all (llama-server refuses the context)


def flash_attention_default(architecture: str, version: Version) -> bool:
    """Whether Ollama ``version`` turns flash attention on for ``architecture`` when the variable is unset."""
    return any(version >= since and architecture in archs for since, archs in FLASH_ATTENTION_DEFAULTS)


def supports_flash_attention(spec: ModelSpec, version: Version | None) -> bool:
    """``SupportsFlashAttention``: equal K and V head sizes, no embedding model, the release's exceptions."""
    arch = spec.architecture
    if arch in EMBEDDING_ARCHS or spec.key_length != spec.value_length:
        return False
    if arch == "gemma2" and (version is None or version >= (0, 11, 11)):
        return False
    return not (arch in GPT_OSS and version is not None and (0, 11, 3) <= version < (0, 11, 5))


def _quantised_refused(spec: ModelSpec, version: Version | None) -> bool:
    """gpt-oss's attention sinks: ``SupportsKVCacheType`` refused q8_0/q4_0 from 0.11.5 to 0.12.3."""
    if spec.architecture not in GPT_OSS:
        return False
    return version is None or (0, 11, 5) <= version < (0, 12, 4)


def kv_cache(
    requested: str,
    flash_env: bool | None,
    spec: ModelSpec,
    version: Version | None,
    newer_engine: bool = False,
) -> KvCache:
    """The cache type Ollama ``version`` uses for ``spec`` when ``OLLAMA_KV_CACHE_TYPE`` is ``requested``.

    ``flash_env`` is ``OLLAMA_FLASH_ATTENTION`` (None when unset); ``newer_engine`` says the
    model runs on Ollama's newer engine (from 0.13.4 only that engine applies the model's
    default to a quantised cache). An unknown release (None) plans an f16 cache unless
    the variable is 1: that never plans less than Ollama uses.
    """
    quantised = requested != "f16"
    supported = supports_flash_attention(spec, version)
    if version is not None and version >= LLAMA_SERVER_SINCE:
        if flash_env is False and quantised:
            return KvCache(
                "f16",
                False,
                f"OLLAMA_FLASH_ATTENTION=0 makes Ollama {_text(version)} start llama-server with "
                f"--flash-attn off and a {requested} V cache, which llama.cpp refuses: the model does not load",
                fails=True,
            )
        return KvCache(requested, flash_env is not False)
    if version is None:
        flash = bool(flash_env) and supported
    elif version >= FORCED_UNTIL:
        flash = (flash_attention_default(spec.architecture, version) if flash_env is None else flash_env) and supported
    else:
        flash = (bool(flash_env) or flash_attention_default(spec.architecture, version)) and supported
    if not quantised:
        return KvCache(requested, flash)
    release = "this release" if version is None else f"Ollama {_text(version)}"
    if version is None and flash_env is not True:
        reason = "flash attention is on by default only for some models and releases; pin aistack_ollama_version"
        if flash_env is False:
            reason = "OLLAMA_FLASH_ATTENTION=0 turns flash attention off"
        return KvCache("f16", False, reason)
    if not supported:
        return KvCache("f16", False, f"{release} runs it without flash attention (its attention does not support it)")
    if _quantised_refused(spec, version):
        return KvCache("f16", flash, f"{release} refuses a quantised cache for gpt-oss's attention sinks")
    if not flash:
        why = "OLLAMA_FLASH_ATTENTION=0" if flash_env is False else "OLLAMA_FLASH_ATTENTION is not 1"
        return KvCache("f16", False, f"{release} runs it without flash attention ({why})")
    if version is not None and version >= LLAMA_RUNNER_AUTO_SINCE and not newer_engine and flash_env is not True:
        why = f"{release} needs OLLAMA_FLASH_ATTENTION=1 for a quantised cache on its llama.cpp runner"
        return KvCache("f16", flash, why)
    return KvCache(requested, flash)


def _text(version: Version) -> str:
    return ".".join(str(part) for part in version)
