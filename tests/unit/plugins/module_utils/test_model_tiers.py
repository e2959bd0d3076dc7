"""Unit tests for _model_tiers.py (the aistack.baremetal.model_plan filter's logic)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils._model_tiers import ModelPlanError, plan
from ansible_collections.aistack.baremetal.tests.unit.example_inventory import example_plan_inputs

URLS = {"primary": "http://10.43.0.20:11434/", "standalone": "http://10.43.0.21:11435"}


def test_example_inventory_plan() -> None:
    models = example_plan_inputs()["models"]
    primary, standalone = plan(models, URLS)
    assert primary["name"] == "primary"
    assert primary["url"] == "http://10.43.0.20:11434"
    assert primary["preload"] == ["qwen2.5-coder:14b", "llama3.1:8b", "mistral:7b"]
    assert primary["pull"] == [
        "qwen2.5-coder:14b",
        "llama3.1:8b",
        "mistral:7b",
        "devstral:24b",
        "deepseek-r1:14b",
        "llama3.2:3b",
        "qwen2.5-coder:32b",
        "deepseek-r1:32b",
        "llama3.2:1b",
    ]
    assert primary["cold"] == ["llama3.3:70b", "qwen2.5:72b", "codellama:70b"]
    assert primary["tiers"]["warm"] == ["devstral:24b", "deepseek-r1:14b", "llama3.2:3b"]
    assert standalone["pull"] == ["qwen2.5-coder:14b", "llama3.1:8b"]
    assert standalone["preload"] == [] and standalone["cold"] == []


def test_entry_without_tier_is_pulled_never_preloaded() -> None:
    (only,) = plan({"primary": [{"name": "llama3.2:1b"}, {"name": "mistral:7b", "tier": ""}]}, URLS)
    assert only["pull"] == ["llama3.2:1b", "mistral:7b"]
    assert only["preload"] == []
    assert only["tiers"]["none"] == ["llama3.2:1b", "mistral:7b"]


def test_empty_and_missing_lists() -> None:
    assert plan(None, {}) == []
    (only,) = plan({"standalone": None}, URLS)
    assert only["pull"] == [] and only["preload"] == []


@pytest.mark.parametrize(
    ("lists", "urls", "message"),
    [
        (
            {"primary": [{"name": "a", "tier": "lukewarm"}]},
            URLS,
            "models_lists.primary[0].tier must be one of hot, warm",
        ),
        ({"primary": [{"tier": "hot"}]}, URLS, "models_lists.primary[0] must be a mapping with at least a name"),
        ({"primary": ["llama3.1:8b"]}, URLS, "models_lists.primary[0] must be a mapping"),
        ({"primary": "llama3.1:8b"}, URLS, "models_lists.primary must be a list"),
        ({"backup": []}, URLS, "models_urls.backup must be the http(s) URL of the backup Ollama API, got None"),
        ({"primary": []}, {"primary": "ollama:11434"}, "models_urls.primary must be the http(s) URL"),
        (
            {"primary": [{"name": "a", "tier": "hot"}, {"name": "a", "tier": "cold"}]},
            URLS,
            "models_lists.primary[1]: a is listed twice, as hot and as cold",
        ),
        ([], URLS, "models_lists must be a mapping"),
        ({}, [], "models_urls must be a mapping"),
    ],
)
def test_bad_input_names_the_variable(lists: Any, urls: Any, message: str) -> None:
    with pytest.raises(ModelPlanError) as err:
        plan(lists, urls)
    assert message in str(err.value)


def test_a_bad_second_instance_fails_the_whole_plan() -> None:
    lists = {"primary": [{"name": "a", "tier": "hot"}], "standalone": [{"name": "b", "tier": "frozen"}]}
    with pytest.raises(ModelPlanError, match=r"models_lists\.standalone\[0\]\.tier"):
        plan(lists, URLS)


def test_same_model_same_tier_twice_is_one_model() -> None:
    (only,) = plan({"primary": [{"name": "a", "tier": "warm"}, {"name": "a", "tier": "warm"}]}, URLS)
    assert only["pull"] == ["a"]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("llama3.1:8b", "entry"),
        ({"tier": "hot"}, "name"),
        ({"name": " "}, "name"),
        ({"name": "m", "tier": "x"}, "tier"),
    ],
)
def test_one_entry_check_serves_the_models_role_and_the_planner(entry: object, field: str) -> None:
    """The planner reports (not raises) exactly the entries the models role refuses, through parse_entry."""
    from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_inputs as inp
    from ansible_collections.aistack.baremetal.plugins.module_utils import _capacity_problems as prob
    from ansible_collections.aistack.baremetal.plugins.module_utils import _model_tiers as tiers

    with pytest.raises(tiers.ModelPlanError) as caught:
        tiers.parse_entry(entry, "aistack_models.primary[0]")
    assert caught.value.field == field
    problems = prob.Problems()
    known, unknown = inp.validate_models({"primary": [entry]}, {}, problems)
    assert known == {"primary": []} and unknown == {"primary": []}
    assert len(problems.items) == 1 and "aistack_models.primary[0]" in problems.items[0]["message"]
    assert tiers.parse_entry({"name": " m ", "tier": ""}, "w") == ("m", "none")
