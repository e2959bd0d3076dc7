"""Which KV cache type Ollama uses per release, model and OLLAMA_FLASH_ATTENTION (_capacity_flash)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_budget as bud
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_flash as fl
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

CATALOG = cat.build_catalog()
LLAMA = CATALOG["llama3.1:8b"]
GEMMA3 = CATALOG["gemma3:12b"]
QWEN3 = CATALOG["qwen3:8b"]
GPT_OSS = CATALOG["gpt-oss:20b"]


def _v(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(p) for p in text.split("."))
    return major, minor, patch


@pytest.mark.parametrize(
    ("spec", "flash", "version", "engine", "expected"),
    [
        # Before 0.11.8 only OLLAMA_FLASH_ATTENTION=1 turns flash attention on.
        (LLAMA, None, "0.11.7", False, "f16"),
        (LLAMA, True, "0.11.7", False, "q8_0"),
        # qwen3 gets it by default from 0.12.4, gemma3 from 0.12.6; =0 turns it off.
        (QWEN3, None, "0.12.3", True, "f16"),
        (QWEN3, None, "0.12.4", True, "q8_0"),
        (GEMMA3, None, "0.12.5", True, "f16"),
        (GEMMA3, None, "0.12.6", True, "q8_0"),
        (GEMMA3, False, "0.12.6", True, "f16"),
        # gpt-oss: flash attention forced on from 0.11.8, but quantised caches refused until 0.12.4.
        (GPT_OSS, False, "0.12.0", True, "f16"),
        (GPT_OSS, True, "0.12.3", True, "f16"),
        (GPT_OSS, None, "0.12.4", True, "q8_0"),
        # From 0.13.4 the llama.cpp runner needs =1 for a quantised cache; the newer engine does not.
        (LLAMA, True, "0.13.3", False, "q8_0"),
        (LLAMA, True, "0.13.4", False, "q8_0"),
        (LLAMA, None, "0.13.4", False, "f16"),
        (GEMMA3, None, "0.20.4", True, "q8_0"),
        # From 0.30.0 llama-server gets the type as it is, with --flash-attn auto.
        (LLAMA, None, "0.30.0", False, "q8_0"),
        (LLAMA, True, "0.32.15", False, "q8_0"),
    ],
)
def test_kv_cache_type_follows_the_release(
    spec: Any, flash: bool | None, version: str, engine: bool, expected: str
) -> None:
    kv = fl.kv_cache("q8_0", flash, spec, _v(version), engine)
    assert kv.kv_type == expected
    assert bool(kv.reason) == (expected == "f16") and not kv.fails


def test_flash_attention_off_fails_to_load_on_llama_server() -> None:
    kv = fl.kv_cache("q4_0", False, LLAMA, (0, 30, 0), False)
    assert kv.fails and "does not load" in kv.reason
    # Before llama-server the same settings only fall back to f16.
    assert not fl.kv_cache("q4_0", False, LLAMA, (0, 24, 0), False).fails


def test_models_without_flash_attention_support_keep_f16() -> None:
    # deepseek2's latent attention: K heads of 192, V heads of 128.
    deepseek = dataclasses.replace(LLAMA, architecture="deepseek2", key_length=192, value_length=128)
    assert fl.kv_cache("q8_0", True, deepseek, (0, 12, 10), False).kv_type == "f16"
    assert not fl.supports_flash_attention(CATALOG["nomic-embed-text:latest"], (0, 12, 10))


def test_unknown_release_plans_f16_unless_flash_attention_is_set() -> None:
    assert fl.kv_cache("q8_0", None, GEMMA3, None, True).kv_type == "f16"
    assert fl.kv_cache("q8_0", True, GEMMA3, None, True).kv_type == "q8_0"
    assert fl.kv_cache("f16", None, GEMMA3, None, True).reason == ""


def test_flash_attention_defaults_grow_by_release() -> None:
    assert not fl.flash_attention_default("gemma3", (0, 12, 5))
    assert fl.flash_attention_default("gemma3", (0, 12, 6))
    assert fl.flash_attention_default("gemma4", (0, 20, 4))
    assert not fl.flash_attention_default("llama", (0, 24, 0))


def _plan(env: dict[str, str], version: str | None, models: list[dict[str, Any]]) -> dict[str, Any]:
    inputs = copy.deepcopy(example_plan_inputs())
    inputs["ollama_env"] = {**inputs["ollama_env"], **env}
    inputs["models"] = {"primary": models}
    return bud.build_plan(**inputs, ollama_version=version)


def test_planner_warns_and_sizes_f16_where_ollama_falls_back() -> None:
    models = [{"name": "llama3.1:8b", "tier": "hot"}, {"name": "gemma3:12b", "tier": "hot"}]
    # OLLAMA_FLASH_ATTENTION empty is unset: the model's default decides.
    plan = _plan({"OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_FLASH_ATTENTION": ""}, "0.13.4", models)
    assert not any("OLLAMA_KV" in p["message"] for p in plan["problems"] if p["severity"] == "error")
    by_name = {m["name"]: m for m in plan["models"]["primary"]["models"]}
    assert by_name["gemma3:12b"]["kv_cache_type"] == "q8_0"
    assert by_name["llama3.1:8b"]["kv_cache_type"] == "f16"
    warnings = [p["message"] for p in plan["problems"] if p["severity"] == "warning"]
    assert any(m.startswith("OLLAMA_KV_CACHE_TYPE=q8_0 does not apply to llama3.1:8b") for m in warnings)
    assert plan["models"]["primary"]["settings"]["kv_cache_type"] == "q8_0; f16 for llama3.1:8b"
    # With OLLAMA_FLASH_ATTENTION=1 both get q8_0, and the KV cache shrinks.
    on = _plan({"OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_FLASH_ATTENTION": "1"}, "0.13.4", models)
    kv_on = {m["name"]: m["kv"] for m in on["models"]["primary"]["models"]}
    assert kv_on["llama3.1:8b"] < by_name["llama3.1:8b"]["kv"]
    assert not any("OLLAMA_KV_CACHE_TYPE" in p["message"] for p in on["problems"])


def test_planner_refuses_flash_attention_off_with_a_quantised_cache_on_llama_server() -> None:
    env = {"OLLAMA_KV_CACHE_TYPE": "q8_0", "OLLAMA_FLASH_ATTENTION": "0"}
    models = [{"name": "llama3.1:8b", "tier": "hot"}]
    errors = [p["message"] for p in _plan(env, "0.32.15", models)["problems"] if p["severity"] == "error"]
    assert any(m.startswith("OLLAMA_KV_CACHE_TYPE=q8_0: llama3.1:8b: ") for m in errors)
    # Older releases load the model with an f16 cache: a warning, not an error.
    old = _plan(env, "0.12.10", models)["problems"]
    assert not any("OLLAMA_KV_CACHE_TYPE" in p["message"] for p in old if p["severity"] == "error")
    assert any("OLLAMA_KV_CACHE_TYPE=q8_0 does not apply" in p["message"] for p in old if p["severity"] == "warning")
