# Copyright: aistack.baremetal contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity planner, Ollama settings: ``aistack_ollama_env`` read the way Ollama's envconfig reads it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_buffers import KV_BYTES_PER_ELEMENT
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_problems import (
    MAX_CONTEXT,
    MAX_LOADED_MODELS,
    MAX_NUM_PARALLEL,
    MAX_QUEUE,
    CapacityInputError,
    Problems,
    mapping,
)

# strconv.ParseBool, which envconfig uses for OLLAMA_FLASH_ATTENTION and the other switches.
_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")
# envconfig's OLLAMA_KEEP_ALIVE: integer seconds, or a Go duration (time.ParseDuration:
# one or more decimal numbers with a unit, an optional sign; "0" needs no unit).
_DURATION = re.compile(r"^[-+]?(?:\d+|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$")
KV_CACHE_TYPES = tuple(KV_BYTES_PER_ELEMENT)


def parse_bool(value: Any) -> bool | None:
    """envconfig.BoolWithDefault: empty means unset; strconv.ParseBool otherwise."""
    if value is None or str(value).strip() == "":
        return None
    if isinstance(value, bool):
        return value
    # Ollama reads an unparsable value as true; parse_settings reports it first.
    return str(value).strip() not in _GO_FALSE


@dataclass(frozen=True)
class OllamaSettings:
    """The OLLAMA_* variables that change memory use, parsed like envconfig/config.go."""

    num_parallel: int
    max_loaded_models: int  # 0 = default 3 per GPU
    kv_cache_type: str  # as requested
    flash_attention: bool | None
    context_length: int  # 0 = VRAM tier default
    gpu_overhead: int
    keep_alive: str

    def loaded_limit(self, gpu_count: int) -> int:
        if self.max_loaded_models > 0:
            return self.max_loaded_models
        return 3 * max(gpu_count, 1)


# Integer settings: (default when unset, minimum, maximum).
_ENV_INTS: dict[str, tuple[int, int, int]] = {
    "OLLAMA_NUM_PARALLEL": (1, 1, MAX_NUM_PARALLEL),
    "OLLAMA_MAX_LOADED_MODELS": (0, 1, MAX_LOADED_MODELS),
    "OLLAMA_MAX_QUEUE": (512, 1, MAX_QUEUE),
    "OLLAMA_CONTEXT_LENGTH": (0, 1, MAX_CONTEXT),
    "OLLAMA_GPU_OVERHEAD": (0, 0, 1 << 44),
}


def _env_text(env: Mapping[str, Any], key: str) -> str | None:
    raw = env.get(key)
    if raw is None or isinstance(raw, (Mapping, list, tuple)):
        return None
    text = str(raw).strip()
    return text or None


def parse_settings(env: Mapping[str, Any] | None, problems: Problems | None = None) -> OllamaSettings:
    """``aistack_ollama_env`` as Ollama reads it. Every bad value is recorded and replaced by Ollama's default.

    Without ``problems`` the first bad value raises :class:`CapacityInputError`.
    """
    found = problems if problems is not None else Problems()
    env = mapping(found, env, "aistack_ollama_env", "OLLAMA_* variables") or {}
    where = "aistack_ollama_env"
    for key, value in env.items():
        if isinstance(value, (Mapping, list, tuple)):
            found.bad(f"{where}.{key}", value, "text, a number or a boolean (environment variables are strings)")
    ints: dict[str, int] = {}
    for key, (default, minimum, maximum) in _ENV_INTS.items():
        text = _env_text(env, key)
        ints[key] = default
        if text is None:
            continue
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or value > maximum:
            found.bad(f"{where}.{key}", env[key], f"a whole number from {minimum} to {maximum}")
            continue
        ints[key] = value
    kv_type = (_env_text(env, "OLLAMA_KV_CACHE_TYPE") or "f16").lower()
    if kv_type not in KV_CACHE_TYPES:
        found.bad(f"{where}.OLLAMA_KV_CACHE_TYPE", env["OLLAMA_KV_CACHE_TYPE"], f"one of {', '.join(KV_CACHE_TYPES)}")
        kv_type = "f16"
    flash_text = _env_text(env, "OLLAMA_FLASH_ATTENTION")
    if flash_text is not None and flash_text not in _GO_TRUE + _GO_FALSE:
        found.bad(f"{where}.OLLAMA_FLASH_ATTENTION", env["OLLAMA_FLASH_ATTENTION"], '"1" (on) or "0" (off)')
        flash_text = None
    flash = parse_bool(env["OLLAMA_FLASH_ATTENTION"] if flash_text is not None else None)
    # Whether a quantised cache applies depends on the release and the model: the instance
    # planner decides per model (_capacity_flash) and warns where Ollama keeps f16.
    keep_alive = _env_text(env, "OLLAMA_KEEP_ALIVE") or "5m"
    if not _DURATION.match(keep_alive):
        found.bad(
            f"{where}.OLLAMA_KEEP_ALIVE",
            env["OLLAMA_KEEP_ALIVE"],
            "a duration like 5m, 1h30m or 24h, whole seconds like 300, or -1 (never unload)",
        )
        keep_alive = "5m"
    if problems is None and found.items:
        raise CapacityInputError(found.items[0]["message"])
    return OllamaSettings(
        num_parallel=ints["OLLAMA_NUM_PARALLEL"],
        max_loaded_models=ints["OLLAMA_MAX_LOADED_MODELS"],
        kv_cache_type=kv_type,
        flash_attention=flash,
        context_length=ints["OLLAMA_CONTEXT_LENGTH"],
        gpu_overhead=ints["OLLAMA_GPU_OVERHEAD"],
        keep_alive=keep_alive,
    )
