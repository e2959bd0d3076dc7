"""Every static YAML copy of a collection-wide constant equals its one definition in _constants.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from ansible_collections.aistack.baremetal.plugins.module_utils import _constants as const
from ansible_collections.aistack.baremetal.plugins.module_utils._capacity_budget import kubelet_reservations
from ansible_collections.aistack.baremetal.plugins.module_utils._preflight import default_supported_os

ROOT = Path(__file__).resolve().parents[4]
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/main.yml"))


def _yaml(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text())


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_meta_platforms_are_the_supported_os(role: Path) -> None:
    platforms = yaml.safe_load((role / "meta" / "main.yml").read_text())["galaxy_info"]["platforms"]
    found = {p["name"]: sorted(p["versions"]) for p in platforms}
    expected: dict[str, list[str]] = {}
    for distribution, _version, codename in const.SUPPORTED_OS:
        expected.setdefault(distribution, []).append(codename)
    assert found == {name: sorted(codenames) for name, codenames in expected.items()}


def test_base_role_supports_the_same_os() -> None:
    platforms = _yaml("roles/base/vars/main.yml")["__base_supported_platforms"]
    assert {(d, v) for d, versions in platforms.items() for v in versions} == {
        (d, v) for d, v, _c in const.SUPPORTED_OS
    }


def test_preflight_defaults_to_the_collection_os_list() -> None:
    assert _yaml("roles/preflight/defaults/main.yml")["preflight_supported_os"] == []
    assert default_supported_os()[0] == {"distribution": "Debian", "version": "12"}


def test_base_role_knows_the_same_container_types() -> None:
    assert sorted(_yaml("roles/base/vars/main.yml")["__base_container_types"]) == sorted(const.CONTAINER_VIRT_TYPES)


def test_one_vars_file_for_the_debian_family() -> None:
    files = sorted(p.name for p in (ROOT / "roles" / "base" / "vars").glob("*.yml"))
    assert files == ["Debian.yml", "main.yml"]
    tasks = (ROOT / "roles" / "base" / "tasks" / "preflight.yml").read_text()
    assert "ansible_facts['os_family'] }}.yml" in tasks


def test_longhorn_data_path_defaults_agree() -> None:
    assert _yaml("roles/preflight/defaults/main.yml")["preflight_storage_paths"] == [const.LONGHORN_DATA_PATH]
    assert _yaml("roles/k3s/defaults/main.yml")["k3s_longhorn_data_path"] == const.LONGHORN_DATA_PATH
    assert _yaml("inventories/example/group_vars/all/stack.yml")["aistack_longhorn_data_path"] == (
        const.LONGHORN_DATA_PATH
    )


def _render(value: Any, **context: Any) -> Any:
    env = jinja2.Environment(undefined=jinja2.ChainableUndefined)  # noqa: S701 - not HTML
    if isinstance(value, dict):
        return {k: _render(v, **context) for k, v in value.items()}
    return env.from_string(str(value)).render(**context)


def test_k3s_reservation_defaults_are_what_the_planner_assumes() -> None:
    defaults = _yaml("roles/k3s/defaults/main.yml")
    system = _render(defaults["k3s_system_reserved"])
    kube = _render(defaults["k3s_kube_reserved"])
    planned = kubelet_reservations(40, 96)

    def gib(text: str) -> float:
        assert text.endswith("Gi"), text
        return float(text[:-2])

    assert (float(system["cpu"]), gib(system["memory"])) == (
        planned["system_reserved"]["cpu"],
        planned["system_reserved"]["memory_gb"],
    )
    assert (float(kube["cpu"]), gib(kube["memory"])) == (
        planned["kube_reserved"]["cpu"],
        planned["kube_reserved"]["memory_gb"],
    )
    assert defaults["k3s_eviction_hard"]["memory.available"] == f"{const.K3S_EVICTION_HARD_MEMORY_MI}Mi"


def test_standalone_volume_default_is_what_preflight_budgets() -> None:
    defaults = yaml.safe_load((ROOT / "roles/ollama/defaults/main.yml").read_text())
    assert defaults["ollama_standalone"]["volume_gb"] == const.OLLAMA_STANDALONE_VOLUME_GB


def test_monitoring_volume_default_is_what_preflight_budgets() -> None:
    defaults = yaml.safe_load((ROOT / "roles/monitoring/defaults/main.yml").read_text())
    assert defaults["monitoring_volume_gb"] == const.MONITORING_VOLUME_GB
    # The playbooks' fallback when neither aistack_volumes.prometheus nor aistack_monitoring.volume_gb is set.
    mapped = yaml.safe_load((ROOT / "playbooks/vars/monitoring.yml").read_text())["monitoring_volume_gb"]
    assert mapped.rstrip(" }").endswith(f"| default({const.MONITORING_VOLUME_GB}))"), mapped
