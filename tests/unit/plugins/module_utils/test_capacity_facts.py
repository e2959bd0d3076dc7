"""The planner uses the facts model_architecture read: a model the catalog lacks is estimated from its architecture."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_budget as bud
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_catalog as cat
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_facts as fac
from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_problems as prob
from ansible_collections.aistack.baremetal.plugins.module_utils import _model_sources as src
from ansible_collections.aistack.baremetal.plugins.module_utils._ollama_name import ModelName
from ansible_collections.aistack.baremetal.tests.unit import gguf_models as gm
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

NAME = "gemma3:12b-it-custom"


@pytest.fixture(scope="module")
def gemma_result() -> dict[str, Any]:
    """What model_architecture returns for a gemma3 GGUF file (written by the gguf package)."""
    path = gm.cached_model("gemma3:12b")
    source = src.ArtifactSource(str(path.parent), {NAME: str(path)}, src.FactCache(None), 4096, 1 << 20)
    result = src.describe([(NAME, ModelName.parse(NAME))], [source])[0]
    assert result["estimated"] is True
    # The test file is small (64 tokens, two tensors); give it the real blob's size and vocabulary.
    result["facts"].update({"size_bytes": 8_100_000_000, "vocab_size": 262_144})
    return result


def _plan(models: list[dict[str, Any]], facts: list[dict[str, Any]] | None, version: str | None) -> dict[str, Any]:
    inputs = example_plan_inputs()
    inputs["models"] = {"primary": models}
    return bud.build_plan(**inputs, model_facts=facts, ollama_version=version)


def test_row_from_facts_keeps_the_architecture(gemma_result: dict[str, Any]) -> None:
    row = fac.row_from_facts(NAME, gemma_result["facts"])
    assert row["architecture"] == "gemma3"
    assert row["sliding_window"] == 1024
    assert row["sliding_window_layers"][:6] == [True] * 5 + [False]
    assert row["block_count"] == 48 and row["head_count_kv"] == 8 and row["key_length"] == 256
    spec = cat.spec_from_row(row, "test", "artifact")
    assert spec.swa_layers.count(False) == 8


def test_unknown_model_with_facts_is_planned(gemma_result: dict[str, Any]) -> None:
    plan = _plan([{"name": NAME, "tier": "hot", "num_ctx": 8192}], [gemma_result], "0.32.15")
    primary = plan["models"]["primary"]
    assert primary["not_estimated"] == []
    (model,) = primary["models"]
    assert model["name"] == NAME
    assert model["facts_from"] == "artifact"
    assert model["method"] == "allocations"
    assert model["source"].startswith("model_architecture: artifact (")
    slots = model["num_parallel"]
    assert slots == 16  # the example inventory's OLLAMA_NUM_PARALLEL
    # 8 global blocks of 8192 tokens per slot, 40 windowed of 1024 per slot + one batch of 512, f16
    assert model["kv"] == (8 * 8192 * 16 + 40 * (1024 * 16 + 512)) * 512 * 8 * 2
    assert primary["hot_set"]["models"] == [NAME]
    assert not any("not estimated" in p["message"] for p in plan["problems"])


def test_the_pinned_version_chooses_the_method(gemma_result: dict[str, Any]) -> None:
    rows = [{"name": NAME, "tier": "hot", "num_ctx": 8192}]
    old = _plan(rows, [gemma_result], "0.11.10")["models"]["primary"]["models"][0]
    new = _plan(rows, [gemma_result], "0.12.0")["models"]["primary"]["models"][0]
    unpinned = _plan(rows, [gemma_result], None)["models"]["primary"]["models"][0]
    assert old["method"] == unpinned["method"] == "estimator"
    assert new["method"] == "allocations"
    assert old["total"] > new["total"]
    assert old["overhead"] > 0 == new["overhead"]


def test_facts_win_over_the_catalog_and_extra_rows_win_over_facts(gemma_result: dict[str, Any]) -> None:
    facts = copy.deepcopy(gemma_result)
    facts["name"] = "llama3.1:8b"
    plan = _plan([{"name": "llama3.1:8b", "tier": "hot"}], [facts], None)
    assert plan["models"]["primary"]["models"][0]["facts_from"] == "artifact"
    catalog = cat.build_catalog(
        [
            {
                "name": "llama3.1:8b",
                "size_bytes": 4_920_753_328,
                "architecture": "llama",
                "block_count": 32,
                "head_count": 32,
                "head_count_kv": 8,
                "embedding_length": 4096,
                "vocab_size": 128_256,
                "context_length": 131_072,
            }
        ],
        prob.Problems(),
        fac.specs_from_facts([facts], prob.Problems()),
    )
    assert catalog["llama3.1:8b"].origin == "catalog_extra"


def test_facts_that_make_no_spec_leave_the_model_not_estimated(gemma_result: dict[str, Any]) -> None:
    """The file's own (tiny) size is smaller than its embeddings: a warning, and the plan completes."""
    facts = copy.deepcopy(gemma_result)
    facts["facts"]["size_bytes"] = 1000
    plan = _plan([{"name": NAME, "tier": "hot"}], [facts], "0.32.15")
    primary = plan["models"]["primary"]
    assert [m["name"] for m in primary["not_estimated"]] == [NAME]
    messages = [p["message"] for p in plan["problems"] if p["severity"] == "warning"]
    assert any(m.startswith("not estimated from its architecture") and "size_bytes" in m for m in messages)
    assert any(m.startswith(f"not estimated: {NAME}") for m in messages)
    assert plan["summary"]["errors"] == _plan([], None, None)["summary"]["errors"]


def test_models_without_facts_and_bad_facts_lists() -> None:
    problems = prob.Problems()
    missing = {"name": "x:1", "estimated": False, "facts": None, "reason": "no source"}
    assert fac.specs_from_facts([missing], problems) == {}
    assert fac.specs_from_facts(None, problems) == {}
    assert not problems.items
    assert fac.specs_from_facts("nope", problems) == {}
    assert fac.specs_from_facts([42], problems) == {}
    assert [p["message"].split(" is ")[0] for p in problems.items] == ["model_facts", "model_facts[0]"]


def test_bad_version_is_named() -> None:
    plan = _plan([], None, "latest")
    assert any(p["message"].startswith("aistack_ollama_version is text 'latest'") for p in plan["problems"])


def test_vision_graph_from_gemma3_metadata() -> None:
    from ansible_collections.aistack.baremetal.plugins.module_utils._model_arch import facts_from_metadata

    meta = {
        "general.architecture": "gemma3",
        "gemma3.block_count": 48,
        "gemma3.attention.head_count": 16,
        "gemma3.embedding_length": 3840,
        "gemma3.context_length": 131072,
        "gemma3.vision.image_size": 896,
        "gemma3.vision.patch_size": 14,
        "gemma3.vision.num_channels": 3,
        "gemma3.vision.attention.head_count": 16,
        "gemma3.vision.embedding_length": 1152,
    }
    # 4 x (896^2 x 3 + 1152 x 14 + 4096^2 x 16): projector.graph="1.0 GiB" in Ollama's log
    assert facts_from_metadata(meta)["vision_graph_bytes"] == 1_083_440_128


def test_unknown_model_without_source_still_completes() -> None:
    plan = _plan([{"name": "nomic-embed-text-v9:latest", "tier": "warm"}], None, "0.32.15")
    assert [m["name"] for m in plan["models"]["primary"]["not_estimated"]] == ["nomic-embed-text-v9:latest"]
    assert plan["models"]["primary"]["models"] == []


def test_standalone_volume_is_budgeted_by_default() -> None:
    """A standalone Ollama (standby allocation) without aistack_volumes.ollama_standalone takes the role's 50 GiB."""
    inputs = example_plan_inputs()
    assert "ollama_standalone" in inputs["standby_allocations"]
    assert "ollama_standalone" not in inputs["volumes"]
    plan = bud.build_plan(**inputs)
    items = {i["name"]: i["value"] for i in plan["budget"]["disk"]["items"]}
    assert items["volume ollama_standalone"] == 50
    without = {**inputs, "standby_allocations": {}}
    baseline = bud.build_plan(**without)["budget"]["disk"]["requested"]
    assert plan["budget"]["disk"]["requested"] == baseline + 50
    named = {**inputs, "volumes": {**inputs["volumes"], "ollama_standalone": {"size_gb": 80}}}
    items = {i["name"]: i["value"] for i in bud.build_plan(**named)["budget"]["disk"]["items"]}
    assert items["volume ollama_standalone"] == 80
