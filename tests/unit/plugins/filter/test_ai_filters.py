"""The AI-service filters: inventory layout from hostvars, errors as filter errors naming the variable."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.filter.ai_services import FilterModule

FILTERS = FilterModule().filters()


def _host(allocations: dict[str, Any], volumes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"aistack_allocations": allocations, "aistack_volumes": volumes, **extra}


def test_layout_scale_out_from_hostvars() -> None:
    gpu = {"ollama": {"cpu": 16, "memory_gb": 64}}
    hostvars = {
        "control": _host({"open_webui": {"cpu": 4, "memory_gb": 8}}, {}),
        "gpu-a": _host(gpu, {"ollama": {"size_gb": 400}}, ansible_facts={"nodename": "GPU-A.lan"}),
        "gpu-b": _host(gpu, {"ollama": {"size_gb": 300}}),
    }
    layout = FILTERS["ollama_layout"](["control", "gpu-a", "gpu-b"], hostvars)
    assert [n["node"] for n in layout["nodes"]] == ["gpu-a.lan", "gpu-b"]
    assert [n["volume_gb"] for n in layout["nodes"]] == [400, 300]
    assert layout["standalone"] == {"enabled": False}


def test_values_objects_and_errors() -> None:
    with pytest.raises(AnsibleFilterError, match="no builder for 'grafana'"):
        FILTERS["ai_values"]({}, "grafana")
    with pytest.raises(AnsibleFilterError, match="ai_objects: no builder for 'jupyterhub'; known: ollama, open_webui"):
        FILTERS["ai_objects"]({}, "jupyterhub")
    with pytest.raises(AnsibleFilterError, match="ai_workloads: no builder for 'ollama'; known: open_webui"):
        FILTERS["ai_workloads"]({}, "ollama")
    with pytest.raises(AnsibleFilterError, match="ollama_primary_name"):
        FILTERS["ollama_instances"]({"primary_name": "Bad_Name"})
    with pytest.raises(AnsibleFilterError, match="aistack_allocations: no host has an 'ollama' allocation"):
        FILTERS["ollama_layout"](["a"], {"a": _host({}, {})})
