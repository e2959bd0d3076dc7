"""The bundled example inventory (the design's server) as capacity-plan inputs, for the unit tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def example_plan_inputs() -> dict[str, Any]:
    """Return the arguments the preflight role passes to capacity_plan for inventories/example (a fresh copy)."""
    stack = yaml.safe_load((ROOT / "inventories/example/group_vars/all/stack.yml").read_text())
    host = yaml.safe_load((ROOT / "inventories/example/host_vars/ai-server.yml").read_text())
    platform = yaml.safe_load((ROOT / "inventories/example/group_vars/all/platform.yml").read_text())
    return {
        "host": "ai-server",
        "hardware": host["preflight_declared_hardware"],
        "allocations": stack["aistack_allocations"],
        "standby_allocations": stack["aistack_standby_allocations"],
        "volumes": stack["aistack_volumes"],
        "disk_reserved_gb": stack["aistack_disk_reserved_gb"],
        "ollama_env": stack["aistack_ollama_env"],
        "models": stack["aistack_models"],
        "monitoring_enabled": platform["aistack_monitoring_enabled"],
        "monitoring": platform["aistack_monitoring"],
    }
