"""The aistack.baremetal.kubelet_reserved filter: the plan's rows, else what the planner assumes (= k3s defaults)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.aistack.baremetal.plugins.filter.kubelet_reserved import FilterModule

ROOT = Path(__file__).resolve().parents[4]
RESERVED = FilterModule().filters()["kubelet_reserved"]


def test_rows_of_the_plan() -> None:
    plan = {"system": {"cpu": 2, "memory_gb": 4}, "kubernetes": {"cpu": 0.5, "memory_gb": 1.5}, "ollama": {"cpu": 30}}
    assert RESERVED(plan, "system") == {"cpu": "2", "memory": "4Gi"}
    assert RESERVED(plan, "kubernetes") == {"cpu": "0.5", "memory": "1.5Gi"}


def test_without_the_rows_the_k3s_role_defaults() -> None:
    defaults = yaml.safe_load((ROOT / "roles/k3s/defaults/main.yml").read_text(encoding="utf-8"))
    assert RESERVED({}, "system") == defaults["k3s_system_reserved"]
    assert RESERVED(None, "kubernetes") == defaults["k3s_kube_reserved"]


def test_errors_name_the_variable() -> None:
    with pytest.raises(AnsibleFilterError, match=r"aistack_allocations\.system: needs numbers cpu and memory_gb"):
        RESERVED({"system": {"cpu": 2}}, "system")
    with pytest.raises(AnsibleFilterError, match="row must be one of"):
        RESERVED({}, "gpu")
    with pytest.raises(AnsibleFilterError, match="plan: must be a dict"):
        RESERVED(["x"], "system", "plan")
