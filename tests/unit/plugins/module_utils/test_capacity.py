"""Unit tests for the capacity planner (estimate, inputs, budget): formulas, the example inventory, bad input."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_budget as bud
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_estimate as est
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_problems as prob
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_settings as sets
from ansible_collections.aistack.baremetal.plugins.module_utils import _constants as const
from ansible_collections.aistack.baremetal.plugins.module_utils._model_catalog import CATALOG, REQUIRED_FIELDS
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

GIB = est.GIB
MIB = est.MIB
ROOT = Path(__file__).resolve().parents[4]
DESIGN_MODELS = (
    "llama3.1:8b",
    "qwen2.5-coder:14b",
    "mistral:7b",
    "devstral:24b",
    "qwen2.5-coder:32b",
    "deepseek-r1:14b",
    "deepseek-r1:32b",
    "llama3.3:70b",
    "qwen2.5:72b",
    "codellama:70b",
    "llama3.2:3b",
    "llama3.2:1b",
)


@pytest.fixture(scope="module")
def example_plan() -> dict[str, Any]:
    return bud.build_plan(**example_plan_inputs())


@pytest.fixture(scope="module")
def catalog() -> dict[str, est.ModelSpec]:
    return cat.build_catalog()


# ---------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------


def test_catalog_covers_the_design_models_with_sources(catalog: dict[str, est.ModelSpec]) -> None:
    for name in DESIGN_MODELS:
        spec = catalog[name]
        assert spec.source, name
        assert spec.size_bytes > 10**9 or (name == "llama3.2:1b" and spec.size_bytes > 10**8)
        assert spec.context_length >= 16384
        assert spec.head_count % spec.head_count_kv == 0


def test_catalog_rows_carry_every_required_field() -> None:
    for row in CATALOG:
        for field in (*REQUIRED_FIELDS, "quantization", "parameters", "source", "unverified"):
            assert field in row, (row["name"], field)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("llama3.1:8b", "llama3.1:8b"),
        ("llama3.1", "llama3.1:latest"),
        ("library/Mistral:7B", "mistral:7b"),
        ("registry.ollama.ai/library/qwen2.5:72b", "qwen2.5:72b"),
        ("hf.co/bartowski/X-GGUF:Q4_K_M", "hf.co/bartowski/x-gguf:q4_k_m"),
    ],
)
def test_normalise_model_name(name: str, expected: str) -> None:
    assert cat.normalise_model_name(name) == expected


def test_tensor_split_matches_the_measured_llama31_blob(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.1:8b"]
    # research notes section 4: repeating 4,186,439,680 B, non-repeating 411.0 MiB
    assert spec.repeating_bytes == pytest.approx(4_186_439_680, rel=0.001)
    assert spec.output_bytes / MIB == pytest.approx(411.0, abs=0.05)
    assert spec.kv_bytes_per_token() == 128 * 1024


def test_extra_row_overrides_and_defaults_head_dim() -> None:
    row = {
        "name": "tiny:1b",
        "size_bytes": 800_000_000,
        "architecture": "qwen2",
        "block_count": 24,
        "head_count": 14,
        "head_count_kv": 2,
        "embedding_length": 896,
        "vocab_size": 151_936,
        "context_length": 32768,
    }
    catalog = cat.build_catalog([row, {**CATALOG[0], "size_bytes": 2_000_000_000}])
    assert catalog["tiny:1b"].key_length == 64  # E / H
    assert catalog["tiny:1b"].source.startswith("aistack_model_catalog_extra")
    assert catalog["llama3.2:1b"].size_bytes == 2_000_000_000


# ---------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------


def test_kv_cache_is_context_times_parallel_times_layers_heads_dims_bytes(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["qwen2.5-coder:14b"]
    for kv_type, bpe in (("f16", 2), ("q8_0", 1), ("q4_0", 0.5)):
        result = est.estimate(spec, 4096, 16, kv_type)
        assert result.kv == 4096 * 16 * 48 * 8 * (128 + 128) * bpe
        assert result.ctx_total == 65536


def test_num_ctx_is_capped_at_the_model_maximum(catalog: dict[str, est.ModelSpec]) -> None:
    result = est.estimate(catalog["codellama:70b"], 262144, 1)
    assert result.num_ctx == 16384


def test_llama_graph_formula_worked_example(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.1:8b"]
    partial, full = est.graph_size(spec, 8192, 512, 0)
    assert full / MIB == pytest.approx(560.0, abs=0.01)
    assert partial / MIB == pytest.approx(677.5, abs=0.05)


def test_unknown_architecture_uses_the_gqa_fallback() -> None:
    row = {**CATALOG[3], "name": "odd:7b", "architecture": "mamba9"}
    spec = cat.build_catalog([row])["odd:7b"]
    partial, full = est.graph_size(spec, 8192, 512, 6 * 1000)
    assert partial == full == (32 // 8) * 6000 // 6


def test_full_offload_total_is_minimum_buffer_weights_kv_graph(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.1:8b"]
    result = est.estimate(spec, 2048, 4, "f16", [int(13.7 * GIB)])
    kv_layer = result.kv // 32
    expected = (
        est.GPU_MINIMUM_MEMORY
        + spec.layer_bytes
        + kv_layer
        + 32 * (spec.layer_bytes + kv_layer)
        + spec.output_bytes
        + result.graph_full
    )
    assert result.total == expected
    assert result.fits_vram and result.processor == "100% GPU"
    assert result.total / GIB == pytest.approx(6.5, abs=0.06)


def test_partial_offload_puts_the_rest_in_ram(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.3:70b"]
    result = est.estimate(spec, 8192, 1, "f16", [8 * GIB])
    assert 0 < result.gpu_layers < result.layers_total
    assert result.vram_used <= 8 * GIB
    assert result.ram_used == result.total - result.vram_used
    assert result.graph == result.graph_partial
    assert result.processor.endswith("CPU/GPU")


def test_cpu_only_has_no_gpu_minimum(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.1:8b"]
    cpu = est.estimate(spec, 8192, 1, "f16", [])
    assert cpu.vram_used == 0 and cpu.gpu_layers == 0
    assert cpu.processor == "100% CPU"
    assert (
        cpu.total
        == spec.layer_bytes + cpu.kv // 32 + spec.repeating_bytes + cpu.kv + spec.output_bytes + cpu.graph_full
    )


def test_gpu_overhead_reduces_the_layers_that_fit(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["qwen2.5-coder:32b"]
    plain = est.estimate(spec, 4096, 1, "f16", [16 * GIB])
    reserved = est.estimate(spec, 4096, 1, "f16", [16 * GIB], gpu_overhead=4 * GIB)
    assert reserved.gpu_layers < plain.gpu_layers


def test_two_gpus_use_the_partial_graph(catalog: dict[str, est.ModelSpec]) -> None:
    spec = catalog["llama3.1:8b"]
    result = est.estimate(spec, 8192, 1, "f16", [24 * GIB, 24 * GIB])
    assert result.graph == result.graph_partial
    assert len([a for a in result.gpu_allocations if a]) == 2


@pytest.mark.parametrize(("vram_gib", "expected"), [(8, 4096), (22.9, 4096), (24, 32768), (46, 32768), (80, 262144)])
def test_default_num_ctx_follows_the_vram_tiers(vram_gib: float, expected: int) -> None:
    assert est.default_num_ctx(int(vram_gib * GIB)) == expected


def test_quantised_kv_without_flash_attention_is_no_input_error() -> None:
    # Whether the quantised cache applies is decided per model and release (_capacity_flash), not here.
    problems = prob.Problems()
    settings = sets.parse_settings({"OLLAMA_KV_CACHE_TYPE": "q8_0"}, problems)
    assert (settings.kv_cache_type, settings.flash_attention, problems.items) == ("q8_0", None, [])
    # Ollama would read an unparsable boolean as true; preflight refuses it instead.
    problems = prob.Problems()
    assert sets.parse_settings({"OLLAMA_FLASH_ATTENTION": "yes please"}, problems).flash_attention is None
    assert "OLLAMA_FLASH_ATTENTION is text 'yes please'" in problems.items[0]["message"]
    assert sets.parse_settings({"OLLAMA_FLASH_ATTENTION": "false"}).flash_attention is False
    assert sets.parse_settings({"OLLAMA_FLASH_ATTENTION": True}).flash_attention is True


def test_max_loaded_models_default_is_three_per_gpu() -> None:
    settings = sets.parse_settings({})
    assert settings.loaded_limit(0) == 3 and settings.loaded_limit(2) == 6
    assert settings.num_parallel == 1


def test_kubelet_reservation_guideline_tiers() -> None:
    result = bud.kubelet_reservations(40, 96)
    # 6 % + 1 % + 2 x 0.5 % + 36 x 0.25 % of a core; 25 % of 4 + 20 % of 4 + 10 % of 8 + 6 % of 80 GiB
    assert result["kube_reserved_guideline"]["cpu"] == pytest.approx(0.17)
    assert result["kube_reserved_guideline"]["memory_gb"] == pytest.approx(7.4)


def test_kubelet_reservations_are_what_k3s_applies() -> None:
    # No system / kubernetes allocation: the k3s role's defaults.
    default = bud.kubelet_reservations(40, 96)
    assert default["system_reserved"] == {"cpu": 1.0, "memory_gb": 2.0}
    assert default["kube_reserved"] == {"cpu": 0.0, "memory_gb": 1.0}
    assert default["eviction_hard_memory_gb"] == pytest.approx(500 / 1024, abs=0.01)
    # The inventory's entries win, as in the k3s role.
    mapped = bud.kubelet_reservations(
        40, 96, {"system": {"cpu": 2, "memory_gb": 3}, "kubernetes": {"cpu": 1, "memory_gb": 4}}
    )
    assert mapped["system_reserved"] == {"cpu": 2.0, "memory_gb": 3.0}
    assert mapped["reserved_memory_gb"] == pytest.approx(7.49, abs=0.01)


# ---------------------------------------------------------------------------
# The example inventory (the design's numbers)
# ---------------------------------------------------------------------------


def _problems(plan: dict[str, Any], area: str, severity: str) -> list[str]:
    return [p["message"] for p in plan["problems"] if p["area"] == area and p["severity"] == severity]


def test_example_cpu_overcommit_48_of_40(example_plan: dict[str, Any]) -> None:
    cpu = example_plan["budget"]["cpu"]
    assert (cpu["requested"], cpu["available"], cpu["over_by"]) == (48, 40, 8)
    [message] = _problems(example_plan, "budget/cpu", "error")
    assert "48 cores" in message and "40" in message and "over by 8" in message


def test_example_memory_overcommit_112_of_96(example_plan: dict[str, Any]) -> None:
    memory = example_plan["budget"]["memory"]
    assert (memory["requested"], memory["available"], memory["over_by"]) == (112, 96, 16)
    [message] = _problems(example_plan, "budget/memory", "error")
    assert "112 GiB" in message and "96 GiB" in message and "over by 16" in message


def test_example_standby_scenario(example_plan: dict[str, Any]) -> None:
    standby = example_plan["budget"]["standby"]
    assert standby["cpu"]["requested"] == 68 and standby["memory"]["requested"] == 176
    assert _problems(example_plan, "budget/standby", "warning")


def test_example_disk_is_over_by_the_standalone_and_prometheus_volumes(example_plan: dict[str, Any]) -> None:
    """The design's volumes fill the 1000 GiB disk; the standalone Ollama's and Prometheus's 50 GiB do not fit."""
    disk = example_plan["budget"]["disk"]
    assert disk["requested"] == 1100 and disk["over_by"] == 100
    errors = _problems(example_plan, "budget/disk", "error")
    assert any("disk over-committed: volumes and reservations need 1100 GiB" in m for m in errors)
    # The message lists what takes the space, so the user sees which volume to shrink.
    assert any(
        "over by 100" in m and "volume ollama_standalone 50" in m and "volume prometheus 50" in m for m in errors
    )


def _disk_items(**changes: Any) -> dict[str, float]:
    plan = bud.build_plan(**_with(**changes))
    return {i["name"]: i["value"] for i in plan["budget"]["disk"]["items"]}


def test_prometheus_volume_is_budgeted_when_monitoring_is_on() -> None:
    # The monitoring role's default, from the one constant the role's defaults are checked against.
    assert _disk_items(monitoring={})["volume prometheus"] == const.MONITORING_VOLUME_GB
    assert _disk_items(monitoring={"volume_gb": 40})["volume prometheus"] == 40
    # aistack_volumes.prometheus wins, as in playbooks/vars/monitoring.yml.
    volumes = {**example_plan_inputs()["volumes"], "prometheus": {"size_gb": 80}}
    assert _disk_items(volumes=volumes, monitoring={"volume_gb": 40})["volume prometheus"] == 80
    assert "volume prometheus" not in _disk_items(monitoring_enabled=False)
    assert "volume prometheus" not in _disk_items(monitoring_enabled="no")
    # Monitoring is off for capacity_plan callers that do not say otherwise.
    inputs = _with()
    del inputs["monitoring_enabled"]
    assert "volume prometheus" not in {i["name"] for i in bud.build_plan(**inputs)["budget"]["disk"]["items"]}


def test_bad_monitoring_settings_are_named() -> None:
    plan = bud.build_plan(**_with(monitoring_enabled="maybe", monitoring={"volume_gb": -1}))
    assert any(m.startswith("aistack_monitoring_enabled is text 'maybe'") for m in _errors(plan))
    plan = bud.build_plan(**_with(monitoring={"volume_gb": "big"}))
    assert any(m.startswith("aistack_monitoring.volume_gb is text 'big'") for m in _errors(plan))


def test_example_70b_models_do_not_fit_in_vram(example_plan: dict[str, Any]) -> None:
    models = {m["name"]: m for m in example_plan["models"]["primary"]["models"]}
    vram = 8192 * MIB
    for name in ("llama3.3:70b", "qwen2.5:72b", "codellama:70b"):
        model = models[name]
        assert not model["fits_vram"]
        assert model["gpu_layers"] < model["layers_total"]
        assert model["total"] > vram
        assert model["ram_used"] > 0 and model["vram_used"] <= vram
        assert model["fits"]  # ... but they load, from RAM
    split = " ".join(_problems(example_plan, "models/primary", "warning"))
    assert "llama3.3:70b 0/81 layers on GPU" in split


def test_example_hot_set_kv_at_16_slots(example_plan: dict[str, Any], catalog: dict[str, est.ModelSpec]) -> None:
    hot = example_plan["models"]["primary"]["hot_set"]
    assert hot["models"] == ["qwen2.5-coder:14b", "llama3.1:8b", "mistral:7b"]
    assert hot["num_parallel"] == 16
    # 8 GiB VRAM -> default num_ctx 4096; KV per token: 192 KiB + 128 KiB + 128 KiB
    expected = 4096 * 16 * (192 + 128 + 128) * 1024
    assert hot["kv"] == expected == 28 * GIB
    assert hot["kv_one_slot"] * 16 == hot["kv"]
    [warning] = [m for m in _problems(example_plan, "models/primary", "warning") if "multiplies" in m]
    assert "28.0 GiB" in warning and "multiplies its KV cache by 16" in warning
    assert hot["fits"] and hot["ram_used"] <= 80 * GIB


def test_example_recommendations(example_plan: dict[str, Any]) -> None:
    rec = example_plan["models"]["primary"]["recommendations"]
    assert 1 <= int(rec["OLLAMA_MAX_LOADED_MODELS"]) < 8
    assert rec["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert any("OLLAMA_MAX_LOADED_MODELS=8" in m for m in _problems(example_plan, "models/primary", "warning"))
    standalone = example_plan["models"]["standalone"]
    assert standalone["gpus"] == [] and standalone["allocation"] == "ollama_standalone"
    assert standalone["memory_limit"] == 64 * GIB


def test_example_errors_come_first_and_are_counted(example_plan: dict[str, Any]) -> None:
    severities = [p["severity"] for p in example_plan["problems"]]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert example_plan["summary"] == {
        "errors": severities.count("error"),
        "warnings": severities.count("warning"),
    }


def test_lower_parallel_shrinks_the_hot_set() -> None:
    inputs = example_plan_inputs()
    inputs["ollama_env"] = {**inputs["ollama_env"], "OLLAMA_NUM_PARALLEL": "1"}
    plan = bud.build_plan(**inputs)
    hot = plan["models"]["primary"]["hot_set"]
    assert hot["kv"] == hot["kv_one_slot"] == 1.75 * GIB
    assert not any("multiplies its KV cache" in p["message"] for p in plan["problems"])


def test_hot_set_that_does_not_fit_is_an_error() -> None:
    inputs = example_plan_inputs()
    inputs["allocations"] = {**inputs["allocations"], "ollama": {"cpu": 35, "memory_gb": 24}}
    plan = bud.build_plan(**inputs)
    errors = _problems(plan, "models/primary", "error")
    assert any("the hot set" in m and "24.0 GiB RAM" in m for m in errors)
    assert any("llama3.3:70b can never load" in m for m in errors)
    assert not plan["models"]["primary"]["hot_set"]["fits"]


def test_gpu_without_known_memory_is_planned_cpu_only() -> None:
    inputs = example_plan_inputs()
    inputs["hardware"] = {**inputs["hardware"], "gpus": [{"name": "NVIDIA GA106", "memory_mib": None}]}
    plan = bud.build_plan(**inputs)
    assert plan["models"]["primary"]["vram_total"] == 0
    assert any("NVIDIA GA106" in m for m in _problems(plan, "hardware/gpu", "warning"))


def test_extra_problems_are_merged() -> None:
    extra = [{"severity": "error", "area": "preflight/os", "message": "Ubuntu 20.04 is too old", "fix": "upgrade"}]
    plan = bud.build_plan(**example_plan_inputs(), extra_problems=extra)
    assert {**extra[0]} in plan["problems"]


def test_models_beyond_the_volume_are_an_error() -> None:
    inputs = example_plan_inputs()
    inputs["volumes"] = {**inputs["volumes"], "ollama": {"size_gb": 100}}
    plan = bud.build_plan(**inputs)
    assert any("aistack_volumes.ollama.size_gb is 100 GiB" in m for m in _problems(plan, "models/primary", "error"))


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


def _with(**changes: Any) -> dict[str, Any]:
    inputs = copy.deepcopy(example_plan_inputs())
    inputs.update(changes)
    return inputs


def _errors(plan: dict[str, Any]) -> list[str]:
    return [p["message"] for p in plan["problems"] if p["severity"] == "error"]


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"hardware": {"cpu_cores": 10000, "memory_gb": 96}}, r"^hardware.cpu_cores is 10000 but must be a whole"),
        ({"hardware": {"cpu_cores": -4, "memory_gb": 96}}, r"^hardware.cpu_cores is -4"),
        ({"hardware": {"cpu_cores": 40, "memory_gb": 0}}, r"^hardware.memory_gb is 0 but must be a number more than 0"),
        ({"hardware": {"cpu_cores": 40, "memory_gb": "lots"}}, r"^hardware.memory_gb is text 'lots' but must be a num"),
        ({"hardware": {"cpu_cores": 40, "memory_gb": 96, "gpus": [{"name": "x", "memory_mib": 0}]}}, r"memory_mib"),
        (
            {"hardware": {"cpu_cores": 40, "memory_gb": 96, "disks": [{"size_gb": 10, "free_gb": 20}]}},
            r"free_gb \(20\) is larger than size_gb",
        ),
        ({"allocations": {"ollama": {"cpu": -1, "memory_gb": 8}}}, r"^aistack_allocations.ollama.cpu is -1"),
        ({"allocations": {"ollama": {"cpu": 2, "memory_gb": 1e9}}}, r"^aistack_allocations.ollama.memory_gb is 1e\+09"),
        ({"allocations": {"ollama": {"cpu": 2}}}, r"^aistack_allocations.ollama.memory_gb is missing"),
        (
            {"volumes": {"ollama": {"size_gb": -5}}},
            r"^aistack_volumes.ollama.size_gb is -5 but must be a number at least",
        ),
        ({"disk_reserved_gb": {"system": "lots"}}, r"^aistack_disk_reserved_gb.system is text 'lots'"),
        ({"ollama_env": {"OLLAMA_NUM_PARALLEL": "many"}}, r"^aistack_ollama_env.OLLAMA_NUM_PARALLEL is text 'many'"),
        ({"ollama_env": {"OLLAMA_NUM_PARALLEL": "-2"}}, r"OLLAMA_NUM_PARALLEL is text '-2' but must be a whole number"),
        ({"ollama_env": {"OLLAMA_NUM_PARALLEL": 0}}, r"OLLAMA_NUM_PARALLEL is 0 but must be a whole number from 1"),
        ({"ollama_env": {"OLLAMA_MAX_LOADED_MODELS": "0"}}, r"OLLAMA_MAX_LOADED_MODELS is text '0'"),
        ({"ollama_env": {"OLLAMA_MAX_QUEUE": "-1"}}, r"OLLAMA_MAX_QUEUE is text '-1' but must be a whole number"),
        ({"ollama_env": {"OLLAMA_KV_CACHE_TYPE": "q5_1"}}, r"OLLAMA_KV_CACHE_TYPE is text 'q5_1' but must be one of"),
        ({"ollama_env": {"OLLAMA_KEEP_ALIVE": "a day"}}, r"OLLAMA_KEEP_ALIVE is text 'a day' but must be a duration"),
        ({"ollama_env": {"OLLAMA_KEEP_ALIVE": "24"}}, None),
        ({"ollama_env": {"OLLAMA_KEEP_ALIVE": "1h30m"}}, None),
        ({"ollama_env": {"OLLAMA_KEEP_ALIVE": "-1"}}, None),
        ({"ollama_env": {"OLLAMA_KEEP_ALIVE": "24hours"}}, r"OLLAMA_KEEP_ALIVE is text '24hours'"),
        (
            {"models": {"primary": [{"name": "mistral:7b", "num_ctx": 65536}]}},
            r"^aistack_models.primary\[0\].num_ctx is 65536, above the maximum context of mistral:7b \(32768",
        ),
        (
            {"models": {"primary": [{"name": "mistral:7b", "tier": "lukewarm"}]}},
            r"^aistack_models.primary\[0\].tier is text 'lukewarm' but must be one of hot, warm, cold, none",
        ),
        ({"models": {"primary": [{"tier": "hot"}]}}, r"^aistack_models.primary\[0\] has no model name"),
        ({"models": {"primary": [{"name": "", "tier": "hot"}]}}, r"^aistack_models.primary\[0\] has no model name"),
        ({"models": {"primary": "llama3.1:8b"}}, r"^aistack_models.primary is text 'llama3.1:8b' but must be a list"),
        ({"catalog_extra": [{"name": "broken:1b", "size_bytes": 5}]}, r"lacks required fields"),
        ({"extra_problems": [{"severity": "fatal", "message": "x"}]}, r"extra_problems\[0\]"),
    ],
)
def test_bad_input_is_an_error_naming_the_variable(changes: dict[str, Any], pattern: str | None) -> None:
    plan = bud.build_plan(**_with(**changes))
    inventory = [p["message"] for p in plan["problems"] if p["area"] == "inventory"]
    if pattern is None:
        assert inventory == []
        return
    assert any(re.search(pattern, m) for m in inventory), inventory
    # The planner goes on: the rest of the inventory is still planned and reported.
    assert plan["summary"]["errors"] == len(_errors(plan))
    if "hardware" not in changes:
        assert plan["budget"]["disk"]["available"] == 1000
        assert "primary" in plan["models"]


def test_bad_hardware_leaves_the_plan_empty_but_lists_every_problem() -> None:
    plan = bud.build_plan(
        **_with(hardware={"cpu_cores": "forty", "memory_gb": 96}, volumes={"ollama": {"size_gb": -1}})
    )
    assert plan["hardware"] == {} and plan["budget"] == {} and plan["models"] == {}
    assert any(m.startswith("hardware.cpu_cores is text 'forty'") for m in _errors(plan))
    assert any(m.startswith("aistack_volumes.ollama.size_gb is -1") for m in _errors(plan))


def test_every_problem_of_an_inventory_in_one_run() -> None:
    inputs = _with(
        allocations={**example_plan_inputs()["allocations"], "redis": {"cpu": 2, "memory_gb": "eight"}},
        volumes={**example_plan_inputs()["volumes"], "open_webui": {"size_gb": -100}},
        models={"primary": [*example_plan_inputs()["models"]["primary"], {"name": "qwen3:0.6b", "tier": "warm"}]},
        ollama_env={
            **example_plan_inputs()["ollama_env"],
            "OLLAMA_KV_CACHE_TYPE": "q8_0",
            "OLLAMA_FLASH_ATTENTION": "0",
        },
        ollama_version="0.32.15",
    )
    plan = bud.build_plan(**inputs)
    errors = _errors(plan)
    assert any(m.startswith("aistack_allocations.redis.memory_gb is text 'eight'") for m in errors)
    assert any(m.startswith("aistack_volumes.open_webui.size_gb is -100") for m in errors)
    assert any(m.startswith("OLLAMA_KV_CACHE_TYPE=q8_0: ") and "does not load" in m for m in errors)
    assert any(m.startswith("not estimated: qwen3:0.6b") for m in _problems(plan, "models/primary", "warning"))
    # The design's over-commit is still found beside them.
    assert {"budget/cpu", "budget/memory"} <= {p["area"] for p in plan["problems"] if p["severity"] == "error"}


# ---------------------------------------------------------------------------
# Models the catalog lacks
# ---------------------------------------------------------------------------

UNKNOWN = ("gemma3:1b", "qwen3:0.6b", "gpt-oss:120b", "mxbai-embed-large")


def test_unknown_models_never_stop_the_plan() -> None:
    models = {"primary": [{"name": n, "tier": "hot"} for n in UNKNOWN] + [{"name": "llama3.1:8b", "tier": "hot"}]}
    plan = bud.build_plan(**_with(models=models))
    primary = plan["models"]["primary"]
    assert [m["name"] for m in primary["not_estimated"]] == [*UNKNOWN[:3], "mxbai-embed-large:latest"]
    # Left out of every fit decision: the hot set, the recommendations and the volume size.
    assert primary["hot_set"]["models"] == ["llama3.1:8b"]
    assert primary["recommendations"]["loaded_models"] == ["llama3.1:8b"]
    assert [m["name"] for m in primary["models"]] == ["llama3.1:8b"]
    warnings = _problems(plan, "models/primary", "warning")
    warning = next(p for p in plan["problems"] if p["message"].startswith("not estimated:"))
    assert warning["severity"] == "warning"
    for source in ("running Ollama instance", "registry access", "aistack_model_catalog_extra"):
        assert source in warning["fix"]
    assert not any("not in the capacity catalog" in m for m in _errors(plan))
    assert any("gemma3:1b, qwen3:0.6b, gpt-oss:120b, mxbai-embed-large:latest" in m for m in warnings)


def test_an_instance_of_unknown_models_only_still_plans() -> None:
    plan = bud.build_plan(**_with(models={"standalone": [{"name": "gpt-oss:120b", "tier": "hot"}]}))
    standalone = plan["models"]["standalone"]
    assert standalone["models"] == [] and standalone["hot_set"]["models"] == []
    assert standalone["not_estimated"][0]["name"] == "gpt-oss:120b"


def test_a_catalog_extra_row_makes_a_model_estimated() -> None:
    row = {
        "name": "qwen3:0.6b",
        "size_bytes": 5_225_376_047,
        "architecture": "qwen3",
        "block_count": 36,
        "head_count": 32,
        "head_count_kv": 8,
        "key_length": 128,
        "value_length": 128,
        "embedding_length": 4096,
        "vocab_size": 151_936,
        "context_length": 40_960,
    }
    models = {"primary": [{"name": "qwen3:0.6b", "tier": "hot"}]}
    plan = bud.build_plan(**_with(models=models, catalog_extra=[row]))
    primary = plan["models"]["primary"]
    assert primary["not_estimated"] == [] and primary["hot_set"]["models"] == ["qwen3:0.6b"]
    assert primary["models"][0]["source"] == "aistack_model_catalog_extra (inventory)"
    # A bad row is an error naming it and the model stays not estimated.
    plan = bud.build_plan(**_with(models=models, catalog_extra=[{**row, "block_count": "many", "head_count_kv": 64}]))
    # Every bad field of the row in one message.
    assert (
        "aistack_model_catalog_extra[0] row 'qwen3:0.6b': field 'block_count' must be an integer, got 'many'; "
        "field 'head_count_kv' must be between 1 and 32, got 64"
    ) in _errors(plan)
    assert plan["models"]["primary"]["not_estimated"][0]["name"] == "qwen3:0.6b"


def test_volume_check_is_per_instance_and_skips_unknown_models() -> None:
    models = {
        "primary": [{"name": "llama3.1:8b"}, {"name": "gpt-oss:120b"}],
        "standalone": [{"name": "qwen2.5-coder:14b"}, {"name": "llama3.1:8b"}],
    }
    volumes = {"ollama": {"size_gb": 6}, "ollama_standalone": {"size_gb": 10}}
    plan = bud.build_plan(**_with(models=models, volumes=volumes))
    assert _problems(plan, "models/primary", "error") == []
    standalone = _problems(plan, "models/standalone", "error")
    assert len(standalone) == 1 and standalone[0].startswith("aistack_volumes.ollama_standalone.size_gb is 10 GiB")
    fix = next(p["fix"] for p in plan["problems"] if p["area"] == "models/standalone" and p["severity"] == "error")
    assert "Raise aistack_volumes.ollama_standalone.size_gb to at least 13" in fix
    plan = bud.build_plan(**_with(models=models, volumes={"ollama": {"size_gb": 4}}))
    assert "not counting 1 models that are not estimated" in _problems(plan, "models/primary", "error")[0]
