"""Unit tests for the hardware_facts module: where the tree goes (arguments via patch_module_args)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.aistack.baremetal.plugins.modules import hardware_facts

DECLARED: dict[str, Any] = {
    "cpu_cores": 8,
    "memory_gb": 32,
    "os": {"distribution": "Debian", "version": "12"},
    "gpus": [{"name": "NVIDIA GeForce RTX 3050", "memory_mib": 8192}],
}


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(SystemExit):
        hardware_facts.main()
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_tree_becomes_a_fact_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"declared": DECLARED}, capsys)
    assert result["changed"] is False
    assert "hardware" not in result
    tree = result["ansible_facts"]["aistack_hardware"]
    assert tree["gpu_driver"]["pci_gpu_count"] == 1
    assert tree["gpu_driver"]["kernel_module_flavor"] is None


def test_set_facts_false_returns_the_tree_and_sets_no_fact(capsys: pytest.CaptureFixture[str]) -> None:
    result = run({"declared": DECLARED, "set_facts": False}, capsys)
    assert "aistack_hardware" not in result.get("ansible_facts", {})
    assert result["hardware"]["summary"]["gpus"] == [{"name": "NVIDIA GeForce RTX 3050", "memory_mib": 8192}]
    assert result["hardware"] == run({"declared": DECLARED}, capsys)["ansible_facts"]["aistack_hardware"]
