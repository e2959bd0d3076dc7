"""Unit tests for plugins/module_utils/_ollama_name.py: parsing, display and comparison of names."""

from __future__ import annotations

import pytest

from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_errors as e
from ansible_collections.aistack.baremetal.plugins.module_utils import _ollama_name as n

# -- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shortest"),
    [
        ("llama3.1", "llama3.1:latest"),
        ("llama3.1:8b", "llama3.1:8b"),
        ("library/llama3.1:8b", "llama3.1:8b"),
        ("registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
        ("https://registry.ollama.ai/library/llama3.1:8b", "llama3.1:8b"),
        ("jmorgan/mymodel", "jmorgan/mymodel:latest"),
        ("hf.co/bartowski/X-GGUF:Q4_K_M", "hf.co/bartowski/X-GGUF:Q4_K_M"),
        ("localhost:5000/ns/model:v1", "localhost:5000/ns/model:v1"),
        ("_private:1", "_private:1"),
        ("llama3.1:local", "llama3.1:latest"),
        ("mistral:7b:local", "mistral:7b"),
        ("mistral:7b:LOCAL", "mistral:7b"),
        ("gpt-oss:20b:cloud", "gpt-oss:20b-cloud"),
        ("gpt-oss:cloud", "gpt-oss:cloud"),
        ("gpt-oss:20b-cloud", "gpt-oss:20b-cloud"),
        ("localhost:5000/ns/model", "localhost:5000/ns/model:latest"),
    ],
)
def test_name_shortest(raw: str, shortest: str) -> None:
    assert n.ModelName.parse(raw).shortest() == shortest


def test_names_compare_case_insensitively_and_with_defaults() -> None:
    assert n.ModelName.parse("Llama3.1:8B") == n.ModelName.parse("registry.ollama.ai/library/llama3.1:8b")
    assert n.ModelName.parse("llama3.1") == n.ModelName.parse("llama3.1:latest")
    assert n.ModelName.parse("llama3.1:latest") != n.ModelName.parse("llama3.1:8b")


@pytest.mark.parametrize(
    "raw",
    ["", "  ", "bad name", "-lead", "a/b.c/model", "model:", ":tag", "x" * 81, "model:t@g", "a//b", "m:cloud:local"],
)
def test_invalid_names(raw: str) -> None:
    with pytest.raises(e.OllamaNameError, match="invalid model name"):
        n.ModelName.parse(raw)


def test_normalize_names_dedups_and_reports_all_errors() -> None:
    names = n.normalize_names(["llama3.1", "LLAMA3.1:latest", "mistral:7b"])
    assert [n.shortest() for n in names] == ["llama3.1:latest", "mistral:7b"]
    with pytest.raises(e.OllamaNameError) as err:
        n.normalize_names(["ok", "bad one", "worse!"])
    assert "'bad one'" in str(err.value) and "'worse!'" in str(err.value)


def test_cloud_names_are_marked() -> None:
    assert n.ModelName.parse("gpt-oss:20b:cloud").cloud
    assert n.ModelName.parse("gpt-oss:20b-cloud").cloud
    assert not n.ModelName.parse("gpt-oss:20b:local").cloud
    assert n.ModelName.parse("gpt-oss:20b:cloud") == n.ModelName.parse("gpt-oss:20b-cloud")
